// Use case: put a stored event back through the queue once its cause is fixed (an operator's replay). It goes through
// the outbox like a new event: the stored event becomes `queued` again with the next `requeue_seq`, and the table's
// stream queues it. A parked (`failed`) or waiting (`queued`) event can be replayed; an applied or ignored one cannot
// (it is done: replaying it would do nothing). An event its order records is replayed in one write with the order,
// conditional on the order's version: a worker or another operator acting on the order meanwhile makes it look again.
// A replayed placement plans item by item from what is booked (placement-plan.ts); the answer says what it will do.
import { parseStoredEventBody } from "../channel/schemas";
import type { ActionRecords } from "./attempt-log";
import type { EventStatus, StoredEvent } from "./model";
import { commitOrder, withEvent } from "./order-state";
import { previewReplan, type ReplanPreview } from "./placement-plan";
import {
  ConcurrentUpdateError,
  type Clock,
  type EventReader,
  type OrderRepository,
  type ProductCatalog,
} from "./ports";

export interface EventRequeuer extends EventReader {
  /** Requeues an event no order records (conditional on the status seen); undefined when it moved. */
  requeueEvent(
    webhookId: string,
    request: { expectedStatus: EventStatus; replay: boolean; by: string },
    now: Date,
    records?: ActionRecords,
  ): Promise<StoredEvent | undefined>;
}

export interface ReplayDeps {
  events: EventRequeuer;
  orders: OrderRepository;
  products: ProductCatalog;
  clock: Clock;
}

export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplayError";
  }
}

/** No event of that id is stored. */
export class UnknownReplayError extends ReplayError {}

export interface Replayed {
  event: StoredEvent;
  /** A placement: what the worker will do with each item, as the order stands now. */
  plan?: ReplanPreview;
}

const REPLAYABLE: ReadonlySet<EventStatus> = new Set(["failed", "queued"]);
const ATTEMPTS = 5;

/**
 * Requeues the event; `by` names who asked (recorded on the event), `record` what the operator's action records
 * (its audit entry, the order's log line), written in the same write. Retries when the event or its order moves.
 */
export async function replayEvent(
  deps: ReplayDeps,
  webhookId: string,
  by: string,
  record?: (event: StoredEvent) => ActionRecords,
): Promise<Replayed> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const event = await deps.events.getEvent(webhookId);
    if (!event) throw new UnknownReplayError(`no event ${webhookId} is stored`);
    if (!REPLAYABLE.has(event.status))
      throw new ReplayError(
        `event ${webhookId} is ${event.status}: only parked (failed) or waiting (queued) events are replayed`,
      );
    const { order, axOrders } = await deps.orders.load(event.order_id);
    const summary = order?.events[webhookId];
    if (!order || !summary) {
      // The event never reached its order (its body was refused, its order was never written): the event alone.
      const written = await deps.events.requeueEvent(
        webhookId,
        { expectedStatus: event.status, replay: true, by },
        deps.clock.now(),
        record?.(event),
      );
      if (written) return { event: written };
      continue; // a worker settled it (or another operator requeued it) between the read and the write
    }
    const at = deps.clock.now().toISOString();
    const next = withEvent(order, { webhookId, receivedAt: summary.received_at, replay: true }, summary.type, {
      status: "queued",
      reason: "replayed",
      detail: `replayed by ${by} at ${at}`,
    });
    try {
      const written = await commitOrder(
        deps,
        { order: next, version: order.version },
        {
          all: axOrders,
          settle: [webhookId],
          requeue: { by, replay: true },
          ...(record ? { records: record(event) } : {}),
        },
      );
      const requeued = await deps.events.getEvent(webhookId);
      if (!requeued) throw new UnknownReplayError(`no event ${webhookId} is stored`);
      if (event.type !== "order.placed") return { event: requeued };
      const parsed = parseStoredEventBody(event.body);
      if (!parsed.ok || parsed.event.type !== "order.placed") return { event: requeued };
      return { event: requeued, plan: await previewReplan(deps.products, parsed.event.data, written.order, axOrders) };
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
    }
  }
  throw new ReplayError(
    `event ${webhookId} kept changing while it was being replayed (${ATTEMPTS} attempts); look at it and try again`,
  );
}

/** A plan in words, for the answer an operator reads. */
export function describePlan(plan: ReplanPreview): string {
  const list = (entries: { item_id: string; product_type: string }[]) =>
    entries.map((entry) => `${entry.item_id} (${entry.product_type})`).join(", ");
  const parts: string[] = [];
  if (plan.left_as_booked.length > 0)
    parts.push(
      `left as booked: ${plan.left_as_booked
        .map(
          (b) =>
            `${b.item_id} (${b.product_type}${b.ax_order_code ? ` AX order ${b.ax_order_code}` : `, create ${b.state}`})`,
        )
        .join(", ")}`,
    );
  if (plan.planned.length > 0) parts.push(`to be sent: ${list(plan.planned)}`);
  if (plan.waiting.length > 0)
    parts.push(`waiting for their family's uncertain create to be reconciled: ${list(plan.waiting)}`);
  if (plan.unmapped.length > 0)
    parts.push(`no mapping yet for ${plan.unmapped.map((u) => `${u.sku} (item ${u.item_id})`).join(", ")}`);
  if (parts.length === 0) return "nothing left to send";
  return parts.join("; ");
}
