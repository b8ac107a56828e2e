// What a million orders cost, from the measured figures and AWS's public list prices (assumptions, stated below).
import type { IngestResult } from "./ingest";
import type { ServiceFacts } from "./cold-start";
import type { SyncResult } from "./sync";
import type { WorkerResult } from "./worker";

/**
 * AWS list prices, on-demand, first pricing tier, in USD. These are us-east-1 (N. Virginia) prices: the price tables
 * of ap-northeast-2 (Seoul), the stage region, could not be read offline, and DynamoDB and API Gateway cost more
 * there. The quantities (GB-seconds, request units, requests) do not depend on the region: multiply them by the
 * stage region's prices.
 */
export const PRICES = {
  region: "us-east-1 (N. Virginia)",
  asOf: "AWS pricing pages as published in 2025 (DynamoDB on-demand after its 1 November 2024 reduction)",
  lambdaArmGbSecond: 0.0000133334,
  lambdaX86GbSecond: 0.0000166667,
  lambdaPerMillionRequests: 0.2,
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
  httpApiPerMillionRequests: 1.0,
  sqsFifoPerMillionRequests: 0.5,
  sources: [
    "https://aws.amazon.com/lambda/pricing/",
    "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "https://aws.amazon.com/api-gateway/pricing/",
    "https://aws.amazon.com/sqs/pricing/",
  ],
} as const;

export interface CostLine {
  item: string;
  quantity: number;
  unit: string;
  unitPrice: string;
  usd: number;
  basis: string;
}

export interface CostTable {
  title: string;
  lines: CostLine[];
  total: number;
}

const MILLION = 1_000_000;

/** Per million of one kind of event: its webhook (API request, receiver invocation) and the worker's invocation. */
export function costPerMillion(
  title: string,
  ingest: IngestResult,
  workerPhase: WorkerResult["phases"][number],
  service: ServiceFacts,
): CostTable {
  const gbPrice = service.architecture === "arm64" ? PRICES.lambdaArmGbSecond : PRICES.lambdaX86GbSecond;
  const receiverGb = (service.memoryMb.receiveWebhook ?? 1024) / 1024;
  const workerGb = (service.memoryMb.processEvent ?? 1024) / 1024;
  const receiverSeconds = ingest.ours.serial.billedMean / 1000;
  const workerSeconds = workerPhase.serial.billedMean / 1000;
  const gbSeconds = MILLION * (receiverSeconds * receiverGb + workerSeconds * workerGb);
  // The worker's write units by DynamoDB's rule (DynamoDB Local miscounts transactions); the receiver's PutItem is
  // counted right by DynamoDB Local.
  const workerWcu = workerPhase.billed?.wcu ?? workerPhase.perEvent.wcu;
  const writeUnits = MILLION * (ingest.ours.perCall.wcu + workerWcu);
  const readUnits = MILLION * (ingest.ours.perCall.rcu + workerPhase.perEvent.rcu);
  const lines: CostLine[] = [
    {
      item: "API Gateway HTTP API requests",
      quantity: MILLION,
      unit: "requests",
      unitPrice: `$${PRICES.httpApiPerMillionRequests.toFixed(2)} per million`,
      usd: PRICES.httpApiPerMillionRequests,
      basis: "one webhook delivery per event (no retries or duplicates)",
    },
    {
      item: "Lambda duration",
      quantity: gbSeconds,
      unit: "GB-s",
      unitPrice: `$${gbPrice} per GB-s (${service.architecture})`,
      usd: gbSeconds * gbPrice,
      basis: `receiver ${ingest.ours.serial.billedMean.toFixed(1)} ms × ${receiverGb} GB + worker ${workerPhase.serial.billedMean.toFixed(1)} ms × ${workerGb} GB (mean billed duration, measured one at a time)`,
    },
    {
      item: "Lambda requests",
      quantity: 2 * MILLION,
      unit: "invocations",
      unitPrice: `$${PRICES.lambdaPerMillionRequests.toFixed(2)} per million`,
      usd: 2 * PRICES.lambdaPerMillionRequests,
      basis: "one receiver and one worker invocation per event (a worker batch of 10 would make it 1.1 million)",
    },
    {
      item: "DynamoDB write request units",
      quantity: writeUnits,
      unit: "WRU",
      unitPrice: `$${PRICES.dynamoPerMillionWriteUnits} per million`,
      usd: (writeUnits / MILLION) * PRICES.dynamoPerMillionWriteUnits,
      basis: workerPhase.billed
        ? `${fmt(ingest.ours.perCall.wcu)} (receiver) + ${fmt(workerWcu)} (worker, by DynamoDB's rule; ${fmt(workerPhase.billed.wcuIndexesTransactional)} if index writes in transactions count twice, ${fmt(workerPhase.perEvent.wcu)} as DynamoDB Local counts) per event`
        : `${fmt(ingest.ours.perCall.wcu)} (receiver) + ${fmt(workerWcu)} (worker) per event, as DynamoDB Local counted them`,
    },
    {
      item: "DynamoDB read request units",
      quantity: readUnits,
      unit: "RRU",
      unitPrice: `$${PRICES.dynamoPerMillionReadUnits} per million`,
      usd: (readUnits / MILLION) * PRICES.dynamoPerMillionReadUnits,
      basis: `${fmt(ingest.ours.perCall.rcu)} (receiver) + ${fmt(workerPhase.perEvent.rcu)} (worker) per event, as DynamoDB Local counted them`,
    },
    {
      item: "SQS FIFO requests (not asked; for completeness)",
      quantity: 3 * MILLION,
      unit: "requests",
      unitPrice: `$${PRICES.sqsFifoPerMillionRequests.toFixed(2)} per million`,
      usd: 3 * PRICES.sqsFifoPerMillionRequests,
      basis: "send, receive and delete of one message each (bodies under 64 KB); Lambda's idle polling is not counted",
    },
  ];
  return { title, lines, total: lines.reduce((sum, line) => sum + line.usd, 0) };
}

const fmt = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));

export interface SyncCost {
  /** A million open AX order-days, per kind of AX order, now and in the former design. */
  tables: CostTable[];
  /** Calls in flight for one run to poll the 10,000 open AX orders of a stage within its budget. */
  concurrencyFor10k: number;
}

/**
 * The status sync per million open AX order-days (one AX order not final for one day), at 288 runs a day (every 5
 * minutes) and a stage of `stageOpenAxOrders`: the index read every run, the cursor item written once per run and
 * shared by all, the Lambda's time waiting for AX (`latencyMs` per poll, `concurrency` in flight).
 */
export function syncCostPerMillion(
  sync: SyncResult,
  service: ServiceFacts,
  settings: { runsPerDay: number; confirmedPollsPerDay: number; stageOpenAxOrders: number },
): SyncCost {
  const gbPrice = service.architecture === "arm64" ? PRICES.lambdaArmGbSecond : PRICES.lambdaX86GbSecond;
  const gb = (service.memoryMb.syncStatuses ?? 1024) / 1024;
  const readsPerPoll = sync.unchangedRun.rcu / Math.max(1, sync.unchangedRun.polled);
  const cursorShare = (sync.unchangedRun.wcu * settings.runsPerDay) / settings.stageOpenAxOrders;
  const lambdaSecondsPerPoll = sync.coverage.latencyMs / 1000 / sync.coverage.concurrency;
  const table = (title: string, polls: number, writesPerDay: number, writeBasis: string): CostTable => {
    const lines: CostLine[] = [
      {
        item: "DynamoDB read request units",
        quantity: MILLION * readsPerPoll * settings.runsPerDay,
        unit: "RRU",
        unitPrice: `$${PRICES.dynamoPerMillionReadUnits} per million`,
        usd: readsPerPoll * settings.runsPerDay * PRICES.dynamoPerMillionReadUnits,
        basis: `${readsPerPoll.toFixed(3)} per AX order per run (the openOrders index read, as DynamoDB Local counted it) × ${settings.runsPerDay} runs`,
      },
      {
        item: "DynamoDB write request units",
        quantity: MILLION * writesPerDay,
        unit: "WRU",
        unitPrice: `$${PRICES.dynamoPerMillionWriteUnits} per million`,
        usd: writesPerDay * PRICES.dynamoPerMillionWriteUnits,
        basis: writeBasis,
      },
      {
        item: "Lambda duration (waiting for AX)",
        quantity: MILLION * polls * lambdaSecondsPerPoll * gb,
        unit: "GB-s",
        unitPrice: `$${gbPrice} per GB-s (${service.architecture})`,
        usd: MILLION * polls * lambdaSecondsPerPoll * gb * gbPrice,
        basis: `${polls} polls a day × ${sync.coverage.latencyMs} ms ÷ ${sync.coverage.concurrency} in flight × ${gb} GB`,
      },
    ];
    return { title, lines, total: lines.reduce((sum, line) => sum + line.usd, 0) };
  };
  const former = sync.formerDeferralWcu;
  return {
    tables: [
      table(
        "A million AX order-days not yet confirmed by the supplier (polled every run)",
        settings.runsPerDay,
        cursorShare,
        `the cursor item: ${perUnit(sync.unchangedRun.wcu)} per run shared by ${settings.stageOpenAxOrders.toLocaleString("en-US")} open AX orders (nothing per AX order); before: ${former} per poll × ${settings.runsPerDay} = ${former * settings.runsPerDay}`,
      ),
      table(
        "A million AX order-days confirmed (polled once an hour)",
        settings.confirmedPollsPerDay,
        cursorShare,
        `the cursor's share as above; before: ${former} per poll × ${settings.confirmedPollsPerDay} = ${former * settings.confirmedPollsPerDay}`,
      ),
      table(
        "Before this change: a million AX order-days not yet confirmed (next_sync_at rewritten after every poll)",
        settings.runsPerDay,
        former * settings.runsPerDay,
        `${former} per poll (an UpdateItem of the AX order moving its openOrders sort key, as DynamoDB Local counted it) × ${settings.runsPerDay}`,
      ),
    ],
    concurrencyFor10k: Math.ceil((settings.stageOpenAxOrders * sync.coverage.latencyMs) / sync.coverage.lambdaBudgetMs),
  };
}

const perUnit = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));
