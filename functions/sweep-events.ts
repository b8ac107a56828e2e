// Scheduled: queues again any stored event the outbox's stream did not deliver (lib/orders/sweep-events.ts), and
// publishes the age of the oldest such event, which is alarmed.
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { buildStore } from "../lib/adapters/dynamodb";
import { buildQueue } from "../lib/adapters/sqs";
import { readConfig } from "../lib/config";
import { octoHoldExpiry } from "../lib/octo/expiry-build";
import { logger } from "../lib/observability/logger";
import { DEAD_LETTER_RETENTION_MS } from "../lib/queue/backoff";
import { emfMetrics, noMetrics, type AdapterMetrics } from "../lib/observability/metrics";
import { systemClock } from "../lib/orders/ports";
import {
  sweepEvents,
  sweepFailure,
  type SweepDeps,
  type SweepOptions,
  type SweepReport,
} from "../lib/orders/sweep-events";

export function createSweepEventsHandler(
  deps: SweepDeps,
  options: SweepOptions,
  metrics: AdapterMetrics = noMetrics,
  /** Issue #20: the OCTO holds whose time ran out are marked EXPIRED on the same schedule. */
  expireOctoHolds?: () => Promise<{ expired: number }>,
) {
  /** `remainingMs`: the invocation's time left; the sweep stops looking at candidates a margin before it ends. */
  return async (remainingMs?: () => number): Promise<SweepReport> => {
    if (expireOctoHolds) {
      const { expired } = await expireOctoHolds();
      if (expired > 0) logger.info("OCTO holds expired", { expired });
    }
    const budget = remainingMs ? { budgetMs: Math.max(0, remainingMs() - SWEEP_MARGIN_MS) } : {};
    const report = await sweepEvents(deps, { ...options, ...budget });
    metrics.swept(report);
    const summary = {
      requeued: report.requeued,
      held: report.held,
      retrying: report.retrying,
      dead_lettered: report.deadLettered,
      waiting_behind: report.waitingBehind,
      oldest_stranded_age_s: report.oldestStrandedAgeSeconds,
      oldest_unfinished_age_s: report.oldestUnfinishedAgeSeconds,
      truncated: report.truncated,
      failed: report.failedCount,
    };
    if (report.truncated) logger.warn("sweep stopped at its time budget before it looked at every candidate", summary);
    if (report.requeued > 0)
      logger.warn("stranded events queued again", { ...summary, webhook_ids: report.requeuedIds.slice(0, 50) });
    else logger.info("sweep found nothing stranded", summary);
    // Failed candidates were passed over (the ones behind them swept); the run still fails, so the function's error
    // alarm says so, and the next run tries them again.
    const failure = sweepFailure(report);
    if (failure) {
      logger.error("sweep passed over candidates it could not sweep", { ...summary, failures: report.failed });
      throw failure;
    }
    return report;
  };
}

/** Left of the invocation when the sweep stops looking: the last candidate's reads and its send fit in it. */
const SWEEP_MARGIN_MS = 20_000;

let handlerInstance: ReturnType<typeof createSweepEventsHandler> | undefined;

function defaultHandler() {
  if (!handlerInstance) {
    const config = readConfig();
    const store = buildStore(config);
    handlerInstance = createSweepEventsHandler(
      { events: store, orders: store, queue: buildQueue(config), clock: systemClock },
      {
        strandedAfterMs: config.sweepStrandedAfterMs,
        triedStrandedAfterMs: config.sweepTriedStrandedAfterMs,
        deadLetterRetentionMs: DEAD_LETTER_RETENTION_MS,
      },
      emfMetrics(),
      octoHoldExpiry(store, config),
    );
  }
  return handlerInstance;
}

export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .handler((_event: unknown, context: Context) => defaultHandler()(() => context.getRemainingTimeInMillis()));
