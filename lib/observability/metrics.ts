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
};

type Dimensions = Record<string, string>;
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** EMF metrics through one Powertools Metrics instance; each call publishes one log line at once, so nothing waits
 *  for the end of the invocation and a crash loses nothing already counted. */
export function emfMetrics(metrics: Metrics = new Metrics({ serviceName: SERVICE_NAME })): AdapterMetrics {
  /** One EMF line: `values` under the `service` dimension alone, and under each extra dimension set. */
  const publish = (values: Record<string, number>, unit: Unit, extraSets: Dimensions[] = []): void => {
    metrics.addDimensions({});
    for (const set of extraSets) metrics.addDimensions(set);
    for (const [name, value] of Object.entries(values)) metrics.addMetric(name, unit, value);
    metrics.publishStoredMetrics();
  };
  const count = (name: string, extraSets: Dimensions[] = []): void =>
    publish({ [name]: 1 }, MetricUnit.Count, extraSets);

  return {
    webhookAnswered: ({ outcome, reason }) => {
      if (outcome === "accepted") count(METRIC.webhooksAccepted);
      else if (outcome === "duplicate") count(METRIC.webhooksDuplicate);
      else {
        count(METRIC.webhooksRejected, [{ reason: reason ?? "unknown" }]);
        if (reason === "invalid_signature") count(METRIC.signaturesRefused);
      }
    },
    webhookFailed: () => count(METRIC.webhooksFailed),
    eventProcessed: (outcome) => {
      // An event settled before (a redelivery) was counted the first time.
      if (outcome.alreadySettled) return;
      const reason = outcome.reason ?? "none";
      if (outcome.status === "applied") count(METRIC.eventsApplied);
      else if (outcome.status === "ignored") count(METRIC.eventsIgnored, [{ reason }]);
      else if (outcome.status === "queued") count(METRIC.eventsWaiting, [{ reason }]);
      else {
        count(METRIC.eventsParked, [{ reason }]);
        if (outcome.reason === "create_uncertain") count(METRIC.createsUncertain);
      }
    },
    eventRetried: () => count(METRIC.eventsRetried),
    eventDropped: () => count(METRIC.eventsDropped),
    eventsForwarded: (forwarded) => publish({ [METRIC.eventsForwarded]: forwarded }, MetricUnit.Count),
    swept: (report) => {
      publish({ [METRIC.eventsSwept]: report.requeued }, MetricUnit.Count);
      publish(
        {
          [METRIC.oldestStrandedEventAge]: report.oldestStrandedAgeSeconds,
          [METRIC.oldestUnfinishedEventAge]: report.oldestUnfinishedAgeSeconds,
        },
        MetricUnit.Seconds,
      );
    },
    axCalled: (info) => {
      const byCall: Dimensions[] = [{ endpoint: info.endpoint }, { endpoint: info.endpoint, outcome: info.outcome }];
      publish(
        {
          [METRIC.axCalls]: 1,
          [METRIC.axCallErrors]: info.outcome !== "ok" && AX_HEALTH_ERRORS.has(info.outcome) ? 1 : 0,
        },
        MetricUnit.Count,
        byCall,
      );
      publish({ [METRIC.axCallLatency]: info.durationMs }, MetricUnit.Milliseconds, byCall);
    },
  };
}
