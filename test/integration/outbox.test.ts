// The outbox on a real DynamoDB Local table: its stream read by the local reader and handed to the deployed stream
// consumer, the sweeper's choices, and the worker's trust in the table rather than in the queue message.
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createForwardEventsHandler } from "../../functions/forward-events";
import { systemClock, type Clock, type EventQueue, type QueuedEvent } from "../../lib/orders/ports";
import { placeOrder } from "../../lib/orders/place-order";
import { replayEvent } from "../../lib/orders/replay";
import { WAITING_FOR_PLACEMENT, sweepEvents, sweepFailure } from "../../lib/orders/sweep-events";
import { createSweepEventsHandler } from "../../functions/sweep-events";
import { DynamoStore, eventItem } from "../../lib/store/dynamo-store";
import { localClientConfig } from "../../local/dynamodb/emulator";
import { sampleOrderPlaced } from "../../local/samples";
import { LocalStreamReader } from "../../local/stream-reader";
import { freshTable, type TestTable } from "../support/dynamodb";
import { sqsEvent, startWorkerFixture, storeEvent, type WorkerFixture } from "../support/worker";

class RecordingQueue implements EventQueue {
  sent: QueuedEvent[] = [];
  send(messages: readonly QueuedEvent[]): Promise<number> {
    this.sent.push(...messages);
    return Promise.resolve(messages.length);
  }
  of(webhookId: string) {
    return this.sent.filter((m) => m.webhook_id === webhookId);
  }
}

const later = (ms: number): Clock => ({ now: () => new Date(Date.now() + ms) });

describe("the table's stream, read as `npm start` reads it", () => {
  let table: TestTable;
  let store: DynamoStore;
  let streams: DynamoDBStreamsClient;
  let streamArn: string;
  beforeAll(async () => {
    table = await freshTable();
    store = new DynamoStore(table.doc, table.tableName);
    streams = new DynamoDBStreamsClient(localClientConfig(table.endpoint));
    const { Table } = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
    streamArn = Table?.LatestStreamArn ?? "";
  });
  afterAll(() => {
    streams.destroy();
  });

  const reader = (queue: EventQueue, checkpointFile?: string) => {
    const started = new LocalStreamReader({
      client: streams,
      streamArn,
      checkpointFile,
      consumer: createForwardEventsHandler(queue),
      idleMs: 20,
    });
    started.start();
    return started;
  };

  it("queues a stored event once, and again only when it is replayed (with a new deduplication id)", async () => {
    const queue = new RecordingQueue();
    const running = reader(queue);
    const message = await storeEvent(store, sampleOrderPlaced(`S-${randomUUID().slice(0, 8)}`));
    await running.caughtUp();
    expect(queue.of(message.webhook_id)).toEqual([{ ...message, requeue_seq: 0 }]);

    // Writes that are not new work queue nothing: a failed attempt noted, the event parked.
    await store.noteAttemptFailure(message.webhook_id, "AxUnavailableError: AX answered 503", new Date());
    await store.setEventStatus(
      { webhook_id: message.webhook_id, status: "failed", reason: "x", detail: "y" },
      new Date(),
    );
    await running.caughtUp();
    expect(queue.of(message.webhook_id)).toHaveLength(1);

    await replayEvent(
      { events: store, orders: store, products: store, clock: systemClock },
      message.webhook_id,
      "operator",
    );
    await running.caughtUp();
    expect(queue.of(message.webhook_id).map((m) => m.requeue_seq)).toEqual([0, 1]);
    await running.stop();
  });

  it("carries on from its saved position after a restart: nothing queued twice, nothing written meanwhile lost", async () => {
    const checkpoint = join(mkdtempSync(join(tmpdir(), "stream-")), "position.json");
    const queue = new RecordingQueue();
    let running = reader(queue, checkpoint);
    const before = await storeEvent(store, sampleOrderPlaced(`S-${randomUUID().slice(0, 8)}`));
    await running.caughtUp();
    await running.stop();
    const whileStopped = await storeEvent(store, sampleOrderPlaced(`S-${randomUUID().slice(0, 8)}`));
    running = reader(queue, checkpoint);
    await running.caughtUp();
    await running.stop();
    expect(queue.of(before.webhook_id)).toHaveLength(1);
    expect(queue.of(whileStopped.webhook_id)).toHaveLength(1);
  });
});

describe("the sweeper", () => {
  let fixture: WorkerFixture;
  beforeAll(async () => {
    fixture = await startWorkerFixture({ timeoutMs: 1000, createLeaseMs: 5000 });
  });
  afterAll(async () => {
    await fixture.sandbox.stop();
  });
  const deps = (queue: EventQueue, clock: Clock = later(11 * 60_000)) => ({
    events: fixture.store,
    orders: fixture.store,
    queue,
    clock,
  });
  const options = { strandedAfterMs: 10 * 60_000 };

  it("queues an event no worker ever got, once, and reports how long it waited", async () => {
    const stranded = await storeEvent(fixture.store, sampleOrderPlaced(`W-${randomUUID().slice(0, 8)}`));
    const queue = new RecordingQueue();
    const report = await sweepEvents(deps(queue), options);
    expect(queue.of(stranded.webhook_id)).toEqual([stranded]);
    expect(report.requeuedIds).toContain(stranded.webhook_id);
    expect(report.oldestStrandedAgeSeconds).toBeGreaterThanOrEqual(600);
    // Marked as swept: the next run (a minute later) leaves it to the queue.
    await sweepEvents(deps(queue, later(12 * 60_000)), options);
    expect(queue.of(stranded.webhook_id)).toHaveLength(1);
  });

  it("leaves young events, events a worker has tried (queue or dead-letter queue), and held cancellations", async () => {
    const young = await storeEvent(fixture.store, sampleOrderPlaced(`W-${randomUUID().slice(0, 8)}`));
    const tried = await storeEvent(fixture.store, sampleOrderPlaced(`W-${randomUUID().slice(0, 8)}`));
    await fixture.store.noteAttemptFailure(tried.webhook_id, "AxUnavailableError", new Date());
    const orderId = `W-${randomUUID().slice(0, 8)}`;
    const cancel = await storeEvent(fixture.store, { type: "order.cancelled", data: { order_id: orderId } });
    await fixture.worker(sqsEvent(cancel)); // no placement yet: held on purpose
    const queue = new RecordingQueue();
    await sweepEvents(deps(queue, later(60_000)), options); // young: a minute old
    expect(queue.of(young.webhook_id)).toEqual([]);
    const report = await sweepEvents(deps(queue), options);
    expect(queue.of(tried.webhook_id)).toEqual([]);
    expect(queue.of(cancel.webhook_id)).toEqual([]);
    expect(report.retrying).toBeGreaterThanOrEqual(1);
    expect(report.held).toBeGreaterThanOrEqual(1);
    // After a crash of the local stack, every queued event is stranded, tried or not (but held ones stay held).
    const afterCrash = new RecordingQueue();
    await sweepEvents(deps(afterCrash, later(0)), { strandedAfterMs: 0, includeAttempted: true });
    expect(afterCrash.of(tried.webhook_id)).toHaveLength(1);
    expect(afterCrash.of(cancel.webhook_id)).toEqual([]);
  });

  it("queues a held cancellation whose placement went through without applying it", async () => {
    const orderId = `W-${randomUUID().slice(0, 8)}`;
    const cancel = await storeEvent(fixture.store, { type: "order.cancelled", data: { order_id: orderId } });
    await fixture.worker(sqsEvent(cancel));
    // The placement is applied by a worker that stops before it applies the waiting cancellation.
    const placement = await storeEvent(fixture.store, sampleOrderPlaced(orderId));
    const event = sampleOrderPlaced(orderId) as Parameters<typeof placeOrder>[2];
    await placeOrder(
      fixture.deps,
      { webhookId: placement.webhook_id, receivedAt: new Date().toISOString(), replay: false },
      event,
    );
    const queue = new RecordingQueue();
    await sweepEvents(deps(queue), options);
    expect(queue.of(cancel.webhook_id)).toHaveLength(1);
  });

  it("queues a tried event whose message is gone: untouched for longer than the longest backoff, not dead-lettered", async () => {
    const tried = await storeEvent(fixture.store, sampleOrderPlaced(`W-${randomUUID().slice(0, 8)}`));
    await fixture.store.noteAttemptFailure(tried.webhook_id, "AxUnavailableError", new Date());
    const queue = new RecordingQueue();
    // While the queue retries it (its longest backoff is 15 minutes), it is left to the queue.
    expect((await sweepEvents(deps(queue, later(20 * 60_000)), options)).retrying).toBeGreaterThanOrEqual(1);
    expect(queue.of(tried.webhook_id)).toEqual([]);
    // Half an hour without an attempt: no message will bring it back (the queue was purged, the message lost).
    const report = await sweepEvents(deps(queue, later(31 * 60_000)), options);
    expect(queue.of(tried.webhook_id)).toHaveLength(1);
    expect(report.oldestStrandedAgeSeconds).toBeGreaterThanOrEqual(31 * 60);
  });

  it("leaves a dead-lettered event to the dead-letter queue until its message is about to expire, then queues it", async () => {
    const dead = await storeEvent(fixture.store, sampleOrderPlaced(`W-${randomUUID().slice(0, 8)}`));
    await fixture.store.noteAttemptFailure(dead.webhook_id, "AxUnavailableError", new Date(), true);
    expect((await fixture.store.getEvent(dead.webhook_id))?.dead_lettered_at).toBeDefined();
    const queue = new RecordingQueue();
    const dayMs = 86_400_000;
    expect((await sweepEvents(deps(queue, later(12 * dayMs)), options)).deadLettered).toBeGreaterThanOrEqual(1);
    expect(queue.of(dead.webhook_id)).toEqual([]);
    // A day before the dead-letter queue drops it (14 days), it is queued again rather than lost.
    await sweepEvents(deps(queue, later(13 * dayMs + 60_000)), options);
    expect(queue.of(dead.webhook_id)).toHaveLength(1);
    expect((await fixture.store.getEvent(dead.webhook_id))?.dead_lettered_at).toBeUndefined();
  });

  it("queues an event left queued with no message (a resend whose requeue, a second write, was cut)", async () => {
    const orderId = `W-${randomUUID().slice(0, 8)}`;
    const placement = await storeEvent(fixture.store, sampleOrderPlaced(orderId));
    // What the old two-write resend left when it stopped after its first write: the event queued, no requeue.
    await fixture.store.setEventStatus(
      { webhook_id: placement.webhook_id, status: "failed", reason: "create_uncertain" },
      new Date(),
    );
    await fixture.store.setEventStatus(
      { webhook_id: placement.webhook_id, status: "queued", reason: "reconciled_resend" },
      new Date(),
    );
    const queue = new RecordingQueue();
    await sweepEvents(deps(queue, later(31 * 60_000)), options);
    expect(queue.of(placement.webhook_id)).toHaveLength(1);
  });

  it("leaves an event that waits behind an event of its order the queue is retrying (FIFO), and queues it once that one is gone", async () => {
    const orderId = `W-${randomUUID().slice(0, 8)}`;
    const first = await storeEvent(fixture.store, sampleOrderPlaced(orderId));
    await fixture.store.noteAttemptFailure(first.webhook_id, "AxUnavailableError", new Date());
    const behind = await storeEvent(fixture.store, { type: "order.cancelled", data: { order_id: orderId } });
    const queue = new RecordingQueue();
    const report = await sweepEvents(deps(queue, later(11 * 60_000)), options);
    expect(report.waitingBehind).toBeGreaterThanOrEqual(1);
    expect(report.oldestStrandedAgeSeconds).toBe(0);
    expect(queue.of(behind.webhook_id)).toEqual([]);
    expect(queue.of(first.webhook_id)).toEqual([]);
  });

  it("queues a placement no worker got although its order's cancellation waits for it (held, not retried)", async () => {
    const orderId = `W-${randomUUID().slice(0, 8)}`;
    const cancel = await storeEvent(fixture.store, { type: "order.cancelled", data: { order_id: orderId } });
    await fixture.worker(sqsEvent(cancel)); // no placement yet: held on purpose, and counted as an attempt
    const held = await fixture.store.getEvent(cancel.webhook_id);
    expect(held?.reason).toBe(WAITING_FOR_PLACEMENT);
    expect(held?.attempts).toBeGreaterThan(0);
    // The placement was acknowledged, then lost on its way to the queue (a crash with it in the local queue).
    const placement = await storeEvent(fixture.store, sampleOrderPlaced(orderId));
    const queue = new RecordingQueue();
    await sweepEvents(deps(queue, later(11 * 60_000)), options);
    expect(queue.of(placement.webhook_id)).toHaveLength(1);
    expect(queue.of(cancel.webhook_id)).toEqual([]);
  });

  it("stops looking at candidates when its time budget is spent, and says so", async () => {
    await storeEvent(fixture.store, sampleOrderPlaced(`W-${randomUUID().slice(0, 8)}`));
    const queue = new RecordingQueue();
    const report = await sweepEvents(deps(queue), { ...options, budgetMs: 0 });
    expect(report.truncated).toBe(true);
    expect(queue.sent).toEqual([]);
  });

  it("passes over a candidate it cannot sweep: the ones behind it are swept, and the run then fails naming it", async () => {
    const poisonOrder = `W-POISON-${randomUUID().slice(0, 8)}`;
    const poison = await storeEvent(fixture.store, sampleOrderPlaced(poisonOrder));
    const behind = await storeEvent(fixture.store, sampleOrderPlaced(`W-${randomUUID().slice(0, 8)}`));
    // The poison's reads fail every time (a record that no longer parses, a key throttled for good): before, the
    // oldest-first run ended there, every run, and every event behind it stayed stranded.
    const store = fixture.store;
    const failingEvents = new Proxy(store, {
      get(target, property, receiver) {
        if (property === "listEventsForOrder")
          return (orderId: string) =>
            orderId === poisonOrder
              ? Promise.reject(new Error("the stored record no longer parses"))
              : target.listEventsForOrder(orderId);
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const queue = new RecordingQueue();
    const deps = { events: failingEvents, orders: store, queue, clock: later(11 * 60_000) };
    const report = await sweepEvents(deps, options);
    expect(queue.of(behind.webhook_id)).toHaveLength(1);
    expect(queue.of(poison.webhook_id)).toEqual([]);
    expect(report.failed).toContainEqual({
      webhook_id: poison.webhook_id,
      error: "the stored record no longer parses",
    });
    expect(sweepFailure(report)?.message).toMatch(/could not be swept and stay queued for the next run/);
    expect((await store.getEvent(poison.webhook_id))?.status).toBe("queued");

    // The Lambda: the same run, then an error (its alarm), with the event behind already on its way.
    const lambdaQueue = new RecordingQueue();
    const run = createSweepEventsHandler({ ...deps, queue: lambdaQueue, clock: later(12 * 60_000) }, options);
    await expect(run()).rejects.toThrow(poison.webhook_id);
  });

  it("stops at the next candidate once its signal is aborted (a local stack stopping during its start-up sweep)", async () => {
    for (let n = 0; n < 3; n++) await storeEvent(fixture.store, sampleOrderPlaced(`W-${randomUUID().slice(0, 8)}`));
    const stop = new AbortController();
    const sent: QueuedEvent[] = [];
    const queue: EventQueue = {
      send: (messages) => {
        sent.push(...messages);
        stop.abort(); // the stack stops right after the first one is queued
        return Promise.resolve(messages.length);
      },
    };
    const report = await sweepEvents(deps(queue, later(0)), {
      strandedAfterMs: 0,
      includeAttempted: true,
      signal: stop.signal,
    });
    expect(sent).toHaveLength(1);
    expect(report).toMatchObject({ requeued: 1, truncated: true });
  });

  it("reports the oldest unfinished event's age from its own receipt: a sweep never resets it", async () => {
    const tried = await storeEvent(fixture.store, sampleOrderPlaced(`W-${randomUUID().slice(0, 8)}`));
    await fixture.store.noteAttemptFailure(tried.webhook_id, "AxUnavailableError", new Date());
    const queue = new RecordingQueue();
    const ages: number[] = [];
    for (const minutes of [40, 70, 100]) {
      const report = await sweepEvents(deps(queue, later(minutes * 60_000)), options);
      ages.push(report.oldestUnfinishedAgeSeconds);
    }
    // Swept at 40 minutes (no live message) and still unfinished after: the age keeps growing past the hour.
    expect(queue.of(tried.webhook_id).length).toBeGreaterThanOrEqual(1);
    expect(ages[0]).toBeGreaterThanOrEqual(40 * 60);
    expect(ages[1]).toBeGreaterThanOrEqual(70 * 60);
    expect(ages[2]).toBeGreaterThanOrEqual(100 * 60);
  });

  it("of two sweepers at once, only one queues a stranded event", async () => {
    const stranded = await storeEvent(fixture.store, sampleOrderPlaced(`W-${randomUUID().slice(0, 8)}`));
    const queue = new RecordingQueue();
    await Promise.all([sweepEvents(deps(queue), options), sweepEvents(deps(queue), options)]);
    expect(queue.of(stranded.webhook_id)).toHaveLength(1);
  });
});

// Its own table: the start-up sweep below queues every event it holds.
describe("the start-up sweep of a local stack", () => {
  let many: WorkerFixture;
  beforeAll(async () => {
    many = await startWorkerFixture({ timeoutMs: 1000, createLeaseMs: 5000 });
  });
  afterAll(async () => {
    await many.sandbox.stop();
  });

  it("queues every unfinished event at a local stack's start, however many there are", async () => {
    const count = 2_100; // more than the 2,000 candidates a run once looked at
    const messages: QueuedEvent[] = [];
    const at = new Date().toISOString();
    const items = Array.from({ length: count }, (_, index) => {
      const body = JSON.stringify(sampleOrderPlaced(`MANY-${index}-${randomUUID().slice(0, 6)}`));
      const order = JSON.parse(body) as { data: { order_id: string } };
      const webhookId = `msg_${randomUUID()}`;
      messages.push({ webhook_id: webhookId, order_id: order.data.order_id, requeue_seq: 0 });
      return eventItem({
        webhook_id: webhookId,
        type: "order.placed",
        order_id: order.data.order_id,
        body,
        body_sha256: createHash("sha256").update(body).digest("hex"),
        status: "queued",
        received_at: at,
        updated_at: at,
        attempts: 1,
      });
    });
    for (let start = 0; start < items.length; start += 25)
      await many.store.documentClient.send(
        new BatchWriteCommand({
          RequestItems: {
            [many.store.tableName]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })),
          },
        }),
      );
    const queue = new RecordingQueue();
    const report = await sweepEvents(
      { events: many.store, orders: many.store, queue, clock: later(1_000) },
      {
        strandedAfterMs: 0,
        includeAttempted: true,
        limit: Number.MAX_SAFE_INTEGER,
      },
    );
    expect(messages.filter((message) => queue.of(message.webhook_id).length !== 1)).toEqual([]);
    expect(report.truncated).toBe(false);
  });
});

describe("the worker trusts the table, not the queue message", () => {
  let fixture: WorkerFixture;
  beforeAll(async () => {
    fixture = await startWorkerFixture({ timeoutMs: 1000, createLeaseMs: 5000 });
  });
  afterAll(async () => {
    await fixture.sandbox.stop();
  });

  it("drops a message naming no stored event, or another order's event, and calls AX for neither", async () => {
    const orderId = `T-${randomUUID().slice(0, 8)}`;
    const stored = await storeEvent(fixture.store, sampleOrderPlaced(orderId));
    const forged = { webhook_id: `msg_${randomUUID()}`, order_id: orderId, requeue_seq: 0 };
    const misdirected = { ...stored, order_id: `T-${randomUUID().slice(0, 8)}` };
    // A body in the message (an old message's shape, or a forged one) is never read.
    const withBody = { ...forged, body: JSON.stringify(sampleOrderPlaced(orderId)) };
    expect(await fixture.worker(sqsEvent(forged, misdirected, withBody))).toEqual({ batchItemFailures: [] });
    expect(fixture.sandbox.createCalls(orderId)).toBe(0);
    expect((await fixture.store.getEvent(stored.webhook_id))?.status).toBe("queued");
  });

  it("marks the event dead-lettered when its message's last receive fails, and clears the mark at the next attempt", async () => {
    const orderId = `T-${randomUUID().slice(0, 8)}`;
    fixture.sandbox.injectFault({ endpoint: "create", channelOrderCode: orderId, kind: "status", status: 503 });
    const message = await storeEvent(fixture.store, sampleOrderPlaced(orderId));
    const receive = (count: number) => {
      const event = sqsEvent(message);
      for (const record of event.Records) record.attributes.ApproximateReceiveCount = String(count);
      return event;
    };
    expect((await fixture.worker(receive(15))).batchItemFailures).toHaveLength(1);
    expect((await fixture.store.getEvent(message.webhook_id))?.dead_lettered_at).toBeUndefined();
    expect((await fixture.worker(receive(16))).batchItemFailures).toHaveLength(1);
    expect((await fixture.store.getEvent(message.webhook_id))?.dead_lettered_at).toBeDefined();
    // Redriven: received again from 1; a failure there is no longer dead-lettered.
    expect((await fixture.worker(receive(1))).batchItemFailures).toHaveLength(1);
    expect(await fixture.store.getEvent(message.webhook_id)).toMatchObject({ attempts: 3 });
    expect((await fixture.store.getEvent(message.webhook_id))?.dead_lettered_at).toBeUndefined();
    fixture.sandbox.clearFaults();
  });

  it("in a batch, a failing message holds back only the later messages of its own order", async () => {
    const failing = `T-${randomUUID().slice(0, 8)}`;
    const other = `T-${randomUUID().slice(0, 8)}`;
    fixture.sandbox.injectFault({ endpoint: "create", channelOrderCode: failing, kind: "status", status: 503 });
    const first = await storeEvent(fixture.store, sampleOrderPlaced(failing));
    const sameOrder = await storeEvent(fixture.store, { type: "order.cancelled", data: { order_id: failing } });
    const otherOrder = await storeEvent(fixture.store, sampleOrderPlaced(other));
    const batch = sqsEvent(first, sameOrder, otherOrder);
    const answer = await fixture.worker(batch);
    expect(answer.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      batch.Records.slice(0, 2).map((r) => r.messageId),
    );
    expect((await fixture.store.load(other)).order?.status).toBe("placed");
    expect(await fixture.store.getEvent(first.webhook_id)).toMatchObject({ status: "queued", attempts: 1 });
    expect((await fixture.store.getEvent(first.webhook_id))?.last_error).toMatch(/503/);
    fixture.sandbox.clearFaults();
  });
});
