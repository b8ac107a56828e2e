// What a million orders a month cost, month 1 and month 12: a model of a year of orders (its assumptions stated in
// DEFAULT_MODEL and in BENCHMARKS.md) priced from the requests, items, durations and log bytes the benchmark measured,
// at AWS's public list prices. The status sync's share follows the AX orders open in each month (they leave the sync
// after their use date and grace), storage follows every order kept.
import type { ServiceFacts } from "./cold-start";
import type { StorageShare } from "./item-size";
import { DEFAULT_SYNC_SETTINGS, DAY_MS } from "../../lib/orders/sync-schedule";

/**
 * AWS list prices, on-demand, first pricing tier, in USD. These are us-east-1 (N. Virginia) prices: the price tables
 * of ap-northeast-2 (Seoul), the stage region, could not be read offline, and DynamoDB and API Gateway cost more
 * there. The quantities do not depend on the region: multiply them by the stage region's prices.
 */
export const PRICES = {
  region: "us-east-1 (N. Virginia)",
  asOf: "AWS pricing pages as published in 2025 (DynamoDB on-demand after its 1 November 2024 reduction)",
  lambdaArmGbSecond: 0.0000133334,
  lambdaX86GbSecond: 0.0000166667,
  lambdaPerMillionRequests: 0.2,
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
  dynamoStorageGbMonth: 0.25,
  dynamoPitrGbMonth: 0.2,
  httpApiPerMillionRequests: 1.0,
  sqsFifoPerMillionRequests: 0.5,
  logsIngestionPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  metricPerMonth: 0.3,
  xrayPerMillionTraces: 5.0,
  sources: [
    "https://aws.amazon.com/lambda/pricing/",
    "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "https://aws.amazon.com/api-gateway/pricing/",
    "https://aws.amazon.com/sqs/pricing/",
    "https://aws.amazon.com/cloudwatch/pricing/",
    "https://aws.amazon.com/xray/pricing/",
  ],
} as const;

/** A year of orders: what the model assumes (each a figure of this file, stated in BENCHMARKS.md). */
export interface OrderModel {
  ordersPerMonth: number;
  /** AX orders per order (one product family each). */
  axOrdersPerOrder: number;
  /** Orders that get an `order.cancelled` (one ticket). */
  cancelShare: number;
  /** Days from the purchase to the use date: uniform over this range. */
  leadDays: [number, number];
  /** What the suppliers do: confirm, reject (after `decisionHours`), or never decide. */
  confirmShare: number;
  rejectShare: number;
  neverShare: number;
  decisionHours: number;
  /** The sync's schedule (serverless.yml `syncRate`) and its budget per run. */
  runMinutes: number;
  syncBudgetMs: number;
  /** AX's answer time to a confirmation call. */
  axLatencyMs: number;
  /** Share of invocations traced (resources/tracing.yml, prod). */
  traceRate: number;
  /** How long CloudWatch keeps the logs (prod: 90 days). */
  logRetentionDays: number;
  /** CloudWatch metric series the stage publishes in a month (names × the dimension values seen). */
  metricSeries: number;
  /** Lambda's own lines per invocation (START, END, REPORT), in bytes. */
  platformLogBytes: number;
}

export const DAYS_PER_MONTH = 30.4375;

export const DEFAULT_MODEL: OrderModel = {
  ordersPerMonth: 1_000_000,
  axOrdersPerOrder: 1,
  cancelShare: 0.1,
  leadDays: [1, 60],
  confirmShare: 0.95,
  rejectShare: 0.03,
  neverShare: 0.02,
  decisionHours: 2,
  runMinutes: 5,
  syncBudgetMs: 60_000,
  axLatencyMs: 200,
  traceRate: 0.01,
  logRetentionDays: 90,
  // 26 metric names under `service` alone (lib/observability/metrics.ts, functions/sync-statuses.ts), and by the
  // values a month sees: WebhooksRejected by 5 reasons, the worker's events by 8, AxCalls and AxCallErrors by 16
  // endpoint-and-outcome pairs, AxCallLatency by 4 endpoints.
  metricSeries: 26 + 5 + 8 + 2 * 16 + 4,
  platformLogBytes: 330,
};

// ---- the AX orders' life in the sync ----------------------------------------------------------------------------

type State = "undecidedNew" | "undecidedOld" | "confirmedFar" | "confirmedNear" | "afterUse";
type Kind = "confirm" | "reject" | "never";

interface Segment {
  state: State;
  /** Days since the AX order was created. */
  from: number;
  to: number;
}

interface Life {
  segments: Segment[];
  /** The sync's writes, days since creation: a change recorded, a move to another cadence, leaving the sync. */
  changes: number[];
  moves: number[];
  leaves: number[];
}

const schedule = DEFAULT_SYNC_SETTINGS;

/** One AX order's life in the sync (lib/orders/sync-schedule.ts's rules), by what its supplier does and its lead. */
function life(kind: Kind, lead: number, model: OrderModel): Life {
  const decided = model.decisionHours / 24;
  const near = schedule.nearUseDateMs / DAY_MS;
  const grace = schedule.graceMs / DAY_MS;
  const everyRunFor = schedule.undecidedEveryRunMs / DAY_MS;
  if (kind === "reject")
    return { segments: [{ state: "undecidedNew", from: 0, to: decided }], changes: [decided], moves: [], leaves: [] };
  if (kind === "never")
    return {
      segments: [
        { state: "undecidedNew", from: 0, to: everyRunFor },
        { state: "undecidedOld", from: everyRunFor, to: lead + grace },
      ],
      changes: [],
      moves: [everyRunFor],
      leaves: [lead + grace],
    };
  const nearFrom = Math.max(decided, lead - near);
  const segments: Segment[] = [{ state: "undecidedNew", from: 0, to: decided }];
  const moves: number[] = [];
  if (nearFrom > decided) {
    segments.push({ state: "confirmedFar", from: decided, to: nearFrom });
    moves.push(nearFrom);
  }
  segments.push(
    { state: "confirmedNear", from: nearFrom, to: lead },
    { state: "afterUse", from: lead, to: lead + grace },
  );
  moves.push(lead);
  return { segments, changes: [decided], moves, leaves: [lead + grace] };
}

/** Polls a day in each state (every run, hourly, daily). */
function pollsPerDay(state: State, model: OrderModel): number {
  if (state === "undecidedNew") return (24 * 60) / model.runMinutes;
  if (state === "undecidedOld" || state === "confirmedNear") return DAY_MS / schedule.confirmedIntervalMs;
  return 1;
}

const KINDS = (model: OrderModel): [Kind, number][] => [
  ["confirm", model.confirmShare],
  ["reject", model.rejectShare],
  ["never", model.neverShare],
];

/** The leads, at half-day steps over the model's range, equally likely. */
function leads(model: OrderModel): number[] {
  const [low, high] = model.leadDays;
  const values: number[] = [];
  for (let lead = low; lead <= high + 1e-9; lead += 0.5) values.push(lead);
  return values;
}

/** How the AX orders a steady stream of orders keeps in the sync are spread over its states (shares, and how many). */
export function steadyPopulation(model: OrderModel): { shares: Record<State, number>; open: number } {
  const days: Record<State, number> = {
    undecidedNew: 0,
    undecidedOld: 0,
    confirmedFar: 0,
    confirmedNear: 0,
    afterUse: 0,
  };
  const all = leads(model);
  for (const [kind, share] of KINDS(model))
    for (const lead of all)
      for (const segment of life(kind, lead, model).segments)
        days[segment.state] += (share / all.length) * (segment.to - segment.from);
  const total = Object.values(days).reduce((sum, value) => sum + value, 0);
  const perDay = (model.ordersPerMonth * model.axOrdersPerOrder) / DAYS_PER_MONTH;
  return {
    shares: Object.fromEntries(Object.entries(days).map(([state, value]) => [state, value / total])) as Record<
      State,
      number
    >,
    open: total * perDay,
  };
}

/** What the sync does in one month of a stage that started taking orders at day 0. */
export interface MonthActivity {
  month: number;
  polls: number;
  changes: number;
  moves: number;
  leaves: number;
  /** AX orders in the sync at the month's end. */
  openAtEnd: number;
  /** The busiest runs' polls (the month's mean per run, the peak of a run at its highest). */
  pollsPerRun: number;
}

export function monthActivity(model: OrderModel, month: number): MonthActivity {
  const start = (month - 1) * DAYS_PER_MONTH;
  const end = month * DAYS_PER_MONTH;
  const step = 0.5;
  const perCohort = ((model.ordersPerMonth * model.axOrdersPerOrder) / DAYS_PER_MONTH) * step;
  const all = leads(model);
  const figures = { polls: 0, changes: 0, moves: 0, leaves: 0, openAtEnd: 0 };
  const within = (at: number) => (at >= start && at < end ? 1 : 0);
  for (let created = step / 2; created < end; created += step)
    for (const [kind, share] of KINDS(model))
      for (const lead of all) {
        const weight = (perCohort * share) / all.length;
        const { segments, changes, moves, leaves } = life(kind, lead, model);
        for (const segment of segments) {
          const overlap = Math.max(0, Math.min(end, created + segment.to) - Math.max(start, created + segment.from));
          figures.polls += weight * overlap * pollsPerDay(segment.state, model);
          if (created + segment.from <= end && end < created + segment.to) figures.openAtEnd += weight;
        }
        figures.changes += weight * changes.reduce((sum, at) => sum + within(created + at), 0);
        figures.moves += weight * moves.reduce((sum, at) => sum + within(created + at), 0);
        figures.leaves += weight * leaves.reduce((sum, at) => sum + within(created + at), 0);
      }
  const runs = (DAYS_PER_MONTH * 24 * 60) / model.runMinutes;
  return { month, ...figures, pollsPerRun: figures.polls / runs };
}

// ---- the measured inputs ----------------------------------------------------------------------------------------

/** What the benchmark measured, per unit of work. */
export interface MeasuredCosts {
  service: ServiceFacts;
  receiver: { billedMs: number; wcu: number; rcu: number; logBytes: number };
  placement: { billedMs: number; wcu: number; rcu: number; logBytes: number };
  cancellation: { billedMs: number; wcu: number; rcu: number; logBytes: number };
  forwarder: { billedMs: number; logBytes: number };
  sync: {
    /** Read units per index entry read (a due AX order), and per run whatever is due (its fixed queries). */
    rcuPerItem: number;
    idleRcu: number;
    /** Queries a run makes with nothing due (the cadences' shards): each costs DynamoDB's minimum, half a unit. */
    queriesPerRun: number;
    idleWcu: number;
    idleBilledMs: number;
    idleLogBytes: number;
    changeWcu: number;
    deliveryWcu: number;
    changeLogBytes: number;
    moveWcu: number;
    leaveWcu: number;
  };
  /** The table's storage (items and index entries) a placed order, a ticket cancellation and a status change take:
   *  kept for good, and kept until their TTL (sync.ts measures it from every item written). */
  storage: { placement: StorageShare; cancellation: StorageShare; change: StorageShare };
}

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

export interface MonthCost {
  month: number;
  activity: MonthActivity;
  table: CostTable;
  /** The sync's calls in flight a stage this size needs to poll each run's due AX orders within its budget. */
  concurrency: number;
  /** The same bill without storage: what the work of the month costs. */
  workTotal: number;
}

const MILLION = 1_000_000;
const GB = 1024 ** 3;

/**
 * The bytes a placed order could keep for good (everything else as measured) for month 12's bill to be `ratio` times
 * month 1's: the bill is linear in them. Negative when no amount would do.
 */
export function keptBytesForRatio(measured: MeasuredCosts, model: OrderModel, ratio: number): number {
  const withKept = (kept: number) => {
    const storage = { ...measured.storage, placement: { ...measured.storage.placement, kept } };
    return [1, 12].map((month) => monthCost({ ...measured, storage }, model, month).table.total) as [number, number];
  };
  const [first0, last0] = withKept(0);
  const [first1, last1] = withKept(1);
  return (ratio * first0 - last0) / (last1 - last0 - ratio * (first1 - first0));
}

/** "2,100 B kept for good, 3,900 B for 90 days" */
export function shareText(share: StorageShare): string {
  const parts = [`${fmt(share.kept)} B kept for good`];
  for (const [days, bytes] of Object.entries(share.expiring).sort(([a], [b]) => Number(a) - Number(b)))
    parts.push(`${fmt(bytes)} B for ${days} days`);
  return parts.join(", ");
}

/** The bill of one month at the model's volume. */
export function monthCost(measured: MeasuredCosts, model: OrderModel, month: number): MonthCost {
  const activity = monthActivity(model, month);
  const steadyPeak = monthActivity(model, 12).pollsPerRun;
  const service = measured.service;
  const gbPrice = service.architecture === "arm64" ? PRICES.lambdaArmGbSecond : PRICES.lambdaX86GbSecond;
  const gbOf = (fn: string) => (service.memoryMb[fn] ?? 1024) / 1024;
  const orders = model.ordersPerMonth;
  const cancels = orders * model.cancelShare;
  const events = orders + cancels;
  const runs = (DAYS_PER_MONTH * 24 * 60) / model.runMinutes;
  // Calls in flight so that the busiest runs (twice the steady mean) poll what is due within the budget.
  const concurrency = Math.max(1, Math.ceil((2 * steadyPeak * model.axLatencyMs) / model.syncBudgetMs));
  const syncSeconds =
    runs * (measured.sync.idleBilledMs / 1000) + (activity.polls * model.axLatencyMs) / 1000 / concurrency;
  const gbSeconds = {
    receiver: (events * measured.receiver.billedMs * gbOf("receiveWebhook")) / 1000,
    forwarder: (events * measured.forwarder.billedMs * gbOf("forwardEvents")) / 1000,
    worker:
      ((orders * measured.placement.billedMs + cancels * measured.cancellation.billedMs) * gbOf("processEvent")) / 1000,
    sync: syncSeconds * gbOf("syncStatuses"),
    sweeper: (runs * measured.sync.idleBilledMs * gbOf("sweepEvents")) / 1000,
  };
  const invocations = 3 * events + 2 * runs;
  const writeUnits = {
    receiver: events * measured.receiver.wcu,
    worker: orders * measured.placement.wcu + cancels * measured.cancellation.wcu,
    sync:
      runs * measured.sync.idleWcu +
      activity.changes * (measured.sync.changeWcu + measured.sync.deliveryWcu) +
      activity.moves * measured.sync.moveWcu +
      activity.leaves * measured.sync.leaveWcu,
  };
  const readUnits = {
    orders: events * measured.receiver.rcu + orders * measured.placement.rcu + cancels * measured.cancellation.rcu,
    sync:
      activity.polls * measured.sync.rcuPerItem + runs * (measured.sync.idleRcu + 0.5 * measured.sync.queriesPerRun),
  };
  const logBytes = {
    orders:
      events * (measured.receiver.logBytes + measured.forwarder.logBytes + 3 * model.platformLogBytes) +
      orders * measured.placement.logBytes +
      cancels * measured.cancellation.logBytes,
    sync:
      runs * (measured.sync.idleLogBytes + model.platformLogBytes) +
      activity.changes * Math.max(0, measured.sync.changeLogBytes - measured.sync.idleLogBytes) +
      runs * (400 + model.platformLogBytes),
  };
  // Stored: what an order keeps for good, for every month since it came; what expires, for its TTL; logs for their
  // retention. The month's mean.
  const monthsStored = month - 0.5;
  const storedBytes = (count: number, share: StorageShare) =>
    count *
    (monthsStored * share.kept +
      Object.entries(share.expiring).reduce(
        (sum, [days, bytes]) => sum + Math.min(monthsStored, Number(days) / DAYS_PER_MONTH) * bytes,
        0,
      ));
  const storage = measured.storage;
  const storedGb =
    (storedBytes(orders, storage.placement) +
      storedBytes(cancels, storage.cancellation) +
      storedBytes(activity.changes, storage.change)) /
    GB;
  const logsGbMonthly = (logBytes.orders + logBytes.sync) / GB;
  const logsStoredGb = logsGbMonthly * Math.min(monthsStored, model.logRetentionDays / DAYS_PER_MONTH);
  const traces = invocations * model.traceRate;
  const line = (
    item: string,
    quantity: number,
    unit: string,
    unitPrice: string,
    usd: number,
    basis: string,
  ): CostLine => ({ item, quantity, unit, unitPrice, usd, basis });
  const perMillion = (price: number) => `$${price.toFixed(3).replace(/0+$/, "").replace(/\.$/, "")} per million`;
  const lines: CostLine[] = [
    line(
      "API Gateway HTTP API requests",
      events,
      "requests",
      perMillion(PRICES.httpApiPerMillionRequests),
      (events / MILLION) * PRICES.httpApiPerMillionRequests,
      `${fmt(orders)} order.placed + ${fmt(cancels)} order.cancelled webhooks`,
    ),
    line(
      "Lambda requests",
      invocations,
      "invocations",
      perMillion(PRICES.lambdaPerMillionRequests),
      (invocations / MILLION) * PRICES.lambdaPerMillionRequests,
      `receiver, forwarder and worker once per event; the sync and the sweeper ${fmt(runs)} runs each`,
    ),
    line(
      "Lambda duration: receiver, forwarder, worker",
      gbSeconds.receiver + gbSeconds.forwarder + gbSeconds.worker,
      "GB-s",
      `$${gbPrice} per GB-s (${service.architecture})`,
      (gbSeconds.receiver + gbSeconds.forwarder + gbSeconds.worker) * gbPrice,
      `${ms(measured.receiver.billedMs)} + ${ms(measured.forwarder.billedMs)} ms per event, ${ms(measured.placement.billedMs)} ms per placement, ${ms(measured.cancellation.billedMs)} ms per cancellation (billed means, measured)`,
    ),
    line(
      "Lambda duration: the status sync and the sweeper",
      gbSeconds.sync + gbSeconds.sweeper,
      "GB-s",
      `$${gbPrice} per GB-s (${service.architecture})`,
      (gbSeconds.sync + gbSeconds.sweeper) * gbPrice,
      `${fmt(activity.polls)} polls × ${model.axLatencyMs} ms ÷ ${concurrency} in flight, and ${ms(measured.sync.idleBilledMs)} ms per run`,
    ),
    line(
      "DynamoDB write request units: orders",
      writeUnits.receiver + writeUnits.worker,
      "WRU",
      perMillion(PRICES.dynamoPerMillionWriteUnits),
      ((writeUnits.receiver + writeUnits.worker) / MILLION) * PRICES.dynamoPerMillionWriteUnits,
      `${fmt(measured.receiver.wcu)} per webhook, ${fmt(measured.placement.wcu)} per placement, ${fmt(measured.cancellation.wcu)} per cancellation (by DynamoDB's rule)`,
    ),
    line(
      "DynamoDB write request units: the status sync",
      writeUnits.sync,
      "WRU",
      perMillion(PRICES.dynamoPerMillionWriteUnits),
      (writeUnits.sync / MILLION) * PRICES.dynamoPerMillionWriteUnits,
      `the cursor once per run; ${fmt(activity.changes)} changes × ${fmt(measured.sync.changeWcu + measured.sync.deliveryWcu)} (with the notification's delivery), ${fmt(activity.moves)} cadence moves × ${fmt(measured.sync.moveWcu)}, ${fmt(activity.leaves)} AX orders leaving × ${fmt(measured.sync.leaveWcu)}; nothing for an unchanged poll`,
    ),
    line(
      "DynamoDB read request units",
      readUnits.orders + readUnits.sync,
      "RRU",
      perMillion(PRICES.dynamoPerMillionReadUnits),
      ((readUnits.orders + readUnits.sync) / MILLION) * PRICES.dynamoPerMillionReadUnits,
      `orders ${fmt(readUnits.orders)}; the sync ${fmt(readUnits.sync)}: ${measured.sync.rcuPerItem.toFixed(3)} per due AX order read; per run its cursor (${fmt(measured.sync.idleRcu)}) and ${fmt(measured.sync.queriesPerRun)} queries at DynamoDB's minimum of 0.5`,
    ),
    line(
      "SQS FIFO requests",
      3 * events,
      "requests",
      perMillion(PRICES.sqsFifoPerMillionRequests),
      ((3 * events) / MILLION) * PRICES.sqsFifoPerMillionRequests,
      "send, receive and delete of each event's message",
    ),
    line(
      "CloudWatch Logs ingested",
      logsGbMonthly,
      "GB",
      `$${PRICES.logsIngestionPerGb} per GB`,
      logsGbMonthly * PRICES.logsIngestionPerGb,
      `${fmt(measured.receiver.logBytes + measured.forwarder.logBytes)} B per webhook, ${fmt(measured.placement.logBytes)} per placement (the adapter's lines and EMF), ${model.platformLogBytes} B of Lambda's own per invocation; the sync ${fmt(measured.sync.idleLogBytes)} B per run and one line per change`,
    ),
    line(
      "CloudWatch Logs stored",
      logsStoredGb,
      "GB-month",
      `$${PRICES.logsStoragePerGbMonth} per GB-month`,
      logsStoredGb * PRICES.logsStoragePerGbMonth,
      `kept ${model.logRetentionDays} days (prod), uncompressed (an upper bound)`,
    ),
    line(
      "CloudWatch custom metrics",
      model.metricSeries,
      "series",
      `$${PRICES.metricPerMonth} per series-month`,
      model.metricSeries * PRICES.metricPerMonth,
      "EMF metrics: 26 names by service, and by reason, endpoint and outcome as a month sees them (an estimate; a fixed cost, not per order)",
    ),
    line(
      "X-Ray traces recorded",
      traces,
      "traces",
      perMillion(PRICES.xrayPerMillionTraces),
      (traces / MILLION) * PRICES.xrayPerMillionTraces,
      `${model.traceRate * 100} % of the invocations (resources/tracing.yml, prod)`,
    ),
    line(
      "DynamoDB storage and point-in-time recovery",
      storedGb,
      "GB-month",
      `$${PRICES.dynamoStorageGbMonth} + $${PRICES.dynamoPitrGbMonth} per GB-month`,
      storedGb * (PRICES.dynamoStorageGbMonth + PRICES.dynamoPitrGbMonth),
      `per order ${shareText(storage.placement)}; per cancellation ${shareText(storage.cancellation)}; per status change ${shareText(storage.change)} (every item and index entry, DynamoDB's 100 B each, measured); the month's mean`,
    ),
  ];
  const total = lines.reduce((sum, entry) => sum + entry.usd, 0);
  const storageUsd = lines
    .filter((entry) => entry.item.includes("storage") || entry.item === "CloudWatch Logs stored")
    .reduce((sum, entry) => sum + entry.usd, 0);
  return {
    month,
    activity,
    concurrency,
    workTotal: total - storageUsd,
    table: { title: `Month ${month}`, lines, total },
  };
}

const fmt = (value: number) =>
  Number.isInteger(value) || value >= 100
    ? Math.round(value).toLocaleString("en-US")
    : value.toLocaleString("en-US", { maximumFractionDigits: 2 });
const ms = (value: number) => value.toFixed(1);
