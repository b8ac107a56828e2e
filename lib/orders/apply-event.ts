// Use case: apply one queued event to its order. The message names the event; the event itself (type, body, whether
// it is a replay) is read from the table, where the receiver stored it after checking its signature. Events that
// cannot be applied for a lasting reason are parked (status `failed` with a reason); passing faults are thrown so
// the queue retries them.
import * as v from "valibot";
import { parseStoredEventBody, type ChannelEvent } from "../channel/schemas";
import type { EventReader, QueuedEvent } from "./ports";
import { applyDeferredCancels, cancelOrder, type AxCanceller } from "./cancel-order";
import type { ApplyOutcome } from "./order-state";
import { placeOrder, type PlaceOrderDeps } from "./place-order";
import { entriesOfAxOrders, entriesOfEvent, type SearchIndex } from "./search-entries";

/** A queue message: ids only (fields of older messages, such as a body, are ignored). */
export const QueuedEventSchema = v.object({
  webhook_id: v.pipe(v.string(), v.minLength(1)),
  order_id: v.pipe(v.string(), v.minLength(1)),
  requeue_seq: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
  correlation_id: v.optional(v.string()),
});

export interface ParkEvent {
  /** Records a lasting failure for an event that never reached its order (e.g. a body that no longer parses). */
  parkEvent(webhookId: string, reason: string, detail: string): Promise<void>;
}

export type ApplyEventDeps = PlaceOrderDeps &
  ParkEvent & { ax: PlaceOrderDeps["ax"] & AxCanceller; events: EventReader; search: SearchIndex };

/** The message names no stored event of its order: nothing is applied (a forged, damaged or stale message). */
export class UnknownEventError extends Error {
  constructor(message: QueuedEvent, why: string) {
    super(`queue message for event ${message.webhook_id} of order ${message.order_id}: ${why}; nothing applied`);
    this.name = "UnknownEventError";
  }
}

export async function applyQueuedEvent(deps: ApplyEventDeps, message: QueuedEvent): Promise<ApplyOutcome> {
  const stored = await deps.events.getEvent(message.webhook_id);
  if (!stored) throw new UnknownEventError(message, "no such event is stored");
  if (stored.order_id !== message.order_id)
    throw new UnknownEventError(message, `the stored event belongs to order ${stored.order_id}`);
  const parsed = parseStoredEventBody(stored.body);
  if (!parsed.ok) {
    const detail = `the stored body no longer passes the contract: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
    await deps.parkEvent(stored.webhook_id, "invalid_payload", detail);
    return { status: "failed", reason: "invalid_payload", detail };
  }
  const context = { webhookId: stored.webhook_id, receivedAt: stored.received_at, replay: stored.replay === true };
  const event = parsed.event;
  if (event.type === "order.placed") {
    const outcome = await placeOrder(deps, context, event);
    // Cancellations that arrived first (or while the create was uncertain) are applied right after the placement.
    if (outcome.cancelsWaiting === true) await applyDeferredCancels(deps, event.data.order_id);
    await recordSearchEntries(deps, event, stored.received_at);
    return outcome;
  }
  const { order_id: orderId, ...cancel } = event.data;
  const outcome = await cancelOrder(deps, context, orderId, cancel);
  await recordSearchEntries(deps, event, stored.received_at);
  return outcome;
}

/**
 * What an operator can find the order by (lib/orders/search-entries.ts), written after the event is applied: a
 * failure here throws, so the queue delivers the message again and the (idempotent) entries are written then, as
 * they are after a crash between the order's write and these.
 */
async function recordSearchEntries(deps: ApplyEventDeps, event: ChannelEvent, receivedAt: string): Promise<void> {
  const entries = entriesOfEvent(event, receivedAt);
  if (event.type === "order.placed")
    entries.push(...entriesOfAxOrders((await deps.orders.load(event.data.order_id)).axOrders));
  await deps.search.recordSearchEntries(entries);
}
