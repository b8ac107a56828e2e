// Ingest: the webhook receiver (verify, validate, store, queue) against a floor that only checks the signature and
// makes one conditional PutItem, both driven in-process with the same API Gateway v2 events, on the same table of the
// same DynamoDB Local, through DynamoDB clients that carry the same counting middleware.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { performance } from "node:perf_hooks";
import { PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { createReceiveWebhookHandler } from "../../functions/receive-webhook";
import { parseSecrets } from "../../lib/channel/signature";
import { readConfig } from "../../lib/config";
import { systemClock } from "../../lib/orders/ports";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { createTable } from "../../local/dynamodb/table";
import { NO_STREAM } from "./load";
import { sampleOrderPlaced } from "../../local/samples";
import { TEST_SECRET, apiEvent, signedDelivery } from "../../test/support/webhooks";
import { runClosedLoop, summarize, type RunResult, type Summary } from "./load";
import { BENCH_QUEUE_URL, DynamoCounter, answeredSqsClient, countedDynamoClient } from "./sdk-boundary";

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface IngestSettings {
  warmup: number;
  rounds: number;
  /** Calls per round at `concurrency`. */
  perRound: number;
  concurrency: number;
  /** Calls per round one at a time (the duration one Lambda invocation sees). */
  serialPerRound: number;
}

export interface IngestSubject {
  name: string;
  concurrent: Summary;
  serial: Summary;
  /** Node CPU (user + system) per call, in the concurrent rounds. */
  cpuMsPerCall: number;
  perCall: { dynamoRequests: number; byCommand: Record<string, number>; wcu: number; rcu: number; sqsSends: number };
  roundsPerSecond: number[];
}

export interface IngestResult {
  settings: IngestSettings;
  bodyBytes: number;
  ours: IngestSubject;
  floor: IngestSubject;
}

/** The floor: the least a receiver must do — check the signature on the raw body, store it once, answer. */
function floorHandler(client: DynamoDBClient, tableName: string): Handler {
  const key = Buffer.from(TEST_SECRET.slice("whsec_".length), "base64");
  return async (event) => {
    const headers = event.headers;
    const id = headers["webhook-id"] ?? "";
    const timestamp = headers["webhook-timestamp"] ?? "";
    const body = event.body ?? "";
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return { statusCode: 401 };
    const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
    const valid = (headers["webhook-signature"] ?? "").split(" ").some((entry) => {
      const signature = Buffer.from(entry.slice(3), "base64");
      return entry.startsWith("v1,") && signature.length === expected.length && timingSafeEqual(signature, expected);
    });
    if (!valid) return { statusCode: 401 };
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: `FLOOR#${id}` }, sk: { S: "EVENT" }, body: { S: body } },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return { statusCode: 202, body: JSON.stringify({ status: "accepted", webhook_id: id }) };
  };
}

/** The receiver as functions/receive-webhook.ts builds it, with the counted DynamoDB client and the answered SQS. */
function oursHandler(client: DynamoDBClient, tableName: string, _sqs: SQSClient): Handler {
  const config = readConfig({ TABLE_NAME: tableName, QUEUE_URL: BENCH_QUEUE_URL, WEBHOOK_SECRET: TEST_SECRET });
  // As lib/adapters.ts buildStore does, on a client that carries the counting middleware.
  const store = new DynamoStore(
    DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    tableName,
  );
  return createReceiveWebhookHandler({
    events: store,
    secrets: async () => parseSecrets(await config.secrets.get("WEBHOOK_SECRET")),
    maxBytes: config.webhookMaxBytes,
    clock: systemClock,
  });
}

/** Signed deliveries of distinct sample orders, made before the clock starts. */
function deliveries(count: number): APIGatewayProxyEventV2[] {
  return Array.from({ length: count }, () => {
    const delivery = signedDelivery(sampleOrderPlaced(`BENCH-${randomUUID()}`));
    return apiEvent("POST", "/webhooks/orders", { headers: delivery.headers, body: delivery.body });
  });
}

async function drive(handler: Handler, events: APIGatewayProxyEventV2[], concurrency: number): Promise<RunResult> {
  return runClosedLoop(events.length, concurrency, async (index) => {
    const event = events[index];
    if (!event) throw new Error(`no event ${index}`);
    const answer = await handler(event);
    if (answer.statusCode !== 202) throw new Error(`expected 202, got ${answer.statusCode}: ${answer.body ?? ""}`);
  });
}

export async function benchIngest(
  endpoint: string,
  settings: IngestSettings,
  log: (line: string) => void,
): Promise<IngestResult> {
  const tableName = `bench-ingest-${randomUUID().slice(0, 8)}`;
  const setup = new DynamoCounter();
  const setupClient = countedDynamoClient(endpoint, setup);
  await createTable(setupClient, tableName, NO_STREAM);
  setupClient.destroy();

  const sqs = answeredSqsClient();
  const counters = { ours: new DynamoCounter(), floor: new DynamoCounter() };
  const clients = {
    ours: countedDynamoClient(endpoint, counters.ours),
    floor: countedDynamoClient(endpoint, counters.floor),
  };
  const handlers: Record<"ours" | "floor", Handler> = {
    ours: oursHandler(clients.ours, tableName, sqs.client),
    floor: floorHandler(clients.floor, tableName),
  };
  const order = ["floor", "ours"] as const;

  log(`ingest: warm-up (${settings.warmup} calls each)`);
  for (const name of order) await drive(handlers[name], deliveries(settings.warmup), settings.concurrency);
  counters.ours.reset();
  counters.floor.reset();
  sqs.reset();

  const serial: Record<"ours" | "floor", RunResult[]> = { ours: [], floor: [] };
  const concurrent: Record<"ours" | "floor", RunResult[]> = { ours: [], floor: [] };
  const cpu: Record<"ours" | "floor", number> = { ours: 0, floor: 0 };
  const sends: Record<"ours" | "floor", number> = { ours: 0, floor: 0 };
  for (let round = 1; round <= settings.rounds; round++) {
    // The order alternates between rounds, so that neither subject always runs right after the other.
    for (const name of round % 2 === 1 ? order : [...order].reverse()) {
      const before = sqs.sent();
      serial[name].push(await drive(handlers[name], deliveries(settings.serialPerRound), 1));
      const events = deliveries(settings.perRound);
      const usage = process.cpuUsage();
      const started = performance.now();
      const run = await drive(handlers[name], events, settings.concurrency);
      const used = process.cpuUsage(usage);
      cpu[name] += (used.user + used.system) / 1000;
      concurrent[name].push(run);
      sends[name] += sqs.sent() - before;
      log(
        `ingest: round ${round}/${settings.rounds} ${name.padEnd(5)} ${(run.calls / ((performance.now() - started) / 1000)).toFixed(0)} req/s`,
      );
    }
  }

  const subject = (name: "ours" | "floor"): IngestSubject => {
    const calls = settings.rounds * (settings.perRound + settings.serialPerRound);
    const totals = counters[name].totals();
    return {
      name,
      concurrent: summarize(concurrent[name]),
      serial: summarize(serial[name]),
      cpuMsPerCall: cpu[name] / (settings.rounds * settings.perRound),
      perCall: {
        dynamoRequests: totals.requests / calls,
        byCommand: Object.fromEntries(
          [...counters[name].byCommand].map(([command, count]) => [command, count.requests / calls]),
        ),
        wcu: totals.wcu / calls,
        rcu: totals.rcu / calls,
        sqsSends: sends[name] / calls,
      },
      roundsPerSecond: concurrent[name].map((run) => run.calls / (run.elapsedMs / 1000)),
    };
  };
  sqs.client.destroy();
  clients.ours.destroy();
  clients.floor.destroy();
  return {
    settings,
    bodyBytes: Buffer.byteLength(JSON.stringify(sampleOrderPlaced("BENCH-00000000-0000-0000-0000-000000000000"))),
    ours: subject("ours"),
    floor: subject("floor"),
  };
}
