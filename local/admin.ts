// The admin API and the console in `npm start`: the deployed handlers, with the local queue's dead-letter list in
// place of SQS, and the dev admin token named `dev` unless ADMIN_TOKENS names others.
import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { buildAdminStore, buildAxClient } from "../lib/adapters";
import { createAdminApiHandler } from "../lib/admin/http";
import { deadLetterRow, type DeadLetters } from "../lib/admin/service";
import { parseAdminTokens } from "../lib/admin/tokens";
import type { AdapterConfig } from "../lib/config";
import { createConsoleHandler } from "../lib/console/serve";
import { systemClock } from "../lib/orders/ports";
import assets from "../console/dist/assets.json";
import type { LocalFifoQueue } from "./fifo-queue";
import type { Route } from "./http-gateway";

export const DEV_ADMIN_TOKEN_NAME = "dev";

export function localDeadLetters(queue: LocalFifoQueue): DeadLetters {
  return {
    list: (limit) =>
      Promise.resolve({
        count: queue.deadLetters.length,
        items: queue.deadLetters.slice(0, limit).map(deadLetterRow),
      }),
    redrive: () => Promise.resolve(`${queue.redrive()} message(s) moved back to the queue`),
  };
}

export function localAdminRoutes(options: {
  config: AdapterConfig;
  clientConfig: DynamoDBClientConfig;
  queue: LocalFifoQueue;
  /** `name:token` pairs; default: the dev admin token, named `dev`. */
  adminTokens: string;
  log: (line: string) => void;
}): Route[] {
  const tokens = parseAdminTokens(options.adminTokens);
  let ax: ReturnType<typeof buildAxClient> | undefined;
  const admin = createAdminApiHandler({
    admin: {
      store: buildAdminStore(options.config, options.clientConfig),
      // Built when an operator first attaches AX codes: the rest of the console needs no AX settings.
      ax: { getConfirmation: (type, code) => (ax ??= buildAxClient(options.config)).getConfirmation(type, code) },
      deadLetters: localDeadLetters(options.queue),
      clock: systemClock,
      waitingTooLongMs: options.config.waitingTooLongMs,
      syncGraceMs: options.config.syncSchedule.graceMs,
    },
    tokens: () => Promise.resolve(tokens),
    logError: (message, error) => {
      options.log(`${message}: ${error instanceof Error ? error.message : String(error)}`);
    },
    onRefusedToken: (refused) => {
      options.log(
        `admin token refused (${refused.reason}): ${refused.method} ${refused.path} from ${refused.source_ip}`,
      );
    },
  });
  const serveConsole = createConsoleHandler(assets);
  return [
    ...(["GET", "POST", "PUT", "DELETE"] as const).map((method) => ({
      method,
      path: "/admin/{proxy+}",
      handler: admin,
    })),
    { method: "GET", path: "/console", handler: serveConsole },
    { method: "GET", path: "/console/{proxy+}", handler: serveConsole },
  ];
}
