// The whole adapter on one machine: DynamoDB Local, the AX sandbox (unless AX_BASE_URL is set), the HTTP API
// and the worker fed by an in-process FIFO queue. The handlers are the deployed ones, built with local adapters.
import { join, resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import * as v from "valibot";
import { buildStore } from "../lib/adapters";
import { parseSecrets } from "../lib/channel/signature";
import { readConfig } from "../lib/config";
import { QueuedEventSchema } from "../lib/orders/apply-event";
import { systemClock } from "../lib/orders/ports";
import { createGetOrderHandler } from "../functions/get-order";
import { handler as healthHandler } from "../functions/health";
import { createProcessEventHandler, workerDeps } from "../functions/process-event";
import { createReceiveWebhookHandler } from "../functions/receive-webhook";
import { startAxSandbox } from "./ax-sandbox/server";
import { localClientConfig, startDynamoDbLocal, type RunningDynamoDb } from "./dynamodb/emulator";
import { createTable } from "./dynamodb/table";
import { LocalFifoQueue } from "./fifo-queue";
import { startHttpGateway, type Route } from "./http-gateway";
import { createSyncStatusesHandler, syncRunDeps, type SyncRunReport } from "../functions/sync-statuses";
import { json } from "../lib/http/responses";
import { addMissingIndexes, startPeriodicSync } from "./status-sync";
import { parseJsonOrUndefined } from "../lib/json";
import { DEV_ADMIN_TOKEN_NAME, localAdminRoutes } from "./admin";

/** Fixed development credentials: printed at start, never valid anywhere but here. */
export const DEV_WEBHOOK_SECRET = "whsec_ZGV2LXNlY3JldC1mb3ItdGhlLWF4LWFkYXB0ZXItMzI=";
export const DEV_ADMIN_TOKEN = "dev-admin-token";
export const DEV_AX_API_KEY = "sandbox-api-key";
export const DEV_AX_CHANNEL_CODE = "sandbox-channel";
export const LOCAL_TABLE_NAME = "ax-adapter-local";

export interface LocalStackOptions {
  env?: Record<string, string | undefined>;
  /** Port of the adapter's HTTP API; 0 = any free port. Default: PORT or 3000. */
  port?: number;
  /** Keep DynamoDB data here across restarts; in memory when undefined. */
  dataDir?: string;
  /** Queue retry timing (tests shorten it). */
  queue?: { baseDelayMs?: number; maxReceiveCount?: number };
  log?: (line: string) => void;
  /** Status sync period; 0 = only on demand (`syncNow`, `POST /__local/sync`). Default: SYNC_INTERVAL_MS or 60 s. */
  syncIntervalMs?: number;
}

export interface LocalStack {
  url: string;
  axUrl: string;
  dynamodbEndpoint: string;
  webhookSecrets: string;
  adminToken: string;
  queue: LocalFifoQueue;
  sandbox: Awaited<ReturnType<typeof startAxSandbox>> | undefined;
  store: ReturnType<typeof buildStore>;
  /** Runs the status sync (then the sending of notifications) once, as `POST /__local/sync` does. */
  syncNow(): Promise<SyncRunReport>;
  /** The status sync's period (0: on demand only) and where `order.status_changed` webhooks go, for the banner. */
  syncIntervalMs: number;
  outboundWebhookUrl: string | undefined;
  stop(): Promise<void>;
}

export const defaultDataDir = resolve(import.meta.dirname, "..", ".local-data");

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    let dynamodbEndpoint: string;
    if (env.AWS_ENDPOINT_URL_DYNAMODB) dynamodbEndpoint = env.AWS_ENDPOINT_URL_DYNAMODB;
    else {
      const dynamodb: RunningDynamoDb = await startDynamoDbLocal({
        ...(options.dataDir ? { dataDir: join(options.dataDir, "dynamodb") } : {}),
        log,
      });
      stops.push(() => dynamodb.stop());
      dynamodbEndpoint = dynamodb.endpoint;
    }
    const tableName = env.TABLE_NAME ?? LOCAL_TABLE_NAME;
    const ddb = new DynamoDBClient(localClientConfig(dynamodbEndpoint));
    await createTable(ddb, tableName);
    await addMissingIndexes(ddb, tableName); // a table kept in .local-data from before an index was added
    ddb.destroy();

    let sandbox: LocalStack["sandbox"];
    let axUrl: string;
    const apiKey = env.AX_API_KEY ?? DEV_AX_API_KEY;
    const channelCode = env.AX_CHANNEL_CODE ?? DEV_AX_CHANNEL_CODE;
    if (env.AX_BASE_URL) axUrl = env.AX_BASE_URL;
    else {
      sandbox = await startAxSandbox({ port: 0, apiKey, channelCode });
      const running = sandbox;
      stops.push(() => running.stop());
      axUrl = sandbox.url;
    }

    const config = readConfig({
      ...env,
      TABLE_NAME: tableName,
      QUEUE_URL: "local",
      AX_BASE_URL: axUrl,
      AX_API_KEY: apiKey,
      AX_CHANNEL_CODE: channelCode,
      WEBHOOK_SECRET: env.WEBHOOK_SECRET ?? DEV_WEBHOOK_SECRET,
      ADMIN_TOKEN: env.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
      AWS_REGION: env.AWS_REGION ?? "local",
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID ?? "local",
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY ?? "local",
    });
    const store = buildStore(config, localClientConfig(dynamodbEndpoint));
    const worker = createProcessEventHandler(workerDeps(config, store));
    const queue = new LocalFifoQueue({ handler: worker, ...options.queue, log });
    stops.push(() => {
      queue.stop();
      return Promise.resolve();
    });
    if (config.outboundWebhookUrl) parseSecrets(await config.secrets.get("OUTBOUND_WEBHOOK_SECRET")); // fail at start
    const runSync = createSyncStatusesHandler(syncRunDeps(config, store));
    const syncIntervalMs = options.syncIntervalMs ?? config.localSyncIntervalMs;
    const sync = startPeriodicSync(() => runSync(), syncIntervalMs, log);
    stops.push(() => sync.stop());
    const webhookSecrets = await config.secrets.get("WEBHOOK_SECRET");
    const secrets = parseSecrets(webhookSecrets);
    const adminToken = await config.secrets.get("ADMIN_TOKEN");
    const receiver = createReceiveWebhookHandler({
      events: store,
      queue,
      secrets: () => Promise.resolve(secrets),
      maxBytes: config.webhookMaxBytes,
      clock: systemClock,
    });
    const reader = createGetOrderHandler({ reader: store, adminToken: () => Promise.resolve(adminToken) });
    const { server, url } = await startHttpGateway(
      [
        { method: "POST", path: "/webhooks/orders", handler: receiver },
        { method: "GET", path: "/orders/{order_id}", handler: reader },
        { method: "GET", path: "/health", handler: () => healthHandler() },
        ...localQueueRoutes(queue),
        // Dev-only too: the CLI's `sync run`, so that a run uses this stack's settings (AX, outbound webhook).
        { method: "POST", path: "/__local/sync", handler: async () => json(200, await sync.runNow()) },
        // ---- operators' console and admin API (issue #13) ----
        ...localAdminRoutes({
          config,
          clientConfig: localClientConfig(dynamodbEndpoint),
          queue,
          adminTokens: env.ADMIN_TOKENS ?? `${DEV_ADMIN_TOKEN_NAME}:${adminToken}`,
          log,
        }),
      ],
      options.port ?? Number(env.PORT ?? 3000),
    );
    stops.push(
      () =>
        new Promise<void>((done) => {
          server.close(() => {
            done();
          });
          server.closeAllConnections();
        }),
    );
    return {
      url,
      axUrl,
      dynamodbEndpoint,
      webhookSecrets,
      adminToken,
      queue,
      sandbox,
      store,
      syncNow: () => sync.runNow(),
      syncIntervalMs,
      outboundWebhookUrl: config.outboundWebhookUrl,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Dev-only routes (never deployed) through which the CLI reaches the in-process queue, as it reaches SQS in AWS:
 * replays and reconciliations send to it, and its dead-letter list can be read and redriven.
 */
function localQueueRoutes(queue: LocalFifoQueue): Route[] {
  const answer = (statusCode: number, body: unknown) =>
    Promise.resolve({ statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return [
    {
      method: "POST",
      path: "/__local/queue",
      handler: async (event) => {
        const parsed = v.safeParse(QueuedEventSchema, parseJsonOrUndefined(event.body ?? ""));
        if (!parsed.success) return answer(400, { error: "invalid_message", message: "not a queued event" });
        await queue.send(parsed.output);
        return answer(202, { status: "queued" });
      },
    },
    { method: "POST", path: "/__local/redrive", handler: () => answer(200, { moved: queue.redrive() }) },
    { method: "GET", path: "/__local/dead-letters", handler: () => answer(200, queue.deadLetters) },
  ];
}
