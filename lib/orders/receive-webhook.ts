// Use case: take one webhook delivery, in the order of checks the contract fixes: size (413), signature and
// timestamp (401), content type (415), JSON (400), schema (400), then the webhook-id look-up (200 / 409).
// The event is stored durably and queued before the 202: after a 2xx nothing is lost.
import { createHash } from "node:crypto";
import { parseChannelEvent } from "../channel/schemas";
import { verifyWebhook } from "../channel/signature";
import type { EventQueue, EventStore, QueuedEvent } from "./ports";
import type { Clock } from "./ports";
import type { StoredEvent } from "./model";

export interface WebhookRequest {
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  rawBody: string;
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
  queue: EventQueue;
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
  };
  const message = (from: StoredEvent): QueuedEvent => ({
    webhook_id: from.webhook_id,
    order_id: from.order_id,
    type: from.type,
    received_at: from.received_at,
    body: from.body,
  });
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
    // Still queued: an earlier delivery may have been stored but not sent (its answer was a 5xx), so send again.
    // SQS deduplicates within 5 minutes and the worker ignores events it has settled.
    if (put.existing.status === "queued") await deps.queue.send(message(put.existing));
    return { statusCode: 200, body: { status: "duplicate", webhook_id: webhookId }, outcome: "duplicate", ...base };
  }

  await deps.queue.send(message(stored));
  return { statusCode: 202, body: { status: "accepted", webhook_id: webhookId }, outcome: "accepted", ...base };
}
