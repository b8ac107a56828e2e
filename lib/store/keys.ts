// Key layout of the single table (docs/architecture.md, "Data model").
export const ORDER_PREFIX = "ORDER#";
export const orderPk = (orderId: string) => `${ORDER_PREFIX}${orderId}`;
export const ORDER_SK = "ORDER";
export const axOrderSk = (itemId: string) => `AXORDER#${itemId}`;
export const AXORDER_PREFIX = "AXORDER#";
/** AX's answer to one create, kept until the order records it (`CreateAnswer`), in the order's partition. */
export const AXANSWER_PREFIX = "AXANSWER#";
export const axAnswerSk = (attemptId: string) => `${AXANSWER_PREFIX}${attemptId}`;
export const eventPk = (webhookId: string) => `EVENT#${webhookId}`;
export const EVENT_SK = "EVENT";
export const productPk = (sku: string) => `SKU#${sku}`;
export const PRODUCT_SK = "PRODUCT";

export const INDEX_BY_AX_ORDER = "byAxOrder";
export const INDEX_EVENTS_BY_ORDER = "eventsByOrder";
export const INDEX_EVENTS_BY_STATE = "eventsByState";

/**
 * The status sync's index (issue 21): AX orders in the sync by cadence (`R` every run, `H` hourly, `D` daily) and a few partitions each, sorted by their fixed phase, so that a run reads a cadence's due phases only.
 */
export const INDEX_SYNC_DUE = "syncDue";
export const SYNC_SHARDS = 4;
const CADENCE_KEYS = { every_run: "R", hourly: "H", daily: "D" } as const;
export const syncDueKey = (cadence: keyof typeof CADENCE_KEYS, shard: number) => `${CADENCE_KEYS[cadence]}#${shard}`;
export const syncDueKeys = (cadence: keyof typeof CADENCE_KEYS) =>
  Array.from({ length: SYNC_SHARDS }, (_, shard) => syncDueKey(cadence, shard));
export function cadenceOfSyncDueKey(key: string): keyof typeof CADENCE_KEYS | undefined {
  const code = key.slice(0, key.indexOf("#"));
  return (Object.keys(CADENCE_KEYS) as (keyof typeof CADENCE_KEYS)[]).find((name) => CADENCE_KEYS[name] === code);
}

/**
 * The index that held the open AX orders before the due index (sparse `openOrders`, by `open_shard` and
 * `next_sync_at`): nothing writes it any more; the sync moves what it still holds into `syncDue`, then a later
 * release drops it (docs/architecture.md, "Status sync").
 */
export const INDEX_OPEN_ORDERS = "openOrders";
export const LEGACY_OPEN_SHARDS = ["OPEN#0", "OPEN#1", "OPEN#2", "OPEN#3"] as const;

// ---- status sync and outbound notifications (issue #7) ----------------------------------------------------------
/** The status sync's cursor (where its reading of `syncDue` stands): one item of its own. */
export const SYNC_CURSOR_KEY = { pk: "SYNC", sk: "CURSOR" } as const;
/** Notifications live in their order's partition: the read API lists them with one query on `ORDER#{id}`. */
export const NOTIFICATION_PREFIX = "NOTIFY#";
export const notificationSk = (notificationId: string) => `${NOTIFICATION_PREFIX}${notificationId}`;
/** Sparse index of notifications to send (`outbox_state` = pending) or given up (`dead`), by `next_attempt_at`. */
export const INDEX_OUTBOX = "outbox";
export const OUTBOX_PENDING = "pending";
export const OUTBOX_DEAD = "dead";

// ---- operators' console and admin API (issue #13) ---------------------------------------------------------------
/** Sparse indexes over order items only (their own key attributes): by month, by status, and by id prefix. */
export const INDEX_ORDERS_BY_MONTH = "ordersByMonth";
export const INDEX_ORDERS_BY_STATUS = "ordersByStatus";
export const INDEX_ORDERS_BY_ID = "ordersById";
/** Mapping items carry `item_kind` = "product" and their `sku`: the index lists them by sku, never a scan. */
export const INDEX_MAPPINGS_BY_SKU = "mappingsBySku";
export const MAPPING_KIND = "product";
/** An id search needs this many leading characters: they are the index partition the search reads. */
export const ORDER_ID_HEAD_LENGTH = 3;
export const orderIdHead = (orderId: string) => orderId.slice(0, ORDER_ID_HEAD_LENGTH);
export const orderMonth = (createdAt: string) => createdAt.slice(0, 7);
/** Search entries (lib/orders/search-entries.ts): what an order can be found by, one partition per looked-up key. */
export const searchPk = (kind: string, key: string) => `FIND#${kind}#${key}`;
/** An order's attempt log (lib/orders/attempt-log.ts): its own partition, in time order. */
export const ATTEMPT_LOG_PREFIX = "LOG#";
export const attemptLogPk = (orderId: string) => `${ATTEMPT_LOG_PREFIX}${orderId}`;
/** Operators' actions, one partition per UTC day, newest last by their time. */
export const auditPk = (day: string) => `AUDIT#${day}`;

/** The index attributes of an order item, written with every version of the order. */
export function orderIndexAttributes(order: { order_id: string; status: string; created_at: string }) {
  return {
    order_month: orderMonth(order.created_at),
    order_status_key: order.status,
    order_id_head: orderIdHead(order.order_id),
  };
}
