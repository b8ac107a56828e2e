// The status sync's cost: orders placed by the real worker into a fresh table of DynamoDB Local (the sample's two
// families: two open AX orders each), then sync runs as the Lambda makes them (functions/sync-statuses.ts), through a
// DynamoDB client that counts every request and the capacity it consumes. Also: the ORDER and AX order items' sizes,
// what the former design's write per unchanged poll cost, and how many AX orders one run polls when AX takes 200 ms.
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { createProcessEventHandler, workerDeps } from "../../functions/process-event";
import { createSyncStatusesHandler, syncRunDeps } from "../../functions/sync-statuses";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { axOrderSk, ORDER_SK, orderPk } from "../../lib/store/keys";
import { startAxSandbox } from "../../local/ax-sandbox/server";
import { localClientConfig } from "../../local/dynamodb/emulator";
import { createTable } from "../../local/dynamodb/table";
import { sampleOrderPlaced } from "../../local/samples";
import { sqsEvent, storeEvent } from "../../test/support/worker";
import { itemBytes } from "./item-size";
import { runClosedLoop } from "./load";
import { countedDynamoClient, DynamoCounter } from "./sdk-boundary";
import { benchConfig, channelOrderId, oneFamilyOrder } from "./worker";

export interface SyncSettings {
  /** Two-family orders placed: twice as many open AX orders. */
  orders: number;
  /** Unchanged runs counted. */
  unchangedRuns: number;
  /** The budget of the run timed against AX answering in 200 ms (scaled up to the Lambda's budget). */
  coverageBudgetMs: number;
  /** A concurrency that would poll a stage of 10,000 open AX orders in one run (tried too). */
  wideConcurrency: number;
}

export interface ItemSizes {
  /** DynamoDB item size (bytes) of the ORDER item once placed, and of each AX order item, mean and largest. */
  orderOneFamily: { mean: number; max: number };
  orderTwoFamilies: { mean: number; max: number };
  /** A two-family order after one of its tickets was cancelled (one more event recorded). */
  orderAfterTicketCancel: { mean: number; max: number };
  axOrder: { mean: number; max: number };
}

export interface SyncResult {
  settings: SyncSettings;
  openAxOrders: number;
  sizes: ItemSizes;
  /** Per unchanged run (mean): requests, read and write units as DynamoDB Local counts them, AX orders polled. */
  unchangedRun: { polled: number; requests: number; rcu: number; wcu: number; byCommand: Record<string, number> };
  /** The former design's rewrite of `next_sync_at` after an unchanged poll: one UpdateItem, its write units. */
  formerDeferralWcu: number;
  coverage: {
    latencyMs: number;
    concurrency: number;
    budgetMs: number;
    polled: number;
    lambdaBudgetMs: number;
    /** The same at `wideConcurrency`, for as long as the AX orders here last. */
    wide: { concurrency: number; budgetMs: number; polled: number };
  };
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

export async function benchSync(
  endpoint: string,
  settings: SyncSettings,
  log: (line: string) => void,
): Promise<SyncResult> {
  const tableName = `bench-sync-${randomUUID().slice(0, 8)}`;
  const plainClient = new DynamoDBClient(localClientConfig(endpoint));
  await createTable(plainClient, tableName);
  const plainDoc = DynamoDBDocumentClient.from(plainClient, { marshallOptions: { removeUndefinedValues: true } });
  const plainStore = new DynamoStore(plainDoc, tableName);
  const counter = new DynamoCounter();
  const countedClient = countedDynamoClient(endpoint, counter);
  const countedDoc = DynamoDBDocumentClient.from(countedClient, { marshallOptions: { removeUndefinedValues: true } });
  const countedStore = new DynamoStore(countedDoc, tableName);
  const sandbox = await startAxSandbox({ port: 0 });
  try {
    const config = benchConfig(tableName, sandbox);
    const worker = createProcessEventHandler(workerDeps(config, plainStore));
    const apply = async (payload: { type: string; data: { order_id: string; ticket_ids?: string[] } }) => {
      const answer = await worker(sqsEvent(await storeEvent(plainStore, payload)));
      if (answer.batchItemFailures.length > 0) throw new Error(`${payload.type} ${payload.data.order_id} failed`);
      return payload.data.order_id;
    };
    const place = apply;
    log(`sync: placing ${settings.orders} two-family orders`);
    const twoFamilies: string[] = [];
    await runClosedLoop(settings.orders, 4, async () => {
      twoFamilies.push(await place(sampleOrderPlaced(channelOrderId())));
    });
    const oneFamily: string[] = [];
    for (let i = 0; i < 10; i++) oneFamily.push(await place(oneFamilyOrder(channelOrderId())));

    const rawItem = async (pk: string, sk: string) =>
      (await plainDoc.send(new GetCommand({ TableName: tableName, Key: { pk, sk } }))).Item ?? {};
    const sizesOf = async (orderIds: string[]) => {
      const sizes = [];
      for (const orderId of orderIds.slice(0, 20)) sizes.push(itemBytes(await rawItem(orderPk(orderId), ORDER_SK)));
      return { mean: mean(sizes), max: Math.max(...sizes) };
    };
    const cancelled: string[] = [];
    for (let i = 0; i < 10; i++) {
      const orderId = await place(sampleOrderPlaced(channelOrderId()));
      cancelled.push(
        await apply({ type: "order.cancelled", data: { order_id: orderId, ticket_ids: [`${orderId}-1-2`] } }),
      );
    }
    const axSizes = [];
    for (const orderId of twoFamilies.slice(0, 20))
      for (const item of [`${orderId}-1`, `${orderId}-2`])
        axSizes.push(itemBytes(await rawItem(orderPk(orderId), axOrderSk(item))));
    const sizes: ItemSizes = {
      orderOneFamily: await sizesOf(oneFamily),
      orderTwoFamilies: await sizesOf(twoFamilies),
      orderAfterTicketCancel: await sizesOf(cancelled),
      axOrder: { mean: mean(axSizes), max: Math.max(...axSizes) },
    };

    // What the former design wrote after each unchanged poll: `next_sync_at` of the AX order moved (counted once).
    const sample = twoFamilies[0] ?? "";
    counter.reset();
    await countedDoc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: orderPk(sample), sk: axOrderSk(`${sample}-1`) },
        UpdateExpression: "SET next_sync_at = :next",
        ExpressionAttributeValues: { ":next": new Date().toISOString() },
      }),
    );
    const formerDeferralWcu = counter.totals().wcu;

    const run = (options: { concurrency?: number; budgetMs?: number } = {}) => {
      const deps = syncRunDeps(config, countedStore);
      return createSyncStatusesHandler({
        ...deps,
        sync: { ...deps.sync, concurrency: options.concurrency ?? deps.sync.concurrency },
        budgetMs: options.budgetMs ?? deps.budgetMs,
        reserveMs: 0,
        deliver: undefined,
      })();
    };
    const openAxOrders = settings.orders * 2 + oneFamily.length + cancelled.length * 2;
    log(`sync: first run over ${openAxOrders} open AX orders`);
    await run();
    counter.reset();
    const polled: number[] = [];
    for (let i = 0; i < settings.unchangedRuns; i++) polled.push((await run()).sync.polled);
    const totals = counter.totals();
    const runs = settings.unchangedRuns;
    const unchangedRun = {
      polled: mean(polled),
      requests: totals.requests / runs,
      rcu: totals.rcu / runs,
      wcu: totals.wcu / runs,
      byCommand: Object.fromEntries([...counter.byCommand].map(([command, count]) => [command, count.requests / runs])),
    };
    log(`sync: unchanged run: ${unchangedRun.rcu.toFixed(1)} RCU, ${unchangedRun.wcu.toFixed(1)} WCU`);

    const latencyMs = 200;
    sandbox.injectFault({ endpoint: "confirmation", kind: "latency", latencyMs });
    const concurrency = config.syncConcurrency;
    const coverage = await run({ concurrency, budgetMs: settings.coverageBudgetMs });
    log(`sync: ${coverage.sync.polled} polled in a ${settings.coverageBudgetMs} ms budget at ${latencyMs} ms per call`);
    // The concurrency that covers a stage of 10,000 in the Lambda's budget, tried on what is here.
    const wideConcurrency = settings.wideConcurrency;
    const wideBudgetMs = Math.floor((openAxOrders * 0.9 * latencyMs) / wideConcurrency);
    const wide = await run({ concurrency: wideConcurrency, budgetMs: wideBudgetMs });
    log(`sync: ${wide.sync.polled} polled in ${wideBudgetMs} ms at concurrency ${wideConcurrency}`);
    return {
      settings,
      openAxOrders,
      sizes,
      unchangedRun,
      formerDeferralWcu,
      coverage: {
        latencyMs,
        concurrency,
        budgetMs: settings.coverageBudgetMs,
        polled: coverage.sync.polled,
        lambdaBudgetMs: config.syncBudgetMs,
        wide: { concurrency: wideConcurrency, budgetMs: wideBudgetMs, polled: wide.sync.polled },
      },
    };
  } finally {
    sandbox.clearFaults();
    countedClient.destroy();
    plainClient.destroy();
    await sandbox.stop();
  }
}
