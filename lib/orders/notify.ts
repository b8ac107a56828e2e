// Outbound `order.status_changed` webhooks (a transactional outbox): the payload written with the status change it
// reports, and the delivery of pending notifications, at least once, with exponential backoff and a dead end.
// Pure: the outbox store and the HTTP sender are ports.
import * as v from "valibot";
import { forEachBounded } from "./bounded-pool";
import { AxProductTypeSchema } from "../ax/schemas";
import {
  ORDER_STATUSES,
  type AxOrderRecord,
  type DeliveryAttempt,
  type NotificationRecord,
  type OrderStatus,
} from "./model";
import type { Clock } from "./ports";

export const STATUS_CHANGED = "order.status_changed";

/** The body of an `order.status_changed` webhook (docs/contract.md): the schema the OpenAPI document is built from. */
export const StatusChangedPayloadSchema = v.object({
  type: v.literal(STATUS_CHANGED),
  timestamp: v.pipe(v.string(), v.description("when the change was recorded, RFC 3339 UTC")),
  data: v.object({
    order_id: v.string(),
    order_status: v.pipe(
      v.picklist(ORDER_STATUSES),
      v.description("The channel order's status after the change, as the read API shows it."),
    ),
    item_id: v.pipe(v.string(), v.description("The channel item whose AX order changed.")),
    product_type: AxProductTypeSchema,
    ax_order_code: v.string(),
    previous_ax_order_status: v.string(),
    ax_order_status: v.pipe(
      v.string(),
      v.description(
        "AX's status: New, Supplier pending, Supplier confirm, Supplier reject, Traveler cancel, Unavoidable cancel (the last three are final).",
      ),
    ),
    /** AX's comment (the supplier's words), when it has one. */
    comment: v.optional(v.pipe(v.string(), v.description("AX's comment (the supplier's words), absent when none."))),
    changed_at: v.string(),
  }),
});
export type StatusChangedPayload = v.InferOutput<typeof StatusChangedPayloadSchema>;

/** A new notification about one AX order's status change, with the exact body every attempt will send. */
export function statusChangedNotification(input: {
  id: string;
  at: string;
  orderStatus: OrderStatus;
  axOrder: AxOrderRecord;
  from: string;
  comment: string | undefined;
}): NotificationRecord {
  const { axOrder } = input;
  const payload: StatusChangedPayload = {
    type: STATUS_CHANGED,
    timestamp: input.at,
    data: {
      order_id: axOrder.order_id,
      order_status: input.orderStatus,
      item_id: axOrder.item_id,
      product_type: axOrder.product_type,
      ax_order_code: axOrder.ax_order_code,
      previous_ax_order_status: input.from,
      ax_order_status: axOrder.ax_order_status,
      ...(input.comment !== undefined ? { comment: input.comment } : {}),
      changed_at: input.at,
    },
  };
  return {
    id: input.id,
    type: STATUS_CHANGED,
    order_id: axOrder.order_id,
    item_id: axOrder.item_id,
    body: JSON.stringify(payload),
    status: "pending",
    attempts: 0,
    created_at: input.at,
    next_attempt_at: input.at,
  };
}

export const RETRY_BASE_MS = 60_000;
export const RETRY_MAX_DELAY_MS = 6 * 60 * 60_000;

/** Wait after the `attempts`-th failed attempt: 1 min, 2, 4, … doubling, at most 6 h. */
export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1), RETRY_MAX_DELAY_MS);
}

/** A failed attempt has an HTTP status when the channel answered (not 2xx), none when it did not answer. */
export type SendResult = { ok: true; status: number } | { ok: false; status?: number; error: string };

export interface WebhookSender {
  /** Loads what sending needs (the secrets) before any attempt is taken; throws when the adapter cannot sign. */
  ready(): Promise<void>;
  /** POSTs the body signed with `webhook-id` = `id`; 2xx is `ok`, anything else is a failed attempt. */
  send(
    notification: Pick<NotificationRecord, "id" | "body"> & Partial<Pick<NotificationRecord, "type" | "target">>,
  ): Promise<SendResult>;
}

export interface NotificationClaim {
  /** The attempt number this claim takes (the attempts recorded before + 1). */
  attempts: number;
  at: string;
  /** When the notification is due again if this attempt does not end (the worker stops): the backoff. */
  nextAttemptAt: string;
}

export type NotificationSettlement = (
  | { status: "delivered"; at: string }
  | { status: "pending"; at: string; error: string }
  | { status: "dead"; at: string; error: string }
) & { attempt: DeliveryAttempt };

export interface OutboxStore {
  /** Pending notifications due at `now`, oldest first, through a sparse index (never a scan). */
  dueNotifications(now: string): AsyncIterable<NotificationRecord>;
  /** Takes the next attempt, conditionally on the attempts read and the notification still pending: `false` when
   *  another sender took it first. */
  claimNotification(notification: NotificationRecord, claim: NotificationClaim): Promise<boolean>;
  /** Records the attempt's outcome, conditionally on `attempts` still being the claimed one. */
  settleNotification(
    notification: NotificationRecord,
    attempts: number,
    outcome: NotificationSettlement,
  ): Promise<void>;
}

export interface DeliverDeps {
  outbox: OutboxStore;
  sender: WebhookSender;
  clock: Clock;
  /** After this many failed attempts the notification is `dead`: no more attempts, an alarm. */
  maxAttempts: number;
  concurrency: number;
}

export interface DeliveryReport {
  attempted: number;
  delivered: number;
  /** Failed attempts that will be retried. */
  failed: number;
  /** Notifications given up in this run. */
  dead: number;
  /** Due notifications left for the next run (the budget ran out). */
  due_left: boolean;
}

/**
 * Sends the pending notifications that are due, oldest first: `fresh` ones (just written, which an eventually
 * consistent index may not show yet) first. Each attempt is claimed before sending (attempts + 1 and the next
 * backoff written first), so a sender that stops mid-way delays a notification by one backoff, and two runs never
 * send the same attempt. Same `webhook-id` on every attempt.
 */
export async function deliverNotifications(
  deps: DeliverDeps,
  options: { deadline: number; fresh?: readonly NotificationRecord[] },
): Promise<DeliveryReport> {
  const report: DeliveryReport = { attempted: 0, delivered: 0, failed: 0, dead: 0, due_left: false };
  const startedAt = deps.clock.now().toISOString();
  await deps.sender.ready();
  const seen = new Set<string>();
  async function* due(): AsyncGenerator<NotificationRecord> {
    for (const notification of options.fresh ?? []) {
      seen.add(notification.id);
      yield notification;
    }
    for await (const notification of deps.outbox.dueNotifications(startedAt)) {
      if (seen.has(notification.id)) continue;
      seen.add(notification.id);
      yield notification;
    }
  }
  const outcome = await forEachBounded(
    due(),
    { concurrency: deps.concurrency, canStart: () => deps.clock.now().getTime() < options.deadline },
    async (notification) => {
      await deliverOne(deps, notification, report);
    },
  );
  report.due_left = !outcome.drained;
  return report;
}

async function deliverOne(deps: DeliverDeps, notification: NotificationRecord, report: DeliveryReport) {
  const attempts = notification.attempts + 1;
  const now = deps.clock.now();
  const claimed = await deps.outbox.claimNotification(notification, {
    attempts,
    at: now.toISOString(),
    nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts)).toISOString(),
  });
  if (!claimed) return;
  report.attempted++;
  let result: SendResult;
  try {
    result = await deps.sender.send(notification);
  } catch (error) {
    result = { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const ended = deps.clock.now();
  const at = ended.toISOString();
  // Every attempt is kept (what an operator reads in the console), not only the last error.
  const attempt: DeliveryAttempt = {
    at: now.toISOString(),
    latency_ms: Math.max(0, ended.getTime() - now.getTime()),
    ...(result.status !== undefined ? { http_status: result.status } : {}),
    ...(result.ok ? {} : { error: result.error }),
  };
  if (result.ok) {
    await deps.outbox.settleNotification(notification, attempts, { status: "delivered", at, attempt });
    report.delivered++;
  } else if (attempts >= deps.maxAttempts) {
    await deps.outbox.settleNotification(notification, attempts, { status: "dead", at, error: result.error, attempt });
    report.dead++;
  } else {
    await deps.outbox.settleNotification(notification, attempts, {
      status: "pending",
      at,
      error: result.error,
      attempt,
    });
    report.failed++;
  }
}
