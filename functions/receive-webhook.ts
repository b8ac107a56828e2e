// POST /webhooks/orders: verify, validate, store, queue, answer (see lib/orders/receive-webhook.ts).
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { buildQueue, buildStore } from "../lib/adapters";
import { parseSecrets } from "../lib/channel/signature";
import { readConfig } from "../lib/config";
import { internalError, json, lowerCaseHeaders, rawBody } from "../lib/http/responses";
import { logger } from "../lib/observability/logger";
import { receiveWebhook, type ReceiveDeps } from "../lib/orders/receive-webhook";
import { systemClock } from "../lib/orders/ports";

export function createReceiveWebhookHandler(deps: ReceiveDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    try {
      const answer = await receiveWebhook(deps, { headers: lowerCaseHeaders(event), rawBody: rawBody(event) });
      logger.info("webhook answered", {
        status: answer.statusCode,
        outcome: answer.outcome,
        reason: answer.reason,
        webhook_id: answer.webhookId,
        order_id: answer.orderId,
      });
      return json(answer.statusCode, answer.body);
    } catch (error) {
      // Nothing was acknowledged: the channel retries, and a stored event is re-queued on that retry.
      logger.error("webhook could not be stored or queued", { error: error as Error });
      return internalError();
    }
  };
}

let handlerInstance: ReturnType<typeof createReceiveWebhookHandler> | undefined;

function defaultHandler() {
  if (!handlerInstance) {
    const config = readConfig();
    handlerInstance = createReceiveWebhookHandler({
      events: buildStore(config),
      queue: buildQueue(config),
      secrets: async () => parseSecrets(await config.secrets.get("WEBHOOK_SECRET")),
      maxBytes: config.webhookMaxBytes,
      clock: systemClock,
    });
  }
  return handlerInstance;
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>().handler((event) =>
  defaultHandler()(event),
);
