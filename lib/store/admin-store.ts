// The admin API's queries and writes (issue #13): every list is one page of an index, never a scan; a page's
// `next_cursor` is the index's LastEvaluatedKey, opaque to the caller.
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type BatchWriteCommandOutput,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { AdminStore, EventFilter, Page, PageRequest } from "../admin/service";
import { AdminInputError } from "../admin/errors";
import type { AuditEntry, OrderRow, OrderSearchQuery } from "../admin/schemas";
import type { NotificationRecord, OrderRecord, ProductMapping, StoredEvent } from "../orders/model";
import { DynamoStore, fromEventItem, stripKeys } from "./dynamo-store";
import {
  EVENT_SK,
  INDEX_EVENTS_BY_STATE,
  INDEX_MAPPINGS_BY_SKU,
  INDEX_ORDERS_BY_ID,
  INDEX_ORDERS_BY_MONTH,
  INDEX_ORDERS_BY_STATUS,
  INDEX_OUTBOX,
  MAPPING_KIND,
  ORDER_ID_HEAD_LENGTH,
  OUTBOX_DEAD,
  OUTBOX_PENDING,
  PRODUCT_SK,
  auditPk,
  eventPk,
  notificationSk,
  orderIdHead,
  orderMonth,
  orderPk,
  productPk,
} from "./keys";
import { fromNotificationItem } from "./status-sync-items";

type Item = Record<string, unknown>;

/** Operators' actions are kept this long. */
const AUDIT_TTL_DAYS = 400;
/** Without `from`, an order search by month goes back this far. */
const DEFAULT_SEARCH_MONTHS = 12;
/** A count reads at most this many index entries (and says "at least" beyond: never happens at our volumes). */
const MAX_COUNTED = 100_000;

const encodeCursor = (key: Item | undefined) =>
  key ? Buffer.from(JSON.stringify(key)).toString("base64url") : undefined;

function decodeCursor(cursor: string | undefined): Item | undefined {
  if (!cursor) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (key && typeof key === "object" && !Array.isArray(key)) return key as Item;
  } catch {
    // fall through
  }
  throw new AdminInputError("cursor is not one this API gave out");
}

function orderRow(item: Item): OrderRow {
  return {
    order_id: String(item.order_id),
    status: String(item.status),
    created_at: String(item.created_at),
    updated_at: String(item.updated_at),
    ...(typeof item.currency === "string" ? { currency: item.currency } : {}),
    ...(typeof item.total === "string" ? { total: item.total } : {}),
  };
}

/** The months from `to` back to `from`, newest first ("2026-12", "2026-11", …). */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let year = Number(to.slice(0, 4));
  let month = Number(to.slice(5, 7));
  const last = orderMonth(from);
  for (let i = 0; i < 1200; i++) {
    const label = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}`;
    if (label < last) break;
    months.push(label);
    month--;
    if (month === 0) {
      month = 12;
      year--;
    }
  }
  return months;
}

export class AdminDynamoStore extends DynamoStore implements AdminStore {
  private async page(input: Omit<QueryCommandInput, "TableName">, request: PageRequest): Promise<Page<Item>> {
    const result = await this.doc.send(
      new QueryCommand({
        ...input,
        TableName: this.tableName,
        Limit: request.limit,
        ExclusiveStartKey: decodeCursor(request.cursor),
      }),
    );
    const next = encodeCursor(result.LastEvaluatedKey);
    return { items: result.Items ?? [], ...(next ? { next_cursor: next } : {}) };
  }

  /** Every item of a query (a filtered page can be empty with more to come): for counts and bulk actions. */
  private async *all(input: Omit<QueryCommandInput, "TableName">): AsyncGenerator<Item> {
    let startKey: Item | undefined;
    let seen = 0;
    do {
      const result = await this.doc.send(
        new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey }),
      );
      for (const item of result.Items ?? []) yield item;
      seen += result.ScannedCount ?? 0;
      startKey = result.LastEvaluatedKey;
    } while (startKey && seen < MAX_COUNTED);
  }

  private async count(input: Omit<QueryCommandInput, "TableName">): Promise<number> {
    let total = 0;
    let startKey: Item | undefined;
    do {
      const result = await this.doc.send(
        new QueryCommand({ ...input, TableName: this.tableName, Select: "COUNT", ExclusiveStartKey: startKey }),
      );
      total += result.Count ?? 0;
      startKey = result.LastEvaluatedKey;
    } while (startKey && total < MAX_COUNTED);
    return total;
  }

  // ---- orders -------------------------------------------------------------------------------------------------

  async searchOrders(query: OrderSearchQuery & PageRequest, now: Date): Promise<Page<OrderRow>> {
    if (query.id_prefix !== undefined) {
      if (query.id_prefix.length < ORDER_ID_HEAD_LENGTH)
        throw new AdminInputError(`an id search needs at least ${ORDER_ID_HEAD_LENGTH} characters`);
      const page = await this.page(
        {
          IndexName: INDEX_ORDERS_BY_ID,
          KeyConditionExpression: "order_id_head = :head AND begins_with(order_id, :prefix)",
          ExpressionAttributeValues: { ":head": orderIdHead(query.id_prefix), ":prefix": query.id_prefix },
        },
        query,
      );
      return { ...page, items: page.items.map(orderRow) };
    }
    const to = query.to ?? now.toISOString();
    const from =
      query.from ??
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - DEFAULT_SEARCH_MONTHS, 1)).toISOString();
    const range = {
      KeyConditionExpression: "",
      ExpressionAttributeValues: { ":from": from, ":to": to } as Item,
      ScanIndexForward: false, // newest first
    };
    if (query.status) {
      const page = await this.page(
        {
          ...range,
          IndexName: INDEX_ORDERS_BY_STATUS,
          KeyConditionExpression: "order_status_key = :status AND created_at BETWEEN :from AND :to",
          ExpressionAttributeValues: { ...range.ExpressionAttributeValues, ":status": query.status },
        },
        query,
      );
      return { ...page, items: page.items.map(orderRow) };
    }
    // One partition per month: the cursor says which month the next page starts in.
    const months = monthsBetween(from, to);
    let state: { month: string; key?: Item } | undefined;
    if (query.cursor) {
      const decoded = decodeCursor(query.cursor);
      if (typeof decoded?.month !== "string") throw new AdminInputError("cursor is not one this API gave out");
      state = { month: decoded.month, ...(decoded.key ? { key: decoded.key as Item } : {}) };
    }
    const items: OrderRow[] = [];
    let index = state ? months.indexOf(state.month) : 0;
    let startKey = state?.key;
    while (index >= 0 && index < months.length && items.length < query.limit) {
      const month = months[index] ?? "";
      const result = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: INDEX_ORDERS_BY_MONTH,
          KeyConditionExpression: "order_month = :month AND created_at BETWEEN :from AND :to",
          ExpressionAttributeValues: { ":month": month, ":from": from, ":to": to },
          ScanIndexForward: false,
          Limit: query.limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(result.Items ?? []).map(orderRow));
      if (result.LastEvaluatedKey) startKey = result.LastEvaluatedKey;
      else {
        startKey = undefined;
        index++;
      }
    }
    const more = index >= 0 && index < months.length;
    const next = more ? encodeCursor({ month: months[index], ...(startKey ? { key: startKey } : {}) }) : undefined;
    return { items, ...(next ? { next_cursor: next } : {}) };
  }

  async listOrdersInStatus(status: OrderRecord["status"], request: PageRequest): Promise<Page<OrderRecord>> {
    const page = await this.page(
      {
        IndexName: INDEX_ORDERS_BY_STATUS,
        KeyConditionExpression: "order_status_key = :status",
        ExpressionAttributeValues: { ":status": status },
      },
      request,
    );
    // The index projects the order's summary and its create calls (what the uncertain list reads).
    const items = page.items.map((item) => ({ create_calls: {}, ...stripKeys(item) }) as unknown as OrderRecord);
    return { ...page, items };
  }

  async countUncertainCreates(): Promise<number> {
    let count = 0;
    for await (const item of this.all({
      IndexName: INDEX_ORDERS_BY_STATUS,
      KeyConditionExpression: "order_status_key = :status",
      ExpressionAttributeValues: { ":status": "uncertain" },
    })) {
      const calls = Object.values((item.create_calls ?? {}) as Record<string, { state?: string }>);
      count += calls.filter((call) => call.state === "uncertain").length;
    }
    return count;
  }

  // ---- events -------------------------------------------------------------------------------------------------

  async getEvents(webhookIds: readonly string[]): Promise<StoredEvent[]> {
    const items = await this.batchGet(webhookIds.map((id) => ({ pk: eventPk(id), sk: EVENT_SK })));
    return items.map(fromEventItem);
  }

  private eventQuery(state: "failed" | "queued", filter: EventFilter): Omit<QueryCommandInput, "TableName"> {
    const values: Item = { ":state": state, ":from": filter.from ?? "0", ":to": filter.to ?? "9999" };
    if (filter.reason) values[":reason"] = filter.reason;
    return {
      IndexName: INDEX_EVENTS_BY_STATE,
      KeyConditionExpression: "event_state = :state AND received_at BETWEEN :from AND :to",
      ...(filter.reason ? { FilterExpression: "reason = :reason" } : {}),
      ExpressionAttributeValues: values,
    };
  }

  async listEventsInState(
    state: "failed" | "queued",
    filter: EventFilter,
    request: PageRequest,
  ): Promise<Page<StoredEvent>> {
    const page = await this.page(this.eventQuery(state, filter), request);
    return { ...page, items: page.items.map(fromEventItem) };
  }

  async eventIdsInState(state: "failed" | "queued", filter: EventFilter): Promise<string[]> {
    const ids: string[] = [];
    for await (const item of this.all(this.eventQuery(state, filter))) ids.push(String(item.webhook_id));
    return ids;
  }

  countEventsInState(state: "failed" | "queued", filter: EventFilter): Promise<number> {
    return this.count(this.eventQuery(state, filter));
  }

  async countParkedByReason(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for await (const item of this.all({
      IndexName: INDEX_EVENTS_BY_STATE,
      KeyConditionExpression: "event_state = :state",
      ExpressionAttributeValues: { ":state": "failed" },
      ProjectionExpression: "reason",
    })) {
      const reason = typeof item.reason === "string" ? item.reason : "unknown";
      counts[reason] = (counts[reason] ?? 0) + 1;
    }
    return counts;
  }

  // ---- notifications ------------------------------------------------------------------------------------------

  async listDeadNotifications(request: PageRequest): Promise<Page<NotificationRecord>> {
    const page = await this.page(
      {
        IndexName: INDEX_OUTBOX,
        KeyConditionExpression: "outbox_state = :dead",
        ExpressionAttributeValues: { ":dead": OUTBOX_DEAD },
      },
      request,
    );
    return { ...page, items: page.items.map(fromNotificationItem) };
  }

  countDeadNotifications(): Promise<number> {
    return this.count({
      IndexName: INDEX_OUTBOX,
      KeyConditionExpression: "outbox_state = :dead",
      ExpressionAttributeValues: { ":dead": OUTBOX_DEAD },
    });
  }

  async getNotification(orderId: string, notificationId: string): Promise<NotificationRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: orderPk(orderId), sk: notificationSk(notificationId) } }),
    );
    return Item ? fromNotificationItem(Item) : undefined;
  }

  async resendNotification(notification: NotificationRecord, by: string, at: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: orderPk(notification.order_id), sk: notificationSk(notification.id) },
          // Pending again, due now, its attempts starting over: the sender's claim expects `attempts` = 0.
          UpdateExpression:
            "SET #status = :pending, outbox_state = :pending, next_attempt_at = :at, attempts = :zero, " +
            "resent = list_append(if_not_exists(resent, :none), :resent)",
          ConditionExpression: "outbox_state = :dead",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":pending": OUTBOX_PENDING,
            ":dead": OUTBOX_DEAD,
            ":at": at,
            ":zero": 0,
            ":none": [],
            ":resent": [{ by, at }],
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  // ---- product mappings ---------------------------------------------------------------------------------------

  async listMappingPage(prefix: string | undefined, request: PageRequest): Promise<Page<ProductMapping>> {
    const page = await this.page(
      {
        IndexName: INDEX_MAPPINGS_BY_SKU,
        KeyConditionExpression: prefix ? "item_kind = :kind AND begins_with(sku, :prefix)" : "item_kind = :kind",
        ExpressionAttributeValues: { ":kind": MAPPING_KIND, ...(prefix ? { ":prefix": prefix } : {}) },
      },
      request,
    );
    return { ...page, items: page.items.map((item) => stripKeys(item) as unknown as ProductMapping) };
  }

  async writeMapping(mapping: ProductMapping, expect: "absent" | "present" | "any"): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: mappingItem(mapping),
          ...(expect === "absent" ? { ConditionExpression: "attribute_not_exists(pk)" } : {}),
          ...(expect === "present" ? { ConditionExpression: "attribute_exists(pk)" } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async writeMappings(mappings: readonly ProductMapping[]): Promise<void> {
    for (let start = 0; start < mappings.length; start += 25) {
      let requests: { PutRequest?: { Item: Item | undefined } }[] | undefined = mappings
        .slice(start, start + 25)
        .map((mapping) => ({ PutRequest: { Item: mappingItem(mapping) } }));
      for (let round = 0; requests && requests.length > 0; round++) {
        if (round >= 10) throw new Error("DynamoDB kept some mappings unprocessed; import again");
        const result: BatchWriteCommandOutput = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
        );
        requests = result.UnprocessedItems?.[this.tableName];
      }
    }
  }

  // ---- audit --------------------------------------------------------------------------------------------------

  async recordAudit(entry: AuditEntry): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: auditPk(entry.at.slice(0, 10)),
          sk: `${entry.at}#${crypto.randomUUID()}`,
          item_kind: "audit",
          ...entry,
          expires_at: Math.floor(Date.parse(entry.at) / 1000) + AUDIT_TTL_DAYS * 86_400,
        },
      }),
    );
  }

  async listAudit(day: string, request: PageRequest): Promise<Page<AuditEntry>> {
    const page = await this.page(
      {
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": auditPk(day) },
        ScanIndexForward: false, // newest first
      },
      request,
    );
    return {
      ...page,
      items: page.items.map((item) => ({
        at: String(item.at),
        actor: String(item.actor),
        action: String(item.action),
        target: String(item.target),
        ...(typeof item.detail === "string" ? { detail: item.detail } : {}),
      })),
    };
  }
}

function mappingItem(mapping: ProductMapping): Item {
  return { pk: productPk(mapping.sku), sk: PRODUCT_SK, item_kind: MAPPING_KIND, ...mapping };
}
