// The OCTO supplier API in the local stack (issue #20): its routes on the stack's HTTP API, the expiry of holds
// beside the outbox's sweeper, a dev reseller key, and, with the built-in AX sandbox, the sandbox's products mapped.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import type { AdapterConfig } from "../lib/config";
import { buildOctoMappingStore, buildOctoService, resellerKeys } from "../lib/octo/build";
import { createOctoHandler } from "../lib/octo/http";
import { parseMappingFile } from "../lib/octo/mapping";
import type { Route } from "./http-gateway";
import { startPeriodicSync } from "./status-sync";
import { retryAtStart } from "./start-retry";

/** The local stack's OCTO key when OCTO_RESELLER_KEYS is not set: a reseller named `dev`. */
export const DEV_OCTO_RESELLER = "dev";
export const DEV_OCTO_KEY = "dev-octo-key-for-the-local-stack";
export const devOctoKeys = () => `${DEV_OCTO_RESELLER}:${DEV_OCTO_KEY}`;

/** The operators' example mapping, which maps the AX sandbox's seeded products. */
export const SANDBOX_OCTO_MAPPING = resolve(import.meta.dirname, "..", "docs", "examples", "octo-products.json");

export async function startLocalOcto(options: {
  config: AdapterConfig;
  clientConfig: DynamoDBClientConfig;
  /** Map the sandbox's products when no product is mapped yet. */
  seedSandboxMapping: boolean;
  sweepIntervalMs: number;
  log: (line: string) => void;
}): Promise<{ routes: Route[]; expireHolds: () => Promise<{ expired: number }>; stop: () => Promise<void> }> {
  const { config, clientConfig } = options;
  const store = buildOctoMappingStore(config, clientConfig);
  if (options.seedSandboxMapping)
    await retryAtStart(
      async () => {
        if ((await store.listProducts()).length > 0) return;
        for (const product of parseMappingFile(JSON.parse(readFileSync(SANDBOX_OCTO_MAPPING, "utf8"))))
          await store.putProduct(product);
      },
      "mapping the sandbox's OCTO products",
      options.log,
    );
  const service = buildOctoService(config, clientConfig);
  const handler = createOctoHandler({ service, keys: resellerKeys(config) });
  const routes: Route[] = ["GET", "POST", "PATCH", "PUT", "DELETE"].map((method) => ({
    method,
    path: "/octo/{proxy+}",
    handler,
  }));
  const expireHolds = () => service.expireHolds();
  const sweeper = startPeriodicSync(expireHolds, options.sweepIntervalMs, options.log);
  return { routes, expireHolds, stop: () => sweeper.stop() };
}
