// SQS FIFO worker: applies queued events, reporting partial batch failures so only failed messages are retried.
import { randomUUID } from "node:crypto";
import middy from "@middy/core";
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from "aws-lambda";
import * as v from "valibot";
import { buildAxClient, buildStore } from "../lib/adapters";
import { readConfig, type AdapterConfig } from "../lib/config";
import type { DynamoStore } from "../lib/store/dynamo-store";
import { logger } from "../lib/observability/logger";
import { QueuedEventSchema, applyQueuedEvent, type ApplyEventDeps } from "../lib/orders/apply-event";
import { systemClock } from "../lib/orders/ports";

export function createProcessEventHandler(deps: ApplyEventDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchItemFailure[] = [];
    for (const record of event.Records) {
      // FIFO: once a message fails, the later ones must wait for it (they may belong to the same order).
      if (batchItemFailures.length > 0) {
        batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      const message = v.safeParse(QueuedEventSchema, safeJson(record.body));
      if (!message.success) {
        logger.error("queue message is not an adapter event; dropped", { message_id: record.messageId });
        continue;
      }
      const ids = { webhook_id: message.output.webhook_id, order_id: message.output.order_id };
      try {
        const outcome = await applyQueuedEvent(deps, message.output);
        logger.info("event processed", { ...ids, status: outcome.status, reason: outcome.reason });
      } catch (error) {
        logger.warn("event will be retried", { ...ids, error: error as Error });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The worker's adapters, shared by the Lambda and the local stack. */
export function workerDeps(config: AdapterConfig, store: DynamoStore): ApplyEventDeps {
  return {
    orders: store,
    products: store,
    ax: buildAxClient(config),
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
    handlerInstance = createProcessEventHandler(workerDeps(config, buildStore(config)));
  }
  return handlerInstance;
}

export const handler = middy<SQSEvent, SQSBatchResponse>().handler((event) => defaultHandler()(event));
