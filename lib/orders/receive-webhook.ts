// Use case: take one webhook delivery, in the order of checks the contract fixes: size (413), signature and
// timestamp (401), content type (415), webhook-id form (400), JSON (400), schema (400), then the webhook-id
// look-up (200 / 409). Size, signature and body hash are on the raw body bytes, never on a decoded string.
// The 202 depends on one conditional write and nothing else: the stored event is the queue entry (a transactional
// outbox), forwarded to the queue from the table's stream, so after a 2xx nothing is lost.
import { createHash } from "node:crypto";
import { boundedIssues, parseChannelEvent } from "../channel/schemas";
import { verifyWebhook, type RawBody } from "../channel/signature";
import type { Clock, EventStore } from "./ports";
import type { StoredEvent } from "./model";

export interface WebhookRequest {
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** The body's bytes as sent (a string stands for its UTF-8 bytes). */
  rawBody: RawBody;
  /** The API Gateway request id: stored with the event and carried into the worker's logs. */
  correlationId?: string;
}

/** The contract's `webhook-id` form: 1–256 visible ASCII characters (it becomes a key, a log field, a CLI word). */
export const WEBHOOK_ID_PATTERN = /^[\x21-\x7E]{1,256}$/;

/** `application/json`, with no charset or with charset utf-8; other media types and charsets are refused. */
export function isJsonUtf8ContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [mediaType = "", ...parameters] = contentType.split(";");
  if (mediaType.trim().toLowerCase() !== "application/json") return false;
  return parameters.every((parameter) => {
    const [name = "", value = ""] = parameter.split("=", 2).map((part) => part.trim());
    if (name.toLowerCase() !== "charset") return true;
    return value.replace(/^"(.*)"$/, "$1").toLowerCase() === "utf-8";
  });
}

function describeBadWebhookId(webhookId: string): string {
  const rule = "webhook-id must be 1 to 256 visible ASCII characters (0x21-0x7E)";
  const position = webhookId.search(/[^\x21-\x7E]/);
  if (position >= 0) {
    const code = (webhookId.codePointAt(position) ?? 0).toString(16).toUpperCase().padStart(4, "0");
    return `${rule}; it has U+${code} at position ${position + 1}`;
  }
  return `${rule}; it has ${webhookId.length}`;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function bytesOf(body: RawBody): Buffer {
  return typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body.buffer, body.byteOffset, body.length);
}

export interface WebhookAnswer {
  statusCode: number;
  body: Record<string, unknown>;
  /** What the logs and metrics record about this delivery (never personal data). */
  outcome: "accepted" | "duplicate" | "rejected";
  reason?: string;
  webhookId?: string;
  orderId?: string;
}

export interface ReceiveDeps {
  events: EventStore;
  secrets: () => Promise<string[]>;
  maxBytes: number;
  clock: Clock;
}

const reject = (statusCode: number, error: string, message: string, webhookId?: string): WebhookAnswer => ({
  statusCode,
  body: { error, message },
  outcome: "rejected",
  reason: error,
  ...(webhookId !== undefined ? { webhookId } : {}),
});

export async function receiveWebhook(deps: ReceiveDeps, request: WebhookRequest): Promise<WebhookAnswer> {
  const bytes = bytesOf(request.rawBody);
  if (bytes.length > deps.maxBytes)
    return reject(413, "payload_too_large", `the body is ${bytes.length} bytes; the limit is ${deps.maxBytes} bytes`);

  const now = deps.clock.now();
  const verified = verifyWebhook(bytes, request.headers, await deps.secrets(), now);
  if (!verified.ok) return reject(401, "invalid_signature", verified.message);

  const contentType = request.headers["content-type"];
  if (!isJsonUtf8ContentType(contentType))
    return reject(
      415,
      "unsupported_media_type",
      `the content type must be application/json (no charset, or charset=utf-8), got ${contentType ? JSON.stringify(contentType.slice(0, 200)) : "none"}`,
    );

  // Only a well-formed id reaches keys, logs and answers; a malformed one is never echoed.
  if (!WEBHOOK_ID_PATTERN.test(verified.webhookId))
    return reject(400, "invalid_webhook_id", describeBadWebhookId(verified.webhookId));
  const webhookId = verified.webhookId;

  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return reject(400, "invalid_json", "the body is not valid UTF-8 text", webhookId);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return reject(
      400,
      "invalid_json",
      `the body is not valid JSON: ${(error as Error).message.slice(0, 300)}`,
      webhookId,
    );
  }

  const parsed = parseChannelEvent(json);
  if (!parsed.ok)
    return {
      statusCode: 400,
      body: {
        error: "invalid_payload",
        message: "the event breaks the webhook contract",
        ...boundedIssues(parsed.issues),
      },
      outcome: "rejected",
      reason: "invalid_payload",
      webhookId,
    };

  const event = parsed.event;
  const stored: StoredEvent = {
    webhook_id: webhookId,
    type: event.type,
    order_id: event.data.order_id,
    body: text,
    body_sha256: createHash("sha256").update(bytes).digest("hex"),
    status: "queued",
    received_at: now.toISOString(),
    updated_at: now.toISOString(),
    attempts: 0,
    ...(request.correlationId !== undefined ? { correlation_id: request.correlationId } : {}),
  };
  const base = { webhookId, orderId: stored.order_id };

  const put = await deps.events.putEvent(stored);
  if (!put.created) {
    if (put.existing.body_sha256 !== stored.body_sha256)
      return {
        ...reject(
          409,
          "webhook_id_conflict",
          `webhook-id ${webhookId} was already received with a different body; a new event needs a new webhook-id`,
          webhookId,
        ),
        ...base,
      };
    // Stored means queued: the stream forwarded it when it was written, so nothing is sent again here.
    return { statusCode: 200, body: { status: "duplicate", webhook_id: webhookId }, outcome: "duplicate", ...base };
  }

  return { statusCode: 202, body: { status: "accepted", webhook_id: webhookId }, outcome: "accepted", ...base };
}
