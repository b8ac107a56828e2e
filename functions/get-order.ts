// GET /orders/{order_id}: the mapping and statuses of one channel order, for the admin bearer token.
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { buildStore } from "../lib/adapters/dynamodb";
import { readConfig } from "../lib/config";
import { internalError, json, lowerCaseHeaders } from "../lib/http/responses";
import { logger } from "../lib/observability/logger";
import { readOrder, type OrderReader } from "../lib/orders/read-order";
import { secretsEqual } from "../lib/secrets";

export interface GetOrderDeps {
  reader: OrderReader;
  adminToken: () => Promise<string>;
}

export function createGetOrderHandler(deps: GetOrderDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const authorization = lowerCaseHeaders(event).authorization ?? "";
    const presented = /^Bearer\s+(.+)$/i.exec(authorization.trim())?.[1] ?? "";
    let expected: string;
    try {
      expected = await deps.adminToken();
    } catch (error) {
      // The token store (SSM) is unreachable or the setting is broken: the adapter's fault, answered 503.
      logger.error("the admin token could not be read", { error: error as Error });
      return internalError();
    }
    if (!presented || !secretsEqual(presented, expected))
      return json(401, { error: "unauthorized", message: "send the admin token as `Authorization: Bearer <token>`" });
    const orderId = event.pathParameters?.order_id;
    if (!orderId) return json(400, { error: "invalid_request", message: "the path must name an order id" });
    try {
      const view = await readOrder(deps.reader, orderId);
      if (!view) return json(404, { error: "order_not_found", message: `no order with id ${orderId} was received` });
      return json(200, view);
    } catch (error) {
      logger.error("order could not be read", { order_id: orderId, error: error as Error });
      return internalError();
    }
  };
}

let handlerInstance: ReturnType<typeof createGetOrderHandler> | undefined;

function defaultHandler() {
  if (!handlerInstance) {
    const config = readConfig();
    handlerInstance = createGetOrderHandler({
      reader: buildStore(config),
      adminToken: () => config.secrets.get("ADMIN_TOKEN"),
    });
  }
  return handlerInstance;
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .handler((event) => defaultHandler()(event));
