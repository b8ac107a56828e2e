// The adapter's own records: what it knows about one channel order and the AX orders it became.
// Pure types, shared by the core (lib/orders) and the DynamoDB adapter (lib/store).
import { FINAL_ORDER_STATUSES, type AxProductType } from "../ax/vocabulary";

/** AX's two product families (the path segment of its order endpoints). */
export type ProductType = AxProductType;

/** The channel order as a whole, as the read API reports it. */
export const ORDER_STATUSES = ["pending", "placed", "partially_cancelled", "cancelled", "failed", "uncertain"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** One webhook event's outcome. */
export type EventStatus = "queued" | "applied" | "ignored" | "failed";

export type EventType = "order.placed" | "order.cancelled";

/**
 * The state of one AX create call (one per product family of an order).
 * `pending` is written before the call: a `pending` found by a later attempt means an earlier attempt may have
 * reached AX, so the call is never repeated automatically but marked `uncertain`.
 */
export type CreateCallState = "pending" | "created" | "uncertain" | "failed";

export interface CreateCall {
  state: CreateCallState;
  attempt_id: string;
  started_at: string;
  item_ids: string[];
  reason?: string;
  detail?: string;
}

/** An operator's decision to send an uncertain create again. */
export interface CreateResend {
  product_type: ProductType;
  /** The items of the uncertain create: none of them is re-sent a second time. */
  item_ids: string[];
  /** The uncertain call's attempt id (the call that may have reached AX). */
  attempt_id: string;
  by: string;
  at: string;
}

/**
 * AX's answer to one create call, written the moment it arrives and before anything else: the one thing that cannot
 * be asked for again. Keyed by the call's `attempt_id`, unconditional, so writing it twice is harmless. It is removed
 * in the write that records the answer in the order; a worker that finds a call still `pending` past its lease
 * completes the call from it instead of calling the call uncertain.
 */
export interface CreateAnswer {
  order_id: string;
  product_type: ProductType;
  attempt_id: string;
  /**
   * `created`: AX made these AX orders; `failed`: AX refused the create; `uncertain`: AX may have it and nobody can
   * know; `not_sent`: AX did not take it (never sent, or a 429/503): safe to send again.
   */
  outcome: "created" | "failed" | "uncertain" | "not_sent";
  /** The AX orders AX made (outcome `created`), as they are recorded. */
  ax_orders?: AxOrderRecord[];
  reason?: string;
  detail?: string;
  answered_at: string;
}

export interface EventSummary {
  type: EventType;
  status: EventStatus;
  received_at: string;
  reason?: string;
  detail?: string;
}

export interface OrderRecord {
  order_id: string;
  status: OrderStatus;
  /** Optimistic concurrency: every write expects the version it read. */
  version: number;
  /** The webhook id of the `order.placed` that placed (or is placing) this order. */
  placed_by?: string;
  currency?: string;
  subtotal?: string;
  discount?: string;
  total?: string;
  create_calls: Partial<Record<ProductType, CreateCall>>;
  /** The order's items and their ticket ids, in the placement's order (what a cancel may refer to). */
  items?: { item_id: string; ticket_ids: string[] }[];
  /** Items and tickets cancelled that AX never got (their placement failed): recorded, with no AX call. */
  cancelled_before_ax?: { items: string[]; tickets: string[] };
  /** Cancellations to apply once the placement is through (they arrived first, or the placement is uncertain). */
  deferred_cancels?: DeferredCancel[];
  /** A worker applying a cancellation right now (so a concurrent one waits instead of sending twice). */
  cancelling?: { webhook_id: string; attempt_id: string; started_at: string };
  /**
   * Uncertain creates an operator decided to send again (`reconcile resend`), kept for good: a create is re-sent at
   * most once, so a second resend of any of these items is refused and names this one.
   */
  resends?: CreateResend[];
  /** Every event seen for this order and what became of it: the worker's idempotency record. */
  events: Record<string, EventSummary>;
  created_at: string;
  updated_at: string;
}

export interface CancelRequest {
  reason: "traveler" | "unavoidable";
  comment?: string;
  item_ids?: string[];
  ticket_ids?: string[];
}

export interface DeferredCancel {
  webhook_id: string;
  received_at: string;
  cancel: CancelRequest;
  /**
   * `true` when the event was already answered (recorded against a failed placement): if the placement later goes
   * through after a replay, the cancellation is then applied to what AX got.
   */
  recorded: boolean;
}

export interface TicketRecord {
  ticket_id: string;
  ax_ticket_code: string;
  ax_ticket_status: string;
}

export interface StatusChange {
  at: string;
  from?: string;
  to: string;
  source: "create" | "cancel" | "sync";
  comment?: string;
  /** The `order.status_changed` notification (its `webhook-id`) that tells the channel about this change. */
  notification_id?: string;
}

/** One AX order: one per item (option line) of the channel order. */
export interface AxOrderRecord {
  order_id: string;
  item_id: string;
  product_type: ProductType;
  mapping_code: string;
  option_code: string;
  inventory_at: string;
  quantity: number;
  ax_order_code: string;
  ax_order_status: string;
  tickets: TicketRecord[];
  history: StatusChange[];
  created_at: string;
  updated_at: string;
  /** An operator asked to poll it again (issue 21): it stays in the status sync at least until then. */
  sync_until?: string;
  /**
   * When an operator asked to poll it again, until a run has: whoever writes the AX order meanwhile (the worker, a
   * status change) keeps it in the every-run partition, so the next run asks AX as the operator was told.
   */
  sync_poll_asked?: string;
  /** It left the status sync (no status that matters can come any more): when, and why. */
  sync_left?: { at: string; reason: "past_use_date" | "tickets_settled" };
}

export interface OrderAggregate {
  order: OrderRecord | undefined;
  axOrders: AxOrderRecord[];
  /** AX's answers not yet recorded in the order (normally none: a worker stopped, or its write failed, after AX answered). */
  answers?: CreateAnswer[];
}

/** A product mapping: the channel's sku → the AX product it sells. */
export interface ProductMapping {
  sku: string;
  product_type: ProductType;
  mapping_code: string;
  option_code: string;
}

/** The stored webhook event (written by the receiver, updated by the worker). */
export interface StoredEvent {
  webhook_id: string;
  type: EventType;
  order_id: string;
  body: string;
  body_sha256: string;
  status: EventStatus;
  received_at: string;
  updated_at: string;
  attempts: number;
  reason?: string;
  detail?: string;
  /**
   * Bumped each time the event is put back in the queue on purpose (a replay, a reconciliation): the table's stream
   * forwards the event again, under a deduplication id of its own. Absent = 0 (the first delivery).
   */
  requeue_seq?: number;
  /** Set by a replay or a reconciliation: apply the event again although its order records it as failed. */
  replay?: boolean;
  /** Who asked for the last requeue (an operator's name, `cli`, `sweeper`). */
  requeued_by?: string;
  /** The API Gateway request id of the delivery that stored it: ties the worker's logs to the webhook's request. */
  correlation_id?: string;
  /** A passing failure of the last attempt (AX unreachable, a throttle): when and what, never a response body. */
  last_attempt_at?: string;
  last_error?: string;
  /**
   * When a failed attempt was the queue message's last receive, so the message went to the dead-letter queue (which
   * keeps it 14 days); cleared by the next attempt (after a redrive). The sweeper leaves such an event to the
   * dead-letter queue until its message is about to expire there.
   */
  dead_lettered_at?: string;
}

/** AX order statuses after which nothing changes any more (AX spec, "Statuses"); records hold them as strings. */
const FINAL_AX_ORDER_STATUSES: ReadonlySet<string> = new Set(FINAL_ORDER_STATUSES);
export const isFinalAxOrderStatus = (status: string): boolean => FINAL_AX_ORDER_STATUSES.has(status);

// ---- status sync and outbound notifications (issue #7; the due index of issue 21) --------------------------------

/** An AX order due to be polled, as the sync's index (`syncDue`) hands it out: what the poll and its rules read. */
export interface DueAxOrder
  extends
    Pick<AxOrderRecord, "order_id" | "item_id" | "product_type" | "ax_order_code" | "ax_order_status">,
    Pick<AxOrderRecord, "inventory_at" | "created_at" | "sync_until" | "sync_poll_asked"> {
  /** Its cadence (`every_run`, `hourly`, `daily`) and the index partition it was read from. */
  sync_cadence: "every_run" | "hourly" | "daily";
  sync_shard: string;
  /** Its fixed phase (lib/orders/sync-schedule.ts): its turn in every period of its cadence. */
  sync_phase: number;
}

/**
 * The status sync's progress, one small item written once per run: the sync writes nothing for an AX order that did
 * not change, so what a run reads follows from this and the clock. `every_run` AX orders are read in a round of
 * their phases from where the last run stopped (`after`); the `hourly` and `daily` ones whose turn fell after
 * `through` (and, in a window that a run cut short, after the phase it reached: `after`).
 */
export interface SyncCursor {
  every_run?: { after: number };
  hourly?: { through: string; after?: number };
  daily?: { through: string; after?: number };
}

/** `booking_update`: an OCTO reseller's webhook (issue #20), sent to that reseller (`target`). */
export type NotificationType = "order.status_changed" | "booking_update";

/** `pending` until the channel answers 2xx (`delivered`) or every attempt failed (`dead`, alarmed). */
export type NotificationStatus = "pending" | "delivered" | "dead";

/**
 * One outbound webhook (the transactional outbox): written in the same transaction as the change it reports, then
 * POSTed by the sender until the channel takes it. `id` is the `webhook-id` of every attempt; `body` is the exact
 * payload, so every attempt sends the same bytes.
 */
export interface NotificationRecord {
  id: string;
  type: NotificationType;
  /** The OCTO reseller a `booking_update` goes to; absent: the channel's outbound webhook. */
  target?: string;
  order_id: string;
  item_id: string;
  body: string;
  status: NotificationStatus;
  attempts: number;
  created_at: string;
  /** When the next attempt is due (pending), or when the last one was made (delivered, dead). */
  next_attempt_at: string;
  last_attempt_at?: string;
  delivered_at?: string;
  /** What the last failed attempt got (`HTTP 503`, `no answer within 5000 ms`, …); never a response body. */
  last_error?: string;
  /** Every delivery attempt, oldest first (older notifications, written before attempts were kept, have none). */
  delivery_attempts?: DeliveryAttempt[];
  /** An operator sent a dead notification again: who and when (the attempts start over). */
  resent?: { by: string; at: string }[];
}

/** One POST of a notification to the channel: when, what came back, how long it took. */
export interface DeliveryAttempt {
  at: string;
  /** The channel's HTTP status; absent when it did not answer (timeout, connection refused). */
  http_status?: number;
  latency_ms: number;
  /** Why the attempt failed; absent when it was delivered. */
  error?: string;
}

/** A stored event as the indexes list it: everything but the body (which only the worker and a replay need). */
export type EventSummaryRow = Omit<StoredEvent, "body" | "body_sha256">;

/** Days a settled event (and the personal data of its body) is kept; what is derived from it expires with it. */
export const SETTLED_EVENT_TTL_DAYS = 90;

/** An operator's action as the audit log keeps it: when, who (the admin token's name), what, on what; what it replaced. */
export interface AuditRecord {
  at: string;
  actor: string;
  action: string;
  target: string;
  detail?: string;
  old_value?: string;
}
