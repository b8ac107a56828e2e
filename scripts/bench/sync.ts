// The status sync at scale: 10,000 and 100,000 open AX orders written into a fresh table of DynamoDB Local as the
// store writes them (the due index's keys included) and into the AX sandbox (its journal, read at start), in the
// shares the cost model's year of orders has in steady state (cost.ts), then sync runs as the Lambda makes them
// (functions/sync-statuses.ts) five minutes apart on a virtual clock: what each run reads (index entries returned),
// polls, writes, and logs (the Lambda's logger at INFO and its EMF lines, captured). Also: the writes of one status
// change (a placed order confirmed in AX, its notification delivered), and the ORDER and AX order items' sizes.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import middy from "@middy/core";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { createProcessEventHandler, workerDeps } from "../../functions/process-event";
import {
  createSyncStatusesHandler,
  emfSyncMetrics,
  syncRunDeps,
  type SyncRunReport,
} from "../../functions/sync-statuses";
import { readConfig, type AdapterConfig } from "../../lib/config";
import { logger } from "../../lib/observability/logger";
import { emfMetrics, SERVICE_NAME } from "../../lib/observability/metrics";
import type { AxOrderRecord } from "../../lib/orders/model";
import type { Clock } from "../../lib/orders/ports";
import { DEFAULT_SYNC_SETTINGS, DAY_MS, syncPlace, type SyncCadence } from "../../lib/orders/sync-schedule";
import { axOrderItem, DynamoStore } from "../../lib/store/dynamo-store";
import { syncCursorItem } from "../../lib/store/status-sync-items";
import { axOrderSk, ORDER_SK, orderPk } from "../../lib/store/keys";
import { startAxSandbox } from "../../local/ax-sandbox/server";
import { localClientConfig } from "../../local/dynamodb/emulator";
import { createTable, tableDefinition } from "../../local/dynamodb/table";
import { NO_STREAM } from "./load";
import { sampleOrderPlaced } from "../../local/samples";
import { RECEIVER_SECRET, startReceiver } from "../../test/support/receiver";
import { sqsEvent, storeEvent } from "../../test/support/worker";
import { steadyPopulation, type OrderModel } from "./cost";
import { indexShapes, itemBytes, meanShare, shareDifference, storageShare, type StorageShare } from "./item-size";
import { captureLogs, lambdaContext } from "./logs";
import { runClosedLoop } from "./load";
import { countedDynamoClient, DynamoCounter, replayTransactions, type TransactionReplay } from "./sdk-boundary";
import { benchConfig, channelOrderId, oneFamilyOrder } from "./worker";

export interface SyncSettings {
  /** The stage sizes measured (open AX orders). */
  sizes: number[];
  /** Runs measured at each size, five minutes apart. */
  runs: number;
}

export interface ItemSizes {
  /** DynamoDB item size (bytes) of the ORDER item once placed, and of each AX order item, mean and largest. */
  orderOneFamily: { mean: number; max: number };
  orderTwoFamilies: { mean: number; max: number };
  /** A two-family order after one of its tickets was cancelled (one more event recorded). */
  orderAfterTicketCancel: { mean: number; max: number };
  axOrder: { mean: number; max: number };
  /** The stored event of an `order.placed` (its raw body included). */
  placedEvent: { mean: number; max: number };
}

/**
 * The table's storage an order takes, measured from every item the adapter wrote for it (its ORDER and AX order
 * items, stored events, attempt log, search entries, notifications…) and their index entries, split into what is kept
 * for good and what its TTL removes after so many days.
 */
export interface OrderStorage {
  /** A placed order of one product family (one AX order, two tickets). */
  placement: StorageShare;
  /** The same by kind of item (`ORDER`, `AXORDER`, `EVENT`, `LOG`, `FIND#email`, …). */
  placementByKind: Record<string, StorageShare>;
  /** What one ticket cancellation adds (a two-family order cancelled against the same order not cancelled). */
  cancellation: StorageShare;
  /** What one status change read from AX adds (its history entry, its notification once delivered, its log). */
  change: StorageShare;
}

/** One sync run, measured. */
export interface SyncRunFigures {
  /** Index entries DynamoDB returned (Query items) and the read units of the queries, as DynamoDB Local counts them. */
  itemsRead: number;
  queries: number;
  rcu: number;
  polled: number;
  /** Write requests and units (the cursor, the AX orders that moved or left). */
  writes: number;
  wcu: number;
  moved: number;
  left: number;
  /** Bytes the run wrote to its log (one JSON line, its EMF lines), and how many lines. */
  logBytes: number;
  logLines: number;
  wallMs: number;
}

export interface SyncScale {
  openAxOrders: number;
  /** How many AX orders of each cadence the stage held. */
  byCadence: Record<SyncCadence, number>;
  /** What the runs were expected to find due (every run's, and a five-minute window of the others). */
  expectedDue: number;
  runs: SyncRunFigures[];
  /** Seconds to write the stage (table and sandbox). */
  seedSeconds: number;
}

export interface SyncResult {
  settings: SyncSettings;
  scales: SyncScale[];
  sizes: ItemSizes;
  storage: OrderStorage;
  /** A status change read from AX (Supplier confirm): its transaction's write units by DynamoDB's rule, its
   *  notification's delivery (claim and settle), and the log line. */
  change: { wcu: number; wcuIndexesTransactional: number; deliveryWcu: number; logBytes: number };
  /** Write units of the sync's own writes: an AX order moved to another cadence, and one that left the sync. */
  moveWcu: number;
  leaveWcu: number;
  /** A run that finds nothing due: its queries' read units, its cursor write and its log. */
  idleRun: SyncRunFigures;
}

/** `ORDER`, `AXORDER`, `NOTIFY` (an order's own items, by sort key), `EVENT`, `LOG`, `FIND#email` (by key). */
const itemKind = (item: Record<string, unknown>) => {
  const [prefix, second] = String(item.pk).split("#");
  if (prefix === "ORDER") return String(item.sk).split("#")[0] ?? "ORDER";
  return prefix === "FIND" ? `FIND#${second ?? ""}` : (prefix ?? "");
};

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
const FIVE_MINUTES = 5 * 60_000;

/** What the run logs (stdout and stderr, the logger at INFO): its bytes and lines. */
async function captureLog<T>(work: () => Promise<T>): Promise<{ result: T; bytes: number; lines: number }> {
  const { result, bytes, lines } = await captureLogs(work);
  return { result, bytes, lines: lines.length };
}

/**
 * The Lambda's run: its handler with EMF metrics and the logger's middleware as functions/sync-statuses.ts builds
 * them (so its lines carry the invocation's keys, as in CloudWatch), on a given clock.
 */
function lambdaRun(config: AdapterConfig, store: DynamoStore, clock: Clock): () => Promise<SyncRunReport> {
  const metrics = () => new Metrics({ namespace: "AxChannelAdapter/bench", serviceName: SERVICE_NAME });
  const calls = emfMetrics(metrics(), { batched: true });
  const deps = syncRunDeps(config, store, (info) => {
    calls.axCalled(info);
  });
  const run = createSyncStatusesHandler(
    {
      ...deps,
      sync: { ...deps.sync, clock },
      deliver: deps.deliver ? { ...deps.deliver, clock } : undefined,
      reserveMs: 0,
    },
    emfSyncMetrics(metrics(), calls),
  );
  const handler = middy<unknown, SyncRunReport>()
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .handler((event, context) => run(event, context));
  return () => handler({}, lambdaContext("syncStatuses", 120_000));
}

interface Seed {
  record: AxOrderRecord;
  status: string;
}

/** A stage of `count` open AX orders in the model's steady-state shares, as of `now`. */
function population(count: number, now: number, model: OrderModel): Seed[] {
  const shares = steadyPopulation(model).shares;
  const seeds: Seed[] = [];
  const pick = (low: number, high: number) => low + Math.random() * (high - low);
  const day = DAY_MS;
  const kinds = Object.entries(shares) as [keyof typeof shares, number][];
  let placed = 0;
  for (const [index, [kind, share]] of kinds.entries()) {
    // Each state's share, rounded; the last takes what rounding left, so that the stage holds exactly `count`.
    const n = index === kinds.length - 1 ? count - placed : Math.round(count * share);
    placed += n;
    for (let i = 0; i < n; i++) {
      let status = "Supplier confirm";
      let created = now - pick(0, 20) * day;
      let use = now + pick(3, model.leadDays[1]) * day;
      if (kind === "undecidedNew") {
        status = "New";
        created = now - pick(0, 0.99) * day;
        use = created + pick(model.leadDays[0], model.leadDays[1]) * day;
      } else if (kind === "undecidedOld") {
        status = "Supplier pending";
        created = now - pick(1.01, 30) * day;
        use = now + pick(0, model.leadDays[1] - 1) * day;
      } else if (kind === "confirmedNear") use = now + pick(0.01, 1.99) * day;
      else if (kind === "afterUse") use = now - pick(0, 2.99) * day;
      const code = randomUUID();
      const orderId = `SC-${code.slice(0, 13)}`;
      seeds.push({
        status,
        record: {
          order_id: orderId,
          item_id: `${orderId}-1`,
          product_type: "tour",
          mapping_code: "bench-mapping",
          option_code: "bench-option",
          inventory_at: new Date(use).toISOString(),
          quantity: 1,
          ax_order_code: code,
          ax_order_status: status,
          tickets: [{ ticket_id: `${orderId}-1-1`, ax_ticket_code: randomUUID(), ax_ticket_status: "New" }],
          history: [],
          created_at: new Date(created).toISOString(),
          updated_at: new Date(Math.min(now, created + 2 * 3_600_000)).toISOString(),
        },
      });
    }
  }
  return seeds;
}

export async function benchSync(
  endpoint: string,
  settings: SyncSettings,
  model: OrderModel,
  log: (line: string) => void,
): Promise<SyncResult> {
  const scales: SyncScale[] = [];
  for (const size of settings.sizes) scales.push(await benchScale(endpoint, size, settings.runs, model, log));
  const rest = await benchChangeAndItems(endpoint, log);
  return { settings, scales, ...rest };
}

async function benchScale(
  endpoint: string,
  size: number,
  runs: number,
  model: OrderModel,
  log: (line: string) => void,
): Promise<SyncScale> {
  const tableName = `bench-sync-${randomUUID().slice(0, 8)}`;
  const plainClient = new DynamoDBClient(localClientConfig(endpoint));
  await createTable(plainClient, tableName, NO_STREAM);
  const plainDoc = DynamoDBDocumentClient.from(plainClient, { marshallOptions: { removeUndefinedValues: true } });
  const now = Date.now();
  const seeds = population(size, now, model);
  const byCadence: Record<SyncCadence, number> = { every_run: 0, hourly: 0, daily: 0 };
  for (const seed of seeds) {
    const place = syncPlace(seed.record, now, DEFAULT_SYNC_SETTINGS);
    if ("cadence" in place) byCadence[place.cadence]++;
  }
  // What a run five minutes after the last finds due: every `every_run` one, and a window of each other cadence.
  const expectedDue =
    byCadence.every_run +
    (byCadence.hourly * FIVE_MINUTES) / DEFAULT_SYNC_SETTINGS.confirmedIntervalMs +
    (byCadence.daily * FIVE_MINUTES) / DAY_MS;

  log(`sync: writing ${size.toLocaleString("en-US")} open AX orders (table and sandbox)`);
  const seeding = performance.now();
  const dir = mkdtempSync(path.join(tmpdir(), "bench-sandbox-"));
  const journal = path.join(dir, "sandbox.jsonl");
  writeFileSync(
    journal,
    seeds
      .map(({ record, status }) =>
        JSON.stringify({
          order: {
            type: "tour",
            axOrderCode: record.ax_order_code,
            channelOrderCode: record.order_id,
            channelOrderStatus: "New",
            status,
            comment: "",
            optionIndex: 0,
            optionCode: record.option_code,
            inventoryAt: record.inventory_at,
            quantity: 1,
            tickets: [
              {
                axTicketCode: record.tickets[0]?.ax_ticket_code,
                channelCode: record.tickets[0]?.ticket_id,
                status: "New",
              },
            ],
            createdAt: record.created_at,
            request: {},
          },
        }),
      )
      .join("\n") + "\n",
  );
  // Each AX order where the sync has put it by now (its index keys placed as of now, as the runs before moved it),
  // its record as last written.
  const nowIso = new Date(now).toISOString();
  const items = seeds.map(({ record }) => ({
    ...axOrderItem({ ...record, updated_at: nowIso }, DEFAULT_SYNC_SETTINGS),
    updated_at: record.updated_at,
  }));
  const batches: Record<string, unknown>[][] = [];
  for (let start = 0; start < items.length; start += 25) batches.push(items.slice(start, start + 25));
  await runClosedLoop(batches.length, 8, async (index) => {
    let pending = (batches[index] ?? []).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const { UnprocessedItems } = await plainDoc.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = (UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  });
  // Where the last run left the sync in steady state: its windows closed now.
  await plainDoc.send(
    new PutCommand({
      TableName: tableName,
      Item: syncCursorItem({
        hourly: { through: nowIso },
        daily: { through: nowIso },
      }),
    }),
  );
  const sandbox = await startAxSandbox({ port: 0, dataFile: journal });
  const seedSeconds = (performance.now() - seeding) / 1000;

  const counter = new DynamoCounter();
  const countedClient = countedDynamoClient(endpoint, counter);
  const store = new DynamoStore(
    DynamoDBDocumentClient.from(countedClient, { marshallOptions: { removeUndefinedValues: true } }),
    tableName,
  );
  const config = benchConfig(tableName, sandbox);
  const figures: SyncRunFigures[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      counter.reset();
      const started = performance.now();
      const clock: Clock = { now: () => new Date(now + run * FIVE_MINUTES + (performance.now() - started)) };
      const { result, bytes, lines } = await captureLog(() => lambdaRun(config, store, clock)());
      figures.push(runFigures(counter, result.sync, { bytes, lines }, performance.now() - started));
      const last = figures.at(-1);
      log(
        `sync: ${size.toLocaleString("en-US")} open, run ${run}: read ${last?.itemsRead}, polled ${last?.polled}, ${last?.wcu} WCU, ${last?.logBytes} log bytes`,
      );
    }
  } finally {
    countedClient.destroy();
    plainClient.destroy();
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { openAxOrders: seeds.length, byCadence, expectedDue, runs: figures, seedSeconds };
}

function runFigures(
  counter: DynamoCounter,
  report: { polled: number; moved: number; left: number },
  logged: { bytes: number; lines: number },
  wallMs: number,
): SyncRunFigures {
  const query = counter.byCommand.get("QueryCommand");
  const totals = counter.totals();
  return {
    itemsRead: query?.items ?? 0,
    queries: query?.requests ?? 0,
    rcu: totals.rcu,
    polled: report.polled,
    writes: totals.writes,
    wcu: totals.wcu,
    moved: report.moved,
    left: report.left,
    logBytes: logged.bytes,
    logLines: logged.lines,
    wallMs,
  };
}

/** A status change's writes, the sync's own writes, an idle run, and the items' sizes, on a small table. */
async function benchChangeAndItems(
  endpoint: string,
  log: (line: string) => void,
): Promise<Omit<SyncResult, "settings" | "scales">> {
  const tableName = `bench-change-${randomUUID().slice(0, 8)}`;
  const shadowTable = `bench-change-shadow-${randomUUID().slice(0, 8)}`;
  const plainClient = new DynamoDBClient(localClientConfig(endpoint));
  await createTable(plainClient, tableName, NO_STREAM);
  await createTable(plainClient, shadowTable, NO_STREAM);
  const plainDoc = DynamoDBDocumentClient.from(plainClient, { marshallOptions: { removeUndefinedValues: true } });
  const plainStore = new DynamoStore(plainDoc, tableName);
  const counter = new DynamoCounter();
  const countedClient = countedDynamoClient(endpoint, counter);
  const replays: TransactionReplay[] = [];
  const stopReplaying = replayTransactions(countedClient, endpoint, shadowTable, (replay) => replays.push(replay));
  const countedStore = new DynamoStore(
    DynamoDBDocumentClient.from(countedClient, { marshallOptions: { removeUndefinedValues: true } }),
    tableName,
  );
  const sandbox = await startAxSandbox({ port: 0 });
  const receiver = await startReceiver();
  try {
    const config = benchConfig(tableName, sandbox);
    const worker = createProcessEventHandler(workerDeps(config, plainStore));
    const apply = async (payload: { type: string; data: { order_id: string; ticket_ids?: string[] } }) => {
      const answer = await worker(sqsEvent(await storeEvent(plainStore, payload)));
      if (answer.batchItemFailures.length > 0) throw new Error(`${payload.type} ${payload.data.order_id} failed`);
      return payload.data.order_id;
    };
    log("sync: a status change, the sync's own writes, an idle run, item sizes");
    const oneFamily: string[] = [];
    for (let i = 0; i < 10; i++) oneFamily.push(await apply(oneFamilyOrder(channelOrderId())));
    const twoFamilies: string[] = [];
    for (let i = 0; i < 10; i++) twoFamilies.push(await apply(sampleOrderPlaced(channelOrderId())));
    const cancelled: string[] = [];
    for (let i = 0; i < 10; i++) {
      const orderId = await apply(sampleOrderPlaced(channelOrderId()));
      cancelled.push(
        await apply({ type: "order.cancelled", data: { order_id: orderId, ticket_ids: [`${orderId}-1-2`] } }),
      );
    }
    const rawItem = async (pk: string, sk: string) =>
      (await plainDoc.send(new GetCommand({ TableName: tableName, Key: { pk, sk } }))).Item ?? {};
    const indexes = indexShapes(tableDefinition);
    // Every item of the table by the order it belongs to (its `order_id`, or the order in its key).
    const itemsByOrder = async () => {
      const groups = new Map<string, Record<string, unknown>[]>();
      let start: Record<string, unknown> | undefined;
      do {
        const page = await plainDoc.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) {
          const owner =
            typeof item.order_id === "string" ? item.order_id : /^(?:ORDER|LOG)#(.+)$/.exec(String(item.pk))?.[1];
          if (owner === undefined) continue;
          const group = groups.get(owner);
          if (group) group.push(item);
          else groups.set(owner, [item]);
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return groups;
    };
    const sharesOf = (groups: Map<string, Record<string, unknown>[]>, ids: string[]) =>
      meanShare(ids.map((id) => storageShare(groups.get(id) ?? [], indexes)));
    const placedItems = await itemsByOrder();
    const stats = (sizes: number[]) => ({ mean: mean(sizes), max: Math.max(...sizes) });
    const orderSizes = async (ids: string[]) => {
      const sizes = [];
      for (const id of ids) sizes.push(itemBytes(await rawItem(orderPk(id), ORDER_SK)));
      return stats(sizes);
    };
    const axSizes = [];
    for (const id of twoFamilies)
      for (const item of [`${id}-1`, `${id}-2`]) axSizes.push(itemBytes(await rawItem(orderPk(id), axOrderSk(item))));
    const eventSizes = [];
    for (const id of oneFamily) {
      const order = (await plainStore.load(id)).order;
      const placedBy = order?.placed_by;
      if (placedBy) eventSizes.push(itemBytes(await rawItem(`EVENT#${placedBy}`, "EVENT")));
    }
    const cancellationShare = shareDifference(sharesOf(placedItems, cancelled), sharesOf(placedItems, twoFamilies));
    const sizes: ItemSizes = {
      orderOneFamily: await orderSizes(oneFamily),
      orderTwoFamilies: await orderSizes(twoFamilies),
      orderAfterTicketCancel: await orderSizes(cancelled),
      axOrder: stats(axSizes),
      placedEvent: stats(eventSizes),
    };

    // The first run polls every new AX order (every run's cadence); then one AX order is confirmed in AX, and the
    // channel is told (the outbound webhook configured).
    const withWebhook = readConfig({
      TABLE_NAME: tableName,
      AX_BASE_URL: sandbox.url,
      AX_API_KEY: sandbox.apiKey,
      AX_CHANNEL_CODE: sandbox.channelCode,
      OUTBOUND_WEBHOOK_URL: receiver.url,
      OUTBOUND_WEBHOOK_SECRET: RECEIVER_SECRET,
    });
    await captureLog(() => lambdaRun(config, plainStore, { now: () => new Date() })());
    const [first] = (await plainStore.load(oneFamily[0] ?? "")).axOrders;
    sandbox.setOrderStatus(first?.ax_order_code ?? "", "Supplier confirm", "See you at 9");
    const beforeChange = sharesOf(await itemsByOrder(), [first?.order_id ?? ""]);
    counter.reset();
    replays.length = 0;
    const changed = await captureLog(() => lambdaRun(withWebhook, countedStore, { now: () => new Date() })());
    if (changed.result.sync.changed !== 1 || changed.result.notifications?.delivered !== 1)
      throw new Error("the change was not recorded and delivered");
    const changeShare = shareDifference(sharesOf(await itemsByOrder(), [first?.order_id ?? ""]), beforeChange);
    const transactional = replays.reduce((sum, replay) => sum + replay.table * 2 + replay.indexes, 0);
    const indexesTwice = replays.reduce((sum, replay) => sum + (replay.table + replay.indexes) * 2, 0);
    const updates = counter.byCommand.get("UpdateItemCommand");
    const change = {
      wcu: transactional,
      wcuIndexesTransactional: indexesTwice,
      deliveryWcu: updates?.capacityUnits ?? 0,
      logBytes: changed.bytes,
    };

    // The sync's own writes: an AX order moved to another cadence, one that left the sync.
    // An AX order as a sync run finds it due (its place in the index as stored).
    const dueOf = async (orderId: string) => {
      const [axOrder] = (await plainStore.load(orderId)).axOrders;
      if (!axOrder) throw new Error(`no AX order in ${orderId}`);
      const raw = await rawItem(orderPk(axOrder.order_id), axOrderSk(axOrder.item_id));
      return {
        order_id: axOrder.order_id,
        item_id: axOrder.item_id,
        product_type: axOrder.product_type,
        ax_order_code: axOrder.ax_order_code,
        ax_order_status: axOrder.ax_order_status,
        inventory_at: axOrder.inventory_at,
        created_at: axOrder.created_at,
        sync_cadence: "every_run" as const,
        sync_shard: String(raw.sync_due),
        sync_phase: Number(raw.sync_phase),
      };
    };
    const due = await dueOf(oneFamily[1] ?? "");
    const axOrder = { order_id: due.order_id, item_id: due.item_id };
    counter.reset();
    if (!(await countedStore.moveSync(due, "hourly"))) throw new Error("the move was refused");
    const moveWcu = counter.totals().wcu;
    const moved = await rawItem(orderPk(axOrder.order_id), axOrderSk(axOrder.item_id));
    counter.reset();
    const left = await countedStore.leaveSync(
      { ...due, sync_cadence: "hourly", sync_shard: String(moved.sync_due) },
      "past_use_date",
      new Date().toISOString(),
    );
    if (!left) throw new Error("the departure was refused");
    const leaveWcu = counter.totals().wcu;

    // A run with nothing due: a stage with no open AX order (its queries, its cursor, its log line).
    const emptyTable = `bench-idle-${randomUUID().slice(0, 8)}`;
    await createTable(plainClient, emptyTable, NO_STREAM);
    const idleStore = new DynamoStore(
      DynamoDBDocumentClient.from(countedClient, { marshallOptions: { removeUndefinedValues: true } }),
      emptyTable,
    );
    const idleConfig = benchConfig(emptyTable, sandbox);
    await captureLog(() => lambdaRun(idleConfig, idleStore, { now: () => new Date() })());
    counter.reset();
    const idleStarted = performance.now();
    const idle = await captureLog(() =>
      lambdaRun(idleConfig, idleStore, { now: () => new Date(Date.now() + FIVE_MINUTES) })(),
    );
    const idleRun = runFigures(counter, idle.result.sync, idle, performance.now() - idleStarted);
    // What a placed order keeps for the years after its use date: measured once its AX order has left the sync (out
    // of the due index), on the orders nothing else here touched.
    const untouched = oneFamily.slice(2);
    for (const orderId of untouched)
      if (!(await plainStore.leaveSync(await dueOf(orderId), "past_use_date", new Date().toISOString())))
        throw new Error(`${orderId} did not leave the sync`);
    const settled = await itemsByOrder();
    const placementShare = sharesOf(settled, untouched);
    const placementByKind: Record<string, StorageShare> = {};
    for (const kind of new Set(untouched.flatMap((id) => (settled.get(id) ?? []).map(itemKind))))
      placementByKind[kind] = meanShare(
        untouched.map((id) =>
          storageShare(
            (settled.get(id) ?? []).filter((item) => itemKind(item) === kind),
            indexes,
          ),
        ),
      );
    const storage = {
      placement: placementShare,
      placementByKind,
      cancellation: cancellationShare,
      change: changeShare,
    };
    return { sizes, storage, change, moveWcu, leaveWcu, idleRun };
  } finally {
    stopReplaying();
    countedClient.destroy();
    plainClient.destroy();
    await receiver.stop();
    await sandbox.stop();
  }
}
