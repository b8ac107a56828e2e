// CloudWatch metrics as EMF log lines (Powertools Metrics): no API call, no extra permission. The namespace comes from
// POWERTOOLS_METRICS_NAMESPACE (one per stage, set in serverless.yml); every metric has the dimension `service`, and
// some are also published per reason, endpoint or outcome. The alarms in resources/monitoring.yml read the
// `service`-only series, so names and dimensions here are part of the deployment's contract (test/deploy checks them).
// Only codes and counts: never ids, names or anything a person could be found by.
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { AxCallInfo } from "../ax/client";

/** What the receiver answered (the shape of WebhookAnswer that metrics read). */
export interface AnsweredWebhook {
  outcome: "accepted" | "duplicate" | "rejected";
  reason?: string | undefined;
}

/** What the worker did with one event (the shape of ApplyOutcome that metrics read). */
export interface ProcessedEvent {
  /** `queued`: the event waits for something (e.g. its order's placement) and is applied later. */
  status: "applied" | "ignored" | "failed" | "queued";
  reason?: string | undefined;
  alreadySettled?: boolean | undefined;
}

export const SERVICE_NAME = "ax-channel-adapter";

/** Metric names, as the alarms and the dashboard know them. */
export const METRIC = {
  webhooksAccepted: "WebhooksAccepted",
  webhooksDuplicate: "WebhooksDuplicate",
  webhooksRejected: "WebhooksRejected",
  /** Deliveries refused for their signature or timestamp (401): the alarm on refused signatures reads it. */
  signaturesRefused: "WebhookSignaturesRefused",
  webhooksFailed: "WebhooksFailed",
  eventsApplied: "EventsApplied",
  eventsIgnored: "EventsIgnored",
  eventsWaiting: "EventsWaiting",
  eventsParked: "EventsParked",
  createsUncertain: "CreatesUncertain",
  eventsRetried: "EventsRetried",
  eventsDropped: "EventsDropped",
  axCalls: "AxCalls",
  axCallErrors: "AxCallErrors",
  axCallLatency: "AxCallLatency",
  eventsForwarded: "EventsForwarded",
  eventsSwept: "EventsSwept",
  oldestStrandedEventAge: "OldestStrandedEventAge",
  oldestUnfinishedEventAge: "OldestUnfinishedEventAge",
  /** Admin API requests refused for their token (none, or unknown): the alarm on refused admin tokens reads it. */
  adminTokensRefused: "AdminTokensRefused",
} as const;

/** What one sweep of the outbox found (the shape of SweepReport that metrics read). */
export interface SweptEvents {
  requeued: number;
  /** Seconds since the oldest event the sweep queued again was received (0: none). */
  oldestStrandedAgeSeconds: number;
  /** Seconds since the oldest event still unfinished (`queued`) was received (0: none). */
  oldestUnfinishedAgeSeconds: number;
}

/** AX outcomes that count against AX's health: the call did not get a usable answer, or AX refused our credentials.
 *  A 400 (`ax_rejected`) or 404 (`ax_not_found`) is AX working as designed: those park events (EventsParked). */
const AX_HEALTH_ERRORS: ReadonlySet<string> = new Set([
  "ax_not_sent",
  "ax_throttled",
  "ax_unavailable",
  "ax_outcome_unknown",
  "ax_unexpected_response",
  "ax_request_invalid",
  "ax_auth",
]);

/** What the handlers report. `noMetrics` locally and in tests; `emfMetrics()` in Lambda. */
export interface AdapterMetrics {
  webhookAnswered: (answer: AnsweredWebhook) => void;
  /** The receiver could not store or queue the event (answered 503). */
  webhookFailed: () => void;
  eventProcessed: (outcome: ProcessedEvent) => void;
  /** The event threw and goes back to the queue. */
  eventRetried: () => void;
  /** A queue message that is not an adapter event. */
  eventDropped: () => void;
  axCalled: (info: AxCallInfo) => void;
  /** Stored events the stream consumer (or the sweeper) put in the queue. */
  eventsForwarded: (count: number) => void;
  swept: (report: SweptEvents) => void;
  /** The admin API refused a request's token: `missing` (none presented) or `unknown`. */
  adminTokenRefused: (reason: "missing" | "unknown") => void;
  /** Batched metrics (a sync run's, a worker's batch's) are written now: one EMF line per dimension set. */
  flush?: () => void;
}

export const noMetrics: AdapterMetrics = {
  eventsForwarded: () => undefined,
  swept: () => undefined,
  webhookAnswered: () => undefined,
  webhookFailed: () => undefined,
  eventProcessed: () => undefined,
  eventRetried: () => undefined,
  eventDropped: () => undefined,
  axCalled: () => undefined,
  adminTokenRefused: () => undefined,
};

type Dimensions = Record<string, string>;
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** EMF accepts at most this many values of one metric in one line: latencies beyond it are sampled. */
const MAX_VALUES = 100;

/** One EMF line to be: metrics under the `service` dimension alone and, when set, under one more set. */
interface Group {
  dimensions: Dimensions;
  sums: Map<string, { unit: Unit; value: number }>;
  samples: Map<string, { unit: Unit; values: number[]; seen: number }>;
}

/**
 * EMF metrics through one Powertools Metrics instance. Unbatched, each call publishes its line at once (the receiver:
 * one webhook per invocation). Batched (`{ batched: true }`: a status sync run, a worker's batch of messages), counts
 * add up and latencies are sampled until `flush()`, which writes one line per dimension set: a sync run polling a
 * thousand AX orders writes a few lines, not two per poll. Every line has one extra dimension set at most, so no key
 * is in two sets (Powertools warns in the log about each such key, at every publish).
 */
export function emfMetrics(
  metrics: Metrics = new Metrics({ serviceName: SERVICE_NAME }),
  options: { batched?: boolean } = {},
): AdapterMetrics {
  const groups = new Map<string, Group>();
  const group = (dimensions: Dimensions): Group => {
    const key = JSON.stringify(Object.entries(dimensions).sort());
    let found = groups.get(key);
    if (!found) {
      found = { dimensions, sums: new Map(), samples: new Map() };
      groups.set(key, found);
    }
    return found;
  };
  const flush = (): void => {
    for (const { dimensions, sums, samples } of groups.values()) {
      metrics.addDimensions({});
      if (Object.keys(dimensions).length > 0) metrics.addDimensions(dimensions);
      for (const [name, { unit, value }] of sums) metrics.addMetric(name, unit, value);
      for (const [name, { unit, values }] of samples) for (const value of values) metrics.addMetric(name, unit, value);
      // Powertools writes a metric's line itself when it holds 100 values (EMF's limit): nothing may be left.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
    groups.clear();
  };
  const add = (name: string, unit: Unit, value: number, dimensions: Dimensions = {}): void => {
    const sums = group(dimensions).sums;
    const sum = sums.get(name);
    if (sum) sum.value += value;
    else sums.set(name, { unit, value });
  };
  /** A latency: every one while few, a uniform sample of them past EMF's limit (reservoir sampling). */
  const sample = (name: string, unit: Unit, value: number, dimensions: Dimensions): void => {
    const samples = group(dimensions).samples;
    const kept = samples.get(name) ?? { unit, values: [], seen: 0 };
    samples.set(name, kept);
    kept.seen++;
    if (kept.values.length < MAX_VALUES) kept.values.push(value);
    else {
      const slot = Math.floor(Math.random() * kept.seen);
      if (slot < MAX_VALUES) kept.values[slot] = value;
    }
  };
  const count = (name: string, dimensions?: Dimensions): void => add(name, MetricUnit.Count, 1, dimensions);

  const recorded: Omit<AdapterMetrics, "flush"> = {
    webhookAnswered: ({ outcome, reason }) => {
      if (outcome === "accepted") count(METRIC.webhooksAccepted);
      else if (outcome === "duplicate") count(METRIC.webhooksDuplicate);
      else {
        count(METRIC.webhooksRejected, { reason: reason ?? "unknown" });
        if (reason === "invalid_signature") count(METRIC.signaturesRefused);
      }
    },
    webhookFailed: () => count(METRIC.webhooksFailed),
    eventProcessed: (outcome) => {
      // An event settled before (a redelivery) was counted the first time.
      if (outcome.alreadySettled) return;
      const reason = outcome.reason ?? "none";
      if (outcome.status === "applied") count(METRIC.eventsApplied);
      else if (outcome.status === "ignored") count(METRIC.eventsIgnored, { reason });
      else if (outcome.status === "queued") count(METRIC.eventsWaiting, { reason });
      else {
        count(METRIC.eventsParked, { reason });
        if (outcome.reason === "create_uncertain") count(METRIC.createsUncertain);
      }
    },
    eventRetried: () => count(METRIC.eventsRetried),
    eventDropped: () => count(METRIC.eventsDropped),
    eventsForwarded: (forwarded) => add(METRIC.eventsForwarded, MetricUnit.Count, forwarded),
    swept: (report) => {
      add(METRIC.eventsSwept, MetricUnit.Count, report.requeued);
      add(METRIC.oldestStrandedEventAge, MetricUnit.Seconds, report.oldestStrandedAgeSeconds);
      add(METRIC.oldestUnfinishedEventAge, MetricUnit.Seconds, report.oldestUnfinishedAgeSeconds);
    },
    adminTokenRefused: (reason) => count(METRIC.adminTokensRefused, { reason }),
    axCalled: (info) => {
      // Counts by endpoint and outcome (the dashboard's breakdown); latency by endpoint (its percentiles).
      const byOutcome = { endpoint: info.endpoint, outcome: info.outcome };
      add(METRIC.axCalls, MetricUnit.Count, 1, byOutcome);
      add(
        METRIC.axCallErrors,
        MetricUnit.Count,
        info.outcome !== "ok" && AX_HEALTH_ERRORS.has(info.outcome) ? 1 : 0,
        byOutcome,
      );
      // Whole milliseconds: a sample of a hundred latencies stays a few hundred bytes.
      sample(METRIC.axCallLatency, MetricUnit.Milliseconds, Math.round(info.durationMs), { endpoint: info.endpoint });
    },
  };
  if (options.batched) return { ...recorded, flush };
  // Unbatched: what one call recorded is written at once (a crash loses nothing already counted).
  const written = Object.fromEntries(
    Object.entries(recorded).map(([name, record]) => [
      name,
      (...args: unknown[]) => {
        (record as (...values: unknown[]) => void)(...args);
        flush();
      },
    ]),
  ) as unknown as Omit<AdapterMetrics, "flush">;
  return { ...written, flush };
}
