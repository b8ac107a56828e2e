// The OCTO supplier API (`/octo/...`, issue #20): resellers book AX through OCTO, with their own bearer keys.
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { readConfig } from "../lib/config";
import { logger } from "../lib/observability/logger";
import { buildOctoService, resellerKeys } from "../lib/octo/build";
import { createOctoHandler } from "../lib/octo/http";

let handlerInstance: ReturnType<typeof createOctoHandler> | undefined;

function defaultHandler() {
  if (!handlerInstance) {
    const config = readConfig();
    handlerInstance = createOctoHandler({ service: buildOctoService(config), keys: resellerKeys(config) });
  }
  return handlerInstance;
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .handler((event) => defaultHandler()(event));
