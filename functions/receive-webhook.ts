// POST /webhooks/orders: verify, validate, store, answer (see lib/orders/receive-webhook.ts). The table's stream
// queues what is stored: this function has no queue permission.
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { buildStore } from "../lib/adapters/dynamodb";
import { parseSecrets } from "../lib/channel/signature";
import { readConfig } from "../lib/config";
import { internalError, json, lowerCaseHeaders, rawBody } from "../lib/http/responses";
import { logger } from "../lib/observability/logger";
import { emfMetrics, noMetrics, type AdapterMetrics } from "../lib/observability/metrics";
import { WEBHOOK_ID_PATTERN, receiveWebhook, type ReceiveDeps } from "../lib/orders/receive-webhook";
import { systemClock } from "../lib/orders/ports";

/** `metrics`: the Lambda passes EMF metrics; the local stack and the tests count nothing. */
export function createReceiveWebhookHandler(deps: ReceiveDeps, metrics: AdapterMetrics = noMetrics) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const headers = lowerCaseHeaders(event);
    try {
      const answer = await receiveWebhook(deps, {
        headers,
        rawBody: rawBody(event),
        correlationId: event.requestContext.requestId,
      });
      logger.info("webhook answered", {
        status: answer.statusCode,
        outcome: answer.outcome,
        reason: answer.reason,
        webhook_id: answer.webhookId,
        order_id: answer.orderId,
        // The same id is stored with the event and logged by the worker and its AX calls: one webhook, followed.
        correlation_id: event.requestContext.requestId,
      });
      metrics.webhookAnswered(answer);
      return json(answer.statusCode, answer.body);
    } catch (error) {
      // Nothing was acknowledged: the channel retries (a write that did land is then answered as a duplicate).
      logger.error("webhook could not be stored", {
        webhook_id: wellFormedWebhookId(headers["webhook-id"]),
        error: error as Error,
      });
      metrics.webhookFailed();
      return internalError();
    }
  };
}

/** The header as a log field only when it has the contract's form (no control or bidi characters reach the logs). */
const wellFormedWebhookId = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed !== undefined && WEBHOOK_ID_PATTERN.test(trimmed) ? trimmed : undefined;
};

let handlerInstance: ReturnType<typeof createReceiveWebhookHandler> | undefined;

function defaultHandler() {
  if (!handlerInstance) {
    const config = readConfig();
    handlerInstance = createReceiveWebhookHandler(
      {
        events: buildStore(config),
        secrets: async () => parseSecrets(await config.secrets.get("WEBHOOK_SECRET")),
        maxBytes: config.webhookMaxBytes,
        clock: systemClock,
      },
      emfMetrics(),
    );
  }
  return handlerInstance;
}

// The logger gets the invocation's request id and cold start; the event itself is never logged (it holds personal data).
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .handler((event) => defaultHandler()(event));
