// The whole adapter on one machine: DynamoDB Local, the AX sandbox (unless AX_BASE_URL is set), the HTTP API, the
// outbox (a reader of DynamoDB Local's stream feeding the deployed stream consumer, and the sweeper) and the worker
// fed by an in-process FIFO queue. The handlers are the deployed ones, built with local adapters.
// Safe to stop and restart: a stop lets deliveries in flight finish; after a crash, the start-up sweep queues every
// stored event that is still `queued`, and the stream reader carries on from its saved position.
import { join, resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { buildStore } from "../lib/adapters";
import { parseSecrets } from "../lib/channel/signature";
import { readConfig } from "../lib/config";
import { systemClock } from "../lib/orders/ports";
import { createGetOrderHandler } from "../functions/get-order";
import { handler as healthHandler } from "../functions/health";
import { createProcessEventHandler, workerDeps } from "../functions/process-event";
import { createReceiveWebhookHandler } from "../functions/receive-webhook";
import { startAxSandbox } from "./ax-sandbox/server";
import { LOCAL_START_TIMEOUTS, localClientConfig, startDynamoDbLocal, type RunningDynamoDb } from "./dynamodb/emulator";
import { startLatencyProxy, type LatencyProxy } from "./dynamodb/latency-proxy";
import { createTable, ensureStream } from "./dynamodb/table";
import { LocalFifoQueue } from "./fifo-queue";
import { createForwardEventsHandler } from "../functions/forward-events";
import { retryAtStart } from "./start-retry";
import { sweepEvents, sweepFailure, type SweepReport } from "../lib/orders/sweep-events";
import { lockDataDir } from "./data-lock";
import { LocalStreamReader } from "./stream-reader";
import { startHttpGateway, type Route } from "./http-gateway";
import { createSyncStatusesHandler, syncRunDeps, type SyncRunReport } from "../functions/sync-statuses";
import { json } from "../lib/http/responses";
import { addMissingIndexes, startPeriodicSync } from "./status-sync";
import { DEV_ADMIN_TOKEN_NAME, localAdminRoutes } from "./admin";
import { DEV_OCTO_KEY, devOctoKeys, startLocalOcto } from "./octo";

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
  /** Queue retry timing and concurrency (tests shorten it). */
  queue?: { baseDelayMs?: number; maxReceiveCount?: number; concurrency?: number };
  /** How often the sweeper looks for stranded events (0: only at start). Default 60 s. */
  sweepIntervalMs?: number;
  log?: (line: string) => void;
  /** Status sync period; 0 = only on demand (`syncNow`, `POST /__local/sync`). Default: SYNC_INTERVAL_MS or 60 s. */
  syncIntervalMs?: number;
  /**
   * For the soak: DynamoDB's answers held back by this rule (ms per chunk of answer; 0: none) by a latency proxy
   * between the adapter and DynamoDB (local/dynamodb/latency-proxy.ts). The writes land at once: a busy DynamoDB as
   * a client with a short timeout sees it.
   */
  dynamodbAnswerDelay?: () => number;
}

export interface LocalStack {
  url: string;
  axUrl: string;
  /** The adapter's DynamoDB (through the latency proxy, when there is one). */
  dynamodbEndpoint: string;
  /** DynamoDB itself, never delayed. */
  dynamodbDirectEndpoint: string;
  /** Chunks of DynamoDB's answers the latency proxy has held back (0 without one). */
  dynamodbAnswersDelayed(): number;
  webhookSecrets: string;
  adminToken: string;
  queue: LocalFifoQueue;
  sandbox: Awaited<ReturnType<typeof startAxSandbox>> | undefined;
  store: ReturnType<typeof buildStore>;
  /** Marks OCTO holds whose time ran out EXPIRED, as the sweeper does every minute (issue #20). */
  expireOctoHolds(): Promise<{ expired: number }>;
  /** The dev reseller key (only when OCTO_RESELLER_KEYS is not set: a real key is never shown). */
  octoDevKey: string | undefined;
  /** Runs the status sync (then the sending of notifications) once, as `POST /__local/sync` does. */
  syncNow(): Promise<SyncRunReport>;
  /**
   * Resolves once every event stored so far has been forwarded from the stream and processed (or dead-lettered),
   * including what that processing queued in turn: what tests wait for after a delivery.
   */
  settled(): Promise<void>;
  /**
   * What the start-up sweep queued again (events stranded by an earlier stop or crash), once it is over; undefined
   * when it gave up (DynamoDB not answering for five minutes: the periodic sweep queues them later) or was stopped.
   */
  startupSweep: Promise<SweepReport | undefined>;
  streamReader: LocalStreamReader;
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
  let describeLock: (url: string) => void = () => undefined;
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    // One stack per data folder (released last, when everything else has stopped).
    if (options.dataDir) {
      const lock = await lockDataDir(options.dataDir);
      stops.push(() => lock.release());
      describeLock = (url) => {
        lock.describe(url);
      };
    }
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
    const dynamodbDirectEndpoint = dynamodbEndpoint;
    let latencyProxy: LatencyProxy | undefined;
    if (options.dynamodbAnswerDelay) {
      const proxy = await startLatencyProxy({ upstream: dynamodbEndpoint, answerDelayMs: options.dynamodbAnswerDelay });
      stops.push(() => proxy.close()); // after the queue has drained: the last writes get their (late) answers
      latencyProxy = proxy;
      dynamodbEndpoint = proxy.endpoint;
    }
    const tableName = env.TABLE_NAME ?? LOCAL_TABLE_NAME;
    // Each call bounded by its own timeout, each step retried like the start-up sweep below: a restart under load
    // must not fail for one slow answer, nor wait without end for one that never comes.
    const ddb = new DynamoDBClient(localClientConfig(dynamodbEndpoint, LOCAL_START_TIMEOUTS));
    await retryAtStart(() => createTable(ddb, tableName), "creating the table", log);
    // a table kept in .local-data from before an index was added
    await retryAtStart(() => addMissingIndexes(ddb, tableName), "adding the table's new indexes", log);
    // likewise, from before the outbox
    const streamArn = await retryAtStart(() => ensureStream(ddb, tableName), "turning the table's stream on", log);
    ddb.destroy();

    let sandbox: LocalStack["sandbox"];
    let axUrl: string;
    const apiKey = env.AX_API_KEY ?? DEV_AX_API_KEY;
    const devAdminToken = env.ADMIN_TOKEN?.trim() || DEV_ADMIN_TOKEN; // also guards the dev-only routes
    const channelCode = env.AX_CHANNEL_CODE ?? DEV_AX_CHANNEL_CODE;
    if (env.AX_BASE_URL) axUrl = env.AX_BASE_URL;
    else {
      sandbox = await startAxSandbox({
        port: 0,
        apiKey,
        channelCode,
        controlToken: devAdminToken,
        ...(options.dataDir ? { dataFile: join(options.dataDir, "ax-sandbox.jsonl") } : {}),
      });
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
      ADMIN_TOKEN: devAdminToken,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
      AWS_REGION: env.AWS_REGION ?? "local",
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID ?? "local",
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY ?? "local",
      // DynamoDB Local (Java, on a busy laptop) answers far slower than DynamoDB at times: a generous timeout, so a
      // burst gets its 202s rather than 503s. A stalled one still fails in seconds, not at the caller's timeout.
      AWS_REQUEST_TIMEOUT_MS: env.AWS_REQUEST_TIMEOUT_MS ?? "10000",
      // OCTO (issue #20): a dev reseller key unless keys are given, and the API's own URL.
      OCTO_RESELLER_KEYS: env.OCTO_RESELLER_KEYS ?? devOctoKeys(),
    });
    const store = buildStore(config, localClientConfig(dynamodbEndpoint));
    const worker = createProcessEventHandler(workerDeps(config, store));
    const queue = new LocalFifoQueue({ handler: worker, ...options.queue, log });
    // Drained once the HTTP API is closed and the queue paused (both first, below): every delivery in flight
    // finishes, whatever it takes, before the AX sandbox and DynamoDB Local stop. A worker between AX's answer and
    // its write must be allowed to write, or the create ends `uncertain` at the next start.
    stops.push(async () => {
      await queue.stop({
        onWait: (running) => {
          log(`stopping: waiting for ${running} event(s) in flight to finish and record AX's answers`);
        },
      });
    });

    // The outbox: the stream consumer queues what the table stores; the sweeper catches what it missed. At start,
    // the in-process queue is empty, so every event still `queued` in the table is queued again: in the background,
    // as the sweeper runs beside the API in AWS. On a big table it takes minutes (a soak's restart: 3,000 events, over
    // four minutes at the deployed 2 s timeout), and a restart must take webhooks long before that.
    const sweepDeps = { events: store, orders: store, queue, clock: systemClock };
    // With a patient client of its own (10 s per attempt, not the adapter's timeout): it stands in for what AWS never
    // needs (SQS keeps its messages through anything), and at the deployed 2 s, under a restart's load, one late
    // answer among its thousands of calls failed the whole run again and again until it gave up (a soak's restart).
    const patientStore = buildStore(config, localClientConfig(dynamodbEndpoint, LOCAL_START_TIMEOUTS));
    const startupSweepStop = new AbortController();
    const startupSweep = startupSweepInBackground(
      { ...sweepDeps, events: patientStore, orders: patientStore },
      startupSweepStop.signal,
      log,
    );
    // Bounded too: a read that never gets its answer would hold the reader (and so the outbox) without a word.
    const streamsClient = new DynamoDBStreamsClient(localClientConfig(dynamodbEndpoint, LOCAL_START_TIMEOUTS));
    const streamReader = new LocalStreamReader({
      client: streamsClient,
      streamArn,
      checkpointFile: options.dataDir ? join(options.dataDir, "stream-position.json") : undefined,
      consumer: createForwardEventsHandler(queue),
      log,
    });
    streamReader.start();
    // Its runs begin once the start-up sweep is over: two sweeps at once would only double the reads.
    const sweeper = startPeriodicSync(
      async () => {
        await startupSweep;
        const report = await sweepEvents(sweepDeps, { strandedAfterMs: config.sweepStrandedAfterMs });
        const failure = sweepFailure(report);
        if (failure) throw failure; // logged as a failed periodic run, as the Lambda's error is alarmed
        return report;
      },
      options.sweepIntervalMs ?? 60_000,
      log,
    );
    stops.push(async () => {
      startupSweepStop.abort();
      await startupSweep;
      await sweeper.stop();
      await streamReader.stop();
      streamsClient.destroy();
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
      secrets: () => Promise.resolve(secrets),
      maxBytes: config.webhookMaxBytes,
      clock: systemClock,
    });
    const reader = createGetOrderHandler({ reader: store, adminToken: () => Promise.resolve(adminToken) });
    // ---- OCTO supplier API (issue #20): its routes, and the expiry of holds beside the sweeper ----
    const octo = await startLocalOcto({
      config,
      clientConfig: localClientConfig(dynamodbEndpoint),
      seedSandboxMapping: sandbox !== undefined,
      sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
      log,
    });
    stops.push(() => octo.stop());
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
        ...octo.routes,
      ],
      options.port ?? Number(env.PORT ?? 3000),
      { adminToken },
    );
    // Stopped first: no webhook is taken and no delivery starts once stopping has begun (those in flight go on).
    stops.push(
      () =>
        new Promise<void>((done) => {
          queue.pause();
          server.close(() => {
            done();
          });
          server.closeAllConnections();
        }),
    );
    describeLock(url);
    return {
      url,
      axUrl,
      dynamodbEndpoint,
      dynamodbDirectEndpoint,
      dynamodbAnswersDelayed: () => latencyProxy?.delayedChunks() ?? 0,
      webhookSecrets,
      adminToken,
      queue,
      sandbox,
      store,
      syncNow: () => sync.runNow(),
      expireOctoHolds: () => octo.expireHolds(),
      octoDevKey: env.OCTO_RESELLER_KEYS ? undefined : DEV_OCTO_KEY,
      startupSweep,
      streamReader,
      settled: async () => {
        await startupSweep;
        for (;;) {
          await streamReader.caughtUp();
          await queue.idle();
          await streamReader.caughtUp();
          if (queue.depth === 0) return;
        }
      },
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
 * The start-up sweep, retried while DynamoDB does not answer in time (a restart under load, at the deployed 2 s
 * timeout). Queueing an event twice is harmless (the queue deduplicates it, and a worker finds it applied).
 */
async function startupSweepInBackground(
  deps: Parameters<typeof sweepEvents>[0],
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<SweepReport | undefined> {
  const started = Date.now();
  // Over every attempt: a run that passed over candidates it could not sweep is made again (what it queued stays
  // queued; the queue drops the same message sent twice).
  const requeued = new Set<string>();
  try {
    const last = await retryAtStart(
      async () => {
        const run = await sweepEvents(deps, {
          strandedAfterMs: 0,
          includeAttempted: true,
          limit: Number.MAX_SAFE_INTEGER,
          signal,
        });
        for (const id of run.requeuedIds) requeued.add(id);
        const failure = sweepFailure(run);
        if (failure && !signal.aborted) throw failure;
        return run;
      },
      "the start-up sweep",
      log,
      signal,
    );
    const report = { ...last, requeued: requeued.size, requeuedIds: [...requeued] };
    if (report.requeued > 0)
      log(
        `queued again ${report.requeued} event(s) left unapplied by the last stop ` +
          `(start-up sweep: ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
    return signal.aborted ? undefined : report;
  } catch (error) {
    if (!signal.aborted)
      log(
        `the start-up sweep gave up (${(error as Error).message}): the periodic sweep queues what the last stop ` +
          "left once it counts as stranded (never-tried events after SWEEP_STRANDED_AFTER_MS, tried ones after 30 min)",
      );
    return undefined;
  }
}

/**
 * Dev-only routes (never deployed) through which the CLI reaches the in-process queue's dead letters, as it reaches
 * the dead-letter queue in AWS. (Replays need no route: they go through the table, as in AWS.)
 */
function localQueueRoutes(queue: LocalFifoQueue): Route[] {
  const answer = (statusCode: number, body: unknown) =>
    Promise.resolve({ statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return [
    { method: "POST", path: "/__local/redrive", handler: () => answer(200, { moved: queue.redrive() }) },
    { method: "GET", path: "/__local/dead-letters", handler: () => answer(200, queue.deadLetters) },
  ];
}
