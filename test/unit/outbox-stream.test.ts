// Which stream records queue an event: new events and deliberate requeues, never the other writes of an event.
import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { createForwardEventsHandler } from "../../functions/forward-events";
import type { EventQueue, QueuedEvent } from "../../lib/orders/ports";
import { eventsToForward } from "../../lib/queue/outbox-stream";
import { deduplicationId, messageGroupId } from "../../lib/queue/sqs-queue";

type Image = NonNullable<NonNullable<DynamoDBRecord["dynamodb"]>["NewImage"]>;
const event = (status: string, extra: Image = {}): Image => ({
  pk: { S: "EVENT#w1" },
  sk: { S: "EVENT" },
  webhook_id: { S: "w1" },
  order_id: { S: "O-1" },
  status: { S: status },
  ...extra,
});
let sequence = 0;
const record = (eventName: "INSERT" | "MODIFY" | "REMOVE", next?: Image, previous?: Image): DynamoDBRecord => ({
  eventName,
  dynamodb: {
    SequenceNumber: String(++sequence).padStart(21, "0"),
    ...(next ? { NewImage: next } : {}),
    ...(previous ? { OldImage: previous } : {}),
  },
});

describe("eventsToForward", () => {
  it("queues a new event with its ids, requeue sequence and correlation id", () => {
    const inserted = record("INSERT", event("queued", { correlation_id: { S: "req-1" } }));
    expect(eventsToForward([inserted])).toEqual([
      {
        sequenceNumber: inserted.dynamodb?.SequenceNumber,
        message: { webhook_id: "w1", order_id: "O-1", requeue_seq: 0, correlation_id: "req-1" },
      },
    ]);
  });

  it("queues an event put back on purpose: back to queued from a settled status, or a new requeue_seq", () => {
    const replayed = record("MODIFY", event("queued", { requeue_seq: { N: "1" } }), event("failed"));
    const requeued = record(
      "MODIFY",
      event("queued", { requeue_seq: { N: "2" } }),
      event("queued", { requeue_seq: { N: "1" } }),
    );
    expect(eventsToForward([replayed, requeued]).map((f) => f.message.requeue_seq)).toEqual([1, 2]);
  });

  it("queues nothing for the other writes: a queued event noted or held, a settled event, an order, a removal", () => {
    const noted = record("MODIFY", event("queued", { attempts: { N: "2" } }), event("queued"));
    const held = record("MODIFY", event("queued", { reason: { S: "waiting_for_placement" } }), event("queued"));
    const applied = record("MODIFY", event("applied"), event("queued"));
    const order = record("INSERT", { pk: { S: "ORDER#O-1" }, sk: { S: "ORDER" }, status: { S: "queued" } });
    const removed = record("REMOVE", undefined, event("applied"));
    expect(eventsToForward([noted, held, applied, order, removed])).toEqual([]);
  });
});

describe("the stream consumer", () => {
  class FlakyQueue implements EventQueue {
    sent: QueuedEvent[] = [];
    constructor(private sendable: number) {}
    send(messages: readonly QueuedEvent[]): Promise<number> {
      const taken = messages.slice(0, Math.max(0, this.sendable));
      this.sendable -= taken.length;
      this.sent.push(...taken);
      return Promise.resolve(taken.length);
    }
  }
  const inserts = (count: number) =>
    Array.from({ length: count }, (_, n) =>
      record("INSERT", event("queued", { webhook_id: { S: `w${n}` }, pk: { S: `EVENT#w${n}` } })),
    );

  it("reports the first record it could not queue, so the stream retries from there in order", async () => {
    const records = inserts(5);
    const queue = new FlakyQueue(3);
    const answer = await createForwardEventsHandler(queue)({ Records: records });
    expect(queue.sent.map((m) => m.webhook_id)).toEqual(["w0", "w1", "w2"]);
    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: records[3]?.dynamodb?.SequenceNumber }]);
  });

  it("reports the first record when the queue throws, and nothing when all were sent", async () => {
    const records = inserts(2);
    const failing: EventQueue = { send: () => Promise.reject(new Error("SQS down")) };
    expect((await createForwardEventsHandler(failing)({ Records: records })).batchItemFailures).toEqual([
      { itemIdentifier: records[0]?.dynamodb?.SequenceNumber },
    ]);
    expect((await createForwardEventsHandler(new FlakyQueue(9))({ Records: records })).batchItemFailures).toEqual([]);
  });
});

describe("SQS ids", () => {
  it("hashes every deduplication id: a webhook id that equals another's hash does not collide with it", () => {
    const long = "x".repeat(256);
    const hashOfLong = deduplicationId({ webhook_id: long, requeue_seq: 0 });
    expect(hashOfLong).toMatch(/^[0-9a-f]{64}$/);
    expect(deduplicationId({ webhook_id: hashOfLong, requeue_seq: 0 })).not.toBe(hashOfLong);
    expect(deduplicationId({ webhook_id: "w1", requeue_seq: 1 })).not.toBe(
      deduplicationId({ webhook_id: "w1", requeue_seq: 0 }),
    );
  });

  it("keeps an order id that SQS accepts as its group id, and hashes one it does not", () => {
    expect(messageGroupId("CH-10001")).toBe("CH-10001");
    expect(messageGroupId("주문 1")).toMatch(/^[0-9a-f]{64}$/);
  });
});
