// The operators' use cases, one implementation for the admin API (and so the console) and the CLI. Every action
// records who (the admin token's name) did what, and when, in the audit log. Pure: the store, the queue and the
// dead-letter queue are ports.
import type {
  CreateCall,
  EventSummaryRow,
  NotificationRecord,
  OrderAggregate,
  OrderRecord,
  ProductMapping,
  ProductType,
  StoredEvent,
} from "../orders/model";
import type { Clock, OrderRepository, QueuedEvent } from "../orders/ports";
import { axOrderView } from "../orders/read-order";
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
import {
  PAGE_LIMIT_DEFAULT,
  type ActionResult,
  type Attention,
  type AuditEntry,
  type AuditQuery,
  type BulkReplayRequest,
  type BulkReplayResult,
  type DeadLetterList,
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
  type ParkedQuery,
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
  reason?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** What the use cases need from the table; every list is one page of an index. */
export interface AdminStore extends OrderRepository, EventRequeuer, AxCodeIndex {
  searchOrders(query: OrderSearchQuery & PageRequest, now: Date): Promise<Page<OrderRow>>;
  listEventsForOrder(orderId: string): Promise<EventSummaryRow[]>;
  getEvents(webhookIds: readonly string[]): Promise<StoredEvent[]>;
  listNotificationsForOrder(orderId: string): Promise<NotificationRecord[]>;
  listEventsInState(state: "failed" | "queued", filter: EventFilter, page: PageRequest): Promise<Page<EventSummaryRow>>;
  /** Webhook ids of every event in a state matching the filter (a bulk replay), oldest first. */
  eventIdsInState(state: "failed" | "queued", filter: EventFilter): Promise<string[]>;
  countEventsInState(state: "failed" | "queued", filter: EventFilter): Promise<number>;
  countParkedByReason(): Promise<Record<string, number>>;
  listOrdersInStatus(status: OrderRecord["status"], page: PageRequest): Promise<Page<OrderRecord>>;
  countUncertainCreates(): Promise<number>;
  listDeadNotifications(page: PageRequest): Promise<Page<NotificationRecord>>;
  countDeadNotifications(): Promise<number>;
  getNotification(orderId: string, notificationId: string): Promise<NotificationRecord | undefined>;
  /** Makes a dead notification pending again, due now, with its attempts starting over; false if it is not dead. */
  resendNotification(notification: NotificationRecord, by: string, at: string): Promise<boolean>;
  listMappingPage(prefix: string | undefined, page: PageRequest): Promise<Page<ProductMapping>>;
  findMappings(skus: readonly string[]): Promise<Map<string, ProductMapping>>;
  /** Writes a mapping; `expect` = "absent" (add) or "present" (edit) makes it conditional: false when not met. */
  writeMapping(mapping: ProductMapping, expect: "absent" | "present" | "any"): Promise<boolean>;
  writeMappings(mappings: readonly ProductMapping[]): Promise<void>;
  deleteMapping(sku: string): Promise<boolean>;
  recordAudit(entry: AuditEntry): Promise<void>;
  listAudit(day: string, page: PageRequest): Promise<Page<AuditEntry>>;
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
}

export { AdminInputError, ConflictError, NotFoundError, UnavailableError };

const limitOf = (query: PageQuery): PageRequest => ({ limit: query.limit ?? PAGE_LIMIT_DEFAULT, cursor: query.cursor });
const present = <T>(value: T | undefined): value is T => value !== undefined;

async function audit(deps: AdminDeps, actor: string, action: string, target: string, detail?: string) {
  await deps.store.recordAudit({
    at: deps.clock.now().toISOString(),
    actor,
    action,
    target,
    ...(detail !== undefined ? { detail } : {}),
  });
}

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
  return {
    parked_by_reason: byReason,
    parked: Object.values(byReason).reduce((sum, count) => sum + count, 0),
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
  if (query.id_prefix !== undefined && (query.status || query.from || query.to))
    throw new AdminInputError("search by id_prefix alone, or by status and time");
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

/** Everything known about one order: what an operator reads as its story. */
export async function orderDetail(deps: AdminDeps, orderId: string): Promise<OrderDetail> {
  const [aggregate, summaries, notifications]: [OrderAggregate, EventSummaryRow[], NotificationRecord[]] =
    await Promise.all([
      deps.store.load(orderId),
      deps.store.listEventsForOrder(orderId),
      deps.store.listNotificationsForOrder(orderId),
    ]);
  const { order, axOrders } = aggregate;
  if (!order && summaries.length === 0) throw new NotFoundError(`no order with id ${orderId} was received`);
  const events = await deps.store.getEvents(summaries.map((event) => event.webhook_id));
  return {
    order_id: orderId,
    status: order?.status ?? "pending",
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
    ax_orders: [...axOrders].sort((a, b) => a.item_id.localeCompare(b.item_id)).map(axOrderView),
    events: events.sort((a, b) => a.received_at.localeCompare(b.received_at)).map(eventDetail),
    notifications: notifications.map(notificationView),
  };
}

// ---- events -----------------------------------------------------------------------------------------------------

export async function eventDetailOf(deps: AdminDeps, webhookId: string): Promise<EventDetail> {
  const event = await deps.store.getEvent(webhookId);
  if (!event) throw new NotFoundError(`no event with webhook id ${webhookId}`);
  return eventDetail(event);
}

export async function listParked(deps: AdminDeps, query: ParkedQuery): Promise<Page<EventRow>> {
  const page = await deps.store.listEventsInState("failed", query, limitOf(query));
  return { ...page, items: page.items.map(eventRow) };
}

export async function listWaiting(deps: AdminDeps, query: PageQuery): Promise<Page<EventRow>> {
  const to = new Date(deps.clock.now().getTime() - deps.waitingTooLongMs).toISOString();
  const page = await deps.store.listEventsInState("queued", { to }, limitOf(query));
  return { ...page, items: page.items.map(eventRow) };
}

/**
 * Requeues one parked (or waiting) event, with its order when the order records it (the replay use case: the stream
 * queues it); a placement's answer says what the worker will do with each item.
 */
async function requeue(deps: AdminDeps, actor: string, webhookId: string): Promise<Replayed> {
  try {
    return await requeueEvent(
      { events: deps.store, orders: deps.store, products: deps.store, clock: deps.clock },
      webhookId,
      actor,
    );
  } catch (error) {
    if (error instanceof UnknownReplayError) throw new NotFoundError(error.message);
    if (error instanceof ReplayError) throw new ConflictError(error.message);
    throw error;
  }
}

export async function replayEvent(deps: AdminDeps, actor: string, webhookId: string): Promise<ActionResult> {
  const before = await deps.store.getEvent(webhookId);
  const { event, plan } = await requeue(deps, actor, webhookId);
  const was = before?.reason ?? before?.status ?? "parked";
  const described = plan ? `: ${describePlan(plan)}` : "";
  await audit(deps, actor, "replay_event", webhookId, `order ${event.order_id}, was ${was}${described}`);
  return {
    ok: true,
    message: `event ${webhookId} is replayed (order ${event.order_id})${described}`,
    ...(plan ? { plan } : {}),
  };
}

/** Without `confirm_count` only counts; with it, replays them all if the count is still the one the operator saw. */
export async function replayParked(
  deps: AdminDeps,
  actor: string,
  request: BulkReplayRequest,
): Promise<BulkReplayResult> {
  const filter: EventFilter = { reason: request.reason, from: request.from, to: request.to };
  const described = [
    request.reason ? `reason ${request.reason}` : "any reason",
    request.from ? `from ${request.from}` : undefined,
    request.to ? `to ${request.to}` : undefined,
  ]
    .filter(present)
    .join(", ");
  if (request.confirm_count === undefined) {
    const count = await deps.store.countEventsInState("failed", filter);
    return {
      count,
      replayed: 0,
      confirmed: false,
      message: `${count} parked event(s) with ${described}; send confirm_count: ${count} to replay them`,
    };
  }
  const ids = await deps.store.eventIdsInState("failed", filter);
  if (ids.length !== request.confirm_count)
    throw new ConflictError(
      `${ids.length} parked event(s) match now, not ${request.confirm_count}: count again before replaying`,
    );
  let replayed = 0;
  let leftAsBooked = 0;
  let planned = 0;
  for (const id of ids) {
    try {
      const { plan } = await requeue(deps, actor, id);
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
    replayed,
    confirmed: true,
    message: `${replayed} parked event(s) replayed: ${items}`,
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
  let result;
  try {
    result = await reconcileCreate(
      { orders: deps.store, clock: deps.clock, ax: deps.ax, axCodes: deps.store },
      orderId,
      productType,
      resolution,
      actor,
    );
  } catch (error) {
    if (error instanceof ReconcileInputError) throw new AdminInputError(error.message);
    if (error instanceof ReconcileError) throw new ConflictError(error.message);
    if (error instanceof ReconcileUnavailableError) throw new UnavailableError(error.message);
    throw error;
  }
  const statuses = Object.entries(result.axStatuses ?? {}).map(([item, status]) => `${item}: ${status}`);
  const codes =
    request.kind === "attach"
      ? `AX orders ${request.ax_orders.map((a) => a.ax_order_code).join(", ")} (AX says ${statuses.join(", ")})`
      : undefined;
  await audit(
    deps,
    actor,
    request.kind === "attach" ? "reconcile_attach" : "reconcile_resend",
    `${orderId} ${productType}`,
    codes ?? "create sent again",
  );
  return {
    ok: true,
    message:
      request.kind === "attach"
        ? `attached the AX codes to the ${productType} create of ${orderId} (AX's status: ${statuses.join(", ")}); its placement is replayed to finish it`
        : `the ${productType} create of ${orderId} will be sent again (once: a second resend is refused); its placement is replayed`,
  };
}

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
  if (!(await deps.store.resendNotification(notification, actor, deps.clock.now().toISOString())))
    throw new ConflictError(`notification ${notificationId} is ${notification.status}, not dead: nothing to resend`);
  await audit(deps, actor, "resend_notification", notificationId, `order ${orderId}`);
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

export async function redriveDeadLetters(deps: AdminDeps, actor: string): Promise<ActionResult> {
  const message = await deps.deadLetters.redrive();
  await audit(deps, actor, "redrive_dead_letters", "dead-letter queue", message);
  return { ok: true, message };
}

// ---- product mappings -------------------------------------------------------------------------------------------

export async function listMappings(deps: AdminDeps, query: MappingQuery): Promise<Page<ProductMapping>> {
  return deps.store.listMappingPage(query.prefix, limitOf(query));
}

export async function addMapping(deps: AdminDeps, actor: string, mapping: ProductMapping): Promise<ProductMapping> {
  if (!(await deps.store.writeMapping(mapping, "absent")))
    throw new ConflictError(`sku ${mapping.sku} is already mapped: edit it instead`);
  await audit(deps, actor, "add_mapping", mapping.sku, describeMapping(mapping));
  return mapping;
}

export async function editMapping(deps: AdminDeps, actor: string, mapping: ProductMapping): Promise<ProductMapping> {
  if (!(await deps.store.writeMapping(mapping, "present")))
    throw new NotFoundError(`no mapping for sku ${mapping.sku}: add it instead`);
  await audit(deps, actor, "edit_mapping", mapping.sku, describeMapping(mapping));
  return mapping;
}

export async function removeMapping(deps: AdminDeps, actor: string, sku: string): Promise<ActionResult> {
  if (!(await deps.store.deleteMapping(sku))) throw new NotFoundError(`no mapping for sku ${sku}`);
  await audit(deps, actor, "remove_mapping", sku);
  return { ok: true, message: `removed the mapping of ${sku}` };
}

const describeMapping = (m: ProductMapping) => `${m.product_type} ${m.mapping_code} / ${m.option_code}`;

/** Checks every row first; writes all of them only if every row is good (and it is not a dry run). */
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
  await deps.store.writeMappings(parsed.mappings);
  await audit(
    deps,
    actor,
    "import_mappings",
    `${parsed.mappings.length} mapping(s)`,
    `${report.created} created, ${report.updated} updated`,
  );
  return { ...report, written: true };
}

// ---- audit ------------------------------------------------------------------------------------------------------

export async function listAudit(deps: AdminDeps, query: AuditQuery): Promise<Page<AuditEntry>> {
  return deps.store.listAudit(query.day ?? deps.clock.now().toISOString().slice(0, 10), limitOf(query));
}
