// What the functions write to CloudWatch Logs per unit of work: the Lambda handlers themselves (functions/*.ts,
// their middleware and their EMF metrics, as AWS runs them, the logger at INFO as in prod), invoked in this process
// against DynamoDB Local, the AX sandbox and a local server playing SQS, their stdout captured. Also the forwarder's
// duration per invocation (the other functions' durations are the ingest's and the worker's).
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Context } from "aws-lambda";
import { logger } from "../../lib/observability/logger";
import { sampleOrderPlaced } from "../../local/samples";
import { startAxSandbox } from "../../local/ax-sandbox/server";
import { createTable } from "../../local/dynamodb/table";
import { NO_STREAM } from "./load";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { localClientConfig } from "../../local/dynamodb/emulator";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { TEST_SECRET, apiEvent, signedDelivery } from "../../test/support/webhooks";
import { sqsEvent, storeEvent } from "../../test/support/worker";
import { startAwsJsonServer } from "../../test/support/aws-json-server";
import { BENCH_QUEUE_URL } from "./sdk-boundary";
import { mean } from "./load";

export interface LogFigures {
  /** Bytes and lines a function logs per invocation (mean), its application's lines and EMF only. */
  receiver: { bytes: number; lines: number };
  placement: { bytes: number; lines: number };
  cancellation: { bytes: number; lines: number };
  forwarder: { bytes: number; lines: number; billedMs: number };
  /** A sample line of each, to show what is logged. */
  samples: Record<string, string>;
}

/** A Lambda context as the runtime passes it to the function `name` (prod stage). */
export const lambdaContext = (name: string, remainingMs = 55_000): Context =>
  ({
    functionName: `ax-channel-adapter-prod-${name}`,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:ap-northeast-2:123456789012:function:ax-channel-adapter-prod-${name}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/ax-channel-adapter-prod-${name}`,
    logStreamName: "2026/12/01/[$LATEST]0123456789abcdef",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => remainingMs,
  }) as unknown as Context;

/**
 * Runs `work` with the logger at INFO and stdout and stderr captured (Lambda sends both to CloudWatch Logs; the
 * logger writes warnings and errors to stderr): the bytes and lines written. The logger's level from the environment
 * must be INFO as in prod (not POWERTOOLS_LOG_LEVEL=ERROR, as scripts/quiet-logs.ts sets for the soak): the Lambda
 * middleware puts that level back at every invocation.
 */
export async function captureLogs<T>(work: () => Promise<T>): Promise<{ result: T; bytes: number; lines: string[] }> {
  const written: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((stream) => stream.write.bind(stream));
  for (const stream of streams)
    stream.write = (chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    };
  const level = logger.getLevelName();
  logger.setLogLevel("INFO");
  try {
    const result = await work();
    const text = written.join("");
    return { result, bytes: Buffer.byteLength(text), lines: text.split("\n").filter(Boolean) };
  } finally {
    logger.setLogLevel(level);
    streams.forEach((stream, index) => {
      stream.write = writes[index] as typeof stream.write;
    });
  }
}

export async function benchLogs(endpoint: string, calls: number, log: (line: string) => void): Promise<LogFigures> {
  const tableName = `bench-logs-${randomUUID().slice(0, 8)}`;
  const client = new DynamoDBClient(localClientConfig(endpoint));
  await createTable(client, tableName, NO_STREAM);
  const store = new DynamoStore(
    DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    tableName,
  );
  const sandbox = await startAxSandbox({ port: 0 });
  const sqs = await startAwsJsonServer("sqs");
  sqs.answer({ status: 200, body: { Successful: [], Failed: [] } });
  // The functions' settings as in prod, secrets as plain values; the handlers read them at their first invocation.
  const saved = { ...process.env };
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    // DynamoDB Local keeps a table per access key and region: the ones the table was created with.
    AWS_REGION: "local",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    QUEUE_URL: BENCH_QUEUE_URL,
    WEBHOOK_SECRET: TEST_SECRET,
    AX_BASE_URL: sandbox.url,
    AX_API_KEY: sandbox.apiKey,
    AX_CHANNEL_CODE: sandbox.channelCode,
    POWERTOOLS_SERVICE_NAME: "ax-channel-adapter",
    POWERTOOLS_METRICS_NAMESPACE: "AxChannelAdapter/prod",
  });
  try {
    log(`logs: ${calls} webhooks, placements, cancellations and forwards through the Lambda handlers`);
    const receiver = (await import("../../functions/receive-webhook")).handler;
    const worker = (await import("../../functions/process-event")).handler;
    const forwarder = (await import("../../functions/forward-events")).handler;
    const samples: Record<string, string> = {};

    const webhook = await captureLogs(async () => {
      for (let i = 0; i < calls; i++) {
        const delivery = signedDelivery(sampleOrderPlaced(`LG-${randomUUID().slice(0, 8)}`));
        await receiver(
          apiEvent("POST", "/webhooks/orders", { headers: delivery.headers, body: delivery.body }),
          lambdaContext("receiveWebhook"),
        );
      }
    });
    samples.receiveWebhook = webhook.lines[0] ?? "";

    const orderIds: string[] = [];
    const placement = await captureLogs(async () => {
      for (let i = 0; i < calls; i++) {
        const orderId = `LG-${randomUUID().slice(0, 8)}`;
        orderIds.push(orderId);
        const message = await storeEvent(store, sampleOrderPlaced(orderId));
        await worker(sqsEvent(message), lambdaContext("processEvent"));
      }
    });
    samples.processEvent = placement.lines.find((line) => line.includes("event processed")) ?? "";

    const cancellation = await captureLogs(async () => {
      for (const orderId of orderIds) {
        const message = await storeEvent(store, {
          type: "order.cancelled",
          data: { order_id: orderId, ticket_ids: [`${orderId}-1-2`] },
        } as { type: string; data: { order_id: string } });
        await worker(sqsEvent(message), lambdaContext("processEvent"));
      }
    });

    const durations: number[] = [];
    const forwarded = await captureLogs(async () => {
      for (let i = 0; i < calls; i++) {
        const webhookId = `msg_${randomUUID()}`;
        const started = performance.now();
        await forwarder(
          {
            Records: [
              {
                eventID: String(i),
                eventName: "INSERT",
                dynamodb: {
                  SequenceNumber: String(100 + i),
                  NewImage: {
                    pk: { S: `EVENT#${webhookId}` },
                    sk: { S: "EVENT" },
                    webhook_id: { S: webhookId },
                    order_id: { S: `LG-${i}` },
                    status: { S: "queued" },
                  },
                },
              },
            ],
          },
          lambdaContext("forwardEvents"),
        );
        durations.push(Math.ceil(performance.now() - started));
      }
    });
    samples.forwardEvents = forwarded.lines[0] ?? "";
    return {
      receiver: { bytes: webhook.bytes / calls, lines: webhook.lines.length / calls },
      placement: { bytes: placement.bytes / calls, lines: placement.lines.length / calls },
      cancellation: { bytes: cancellation.bytes / calls, lines: cancellation.lines.length / calls },
      forwarder: { bytes: forwarded.bytes / calls, lines: forwarded.lines.length / calls, billedMs: mean(durations) },
      samples,
    };
  } finally {
    process.env = saved;
    await sqs.close();
    await sandbox.stop();
    client.destroy();
  }
}
