// DynamoDB items and queries of the status sync and the outbox (issue #7), used by DynamoStore's last section.
// Kept apart so that the store's class only gains thin methods.
import type { QueryCommandInput, UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import type { DueAxOrder, NotificationRecord, SyncCursor, SyncPosition } from "../orders/model";
import type { NotificationClaim, NotificationSettlement } from "../orders/notify";
import {
  INDEX_OPEN_ORDERS,
  INDEX_OUTBOX,
  OPEN_SHARDS,
  openShardId,
  OUTBOX_DEAD,
  OUTBOX_PENDING,
  axOrderSk,
  notificationSk,
  orderPk,
  SYNC_CURSOR_KEY,
} from "./keys";

type Item = Record<string, unknown>;

/** Delivered notifications stay readable this long (like settled events), then expire. */
export const DELIVERED_NOTIFICATION_TTL_DAYS = 90;
export const SYNC_PAGE_SIZE = 100;

export const openShardIds = (): string[] => Array.from({ length: OPEN_SHARDS }, (_, index) => openShardId(index));

/** One partition's due AX orders, before `before`, or only up to `through` (inclusive) when given. */
export function dueAxOrdersQuery(
  tableName: string,
  shard: string,
  before: string,
  limit: number,
  through?: SyncPosition,
): QueryCommandInput {
  return {
    TableName: tableName,
    IndexName: INDEX_OPEN_ORDERS,
    KeyConditionExpression: through
      ? "open_shard = :shard AND next_sync_at <= :through"
      : "open_shard = :shard AND next_sync_at < :before",
    ExpressionAttributeValues: {
      ":shard": shard,
      ...(through ? { ":through": through.next_sync_at } : { ":before": before }),
    },
    Limit: limit,
  };
}

/** The index position of a sweep (an ExclusiveStartKey of `openOrders`: its keys and the table's). */
export const syncPositionKey = (shard: string, at: SyncPosition): Item => ({
  open_shard: shard,
  next_sync_at: at.next_sync_at,
  pk: orderPk(at.order_id),
  sk: axOrderSk(at.item_id),
});

export function fromDueAxOrderItem(item: Item): DueAxOrder {
  const { pk: _pk, sk: _sk, item_kind: _k, ...rest } = item;
  return rest as unknown as DueAxOrder;
}

/** The status sync's cursor: one item, outside every index. */
export const syncCursorKey = () => ({ ...SYNC_CURSOR_KEY });

export function syncCursorItem(cursor: SyncCursor): Item {
  return { ...SYNC_CURSOR_KEY, item_kind: "sync_cursor", ...cursor };
}

export function fromSyncCursorItem(item: Item): SyncCursor {
  const { pk: _pk, sk: _sk, item_kind: _k, ...rest } = item;
  return rest;
}

/** Moves an AX order whose poll failed to the back of the line, if it is still open with the status polled. */
export function deferSyncUpdate(tableName: string, axOrder: DueAxOrder, nextSyncAt: string): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: { pk: orderPk(axOrder.order_id), sk: axOrderSk(axOrder.item_id) },
    UpdateExpression: "SET next_sync_at = :next",
    ConditionExpression: "attribute_exists(open_shard) AND ax_order_status = :status",
    ExpressionAttributeValues: { ":next": nextSyncAt, ":status": axOrder.ax_order_status },
  };
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
export async function* mergeSorted(sources: PageReader[], sortKey: (item: Item) => string): AsyncGenerator<Item> {
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
