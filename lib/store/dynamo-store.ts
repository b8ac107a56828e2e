// DynamoDB access for the whole adapter: one table, conditional writes and transactions only.
import { randomUUID } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import type { BatchGetCommandOutput, TransactWriteCommandInput, UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { ActionRecords, AttemptLogEntry } from "../orders/attempt-log";
import { attemptItem, recordPuts } from "./audit-items";
import { batchPut } from "./batch-put";
import { isServerError, isThrottlingError, isTransientError } from "@smithy/core/retry";
import {
  type AxOrderRecord,
  type CreateAnswer,
  type EventSummaryRow,
  SETTLED_EVENT_TTL_DAYS,
  type EventStatus,
  type OrderAggregate,
  type OrderRecord,
  type ProductMapping,
  type StoredEvent,
} from "../orders/model";
import {
  ConcurrentUpdateError,
  StoreUnavailableError,
  type CreateAnswerLog,
  type EventOutcomeWrite,
  type EventStore,
  type PutEventResult,
  type OrderCommit,
  type OrderRepository,
  type ProductCatalog,
} from "../orders/ports";
import {
  AXANSWER_PREFIX,
  AXORDER_PREFIX,
  EVENT_SK,
  INDEX_BY_AX_ORDER,
  INDEX_EVENTS_BY_ORDER,
  INDEX_EVENTS_BY_STATE,
  INDEX_MAPPINGS_BY_SKU,
  MAPPING_KIND,
  ORDER_PREFIX,
  ORDER_SK,
  PRODUCT_SK,
  LEGACY_OPEN_SHARDS,
  axAnswerSk,
  attemptLogPk,
  axOrderSk,
  eventPk,
  orderIndexAttributes,
  syncDueKeys,
  orderPk,
  productPk,
} from "./keys";
// Issue #7: the status sync and the outbox (issue 21: its due index).
import type { DueAxOrder, NotificationRecord, SyncCursor } from "../orders/model";
import type { NotificationClaim, NotificationSettlement } from "../orders/notify";
import {
  DEFAULT_SYNC_SETTINGS,
  type PhaseRange,
  type SyncCadence,
  type SyncLeaveReason,
  type SyncSettings,
} from "../orders/sync-schedule";
import {
  SYNC_PAGE_SIZE,
  claimNotificationUpdate,
  dueAxOrdersQuery,
  dueNotificationsQuery,
  fromDueAxOrderItem,
  fromNotificationItem,
  fromSyncCursorItem,
  legacyOpenOrdersQuery,
  leaveSyncUpdate,
  moveLegacyUpdate,
  moveSyncUpdate,
  pollAgainUpdate,
  syncAttributes,
  syncCursorItem,
  syncCursorKey,
  mergeSorted,
  notificationItem,
  notificationsOfOrderQuery,
  settleNotificationUpdate,
} from "./status-sync-items";

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];
type TransactUpdate = NonNullable<TransactItem["Update"]>;

/** A kept AX answer is removed when the order records it; one nothing refers to (never sent) expires. */
const ANSWER_TTL_DAYS = 30;
const MAX_TRANSACTION_ITEMS = 100;

export class DynamoStore implements OrderRepository, ProductCatalog, EventStore, CreateAnswerLog {
  constructor(
    protected readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    /** The status sync's rules: where each AX order written goes in its due index. */
    readonly syncSettings: SyncSettings = DEFAULT_SYNC_SETTINGS,
  ) {}

  /** The client this store sends with (a store with more queries shares it). */
  get documentClient(): DynamoDBDocumentClient {
    return this.doc;
  }

  // ---- webhook events -------------------------------------------------------------------------------------

  /** Stores a new event; if its webhook id is known, returns the stored one instead (no second read). */
  async putEvent(event: StoredEvent): Promise<PutEventResult> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: eventItem(event),
          ConditionExpression: "attribute_not_exists(pk)",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { created: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item) {
        return { created: false, existing: fromEventItem(unmarshall(error.Item)) };
      }
      throw error;
    }
  }

  async getEvent(webhookId: string): Promise<StoredEvent | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: eventPk(webhookId), sk: EVENT_SK },
        ConsistentRead: true,
      }),
    );
    return Item ? fromEventItem(Item) : undefined;
  }

  /**
   * Notes a passing failure of a queued event's attempt. `attempts` counts the worker's attempts since the event was
   * (re)queued: the sweeper leaves an event that a worker has tried to the queue while the queue is retrying it.
   * `deadLettered`: this was the message's last receive, so SQS moves it to the dead-letter queue; the mark is cleared
   * by the next attempt (after a redrive).
   */
  async noteAttemptFailure(webhookId: string, error: string, now: Date, deadLettered = false): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: eventPk(webhookId), sk: EVENT_SK },
          UpdateExpression:
            "SET attempts = if_not_exists(attempts, :zero) + :one, last_attempt_at = :now, last_error = :error, updated_at = :now" +
            (deadLettered ? ", dead_lettered_at = :now" : " REMOVE dead_lettered_at"),
          ConditionExpression: "#status = :queued",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":zero": 0,
            ":one": 1,
            ":now": now.toISOString(),
            ":error": error,
            ":queued": "queued",
          },
        }),
      );
    } catch (error) {
      // Settled meanwhile (another delivery applied it): nothing to note.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Puts a stored event back in the queue through the outbox: `queued` again with the next `requeue_seq`, which the
   * table's stream forwards under a deduplication id of its own. Conditional on the status the caller saw, so two
   * operators (or an operator and a worker) never requeue one event twice. Returns the event as written, or
   * undefined when its status had moved.
   */
  async requeueEvent(
    webhookId: string,
    request: { expectedStatus: EventStatus; replay: boolean; by: string },
    now: Date,
    records?: ActionRecords,
  ): Promise<StoredEvent | undefined> {
    const update = {
      TableName: this.tableName,
      Key: { pk: eventPk(webhookId), sk: EVENT_SK },
      UpdateExpression:
        "SET #status = :queued, event_state = :queued, requeue_seq = if_not_exists(requeue_seq, :zero) + :one, " +
        "replay = :replay, requeued_by = :by, attempts = :zero, updated_at = :now " +
        "REMOVE expires_at, last_attempt_at, last_error",
      ConditionExpression: "#status = :expected",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":queued": "queued",
        ":expected": request.expectedStatus,
        ":zero": 0,
        ":one": 1,
        ":replay": request.replay,
        ":by": request.by,
        ":now": now.toISOString(),
      },
    };
    try {
      if (records) {
        // With the operator's records in the same write: no requeue without its audit entry.
        await this.doc.send(
          new TransactWriteCommand({ TransactItems: [{ Update: update }, ...recordPuts(this.tableName, records)] }),
        );
        return await this.getEvent(webhookId);
      }
      const { Attributes } = await this.doc.send(new UpdateCommand({ ...update, ReturnValues: "ALL_NEW" }));
      return Attributes ? fromEventItem(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * Settles an event no order records (it never reached one) with an operator's records, in one write, if its
   * status is still the one seen: false when it moved.
   */
  async settleEventAlone(
    outcome: EventOutcomeWrite,
    expectedStatus: EventStatus,
    records: ActionRecords,
    now: Date,
  ): Promise<boolean> {
    const update = eventUpdate(this.tableName, outcome, now);
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                ...update,
                ConditionExpression: "#status = :expected",
                ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ":expected": expectedStatus },
              },
            },
            ...recordPuts(this.tableName, records),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Lines of orders' attempt logs (each its own item), 25 a request. */
  async recordAttempts(entries: readonly AttemptLogEntry[]): Promise<void> {
    await batchPut(this.doc, this.tableName, entries.map(attemptItem));
  }

  /** An order's attempt log, the newest `limit` lines, oldest first. */
  async listAttempts(orderId: string, limit: number): Promise<AttemptLogEntry[]> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": attemptLogPk(orderId) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map(({ pk: _pk, sk: _sk, ...entry }) => entry as unknown as AttemptLogEntry).reverse();
  }

  /** Queued events received before `before`, oldest first, a page at a time (the sweeper's candidates). */
  async *queuedEventsReceivedBefore(before: string): AsyncGenerator<EventSummaryRow> {
    let startKey: Item | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: INDEX_EVENTS_BY_STATE,
          KeyConditionExpression: "event_state = :s AND received_at < :before",
          ExpressionAttributeValues: { ":s": "queued", ":before": before },
          ExclusiveStartKey: startKey,
          Limit: 200,
        }),
      );
      for (const item of page.Items ?? []) yield fromEventItem(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /**
   * Marks a stranded event as swept (its `updated_at`; a fresh message is on its way, so it is no longer only in the
   * dead-letter queue), unless it moved since it was read.
   */
  async markSwept(event: Pick<EventSummaryRow, "webhook_id" | "updated_at">, now: Date): Promise<boolean> {
    // A mark of its own: when DynamoDB's answer is lost (a timeout, or the SDK's retry meeting the mark its first
    // attempt landed), the stored mark tells whether this sweeper holds the event.
    const mark = randomUUID();
    const key = { pk: eventPk(event.webhook_id), sk: EVENT_SK };
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: "SET updated_at = :now, swept_mark = :mark REMOVE dead_lettered_at",
          ConditionExpression: "#status = :queued AND updated_at = :seen",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":now": now.toISOString(),
            ":mark": mark,
            ":queued": "queued",
            ":seen": event.updated_at,
          },
        }),
      );
      return true;
    } catch (error) {
      const unconfirmed = error instanceof ConditionalCheckFailedException || unavailableOr(error, "") !== error;
      if (!unconfirmed) throw error;
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      return Item?.swept_mark === mark && Item.status === "queued";
    }
  }

  /** The events of an order, without their bodies (the index does not copy them: a third of an event's size). */
  async listEventsForOrder(orderId: string): Promise<EventSummaryRow[]> {
    const items = await this.queryAll({
      IndexName: INDEX_EVENTS_BY_ORDER,
      KeyConditionExpression: "event_order_pk = :pk",
      ExpressionAttributeValues: { ":pk": orderPk(orderId) },
    });
    return items.map(fromEventItem);
  }

  /** Events still waiting (`queued`) or parked (`failed`), oldest first, through a sparse index. */
  async listEventsByStatus(status: "queued" | "failed"): Promise<EventSummaryRow[]> {
    const items = await this.queryAll({
      IndexName: INDEX_EVENTS_BY_STATE,
      KeyConditionExpression: "event_state = :s",
      ExpressionAttributeValues: { ":s": status },
    });
    return items.map(fromEventItem);
  }

  /** Sets an event's status outside an order change (replay, parking an event whose order can't be read). */
  async setEventStatus(outcome: EventOutcomeWrite, now: Date): Promise<void> {
    await this.doc.send(new UpdateCommand(eventUpdate(this.tableName, outcome, now)));
  }

  // ---- orders ---------------------------------------------------------------------------------------------

  async load(orderId: string): Promise<OrderAggregate> {
    let items: Item[];
    try {
      items = await this.queryAll({
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": orderPk(orderId) },
        ConsistentRead: true,
      });
    } catch (error) {
      throw unavailableOr(error, `the read of order ${orderId}`);
    }
    let order: OrderRecord | undefined;
    const axOrders: AxOrderRecord[] = [];
    const answers: CreateAnswer[] = [];
    for (const item of items) {
      if (item.sk === ORDER_SK) order = fromOrderItem(item);
      else if (typeof item.sk === "string" && item.sk.startsWith(AXORDER_PREFIX))
        axOrders.push(stripKeys(item) as unknown as AxOrderRecord);
      else if (typeof item.sk === "string" && item.sk.startsWith(AXANSWER_PREFIX)) answers.push(fromAnswerItem(item));
    }
    return { order, axOrders, ...(answers.length > 0 ? { answers } : {}) };
  }

  /** Keeps AX's answer to a create: unconditional (a second write of the same answer changes nothing). */
  async recordAnswer(answer: CreateAnswer): Promise<void> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: answerItem(answer) }));
    } catch (error) {
      throw unavailableOr(error, `the write of AX's answer to attempt ${answer.attempt_id}`);
    }
  }

  async commit(change: OrderCommit): Promise<void> {
    const now = new Date(change.order.updated_at);
    const orderPut = {
      TableName: this.tableName,
      Item: orderItem(change.order),
      ...(change.expectedVersion === undefined
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : { ConditionExpression: "version = :v", ExpressionAttributeValues: { ":v": change.expectedVersion } }),
    };
    const others: TransactItem[] = [
      ...(change.axOrders ?? []).map((axOrder) => ({
        Put: { TableName: this.tableName, Item: axOrderItem(axOrder, this.syncSettings) },
      })),
      ...(change.events ?? []).map((outcome) => ({ Update: eventUpdate(this.tableName, outcome, now) })),
      ...(change.answersRecorded ?? []).map((attemptId) => ({
        Delete: { TableName: this.tableName, Key: { pk: orderPk(change.order.order_id), sk: axAnswerSk(attemptId) } },
      })),
      ...recordPuts(this.tableName, change.records),
    ];
    if (others.length + 1 > MAX_TRANSACTION_ITEMS)
      throw new Error(`one order change may touch at most ${MAX_TRANSACTION_ITEMS} items`);
    try {
      if (others.length === 0) await this.doc.send(new PutCommand(orderPut));
      else await this.doc.send(new TransactWriteCommand({ TransactItems: [{ Put: orderPut }, ...others] }));
    } catch (error) {
      throw orderWriteError(error, change.order.order_id);
    }
  }

  /** Where an AX order code is recorded: its order and item, from the `byAxOrder` index (keys only). */
  async findAxOrderCode(axOrderCode: string): Promise<{ order_id: string; item_id: string }[]> {
    const items = await this.queryAll({
      IndexName: INDEX_BY_AX_ORDER,
      KeyConditionExpression: "ax_order_code = :code",
      ExpressionAttributeValues: { ":code": axOrderCode },
    });
    return items.flatMap((item) => {
      const pk = String(item.pk);
      const sk = String(item.sk);
      if (!pk.startsWith(ORDER_PREFIX) || !sk.startsWith(AXORDER_PREFIX)) return [];
      return [{ order_id: pk.slice(ORDER_PREFIX.length), item_id: sk.slice(AXORDER_PREFIX.length) }];
    });
  }

  // ---- product mappings -----------------------------------------------------------------------------------

  async findMappings(skus: readonly string[]): Promise<Map<string, ProductMapping>> {
    const items = await this.batchGet(
      [...new Set(skus)].map((sku) => ({ pk: productPk(sku), sk: PRODUCT_SK })),
      true,
    );
    const found = new Map<string, ProductMapping>();
    for (const item of items) {
      const mapping = stripKeys(item) as unknown as ProductMapping;
      found.set(mapping.sku, mapping);
    }
    return found;
  }

  /** The items of these keys (absent ones left out), 100 keys a request, unprocessed keys asked again. */
  protected async batchGet(keys: readonly Item[], consistent = false): Promise<Item[]> {
    const found: Item[] = [];
    for (let start = 0; start < keys.length; start += 100) {
      let batch: Item[] | undefined = keys.slice(start, start + 100);
      for (let round = 0; batch && batch.length > 0 && round < 10; round++) {
        const result: BatchGetCommandOutput = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: batch, ConsistentRead: consistent } } }),
        );
        found.push(...(result.Responses?.[this.tableName] ?? []));
        batch = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }

  async putMapping(mapping: ProductMapping): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: productPk(mapping.sku), sk: PRODUCT_SK, item_kind: MAPPING_KIND, ...mapping },
      }),
    );
  }

  async deleteMapping(sku: string): Promise<boolean> {
    const { Attributes } = await this.doc.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: productPk(sku), sk: PRODUCT_SK },
        ReturnValues: "ALL_OLD",
      }),
    );
    return Attributes !== undefined;
  }

  /** Every mapping, by sku, from the sparse `mappingsBySku` index (never a scan). */
  async listMappings(): Promise<ProductMapping[]> {
    const items = await this.queryAll({
      IndexName: INDEX_MAPPINGS_BY_SKU,
      KeyConditionExpression: "item_kind = :kind",
      ExpressionAttributeValues: { ":kind": MAPPING_KIND },
    });
    return items.map((item) => stripKeys(item) as unknown as ProductMapping);
  }

  // ---- helpers --------------------------------------------------------------------------------------------

  private async queryAll(input: Omit<ConstructorParameters<typeof QueryCommand>[0], "TableName">): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  // ---- status sync and outbound notifications (issue #7; items and queries in ./status-sync-items) -----------

  /** The AX orders of a cadence with a phase in `ranges`, range by range, in phase order across its partitions. */
  dueAxOrders(cadence: SyncCadence, ranges: readonly PhaseRange[]): AsyncIterable<DueAxOrder> {
    const doc = this.doc;
    const tableName = this.tableName;
    return (async function* () {
      for (const range of ranges) {
        const pages = syncDueKeys(cadence).map((partition) => async (startKey: Item | undefined) => {
          const page = await doc.send(
            new QueryCommand({
              ...dueAxOrdersQuery(tableName, partition, range, SYNC_PAGE_SIZE),
              ExclusiveStartKey: startKey,
            }),
          );
          return { items: page.Items ?? [], next: page.LastEvaluatedKey };
        });
        for await (const item of mergeSorted(pages, (entry) => Number(entry.sync_phase)))
          yield fromDueAxOrderItem(item);
      }
    })();
  }

  async moveSync(axOrder: DueAxOrder, cadence: SyncCadence): Promise<boolean> {
    return this.conditionalUpdate(moveSyncUpdate(this.tableName, axOrder, cadence));
  }

  async leaveSync(axOrder: DueAxOrder, reason: Exclude<SyncLeaveReason, "final_status">, at: string): Promise<boolean> {
    return this.conditionalUpdate(leaveSyncUpdate(this.tableName, axOrder, { at, reason }));
  }

  /**
   * An operator's "poll again" (admin API), in one write with the audit entry and the order's log line, and
   * serialized with every other writer of the order by its version (a worker or the status sync that read the AX
   * order before would otherwise write it back without the poll again): false when the order or the AX order's
   * status or code moved since they were read (nothing written then).
   */
  async pollAgain(
    axOrder: Pick<AxOrderRecord, "order_id" | "item_id" | "ax_order_code" | "ax_order_status">,
    orderVersion: number,
    when: { at: string; until: string },
    records: ActionRecords,
  ): Promise<boolean> {
    const bump: TransactUpdate = {
      TableName: this.tableName,
      Key: { pk: orderPk(axOrder.order_id), sk: ORDER_SK },
      UpdateExpression: "SET version = :next",
      ConditionExpression: "version = :seen",
      ExpressionAttributeValues: { ":seen": orderVersion, ":next": orderVersion + 1 },
    };
    return this.updateWithRecords([pollAgainUpdate(this.tableName, axOrder, when), bump], records);
  }

  /**
   * Conditional updates and an operator's records (the audit entry, the orders' log lines) in one write: false
   * when an update's condition failed (nothing written then).
   */
  protected async updateWithRecords(updates: TransactUpdate[], records: ActionRecords): Promise<boolean> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [...updates.map((update) => ({ Update: update })), ...recordPuts(this.tableName, records)],
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Set once `openOrders` held nothing (or is gone): later runs of this container skip the look. */
  private legacySyncDone = false;

  /**
   * Moves AX orders written before the due index (still in `openOrders`) into it, 25 writes at a time. Once the
   * index is empty this is four empty queries per container; once a later release drops it, one refused query.
   */
  async moveLegacySyncItems(now: Date, canGoOn: () => boolean): Promise<{ moved: number; left: boolean }> {
    if (this.legacySyncDone) return { moved: 0, left: false };
    let moved = 0;
    for (const shard of LEGACY_OPEN_SHARDS) {
      for (;;) {
        let items: Item[];
        try {
          const query = legacyOpenOrdersQuery(this.tableName, shard, SYNC_PAGE_SIZE);
          items = (await this.doc.send(new QueryCommand(query))).Items ?? [];
        } catch (error) {
          // The index was dropped: nothing was written before the due index any more.
          if (error instanceof Error && error.name === "ValidationException" && /index/i.test(error.message)) {
            this.legacySyncDone = true;
            return { moved, left: false };
          }
          throw error;
        }
        if (items.length === 0) break;
        if (!canGoOn()) return { moved, left: true };
        for (let start = 0; start < items.length; start += 25) {
          const results = await Promise.all(
            items
              .slice(start, start + 25)
              .map((item) =>
                this.conditionalUpdate(
                  moveLegacyUpdate(this.tableName, stripKeys(item) as unknown as AxOrderRecord, now, this.syncSettings),
                ),
              ),
          );
          moved += results.filter(Boolean).length;
        }
      }
    }
    this.legacySyncDone = true;
    return { moved, left: false };
  }

  private async conditionalUpdate(input: UpdateCommandInput): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand(input));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async loadSyncCursor(): Promise<SyncCursor | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: syncCursorKey() }));
    return Item ? fromSyncCursorItem(Item) : undefined;
  }

  async saveSyncCursor(cursor: SyncCursor): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: syncCursorItem(cursor) }));
  }

  /** Like `commit`, with the notifications (the outbox) in the same transaction. */
  async commitStatusChange(change: OrderCommit, notifications: readonly NotificationRecord[]): Promise<void> {
    if (change.expectedVersion === undefined) throw new Error("a status change is made to an existing order");
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: orderItem(change.order),
          ConditionExpression: "version = :v",
          ExpressionAttributeValues: { ":v": change.expectedVersion },
        },
      },
      ...(change.axOrders ?? []).map((axOrder) => ({
        Put: { TableName: this.tableName, Item: axOrderItem(axOrder, this.syncSettings) },
      })),
      ...notifications.map((notification) => ({
        Put: {
          TableName: this.tableName,
          Item: notificationItem(notification),
          ConditionExpression: "attribute_not_exists(pk)",
        },
      })),
    ];
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      throw orderWriteError(error, change.order.order_id);
    }
  }

  /** Pending notifications due at `now`, oldest first, through the sparse `outbox` index. */
  async *dueNotifications(now: string): AsyncGenerator<NotificationRecord> {
    let startKey: Item | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          ...dueNotificationsQuery(this.tableName, now, SYNC_PAGE_SIZE),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) yield fromNotificationItem(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async claimNotification(notification: NotificationRecord, claim: NotificationClaim): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand(claimNotificationUpdate(this.tableName, notification, claim)));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async settleNotification(
    notification: NotificationRecord,
    attempts: number,
    outcome: NotificationSettlement,
  ): Promise<void> {
    try {
      await this.doc.send(new UpdateCommand(settleNotificationUpdate(this.tableName, notification, attempts, outcome)));
    } catch (error) {
      // A later attempt took it over (this one outlived its backoff): that attempt records the outcome.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** An order's notifications, oldest first (the read API). */
  async listNotificationsForOrder(orderId: string): Promise<NotificationRecord[]> {
    const items = await this.queryAll(notificationsOfOrderQuery(this.tableName, orderId));
    return items.map(fromNotificationItem).sort((a, b) => a.created_at.localeCompare(b.created_at));
  }
}

/** Transaction cancellations that changed nothing and may pass: another transaction on an item, a throttle. */
const PASSING_CANCELLATIONS = new Set([
  "TransactionConflict",
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
  "RequestLimitExceeded",
]);

/**
 * What a failed order write means for the core: the version moved (ConcurrentUpdateError: the order's condition,
 * always the transaction's first item, failed), or DynamoDB did not confirm it (StoreUnavailableError: a conflicting
 * transaction, a throttle, a 5xx, a timeout; the write may have landed), or a bug (as it is).
 */
/** A transaction refused because one of its conditions failed (the change's own, or a new item's). */
export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === "ConditionalCheckFailed")
  );
}

function orderWriteError(error: unknown, orderId: string): unknown {
  if (error instanceof ConditionalCheckFailedException) return new ConcurrentUpdateError(orderId);
  if (error instanceof TransactionCanceledException) {
    const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? "None");
    if (codes[0] === "ConditionalCheckFailed") return new ConcurrentUpdateError(orderId);
    if (codes.some((code) => PASSING_CANCELLATIONS.has(code)))
      return new StoreUnavailableError(`the write of order ${orderId}`, error);
    return error;
  }
  return unavailableOr(error, `the write of order ${orderId}`);
}

/** A throttle, a 5xx, a timeout or a dropped connection becomes StoreUnavailableError; anything else stays. */
function unavailableOr(error: unknown, what: string): unknown {
  if (!(error instanceof Error)) return error;
  const sdkError = error as Parameters<typeof isThrottlingError>[0];
  if (isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError))
    return new StoreUnavailableError(what, error);
  return error;
}

function answerItem(answer: CreateAnswer): Item {
  const { ax_orders: axOrders, ...rest } = answer;
  return {
    pk: orderPk(answer.order_id),
    sk: axAnswerSk(answer.attempt_id),
    ...rest,
    // Compressed: 50 items of 100 tickets each would not fit an item otherwise.
    ...(axOrders ? { ax_orders_gz: gzipSync(JSON.stringify(axOrders)) } : {}),
    expires_at: Math.floor(Date.parse(answer.answered_at) / 1000) + ANSWER_TTL_DAYS * 86_400,
  };
}

function fromAnswerItem(item: Item): CreateAnswer {
  const { pk: _pk, sk: _sk, expires_at: _e, ax_orders_gz: compressed, ...rest } = item;
  const axOrders =
    compressed instanceof Uint8Array
      ? (JSON.parse(gunzipSync(compressed).toString("utf8")) as AxOrderRecord[])
      : undefined;
  return { ...(rest as unknown as CreateAnswer), ...(axOrders ? { ax_orders: axOrders } : {}) };
}

export function eventItem(event: StoredEvent): Item {
  return {
    pk: eventPk(event.webhook_id),
    sk: EVENT_SK,
    event_order_pk: orderPk(event.order_id),
    ...indexedState(event.status),
    ...event,
  };
}

export function fromEventItem(item: Item): StoredEvent {
  const { pk: _pk, sk: _sk, event_order_pk: _o, event_state: _s, expires_at: _e, swept_mark: _m, ...rest } = item;
  return rest as unknown as StoredEvent;
}

/** Only waiting and parked events are in the sparse `eventsByState` index. */
function indexedState(status: EventStatus): Item {
  return status === "queued" || status === "failed" ? { event_state: status } : {};
}

function eventUpdate(tableName: string, outcome: EventOutcomeWrite, now: Date) {
  const settled = outcome.status === "applied" || outcome.status === "ignored";
  const sets = ["#status = :status", "updated_at = :now"];
  const removes: string[] = [];
  const values: Item = { ":status": outcome.status, ":now": now.toISOString(), ":zero": 0 };
  if (outcome.requeue) {
    // Back in the queue in this very write: the stream forwards it under a new deduplication id.
    sets.push("requeue_seq = if_not_exists(requeue_seq, :zero) + :one", "attempts = :zero");
    sets.push("replay = :replay", "requeued_by = :by");
    removes.push("last_attempt_at", "last_error", "dead_lettered_at");
    values[":one"] = 1;
    values[":replay"] = outcome.requeue.replay;
    values[":by"] = outcome.requeue.by;
  } else {
    sets.push("attempts = if_not_exists(attempts, :zero) + :one");
    values[":one"] = 1;
  }
  for (const field of ["reason", "detail"] as const) {
    const value = outcome[field];
    if (value === undefined) removes.push(field);
    else {
      sets.push(`${field} = :${field}`);
      values[`:${field}`] = value;
    }
  }
  if (settled) {
    removes.push("event_state");
    sets.push("expires_at = :ttl");
    values[":ttl"] = Math.floor(now.getTime() / 1000) + SETTLED_EVENT_TTL_DAYS * 86_400;
  } else {
    sets.push("event_state = :status");
    removes.push("expires_at");
  }
  return {
    TableName: tableName,
    Key: { pk: eventPk(outcome.webhook_id), sk: EVENT_SK },
    UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: values,
  };
}

export function axOrderItem(axOrder: AxOrderRecord, settings: SyncSettings): Item {
  const { sync_left: _left, ...record } = axOrder;
  return {
    pk: orderPk(axOrder.order_id),
    sk: axOrderSk(axOrder.item_id),
    ...record,
    // The sparse `syncDue` index holds only the AX orders a status may still come for (what the status sync polls),
    // by cadence and phase; one that left holds when and why.
    ...syncAttributes(axOrder, settings),
  };
}

export function stripKeys(item: Item): Item {
  const {
    pk: _pk,
    sk: _sk,
    open_shard: _o,
    next_sync_at: _n,
    sync_due: _due,
    sync_phase: _phase,
    item_kind: _k,
    order_month: _m,
    order_status_key: _s,
    order_id_head: _h,
    ...rest
  } = item;
  return rest;
}

/**
 * The ORDER item: its keys; the operators' order indexes' keys (month, status, id head) and what they project that
 * never changes once the order exists (order_id, created_at, currency, total); the version every write is conditional
 * on; and the order record itself in `record`, which no index projects. A write of the order then touches an operator
 * index only when one of that index's keys changes (a new order; a status change: `ordersByStatus`), not at every
 * `updated_at` or create call as when the record's fields were the item's own (items written so still read as
 * they are, and take this layout at their next write).
 */
function orderItem(order: OrderRecord): Item {
  return {
    pk: orderPk(order.order_id),
    sk: ORDER_SK,
    order_id: order.order_id,
    created_at: order.created_at,
    ...(order.currency !== undefined ? { currency: order.currency } : {}),
    ...(order.total !== undefined ? { total: order.total } : {}),
    version: order.version,
    ...orderIndexAttributes(order),
    record: order,
  };
}

export function fromOrderItem(item: Item): OrderRecord {
  // The top-level `version` is the one every write's condition reads: a write that only moves it (an operator's poll
  // again, serialized with the order's other writers) leaves the record's copy behind.
  if (item.record && typeof item.record === "object")
    return {
      ...(item.record as OrderRecord),
      ...(typeof item.version === "number" ? { version: item.version } : {}),
    };
  return stripKeys(item) as unknown as OrderRecord;
}
