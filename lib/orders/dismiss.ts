// Use case: an operator gives up on a parked event that no replay can help (a cancellation naming an item the
// order does not have), with a note saying why. The event is settled as `ignored` (reason `dismissed`, the note in
// its detail), in one write with the order's record of it (conditional on the order's version) and the operator's
// records: the audit entry and the order's log line. A dismissed event is done: it is never replayed.
import type { ActionRecords } from "./attempt-log";
import type { EventStatus, StoredEvent } from "./model";
import { commitOrder, withEvent } from "./order-state";
import {
  ConcurrentUpdateError,
  type Clock,
  type EventOutcomeWrite,
  type EventReader,
  type OrderRepository,
} from "./ports";

export interface EventDismisser extends EventReader {
  /** Settles an event no order records, with the records, if its status is still `expectedStatus`; false if not. */
  settleEventAlone(
    outcome: EventOutcomeWrite,
    expectedStatus: EventStatus,
    records: ActionRecords,
    now: Date,
  ): Promise<boolean>;
}

export interface DismissDeps {
  events: EventDismisser;
  orders: OrderRepository;
  clock: Clock;
}

export class DismissError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DismissError";
  }
}

/** No event of that id is stored. */
export class UnknownDismissError extends DismissError {}

const ATTEMPTS = 5;

export async function dismissEvent(
  deps: DismissDeps,
  webhookId: string,
  by: string,
  note: string,
  record: (event: StoredEvent) => ActionRecords,
): Promise<StoredEvent> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const event = await deps.events.getEvent(webhookId);
    if (!event) throw new UnknownDismissError(`no event ${webhookId} is stored`);
    if (event.status !== "failed")
      throw new DismissError(`event ${webhookId} is ${event.status}: only a parked (failed) event is dismissed`);
    const outcome = {
      status: "ignored" as const,
      reason: "dismissed",
      detail: `dismissed by ${by} at ${deps.clock.now().toISOString()}: ${note} (was ${event.reason ?? "failed"}: ${event.detail ?? ""})`,
    };
    const { order, axOrders } = await deps.orders.load(event.order_id);
    const summary = order?.events[webhookId];
    try {
      if (!order || !summary) {
        if (
          await deps.events.settleEventAlone(
            { webhook_id: webhookId, ...outcome },
            event.status,
            record(event),
            deps.clock.now(),
          )
        )
          return { ...event, ...outcome };
        continue; // it moved (a replay, a worker) between the read and the write: look again
      }
      const next = withEvent(
        order,
        { webhookId, receivedAt: summary.received_at, replay: false },
        summary.type,
        outcome,
      );
      await commitOrder(
        deps,
        { order: next, version: order.version },
        { all: axOrders, settle: [webhookId], records: record(event) },
      );
      return { ...event, ...outcome };
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
    }
  }
  throw new DismissError(
    `event ${webhookId} kept changing while it was being dismissed (${ATTEMPTS} attempts); look at it and try again`,
  );
}
