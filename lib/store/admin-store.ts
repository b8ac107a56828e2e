// The admin API's queries and writes (issue #13): every list is one page of an index or of search entries, never a
// scan; a page's `next_cursor` (./cursor.ts) is where the index read stopped, bound to its search. Every read is
// bounded: a page reads at most PAGE_READ_BUDGET entries or MONTHS_PER_PAGE months, a count at most MAX_COUNTED.
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { AdminStore, EventFilter, MappingChange, MatchingEvent, Page, PageRequest } from "../admin/service";
import { ORDER_LOOKUPS, type OrderLookup } from "../admin/lookups";
import type { AuditEntry, OrderRow, OrderSearchQuery } from "../admin/schemas";
import type { NotificationRecord, OrderRecord, ProductMapping, StoredEvent } from "../orders/model";
import { searchKey, searchSortPrefix, type SearchKind } from "../orders/search-entries";
import type { ActionRecords } from "../orders/attempt-log";
import { auditItem, mappingTransaction, recordPuts } from "./audit-items";
import { CursorError, decodeCursor, encodeCursor } from "./cursor";
import { DynamoStore, fromEventItem, fromOrderItem, isConditionFailure, stripKeys } from "./dynamo-store";
import {
  EVENT_SK,
  INDEX_BY_AX_ORDER,
  INDEX_EVENTS_BY_STATE,
  INDEX_MAPPINGS_BY_SKU,
  INDEX_ORDERS_BY_MONTH,
  INDEX_ORDERS_BY_STATUS,
  INDEX_OUTBOX,
  MAPPING_KIND,
  ORDER_SK,
  OUTBOX_DEAD,
  OUTBOX_PENDING,
  auditPk,
  eventPk,
  notificationSk,
  orderMonth,
  orderPk,
} from "./keys";
import { searchQuery } from "./search-index";
import { fromNotificationItem } from "./status-sync-items";

type Item = Record<string, unknown>;
type QueryInput = Omit<QueryCommandInput, "TableName">;

/** Without `from`, an order search by month goes back this far. */
const DEFAULT_SEARCH_MONTHS = 12;
/** One page of a time search reads at most this many month partitions (the cursor says where to go on). */
const MONTHS_PER_PAGE = 12;
/** One page of a filtered list reads at most this many index entries (the cursor says where to go on). */
const PAGE_READ_BUDGET = 1_000;
/** A count reads at most this many index entries (the console says "10,000 or more" beyond). */
export const MAX_COUNTED = 10_000;

/** The key attributes of the table and of each index: what a page's cursor holds. */
const TABLE_KEYS = ["pk", "sk"];
const INDEX_KEYS: Record<string, string[]> = {
  [INDEX_EVENTS_BY_STATE]: ["event_state", "received_at"],
  [INDEX_ORDERS_BY_STATUS]: ["order_status_key", "created_at"],
  [INDEX_ORDERS_BY_MONTH]: ["order_month", "created_at"],
  [INDEX_OUTBOX]: ["outbox_state", "next_attempt_at"],
  [INDEX_MAPPINGS_BY_SKU]: ["item_kind", "sku"],
};
const keysOf = (input: QueryInput) => [...TABLE_KEYS, ...(input.IndexName ? (INDEX_KEYS[input.IndexName] ?? []) : [])];
const pick = (item: Item, names: readonly string[]) =>
  Object.fromEntries(names.filter((name) => item[name] !== undefined).map((name) => [name, item[name]]));

/** Whether the order records a parked event: a `pending` order that waits for a person. */
const parked = (order: OrderRecord) =>
  order.status === "pending" && Object.values(order.events).some((event) => event.status === "failed");

function orderRow(order: OrderRecord): OrderRow {
  return {
    order_id: order.order_id,
    status: order.status,
    ...(parked(order) ? { shown_status: "parked" as const } : {}),
    created_at: order.created_at,
    updated_at: order.updated_at,
    ...(order.currency !== undefined ? { currency: order.currency } : {}),
    ...(order.total !== undefined ? { total: order.total } : {}),
  };
}

/** The months from `to` back to `from`, newest first ("2026-12", "2026-11", …). */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let year = Number(to.slice(0, 4));
  let month = Number(to.slice(5, 7));
  const last = orderMonth(from);
  for (let i = 0; i < 12_000; i++) {
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

const isValidationError = (error: unknown) => error instanceof Error && error.name === "ValidationException";

export class AdminDynamoStore extends DynamoStore implements AdminStore {
  /** One query; a start key DynamoDB refuses came from a cursor that was not ours: bad input, not an outage. */
  private async query(input: QueryInput, startKey: Item | undefined) {
    try {
      return await this.doc.send(
        new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey }),
      );
    } catch (error) {
      if (startKey && isValidationError(error)) throw new CursorError();
      throw error;
    }
  }

  /**
   * One page of a query: `request.limit` items at most, reading at most PAGE_READ_BUDGET entries when a filter
   * drops some (a page may then be short, with a cursor to go on). `scope` binds the cursor to this search.
   */
  private async page(scope: unknown, input: QueryInput, request: PageRequest): Promise<Page<Item>> {
    const keys = keysOf(input);
    let startKey: Item | undefined = request.cursor ? decodeCursor(scope, request.cursor).key : undefined;
    if (request.cursor && !startKey) throw new CursorError();
    const filtered = input.FilterExpression !== undefined;
    const items: Item[] = [];
    let read = 0;
    let next: Item | undefined;
    for (;;) {
      const want = request.limit - items.length;
      const result = await this.query(
        { ...input, Limit: filtered ? Math.min(PAGE_READ_BUDGET - read, Math.max(want * 4, 100)) : want },
        startKey,
      );
      read += result.ScannedCount ?? 0;
      const got = result.Items ?? [];
      const taken = got.slice(0, want);
      items.push(...taken);
      const lastTaken = taken.at(-1);
      if (got.length > taken.length && lastTaken) {
        next = pick(lastTaken, keys);
        break;
      }
      if (!result.LastEvaluatedKey) break;
      if (items.length >= request.limit || read >= PAGE_READ_BUDGET) {
        next = result.LastEvaluatedKey;
        break;
      }
      startKey = result.LastEvaluatedKey;
    }
    return { items, ...(next ? { next_cursor: encodeCursor(scope, { key: next }) } : {}) };
  }

  /** Every item of a query, at most `max` (a filtered query reads on until it has them or the index ends). */
  private async *all(input: QueryInput, max = MAX_COUNTED): AsyncGenerator<Item> {
    let startKey: Item | undefined;
    let seen = 0;
    do {
      const result = await this.query(input, startKey);
      for (const item of result.Items ?? []) yield item;
      seen += result.ScannedCount ?? 0;
      startKey = result.LastEvaluatedKey;
    } while (startKey && seen < max);
  }

  private async count(input: QueryInput): Promise<number> {
    let total = 0;
    let startKey: Item | undefined;
    do {
      const result = await this.query({ ...input, Select: "COUNT" }, startKey);
      total += result.Count ?? 0;
      startKey = result.LastEvaluatedKey;
    } while (startKey && total < MAX_COUNTED);
    return Math.min(total, MAX_COUNTED);
  }

  // ---- orders -------------------------------------------------------------------------------------------------

  /**
   * The orders a page of an operator index names, in its order: the indexes project only what never changes (so an
   * order write does not rewrite them), the rest is read from the orders themselves, one BatchGetItem a page.
   */
  private async ordersOf(indexItems: readonly Item[]): Promise<OrderRecord[]> {
    const found = await this.batchGet(indexItems.map((item) => ({ pk: item.pk, sk: item.sk })));
    const byId = new Map(found.map((item) => fromOrderItem(item)).map((order) => [order.order_id, order]));
    return indexItems.flatMap((item) => {
      const order = byId.get(String(item.order_id));
      return order ? [order] : [];
    });
  }

  async searchOrders(query: OrderSearchQuery & PageRequest, now: Date): Promise<Page<OrderRow>> {
    const lookup = ORDER_LOOKUPS.find((name) => query[name] !== undefined);
    if (lookup) return this.lookUpOrders(lookup, query[lookup] ?? "", query);
    const to = query.to ?? now.toISOString();
    const from =
      query.from ??
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - DEFAULT_SEARCH_MONTHS, 1)).toISOString();
    const scope = { orders: "time", status: query.status, from, to };
    if (query.status) {
      const page = await this.page(
        scope,
        {
          IndexName: INDEX_ORDERS_BY_STATUS,
          KeyConditionExpression: "order_status_key = :status AND created_at BETWEEN :from AND :to",
          ExpressionAttributeValues: { ":status": query.status, ":from": from, ":to": to },
          ScanIndexForward: false, // newest first
        },
        query,
      );
      return { ...page, items: (await this.ordersOf(page.items)).map(orderRow) };
    }
    // One partition per month: the cursor says which month the next page starts in. A page reads at most
    // MONTHS_PER_PAGE months, so a range of years costs a page per year, never one request of years.
    const months = monthsBetween(from, to);
    const state = query.cursor ? decodeCursor(scope, query.cursor) : undefined;
    if (state && state.month === undefined) throw new CursorError();
    const items: OrderRow[] = [];
    let index = state?.month !== undefined ? months.indexOf(state.month) : 0;
    if (index < 0) throw new CursorError();
    let startKey: Item | undefined = state?.key;
    let monthsRead = 0;
    while (index < months.length && items.length < query.limit && monthsRead < MONTHS_PER_PAGE) {
      const month = months[index] ?? "";
      const result = await this.query(
        {
          IndexName: INDEX_ORDERS_BY_MONTH,
          KeyConditionExpression: "order_month = :month AND created_at BETWEEN :from AND :to",
          ExpressionAttributeValues: { ":month": month, ":from": from, ":to": to },
          ScanIndexForward: false,
          Limit: query.limit - items.length,
        },
        startKey,
      );
      items.push(...(await this.ordersOf(result.Items ?? [])).map(orderRow));
      if (result.LastEvaluatedKey) startKey = result.LastEvaluatedKey;
      else {
        startKey = undefined;
        index++;
        monthsRead++;
      }
    }
    const more = index < months.length;
    const next = more
      ? encodeCursor(scope, { month: months[index] ?? "", ...(startKey ? { key: startKey } : {}) })
      : undefined;
    return { items, ...(next ? { next_cursor: next } : {}) };
  }

  /** Orders by one of the look-ups (docs/console.md says which index or search entry serves each). */
  private async lookUpOrders(lookup: OrderLookup, value: string, request: PageRequest): Promise<Page<OrderRow>> {
    if (lookup === "webhook_id") {
      const event = await this.getEvent(value);
      return { items: event ? await this.orderRows([{ order_id: event.order_id, at: event.received_at }]) : [] };
    }
    if (lookup === "ax_order_code") {
      // AX's codes are UUIDs it writes in lower case: one typed in capitals is looked up as AX wrote it too.
      const found: { order_id: string; at: string }[] = [];
      for (const code of new Set([value, value.toLowerCase()])) {
        for await (const item of this.all({
          IndexName: INDEX_BY_AX_ORDER,
          KeyConditionExpression: "ax_order_code = :code",
          ExpressionAttributeValues: { ":code": code },
        }))
          found.push({ order_id: String(item.pk).slice(orderPk("").length), at: "" });
        if (found.length > 0) break;
      }
      return { items: await this.orderRows(found) };
    }
    const kind: SearchKind = lookup === "id_prefix" ? "order_id" : lookup;
    const page = await this.page(
      { orders: lookup, value },
      {
        ...searchQuery(kind, searchKey(kind, value), searchSortPrefix(kind, value)),
        // An id prefix lists by id; the others newest first.
        ScanIndexForward: kind === "order_id" || kind === "ax_ticket_code",
      },
      request,
    );
    return {
      ...page,
      items: await this.orderRows(page.items.map((item) => ({ order_id: String(item.order_id), at: String(item.at) }))),
    };
  }

  /** The rows of these orders, in this order, once each; an order with events only shows as `pending`. */
  private async orderRows(found: readonly { order_id: string; at: string }[]): Promise<OrderRow[]> {
    const unique = [...new Map(found.map((entry) => [entry.order_id, entry])).values()];
    const items = await this.batchGet(unique.map((entry) => ({ pk: orderPk(entry.order_id), sk: ORDER_SK })));
    const byId = new Map(items.map((item) => fromOrderItem(item)).map((order) => [order.order_id, orderRow(order)]));
    return unique.map(
      (entry) =>
        byId.get(entry.order_id) ?? {
          order_id: entry.order_id,
          status: "pending",
          created_at: entry.at,
          updated_at: entry.at,
        },
    );
  }

  async listOrdersInStatus(status: OrderRecord["status"], request: PageRequest): Promise<Page<OrderRecord>> {
    const page = await this.page(
      { orders: "status", status },
      {
        IndexName: INDEX_ORDERS_BY_STATUS,
        KeyConditionExpression: "order_status_key = :status",
        ExpressionAttributeValues: { ":status": status },
      },
      request,
    );
    return { ...page, items: await this.ordersOf(page.items) };
  }

  async countUncertainCreates(): Promise<number> {
    let count = 0;
    const entries: Item[] = [];
    const tally = async () => {
      for (const order of await this.ordersOf(entries.splice(0)))
        count += Object.values(order.create_calls).filter((call) => call.state === "uncertain").length;
    };
    for await (const item of this.all({
      IndexName: INDEX_ORDERS_BY_STATUS,
      KeyConditionExpression: "order_status_key = :status",
      ExpressionAttributeValues: { ":status": "uncertain" },
    })) {
      entries.push(item);
      if (entries.length === 100) await tally();
    }
    await tally();
    return count;
  }

  // ---- events -------------------------------------------------------------------------------------------------

  async getEvents(webhookIds: readonly string[]): Promise<StoredEvent[]> {
    const items = await this.batchGet(webhookIds.map((id) => ({ pk: eventPk(id), sk: EVENT_SK })));
    return items.map(fromEventItem);
  }

  private eventQuery(state: "failed" | "queued", filter: EventFilter): QueryInput {
    const values: Item = { ":state": state, ":from": filter.from ?? "0", ":to": filter.to ?? "9999" };
    const conditions: string[] = [];
    if (filter.reason) {
      values[":reason"] = filter.reason;
      conditions.push("reason = :reason");
    }
    if (filter.type) {
      values[":type"] = filter.type;
      conditions.push("#type = :type");
    }
    return {
      IndexName: INDEX_EVENTS_BY_STATE,
      KeyConditionExpression: "event_state = :state AND received_at BETWEEN :from AND :to",
      ...(conditions.length > 0 ? { FilterExpression: conditions.join(" AND ") } : {}),
      ...(filter.type ? { ExpressionAttributeNames: { "#type": "type" } } : {}),
      ExpressionAttributeValues: values,
    };
  }

  async listEventsInState(
    state: "failed" | "queued",
    filter: EventFilter,
    request: PageRequest,
  ): Promise<Page<StoredEvent>> {
    const page = await this.page({ events: state, ...filter }, this.eventQuery(state, filter), request);
    return { ...page, items: page.items.map(fromEventItem) };
  }

  async matchingEvents(state: "failed" | "queued", filter: EventFilter, max: number): Promise<MatchingEvent[]> {
    const found: MatchingEvent[] = [];
    for await (const item of this.all(this.eventQuery(state, filter))) {
      found.push({
        webhook_id: String(item.webhook_id),
        reason: typeof item.reason === "string" ? item.reason : undefined,
      });
      if (found.length > max) break;
    }
    return found;
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
      "dead notifications",
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

  async resendNotification(
    notification: NotificationRecord,
    by: string,
    at: string,
    records: ActionRecords,
  ): Promise<boolean> {
    // The audit entry and the order's log line, in the same write.
    return this.updateWithRecords(
      [
        {
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
        },
      ],
      records,
    );
  }

  // ---- product mappings ---------------------------------------------------------------------------------------

  async listMappingPage(prefix: string | undefined, request: PageRequest): Promise<Page<ProductMapping>> {
    const page = await this.page(
      { mappings: prefix },
      {
        IndexName: INDEX_MAPPINGS_BY_SKU,
        KeyConditionExpression: prefix ? "item_kind = :kind AND begins_with(sku, :prefix)" : "item_kind = :kind",
        ExpressionAttributeValues: { ":kind": MAPPING_KIND, ...(prefix ? { ":prefix": prefix } : {}) },
      },
      request,
    );
    return { ...page, items: page.items.map((item) => stripKeys(item) as unknown as ProductMapping) };
  }

  async changeMappings(changes: readonly MappingChange[], entry: AuditEntry): Promise<boolean> {
    try {
      await this.doc.send(new TransactWriteCommand(mappingTransaction(this.tableName, changes, entry)));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  // ---- audit --------------------------------------------------------------------------------------------------

  async recordAction(records: ActionRecords): Promise<void> {
    await this.doc.send(new TransactWriteCommand({ TransactItems: recordPuts(this.tableName, records) }));
  }

  async recordAudit(entry: AuditEntry): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: auditItem(entry) }));
  }

  async listAudit(day: string, request: PageRequest): Promise<Page<AuditEntry>> {
    const page = await this.page(
      { audit: day },
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
        ...(typeof item.old_value === "string" ? { old_value: item.old_value } : {}),
      })),
    };
  }
}
