// Replaying a parked event: the stored event (with its body) goes through the queue again, marked as a replay so
// the worker re-applies it. One implementation for the admin API, the console and the CLI.
import type { EventStatus, StoredEvent } from "../orders/model";
import type { EventQueue } from "../orders/ports";

export interface ReplayStore {
  getEvent(webhookId: string): Promise<StoredEvent | undefined>;
}

export type ReplayOutcome =
  | { kind: "replayed"; event: StoredEvent; was: string }
  | { kind: "not_found" }
  | { kind: "not_parked"; status: EventStatus };

/** Sends a stored event through the queue as a replay, whatever its status (a reconciliation's placement). */
export async function sendForReplay(queue: EventQueue, event: StoredEvent): Promise<void> {
  await queue.send({
    webhook_id: event.webhook_id,
    order_id: event.order_id,
    type: event.type,
    received_at: event.received_at,
    body: event.body,
    replay: true,
  });
}

/** Replays one event if it is parked (`failed`); anything else is left alone and said so. */
export async function replayStoredEvent(
  deps: { events: ReplayStore; queue: EventQueue },
  webhookId: string,
): Promise<ReplayOutcome> {
  const event = await deps.events.getEvent(webhookId);
  if (!event) return { kind: "not_found" };
  if (event.status !== "failed") return { kind: "not_parked", status: event.status };
  await sendForReplay(deps.queue, event);
  return { kind: "replayed", event, was: event.reason ?? "failed" };
}
