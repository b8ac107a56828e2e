// The outbox's stream consumer: the table's stream → the SQS FIFO queue (group = order id, one deduplication id per
// queueing of an event). A failed send is reported at its record, so the stream retries from there in order.
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { buildQueue } from "../lib/adapters/sqs";
import { readConfig } from "../lib/config";
import { logger } from "../lib/observability/logger";
import { emfMetrics, noMetrics, type AdapterMetrics } from "../lib/observability/metrics";
import type { EventQueue } from "../lib/orders/ports";
import { eventsToForward } from "../lib/queue/outbox-stream";

export function createForwardEventsHandler(queue: EventQueue, metrics: AdapterMetrics = noMetrics) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const forwarded = eventsToForward(event.Records);
    if (forwarded.length === 0) return { batchItemFailures: [] };
    let sent = 0;
    try {
      sent = await queue.send(forwarded.map((record) => record.message));
    } catch (error) {
      logger.warn("could not queue stored events; the stream retries them", { error: error as Error });
    }
    if (sent > 0) metrics.eventsForwarded(sent);
    const firstUnsent = forwarded[sent];
    if (!firstUnsent) {
      logger.debug("stored events queued", { count: sent });
      return { batchItemFailures: [] };
    }
    logger.warn("some stored events were not queued; the stream retries from the first of them", {
      sent,
      unsent: forwarded.length - sent,
      webhook_id: firstUnsent.message.webhook_id,
    });
    return { batchItemFailures: [{ itemIdentifier: firstUnsent.sequenceNumber }] };
  };
}

let handlerInstance: ReturnType<typeof createForwardEventsHandler> | undefined;

function defaultHandler() {
  handlerInstance ??= createForwardEventsHandler(buildQueue(readConfig()), emfMetrics());
  return handlerInstance;
}

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .handler((event) => defaultHandler()(event));
