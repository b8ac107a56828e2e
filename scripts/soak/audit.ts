// The soak's audit, independent of the adapter's code: for every order the channel (or the operator's task) sent,
// what AX holds against what was sent (one AX order per item, never two, under its family; quantities; tickets by
// id; the money split computed here with big.js) and against the table (codes, ticket codes, statuses); every
// cancellation against AX's statuses; the order's status against what the cancellations imply; every acknowledged
// event settled; and every uncertain create explained by a fault the soak injected or by the kill -9.
import Big from "big.js";
import type { CreateCall, ProductType } from "../../lib/orders/model";
import type { DynamoStore } from "../../lib/store/dynamo-store";
import type { SandboxOrder } from "../../local/ax-sandbox/server";
import { familyOf, leavesCreateUnknown, ticketIdsOf, type PlannedOrder } from "./plan";

export class Problems {
  readonly all: string[] = [];

  add(text: string): void {
    this.all.push(text);
  }

  get count(): number {
    return this.all.length;
  }

  /** How many of each kind (ids, codes and numbers taken out), most first: what a long list is made of. */
  kinds(): [string, number][] {
    const counts = new Map<string, number>();
    for (const text of this.all) {
      const kind = text
        .replace(/\b(SOAK|OP)-[\w-]+/g, "<order>")
        .replace(/msg_[\w-]+/g, "<event>")
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<code>")
        .replace(/\d+/g, "N")
        .slice(0, 160);
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => b[1] - a[1]);
  }
}

export interface UncertainFigures {
  creates: number;
  byFault: number;
  byOperatorStory: number;
  byCrash: number;
  unexplained: string[];
}

/** Why a create may be uncertain, or undefined when nothing the soak did explains it. */
export function explainUncertain(
  order: PlannedOrder,
  family: ProductType,
  call: CreateCall,
  crashedAt: string | undefined,
): "fault" | "story" | "crash" | undefined {
  if (leavesCreateUnknown(order.createFault)) return "fault";
  if (order.story?.mayBeUncertain?.[family] !== undefined) return "story";
  if (crashedAt !== undefined && call.started_at <= crashedAt) return "crash";
  return undefined;
}

export interface OrderAuditFigures {
  axOrders: number;
  duplicates: number;
  missingInAx: number;
  cancellationsChecked: number;
}

/** Audits every order against AX (its orders by channel order code) and the table. */
export async function auditOrders(
  orders: readonly PlannedOrder[],
  ax: ReadonlyMap<string, SandboxOrder[]>,
  store: DynamoStore,
  problems: Problems,
): Promise<OrderAuditFigures> {
  const figures: OrderAuditFigures = { axOrders: 0, duplicates: 0, missingInAx: 0, cancellationsChecked: 0 };
  for (const order of orders) {
    const inAx = ax.get(order.orderId) ?? [];
    const { order: record, axOrders } = await store.load(order.orderId);
    const items = order.payload.data.items;
    // Each AX order is the item its tickets name (every ticket's channel_code is one of the item's ticket ids).
    const itemOf = new Map<string, string>();
    for (const item of items) for (const ticketId of ticketIdsOf(item)) itemOf.set(ticketId, item.item_id);
    const axOrderItem = (axOrder: SandboxOrder) => itemOf.get(axOrder.tickets[0]?.channelCode ?? "");
    for (const axOrder of inAx)
      if (axOrderItem(axOrder) === undefined)
        problems.add(`${order.orderId}: AX order ${axOrder.axOrderCode} has tickets of no item`);

    for (const item of items) {
      const problem = (text: string) => {
        problems.add(`${item.item_id}: ${text}`);
      };
      const matches = inAx.filter((o) => axOrderItem(o) === item.item_id);
      figures.axOrders += Math.min(matches.length, 1);
      if (matches.length > 1) {
        figures.duplicates += matches.length - 1;
        problem(`${matches.length} AX orders (${matches.map((o) => o.type).join(", ")})`);
      }
      const axOrder = matches[0];
      if (!axOrder) {
        figures.missingInAx++;
        problem("not in AX");
        continue;
      }
      if (axOrder.type !== familyOf(order, item)) problem(`booked as ${axOrder.type} in AX`);
      const mine = axOrders.find((o) => o.item_id === item.item_id);
      if (!matches.some((o) => o.axOrderCode === mine?.ax_order_code)) problem(`table code ≠ AX code`);
      if (axOrder.quantity !== item.quantity) problem(`AX quantity ${axOrder.quantity}`);
      if (JSON.stringify(axOrder.tickets.map((t) => t.channelCode)) !== JSON.stringify(ticketIdsOf(item)))
        problem(`AX tickets ${axOrder.tickets.map((t) => t.channelCode).join(",")}`);
      for (const ticket of axOrder.tickets) {
        const kept = mine?.tickets.find((t) => t.ticket_id === ticket.channelCode);
        if (kept?.ax_ticket_code !== ticket.axTicketCode)
          problems.add(`${ticket.channelCode}: table ticket code ≠ AX's`);
        if (kept && kept.ax_ticket_status !== ticket.status)
          problems.add(`${ticket.channelCode}: table says ${kept.ax_ticket_status}, AX ${ticket.status}`);
      }
      if (mine && mine.ax_order_status !== axOrder.status)
        problem(`table says ${mine.ax_order_status}, AX ${axOrder.status}`);
    }
    // The money split: only where every item names its product (an operator's remap changes the families).
    if (items.every((item) => item.ax !== undefined)) checkSplit(order, inAx, problems);
    figures.cancellationsChecked += checkCancellations(order, inAx, itemOf, problems);
    const expectedStatus = expectedOrderStatus(order);
    if (record?.status !== expectedStatus)
      problems.add(`${order.orderId}: table status ${record?.status}, expected ${expectedStatus}`);
  }
  return figures;
}

const decimals = (currency: string) => (currency === "KRW" ? 0 : 2);

function checkSplit(order: PlannedOrder, inAx: SandboxOrder[], problems: Problems): void {
  const items = order.payload.data.items;
  const families = [...new Set(items.map((item) => familyOf(order, item)))];
  const weights = families.map((family) =>
    items
      .filter((item) => familyOf(order, item) === family)
      .reduce((sum, item) => sum.plus(Big(item.unit_price).times(item.quantity)), Big(0)),
  );
  for (const field of ["subtotal", "discount", "total"] as const) {
    const expected = split(order.payload.data[field], weights, decimals(order.currency));
    families.forEach((family, index) => {
      const request = inAx.find((o) => o.type === family)?.request as { order?: Record<string, string> } | undefined;
      const axField = field === "subtotal" ? "sub_total" : field;
      const got = request?.order?.[axField];
      if (got !== undefined && !Big(got).eq(expected[index] ?? "-1"))
        problems.add(`${order.orderId} ${family} ${axField}: AX got ${got}, expected ${expected[index] ?? "?"}`);
    });
  }
}

function split(value: string, weights: Big[], places: number): string[] {
  if (weights.length === 1) return [value];
  const sum = weights.reduce((a, b) => a.plus(b), Big(0));
  let left = Big(value);
  return weights.map((weight, index) => {
    if (index === weights.length - 1) return left.toFixed();
    const part = Big(value).times(weight).div(sum).round(places, Big.roundHalfUp);
    left = left.minus(part);
    return part.toFixed();
  });
}

function cancelled(order: PlannedOrder): { items: Set<string>; tickets: Set<string> } {
  const items = new Set<string>();
  const tickets = new Set<string>();
  const whole =
    order.earlyWholeCancel ||
    (order.laterCancel !== undefined && !order.laterCancel.item_ids && !order.laterCancel.ticket_ids);
  if (whole) for (const item of order.payload.data.items) items.add(item.item_id);
  for (const id of order.laterCancel?.item_ids ?? []) items.add(id);
  for (const id of order.laterCancel?.ticket_ids ?? []) tickets.add(id);
  if (order.concurrentTicketCancel) tickets.add(`${order.orderId}-1-1`);
  return { items, tickets };
}

/** Every cancellation the channel asked for, against AX's statuses; returns how many AX orders were checked. */
function checkCancellations(
  order: PlannedOrder,
  inAx: SandboxOrder[],
  itemOf: ReadonlyMap<string, string>,
  problems: Problems,
): number {
  const asked = cancelled(order);
  let checked = 0;
  for (const axOrder of inAx) {
    const itemId = itemOf.get(axOrder.tickets[0]?.channelCode ?? "");
    if (!itemId) continue;
    checked++;
    const fullCancel = asked.items.has(itemId);
    if (fullCancel && !["Traveler cancel", "Unavoidable cancel"].includes(axOrder.status))
      problems.add(`${itemId}: cancelled by the channel, AX says ${axOrder.status}`);
    if (!fullCancel && ["Traveler cancel", "Unavoidable cancel"].includes(axOrder.status))
      problems.add(`${itemId}: AX says ${axOrder.status}, the channel cancelled no such thing`);
    for (const ticket of axOrder.tickets) {
      const isCancelled = fullCancel || asked.tickets.has(ticket.channelCode);
      if (isCancelled !== (ticket.status === "Traveler canceled"))
        problems.add(`${ticket.channelCode}: AX ticket ${ticket.status}, channel cancelled: ${String(isCancelled)}`);
    }
    if (order.supplierConfirms && axOrder.status !== "Supplier confirm") problems.add(`${itemId}: not confirmed`);
  }
  return checked;
}

function expectedOrderStatus(order: PlannedOrder): string {
  const asked = cancelled(order);
  const items = order.payload.data.items;
  const all = items.every(
    (item) =>
      asked.items.has(item.item_id) ||
      (item.tickets !== undefined && item.tickets.every((t) => asked.tickets.has(t.ticket_id))),
  );
  return all ? "cancelled" : asked.items.size > 0 || asked.tickets.size > 0 ? "partially_cancelled" : "placed";
}

export interface EventFigures {
  checked: number;
  applied: number;
  ignored: number;
  failed: number;
  stranded: number;
  lost: number;
}

/** Every acknowledged event is settled: applied, or ignored for a reason the channel caused (a re-placement). */
export async function auditEvents(
  acknowledged: Iterable<string>,
  store: DynamoStore,
  problems: Problems,
): Promise<EventFigures> {
  const events: EventFigures = { checked: 0, applied: 0, ignored: 0, failed: 0, stranded: 0, lost: 0 };
  for (const webhookId of acknowledged) {
    events.checked++;
    const event = await store.getEvent(webhookId);
    if (!event) {
      events.lost++;
      problems.add(`event ${webhookId}: acknowledged but not stored`);
    } else if (event.status === "applied") events.applied++;
    else if (event.status === "ignored") events.ignored++;
    else if (event.status === "failed") {
      events.failed++;
      problems.add(`event ${webhookId}: failed ${event.reason ?? ""} ${event.detail ?? ""}`);
    } else {
      events.stranded++;
      problems.add(`event ${webhookId}: still queued (${event.reason ?? "no reason"}) after the run`);
    }
  }
  return events;
}
