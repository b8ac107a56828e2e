// SQS FIFO worker: applies queued events, reporting partial batch failures so only failed messages are retried.
import { randomUUID } from "node:crypto";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import * as v from "valibot";
import { buildAxClient } from "../lib/adapters/ax";
import { buildStore } from "../lib/adapters/dynamodb";
import { buildSqsClient } from "../lib/adapters/sqs";
import type { AxCallInfo } from "../lib/ax/client";
import { readConfig, type AdapterConfig } from "../lib/config";
import { MAX_RECEIVES } from "../lib/queue/backoff";
import { SqsRetryScheduler } from "../lib/queue/sqs-queue";
import type { DynamoStore } from "../lib/store/dynamo-store";
import { DynamoSearchIndex } from "../lib/store/search-index";
import { logger } from "../lib/observability/logger";
import { emfMetrics, noMetrics, type AdapterMetrics } from "../lib/observability/metrics";
import { QueuedEventSchema, UnknownEventError, applyQueuedEvent, type ApplyEventDeps } from "../lib/orders/apply-event";
import { logContext, withLogContext } from "../lib/observability/log-context";
import { axCallEntry, processingEntry, type AttemptLog, type AttemptLogEntry } from "../lib/orders/attempt-log";
import { systemClock } from "../lib/orders/ports";
import { parseJsonOrUndefined } from "../lib/json";

/** The part of the Lambda context the worker reads. */
export type WorkerContext = Pick<Context, "getRemainingTimeInMillis">;

/**
 * `metrics`: the Lambda passes EMF metrics; the local stack and the tests count nothing.
 * With a Lambda `context`, an event is started only while at least `deps.createLeaseMs` (one AX call's timeout plus
 * the writes around it) remain, so that a timeout never stops a worker between AX's answer and its write; the events
 * not started go back to the queue.
 */
/** Schedules a failed message's next delivery (in AWS: its visibility timeout becomes the backoff delay). */
export interface RetryScheduler {
  later(receiptHandle: string, receiveCount: number): Promise<number>;
}

export function createProcessEventHandler(
  deps: ApplyEventDeps & Partial<NoteAttemptFailure> & Partial<AttemptLog>,
  metrics: AdapterMetrics = noMetrics,
  retry?: RetryScheduler,
) {
  const processBatch = async (event: SQSEvent, context?: WorkerContext): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchItemFailure[] = [];
    // FIFO: once a message fails, the later messages of its group (its order) must wait for it; other orders go on.
    const heldGroups = new Set<string>();
    const holdBack = (record: SQSRecord) => {
      heldGroups.add(record.attributes.MessageGroupId ?? "");
      batchItemFailures.push({ itemIdentifier: record.messageId });
    };
    // The attempt is noted on the event (the sweeper tells a message the queue retries from one that is gone), and
    // whether it was the message's last receive before the dead-letter queue.
    const noteFailure = async (ids: { webhook_id: string; receive_count: number }, why: string) => {
      await deps
        .noteAttemptFailure?.(ids.webhook_id, why, ids.receive_count >= MAX_RECEIVES)
        .catch((noteError: unknown) => {
          logger.warn("could not note the failed attempt on the event", { ...ids, error: noteError as Error });
        });
    };
    for (const record of event.Records) {
      if (heldGroups.has(record.attributes.MessageGroupId ?? "")) {
        batchItemFailures.push({ itemIdentifier: record.messageId });
        // Received and returned unapplied: it counts towards the dead-letter queue like a failed attempt.
        const held = v.safeParse(QueuedEventSchema, parseJsonOrUndefined(record.body));
        if (held.success)
          await noteFailure(
            { webhook_id: held.output.webhook_id, receive_count: Number(record.attributes.ApproximateReceiveCount) },
            "held back behind a failed event of its order",
          );
        continue;
      }
      if (context && context.getRemainingTimeInMillis() < deps.createLeaseMs) {
        logger.warn("too little time left in this invocation; the message goes back to the queue", {
          message_id: record.messageId,
          remaining_ms: context.getRemainingTimeInMillis(),
        });
        holdBack(record);
        continue;
      }
      const message = v.safeParse(QueuedEventSchema, parseJsonOrUndefined(record.body));
      if (!message.success) {
        logger.error("queue message is not an adapter event; dropped", { message_id: record.messageId });
        metrics.eventDropped();
        continue;
      }
      const ids = {
        webhook_id: message.output.webhook_id,
        order_id: message.output.order_id,
        correlation_id: message.output.correlation_id,
        receive_count: Number(record.attributes.ApproximateReceiveCount),
      };
      // The order's attempt log: the event's AX calls (gathered by the AX client's hook), then what came of it.
      const attempts: AttemptLogEntry[] = [];
      const writeAttempts = async (last: AttemptLogEntry) => {
        await deps.recordAttempts?.([...attempts, last]).catch((logError: unknown) => {
          logger.warn("could not write the order's attempt log", { ...ids, error: logError as Error });
        });
      };
      try {
        const outcome = await withLogContext({ ...ids, attempts }, () => applyQueuedEvent(deps, message.output));
        logger.info("event processed", {
          ...ids,
          status: outcome.status,
          reason: outcome.reason,
          already_settled: outcome.alreadySettled === true,
        });
        metrics.eventProcessed(outcome);
        if (!outcome.alreadySettled || attempts.length > 0)
          await writeAttempts(processingEntry(ids, new Date().toISOString(), { kind: "processed", ...outcome }));
      } catch (error) {
        if (error instanceof UnknownEventError) {
          // Nothing to apply, and a retry would find nothing either.
          logger.error("queue message names no stored event of its order; dropped", { ...ids, error: error.message });
          metrics.eventDropped();
          continue;
        }
        metrics.eventRetried();
        holdBack(record);
        await noteFailure(ids, describeFailure(error));
        await writeAttempts(
          processingEntry(ids, new Date().toISOString(), {
            kind: ids.receive_count >= MAX_RECEIVES ? "dead_lettered" : "retried",
            error: describeFailure(error),
            receiveCount: ids.receive_count,
          }),
        );
        const delaySeconds = await retry
          ?.later(record.receiptHandle, ids.receive_count)
          .catch((scheduleError: unknown) => {
            // Still retried, after the queue's own visibility timeout.
            logger.warn("could not schedule the retry's backoff", { ...ids, error: scheduleError as Error });
            return undefined;
          });
        logger.warn("event will be retried", { ...ids, retry_in_s: delaySeconds, error: error as Error });
      }
    }
    return { batchItemFailures };
  };
  // A batch's metrics are written together when it is done: a few EMF lines per batch, not two per AX call.
  return async (event: SQSEvent, context?: WorkerContext): Promise<SQSBatchResponse> => {
    try {
      return await processBatch(event, context);
    } finally {
      metrics.flush?.();
    }
  };
}

/** Notes a passing failure on the stored event (what the read API and the console show while it is retried). */
export interface NoteAttemptFailure {
  /** `deadLettered`: it was the message's last receive: SQS moves it to the dead-letter queue. */
  noteAttemptFailure(webhookId: string, error: string, deadLettered: boolean): Promise<void>;
}

/** A failure in words for operators: the error's class and message, which never hold a response body. */
function describeFailure(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return String(error).slice(0, 500);
}

/** The worker's adapters, shared by the Lambda and the local stack; `onAxCall` sees every AX call (for metrics). */
export function workerDeps(
  config: AdapterConfig,
  store: DynamoStore,
  onAxCall?: (info: AxCallInfo) => void,
): ApplyEventDeps & NoteAttemptFailure & AttemptLog {
  return {
    recordAttempts: (entries) => store.recordAttempts(entries),
    orders: store,
    answers: store,
    products: store,
    events: store,
    search: new DynamoSearchIndex(store.documentClient, store.tableName),
    noteAttemptFailure: (webhookId, error, deadLettered) =>
      store.noteAttemptFailure(webhookId, error, new Date(), deadLettered),
    ax: buildAxClient(config, (info) => {
      // Carries the event's correlation id: one webhook can be followed from its request to its AX calls. Only its
      // ids: the attempt log's entries gathered in the same context hold AX's requests, never for a log line.
      const { attempts, ...ids } = logContext();
      logger.info("AX call", {
        ...ids,
        endpoint: info.endpoint,
        http_status: info.status,
        outcome: info.outcome,
        duration_ms: Math.round(info.durationMs),
      });
      // And in the order's attempt log, written once the event is through (its request and answer masked there).
      if (ids.order_id && attempts)
        attempts.push(axCallEntry(info, { ...ids, order_id: ids.order_id }, new Date().toISOString()));
      onAxCall?.(info);
    }),
    clock: systemClock,
    newAttemptId: randomUUID,
    // Longer than one AX call plus the writes around it: a younger `pending` create is another worker's, in flight.
    createLeaseMs: config.axTimeoutMs + 20_000,
    parkEvent: (webhookId, reason, detail) =>
      store.setEventStatus({ webhook_id: webhookId, status: "failed", reason, detail }, new Date()),
  };
}

let handlerInstance: ReturnType<typeof createProcessEventHandler> | undefined;

function defaultHandler() {
  if (!handlerInstance) {
    const config = readConfig();
    const metrics = emfMetrics(undefined, { batched: true });
    handlerInstance = createProcessEventHandler(
      workerDeps(config, buildStore(config), (info) => metrics.axCalled(info)),
      metrics,
      new SqsRetryScheduler(buildSqsClient(config), config.queueUrl),
    );
  }
  return handlerInstance;
}

// The logger gets the invocation's request id and cold start; the event itself is never logged (it holds personal data).
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .handler((event, context) => defaultHandler()(event, context));
