// Worker: the queue consumer as functions/process-event.ts builds it (workerDeps), driven with SQS-shaped events,
// against DynamoDB Local and the AX sandbox answering at once (no faults). Three kinds of event: a placement of one
// product family (one AX create), the sample placement of two families (two AX creates), and a cancellation of one
// ticket of a placed order.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createProcessEventHandler, workerDeps } from "../../functions/process-event";
import { readConfig } from "../../lib/config";
import type { QueuedEvent } from "../../lib/orders/ports";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { startAxSandbox } from "../../local/ax-sandbox/server";
import { localClientConfig } from "../../local/dynamodb/emulator";
import { createTable } from "../../local/dynamodb/table";
import { NO_STREAM } from "./load";
import { sampleOrderPlaced } from "../../local/samples";
import { sqsEvent, storeEvent } from "../../test/support/worker";
import { runClosedLoop, summarize, type RunResult, type Summary } from "./load";
import {
  BENCH_QUEUE_URL,
  DynamoCounter,
  countedDynamoClient,
  replayTransactions,
  type TransactionReplay,
} from "./sdk-boundary";

export interface WorkerSettings {
  warmup: number;
  /** Events per kind, one at a time (the duration one Lambda invocation sees per record). */
  serial: number;
  /** Events per kind at `concurrency` (the throughput). */
  concurrent: number;
  concurrency: number;
  /** Events per kind whose transactions are replayed to count the write units DynamoDB would bill (not timed). */
  accounting: number;
}

export type WorkKind = "place1" | "place2" | "cancelTicket";

export interface WorkerPhase {
  kind: WorkKind;
  label: string;
  events: number;
  concurrent: Summary;
  serial: Summary;
  cpuMsPerEvent: number;
  perEvent: {
    dynamoRequests: number;
    reads: number;
    writes: number;
    byCommand: Record<string, number>;
    rcu: number;
    wcu: number;
    axCalls: Record<string, number>;
  };
  /**
   * Write units per event by DynamoDB's rule: single writes as DynamoDB Local counts them (it counts those right),
   * each transaction's items as replayed alone — table units twice (transactional), index units once
   * (`wcuIndexesTransactional`: twice too).
   */
  billed?: { events: number; localWcu: number; wcu: number; wcuIndexesTransactional: number };
}

export interface WorkerResult {
  settings: WorkerSettings;
  phases: WorkerPhase[];
}

/** The worker's configuration for a bench table and the AX sandbox (secrets as plain values, as locally). */
export const benchConfig = (tableName: string, sandbox: { url: string; apiKey: string; channelCode: string }) =>
  readConfig({
    TABLE_NAME: tableName,
    QUEUE_URL: BENCH_QUEUE_URL,
    AX_BASE_URL: sandbox.url,
    AX_API_KEY: sandbox.apiKey,
    AX_CHANNEL_CODE: sandbox.channelCode,
  });

let orderNumber = 0;
/**
 * A channel order id shaped like the contract's example (`CH-10001`): ids are repeated in every item and ticket id
 * the ORDER item holds, so their length decides whether it stays under 1 KB (one write unit). Unique per process.
 */
export const channelOrderId = () => `CH-${process.pid % 100}${String(++orderNumber).padStart(6, "0")}`;

/** The sample order with only its first item (a tour: one product family, one AX create), totals adjusted. */
export function oneFamilyOrder(orderId: string) {
  const sample = sampleOrderPlaced(orderId);
  const first = sample.data.items.slice(0, 1);
  return {
    ...sample,
    data: { ...sample.data, items: first, subtotal: "120000", discount: "12000", total: "108000" },
  };
}

const KINDS: readonly WorkKind[] = ["place1", "place2", "cancelTicket"];

const LABELS: Record<WorkKind, string> = {
  place1: "order.placed, one product family (1 AX create)",
  place2: "order.placed, the sample: two families (2 AX creates)",
  cancelTicket: "order.cancelled, one ticket of a placed order",
};

/** What the order's status must be once each kind of event was applied. */
const EXPECTED_STATUS: Record<WorkKind, string> = {
  place1: "placed",
  place2: "placed",
  cancelTicket: "partially_cancelled",
};

export async function benchWorker(
  endpoint: string,
  settings: WorkerSettings,
  log: (line: string) => void,
): Promise<WorkerResult> {
  const suffix = randomUUID().slice(0, 8);
  const tableName = `bench-worker-${suffix}`;
  const shadowTable = `bench-shadow-${suffix}`;
  const plainClient = new DynamoDBClient(localClientConfig(endpoint));
  await createTable(plainClient, tableName, NO_STREAM);
  await createTable(plainClient, shadowTable, NO_STREAM);
  // Stores the events as the receiver would (not counted) and checks the outcomes.
  const setupStore = new DynamoStore(
    DynamoDBDocumentClient.from(plainClient, { marshallOptions: { removeUndefinedValues: true } }),
    tableName,
  );
  const sandbox = await startAxSandbox({ port: 0 });
  const counter = new DynamoCounter();
  const countedClient = countedDynamoClient(endpoint, counter);
  const accountingCounter = new DynamoCounter();
  const accountingClient = countedDynamoClient(endpoint, accountingCounter);
  const replays: TransactionReplay[] = [];
  const stopReplaying = replayTransactions(accountingClient, endpoint, shadowTable, (replay) => replays.push(replay));
  const axCalls = new Map<string, number>();
  try {
    const config = benchConfig(tableName, sandbox);
    const worker = (client: DynamoDBClient) => {
      // As lib/adapters.ts buildStore does, on a client that carries the counting middleware.
      const store = new DynamoStore(
        DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
        tableName,
      );
      const handler = createProcessEventHandler(
        workerDeps(config, store, (info) => axCalls.set(info.endpoint, (axCalls.get(info.endpoint) ?? 0) + 1)),
      );
      return async (message: QueuedEvent) => {
        const answer = await handler(sqsEvent(message));
        if (answer.batchItemFailures.length > 0) throw new Error(`event ${message.webhook_id} failed`);
      };
    };
    const timed = worker(countedClient);
    const accounted = worker(accountingClient);

    // Orders placed by the two-family runs, which the cancellations then cancel one ticket of.
    const placedOrders: string[] = [];
    const messagesFor = async (kind: WorkKind, count: number): Promise<QueuedEvent[]> => {
      const messages: QueuedEvent[] = [];
      for (let n = 0; n < count; n++) {
        if (kind === "cancelTicket") {
          const orderId = placedOrders.shift();
          if (!orderId) throw new Error("not enough placed orders to cancel");
          const cancel = { type: "order.cancelled", data: { order_id: orderId, ticket_ids: [`${orderId}-1-2`] } };
          messages.push(await storeEvent(setupStore, cancel));
        } else {
          const orderId = channelOrderId();
          const payload = kind === "place1" ? oneFamilyOrder(orderId) : sampleOrderPlaced(orderId);
          messages.push(await storeEvent(setupStore, payload));
        }
      }
      return messages;
    };
    const drive = (
      apply: (message: QueuedEvent) => Promise<void>,
      messages: QueuedEvent[],
      concurrency: number,
    ): Promise<RunResult> =>
      runClosedLoop(messages.length, concurrency, async (index) => {
        const message = messages[index];
        if (!message) throw new Error(`no message ${index}`);
        await apply(message);
      });
    const check = async (kind: WorkKind, messages: QueuedEvent[]) => {
      for (const message of messages) {
        const { order } = await setupStore.load(message.order_id);
        if (order?.status !== EXPECTED_STATUS[kind])
          throw new Error(`order ${message.order_id} is ${order?.status ?? "absent"}, not ${EXPECTED_STATUS[kind]}`);
        if (kind === "place2") placedOrders.push(message.order_id);
      }
    };

    log(`worker: warm-up (${settings.warmup} events of each kind)`);
    for (const kind of KINDS) {
      const messages = await messagesFor(kind, settings.warmup);
      await drive(timed, messages, settings.concurrency);
      await check(kind, messages);
    }

    const phases: WorkerPhase[] = [];
    for (const kind of KINDS) {
      const serialMessages = await messagesFor(kind, settings.serial);
      const concurrentMessages = await messagesFor(kind, settings.concurrent);
      counter.reset();
      axCalls.clear();
      const serial = await drive(timed, serialMessages, 1);
      const usage = process.cpuUsage();
      const started = performance.now();
      const concurrent = await drive(timed, concurrentMessages, settings.concurrency);
      const cpu = cpuMsSince(usage);
      const elapsed = performance.now() - started;
      const events = serialMessages.length + concurrentMessages.length;
      const totals = counter.totals();
      phases.push({
        kind,
        label: LABELS[kind],
        events,
        concurrent: summarize([concurrent]),
        serial: summarize([serial]),
        cpuMsPerEvent: cpu / concurrentMessages.length,
        perEvent: {
          dynamoRequests: totals.requests / events,
          reads: totals.reads / events,
          writes: totals.writes / events,
          byCommand: Object.fromEntries(
            [...counter.byCommand].map(([command, count]) => [command, count.requests / events]),
          ),
          rcu: totals.rcu / events,
          wcu: totals.wcu / events,
          axCalls: Object.fromEntries([...axCalls].map(([endpoint, calls]) => [endpoint, calls / events])),
        },
      });
      log(`worker: ${kind.padEnd(12)} ${(concurrentMessages.length / (elapsed / 1000)).toFixed(0)} events/s`);
      await check(kind, [...serialMessages, ...concurrentMessages]);
    }

    // Not timed: the write units DynamoDB would bill, each transaction's writes replayed one by one.
    log(`worker: write units by DynamoDB's rule (${settings.accounting} events of each kind, replayed)`);
    for (const kind of KINDS) {
      const messages = await messagesFor(kind, settings.accounting);
      accountingCounter.reset();
      replays.length = 0;
      await drive(accounted, messages, 1);
      await check(kind, messages);
      const transactionUnits = accountingCounter.byCommand.get("TransactWriteItemsCommand")?.capacityUnits ?? 0;
      const otherWrites = accountingCounter.totals().wcu - transactionUnits;
      const table = replays.reduce((sum, replay) => sum + replay.table, 0);
      const indexes = replays.reduce((sum, replay) => sum + replay.indexes, 0);
      const phase = phases.find((entry) => entry.kind === kind);
      if (phase)
        phase.billed = {
          events: messages.length,
          localWcu: accountingCounter.totals().wcu / messages.length,
          wcu: (otherWrites + 2 * table + indexes) / messages.length,
          wcuIndexesTransactional: (otherWrites + 2 * (table + indexes)) / messages.length,
        };
    }
    return { settings, phases };
  } finally {
    stopReplaying();
    countedClient.destroy();
    accountingClient.destroy();
    plainClient.destroy();
    await sandbox.stop();
  }
}

/** Node CPU (user + system) in milliseconds since `since`. */
export function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}
