// Scheduled (every 5 minutes by default): polls AX confirmation info for the AX orders that are due, records
// the supplier's decisions, then sends the pending `order.status_changed` webhooks (when one is configured).
import { randomUUID } from "node:crypto";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { buildAxClient } from "../lib/adapters/ax";
import { buildStore } from "../lib/adapters/dynamodb";
import type { AxCallInfo } from "../lib/ax/client";
import { readConfig, type AdapterConfig } from "../lib/config";
import { logger } from "../lib/observability/logger";
import { SERVICE_NAME, emfMetrics, type AdapterMetrics } from "../lib/observability/metrics";
import { deliverNotifications, type DeliverDeps, type DeliveryReport } from "../lib/orders/notify";
import { systemClock } from "../lib/orders/ports";
import { syncStatuses, type SyncReport, type SyncStatusesDeps } from "../lib/orders/sync-statuses";
import { OutboundWebhookSender } from "../lib/outbound/webhook-sender";
import type { DynamoStore } from "../lib/store/dynamo-store";
import { withOctoBookingUpdates } from "../lib/octo/booking-updates";
import { octoStoreOn } from "../lib/octo/expiry-build";

/** The part of the Lambda context the handler reads. */
export type SyncContext = Pick<Context, "getRemainingTimeInMillis">;

export interface SyncRunDeps {
  sync: SyncStatusesDeps;
  /** Undefined when no outbound webhook is configured (and then no notification is written either). */
  deliver: DeliverDeps | undefined;
  /** How long the sync, then the sending, each keep starting calls. */
  budgetMs: number;
  /** Kept free at the end of a Lambda invocation for the calls already started (one AX call or webhook, writes). */
  reserveMs: number;
}

export interface SyncRunReport {
  sync: SyncReport;
  notifications?: DeliveryReport;
}

/** Counts for the alarms and the dashboard (EMF in Lambda, nothing locally), written once per run. */
export interface SyncMetrics {
  synced(report: SyncReport): void;
  delivered(report: DeliveryReport): void;
  /** Writes what the run counted, its AX calls included: a few EMF lines per run, none per poll. */
  flush?(): void;
}

export const SYNC_METRIC = {
  read: "StatusSyncRead",
  polled: "StatusSyncPolled",
  changes: "StatusChanges",
  failures: "StatusSyncFailures",
  dueLeft: "StatusSyncDueLeft",
  delivered: "NotificationsDelivered",
  attemptsFailed: "NotificationAttemptsFailed",
  dead: "NotificationsDead",
} as const;

export const noSyncMetrics: SyncMetrics = { synced: () => undefined, delivered: () => undefined };

/** The run's counts in one EMF line; `calls` holds the run's AX calls (batched), written with them. */
export function emfSyncMetrics(
  metrics: Metrics = new Metrics({ serviceName: SERVICE_NAME }),
  calls?: AdapterMetrics,
): SyncMetrics {
  const add = (values: Record<string, number>) => {
    for (const [name, value] of Object.entries(values)) metrics.addMetric(name, MetricUnit.Count, value);
  };
  return {
    synced: (report) => {
      add({
        [SYNC_METRIC.read]: report.read,
        [SYNC_METRIC.polled]: report.polled,
        [SYNC_METRIC.changes]: report.changed,
        [SYNC_METRIC.failures]: report.failed,
        [SYNC_METRIC.dueLeft]: report.due_left ? 1 : 0,
      });
    },
    delivered: (report) => {
      add({
        [SYNC_METRIC.delivered]: report.delivered,
        [SYNC_METRIC.attemptsFailed]: report.failed,
        [SYNC_METRIC.dead]: report.dead,
      });
    },
    flush: () => {
      metrics.publishStoredMetrics();
      calls?.flush?.();
    },
  };
}

/**
 * One run: the sync until its budget is used, then the notifications due (the ones just written first) until the
 * budget is used again. In Lambda both budgets are capped so that `reserveMs` is left when the last calls start.
 * It logs one line with the run's counts (a warning when something failed), and one more per change it recorded:
 * nothing per poll.
 */
export function createSyncStatusesHandler(deps: SyncRunDeps, metrics: SyncMetrics = noSyncMetrics) {
  return async (_event?: unknown, context?: SyncContext): Promise<SyncRunReport> => {
    const clock = deps.sync.clock;
    const deadline = () =>
      clock.now().getTime() +
      Math.min(deps.budgetMs, context ? context.getRemainingTimeInMillis() - deps.reserveMs : Infinity);

    const { report, notifications } = await syncStatuses(deps.sync, { deadline: deadline() });
    let delivery: DeliveryReport | undefined;
    try {
      if (deps.deliver)
        delivery = await deliverNotifications(deps.deliver, { deadline: deadline(), fresh: notifications });
    } catch (error) {
      // The secret is missing or malformed, or the table failed: the notifications wait, the function errors.
      logger.error("notifications could not be sent", { error: error as Error });
      throw error;
    } finally {
      for (const change of report.changes) logger.info("AX order status changed", { ...change });
      const { changes: _changes, ...counts } = report;
      const failed = report.failed > 0 || (delivery?.dead ?? 0) > 0;
      logger[failed ? "warn" : "info"]("status sync run", {
        ...counts,
        ...(delivery ? { notifications: delivery } : {}),
      });
      if (delivery && delivery.dead > 0)
        logger.error("notifications given up after every attempt", { dead: delivery.dead });
      metrics.synced(report);
      if (delivery) metrics.delivered(delivery);
      metrics.flush?.();
    }
    return delivery ? { sync: report, notifications: delivery } : { sync: report };
  };
}

/** `order.status_changed` ids, the `webhook-id` of each attempt. */
export const newNotificationId = () => `msg_${randomUUID().replaceAll("-", "")}`;

/** The run's adapters, shared by the Lambda, the local stack and the CLI; `onAxCall` sees every AX call. */
export function syncRunDeps(
  config: AdapterConfig,
  store: DynamoStore,
  onAxCall?: (info: AxCallInfo) => void,
): SyncRunDeps {
  const url = config.outboundWebhookUrl;
  const run: SyncRunDeps = {
    sync: {
      store,
      ax: buildAxClient(config, onAxCall),
      clock: systemClock,
      concurrency: config.syncConcurrency,
      schedule: config.syncSchedule,
      ...(url !== undefined ? { newNotificationId } : {}),
    },
    deliver:
      url === undefined
        ? undefined
        : {
            outbox: store,
            sender: new OutboundWebhookSender({
              url,
              secret: () => config.secrets.get("OUTBOUND_WEBHOOK_SECRET"),
              timeoutMs: config.outboundWebhookTimeoutMs,
              clock: systemClock,
            }),
            clock: systemClock,
            maxAttempts: config.outboundWebhookMaxAttempts,
            concurrency: config.syncConcurrency,
          },
    budgetMs: config.syncBudgetMs,
    reserveMs: Math.max(config.axTimeoutMs, url !== undefined ? config.outboundWebhookTimeoutMs : 0) + 5_000,
  };
  // Issue #20: OCTO resellers' booking_update webhooks for the changes of their bookings (lib/octo/booking-updates.ts).
  return withOctoBookingUpdates(run, config, store, octoStoreOn(store, config));
}

let handlerInstance: ReturnType<typeof createSyncStatusesHandler> | undefined;

function defaultHandler() {
  if (!handlerInstance) {
    const config = readConfig();
    // The run's AX calls are counted together and written with its counts: a few EMF lines per run.
    const axMetrics = emfMetrics(undefined, { batched: true });
    handlerInstance = createSyncStatusesHandler(
      syncRunDeps(config, buildStore(config), (info) => {
        axMetrics.axCalled(info);
      }),
      emfSyncMetrics(undefined, axMetrics),
    );
  }
  return handlerInstance;
}

// The logger gets the invocation's request id and cold start; the schedule's event carries nothing to log.
export const handler = middy<unknown, SyncRunReport>()
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .handler((event, context) => defaultHandler()(event, context));
