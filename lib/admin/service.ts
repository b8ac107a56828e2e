// The operators' use cases, one implementation for the admin API (and so the console) and the CLI. Every action
// records who (the admin token's name) did what, and when, in the audit log. Pure: the store, the queue and the
// dead-letter queue are ports.
import { createHash } from "node:crypto";
import {
  isFinalAxOrderStatus,
  type AxOrderRecord,
  type CreateCall,
  type EventSummaryRow,
  type NotificationRecord,
  type OrderAggregate,
  type OrderRecord,
  type ProductMapping,
  type ProductType,
  type StoredEvent,
} from "../orders/model";
import type { Clock, OrderRepository, QueuedEvent } from "../orders/ports";
import { axOrderView } from "../orders/read-order";
import { DEFAULT_SYNC_SETTINGS } from "../orders/sync-schedule";
import {
  ReconcileError,
  ReconcileInputError,
  ReconcileUnavailableError,
  reconcileCreate,
  type AxCodeIndex,
  type AxOrderLookup,
  type Resolution,
} from "../orders/reconcile";
import { AdminInputError, ConflictError, NotFoundError, UnavailableError } from "./errors";
import { MappingInputError, parseMappingRows } from "./mapping-input";
import {
  ReplayError,
  UnknownReplayError,
  describePlan,
  replayEvent as requeueEvent,
  type EventRequeuer,
  type Replayed,
} from "../orders/replay";
import { ORDER_ID_SEARCH_MIN_CHARS } from "../orders/search-entries";
import { AxError } from "../ax/errors";
import { axCallEntry, operatorEntry, type ActionRecords, type AttemptLogEntry } from "../orders/attempt-log";
import { DismissError, UnknownDismissError, dismissEvent as dismiss, type EventDismisser } from "../orders/dismiss";
import { replayHelps, triage } from "./triage";
import {
  ORDER_LOOKUPS,
  PAGE_LIMIT_DEFAULT,
  type ActionResult,
  type Attention,
  type AuditEntry,
  type AttemptView,
  type AuditQuery,
  type BulkReplayRequest,
  type BulkReplayResult,
  type DeadLetterList,
  type DismissRequest,
  type EventDetail,
  type EventRow,
  type ImportReport,
  type ImportRequest,
  type MappingQuery,
  type NotificationView,
  type OrderDetail,
  type OrderRow,
  type OrderSearchQuery,
  type PageQuery,
  type EventListQuery,
  type ReconcileRequest,
  type UncertainCreate,
} from "./schemas";

export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface EventFilter {
  type?: string | undefined;
  reason?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** One mapping change, with the mapping as it was read (absent: a new sku). */
export type MappingChange =
  { kind: "put"; mapping: ProductMapping; was: ProductMapping | undefined } | { kind: "delete"; was: ProductMapping };

/** An event a bulk replay may take: its id and why it is parked. */
export interface MatchingEvent {
  webhook_id: string;
  reason?: string | undefined;
}

/** What the use cases need from the table; every list is one page of an index. */
export interface AdminStore extends OrderRepository, EventRequeuer, EventDismisser, AxCodeIndex {
  searchOrders(query: OrderSearchQuery & PageRequest, now: Date): Promise<Page<OrderRow>>;
  listEventsForOrder(orderId: string): Promise<EventSummaryRow[]>;
  getEvents(webhookIds: readonly string[]): Promise<StoredEvent[]>;
  listNotificationsForOrder(orderId: string): Promise<NotificationRecord[]>;
  /** One page of the events in a state matching the filter, oldest first (a page reads a bounded part of the index). */
  listEventsInState(state: "failed" | "queued", filter: EventFilter, page: PageRequest): Promise<Page<EventSummaryRow>>;
  /** The events in a state matching the filter, oldest first: at most `max + 1` (so that "too many" can be told). */
  matchingEvents(state: "failed" | "queued", filter: EventFilter, max: number): Promise<MatchingEvent[]>;
  countEventsInState(state: "failed" | "queued", filter: EventFilter): Promise<number>;
  countParkedByReason(): Promise<Record<string, number>>;
  listOrdersInStatus(status: OrderRecord["status"], page: PageRequest): Promise<Page<OrderRecord>>;
  countUncertainCreates(): Promise<number>;
  listDeadNotifications(page: PageRequest): Promise<Page<NotificationRecord>>;
  countDeadNotifications(): Promise<number>;
  getNotification(orderId: string, notificationId: string): Promise<NotificationRecord | undefined>;
  /**
   * Makes a dead notification pending again, due now, with its attempts starting over, in one write with the
   * operator's records; false if it is not dead (nothing written then).
   */
  resendNotification(
    notification: NotificationRecord,
    by: string,
    at: string,
    records: ActionRecords,
  ): Promise<boolean>;
  /** An order's attempt log, the newest `limit` lines, oldest first. */
  listAttempts(orderId: string, limit: number): Promise<AttemptLogEntry[]>;
  /** An action's records alone, in one write (a dead-letter redrive's: SQS cannot join the table's transaction). */
  recordAction(records: ActionRecords): Promise<void>;
  listMappingPage(prefix: string | undefined, page: PageRequest): Promise<Page<ProductMapping>>;
  findMappings(skus: readonly string[]): Promise<Map<string, ProductMapping>>;
  /**
   * Writes mapping changes and the audit entry that records them in one transaction (at most 99 changes): each
   * change only if the mapping is still as it was read. False when one was not (nothing is written then).
   */
  changeMappings(changes: readonly MappingChange[], entry: AuditEntry): Promise<boolean>;
  recordAudit(entry: AuditEntry): Promise<void>;
  listAudit(day: string, page: PageRequest): Promise<Page<AuditEntry>>;
  /**
   * Puts an AX order (not final) back in the status sync until `until`, in one write with the operator's records,
   * if its status and code are still these; false when they are not (nothing written then).
   */
  pollAgain(
    axOrder: Pick<AxOrderRecord, "order_id" | "item_id" | "ax_order_code" | "ax_order_status">,
    orderVersion: number,
    when: { at: string; until: string },
    records: ActionRecords,
  ): Promise<boolean>;
}

/** The stage's dead-letter queue (SQS in AWS, the local stack's list locally). */
export interface DeadLetters {
  list(limit: number): Promise<DeadLetterList>;
  /** Moves every message back to the queue; says what happened (a count, or SQS's move task). */
  redrive(): Promise<string>;
}

export interface AdminDeps {
  store: AdminStore;
  /** AX, asked about the AX orders an operator attaches. */
  ax: AxOrderLookup;
  deadLetters: DeadLetters;
  clock: Clock;
  /** A queued event older than this needs a person (the worker should have taken it long ago). */
  waitingTooLongMs: number;
  /** How long "poll again" keeps an AX order in the status sync (SYNC_GRACE_MS; default 3 days). */
  syncGraceMs?: number;
}

export { AdminInputError, ConflictError, NotFoundError, UnavailableError };

/** The reason of a placement parked because its AX create is uncertain (reconciled, never replayed). */
const UNCERTAIN_REASON = "create_uncertain";

const limitOf = (query: PageQuery): PageRequest => ({ limit: query.limit ?? PAGE_LIMIT_DEFAULT, cursor: query.cursor });
const present = <T>(value: T | undefined): value is T => value !== undefined;

/** An audit entry recorded on its own: a summary of actions whose changes recorded their own entries. */
async function audit(deps: AdminDeps, actor: string, action: string, target: string, detail?: string) {
  await deps.store.recordAudit(entry(deps, actor, action, target, detail));
}

/** An action's audit entry and the line it adds to each order's attempt log: one write with the change. */
function recordsOf(
  audit: AuditEntry,
  lines: { orderId: string; summary: string; webhookId?: string }[],
): ActionRecords {
  return { audit, log: lines.map((line) => operatorEntry(audit, line.orderId, line.summary, line.webhookId)) };
}

/** The newest lines of an order's attempt log shown with it (the oldest beyond this are left out, and said so). */
export const ATTEMPTS_SHOWN = 300;

// ---- what needs a person ----------------------------------------------------------------------------------------

export async function attention(deps: AdminDeps): Promise<Attention> {
  const waitingBefore = new Date(deps.clock.now().getTime() - deps.waitingTooLongMs).toISOString();
  const [byReason, uncertain, waiting, deadLetters, deadNotifications] = await Promise.all([
    deps.store.countParkedByReason(),
    deps.store.countUncertainCreates(),
    deps.store.countEventsInState("queued", { to: waitingBefore }),
    deps.deadLetters.list(0),
    deps.store.countDeadNotifications(),
  ]);
  // A placement parked because its create is uncertain is counted once, as an uncertain create (its own card).
  const { [UNCERTAIN_REASON]: _uncertain, ...parkedByReason } = byReason;
  return {
    parked_by_reason: parkedByReason,
    parked: Object.values(parkedByReason).reduce((sum, count) => sum + count, 0),
    uncertain_creates: uncertain,
    waiting_too_long: waiting,
    waiting_threshold_minutes: Math.round(deps.waitingTooLongMs / 60_000),
    dead_letters: deadLetters.count,
    dead_notifications: deadNotifications,
  };
}

// ---- orders -----------------------------------------------------------------------------------------------------

export async function searchOrders(deps: AdminDeps, query: OrderSearchQuery): Promise<Page<OrderRow>> {
  if (query.from && query.to && query.from > query.to) throw new AdminInputError("from must not be after to");
  const lookups = ORDER_LOOKUPS.filter((lookup) => query[lookup] !== undefined);
  if (lookups.length > 1) throw new AdminInputError(`search by one of ${lookups.join(", ")} at a time`);
  if (lookups.length === 1 && (query.status || query.from || query.to))
    throw new AdminInputError(`search by ${lookups.join("")} alone, or by status and time`);
  if (query.id_prefix !== undefined && Array.from(query.id_prefix).length < ORDER_ID_SEARCH_MIN_CHARS)
    throw new AdminInputError(`an id search needs at least ${ORDER_ID_SEARCH_MIN_CHARS} characters`);
  return deps.store.searchOrders({ ...query, ...limitOf(query) }, deps.clock.now());
}

function eventRow(event: EventSummaryRow): EventRow {
  return {
    webhook_id: event.webhook_id,
    type: event.type,
    order_id: event.order_id,
    status: event.status,
    received_at: event.received_at,
    updated_at: event.updated_at,
    attempts: event.attempts,
    ...(event.reason !== undefined ? { reason: event.reason } : {}),
    ...(event.detail !== undefined ? { detail: event.detail } : {}),
    ...triage(event),
  };
}

function eventDetail(event: StoredEvent): EventDetail {
  let payload: unknown;
  try {
    payload = JSON.parse(event.body) as unknown;
  } catch {
    payload = event.body; // as received: the worker parked it for that
  }
  return { ...eventRow(event), payload };
}

export function notificationView(notification: NotificationRecord): NotificationView {
  return {
    id: notification.id,
    type: notification.type,
    order_id: notification.order_id,
    item_id: notification.item_id,
    status: notification.status,
    attempts: notification.attempts,
    created_at: notification.created_at,
    next_attempt_at: notification.next_attempt_at,
    ...(notification.delivered_at !== undefined ? { delivered_at: notification.delivered_at } : {}),
    ...(notification.last_error !== undefined ? { last_error: notification.last_error } : {}),
    delivery_attempts: notification.delivery_attempts ?? [],
    ...(notification.resent ? { resent: notification.resent } : {}),
    body: notification.body,
  };
}

function createCallView(productType: string, call: CreateCall) {
  return {
    product_type: productType,
    state: call.state,
    started_at: call.started_at,
    item_ids: call.item_ids,
    ...(call.reason !== undefined ? { reason: call.reason } : {}),
    ...(call.detail !== undefined ? { detail: call.detail } : {}),
  };
}

/** Whether the status sync still polls an AX order, and if not, since when and why. */
function syncView(axOrder: AxOrderRecord): OrderDetail["ax_orders"][number]["sync"] {
  if (isFinalAxOrderStatus(axOrder.ax_order_status)) return { state: "final" };
  if (axOrder.sync_left) return { state: "stopped", left_at: axOrder.sync_left.at, reason: axOrder.sync_left.reason };
  return { state: "polled", ...(axOrder.sync_until !== undefined ? { until: axOrder.sync_until } : {}) };
}

/** Everything known about one order: what an operator reads as its story. */
export async function orderDetail(deps: AdminDeps, orderId: string): Promise<OrderDetail> {
  const [aggregate, summaries, notifications, attempts]: [
    OrderAggregate,
    EventSummaryRow[],
    NotificationRecord[],
    AttemptLogEntry[],
  ] = await Promise.all([
    deps.store.load(orderId),
    deps.store.listEventsForOrder(orderId),
    deps.store.listNotificationsForOrder(orderId),
    deps.store.listAttempts(orderId, ATTEMPTS_SHOWN + 1),
  ]);
  const { order, axOrders } = aggregate;
  if (!order && summaries.length === 0) throw new NotFoundError(`no order with id ${orderId} was received`);
  const parked = summaries.some((event) => event.status === "failed");
  const events = await deps.store.getEvents(summaries.map((event) => event.webhook_id));
  return {
    order_id: orderId,
    status: order?.status ?? "pending",
    // "pending" says nothing was applied yet; when an event of it is parked, that is what an operator must know.
    ...((order?.status ?? "pending") === "pending" && parked ? { shown_status: "parked" } : {}),
    ...(order
      ? {
          version: order.version,
          created_at: order.created_at,
          updated_at: order.updated_at,
          ...(order.currency !== undefined ? { currency: order.currency } : {}),
          ...(order.total !== undefined ? { total: order.total } : {}),
        }
      : {}),
    items: order?.items ?? [],
    create_calls: Object.entries(order?.create_calls ?? {}).map(([productType, call]) =>
      createCallView(productType, call),
    ),
    ax_orders: [...axOrders]
      .sort((a, b) => a.item_id.localeCompare(b.item_id))
      .map((axOrder) => ({ ...axOrderView(axOrder), sync: syncView(axOrder) })),
    events: events.sort((a, b) => a.received_at.localeCompare(b.received_at)).map(eventDetail),
    notifications: notifications.map(notificationView),
    attempts: attempts.slice(-ATTEMPTS_SHOWN).map(attemptView),
    ...(attempts.length > ATTEMPTS_SHOWN ? { attempts_truncated: true } : {}),
  };
}

function attemptView(entry: AttemptLogEntry): AttemptView {
  const { expires_at: _expires, order_id: _order, ...view } = entry;
  return view;
}

// ---- events -----------------------------------------------------------------------------------------------------

export async function eventDetailOf(deps: AdminDeps, webhookId: string): Promise<EventDetail> {
  const event = await deps.store.getEvent(webhookId);
  if (!event) throw new NotFoundError(`no event with webhook id ${webhookId}`);
  return eventDetail(event);
}

export async function listEvents(deps: AdminDeps, query: EventListQuery): Promise<Page<EventRow>> {
  const { status, type, reason, from, to } = query;
  if (from && to && from > to) throw new AdminInputError("from must not be after to");
  const filter: EventFilter = { type, reason, from, to };
  if (status === "waiting") {
    // Queued for longer than the threshold: the end of the range is at most the threshold's start.
    const waitingBefore = new Date(deps.clock.now().getTime() - deps.waitingTooLongMs).toISOString();
    filter.to = to && to < waitingBefore ? to : waitingBefore;
  }
  const page = await deps.store.listEventsInState(status === "failed" ? "failed" : "queued", filter, limitOf(query));
  return { ...page, items: page.items.map(eventRow) };
}

/**
 * Requeues one parked (or waiting) event, with its order when the order records it (the replay use case: the stream
 * queues it); a placement's answer says what the worker will do with each item.
 */
async function requeue(deps: AdminDeps, actor: string, webhookId: string, bulk?: string): Promise<Replayed> {
  // The audit entry and the order's log line go in the replay's own write: no replay without its entry.
  const record = (event: StoredEvent): ActionRecords => {
    const was = `${event.reason ?? event.status}${event.detail ? `: ${event.detail}` : ""}`;
    const recorded = entry(
      deps,
      actor,
      "replay_event",
      webhookId,
      `order ${event.order_id}, was ${event.reason ?? event.status}${bulk ? `; in a bulk replay of ${bulk}` : ""}`,
    );
    return recordsOf(recorded, [
      { orderId: event.order_id, summary: `${event.type} ${webhookId} replayed by ${actor} (was ${was})`, webhookId },
    ]);
  };
  try {
    return await requeueEvent(
      { events: deps.store, orders: deps.store, products: deps.store, clock: deps.clock },
      webhookId,
      actor,
      record,
    );
  } catch (error) {
    if (error instanceof UnknownReplayError) throw new NotFoundError(error.message);
    if (error instanceof ReplayError) throw new ConflictError(error.message);
    throw error;
  }
}

export async function replayEvent(deps: AdminDeps, actor: string, webhookId: string): Promise<ActionResult> {
  const { event, plan } = await requeue(deps, actor, webhookId);
  const described = plan ? `: ${describePlan(plan)}` : "";
  return {
    ok: true,
    message: `event ${webhookId} is replayed (order ${event.order_id})${described}`,
    ...(plan ? { plan } : {}),
  };
}

/** Gives up on a parked event no replay can help, with a note; audited, and in its order's log, in the same write. */
export async function dismissEvent(
  deps: AdminDeps,
  actor: string,
  webhookId: string,
  request: DismissRequest,
): Promise<ActionResult> {
  const event = await deps.store.getEvent(webhookId);
  if (!event) throw new NotFoundError(`no event with webhook id ${webhookId}`);
  if (!triage(event).actions.includes("dismiss"))
    throw new ConflictError(
      event.status === "failed"
        ? `event ${webhookId} is parked with reason ${event.reason ?? "none"}, which is not dismissed: ${triage(event).hint}`
        : `event ${webhookId} is ${event.status}: only a parked event is dismissed`,
    );
  const record = (current: StoredEvent): ActionRecords =>
    recordsOf(
      entry(
        deps,
        actor,
        "dismiss_event",
        webhookId,
        `order ${current.order_id}: ${request.note}`,
        `${current.reason ?? "failed"}: ${current.detail ?? ""}`,
      ),
      [
        {
          orderId: current.order_id,
          summary: `${current.type} ${webhookId} dismissed by ${actor}: ${request.note}`,
          webhookId,
        },
      ],
    );
  try {
    await dismiss(
      { events: deps.store, orders: deps.store, clock: deps.clock },
      webhookId,
      actor,
      request.note,
      record,
    );
  } catch (error) {
    if (error instanceof UnknownDismissError) throw new NotFoundError(error.message);
    if (error instanceof DismissError) throw new ConflictError(error.message);
    throw error;
  }
  return { ok: true, message: `event ${webhookId} is dismissed (order ${event.order_id}); it will not be applied` };
}

/** A bulk replay takes at most this many events: one request of the admin API must finish well within 29 s. */
export const BULK_REPLAY_MAX = 200;

/** Names exactly one set of events: their count, and a hash of their ids in order. */
const confirmToken = (ids: readonly string[]) =>
  `${ids.length}-${createHash("sha256").update(ids.join("\n")).digest("hex").slice(0, 16)}`;

/**
 * Without `confirm`, counts the parked events of the filter that a replay can help, and answers a token naming
 * exactly them; with it, replays them if they are still exactly the events that match (not merely as many).
 */
export async function replayMatching(
  deps: AdminDeps,
  actor: string,
  request: BulkReplayRequest,
): Promise<BulkReplayResult> {
  if (request.from && request.to && request.from > request.to) throw new AdminInputError("from must not be after to");
  const filter: EventFilter = { type: request.type, reason: request.reason, from: request.from, to: request.to };
  const described = [
    request.type ?? "any type",
    request.reason ? `reason ${request.reason}` : "any reason",
    request.from ? `from ${request.from}` : undefined,
    request.to ? `to ${request.to}` : undefined,
  ]
    .filter(present)
    .join(", ");
  const matching = await deps.store.matchingEvents("failed", filter, BULK_REPLAY_MAX * 4);
  if (matching.length > BULK_REPLAY_MAX * 4)
    throw new AdminInputError(
      `more than ${BULK_REPLAY_MAX * 4} parked events match ${described}: narrow the filter (a reason, a shorter time range)`,
    );
  const ids = matching.filter((event) => replayHelps(event.reason)).map((event) => event.webhook_id);
  const leftOut = matching.length - ids.length;
  const without = leftOut > 0 ? `; ${leftOut} left out, as a replay cannot help their reason` : "";
  if (ids.length > BULK_REPLAY_MAX)
    throw new AdminInputError(
      `${ids.length} parked events match ${described}: at most ${BULK_REPLAY_MAX} are replayed at once, narrow the filter (a shorter time range)`,
    );
  const token = confirmToken(ids);
  if (request.confirm === undefined)
    return {
      count: ids.length,
      left_out: leftOut,
      ...(ids.length > 0 ? { confirm: token } : {}),
      replayed: 0,
      confirmed: false,
      message:
        ids.length > 0
          ? `${ids.length} parked event(s) with ${described} can be replayed${without}; send confirm: "${token}" to replay exactly these`
          : `no parked event with ${described} can be replayed${without}`,
    };
  if (request.confirm !== token)
    throw new ConflictError(
      `the parked events of ${described} changed since they were counted (${ids.length} now): count again before replaying`,
    );
  let replayed = 0;
  let leftAsBooked = 0;
  let planned = 0;
  for (const id of ids) {
    try {
      const { plan } = await requeue(deps, actor, id, described);
      replayed++;
      leftAsBooked += plan?.left_as_booked.length ?? 0;
      planned += plan?.planned.length ?? 0;
    } catch (error) {
      // Settled meanwhile (a worker got to it): nothing to replay for that one.
      if (!(error instanceof ConflictError || error instanceof NotFoundError)) throw error;
    }
  }
  const items = `${planned} item(s) to be sent, ${leftAsBooked} already booked left as they are`;
  await audit(deps, actor, "replay_parked", described, `${replayed} of ${ids.length} event(s) replayed; ${items}`);
  return {
    count: ids.length,
    left_out: leftOut,
    replayed,
    confirmed: true,
    message: `${replayed} parked event(s) replayed: ${items}${without}`,
  };
}

// ---- uncertain creates ------------------------------------------------------------------------------------------

export async function listUncertain(deps: AdminDeps, query: PageQuery): Promise<Page<UncertainCreate>> {
  const page = await deps.store.listOrdersInStatus("uncertain", limitOf(query));
  return {
    ...page,
    items: page.items.flatMap((order) =>
      Object.entries(order.create_calls)
        .filter(([, call]) => call.state === "uncertain")
        .map(([productType, call]) => {
          const { state: _state, ...view } = createCallView(productType, call);
          return { order_id: order.order_id, ...view };
        }),
    ),
  };
}

/**
 * Attaches AX's codes to an uncertain create (checked with AX and the table first), or sends it again once; the
 * placement is requeued in the same write to finish it.
 */
export async function reconcile(
  deps: AdminDeps,
  actor: string,
  orderId: string,
  productType: ProductType,
  request: ReconcileRequest,
): Promise<ActionResult> {
  const resolution: Resolution =
    request.kind === "attach" ? { kind: "attach", axOrders: request.ax_orders } : { kind: "resend" };
  const codes = (statuses?: Record<string, string>) =>
    request.kind === "attach"
      ? `AX orders ${request.ax_orders.map((a) => a.ax_order_code).join(", ")}${
          statuses
            ? ` (AX says ${Object.entries(statuses)
                .map(([item, status]) => `${item}: ${status}`)
                .join(", ")})`
            : ""
        }`
      : "create sent again";
  const action = request.kind === "attach" ? "reconcile_attach" : "reconcile_resend";
  // AX is asked about each attached AX order: those calls join the order's log with the reconciliation.
  const checks: AttemptLogEntry[] = [];
  const ax = recordingLookup(deps, orderId, actor, checks);
  // The audit entry and the order's log lines go in the reconciliation's own write.
  const record = (statuses?: Record<string, string>): ActionRecords => {
    const records = recordsOf(entry(deps, actor, action, `${orderId} ${productType}`, codes(statuses)), [
      { orderId, summary: `the uncertain ${productType} create reconciled by ${actor}: ${codes(statuses)}` },
    ]);
    return { ...records, log: [...checks, ...records.log] };
  };
  let result;
  try {
    result = await reconcileCreate(
      { orders: deps.store, clock: deps.clock, ax, axCodes: deps.store, events: deps.store },
      orderId,
      productType,
      resolution,
      actor,
      record,
    );
  } catch (error) {
    if (error instanceof ReconcileInputError) throw new AdminInputError(error.message);
    if (error instanceof ReconcileError) throw new ConflictError(error.message);
    if (error instanceof ReconcileUnavailableError) throw new UnavailableError(error.message);
    throw error;
  }
  const statuses = Object.entries(result.axStatuses ?? {}).map(([item, status]) => `${item}: ${status}`);
  return {
    ok: true,
    message:
      request.kind === "attach"
        ? `attached the AX codes to the ${productType} create of ${orderId} (AX's status: ${statuses.join(", ")}); its placement is replayed to finish it`
        : `the ${productType} create of ${orderId} will be sent again (once: a second resend is refused); its placement is replayed`,
  };
}

/** AX, as the reconciliation asks it, with each call kept as a line of the order's attempt log. */
function recordingLookup(deps: AdminDeps, orderId: string, actor: string, calls: AttemptLogEntry[]): AxOrderLookup {
  return {
    getConfirmation: async (type, code) => {
      const started = Date.now();
      const at = deps.clock.now().toISOString();
      const report = { endpoint: "confirmation", path: `GET /v1/channel/orders/${type}/${code}` };
      try {
        const info = await deps.ax.getConfirmation(type, code);
        const answer = JSON.stringify(info);
        calls.push(
          axCallEntry(
            { ...report, outcome: "ok", durationMs: Date.now() - started, answer },
            { order_id: orderId },
            at,
            actor,
          ),
        );
        return info;
      } catch (error) {
        const failed = {
          ...report,
          outcome: error instanceof AxError ? error.reason : "error",
          ...(error instanceof AxError && error.status !== undefined ? { status: error.status } : {}),
          durationMs: Date.now() - started,
          error: error instanceof Error ? error.message : String(error),
        };
        calls.push(axCallEntry(failed, { order_id: orderId }, at, actor));
        throw error;
      }
    },
  };
}

// ---- status sync ------------------------------------------------------------------------------------------------

/**
 * "Poll again": an AX order that left the status sync (its use date and grace passed, its tickets all used or
 * cancelled), or one an operator wants asked now, is polled by the next run and kept in the sync for another grace.
 * A final status stays final: nothing to poll.
 */
export async function pollAgain(
  deps: AdminDeps,
  actor: string,
  orderId: string,
  itemId: string,
): Promise<ActionResult> {
  // Written with the order's version: a worker or the status sync writing the order meanwhile makes it read again.
  for (let attempt = 1; attempt <= POLL_AGAIN_ATTEMPTS; attempt++) {
    const { order, axOrders } = await deps.store.load(orderId);
    const axOrder = axOrders.find((candidate) => candidate.item_id === itemId);
    if (!order || !axOrder) throw new NotFoundError(`order ${orderId} has no AX order for item ${itemId}`);
    if (!axOrder.ax_order_code) throw new ConflictError(`item ${itemId} has no AX order yet: nothing to poll`);
    if (isFinalAxOrderStatus(axOrder.ax_order_status))
      throw new ConflictError(
        `AX order ${axOrder.ax_order_code} is ${axOrder.ax_order_status}, a final status: no status can follow it`,
      );
    const now = deps.clock.now();
    const until = new Date(now.getTime() + (deps.syncGraceMs ?? DEFAULT_SYNC_SETTINGS.graceMs));
    const was = axOrder.sync_left ? `it had left the sync (${axOrder.sync_left.reason})` : "it was in the sync";
    const records = recordsOf(
      entry(deps, actor, "poll_again", `${orderId} ${itemId}`, `AX order ${axOrder.ax_order_code}; ${was}`),
      [{ orderId, summary: `AX order ${axOrder.ax_order_code} (item ${itemId}) polled again by ${actor}; ${was}` }],
    );
    const when = { at: now.toISOString(), until: until.toISOString() };
    if (await deps.store.pollAgain(axOrder, order.version, when, records))
      return {
        ok: true,
        message: `AX order ${axOrder.ax_order_code} is polled by the next status sync run, and kept in the sync until ${until.toISOString()}`,
      };
  }
  throw new ConflictError(
    `order ${orderId} kept changing while it was asked to be polled again (${POLL_AGAIN_ATTEMPTS} attempts); nothing was written, try again`,
  );
}

const POLL_AGAIN_ATTEMPTS = 3;

// ---- notifications ----------------------------------------------------------------------------------------------

export async function listDeadNotifications(deps: AdminDeps, query: PageQuery): Promise<Page<NotificationView>> {
  const page = await deps.store.listDeadNotifications(limitOf(query));
  return { ...page, items: page.items.map(notificationView) };
}

export async function resendNotification(
  deps: AdminDeps,
  actor: string,
  orderId: string,
  notificationId: string,
): Promise<ActionResult> {
  const notification = await deps.store.getNotification(orderId, notificationId);
  if (!notification) throw new NotFoundError(`no notification ${notificationId} for order ${orderId}`);
  const records = recordsOf(entry(deps, actor, "resend_notification", notificationId, `order ${orderId}`), [
    { orderId, summary: `notification ${notificationId} (item ${notification.item_id}) resent by ${actor}` },
  ]);
  if (!(await deps.store.resendNotification(notification, actor, deps.clock.now().toISOString(), records)))
    throw new ConflictError(`notification ${notificationId} is ${notification.status}, not dead: nothing to resend`);
  return { ok: true, message: `notification ${notificationId} is due again: the next status sync run sends it` };
}

// ---- dead-letter queue ------------------------------------------------------------------------------------------

/** A dead-letter message as operators see it (the message carries ids only). */
export function deadLetterRow(letter: { message: QueuedEvent; movedAt?: string }): DeadLetterList["items"][number] {
  return {
    webhook_id: letter.message.webhook_id,
    order_id: letter.message.order_id,
    ...(letter.movedAt !== undefined ? { moved_at: letter.movedAt } : {}),
  };
}

export async function listDeadLetters(deps: AdminDeps, query: PageQuery): Promise<DeadLetterList> {
  return deps.deadLetters.list(query.limit ?? PAGE_LIMIT_DEFAULT);
}

/** The dead-letter messages whose orders' logs a redrive writes a line in (SQS moves them all; it lists the first). */
const REDRIVE_LOGGED = 99;

/**
 * Moves the dead-letter queue back to the queue. SQS and the table cannot share a transaction, so the audit entry
 * and the orders' log lines are written first, in one write (a redrive is never left unrecorded), and a failure of
 * the redrive is recorded too.
 */
export async function redriveDeadLetters(deps: AdminDeps, actor: string): Promise<ActionResult> {
  const letters = await deps.deadLetters.list(REDRIVE_LOGGED);
  const recorded = entry(
    deps,
    actor,
    "redrive_dead_letters",
    "dead-letter queue",
    `${letters.count} message(s) asked to move back`,
  );
  await deps.store.recordAction(
    recordsOf(
      recorded,
      letters.items.map((letter) => ({
        orderId: letter.order_id,
        summary: `event ${letter.webhook_id} moved back from the dead-letter queue by ${actor}`,
        webhookId: letter.webhook_id,
      })),
    ),
  );
  let message: string;
  try {
    message = await deps.deadLetters.redrive();
  } catch (error) {
    await audit(
      deps,
      actor,
      "redrive_failed",
      "dead-letter queue",
      error instanceof Error ? error.message : String(error),
    );
    throw error;
  }
  return { ok: true, message };
}

// ---- product mappings -------------------------------------------------------------------------------------------

export async function listMappings(deps: AdminDeps, query: MappingQuery): Promise<Page<ProductMapping>> {
  return deps.store.listMappingPage(query.prefix, limitOf(query));
}

const describeMapping = (m: ProductMapping) => `${m.product_type} ${m.mapping_code} / ${m.option_code}`;

/** An audit entry of now, by `actor`. */
function entry(
  deps: AdminDeps,
  actor: string,
  action: string,
  target: string,
  detail?: string,
  oldValue?: string,
): AuditEntry {
  return {
    at: deps.clock.now().toISOString(),
    actor,
    action,
    target,
    ...(detail !== undefined ? { detail } : {}),
    ...(oldValue !== undefined ? { old_value: oldValue } : {}),
  };
}

async function mappingOf(deps: AdminDeps, sku: string): Promise<ProductMapping | undefined> {
  return (await deps.store.findMappings([sku])).get(sku);
}

export async function addMapping(deps: AdminDeps, actor: string, mapping: ProductMapping): Promise<ProductMapping> {
  const change: MappingChange = { kind: "put", mapping, was: undefined };
  if (
    !(await deps.store.changeMappings(
      [change],
      entry(deps, actor, "add_mapping", mapping.sku, describeMapping(mapping)),
    ))
  )
    throw new ConflictError(`sku ${mapping.sku} is already mapped: edit it instead`);
  return mapping;
}

/** What a mapping maps to: the values an operator saw, which an edit or a removal may be made conditional on. */
export type MappingValues = Omit<ProductMapping, "sku">;

/**
 * Refuses a change made from an outdated view: `seen` (the mapping as the console showed it) is not what is stored
 * now — another operator, an import or the CLI changed it meanwhile, and writing now would undo that unseen.
 */
function assertAsSeen(current: ProductMapping, seen: MappingValues | undefined, doing: string): void {
  if (
    seen &&
    (seen.product_type !== current.product_type ||
      seen.mapping_code !== current.mapping_code ||
      seen.option_code !== current.option_code)
  )
    throw new ConflictError(
      `the mapping of ${current.sku} changed since you read it (${describeMapping({ ...seen, sku: current.sku })}): it is now ${describeMapping(current)}; nothing was ${doing}, look at it again`,
    );
}

/** Edits a mapping; with `seen`, only if it is still what the operator saw (else 409, naming what it is now). */
export async function editMapping(
  deps: AdminDeps,
  actor: string,
  mapping: ProductMapping,
  seen?: MappingValues,
): Promise<ProductMapping> {
  const was = await mappingOf(deps, mapping.sku);
  if (!was) throw new NotFoundError(`no mapping for sku ${mapping.sku}: add it instead`);
  assertAsSeen(was, seen, "saved");
  const recorded = entry(deps, actor, "edit_mapping", mapping.sku, describeMapping(mapping), describeMapping(was));
  if (!(await deps.store.changeMappings([{ kind: "put", mapping, was }], recorded)))
    throw new ConflictError(`the mapping of ${mapping.sku} changed while it was being edited: look at it again`);
  return mapping;
}

/** Removes a mapping; with `seen`, only if it is still what the operator saw (else 409, naming what it is now). */
export async function removeMapping(
  deps: AdminDeps,
  actor: string,
  sku: string,
  seen?: MappingValues,
): Promise<ActionResult> {
  const was = await mappingOf(deps, sku);
  if (!was) throw new NotFoundError(`no mapping for sku ${sku}`);
  assertAsSeen(was, seen, "removed");
  const recorded = entry(deps, actor, "remove_mapping", sku, undefined, describeMapping(was));
  if (!(await deps.store.changeMappings([{ kind: "delete", was }], recorded)))
    throw new ConflictError(`the mapping of ${sku} changed while it was being removed: look at it again`);
  return { ok: true, message: `removed the mapping of ${sku}` };
}

/** One transaction holds at most this many mappings, with the audit entry naming them. */
const IMPORT_CHUNK = 99;

/**
 * Checks every row first; writes all of them only if every row is good (and it is not a dry run), in transactions
 * of up to 99 mappings, each with the audit entry that names its skus and the values it replaced.
 */
export async function importMappings(deps: AdminDeps, actor: string, request: ImportRequest): Promise<ImportReport> {
  let parsed;
  try {
    parsed = parseMappingRows(request.format, request.content);
  } catch (error) {
    if (error instanceof MappingInputError) throw new AdminInputError(error.message);
    throw error;
  }
  const existing = await deps.store.findMappings(parsed.mappings.map((m) => m.sku));
  const updated = parsed.mappings.filter((m) => existing.has(m.sku)).length;
  const report: ImportReport = {
    rows: parsed.mappings.length + parsed.errors.length,
    created: parsed.mappings.length - updated,
    updated,
    written: false,
    errors: parsed.errors,
  };
  if (parsed.errors.length > 0 || request.dry_run) return report;
  let written = 0;
  for (let start = 0; start < parsed.mappings.length; start += IMPORT_CHUNK) {
    const chunk = parsed.mappings.slice(start, start + IMPORT_CHUNK);
    const changes = chunk.map((mapping): MappingChange => ({ kind: "put", mapping, was: existing.get(mapping.sku) }));
    const added = chunk.filter((mapping) => !existing.has(mapping.sku)).map((mapping) => mapping.sku);
    const changed = chunk.flatMap((mapping) => {
      const was = existing.get(mapping.sku);
      return was ? [{ sku: mapping.sku, was }] : [];
    });
    const recorded = entry(
      deps,
      actor,
      "import_mappings",
      `${chunk.length} mapping(s)`,
      [
        added.length > 0 ? `added ${added.join(", ")}` : "",
        changed.length > 0 ? `changed ${changed.map((c) => c.sku).join(", ")}` : "",
      ]
        .filter(Boolean)
        .join("; "),
      changed.length > 0 ? changed.map((c) => `${c.sku}: ${describeMapping(c.was)}`).join("; ") : undefined,
    );
    if (!(await deps.store.changeMappings(changes, recorded)))
      throw new ConflictError(
        `${written} mapping(s) were imported, then some of the next ones changed meanwhile; check the file again to import the rest`,
      );
    written += chunk.length;
  }
  return { ...report, written: true };
}

// ---- audit ------------------------------------------------------------------------------------------------------

export async function listAudit(deps: AdminDeps, query: AuditQuery): Promise<Page<AuditEntry>> {
  return deps.store.listAudit(query.day ?? deps.clock.now().toISOString().slice(0, 10), limitOf(query));
}
