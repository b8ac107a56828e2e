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
export const INDEX_OPEN_ORDERS = "openOrders";
export const INDEX_EVENTS_BY_STATE = "eventsByState";

/** Open AX orders are spread over a few partitions of the sparse `openOrders` index. */
export const OPEN_SHARDS = 4;
export const openShardId = (index: number) => `OPEN#${index}`;
export function openShard(axOrderCode: string): string {
  let hash = 0;
  for (const char of axOrderCode) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return openShardId(hash % OPEN_SHARDS);
}

// ---- status sync and outbound notifications (issue #7) ----------------------------------------------------------
/** The status sync's cursor (where its sweep of `openOrders` stands): one item of its own. */
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
