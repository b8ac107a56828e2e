// Use case: apply one `order.cancelled` event. A cancellation is applied whole or not at all as far as its ids are
// concerned (an unknown id parks it, nothing sent); it waits for its order's placement; what is already cancelled
// (or final in AX, e.g. rejected by the supplier) is never sent; AX calls are claimed first so concurrent workers never send one twice.
import { AxError } from "../ax/errors";
import type { FullCancelRequest, FullCancelResult, TicketCancelRequest, TicketCancelResult } from "../ax/schemas";
import {
  isFinalAxOrderStatus,
  type AxOrderRecord,
  type CancelRequest,
  type DeferredCancel,
  type ProductType,
} from "./model";
import {
  commitOrder,
  isCancelledTicket,
  mergeAxOrders,
  newOrder,
  outcomeFields,
  placementState,
  withEvent,
  type ApplyOutcome,
  type EventContext,
  type Snapshot,
} from "./order-state";
import type { Clock, OrderRepository } from "./ports";
import { WorkInProgressError } from "./place-order";

export interface AxCanceller {
  cancelOrder(type: ProductType, axOrderCode: string, body: FullCancelRequest): Promise<FullCancelResult>;
  cancelTicket(
    type: ProductType,
    axOrderCode: string,
    axTicketCode: string,
    body: TicketCancelRequest,
  ): Promise<TicketCancelResult>;
}

export interface CancelOrderDeps {
  orders: OrderRepository;
  ax: AxCanceller;
  clock: Clock;
  newAttemptId: () => string;
  createLeaseMs: number;
}

export interface CancelContext extends EventContext {
  /** Applying a cancellation that was deferred or recorded before (after its order's placement went through). */
  fromDeferred?: boolean;
}

const CANCELLED = "order.cancelled";

type PlannedCall = { kind: "order"; itemId: string } | { kind: "ticket"; itemId: string; ticketId: string };

export async function cancelOrder(
  deps: CancelOrderDeps,
  context: CancelContext,
  orderId: string,
  cancel: CancelRequest,
): Promise<ApplyOutcome> {
  const loaded = await deps.orders.load(orderId);
  const existing = loaded.order;
  const seen = existing?.events[context.webhookId];
  const deferred = existing?.deferred_cancels?.find((entry) => entry.webhook_id === context.webhookId);
  const reapplying = context.fromDeferred === true && deferred !== undefined;
  if (seen && seen.status !== "queued" && !(seen.status === "failed" && context.replay) && !reapplying)
    return { ...outcomeFields(seen), alreadySettled: true };

  let snapshot: Snapshot = { order: existing ?? newOrder(orderId, deps.clock.now()), version: existing?.version };
  let axOrders = loaded.axOrders;

  // Not placed yet (the cancellation overtook it), being placed, or uncertain: wait for the placement.
  const placement = placementState(existing);
  if (placement !== "settled") {
    if (deferred) return { status: "queued", reason: "waiting_for_placement", detail: waitDetail(placement) };
    const outcome: ApplyOutcome = { status: "queued", reason: "waiting_for_placement", detail: waitDetail(placement) };
    const entry: DeferredCancel = {
      webhook_id: context.webhookId,
      received_at: context.receivedAt,
      cancel,
      recorded: false,
    };
    const order = withEvent(
      { ...snapshot.order, deferred_cancels: [...(snapshot.order.deferred_cancels ?? []), entry] },
      context,
      CANCELLED,
      outcome,
    );
    await commitOrder(deps, { ...snapshot, order }, { all: axOrders, settle: [context.webhookId] });
    return outcome;
  }

  const order = snapshot.order;
  const itemIds = (order.items ?? []).map((item) => item.item_id);
  const ticketToItem = new Map(
    (order.items ?? []).flatMap((item) => item.ticket_ids.map((t) => [t, item.item_id] as const)),
  );
  const settle = async (outcome: ApplyOutcome, keepRecorded: boolean, changed: AxOrderRecord[] = []) => {
    const remaining = (snapshot.order.deferred_cancels ?? []).filter((entry) => entry.webhook_id !== context.webhookId);
    const kept: DeferredCancel[] = keepRecorded
      ? [...remaining, { webhook_id: context.webhookId, received_at: context.receivedAt, cancel, recorded: true }]
      : remaining;
    const { cancelling: _released, ...rest } = snapshot.order;
    const next = withEvent({ ...rest, deferred_cancels: kept }, context, CANCELLED, outcome);
    snapshot = await commitOrder(
      deps,
      { ...snapshot, order: next },
      { changed, all: axOrders, settle: [context.webhookId] },
    );
    return outcome;
  };

  // Every id must be the order's: a cancellation is applied whole or not at all.
  const unknown = [
    { kind: "item", ids: (cancel.item_ids ?? []).filter((id) => !itemIds.includes(id)) },
    { kind: "ticket", ids: (cancel.ticket_ids ?? []).filter((id) => !ticketToItem.has(id)) },
  ].find((check) => check.ids.length > 0);
  if (unknown)
    return settle(
      {
        status: "failed",
        reason: `unknown_${unknown.kind}`,
        detail: `order ${orderId} has no ${unknown.kind} ${unknown.ids.join(", ")}; nothing was cancelled`,
      },
      false,
    );

  // What to send: full cancels for whole items, ticket cancels for the rest; nothing for what is cancelled already.
  const whole = cancel.item_ids === undefined && cancel.ticket_ids === undefined;
  // In the placement's order, so AX sees a whole-order cancellation item by item as the channel listed them.
  const requested = new Set(cancel.item_ids ?? []);
  const itemTargets = new Set(whole ? itemIds : itemIds.filter((id) => requested.has(id)));
  const axByItem = new Map(axOrders.map((axOrder) => [axOrder.item_id, axOrder]));
  const calls: PlannedCall[] = [];
  const before = {
    items: [...(order.cancelled_before_ax?.items ?? [])],
    tickets: [...(order.cancelled_before_ax?.tickets ?? [])],
  };
  for (const itemId of itemTargets) {
    const axOrder = axByItem.get(itemId);
    if (!axOrder) {
      if (!before.items.includes(itemId)) before.items.push(itemId);
    } else if (!isFinalAxOrderStatus(axOrder.ax_order_status)) calls.push({ kind: "order", itemId });
  }
  for (const ticketId of new Set(cancel.ticket_ids ?? [])) {
    const itemId = ticketToItem.get(ticketId) ?? "";
    if (itemTargets.has(itemId)) continue;
    const axOrder = axByItem.get(itemId);
    if (!axOrder) {
      if (!before.tickets.includes(ticketId)) before.tickets.push(ticketId);
      continue;
    }
    const ticket = axOrder.tickets.find((t) => t.ticket_id === ticketId);
    if (isFinalAxOrderStatus(axOrder.ax_order_status) || !ticket || isCancelledTicket(ticket.ax_ticket_status))
      continue;
    calls.push({ kind: "ticket", itemId, ticketId });
  }
  snapshot.order = { ...snapshot.order, cancelled_before_ax: before };
  // Parts AX never got are recorded as cancelled; if the placement is replayed and AX gets them, cancel them there.
  const keepRecorded = before.items.length + before.tickets.length > 0;

  if (calls.length === 0) return settle({ status: "applied" }, keepRecorded);

  // Claim the calls: a concurrent worker finding a live claim waits instead of sending the same PATCH.
  // A claim older than the lease was left by a worker that stopped: cancels are safe to repeat, so take it over.
  const claim = snapshot.order.cancelling;
  if (claim && deps.clock.now().getTime() - Date.parse(claim.started_at) < deps.createLeaseMs)
    throw new WorkInProgressError(`cancelling in order ${orderId} (event ${claim.webhook_id})`);
  snapshot = await commitOrder(
    deps,
    {
      ...snapshot,
      order: {
        ...snapshot.order,
        cancelling: {
          webhook_id: context.webhookId,
          attempt_id: deps.newAttemptId(),
          started_at: deps.clock.now().toISOString(),
        },
      },
    },
    { all: axOrders },
  );

  const changed = new Map<string, AxOrderRecord>();
  const comment = cancel.comment;
  for (const call of calls) {
    const axOrder = changed.get(call.itemId) ?? axByItem.get(call.itemId);
    if (!axOrder) continue;
    try {
      const updated = await sendCancel(deps, axOrder, call, cancel.reason, comment);
      changed.set(call.itemId, updated);
      axOrders = mergeAxOrders(axOrders, [updated]);
    } catch (error) {
      if (error instanceof AxError && error.disposition === "permanent")
        return settle({ status: "failed", reason: error.reason, detail: error.message }, keepRecorded, [
          ...changed.values(),
        ]);
      // Cancels are safe to repeat, but what went through is recorded so that the retry does not send it again,
      // and the event says why it waits (not "waiting for placement" on an order that is placed).
      const { cancelling: _released, ...rest } = snapshot.order;
      const retrying: ApplyOutcome = {
        status: "queued",
        reason: error instanceof AxError ? error.reason : "retrying",
        detail: `AX did not take the cancellation yet (${error instanceof Error ? error.message : String(error)}); it is retried with backoff`,
      };
      await commitOrder(
        deps,
        { ...snapshot, order: withEvent(rest, context, CANCELLED, retrying) },
        { changed: [...changed.values()], all: axOrders, settle: [context.webhookId] },
      );
      throw error;
    }
  }
  return settle({ status: "applied" }, keepRecorded, [...changed.values()]);
}

function waitDetail(placement: ReturnType<typeof placementState>): string {
  return placement === "uncertain"
    ? "waiting: an AX create of this order is uncertain; the cancellation is applied once it is reconciled"
    : "waiting for the order's placement; the cancellation is applied right after it";
}

async function sendCancel(
  deps: CancelOrderDeps,
  axOrder: AxOrderRecord,
  call: PlannedCall,
  reason: CancelRequest["reason"],
  comment: string | undefined,
): Promise<AxOrderRecord> {
  const at = deps.clock.now().toISOString();
  const withComment = comment !== undefined ? { comment } : {};
  if (call.kind === "order") {
    const channelStatus = reason === "unavoidable" ? "Unavoidable cancel" : "Traveler cancel";
    const answer = await deps.ax.cancelOrder(axOrder.product_type, axOrder.ax_order_code, {
      channel_status: channelStatus,
      ...withComment,
    });
    // AX's answer has no tickets: a fully cancelled AX order's tickets are cancelled with it.
    return {
      ...axOrder,
      ax_order_status: answer.ax_order_status,
      tickets: axOrder.tickets.map((ticket) =>
        isCancelledTicket(ticket.ax_ticket_status) ? ticket : { ...ticket, ax_ticket_status: "Traveler canceled" },
      ),
      history: [
        ...axOrder.history,
        { at, from: axOrder.ax_order_status, to: answer.ax_order_status, source: "cancel", ...withComment },
      ],
      updated_at: at,
    };
  }
  const ticket = axOrder.tickets.find((t) => t.ticket_id === call.ticketId);
  if (!ticket) return axOrder;
  const answer = await deps.ax.cancelTicket(axOrder.product_type, axOrder.ax_order_code, ticket.ax_ticket_code, {
    status: "Traveler canceled",
    ...withComment,
  });
  const orderStatus = answer.ax_order_status ?? axOrder.ax_order_status;
  return {
    ...axOrder,
    ax_order_status: orderStatus,
    tickets: axOrder.tickets.map((t) =>
      t.ticket_id === call.ticketId ? { ...t, ax_ticket_status: answer.ax_ticket_status } : t,
    ),
    history:
      orderStatus === axOrder.ax_order_status
        ? axOrder.history
        : [
            ...axOrder.history,
            { at, from: axOrder.ax_order_status, to: orderStatus, source: "cancel", ...withComment },
          ],
    updated_at: at,
  };
}

/** Applies the cancellations an order kept for after its placement, oldest first. */
export async function applyDeferredCancels(deps: CancelOrderDeps, orderId: string): Promise<void> {
  const { order } = await deps.orders.load(orderId);
  if (placementState(order) !== "settled") return;
  for (const entry of order?.deferred_cancels ?? []) {
    await cancelOrder(
      deps,
      { webhookId: entry.webhook_id, receivedAt: entry.received_at, replay: false, fromDeferred: true },
      orderId,
      entry.cancel,
    );
  }
}
