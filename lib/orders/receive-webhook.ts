// Use case: take one webhook delivery, in the order of checks the contract fixes: size (413), signature and
// timestamp (401), content type (415), JSON (400), schema (400), then the webhook-id look-up (200 / 409).
// The 202 depends on one conditional write and nothing else: the stored event is the queue entry (a transactional
// outbox), forwarded to the queue from the table's stream, so after a 2xx nothing is lost.
import { createHash } from "node:crypto";
import { parseChannelEvent } from "../channel/schemas";
import { verifyWebhook } from "../channel/signature";
import type { Clock, EventStore } from "./ports";
import type { StoredEvent } from "./model";

export interface WebhookRequest {
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  rawBody: string;
  /** The API Gateway request id: stored with the event and carried into the worker's logs. */
  correlationId?: string;
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
  const size = Buffer.byteLength(request.rawBody, "utf8");
  if (size > deps.maxBytes)
    return reject(413, "payload_too_large", `the body is ${size} bytes; the limit is ${deps.maxBytes} bytes`);

  const now = deps.clock.now();
  const verified = verifyWebhook(request.rawBody, request.headers, await deps.secrets(), now);
  if (!verified.ok) return reject(401, "invalid_signature", verified.message);
  const webhookId = verified.webhookId;

  const contentType = request.headers["content-type"];
  if (!contentType || !/^application\/json\s*(;.*)?$/i.test(contentType.trim()))
    return reject(
      415,
      "unsupported_media_type",
      `the content type must be application/json, got ${contentType ? JSON.stringify(contentType) : "none"}`,
      webhookId,
    );

  let json: unknown;
  try {
    json = JSON.parse(request.rawBody);
  } catch (error) {
    return reject(400, "invalid_json", `the body is not valid JSON: ${(error as Error).message}`, webhookId);
  }

  const parsed = parseChannelEvent(json);
  if (!parsed.ok)
    return {
      statusCode: 400,
      body: { error: "invalid_payload", message: "the event breaks the webhook contract", issues: parsed.issues },
      outcome: "rejected",
      reason: "invalid_payload",
      webhookId,
    };

  const event = parsed.event;
  const stored: StoredEvent = {
    webhook_id: webhookId,
    type: event.type,
    order_id: event.data.order_id,
    body: request.rawBody,
    body_sha256: createHash("sha256").update(request.rawBody, "utf8").digest("hex"),
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
