// Standard Webhooks v1 signatures (docs/contract.md, "Signatures"): HMAC-SHA256 over
// `{webhook-id}.{webhook-timestamp}.{raw body}`, secrets `whsec_<base64 key>`, several active at once (rotation),
// a 5-minute tolerance either way, constant-time comparison.
//
// The `standardwebhooks` library decodes the secrets and computes the signatures. Its `Webhook.verify` is not used:
// it reads the clock itself (no explicit `now`), takes one secret per instance, parses the timestamp with
// `parseInt` (so "1700000000abc" passes) and answers only "Missing required headers" / "No matching signature
// found". Verification is therefore done here, comparing the decoded HMACs with node:crypto `timingSafeEqual`.
import { timingSafeEqual } from "node:crypto";
import { Webhook } from "standardwebhooks";

/** How far `webhook-timestamp` may be from now, either way. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

const SECRET_PREFIX = "whsec_";
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HMAC_SHA256_BYTES = 32;

export type WebhookVerification = { ok: true; webhookId: string; timestamp: number } | { ok: false; message: string };

/** A webhook secret setting that cannot be used. Its message never contains a secret. */
export class WebhookSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookSecretError";
  }
}

function keyOf(secret: string, describe: string): Webhook {
  if (!secret.startsWith(SECRET_PREFIX))
    throw new WebhookSecretError(`${describe} is malformed: it must start with "${SECRET_PREFIX}"`);
  const key = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(key))
    throw new WebhookSecretError(
      `${describe} is malformed: the part after "${SECRET_PREFIX}" must be a non-empty standard base64 key`,
    );
  try {
    return new Webhook(secret);
  } catch {
    throw new WebhookSecretError(
      `${describe} is malformed: the part after "${SECRET_PREFIX}" is not valid base64 (check its length and padding)`,
    );
  }
}

/**
 * Reads the secrets setting: one or more `whsec_<base64 key>` separated by spaces (several during a rotation).
 * Throws a `WebhookSecretError` naming the malformed entry by its position, never by its value.
 */
export function parseSecrets(setting: string): string[] {
  const secrets = setting.split(/\s+/).filter((entry) => entry !== "");
  if (secrets.length === 0)
    throw new WebhookSecretError(
      `no webhook secret is set: expected one or more "${SECRET_PREFIX}<base64 key>" separated by spaces`,
    );
  secrets.forEach((secret, index) => keyOf(secret, `webhook secret ${index + 1} of ${secrets.length}`));
  return secrets;
}

/** The `webhook-signature` header value (`v1,<base64>`) for a body, as the channel's platform sends it. */
export function signWebhook(input: { secret: string; webhookId: string; timestamp: number; body: string }): string {
  if (!Number.isInteger(input.timestamp)) throw new RangeError("timestamp must be whole Unix seconds");
  return keyOf(input.secret, "the webhook secret").sign(input.webhookId, new Date(input.timestamp * 1000), input.body);
}

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const value = headers[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** The v1 signatures of the header, decoded; entries of other versions are ignored. */
function v1Signatures(signatureHeader: string): { signatures: Buffer[]; malformed: number; otherVersions: number } {
  const signatures: Buffer[] = [];
  let malformed = 0;
  let otherVersions = 0;
  for (const entry of signatureHeader.split(" ")) {
    if (entry === "") continue;
    const comma = entry.indexOf(",");
    if (comma <= 0) {
      malformed++;
      continue;
    }
    if (entry.slice(0, comma) !== "v1") {
      otherVersions++;
      continue;
    }
    const encoded = entry.slice(comma + 1);
    const decoded = BASE64.test(encoded) ? Buffer.from(encoded, "base64") : undefined;
    if (decoded?.length === HMAC_SHA256_BYTES) signatures.push(decoded);
    else malformed++;
  }
  return { signatures, malformed, otherVersions };
}

/**
 * Verifies a delivery on its raw body, before any parsing. Valid when any `v1` entry of `webhook-signature` is the
 * signature of any active secret and `webhook-timestamp` is within 5 minutes of `now`. Messages say what is wrong
 * without revealing a secret or the expected signature. Throws a `WebhookSecretError` when `secrets` is empty or
 * holds a malformed secret: that is the adapter's fault (5xx), not the sender's.
 */
export function verifyWebhook(
  rawBody: string,
  headers: Record<string, string | undefined>,
  secrets: readonly string[],
  now: Date = new Date(),
): WebhookVerification {
  if (secrets.length === 0) throw new WebhookSecretError("no webhook secret is active");
  const keys = secrets.map((secret, index) => keyOf(secret, `webhook secret ${index + 1} of ${secrets.length}`));

  const webhookId = header(headers, "webhook-id");
  const timestampHeader = header(headers, "webhook-timestamp");
  const signatureHeader = header(headers, "webhook-signature");
  const missing = [
    ...(webhookId === undefined ? ["webhook-id"] : []),
    ...(timestampHeader === undefined ? ["webhook-timestamp"] : []),
    ...(signatureHeader === undefined ? ["webhook-signature"] : []),
  ];
  if (webhookId === undefined || timestampHeader === undefined || signatureHeader === undefined)
    return { ok: false, message: `missing header${missing.length > 1 ? "s" : ""} ${missing.join(", ")}` };

  if (!/^\d{1,12}$/.test(timestampHeader))
    return { ok: false, message: "webhook-timestamp must be the sending time in Unix seconds (digits only)" };
  const timestamp = Number(timestampHeader);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (nowSeconds - timestamp > TIMESTAMP_TOLERANCE_SECONDS)
    return {
      ok: false,
      message: `webhook-timestamp is too old: ${nowSeconds - timestamp} seconds before now, more than the ${TIMESTAMP_TOLERANCE_SECONDS} allowed`,
    };
  if (timestamp - nowSeconds > TIMESTAMP_TOLERANCE_SECONDS)
    return {
      ok: false,
      message: `webhook-timestamp is too new: ${timestamp - nowSeconds} seconds in the future, more than the ${TIMESTAMP_TOLERANCE_SECONDS} allowed`,
    };

  const { signatures, malformed, otherVersions } = v1Signatures(signatureHeader);
  if (signatures.length === 0)
    return {
      ok: false,
      message:
        malformed > 0 || otherVersions === 0
          ? 'malformed webhook-signature header: expected space-separated entries "v1,<base64 HMAC-SHA256>"'
          : 'webhook-signature has no "v1,<base64 HMAC-SHA256>" entry (other versions are not accepted)',
    };

  const signedAt = new Date(timestamp * 1000);
  let matched = false;
  for (const key of keys) {
    const expected = Buffer.from(key.sign(webhookId, signedAt, rawBody).slice("v1,".length), "base64");
    for (const signature of signatures) matched = timingSafeEqual(expected, signature) || matched;
  }
  if (!matched) return { ok: false, message: "no signature matched any active secret" };
  return { ok: true, webhookId, timestamp };
}
