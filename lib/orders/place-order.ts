// Use case: apply one `order.placed` event. Exactly once towards AX:
// - the items are planned one by one from what is booked (placement-plan.ts): an item with an AX order, or with a
//   create call that may have reached AX, is never sent again, whatever its mapping says now;
// - the intent to call AX is written before the call, so a call whose outcome is lost is found as `pending` and
//   marked `uncertain` instead of being repeated; an intent write whose answer was lost is told from a conflict by
//   its attempt id;
// - AX's answer is kept the moment it arrives (an unconditional write keyed by the attempt id), then recorded in the
//   order with retries: DynamoDB failing after AX answered never turns a known answer into `uncertain`.
import type { OrderPlacedEvent } from "../channel/schemas";
import { AxError } from "../ax/errors";
import type { CreateOrderRequest, CreateOrderResult } from "../ax/schemas";
import {
  UnmatchedResponseError,
  matchCreateResult,
  ticketIds,
  type CreatePlan,
  type MatchedAxOrder,
} from "../ax/translate";
import type { AxOrderRecord, CreateAnswer, CreateCall, OrderRecord, ProductType } from "./model";
import {
  commitOrder,
  mergeAxOrders,
  newOrder,
  outcomeFields,
  withEvent,
  type ApplyOutcome,
  type CommitOptions,
  type EventContext,
  type Snapshot,
} from "./order-state";
import {
  applyAnswer,
  classifyItems,
  planPlacement,
  resolveProducts,
  settleOpenCalls,
  unmappedDetail,
  withCall,
} from "./placement-plan";
import {
  ConcurrentUpdateError,
  StoreUnavailableError,
  type Clock,
  type CreateAnswerLog,
  type OrderRepository,
  type ProductCatalog,
} from "./ports";
import { backoffDelay, realSleep, retryWhileUnavailable, type Sleep } from "./store-retry";

export type { ApplyOutcome, EventContext };

export interface AxCreator {
  createOrder(type: ProductType, body: CreateOrderRequest): Promise<CreateOrderResult>;
}

export interface PlaceOrderDeps {
  orders: OrderRepository;
  /** Where AX's answer is kept before anything else is written. */
  answers: CreateAnswerLog;
  products: ProductCatalog;
  ax: AxCreator;
  clock: Clock;
  newAttemptId: () => string;
  /**
   * How long a `pending` AX call belongs to the worker that wrote it (longer than an AX call can take). A younger
   * one means another worker is calling AX right now: wait. An older one was left by a worker that stopped.
   */
  createLeaseMs: number;
  /** How a retry of a DynamoDB write waits (default: a timer). */
  sleep?: Sleep;
}

/** Another worker is calling AX for this order right now: retry later. */
export class WorkInProgressError extends Error {
  constructor(what: string) {
    super(`another worker is ${what} right now; the event will be retried`);
    this.name = "WorkInProgressError";
  }
}

/** Plans in one attempt: a concurrent change (an operator's resend) can leave items to plan once more. */
const MAX_ROUNDS = 3;
/**
 * AX's answer is written and recorded until this long before the call's lease runs out: past the lease a later worker
 * reads the call as left behind, and must then find the answer if there is one.
 */
const LEASE_MARGIN_MS = 3_000;
const PLACED = "order.placed";

type Round = { done: true; outcome: ApplyOutcome } | { done: false };

export async function placeOrder(
  deps: PlaceOrderDeps,
  context: EventContext,
  event: OrderPlacedEvent,
): Promise<ApplyOutcome> {
  for (let round = 1; ; round++) {
    const result = await placeRound(deps, context, event.data, round);
    if (result.done) return result.outcome;
    if (round >= MAX_ROUNDS) throw new ConcurrentUpdateError(event.data.order_id);
  }
}

async function placeRound(
  deps: PlaceOrderDeps,
  context: EventContext,
  data: OrderPlacedEvent["data"],
  round: number,
): Promise<Round> {
  const loaded = await deps.orders.load(data.order_id);
  const seen = loaded.order?.events[context.webhookId];
  if (seen && seen.status !== "queued" && !(seen.status === "failed" && context.replay))
    return done({ ...outcomeFields(seen), alreadySettled: true, cancelsWaiting: hasWaitingCancels(loaded.order) });

  let snapshot: Snapshot = {
    order: loaded.order ?? newOrder(data.order_id, deps.clock.now()),
    version: loaded.order?.version,
  };
  let axOrders: readonly AxOrderRecord[] = loaded.axOrders;
  let carried: Pick<CommitOptions, "changed" | "answersRecorded"> = {};
  const settle = async (outcome: ApplyOutcome) => {
    const order = withEvent(snapshot.order, context, PLACED, outcome);
    await commitOrder(deps, { ...snapshot, order }, { ...carried, all: axOrders, settle: [context.webhookId] });
    return done({ ...outcome, cancelsWaiting: hasWaitingCancels(order) });
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

  // Calls left open by an earlier attempt: in flight (wait), answered (complete them), or lost (uncertain).
  const open = settleOpenCalls(snapshot.order, loaded.answers ?? [], deps.clock.now(), deps.createLeaseMs);
  if (open.inProgress) throw new WorkInProgressError(`creating the ${open.inProgress} AX order of ${data.order_id}`);
  snapshot.order = open.order;
  axOrders = mergeAxOrders(axOrders, open.created);
  carried = { changed: open.created, answersRecorded: open.answersRecorded };

  // A refused create is sent again only when an operator replays the event (and only in this attempt's first plan).
  const classes = classifyItems(snapshot.order, axOrders, context.replay && round === 1);
  const resolved = await resolveProducts(deps.products, data, classes.toPlan);
  if (resolved.missing.length > 0)
    return settle({ status: "failed", reason: "unmapped_sku", detail: unmappedDetail(resolved.missing) });
  const plan = planPlacement(data, snapshot.order, classes, resolved.products);
  for (const type of plan.dropCalls) snapshot.order = withCall(snapshot.order, type, undefined);
  if (plan.calls.length === 0) return settle(placementOutcome(snapshot.order));

  // The intents of every family, written in one write before AX is called: a lost answer can then never lead to a
  // second AX order. Then both families' creates go to AX at once.
  const intents = new Map(
    plan.calls.map((create): [ProductType, CreateCall] => [
      create.product_type,
      {
        state: "pending",
        attempt_id: deps.newAttemptId(),
        started_at: deps.clock.now().toISOString(),
        item_ids: create.items.map((item) => item.item_id),
      },
    ]),
  );
  const withIntents = {
    ...snapshot.order,
    create_calls: { ...snapshot.order.create_calls, ...Object.fromEntries(intents) },
  };
  const written = await writeIntents(deps, { ...snapshot, order: withIntents }, { ...carried, all: axOrders }, intents);
  if (!written) return { done: false }; // the order moved on meanwhile: plan again from what it is now
  snapshot = written.snapshot;
  axOrders = written.axOrders;

  const results = await Promise.all(plan.calls.map((create) => callAx(deps, create)));
  const deadline = Math.min(...[...intents.values()].map((i) => Date.parse(i.started_at))) + deps.createLeaseMs;
  const answers = plan.calls.map((create, index) => {
    const intent = intents.get(create.product_type);
    const result = results[index];
    if (!intent || !result) throw new Error("every planned create has an intent and a result");
    return answerOf(data.order_id, create, intent, result, deps.clock);
  });
  await keepAnswers(deps, answers, deadline - LEASE_MARGIN_MS);
  const recorded = await recordAnswers(deps, context, snapshot, axOrders, answers, deadline - LEASE_MARGIN_MS);
  const retryError = results.find((result) => result.kind === "retry")?.error;
  // AX did not take a `retry` create: its intent is dropped so that the queue's retry sends it again.
  if (retryError) throw retryError;
  if (!recorded.settled) return { done: false };
  return done({
    ...placementOutcome(recorded.snapshot.order),
    cancelsWaiting: hasWaitingCancels(recorded.snapshot.order),
  });
}

const done = (outcome: ApplyOutcome): Round => ({ done: true, outcome });

/** Whether cancellations wait on the order for its placement (so the worker applies them next). */
const hasWaitingCancels = (order: OrderRecord | undefined) => (order?.deferred_cancels?.length ?? 0) > 0;

/**
 * Writes the intents. When DynamoDB does not confirm the write (its SDK's retry met the write it had already landed,
 * or it timed out), the stored calls tell: our attempt ids there mean it landed. Undefined: another writer moved the
 * order first, nothing of ours is stored, and nothing was sent.
 */
async function writeIntents(
  deps: PlaceOrderDeps,
  snapshot: Snapshot,
  options: CommitOptions,
  intents: ReadonlyMap<ProductType, CreateCall>,
): Promise<{ snapshot: Snapshot; axOrders: readonly AxOrderRecord[] } | undefined> {
  try {
    return { snapshot: await commitOrder(deps, snapshot, options), axOrders: options.all ?? [] };
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError || error instanceof StoreUnavailableError)) throw error;
    const orderId = snapshot.order.order_id;
    let reloaded;
    try {
      reloaded = await retryWhileUnavailable(() => deps.orders.load(orderId), {
        clock: deps.clock,
        sleep: deps.sleep,
        deadline: deps.clock.now().getTime() + deps.createLeaseMs / 2,
      });
    } catch {
      await markNotSent(deps, orderId, intents);
      throw error;
    }
    const stored = reloaded.order?.create_calls;
    const landed = [...intents].every(([type, intent]) => {
      const call = stored?.[type];
      return call?.attempt_id === intent.attempt_id && call.state === "pending";
    });
    if (landed && reloaded.order)
      return { snapshot: { order: reloaded.order, version: reloaded.order.version }, axOrders: reloaded.axOrders };
    // Not stored now, but a write that timed out may still land: say that these attempts never went to AX.
    if (error instanceof StoreUnavailableError) {
      await markNotSent(deps, orderId, intents);
      throw error;
    }
    return undefined;
  }
}

async function markNotSent(deps: PlaceOrderDeps, orderId: string, intents: ReadonlyMap<ProductType, CreateCall>) {
  const at = deps.clock.now().toISOString();
  await Promise.all(
    [...intents].map(([type, intent]) =>
      deps.answers
        .recordAnswer({
          order_id: orderId,
          product_type: type,
          attempt_id: intent.attempt_id,
          outcome: "not_sent",
          reason: "intent_unconfirmed",
          detail: "the intent could not be confirmed in DynamoDB, so AX was not called",
          answered_at: at,
        })
        .catch(() => undefined),
    ),
  );
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

function answerOf(
  orderId: string,
  plan: CreatePlan,
  intent: CreateCall,
  result: CallResult,
  clock: Clock,
): CreateAnswer {
  const base = {
    order_id: orderId,
    product_type: plan.product_type,
    attempt_id: intent.attempt_id,
    answered_at: clock.now().toISOString(),
  };
  switch (result.kind) {
    case "created":
      return { ...base, outcome: "created", ax_orders: axOrderRecords(orderId, plan, result.matched, clock) };
    case "retry":
      return { ...base, outcome: "not_sent", reason: "ax_not_taken", detail: result.error.message };
    default:
      return { ...base, outcome: result.kind, reason: result.reason, detail: result.detail };
  }
}

/**
 * Keeps AX's answers before anything else is written, retrying while DynamoDB does not confirm. Should that still
 * fail, the answers are recorded in the order all the same (the kept answer is for when that fails too).
 */
async function keepAnswers(deps: PlaceOrderDeps, answers: readonly CreateAnswer[], deadline: number) {
  await Promise.all(
    answers.map((answer) =>
      retryWhileUnavailable(() => deps.answers.recordAnswer(answer), {
        clock: deps.clock,
        sleep: deps.sleep,
        deadline,
      }).catch(() => undefined),
    ),
  );
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

/** AX created an order the adapter could no longer record: the create had been reconciled meanwhile. */
export class LostAnswerError extends Error {
  constructor(answer: CreateAnswer) {
    super(
      `AX created the ${answer.product_type} order of ${answer.order_id} (attempt ${answer.attempt_id}) after that create had been reconciled by an operator; AX's answer is kept in the table (AXANSWER#${answer.attempt_id}) for a person to look at`,
    );
    this.name = "LostAnswerError";
  }
}

function placementOutcome(order: OrderRecord): ApplyOutcome {
  const calls = Object.values(order.create_calls);
  const uncertain = calls.find((call) => call.state === "uncertain");
  if (uncertain) return { status: "failed", reason: "create_uncertain", detail: uncertain.detail };
  const failed = calls.find((call) => call.state === "failed");
  if (failed) return { status: "failed", reason: failed.reason, detail: failed.detail };
  return { status: "applied" };
}

/**
 * Records AX's answers in the order, and the event's outcome when nothing is left to plan, in one write. Retried
 * with backoff while DynamoDB does not confirm it or another writer moved the order, until `deadline`: the order is
 * re-read, and an answer already recorded (our own write had landed, or a later worker completed the call from the
 * kept answer) is not written again.
 */
async function recordAnswers(
  deps: PlaceOrderDeps,
  context: EventContext,
  snapshot: Snapshot,
  axOrders: readonly AxOrderRecord[],
  answers: readonly CreateAnswer[],
  deadline: number,
): Promise<{ snapshot: Snapshot; settled: boolean }> {
  let current = snapshot;
  let all = axOrders;
  const orderId = snapshot.order.order_id;
  for (let attempt = 1; ; attempt++) {
    let order = current.order;
    const created: AxOrderRecord[] = [];
    const recorded: string[] = [];
    const lost: CreateAnswer[] = [];
    for (const answer of answers) {
      const call = order.create_calls[answer.product_type];
      if (call?.attempt_id !== answer.attempt_id) {
        lost.push(answer);
        continue;
      }
      // Already recorded (by our own write, or from the kept answer), unless only as uncertain while AX did answer.
      if (call.state !== "pending" && !(call.state === "uncertain" && answer.outcome !== "uncertain")) continue;
      const applied = applyAnswer(call, answer);
      order = withCall(order, answer.product_type, applied.call);
      created.push(...applied.created);
      recorded.push(answer.attempt_id);
    }
    const lostCreate = lost.find((answer) => answer.outcome === "created");
    const allAfter = mergeAxOrders(all, created);
    const cancelled = new Set(order.cancelled_before_ax?.items ?? []);
    const settleNow = classifyItems(order, allAfter, false).toPlan.every((itemId) => cancelled.has(itemId));
    const outcome = placementOutcome(order);
    if (recorded.length === 0) {
      // Everything is recorded already (our write had landed): settle the event unless that is done too.
      const event = order.events[context.webhookId];
      if (!settleNow || (event?.status === outcome.status && event.reason === outcome.reason)) {
        if (lostCreate) throw new LostAnswerError(lostCreate);
        return { snapshot: current, settled: settleNow };
      }
    }
    if (settleNow) order = withEvent(order, context, PLACED, outcome);
    try {
      const written = await commitOrder(
        deps,
        { order, version: current.version },
        { changed: created, all: allAfter, settle: settleNow ? [context.webhookId] : [], answersRecorded: recorded },
      );
      if (lostCreate) throw new LostAnswerError(lostCreate);
      return { snapshot: written, settled: settleNow };
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError || error instanceof StoreUnavailableError)) throw error;
      if (error instanceof StoreUnavailableError) {
        const pause = backoffDelay(attempt);
        if (deps.clock.now().getTime() + pause > deadline) throw error;
        await (deps.sleep ?? realSleep)(pause);
      }
      const retry = { clock: deps.clock, sleep: deps.sleep, deadline };
      const reloaded = await retryWhileUnavailable(() => deps.orders.load(orderId), retry);
      if (!reloaded.order) throw error;
      current = { order: reloaded.order, version: reloaded.order.version };
      all = reloaded.axOrders;
    }
  }
}
