// Drives the worker as SQS would: stored events, SQS-shaped records, batch item failures.
import { createHash, randomUUID } from "node:crypto";
import type { SQSEvent } from "aws-lambda";
import { createProcessEventHandler } from "../../functions/process-event";
import { AxClient } from "../../lib/ax/client";
import type { ApplyEventDeps } from "../../lib/orders/apply-event";
import { systemClock, type QueuedEvent } from "../../lib/orders/ports";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { startAxSandbox, type AxSandbox } from "../../local/ax-sandbox/server";
import { freshTable } from "./dynamodb";

/** Stores an event as the receiver would, and returns the queue message it sent. */
export async function storeEvent(
  store: DynamoStore,
  payload: { type: string; data: { order_id: string } },
  webhookId = `msg_${randomUUID()}`,
): Promise<QueuedEvent> {
  const body = JSON.stringify(payload);
  const now = new Date().toISOString();
  await store.putEvent({
    webhook_id: webhookId,
    type: payload.type as "order.placed",
    order_id: payload.data.order_id,
    body,
    body_sha256: createHash("sha256").update(body).digest("hex"),
    status: "queued",
    received_at: now,
    updated_at: now,
    attempts: 0,
  });
  return { webhook_id: webhookId, order_id: payload.data.order_id, requeue_seq: 0 };
}

export function sqsEvent(...messages: QueuedEvent[]): SQSEvent {
  return {
    Records: messages.map((message, index) => ({
      messageId: `m-${index}-${randomUUID()}`,
      receiptHandle: "r",
      body: JSON.stringify(message),
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: String(Date.now()),
        SenderId: "test",
        ApproximateFirstReceiveTimestamp: String(Date.now()),
        MessageGroupId: message.order_id,
        MessageDeduplicationId: message.webhook_id,
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:local:000000000000:events.fifo",
      awsRegion: "local",
    })),
  };
}

export interface WorkerFixture {
  sandbox: AxSandbox;
  store: DynamoStore;
  /** The worker's AX client (an operator's reconciliation asks AX through it too). */
  ax: AxClient;
  deps: ApplyEventDeps;
  worker: ReturnType<typeof createProcessEventHandler>;
}

/** The worker's dependencies on `store` and `ax`, as the Lambda builds them (a fixed lease, real attempt ids). */
export function workerDepsOn(
  store: DynamoStore,
  ax: ApplyEventDeps["ax"],
  overrides: Partial<ApplyEventDeps> & Pick<ApplyEventDeps, "createLeaseMs">,
): ApplyEventDeps {
  return {
    orders: store,
    answers: store,
    products: store,
    events: store,
    ax,
    clock: systemClock,
    newAttemptId: randomUUID,
    parkEvent: (webhookId, reason, detail) =>
      store.setEventStatus({ webhook_id: webhookId, status: "failed", reason, detail }, new Date()),
    ...overrides,
  };
}

/** The worker on a fresh table in DynamoDB Local, calling a fresh AX sandbox over loopback HTTP. */
export async function startWorkerFixture(options: {
  timeoutMs: number;
  createLeaseMs: number;
}): Promise<WorkerFixture> {
  const table = await freshTable();
  const store = new DynamoStore(table.doc, table.tableName);
  const sandbox = await startAxSandbox({ apiKey: "key", channelCode: "chan" });
  const ax = new AxClient({
    baseUrl: sandbox.url,
    credentials: { apiKey: "key", channelCode: "chan" },
    timeoutMs: options.timeoutMs,
  });
  const deps = workerDepsOn(store, ax, { createLeaseMs: options.createLeaseMs });
  const worker = createProcessEventHandler({
    ...deps,
    noteAttemptFailure: (webhookId, error, deadLettered) =>
      store.noteAttemptFailure(webhookId, error, new Date(), deadLettered),
  });
  return { sandbox, store, ax, deps, worker };
}
