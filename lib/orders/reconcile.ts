// Use case: resolve an AX create whose outcome was unknown. Either the operator found the AX order in AX's console
// and attaches its codes, or decides AX does not have it and sends the create again, once. Attached codes are checked
// first: AX is asked about each AX order (it must exist in that family and belong to this channel order), and none
// may be recorded for another order or item. The change and the placement's requeue are one write, conditional on
// the order's version: a worker or another operator acting meanwhile makes it re-read and check again.
import { AxError } from "../ax/errors";
import { findConfirmation, type ConfirmationInfo, type AxTicketStatus } from "../ax/schemas";
import { toAxDateTime } from "../ax/translate";
import { parseStoredEventBody } from "../channel/schemas";
import type { ActionRecords } from "./attempt-log";
import type { AxOrderRecord, CreateCall, OrderRecord, ProductType } from "./model";
import { commitOrder, isCancelledAxOrderStatus, mergeAxOrders, withEvent, type WriteDeps } from "./order-state";
import { ConcurrentUpdateError, type EventReader } from "./ports";

export interface AttachedAxOrder {
  item_id: string;
  ax_order_code: string;
  tickets: { ticket_id: string; ax_ticket_code: string; ax_ticket_status?: AxTicketStatus | undefined }[];
}

export type Resolution = { kind: "attach"; axOrders: AttachedAxOrder[] } | { kind: "resend" };

/** AX's order confirmation info, read to check an attached AX order (GET /orders/{type}/{ax_order_code}). */
export interface AxOrderLookup {
  getConfirmation(type: ProductType, axOrderCode: string): Promise<ConfirmationInfo>;
}

/** Where an AX order code is already recorded (the table's `byAxOrder` index). */
export interface AxCodeIndex {
  findAxOrderCode(axOrderCode: string): Promise<{ order_id: string; item_id: string }[]>;
}

export interface ReconcileDeps extends WriteDeps {
  ax: AxOrderLookup;
  axCodes: AxCodeIndex;
  /** The placement event, read for the attached items' use dates (the status sync keeps an AX order until then). */
  events: Pick<EventReader, "getEvent">;
}

/** The reconciliation does not apply (any more): the create is not uncertain, the codes belong elsewhere, … */
export class ReconcileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReconcileError";
  }
}

/** The request itself is wrong (codes missing, given twice): nothing was looked up or written. */
export class ReconcileInputError extends ReconcileError {
  constructor(message: string) {
    super(message);
    this.name = "ReconcileInputError";
  }
}

/** AX could not be asked about an attached code (down, throttling): nothing was written, try again. */
export class ReconcileUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReconcileUnavailableError";
  }
}

/** Builds an operator's records for the write that resolves the create (attach: with AX's status of each item). */
export type Recorder = (axStatuses?: Record<string, string>) => ActionRecords;

export interface ReconcileResult {
  /** The placement event, requeued in the same write (it applies waiting cancellations, sends a resent create). */
  replayWebhookId: string;
  order: OrderRecord;
  /** Attach: AX's own status of each attached AX order, by item. */
  axStatuses?: Record<string, string>;
}

const ATTEMPTS = 5;

/**
 * Resolves the create, re-reading the order when another writer (the worker, the status sync, another operator)
 * changed it meanwhile; gives up with a ReconcileError that says so after a few attempts.
 */
export async function reconcileCreate(
  deps: ReconcileDeps,
  orderId: string,
  productType: ProductType,
  resolution: Resolution,
  by: string,
  /** What to record with the change, in the same write (the audit entry and the order's log line), given AX's statuses. */
  record?: Recorder,
): Promise<ReconcileResult> {
  if (resolution.kind === "attach") checkAttachShape(resolution.axOrders);
  let inAx: Map<string, string> | undefined;
  let useDates: Map<string, string> | undefined;
  for (let attempt = 1; ; attempt++) {
    const loaded = await deps.orders.load(orderId);
    const { order, call } = uncertainCall(loaded.order, orderId, productType);
    const { axOrders, answers } = loaded;
    if (answers?.some((answer) => answer.attempt_id === call.attempt_id && answer.outcome !== "uncertain"))
      throw new ReconcileError(
        `AX's answer to the ${productType} create of order ${orderId} arrived after it was marked uncertain, and is kept: replay the placement (event ${order.placed_by}) and it is recorded; nothing to reconcile`,
      );
    try {
      if (resolution.kind === "resend") return await resend(deps, order, call, productType, by, record);
      checkAgainstOrder(order, axOrders, call, productType, resolution.axOrders);
      // AX and the index are asked once: what they say does not depend on the order's version.
      inAx ??= await checkInAx(deps, orderId, productType, resolution.axOrders);
      useDates ??= await useDatesOf(deps, order.placed_by);
      const found = { statuses: inAx, useDates };
      return await attach(deps, order, axOrders, call, productType, resolution.axOrders, found, by, record);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      if (attempt >= ATTEMPTS)
        throw new ReconcileError(
          `order ${orderId} kept changing while it was being reconciled (${ATTEMPTS} attempts); nothing was written, try again`,
        );
    }
  }
}

type Placed = OrderRecord & { placed_by: string };

function uncertainCall(
  order: OrderRecord | undefined,
  orderId: string,
  productType: ProductType,
): { order: Placed; call: CreateCall } {
  if (order?.placed_by === undefined) throw new ReconcileError(`order ${orderId} has no placement`);
  const call = order.create_calls[productType];
  if (call?.state !== "uncertain")
    throw new ReconcileError(
      `the ${productType} create of order ${orderId} is ${call?.state ?? "not started"}, not uncertain: nothing to reconcile`,
    );
  return { order: { ...order, placed_by: order.placed_by }, call };
}

/** The placement event's context, and the write that requeues it with the change. */
function placementContext(order: Placed, at: string) {
  return { webhookId: order.placed_by, receivedAt: order.events[order.placed_by]?.received_at ?? at, replay: false };
}

async function resend(
  deps: ReconcileDeps,
  placed: Placed,
  call: CreateCall,
  type: ProductType,
  by: string,
  record: Recorder | undefined,
) {
  const order: OrderRecord = placed;
  const orderId = order.order_id;
  // At most once per create: a second resend of any of these items is refused, naming the first.
  const earlier = (order.resends ?? []).find((entry) => entry.item_ids.some((id) => call.item_ids.includes(id)));
  if (earlier)
    throw new ReconcileError(
      `the ${earlier.product_type} create of order ${orderId} (items ${earlier.item_ids.join(", ")}) was already sent again once, by ${earlier.by} at ${earlier.at}; a create is re-sent at most once: look for its AX orders in AX's console and attach their codes`,
    );
  const at = deps.clock.now().toISOString();
  // Forget the call: the requeued placement sends its items again. Only for an AX order the operator knows AX lacks.
  const { [type]: _forgotten, ...others } = order.create_calls;
  const next = withEvent(
    {
      ...order,
      create_calls: others,
      resends: [
        ...(order.resends ?? []),
        { product_type: type, item_ids: call.item_ids, attempt_id: call.attempt_id, by, at },
      ],
    },
    placementContext(placed, at),
    "order.placed",
    {
      status: "queued",
      reason: "reconciled_resend",
      detail: `the ${type} create is sent again by ${by}'s decision (${at})`,
    },
  );
  const written = await commitOrder(
    deps,
    { order: next, version: order.version },
    { settle: [placed.placed_by], requeue: { by, replay: false }, ...(record ? { records: record() } : {}) },
  );
  return { replayWebhookId: placed.placed_by, order: written.order };
}

/** What can be checked in the request alone: every code given once, no ticket code that is an AX order code. */
function checkAttachShape(attached: readonly AttachedAxOrder[]) {
  const twice = (values: string[]) => values.find((value, index) => values.indexOf(value) !== index);
  const item = twice(attached.map((a) => a.item_id));
  if (item !== undefined) throw new ReconcileInputError(`item ${item} is given twice`);
  const orderCode = twice(attached.map((a) => a.ax_order_code));
  if (orderCode !== undefined)
    throw new ReconcileInputError(`AX order code ${orderCode} is given for two items: each item has its own AX order`);
  const ticketCodes = attached.flatMap((a) => a.tickets.map((t) => t.ax_ticket_code));
  const ticketCode = twice(ticketCodes);
  if (ticketCode !== undefined)
    throw new ReconcileInputError(`AX ticket code ${ticketCode} is given twice: each ticket has its own AX code`);
  const mixed = ticketCodes.find((code) => attached.some((a) => a.ax_order_code === code));
  if (mixed !== undefined) throw new ReconcileInputError(`${mixed} is given both as an AX order and as a ticket code`);
}

/** The codes against the order: exactly the create's items and their tickets, none recorded for another item. */
function checkAgainstOrder(
  order: OrderRecord,
  axOrders: readonly AxOrderRecord[],
  call: CreateCall,
  type: ProductType,
  attached: readonly AttachedAxOrder[],
) {
  const orderId = order.order_id;
  const missing = call.item_ids.filter((itemId) => !attached.some((a) => a.item_id === itemId));
  if (missing.length > 0) throw new ReconcileInputError(`no AX order given for item ${missing.join(", ")}`);
  const expected = new Map((order.items ?? []).map((item) => [item.item_id, item.ticket_ids]));
  for (const axOrder of attached) {
    if (!call.item_ids.includes(axOrder.item_id))
      throw new ReconcileInputError(`item ${axOrder.item_id} is not part of the ${type} create of order ${orderId}`);
    const ticketIds = expected.get(axOrder.item_id) ?? [];
    const given = axOrder.tickets.map((t) => t.ticket_id);
    if (given.length !== ticketIds.length || ticketIds.some((id) => !given.includes(id)))
      throw new ReconcileInputError(
        `item ${axOrder.item_id} needs AX codes for exactly its tickets ${ticketIds.join(", ")}`,
      );
    const other = axOrders.find(
      (recorded) =>
        recorded.item_id !== axOrder.item_id &&
        (recorded.ax_order_code === axOrder.ax_order_code ||
          recorded.tickets.some((t) => axOrder.tickets.some((g) => g.ax_ticket_code === t.ax_ticket_code))),
    );
    if (other)
      throw new ReconcileError(
        `the codes given for item ${axOrder.item_id} are those of item ${other.item_id} of this order (AX order ${other.ax_order_code})`,
      );
  }
}

/**
 * The use date of each item of the placement (item id → AX's date-time form), from its stored event; empty when the
 * event is gone or no longer parses (the status sync then keeps the AX order a year from its attach).
 */
async function useDatesOf(deps: ReconcileDeps, placementId: string): Promise<Map<string, string>> {
  const stored = await deps.events.getEvent(placementId);
  const parsed = stored ? parseStoredEventBody(stored.body) : undefined;
  if (!parsed?.ok || parsed.event.type !== "order.placed") return new Map();
  return new Map(parsed.event.data.items.map((item) => [item.item_id, toAxDateTime(item.date)]));
}

/**
 * Asks AX about each attached AX order: it must exist in this family and belong to this channel order; and the
 * `byAxOrder` index: it must not be recorded for another order or item. Returns AX's status of each.
 */
async function checkInAx(
  deps: ReconcileDeps,
  orderId: string,
  type: ProductType,
  attached: readonly AttachedAxOrder[],
): Promise<Map<string, string>> {
  const statuses = new Map<string, string>();
  for (const axOrder of attached) {
    const code = axOrder.ax_order_code;
    const holders = await deps.axCodes.findAxOrderCode(code);
    const elsewhere = holders.find((h) => h.order_id !== orderId || h.item_id !== axOrder.item_id);
    if (elsewhere)
      throw new ReconcileError(
        `AX order ${code} is already attached to ${elsewhere.order_id === orderId ? "" : `order ${elsewhere.order_id}, `}item ${elsewhere.item_id}: one AX order belongs to one item`,
      );
    let info: ConfirmationInfo;
    try {
      info = await deps.ax.getConfirmation(type, code);
    } catch (error) {
      if (error instanceof AxError && error.reason === "ax_not_found")
        throw new ReconcileError(
          `AX has no ${type} order ${code}: check the code, and that it is an order of the ${type} family`,
        );
      if (!(error instanceof AxError)) throw error;
      if (error.disposition === "permanent")
        throw new ReconcileError(`AX refused to say whether it has order ${code}: ${error.message}`);
      throw new ReconcileUnavailableError(
        `AX could not be asked about its order ${code} (${error.message}); nothing was attached, try again`,
      );
    }
    const entry = findConfirmation(info, code);
    if (!entry) throw new ReconcileError(`AX's answer about order ${code} does not describe that order`);
    if (entry.channel_order_code === undefined)
      throw new ReconcileError(
        `AX does not say which channel order its order ${code} belongs to, so it cannot be checked against ${orderId}; nothing was attached`,
      );
    if (entry.channel_order_code !== orderId)
      throw new ReconcileError(
        `AX order ${code} belongs to channel order ${entry.channel_order_code}, not to ${orderId}; nothing was attached`,
      );
    statuses.set(axOrder.item_id, entry.ax_order_status);
  }
  return statuses;
}

async function attach(
  deps: ReconcileDeps,
  placed: Placed,
  axOrders: readonly AxOrderRecord[],
  call: CreateCall,
  type: ProductType,
  attached: readonly AttachedAxOrder[],
  found: { statuses: ReadonlyMap<string, string>; useDates: ReadonlyMap<string, string> },
  by: string,
  record: Recorder | undefined,
): Promise<ReconcileResult> {
  const order: OrderRecord = placed;
  const { statuses: inAx, useDates } = found;
  const at = deps.clock.now().toISOString();
  const expected = new Map((order.items ?? []).map((item) => [item.item_id, item.ticket_ids]));
  const records: AxOrderRecord[] = attached.map((axOrder) => {
    const ticketIds = expected.get(axOrder.item_id) ?? [];
    // AX's own status is recorded, never a status typed by hand.
    const status = inAx.get(axOrder.item_id) ?? "New";
    const cancelled = isCancelledAxOrderStatus(status);
    return {
      order_id: order.order_id,
      item_id: axOrder.item_id,
      product_type: type,
      ax_order_code: axOrder.ax_order_code,
      ax_order_status: status,
      // The product is not repeated in the reconciliation: the AX order code identifies it in AX.
      mapping_code: "",
      option_code: "",
      // The item's use date as the channel sent it: the status sync keeps the AX order until then and its grace.
      inventory_at: useDates.get(axOrder.item_id) ?? "",
      quantity: ticketIds.length,
      tickets: ticketIds.map((ticketId) => {
        const ticket = axOrder.tickets.find((t) => t.ticket_id === ticketId);
        return {
          ticket_id: ticketId,
          ax_ticket_code: ticket?.ax_ticket_code ?? "",
          ax_ticket_status: ticket?.ax_ticket_status ?? (cancelled ? "Traveler canceled" : "New"),
        };
      }),
      history: [{ at, to: status, source: "create", comment: `attached by ${by} in a reconciliation` }],
      created_at: at,
      updated_at: at,
    };
  });
  const reconciled: CreateCall = {
    ...call,
    state: "created",
    reason: "reconciled",
    detail: `attached by ${by} at ${at}`,
  };
  const next = withEvent(
    { ...order, create_calls: { ...order.create_calls, [type]: reconciled } },
    placementContext(placed, at),
    "order.placed",
    { status: "queued", reason: "reconciled_attach", detail: `the ${type} AX codes were attached by ${by} (${at})` },
  );
  const written = await commitOrder(
    deps,
    { order: next, version: order.version },
    {
      changed: records,
      all: mergeAxOrders(axOrders, records),
      settle: [placed.placed_by],
      requeue: { by, replay: false },
      ...(record ? { records: record(Object.fromEntries(inAx)) } : {}),
    },
  );
  return { replayWebhookId: placed.placed_by, order: written.order, axStatuses: Object.fromEntries(inAx) };
}
