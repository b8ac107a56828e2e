// Scheduled (every 5 minutes by default): polls AX confirmation info for the AX orders that are not final, records
// the supplier's decisions, then sends the pending `order.status_changed` webhooks (when one is configured).
import { randomUUID } from "node:crypto";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { buildAxClient, buildStore } from "../lib/adapters";
import type { AxCallInfo } from "../lib/ax/client";
import { readConfig, type AdapterConfig } from "../lib/config";
import { logger } from "../lib/observability/logger";
import { SERVICE_NAME, emfMetrics } from "../lib/observability/metrics";
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

/** Counts for the alarms and the dashboard (EMF in Lambda, nothing locally). */
export interface SyncMetrics {
  synced(report: SyncReport): void;
  delivered(report: DeliveryReport): void;
}

export const SYNC_METRIC = {
  polled: "StatusSyncPolled",
  changes: "StatusChanges",
  failures: "StatusSyncFailures",
  dueLeft: "StatusSyncDueLeft",
  delivered: "NotificationsDelivered",
  attemptsFailed: "NotificationAttemptsFailed",
  dead: "NotificationsDead",
} as const;

export const noSyncMetrics: SyncMetrics = { synced: () => undefined, delivered: () => undefined };

export function emfSyncMetrics(metrics: Metrics = new Metrics({ serviceName: SERVICE_NAME })): SyncMetrics {
  const publish = (values: Record<string, number>) => {
    for (const [name, value] of Object.entries(values)) metrics.addMetric(name, MetricUnit.Count, value);
    metrics.publishStoredMetrics();
  };
  return {
    synced: (report) => {
      publish({
        [SYNC_METRIC.polled]: report.polled,
        [SYNC_METRIC.changes]: report.changed,
        [SYNC_METRIC.failures]: report.failed,
        [SYNC_METRIC.dueLeft]: report.due_left ? 1 : 0,
      });
    },
    delivered: (report) => {
      publish({
        [SYNC_METRIC.delivered]: report.delivered,
        [SYNC_METRIC.attemptsFailed]: report.failed,
        [SYNC_METRIC.dead]: report.dead,
      });
    },
  };
}

/**
 * One run: the sync until its budget is used, then the notifications due (the ones just written first) until the
 * budget is used again. In Lambda both budgets are capped so that `reserveMs` is left when the last calls start.
 */
export function createSyncStatusesHandler(deps: SyncRunDeps, metrics: SyncMetrics = noSyncMetrics) {
  return async (_event?: unknown, context?: SyncContext): Promise<SyncRunReport> => {
    const clock = deps.sync.clock;
    const deadline = () =>
      clock.now().getTime() +
      Math.min(deps.budgetMs, context ? context.getRemainingTimeInMillis() - deps.reserveMs : Infinity);

    const { report, notifications } = await syncStatuses(deps.sync, { deadline: deadline() });
    // A run that found nothing due is only worth a debug line (one every 5 minutes, or every minute locally).
    const level = report.polled > 0 || report.due_left ? "info" : "debug";
    logger[level]("status sync", { ...report, errors: report.errors.slice(0, 5) });
    metrics.synced(report);
    if (!deps.deliver) return { sync: report };

    try {
      const delivery = await deliverNotifications(deps.deliver, { deadline: deadline(), fresh: notifications });
      logger[delivery.attempted > 0 || delivery.due_left ? "info" : "debug"]("notifications sent", { ...delivery });
      if (delivery.dead > 0) logger.error("notifications given up after every attempt", { dead: delivery.dead });
      metrics.delivered(delivery);
      return { sync: report, notifications: delivery };
    } catch (error) {
      // The secret is missing or malformed, or the table failed: the notifications wait, the function errors.
      logger.error("notifications could not be sent", { error: error as Error });
      throw error;
    }
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
      confirmedIntervalMs: config.syncConfirmedIntervalMs,
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
    const axMetrics = emfMetrics();
    handlerInstance = createSyncStatusesHandler(
      syncRunDeps(config, buildStore(config), (info) => {
        axMetrics.axCalled(info);
      }),
      emfSyncMetrics(),
    );
  }
  return handlerInstance;
}

// The logger gets the invocation's request id and cold start; the schedule's event carries nothing to log.
export const handler = middy<unknown, SyncRunReport>()
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .handler((event, context) => defaultHandler()(event, context));
