// Standard Webhooks v1 signatures (docs/contract.md, "Signatures"): HMAC-SHA256 over
// `{webhook-id}.{webhook-timestamp}.{raw body}`, secrets `whsec_<base64 key>`, several active at once (rotation),
// a 5-minute tolerance either way, constant-time comparison.
//
// Done with node:crypto alone: the signed content is built from the raw body bytes and from the timestamp header's
// text exactly as sent (a `0`-prefixed timestamp is signed as sent, never re-printed from a number), and only the
// canonical base64 text of a 32-byte HMAC is accepted as a signature (no missing padding, no stray bits).
import { createHmac, timingSafeEqual } from "node:crypto";

/** How far `webhook-timestamp` may be from now, either way. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;
/** The shortest HMAC key accepted, in bytes once decoded (the contract's minimum). */
export const MIN_SECRET_KEY_BYTES = 24;

const SECRET_PREFIX = "whsec_";
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HMAC_SHA256_BYTES = 32;
const DIGITS = /^[0-9]+$/;

export type WebhookVerification = { ok: true; webhookId: string; timestamp: number } | { ok: false; message: string };

/** A body as received: its bytes, or a string standing for its UTF-8 bytes. */
export type RawBody = Uint8Array | string;

/** A webhook secret setting that cannot be used. Its message never contains a secret. */
export class WebhookSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookSecretError";
  }
}

function keyOf(secret: string, describe: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX))
    throw new WebhookSecretError(`${describe} is malformed: it must start with "${SECRET_PREFIX}"`);
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(encoded))
    throw new WebhookSecretError(
      `${describe} is malformed: the part after "${SECRET_PREFIX}" must be a non-empty standard base64 key`,
    );
  if (encoded.length % 4 !== 0)
    throw new WebhookSecretError(
      `${describe} is malformed: the part after "${SECRET_PREFIX}" is not valid base64 (check its length and padding)`,
    );
  const key = Buffer.from(encoded, "base64");
  if (key.length < MIN_SECRET_KEY_BYTES)
    throw new WebhookSecretError(
      `${describe} is too short: its key is ${key.length} bytes, at least ${MIN_SECRET_KEY_BYTES} are required (generate one with \`openssl rand -base64 32\`)`,
    );
  return key;
}

/**
 * Reads the secrets setting: one or more `whsec_<base64 key>` separated by spaces (several during a rotation), each
 * key at least 24 bytes. Throws a `WebhookSecretError` naming the bad entry by its position, never by its value.
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

function hmac(key: Buffer, webhookId: string, timestampText: string, body: RawBody): Buffer {
  return createHmac("sha256", key).update(`${webhookId}.${timestampText}.`, "utf8").update(body).digest();
}

/** The `webhook-signature` header value (`v1,<base64>`) for a body, as the channel's platform sends it. */
export function signWebhook(input: { secret: string; webhookId: string; timestamp: number; body: RawBody }): string {
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0)
    throw new RangeError("timestamp must be whole Unix seconds");
  const key = keyOf(input.secret, "the webhook secret");
  return `v1,${hmac(key, input.webhookId, String(input.timestamp), input.body).toString("base64")}`;
}

/** The headers of one signed JSON delivery, as the channel's platform sends them (the demo, the soak, the fuzz). */
export function signedWebhookHeaders(input: {
  secret: string;
  webhookId: string;
  timestamp: number;
  body: RawBody;
}): Record<string, string> {
  return {
    "content-type": "application/json",
    "webhook-id": input.webhookId,
    "webhook-timestamp": String(input.timestamp),
    "webhook-signature": signWebhook(input),
  };
}

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const value = headers[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** The canonical base64 text of a 32-byte value, decoded; undefined for any other text. */
function canonicalDigest(encoded: string): Buffer | undefined {
  if (!BASE64.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, "base64");
  return decoded.length === HMAC_SHA256_BYTES && decoded.toString("base64") === encoded ? decoded : undefined;
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
    const decoded = canonicalDigest(entry.slice(comma + 1));
    if (decoded) signatures.push(decoded);
    else malformed++;
  }
  return { signatures, malformed, otherVersions };
}

/**
 * Verifies a delivery on its raw body bytes, before any parsing. Valid when any `v1` entry of `webhook-signature` is
 * the signature of any active secret and `webhook-timestamp` is within 5 minutes of `now`. Messages say what is
 * wrong without revealing a secret or the expected signature. Throws a `WebhookSecretError` when `secrets` is empty
 * or holds a malformed secret: that is the adapter's fault (5xx), not the sender's.
 */
export function verifyWebhook(
  rawBody: RawBody,
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

  if (!DIGITS.test(timestampHeader))
    return { ok: false, message: "webhook-timestamp must be the sending time in Unix seconds (digits only)" };
  // Digits only, so `Number` reads it as decimal; the signed content keeps the text as sent.
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
          ? 'malformed webhook-signature header: expected space-separated entries "v1,<canonical base64 HMAC-SHA256>"'
          : 'webhook-signature has no "v1,<base64 HMAC-SHA256>" entry (other versions are not accepted)',
    };

  let matched = false;
  for (const key of keys) {
    const expected = hmac(key, webhookId, timestampHeader, rawBody);
    for (const signature of signatures) matched = timingSafeEqual(expected, signature) || matched;
  }
  if (!matched) return { ok: false, message: "no signature matched any active secret" };
  return { ok: true, webhookId, timestamp };
}
