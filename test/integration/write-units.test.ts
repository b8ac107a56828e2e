// What an order costs in DynamoDB writes, counted: each write of a placement, a status change read from AX and a
// ticket cancellation, with the units each index takes (DynamoDB Local reports them for single writes; the writes of
// a transaction are replayed one by one on a shadow table to get them). The operators' order indexes are written
// only when one of their keys changes: a new order, a new status.
import { randomUUID } from "node:crypto";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProcessEventHandler, workerDeps } from "../../functions/process-event";
import { createSyncStatusesHandler, syncRunDeps } from "../../functions/sync-statuses";
import { readConfig } from "../../lib/config";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { startAxSandbox, type AxSandbox } from "../../local/ax-sandbox/server";
import { createTable } from "../../local/dynamodb/table";
import {
  countedDynamoClient,
  DynamoCounter,
  replayTransactions,
  type TransactionReplay,
} from "../../scripts/bench/sdk-boundary";
import { oneFamilyOrder } from "../../scripts/bench/worker";
import { freshTable, type TestTable } from "../support/dynamodb";
import { sqsEvent, storeEvent } from "../support/worker";

const OPERATOR_INDEXES = ["ordersByMonth", "ordersByStatus", "ordersById"] as const;

describe("DynamoDB writes per order", () => {
  let table: TestTable;
  let sandbox: AxSandbox;
  let plain: DynamoStore;
  let counted: DynamoStore;
  const counter = new DynamoCounter();
  const replays: TransactionReplay[] = [];
  let stopReplaying: () => void;

  beforeAll(async () => {
    table = await freshTable();
    const shadow = `shadow-${randomUUID()}`;
    await createTable(table.client, shadow);
    sandbox = await startAxSandbox({ port: 0 });
    plain = new DynamoStore(table.doc, table.tableName);
    const client = countedDynamoClient(table.endpoint, counter);
    stopReplaying = replayTransactions(client, table.endpoint, shadow, (replay) => replays.push(replay));
    counted = new DynamoStore(
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      table.tableName,
    );
  });
  afterAll(async () => {
    stopReplaying();
    await sandbox.stop();
  });

  const config = () =>
    readConfig({
      TABLE_NAME: table.tableName,
      AX_BASE_URL: sandbox.url,
      AX_API_KEY: sandbox.apiKey,
      AX_CHANNEL_CODE: sandbox.channelCode,
    });

  /** The units each index took while `work` ran: single writes as reported, transactions' writes as replayed. */
  const measure = async (work: () => Promise<unknown>) => {
    counter.reset();
    replays.length = 0;
    await work();
    const units: Record<string, number> = Object.fromEntries(counter.byIndex);
    for (const replay of replays)
      for (const [index, used] of Object.entries(replay.byIndex)) units[index] = (units[index] ?? 0) + used;
    return { units, operator: Object.fromEntries(OPERATOR_INDEXES.map((index) => [index, units[index] ?? 0])) };
  };

  it("writes the operator indexes at a new order and at each new status, never for other writes", async () => {
    const orderId = `CH-${randomUUID().slice(0, 6)}`;
    const worker = createProcessEventHandler(workerDeps(config(), counted));
    const message = await storeEvent(plain, oneFamilyOrder(orderId));

    // The placement: the ORDER item created (pending: its three index entries), then placed (a new status: the
    // status index moves the entry, one delete and one put; the month and id indexes are not touched).
    const placement = await measure(() => worker(sqsEvent(message)));
    expect((await plain.load(orderId)).order?.status).toBe("placed");
    expect(placement.operator).toEqual({ ordersByMonth: 1, ordersByStatus: 3, ordersById: 1 });

    // The supplier confirms in AX: the sync rewrites the ORDER item (version, time) and the AX order; the order is
    // still `placed`, so no operator index is written.
    const [axOrder] = (await plain.load(orderId)).axOrders;
    sandbox.setOrderStatus(axOrder?.ax_order_code ?? "", "Supplier confirm");
    const sync = createSyncStatusesHandler(syncRunDeps(config(), counted));
    const versionBefore = (await plain.load(orderId)).order?.version ?? 0;
    const confirmation = await measure(() => sync());
    const confirmed = await plain.load(orderId);
    expect(confirmed.axOrders[0]?.ax_order_status).toBe("Supplier confirm");
    expect(confirmed.order?.version).toBe(versionBefore + 1);
    expect(confirmation.operator).toEqual({ ordersByMonth: 0, ordersByStatus: 0, ordersById: 0 });

    // A ticket cancelled: a new status (partially_cancelled), the status index only.
    const ticketId = axOrder?.tickets[0]?.ticket_id ?? "";
    const cancel = await storeEvent(plain, {
      type: "order.cancelled",
      data: { order_id: orderId, ticket_ids: [ticketId] },
    } as { type: string; data: { order_id: string } });
    const cancellation = await measure(() => worker(sqsEvent(cancel)));
    expect((await plain.load(orderId)).order?.status).toBe("partially_cancelled");
    expect(cancellation.operator).toEqual({ ordersByMonth: 0, ordersByStatus: 2, ordersById: 0 });
  });
});
