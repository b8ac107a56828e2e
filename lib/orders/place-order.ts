// Use case: apply one `order.placed` event. Exactly once towards AX: the intent to call AX is written before the
// call, so a call whose outcome is lost is found as `pending` and marked `uncertain` instead of being repeated.
import type { OrderPlacedEvent } from "../channel/schemas";
import { AxError } from "../ax/errors";
import type { CreateOrderRequest, CreateOrderResult } from "../ax/schemas";
import {
  UnmatchedResponseError,
  matchCreateResult,
  planCreates,
  type CreatePlan,
  type MatchedAxOrder,
  type ResolvedProduct,
} from "../ax/translate";
import type { AxOrderRecord, CreateCall, OrderRecord, OrderStatus, ProductType } from "./model";
import { ConcurrentUpdateError, type Clock, type OrderRepository, type ProductCatalog } from "./ports";

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
   * How long a `pending` create belongs to the worker that wrote it (longer than an AX call can take). A younger
   * one means another worker is calling AX right now: wait. An older one was left by a worker that stopped.
   */
  createLeaseMs: number;
}

export interface EventContext {
  webhookId: string;
  receivedAt: string;
  /** An operator's replay: re-applies an event that was parked (failed). */
  replay: boolean;
}

export interface ApplyOutcome {
  status: "applied" | "ignored" | "failed";
  reason?: string;
  detail?: string;
  /** Set when this call did nothing because the event had been settled before. */
  alreadySettled?: boolean;
}

/** Another worker holds the create of this order right now: retry later. */
export class CreateInProgressError extends Error {
  constructor(orderId: string, type: ProductType) {
    super(`another worker is creating the ${type} AX order of ${orderId}; the event will be retried`);
    this.name = "CreateInProgressError";
  }
}

/** The order as last written, with the version the next write must expect. */
interface Snapshot {
  order: OrderRecord;
  version: number | undefined;
}

const RESULT_WRITE_ATTEMPTS = 5;

export async function placeOrder(
  deps: PlaceOrderDeps,
  context: EventContext,
  event: OrderPlacedEvent,
): Promise<ApplyOutcome> {
  const data = event.data;
  const loaded = await deps.orders.load(data.order_id);
  const seen = loaded.order?.events[context.webhookId];
  if (seen && seen.status !== "queued" && !(seen.status === "failed" && context.replay))
    return { ...pickOutcome(seen), alreadySettled: true };

  let snapshot: Snapshot = {
    order: loaded.order ?? newOrder(data.order_id, deps.clock.now()),
    version: loaded.order?.version,
  };
  const placedBy = snapshot.order.placed_by;
  if (placedBy !== undefined && placedBy !== context.webhookId) {
    return settle(deps, snapshot, context, {
      status: "ignored",
      reason: "order_already_placed",
      detail: `order ${data.order_id} was already placed by event ${placedBy}; an AX order cannot be changed, so cancel it and place a new order_id instead`,
    });
  }

  const resolved = await resolveProducts(deps.products, data);
  if (!resolved.ok)
    return settle(deps, snapshot, context, { status: "failed", reason: "unmapped_sku", detail: resolved.detail });

  snapshot.order = {
    ...snapshot.order,
    placed_by: context.webhookId,
    currency: data.currency,
    subtotal: data.subtotal,
    ...(data.discount !== undefined ? { discount: data.discount } : {}),
    total: data.total,
  };
  const plans = planCreates(data, resolved.products);
  let settledWithLastWrite = false;
  for (const [index, plan] of plans.entries()) {
    const isLast = index === plans.length - 1;
    const previous = snapshot.order.create_calls[plan.product_type];
    if (previous?.state === "created" || previous?.state === "uncertain") continue;
    if (previous?.state === "pending") {
      const age = deps.clock.now().getTime() - Date.parse(previous.started_at);
      if (age < deps.createLeaseMs) throw new CreateInProgressError(data.order_id, plan.product_type);
      // The worker that wrote this intent stopped without recording AX's answer: AX may have the order.
      snapshot = await write(deps, snapshot, plan.product_type, {
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
    snapshot = await write(deps, snapshot, plan.product_type, intent);

    const result = await callAx(deps, plan);
    if (result.kind === "retry") {
      // AX did not take the request: drop the intent so that the queue's retry sends it again.
      const { [plan.product_type]: _dropped, ...others } = snapshot.order.create_calls;
      snapshot = await commitOrder(deps, { ...snapshot, order: { ...snapshot.order, create_calls: others } });
      throw result.error;
    }
    const call: CreateCall =
      result.kind === "created"
        ? { ...intent, state: "created" }
        : { ...intent, state: result.kind, reason: result.reason, detail: result.detail };
    const axOrders = result.kind === "created" ? axOrderRecords(data.order_id, plan, result.matched, deps.clock) : [];
    snapshot = await recordResult(deps, snapshot, plan.product_type, call, axOrders, isLast ? context : undefined);
    settledWithLastWrite = isLast;
  }
  const outcome = placementOutcome(snapshot.order);
  if (!settledWithLastWrite) await settle(deps, snapshot, context, outcome);
  return outcome;
}

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

/**
 * Records AX's answer. AX's answer is the one thing that cannot be asked for again, so a concurrent change of the
 * order does not lose it: the order is re-read and the answer written onto it, as long as this attempt still owns
 * the call.
 */
async function recordResult(
  deps: PlaceOrderDeps,
  snapshot: Snapshot,
  type: ProductType,
  call: CreateCall,
  axOrders: AxOrderRecord[],
  context: EventContext | undefined,
): Promise<Snapshot> {
  let current = snapshot;
  for (let attempt = 1; ; attempt++) {
    let order = withCall(current.order, type, call, deps.clock.now());
    order = { ...order, status: placementStatus(order) };
    if (context) order = withEvent(order, context, placementOutcome(order));
    try {
      const next = await commitOrder(deps, { order, version: current.version }, axOrders, context);
      return next;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= RESULT_WRITE_ATTEMPTS) throw error;
      const reloaded = await deps.orders.load(snapshot.order.order_id);
      const owner = reloaded.order?.create_calls[type];
      if (!reloaded.order || owner?.attempt_id !== call.attempt_id) throw error;
      current = { order: reloaded.order, version: reloaded.order.version };
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

function newOrder(orderId: string, now: Date): OrderRecord {
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

function withCall(order: OrderRecord, type: ProductType, call: CreateCall, now: Date): OrderRecord {
  return { ...order, create_calls: { ...order.create_calls, [type]: call }, updated_at: now.toISOString() };
}

/** The order's status from its create calls. */
export function placementStatus(order: OrderRecord): OrderStatus {
  const calls = Object.values(order.create_calls);
  if (calls.some((call) => call.state === "uncertain")) return "uncertain";
  if (calls.some((call) => call.state === "failed")) return "failed";
  if (calls.length > 0 && calls.every((call) => call.state === "created")) return "placed";
  return "pending";
}

function placementOutcome(order: OrderRecord): ApplyOutcome {
  const calls = Object.values(order.create_calls);
  const uncertain = calls.find((call) => call.state === "uncertain");
  if (uncertain) return { status: "failed", reason: "create_uncertain", detail: uncertain.detail };
  const failed = calls.find((call) => call.state === "failed");
  if (failed) return { status: "failed", reason: failed.reason, detail: failed.detail };
  return { status: "applied" };
}

async function write(deps: PlaceOrderDeps, snapshot: Snapshot, type: ProductType, call: CreateCall): Promise<Snapshot> {
  const order = withCall(snapshot.order, type, call, deps.clock.now());
  return commitOrder(deps, { order: { ...order, status: placementStatus(order) }, version: snapshot.version });
}

/** Writes the order (and AX orders, and the event's outcome) conditionally on the version read. */
async function commitOrder(
  deps: PlaceOrderDeps,
  snapshot: Snapshot,
  axOrders: AxOrderRecord[] = [],
  settled?: EventContext,
): Promise<Snapshot> {
  const order: OrderRecord = {
    ...snapshot.order,
    version: (snapshot.version ?? 0) + 1,
    updated_at: deps.clock.now().toISOString(),
  };
  const outcome = settled ? order.events[settled.webhookId] : undefined;
  await deps.orders.commit({
    order,
    expectedVersion: snapshot.version,
    axOrders,
    events: settled && outcome ? [{ webhook_id: settled.webhookId, ...pickOutcome(outcome) }] : [],
  });
  return { order, version: order.version };
}

/** Records the event's outcome on the order and on the stored event. */
async function settle(
  deps: PlaceOrderDeps,
  snapshot: Snapshot,
  context: EventContext,
  outcome: ApplyOutcome,
): Promise<ApplyOutcome> {
  await commitOrder(deps, { ...snapshot, order: withEvent(snapshot.order, context, outcome) }, [], context);
  return outcome;
}

function withEvent(order: OrderRecord, context: EventContext, outcome: ApplyOutcome): OrderRecord {
  return {
    ...order,
    events: {
      ...order.events,
      [context.webhookId]: { type: "order.placed", received_at: context.receivedAt, ...pickOutcome(outcome) },
    },
  };
}

function pickOutcome(outcome: { status: ApplyOutcome["status"] | "queued"; reason?: string; detail?: string }) {
  const status = outcome.status === "queued" ? "failed" : outcome.status;
  return {
    status,
    ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
    ...(outcome.detail !== undefined ? { detail: outcome.detail } : {}),
  };
}
