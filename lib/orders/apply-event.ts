// Use case: apply one queued event to its order. Events that cannot be applied for a lasting reason are parked
// (status `failed` with a reason); passing faults are thrown so the queue retries them.
import * as v from "valibot";
import { parseChannelEvent } from "../channel/schemas";
import type { EventQueue, QueuedEvent } from "./ports";
import { applyDeferredCancels, cancelOrder, type AxCanceller } from "./cancel-order";
import type { ApplyOutcome } from "./order-state";
import { placeOrder, type PlaceOrderDeps } from "./place-order";

export const QueuedEventSchema = v.object({
  webhook_id: v.pipe(v.string(), v.minLength(1)),
  order_id: v.pipe(v.string(), v.minLength(1)),
  type: v.string(),
  received_at: v.string(),
  body: v.string(),
  replay: v.optional(v.boolean()),
});

export interface ParkEvent {
  /** Records a lasting failure for an event that never reached its order (e.g. a body that no longer parses). */
  parkEvent(webhookId: string, reason: string, detail: string): Promise<void>;
}

export type ApplyEventDeps = PlaceOrderDeps & ParkEvent & { ax: PlaceOrderDeps["ax"] & AxCanceller };

export async function applyQueuedEvent(deps: ApplyEventDeps, message: QueuedEvent): Promise<ApplyOutcome> {
  const parsed = parseChannelEvent(JSON.parse(message.body) as unknown);
  if (!parsed.ok) {
    const detail = `the stored body no longer passes the contract: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
    await deps.parkEvent(message.webhook_id, "invalid_payload", detail);
    return { status: "failed", reason: "invalid_payload", detail };
  }
  const context = { webhookId: message.webhook_id, receivedAt: message.received_at, replay: message.replay === true };
  const event = parsed.event;
  if (event.type === "order.placed") {
    const outcome = await placeOrder(deps, context, event);
    // Cancellations that arrived first (or while the create was uncertain) are applied right after the placement.
    if (outcome.cancelsWaiting === true) await applyDeferredCancels(deps, event.data.order_id);
    return outcome;
  }
  const { order_id: orderId, ...cancel } = event.data;
  return cancelOrder(deps, context, orderId, cancel);
}

export type { EventQueue };
