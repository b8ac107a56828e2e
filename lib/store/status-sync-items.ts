// DynamoDB items and queries of the status sync (its due index, issue 21) and the outbox (issue #7), used by
// DynamoStore's last section. Kept apart so that the store's class only gains thin methods.
import type { QueryCommandInput, UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import type { AxOrderRecord, DueAxOrder, NotificationRecord, SyncCursor } from "../orders/model";
import type { NotificationClaim, NotificationSettlement } from "../orders/notify";
import { syncPhase, syncPlace, type PhaseRange, type SyncCadence, type SyncSettings } from "../orders/sync-schedule";
import {
  INDEX_OPEN_ORDERS,
  INDEX_OUTBOX,
  INDEX_SYNC_DUE,
  OUTBOX_DEAD,
  OUTBOX_PENDING,
  SYNC_SHARDS,
  axOrderSk,
  cadenceOfSyncDueKey,
  notificationSk,
  orderPk,
  syncDueKey,
  SYNC_CURSOR_KEY,
} from "./keys";

type Item = Record<string, unknown>;

/** Delivered notifications stay readable this long (like settled events), then expire. */
export const DELIVERED_NOTIFICATION_TTL_DAYS = 90;
export const SYNC_PAGE_SIZE = 100;

/**
 * The sync's index attributes of an AX order as of its last change (`updated_at`): its cadence's partition and its
 * phase while it is in the sync (`sync_due`, `sync_phase`); when it has left (for a reason other than a final status),
 * when and why (`sync_left`, kept from the first time it was written).
 */
export function syncAttributes(axOrder: AxOrderRecord, settings: SyncSettings): Item {
  const place = syncPlace(axOrder, Date.parse(axOrder.updated_at), settings);
  if ("cadence" in place) {
    const phase = syncPhase(axOrder.ax_order_code);
    return { sync_due: syncDueKey(place.cadence, phase % SYNC_SHARDS), sync_phase: phase };
  }
  if (place.leave === "final_status") return {};
  return { sync_left: axOrder.sync_left ?? { at: axOrder.updated_at, reason: place.leave } };
}

/** One index partition's AX orders of a cadence with a phase in `range`, in phase order. */
export function dueAxOrdersQuery(
  tableName: string,
  partition: string,
  range: PhaseRange,
  limit: number,
): QueryCommandInput {
  return {
    TableName: tableName,
    IndexName: INDEX_SYNC_DUE,
    KeyConditionExpression: "sync_due = :due AND sync_phase BETWEEN :from AND :to",
    ExpressionAttributeValues: { ":due": partition, ":from": range.from, ":to": range.to },
    Limit: limit,
  };
}

export function fromDueAxOrderItem(item: Item): DueAxOrder {
  const partition = String(item.sync_due);
  const { pk: _pk, sk: _sk, sync_due: _d, sync_phase: phase, ...rest } = item;
  return {
    ...(rest as unknown as Omit<DueAxOrder, "sync_cadence" | "sync_shard" | "sync_phase">),
    sync_cadence: cadenceOfSyncDueKey(partition) ?? "every_run",
    sync_shard: partition,
    sync_phase: Number(phase),
  };
}

const axOrderKey = (axOrder: Pick<DueAxOrder, "order_id" | "item_id">) => ({
  pk: orderPk(axOrder.order_id),
  sk: axOrderSk(axOrder.item_id),
});

/**
 * The condition of the sync's own writes: the AX order is still where it was read, with the status polled, and no
 * operator's "poll again" came meanwhile. A poll again of an AX order in the every-run partition leaves `sync_due` as
 * it was (the partition is the AX order's own), so `sync_due` alone would let a move or a departure decided from the
 * earlier read undo it; each poll again writes a new `sync_until`, which the index projects.
 */
const stillAsRead = (axOrder: DueAxOrder) => {
  const asRead = "sync_due = :was AND ax_order_status = :status";
  const values = { ":was": axOrder.sync_shard, ":status": axOrder.ax_order_status };
  return axOrder.sync_until === undefined
    ? { ConditionExpression: `${asRead} AND attribute_not_exists(sync_until)`, values }
    : { ConditionExpression: `${asRead} AND sync_until = :until`, values: { ...values, ":until": axOrder.sync_until } };
};

/** An update of an AX order the sync read from its index, made only if it is still as read. */
function updateAsRead(
  tableName: string,
  axOrder: DueAxOrder,
  update: string,
  values: Record<string, unknown>,
): UpdateCommandInput {
  const condition = stillAsRead(axOrder);
  return {
    TableName: tableName,
    Key: axOrderKey(axOrder),
    UpdateExpression: update,
    ConditionExpression: condition.ConditionExpression,
    ExpressionAttributeValues: { ...condition.values, ...values },
  };
}

/** An AX order polled unchanged moves to another cadence (its phase, and so its shard, stay). */
export function moveSyncUpdate(tableName: string, axOrder: DueAxOrder, cadence: SyncCadence): UpdateCommandInput {
  // A poll again is served by the poll that moves it.
  return updateAsRead(tableName, axOrder, "SET sync_due = :due REMOVE sync_poll_asked", {
    ":due": syncDueKey(cadence, axOrder.sync_phase % SYNC_SHARDS),
  });
}

/** An AX order polled unchanged leaves the sync: out of the index, with when and why. */
export function leaveSyncUpdate(
  tableName: string,
  axOrder: DueAxOrder,
  left: NonNullable<AxOrderRecord["sync_left"]>,
): UpdateCommandInput {
  return updateAsRead(tableName, axOrder, "SET sync_left = :left REMOVE sync_due, sync_phase, sync_poll_asked", {
    ":left": left,
  });
}

/**
 * An operator's "poll again": the AX order (not final) is back in the sync, polled by the next run and kept in
 * until `until`; conditional on the status the operator saw.
 */
export function pollAgainUpdate(
  tableName: string,
  axOrder: Pick<AxOrderRecord, "order_id" | "item_id" | "ax_order_code" | "ax_order_status">,
  when: { at: string; until: string },
): UpdateCommandInput & { UpdateExpression: string } {
  const phase = syncPhase(axOrder.ax_order_code);
  return {
    TableName: tableName,
    Key: axOrderKey(axOrder),
    UpdateExpression:
      "SET sync_due = :due, sync_phase = :phase, sync_until = :until, sync_poll_asked = :asked REMOVE sync_left",
    ConditionExpression: "ax_order_status = :status AND ax_order_code = :code",
    ExpressionAttributeValues: {
      ":due": syncDueKey("every_run", phase % SYNC_SHARDS),
      ":phase": phase,
      ":until": when.until,
      ":asked": when.at,
      ":status": axOrder.ax_order_status,
      ":code": axOrder.ax_order_code,
    },
  };
}

/** One page of the AX orders written before the due index (they are still in `openOrders`). */
export function legacyOpenOrdersQuery(tableName: string, shard: string, limit: number): QueryCommandInput {
  return {
    TableName: tableName,
    IndexName: INDEX_OPEN_ORDERS,
    KeyConditionExpression: "open_shard = :shard",
    ExpressionAttributeValues: { ":shard": shard },
    Limit: limit,
  };
}

/** Moves an AX order written before the due index into it (or out of the sync), leaving `openOrders`. */
export function moveLegacyUpdate(
  tableName: string,
  axOrder: AxOrderRecord,
  now: Date,
  settings: SyncSettings,
): UpdateCommandInput {
  // Placed as of now (its last write may be long ago): that is when it joins the due index.
  const attributes = syncAttributes({ ...axOrder, updated_at: now.toISOString() }, settings);
  const names = Object.keys(attributes);
  return {
    TableName: tableName,
    Key: axOrderKey(axOrder),
    UpdateExpression: `${names.length > 0 ? `SET ${names.map((name) => `${name} = :${name}`).join(", ")} ` : ""}REMOVE open_shard, next_sync_at`,
    ConditionExpression: "attribute_exists(open_shard)",
    ...(names.length > 0
      ? { ExpressionAttributeValues: Object.fromEntries(names.map((name) => [`:${name}`, attributes[name]])) }
      : {}),
  };
}

/** The status sync's cursor: one item, outside every index. */
export const syncCursorKey = () => ({ ...SYNC_CURSOR_KEY });

export function syncCursorItem(cursor: SyncCursor): Item {
  return { ...SYNC_CURSOR_KEY, item_kind: "sync_cursor", ...cursor };
}

/** The cursor as stored; one from before the due index (other fields) reads as none: each cadence starts afresh. */
export function fromSyncCursorItem(item: Item): SyncCursor {
  const cursor: SyncCursor = {};
  const round = item.every_run as { after?: unknown } | undefined;
  if (typeof round?.after === "number") cursor.every_run = { after: round.after };
  for (const cadence of ["hourly", "daily"] as const) {
    const window = item[cadence] as { through?: unknown; after?: unknown } | undefined;
    if (typeof window?.through === "string")
      cursor[cadence] = {
        through: window.through,
        ...(typeof window.after === "number" ? { after: window.after } : {}),
      };
  }
  return cursor;
}

export function notificationItem(notification: NotificationRecord): Item {
  return {
    pk: orderPk(notification.order_id),
    sk: notificationSk(notification.id),
    item_kind: "notification",
    ...notification,
    ...(notification.status === "pending" ? { outbox_state: OUTBOX_PENDING } : {}),
    ...(notification.status === "dead" ? { outbox_state: OUTBOX_DEAD } : {}),
  };
}

export function fromNotificationItem(item: Item): NotificationRecord {
  const { pk: _pk, sk: _sk, item_kind: _k, outbox_state: _s, expires_at: _e, ...rest } = item;
  return rest as unknown as NotificationRecord;
}

export function dueNotificationsQuery(tableName: string, now: string, limit: number): QueryCommandInput {
  return {
    TableName: tableName,
    IndexName: INDEX_OUTBOX,
    KeyConditionExpression: "outbox_state = :pending AND next_attempt_at <= :now",
    ExpressionAttributeValues: { ":pending": OUTBOX_PENDING, ":now": now },
    Limit: limit,
  };
}

const notificationKey = (notification: NotificationRecord) => ({
  pk: orderPk(notification.order_id),
  sk: notificationSk(notification.id),
});

export function claimNotificationUpdate(
  tableName: string,
  notification: NotificationRecord,
  claim: NotificationClaim,
): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: notificationKey(notification),
    UpdateExpression: "SET attempts = :attempts, last_attempt_at = :at, next_attempt_at = :next",
    ConditionExpression: "outbox_state = :pending AND attempts = :seen",
    ExpressionAttributeValues: {
      ":attempts": claim.attempts,
      ":at": claim.at,
      ":next": claim.nextAttemptAt,
      ":pending": OUTBOX_PENDING,
      ":seen": claim.attempts - 1,
    },
  };
}

const APPEND_ATTEMPT = "delivery_attempts = list_append(if_not_exists(delivery_attempts, :none), :attempt)";
const attemptValues = (outcome: NotificationSettlement) => ({ ":none": [], ":attempt": [outcome.attempt] });

export function settleNotificationUpdate(
  tableName: string,
  notification: NotificationRecord,
  attempts: number,
  outcome: NotificationSettlement,
): UpdateCommandInput {
  const base = {
    TableName: tableName,
    Key: notificationKey(notification),
    ConditionExpression: "attempts = :attempts",
    ExpressionAttributeNames: { "#status": "status" },
  };
  if (outcome.status === "delivered")
    return {
      ...base,
      UpdateExpression: `SET #status = :status, delivered_at = :at, expires_at = :ttl, ${APPEND_ATTEMPT} REMOVE outbox_state, last_error`,
      ExpressionAttributeValues: {
        ...attemptValues(outcome),
        ":attempts": attempts,
        ":status": "delivered",
        ":at": outcome.at,
        ":ttl": Math.floor(Date.parse(outcome.at) / 1000) + DELIVERED_NOTIFICATION_TTL_DAYS * 86_400,
      },
    };
  if (outcome.status === "dead")
    // Still in the sparse index, under `dead`: what an operator lists (and may send again) once the channel is back.
    return {
      ...base,
      UpdateExpression: `SET #status = :status, outbox_state = :dead, next_attempt_at = :at, last_error = :error, ${APPEND_ATTEMPT}`,
      ExpressionAttributeValues: {
        ...attemptValues(outcome),
        ":attempts": attempts,
        ":status": "dead",
        ":dead": OUTBOX_DEAD,
        ":at": outcome.at,
        ":error": outcome.error,
      },
    };
  const { ExpressionAttributeNames: _unused, ...pending } = base;
  return {
    ...pending,
    UpdateExpression: `SET last_error = :error, ${APPEND_ATTEMPT}`,
    ExpressionAttributeValues: { ...attemptValues(outcome), ":attempts": attempts, ":error": outcome.error },
  };
}

export function notificationsOfOrderQuery(tableName: string, orderId: string): QueryCommandInput {
  return {
    TableName: tableName,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: { ":pk": orderPk(orderId), ":prefix": notificationSk("") },
  };
}

/** One page of a query: its items and where the next page starts. */
export type PageReader = (startKey: Item | undefined) => Promise<{ items: Item[]; next: Item | undefined }>;

/**
 * Merges sorted, paged sources (the shards of an index) into one stream ordered by `sortKey`, reading a source's
 * next page only when its buffered items are used up. Oldest first across all shards, so that a run that cannot
 * poll everything never starves a shard.
 */
export async function* mergeSorted(
  sources: PageReader[],
  sortKey: (item: Item) => string | number,
): AsyncGenerator<Item> {
  interface Cursor {
    read: PageReader;
    buffer: Item[];
    next: Item | undefined;
    done: boolean;
  }
  const fill = async (cursor: Cursor) => {
    while (cursor.buffer.length === 0 && !cursor.done) {
      const page = await cursor.read(cursor.next);
      cursor.buffer.push(...page.items);
      cursor.next = page.next;
      cursor.done = page.next === undefined;
    }
  };
  const cursors: Cursor[] = sources.map((read) => ({ read, buffer: [], next: undefined, done: false }));
  await Promise.all(cursors.map(fill));
  for (;;) {
    let oldest: Cursor | undefined;
    for (const cursor of cursors) {
      const head = cursor.buffer[0];
      if (head === undefined) continue;
      const best = oldest?.buffer[0];
      if (best === undefined || sortKey(head) < sortKey(best)) oldest = cursor;
    }
    if (!oldest) return;
    const item = oldest.buffer.shift();
    if (item !== undefined) yield item;
    await fill(oldest);
  }
}
