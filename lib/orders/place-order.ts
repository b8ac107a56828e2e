// Use case: apply one `order.placed` event. Exactly once towards AX: the intent to call AX is written before the
// call, so a call whose outcome is lost is found as `pending` and marked `uncertain` instead of being repeated.
import type { OrderPlacedEvent } from "../channel/schemas";
import { AxError } from "../ax/errors";
import type { CreateOrderRequest, CreateOrderResult } from "../ax/schemas";
import {
  UnmatchedResponseError,
  matchCreateResult,
  planCreates,
  ticketIds,
  type CreatePlan,
  type MatchedAxOrder,
  type ResolvedProduct,
} from "../ax/translate";
import type { AxOrderRecord, CreateCall, OrderRecord, ProductType } from "./model";
import {
  commitOrder,
  mergeAxOrders,
  newOrder,
  outcomeFields,
  withEvent,
  type ApplyOutcome,
  type EventContext,
  type Snapshot,
} from "./order-state";
import { ConcurrentUpdateError, type Clock, type OrderRepository, type ProductCatalog } from "./ports";

export type { ApplyOutcome, EventContext };

export interface AxCreator {
  createOrder(type: ProductType, body: CreateOrderRequest): Promise<CreateOrderResult>;
}

export interface PlaceOrderDeps {
  orders: OrderRepository;
  products: ProductCatalog;
  ax: AxCreator;
  clock: Clock;
  newAttemptId: () => string;
  /**
   * How long a `pending` AX call belongs to the worker that wrote it (longer than an AX call can take). A younger
   * one means another worker is calling AX right now: wait. An older one was left by a worker that stopped.
   */
  createLeaseMs: number;
}

/** Another worker is calling AX for this order right now: retry later. */
export class WorkInProgressError extends Error {
  constructor(what: string) {
    super(`another worker is ${what} right now; the event will be retried`);
    this.name = "WorkInProgressError";
  }
}

const RESULT_WRITE_ATTEMPTS = 5;
const PLACED = "order.placed";

export async function placeOrder(
  deps: PlaceOrderDeps,
  context: EventContext,
  event: OrderPlacedEvent,
): Promise<ApplyOutcome> {
  const data = event.data;
  const loaded = await deps.orders.load(data.order_id);
  const seen = loaded.order?.events[context.webhookId];
  if (seen && seen.status !== "queued" && !(seen.status === "failed" && context.replay))
    return { ...outcomeFields(seen), alreadySettled: true, cancelsWaiting: hasWaitingCancels(loaded.order) };

  let snapshot: Snapshot = {
    order: loaded.order ?? newOrder(data.order_id, deps.clock.now()),
    version: loaded.order?.version,
  };
  let axOrders = loaded.axOrders;
  const settle = async (outcome: ApplyOutcome) => {
    const order = withEvent(snapshot.order, context, PLACED, outcome);
    await commitOrder(deps, { ...snapshot, order }, { all: axOrders, settle: [context.webhookId] });
    return { ...outcome, cancelsWaiting: hasWaitingCancels(order) };
  };

  const placedBy = snapshot.order.placed_by;
  if (placedBy !== undefined && placedBy !== context.webhookId)
    return settle({
      status: "ignored",
      reason: "order_already_placed",
      detail: `order ${data.order_id} was already placed by event ${placedBy}; an AX order cannot be changed, so cancel it and place a new order_id instead`,
    });
  // Items cancelled while AX did not have them (their placement had failed) are not sent when it is replayed.
  const cancelledBeforeAx = new Set(snapshot.order.cancelled_before_ax?.items ?? []);
  if (data.items.every((item) => cancelledBeforeAx.has(item.item_id)))
    return settle({
      status: "ignored",
      reason: "order_cancelled",
      detail: `order ${data.order_id} was cancelled before AX got it; nothing is sent`,
    });

  // The order's items and tickets are recorded first: a cancellation refers to them even if AX never gets them.
  snapshot.order = {
    ...snapshot.order,
    placed_by: context.webhookId,
    items: data.items.map((item) => ({ item_id: item.item_id, ticket_ids: ticketIds(item) })),
    currency: data.currency,
    subtotal: data.subtotal,
    ...(data.discount !== undefined ? { discount: data.discount } : {}),
    total: data.total,
  };

  const resolved = await resolveProducts(deps.products, data);
  if (!resolved.ok) return settle({ status: "failed", reason: "unmapped_sku", detail: resolved.detail });

  const plans = planCreates(data, resolved.products);
  let settledWithLastWrite = false;
  for (const [index, plan] of plans.entries()) {
    const isLast = index === plans.length - 1;
    const previous = snapshot.order.create_calls[plan.product_type];
    if (previous?.state === "created" || previous?.state === "uncertain") continue;
    if (plan.items.every((item) => cancelledBeforeAx.has(item.item_id))) continue;
    if (previous?.state === "pending") {
      const age = deps.clock.now().getTime() - Date.parse(previous.started_at);
      if (age < deps.createLeaseMs)
        throw new WorkInProgressError(`creating the ${plan.product_type} AX order of ${data.order_id}`);
      // The worker that wrote this intent stopped without recording AX's answer: AX may have the order.
      snapshot = await writeCall(deps, snapshot, axOrders, plan.product_type, {
        ...previous,
        state: "uncertain",
        reason: "create_uncertain",
        detail:
          "an earlier attempt stopped after sending the create to AX and before recording its answer; reconcile it with the operations CLI",
      });
      continue;
    }

    // The intent, written before AX is called: a lost answer can then never lead to a second AX order.
    const intent: CreateCall = {
      state: "pending",
      attempt_id: deps.newAttemptId(),
      started_at: deps.clock.now().toISOString(),
      item_ids: plan.items.map((item) => item.item_id),
    };
    snapshot = await writeCall(deps, snapshot, axOrders, plan.product_type, intent);

    const result = await callAx(deps, plan);
    if (result.kind === "retry") {
      // AX did not take the request: drop the intent so that the queue's retry sends it again. A concurrent write
      // of the order (a cancellation waiting, the status sync) must not leave it `pending`, which the retry would
      // take for a call in flight and, after the lease, for an uncertain one.
      snapshot = await recordResult(deps, snapshot, axOrders, plan.product_type, intent, undefined, [], undefined);
      throw result.error;
    }
    const call: CreateCall =
      result.kind === "created"
        ? { ...intent, state: "created" }
        : { ...intent, state: result.kind, reason: result.reason, detail: result.detail };
    const created = result.kind === "created" ? axOrderRecords(data.order_id, plan, result.matched, deps.clock) : [];
    axOrders = mergeAxOrders(axOrders, created);
    snapshot = await recordResult(
      deps,
      snapshot,
      axOrders,
      plan.product_type,
      intent,
      call,
      created,
      isLast ? context : undefined,
    );
    settledWithLastWrite = isLast;
  }
  const outcome = placementOutcome(snapshot.order);
  if (!settledWithLastWrite) return settle(outcome);
  return { ...outcome, cancelsWaiting: hasWaitingCancels(snapshot.order) };
}

/** Whether cancellations wait on the order for its placement (so the worker applies them next). */
const hasWaitingCancels = (order: OrderRecord | undefined) => (order?.deferred_cancels?.length ?? 0) > 0;

type CallResult =
  | { kind: "created"; matched: MatchedAxOrder[] }
  | { kind: "uncertain" | "failed"; reason: string; detail: string }
  | { kind: "retry"; error: Error };

async function callAx(deps: PlaceOrderDeps, plan: CreatePlan): Promise<CallResult> {
  let answer: CreateOrderResult;
  try {
    answer = await deps.ax.createOrder(plan.product_type, plan.request);
  } catch (error) {
    if (!(error instanceof AxError))
      return { kind: "uncertain", reason: "create_uncertain", detail: `unexpected error calling AX: ${String(error)}` };
    if (error.disposition === "retry_safe") return { kind: "retry", error };
    if (error.disposition === "outcome_unknown")
      return { kind: "uncertain", reason: "create_uncertain", detail: error.message };
    return { kind: "failed", reason: error.reason, detail: error.message };
  }
  try {
    return { kind: "created", matched: matchCreateResult(plan, answer) };
  } catch (error) {
    if (error instanceof UnmatchedResponseError)
      return { kind: "uncertain", reason: "create_uncertain", detail: error.message };
    throw error;
  }
}

function axOrderRecords(orderId: string, plan: CreatePlan, matched: MatchedAxOrder[], clock: Clock): AxOrderRecord[] {
  const at = clock.now().toISOString();
  return matched.flatMap((axOrder) => {
    const planned = plan.items.find((item) => item.item_id === axOrder.item_id);
    if (!planned) return [];
    return [
      {
        order_id: orderId,
        item_id: axOrder.item_id,
        product_type: plan.product_type,
        mapping_code: planned.product.mapping_code,
        option_code: planned.product.option_code,
        inventory_at: planned.inventory_at,
        quantity: planned.quantity,
        ax_order_code: axOrder.ax_order_code,
        ax_order_status: axOrder.ax_order_status,
        tickets: axOrder.tickets,
        history: [{ at, to: axOrder.ax_order_status, source: "create" as const }],
        created_at: at,
        updated_at: at,
      },
    ];
  });
}

function withCall(order: OrderRecord, type: ProductType, call: CreateCall): OrderRecord {
  return { ...order, create_calls: { ...order.create_calls, [type]: call } };
}

function withoutCall(order: OrderRecord, type: ProductType): OrderRecord {
  const { [type]: _dropped, ...others } = order.create_calls;
  return { ...order, create_calls: others };
}

function writeCall(
  deps: PlaceOrderDeps,
  snapshot: Snapshot,
  axOrders: readonly AxOrderRecord[],
  type: ProductType,
  call: CreateCall,
): Promise<Snapshot> {
  return commitOrder(deps, { ...snapshot, order: withCall(snapshot.order, type, call) }, { all: axOrders });
}

/**
 * Records AX's answer (`call`), or drops the intent when AX definitely did not take the request (`call` undefined).
 * AX's answer is the one thing that cannot be asked for again, so a concurrent change of the order does not lose
 * it: the order is re-read and the answer written onto it, as long as this attempt still owns the call
 * (`intent.attempt_id`).
 */
async function recordResult(
  deps: PlaceOrderDeps,
  snapshot: Snapshot,
  allAxOrders: readonly AxOrderRecord[],
  type: ProductType,
  intent: CreateCall,
  call: CreateCall | undefined,
  created: AxOrderRecord[],
  context: EventContext | undefined,
): Promise<Snapshot> {
  let current = snapshot;
  let all = allAxOrders;
  for (let attempt = 1; ; attempt++) {
    let order = call ? withCall(current.order, type, call) : withoutCall(current.order, type);
    if (context) order = withEvent(order, context, PLACED, placementOutcome(order));
    try {
      return await commitOrder(
        deps,
        { order, version: current.version },
        { changed: created, all, settle: context ? [context.webhookId] : [] },
      );
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= RESULT_WRITE_ATTEMPTS) throw error;
      const reloaded = await deps.orders.load(snapshot.order.order_id);
      const owner = reloaded.order?.create_calls[type];
      if (!reloaded.order || owner?.attempt_id !== intent.attempt_id) throw error;
      current = { order: reloaded.order, version: reloaded.order.version };
      all = mergeAxOrders(reloaded.axOrders, created);
    }
  }
}

async function resolveProducts(
  catalog: ProductCatalog,
  data: OrderPlacedEvent["data"],
): Promise<{ ok: true; products: Map<string, ResolvedProduct> } | { ok: false; detail: string }> {
  const products = new Map<string, ResolvedProduct>();
  const skus = data.items.flatMap((item) => (item.ax ? [] : [item.sku]));
  const mappings = skus.length > 0 ? await catalog.findMappings(skus) : new Map<string, ResolvedProduct>();
  const missing: string[] = [];
  for (const item of data.items) {
    const product = item.ax ?? mappings.get(item.sku);
    if (product) products.set(item.item_id, product);
    else missing.push(`${item.sku} (item ${item.item_id})`);
  }
  if (missing.length > 0)
    return {
      ok: false,
      detail: `no product mapping for sku ${missing.join(", ")}; add it with \`npm run cli -- products add\` and replay the event`,
    };
  return { ok: true, products };
}

function placementOutcome(order: OrderRecord): ApplyOutcome {
  const calls = Object.values(order.create_calls);
  const uncertain = calls.find((call) => call.state === "uncertain");
  if (uncertain) return { status: "failed", reason: "create_uncertain", detail: uncertain.detail };
  const failed = calls.find((call) => call.state === "failed");
  if (failed) return { status: "failed", reason: failed.reason, detail: failed.detail };
  return { status: "applied" };
}
