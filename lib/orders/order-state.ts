// What the use cases share: the order's derived status, and writing an order change with the discipline of the
// whole adapter (conditional on the version read; the event's outcome in the same write).
import type { AxOrderRecord, EventSummary, OrderRecord, OrderStatus } from "./model";
import type { Clock, OrderRepository } from "./ports";

/** The order as last written, with the version the next write must expect. */
export interface Snapshot {
  order: OrderRecord;
  version: number | undefined;
}

export interface WriteDeps {
  orders: OrderRepository;
  clock: Clock;
}

export interface ApplyOutcome {
  /** `queued`: the event waits for something (its order's placement) and will be applied later. */
  status: "applied" | "ignored" | "failed" | "queued";
  reason?: string;
  detail?: string;
  /** Set when this call did nothing because the event had been settled before. */
  alreadySettled?: boolean;
  /** After a placement: cancellations wait on the order (as last written) to be applied next. */
  cancelsWaiting?: boolean;
}

export interface EventContext {
  webhookId: string;
  receivedAt: string;
  /** An operator's replay: re-applies an event that was parked (failed). */
  replay: boolean;
}

const CANCELLED_ORDER_STATUSES: ReadonlySet<string> = new Set(["Traveler cancel", "Unavoidable cancel"]);
const CANCELLED_TICKET_STATUSES: ReadonlySet<string> = new Set(["Traveler canceled", "Supplier canceled"]);

export const isCancelledAxOrderStatus = (status: string) => CANCELLED_ORDER_STATUSES.has(status);
export const isCancelledAxOrder = (axOrder: AxOrderRecord) => isCancelledAxOrderStatus(axOrder.ax_order_status);
export const isCancelledTicket = (status: string) => CANCELLED_TICKET_STATUSES.has(status);

export function newOrder(orderId: string, now: Date): OrderRecord {
  return {
    order_id: orderId,
    status: "pending",
    version: 0,
    create_calls: {},
    events: {},
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
  };
}

/** The order's status, from its create calls, its AX orders and what was cancelled. */
export function orderStatus(order: OrderRecord, axOrders: readonly AxOrderRecord[]): OrderStatus {
  const calls = Object.values(order.create_calls);
  if (calls.some((call) => call.state === "uncertain")) return "uncertain";
  const items = (order.items ?? []).map((item) => item.item_id);
  const before = order.cancelled_before_ax ?? { items: [], tickets: [] };
  const axByItem = new Map(axOrders.map((axOrder) => [axOrder.item_id, axOrder]));
  const itemCancelled = (itemId: string) => {
    const axOrder = axByItem.get(itemId);
    if (!axOrder) return before.items.includes(itemId);
    return (
      isCancelledAxOrder(axOrder) ||
      (axOrder.tickets.length > 0 && axOrder.tickets.every((ticket) => isCancelledTicket(ticket.ax_ticket_status)))
    );
  };
  if (items.length > 0 && items.every(itemCancelled)) return "cancelled";
  const anyCancelled =
    items.some(itemCancelled) ||
    before.tickets.length > 0 ||
    axOrders.some((axOrder) => axOrder.tickets.some((ticket) => isCancelledTicket(ticket.ax_ticket_status)));
  if (anyCancelled) return "partially_cancelled";
  if (calls.some((call) => call.state === "failed")) return "failed";
  // Placed only when every item has its AX order: a family whose create is still being retried is not placed yet.
  const everyItemInAx = items.every((itemId) => axByItem.has(itemId) || before.items.includes(itemId));
  if (calls.length > 0 && calls.every((call) => call.state === "created") && everyItemInAx) return "placed";
  return "pending";
}

/** Where the order's placement stands, as far as a cancellation is concerned. */
export function placementState(order: OrderRecord | undefined): "absent" | "in_progress" | "uncertain" | "settled" {
  if (order?.placed_by === undefined) return "absent";
  const calls = Object.values(order.create_calls);
  if (calls.some((call) => call.state === "pending")) return "in_progress";
  if (calls.some((call) => call.state === "uncertain")) return "uncertain";
  const placement = order.events[order.placed_by];
  if (!placement || placement.status === "queued") return "in_progress";
  return "settled";
}

export function outcomeFields(outcome: { status: EventSummary["status"]; reason?: string; detail?: string }) {
  return {
    status: outcome.status,
    ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
    ...(outcome.detail !== undefined ? { detail: outcome.detail } : {}),
  };
}

export function withEvent(
  order: OrderRecord,
  context: EventContext,
  type: EventSummary["type"],
  outcome: ApplyOutcome,
): OrderRecord {
  return {
    ...order,
    events: {
      ...order.events,
      [context.webhookId]: { type, received_at: context.receivedAt, ...outcomeFields(outcome) },
    },
  };
}

export interface CommitOptions {
  /** AX orders written by this change (whole items). */
  changed?: readonly AxOrderRecord[];
  /** All the order's AX orders after the change (for its status); defaults to `changed`. */
  all?: readonly AxOrderRecord[];
  /** Events whose outcome (from the order's event record) is copied to the stored event in the same write. */
  settle?: readonly string[];
  /** Put these settled-as-queued events back in the queue in the same write (see EventOutcomeWrite.requeue). */
  requeue?: { by: string; replay: boolean };
  /** AX answers (attempt ids) this change records: removed in the same write. */
  answersRecorded?: readonly string[];
}

/** Writes the order with its derived status, conditionally on the version read. */
export async function commitOrder(deps: WriteDeps, snapshot: Snapshot, options: CommitOptions = {}): Promise<Snapshot> {
  const changed = options.changed ?? [];
  const order: OrderRecord = {
    ...snapshot.order,
    status: orderStatus(snapshot.order, options.all ?? changed),
    version: (snapshot.version ?? 0) + 1,
    updated_at: deps.clock.now().toISOString(),
  };
  await deps.orders.commit({
    order,
    expectedVersion: snapshot.version,
    axOrders: [...changed],
    events: (options.settle ?? []).flatMap((webhookId) => {
      const summary = order.events[webhookId];
      if (!summary) return [];
      const requeue = options.requeue && summary.status === "queued" ? { requeue: options.requeue } : {};
      return [{ webhook_id: webhookId, ...outcomeFields(summary), ...requeue }];
    }),
    ...(options.answersRecorded?.length ? { answersRecorded: [...options.answersRecorded] } : {}),
  });
  return { order, version: order.version };
}

/** Replaces AX orders in a list by item id. */
export function mergeAxOrders(all: readonly AxOrderRecord[], changed: readonly AxOrderRecord[]): AxOrderRecord[] {
  const byItem = new Map(all.map((axOrder) => [axOrder.item_id, axOrder]));
  for (const axOrder of changed) byItem.set(axOrder.item_id, axOrder);
  return [...byItem.values()];
}
