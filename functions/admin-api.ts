// /admin/*: the operators' API (the console and the CLI use it), behind the stage's named admin tokens.
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { buildAdminStore } from "../lib/adapters/admin-store";
import { buildAxClient } from "../lib/adapters/ax";
import { buildSqsClient } from "../lib/adapters/sqs";
import { createAdminApiHandler } from "../lib/admin/http";
import { parseAdminTokens } from "../lib/admin/tokens";
import { SqsDeadLetters } from "../lib/aws/dead-letter-queue";
import { readConfig } from "../lib/config";
import { logger } from "../lib/observability/logger";
import { emfMetrics } from "../lib/observability/metrics";
import { systemClock } from "../lib/orders/ports";

let handlerInstance: ReturnType<typeof createAdminApiHandler> | undefined;
let ax: ReturnType<typeof buildAxClient> | undefined;

function defaultHandler() {
  if (!handlerInstance) {
    const config = readConfig();
    const metrics = emfMetrics();
    handlerInstance = createAdminApiHandler({
      admin: {
        store: buildAdminStore(config),
        // Asked about the AX orders an operator attaches to an uncertain create (built when first needed).
        ax: { getConfirmation: (type, code) => (ax ??= buildAxClient(config)).getConfirmation(type, code) },
        deadLetters: new SqsDeadLetters(buildSqsClient(config), config.deadLetterQueueUrl),
        clock: systemClock,
        waitingTooLongMs: config.waitingTooLongMs,
        syncGraceMs: config.syncSchedule.graceMs,
      },
      tokens: async () => parseAdminTokens(await config.secrets.get("ADMIN_TOKENS")),
      logError: (message, error) => {
        logger.error(message, { error: error as Error });
      },
      // Logged (the route, not the path's ids; never the token) and counted for the refused-tokens alarm.
      onRefusedToken: (refused) => {
        logger.warn("admin token refused", { ...refused });
        metrics.adminTokenRefused(refused.reason);
      },
    });
  }
  return handlerInstance;
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .handler((event) => defaultHandler()(event));
