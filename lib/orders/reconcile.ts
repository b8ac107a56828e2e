// Use case: resolve an AX create whose outcome was unknown. Either the operator found the AX order in AX's console
// and attaches its codes, or decides AX does not have it and re-sends the create deliberately. Both are written
// conditionally on the order's version, and the placement event is then replayed so deferred cancellations follow.
import type { AxOrderRecord, CreateCall, OrderRecord, ProductType } from "./model";
import { commitOrder, mergeAxOrders, withEvent, type WriteDeps } from "./order-state";
import { ConcurrentUpdateError } from "./ports";

export interface AttachedAxOrder {
  item_id: string;
  ax_order_code: string;
  ax_order_status?: string;
  tickets: { ticket_id: string; ax_ticket_code: string; ax_ticket_status?: string }[];
}

export type Resolution = { kind: "attach"; axOrders: AttachedAxOrder[] } | { kind: "resend" };

export class ReconcileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReconcileError";
  }
}

export interface ReconcileResult {
  /** The placement event to replay now (it completes the order and applies waiting cancellations). */
  replayWebhookId: string;
  order: OrderRecord;
}

const ATTEMPTS = 5;

/**
 * Resolves the create, re-reading the order when another writer (the worker, the status sync, another operator)
 * changed it meanwhile; gives up with a ReconcileError that says so after a few attempts.
 */
export async function reconcileCreate(
  deps: WriteDeps,
  orderId: string,
  productType: ProductType,
  resolution: Resolution,
): Promise<ReconcileResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await reconcileOnce(deps, orderId, productType, resolution);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      if (attempt >= ATTEMPTS)
        throw new ReconcileError(
          `order ${orderId} kept changing while it was being reconciled (${ATTEMPTS} attempts); nothing was written, try again`,
        );
    }
  }
}

async function reconcileOnce(
  deps: WriteDeps,
  orderId: string,
  productType: ProductType,
  resolution: Resolution,
): Promise<ReconcileResult> {
  const { order, axOrders } = await deps.orders.load(orderId);
  if (!order?.placed_by) throw new ReconcileError(`order ${orderId} has no placement`);
  const call = order.create_calls[productType];
  if (call?.state !== "uncertain")
    throw new ReconcileError(
      `the ${productType} create of order ${orderId} is ${call?.state ?? "not started"}, not uncertain: nothing to reconcile`,
    );
  const placedBy = order.placed_by;
  const at = deps.clock.now().toISOString();
  const context = { webhookId: placedBy, receivedAt: order.events[placedBy]?.received_at ?? at, replay: false };

  if (resolution.kind === "resend") {
    // Forget the call: the replayed placement sends it again. Only for an AX order the operator knows AX lacks.
    const { [productType]: _forgotten, ...others } = order.create_calls;
    const next = withEvent({ ...order, create_calls: others }, context, "order.placed", {
      status: "queued",
      reason: "reconciled_resend",
      detail: `the ${productType} create is re-sent by an operator's decision`,
    });
    const written = await commitOrder(
      deps,
      { order: next, version: order.version },
      { all: axOrders, settle: [placedBy] },
    );
    return { replayWebhookId: placedBy, order: written.order };
  }

  const expected = new Map((order.items ?? []).map((item) => [item.item_id, item.ticket_ids]));
  const attached = resolution.axOrders;
  const missing = call.item_ids.filter((itemId) => !attached.some((a) => a.item_id === itemId));
  if (missing.length > 0) throw new ReconcileError(`no AX order given for item ${missing.join(", ")}`);
  const records: AxOrderRecord[] = attached.map((axOrder) => {
    if (!call.item_ids.includes(axOrder.item_id))
      throw new ReconcileError(`item ${axOrder.item_id} is not part of the ${productType} create of order ${orderId}`);
    const ticketIds = expected.get(axOrder.item_id) ?? [];
    const given = axOrder.tickets.map((t) => t.ticket_id);
    if (given.length !== ticketIds.length || ticketIds.some((id) => !given.includes(id)))
      throw new ReconcileError(
        `item ${axOrder.item_id} needs AX codes for exactly its tickets ${ticketIds.join(", ")}`,
      );
    const status = axOrder.ax_order_status ?? "New";
    return {
      order_id: orderId,
      item_id: axOrder.item_id,
      product_type: productType,
      // The product is not repeated in the reconciliation: the AX order code identifies it in AX.
      mapping_code: "",
      option_code: "",
      inventory_at: "",
      quantity: ticketIds.length,
      ax_order_code: axOrder.ax_order_code,
      ax_order_status: status,
      tickets: ticketIds.map((ticketId) => {
        const ticket = axOrder.tickets.find((t) => t.ticket_id === ticketId);
        return {
          ticket_id: ticketId,
          ax_ticket_code: ticket?.ax_ticket_code ?? "",
          ax_ticket_status: ticket?.ax_ticket_status ?? "New",
        };
      }),
      history: [{ at, to: status, source: "create", comment: "attached by an operator's reconciliation" }],
      created_at: at,
      updated_at: at,
    };
  });
  const reconciled: CreateCall = {
    ...call,
    state: "created",
    reason: "reconciled",
    detail: `attached by an operator at ${at}`,
  };
  const next = { ...order, create_calls: { ...order.create_calls, [productType]: reconciled } };
  const written = await commitOrder(
    deps,
    { order: next, version: order.version },
    { changed: records, all: mergeAxOrders(axOrders, records) },
  );
  return { replayWebhookId: placedBy, order: written.order };
}
