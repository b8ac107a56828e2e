// The queue without the SQS client: a real HTTP server on 127.0.0.1 plays SQS's JSON API and checks each request's
// operation, input and SigV4 signature — the FIFO sender, the retries' backoff, and the operators' dead-letter queue,
// built as the Lambdas build them (lib/adapters/sqs.ts, from the configuration and the environment's credentials).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildQueue, buildSqsClient } from "../../lib/adapters/sqs";
import { AwsServiceError } from "../../lib/aws/json-request";
import { SqsDeadLetters } from "../../lib/aws/dead-letter-queue";
import { readConfig } from "../../lib/config";
import { deduplicationId, SqsRetryScheduler } from "../../lib/queue/sqs-queue";
import { startAwsJsonServer, TEST_CREDENTIALS, TEST_REGION, type AwsJsonServer } from "../support/aws-json-server";

const QUEUE_URL = "https://sqs.ap-northeast-2.amazonaws.com/123456789012/ax-events.fifo";
const DLQ_URL = "https://sqs.ap-northeast-2.amazonaws.com/123456789012/ax-events-dlq.fifo";
const message = (n: number) => ({ webhook_id: `msg_${n}`, order_id: `CH-${n}`, requeue_seq: 0 });

describe("SQS by signed requests", () => {
  let sqs: AwsJsonServer;
  const saved = { ...process.env };
  let config: ReturnType<typeof readConfig>;

  beforeAll(async () => {
    sqs = await startAwsJsonServer("sqs");
    // The Lambda's credentials are in its environment; the adapters read them there.
    process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
    config = readConfig({
      AWS_REGION: TEST_REGION,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      QUEUE_URL,
      AWS_REQUEST_TIMEOUT_MS: "1000",
    });
  });
  afterAll(async () => {
    process.env = saved;
    await sqs.close();
  });
  beforeEach(() => {
    sqs.received.length = 0;
  });

  it("sends a batch of ten per SendMessageBatch, in order, signed for sqs, with group and deduplication ids", async () => {
    sqs.answer({ status: 200, body: { Successful: [], Failed: [] } });
    const sent = await buildQueue(config).send(Array.from({ length: 12 }, (_, n) => message(n)));
    expect(sent).toBe(12);
    expect(sqs.received.map((request) => request.operation)).toEqual(["SendMessageBatch", "SendMessageBatch"]);
    const [first] = sqs.received;
    expect(first?.headers["content-type"]).toBe("application/x-amz-json-1.0");
    expect(first?.headers["x-amz-target"]).toBe("AmazonSQS.SendMessageBatch");
    expect(first?.signatureValid).toBe(true);
    expect(String(first?.headers.authorization)).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/ap-northeast-2\/sqs\//);
    expect(first?.input).toMatchObject({ QueueUrl: QUEUE_URL });
    const entries = (first?.input as { Entries: Record<string, unknown>[] }).Entries;
    expect(entries).toHaveLength(10);
    expect(entries[3]).toEqual({
      Id: "3",
      MessageBody: JSON.stringify(message(3)),
      MessageGroupId: "CH-3",
      MessageDeduplicationId: deduplicationId(message(3)),
    });
  });

  it("counts as sent only what precedes the first entry SQS failed", async () => {
    sqs.answer({
      status: 200,
      body: { Successful: [{ Id: "0" }], Failed: [{ Id: "2", SenderFault: false, Code: "x" }] },
    });
    expect(await buildQueue(config).send([message(1), message(2), message(3)])).toBe(2);
  });

  it("asks again once when SQS fails on its side or hangs up, and names SQS's error when it refuses", async () => {
    sqs.answer({ status: 500, body: { __type: "com.amazonaws.sqs#InternalError" } }, { status: 200, body: {} });
    expect(await buildQueue(config).send([message(1)])).toBe(1);
    expect(sqs.received).toHaveLength(2);

    sqs.received.length = 0;
    sqs.answer("hang-up", { status: 200, body: {} });
    expect(await buildQueue(config).send([message(1)])).toBe(1);
    expect(sqs.received).toHaveLength(2);

    sqs.received.length = 0;
    sqs.answer({ status: 400, body: { __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "no queue" } });
    const refused = await buildQueue(config)
      .send([message(1)])
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AwsServiceError);
    expect(refused).toMatchObject({ type: "QueueDoesNotExist", status: 400 });
    expect(sqs.received).toHaveLength(1);
  });

  it("schedules a retry by the message's visibility timeout", async () => {
    sqs.answer({ status: 200, body: {} });
    const seconds = await new SqsRetryScheduler(buildSqsClient(config), QUEUE_URL).later("receipt-1", 1);
    expect(sqs.received[0]?.operation).toBe("ChangeMessageVisibility");
    expect(sqs.received[0]?.input).toEqual({
      QueueUrl: QUEUE_URL,
      ReceiptHandle: "receipt-1",
      VisibilityTimeout: seconds,
    });
  });

  it("lists the dead-letter queue without taking its messages, and redrives it by a move task", async () => {
    const deadLetters = new SqsDeadLetters(buildSqsClient(config), DLQ_URL);
    sqs.answer(
      { status: 200, body: { Attributes: { ApproximateNumberOfMessages: "2" } } },
      {
        status: 200,
        body: { Messages: [{ Body: JSON.stringify(message(7)) }, { Body: "not json" }] },
      },
    );
    expect(await deadLetters.list(5)).toEqual({ count: 2, items: [{ webhook_id: "msg_7", order_id: "CH-7" }] });
    expect(sqs.received.map((request) => [request.operation, request.input])).toEqual([
      ["GetQueueAttributes", { QueueUrl: DLQ_URL, AttributeNames: ["ApproximateNumberOfMessages"] }],
      ["ReceiveMessage", { QueueUrl: DLQ_URL, MaxNumberOfMessages: 5, VisibilityTimeout: 0, WaitTimeSeconds: 0 }],
    ]);

    sqs.received.length = 0;
    const arn = "arn:aws:sqs:ap-northeast-2:123456789012:ax-events-dlq.fifo";
    sqs.answer({ status: 200, body: { Attributes: { QueueArn: arn } } }, { status: 200, body: { TaskHandle: "t-1" } });
    expect(await deadLetters.redrive()).toContain("t-1");
    expect(sqs.received[1]).toMatchObject({ operation: "StartMessageMoveTask", input: { SourceArn: arn } });
    expect(sqs.received.every((request) => request.signatureValid)).toBe(true);
  });
});
