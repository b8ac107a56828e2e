// The in-process SQS FIFO stand-in of `npm start`: per-order order, parallel orders, deduplication, retries with
// backoff, dead letters and redrive.
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import type { QueuedEvent } from "../../lib/orders/ports";
import { LocalFifoQueue } from "../../local/fifo-queue";

const message = (orderId: string, webhookId: string, requeueSeq = 0): QueuedEvent[] => [
  { webhook_id: webhookId, order_id: orderId, requeue_seq: requeueSeq },
];

/** A worker that records what it saw and fails the ids in `failures` as many times as given. */
function recordingWorker(failures: Map<string, number> = new Map()) {
  const seen: { webhookId: string; receiveCount: string | undefined }[] = [];
  const handler = (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures = [];
    for (const record of event.Records) {
      const body = JSON.parse(record.body) as QueuedEvent;
      seen.push({ webhookId: body.webhook_id, receiveCount: record.attributes.ApproximateReceiveCount });
      const left = failures.get(body.webhook_id) ?? 0;
      if (left > 0) {
        failures.set(body.webhook_id, left - 1);
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return Promise.resolve({ batchItemFailures });
  };
  return { seen, handler };
}

describe("LocalFifoQueue", () => {
  it("keeps an order's events in order while the first one is retried, and runs other orders meanwhile", async () => {
    const worker = recordingWorker(new Map([["a1", 2]]));
    const queue = new LocalFifoQueue({ handler: worker.handler, baseDelayMs: 20 });
    await queue.send(message("A", "a1"));
    await queue.send(message("A", "a2"));
    await queue.send(message("B", "b1"));
    await queue.idle();
    const order = worker.seen.map((s) => s.webhookId);
    expect(order.filter((id) => id.startsWith("a"))).toEqual(["a1", "a1", "a1", "a2"]);
    expect(order.indexOf("b1")).toBeLessThan(order.lastIndexOf("a1"));
    expect(worker.seen.filter((s) => s.webhookId === "a1").map((s) => s.receiveCount)).toEqual(["1", "2", "3"]);
  });

  it("drops a second send of the same event within the deduplication window, but not a requeue (replay)", async () => {
    const worker = recordingWorker();
    const queue = new LocalFifoQueue({ handler: worker.handler });
    await queue.send(message("A", "x"));
    await queue.send(message("A", "x"));
    await queue.idle();
    await queue.send(message("A", "x", 1));
    await queue.idle();
    expect(worker.seen.map((s) => s.webhookId)).toEqual(["x", "x"]);
  });

  it("moves a message that keeps failing to the dead-letter list, releases its order, and redrives it", async () => {
    const worker = recordingWorker(new Map([["bad", 3]]));
    const queue = new LocalFifoQueue({ handler: worker.handler, baseDelayMs: 5, maxReceiveCount: 3 });
    await queue.send(message("A", "bad"));
    await queue.send(message("A", "next"));
    await queue.idle();
    expect(queue.deadLetters.map((d) => [d.message.webhook_id, d.receiveCount])).toEqual([["bad", 3]]);
    expect(worker.seen.map((s) => s.webhookId)).toEqual(["bad", "bad", "bad", "next"]);
    expect(queue.redrive()).toBe(1);
    await queue.idle();
    expect(queue.deadLetters).toEqual([]);
    expect(worker.seen.at(-1)?.webhookId).toBe("bad");
  });

  it("waits longer after each failure (exponential backoff)", async () => {
    const times: number[] = [];
    const failing = (): Promise<SQSBatchResponse> => {
      times.push(Date.now());
      return Promise.reject(new Error("down"));
    };
    const queue = new LocalFifoQueue({ handler: failing, baseDelayMs: 40, maxReceiveCount: 4 });
    await queue.send(message("A", "x"));
    await queue.idle();
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
    // Jitter keeps each wait within [base·2^(n-1)/2, base·2^(n-1)]: 20–40, 40–80, 80–160 ms.
    expect(gaps).toHaveLength(3);
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[2]).toBeGreaterThanOrEqual(78);
    expect(queue.deadLetters).toHaveLength(1);
  });

  it("runs at most `concurrency` orders at once, like the worker's cap in AWS", async () => {
    let running = 0;
    let peak = 0;
    const slow = async (): Promise<SQSBatchResponse> => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 10));
      running--;
      return { batchItemFailures: [] };
    };
    const queue = new LocalFifoQueue({ handler: slow, concurrency: 3 });
    await queue.send(Array.from({ length: 30 }, (_, i) => message(`O-${i}`, `w-${i}`)).flat());
    await queue.idle();
    expect(peak).toBe(3);
  });

  it("stops taking work but lets a delivery in flight finish", async () => {
    const finished: string[] = [];
    const slow = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const record of event.Records) finished.push((JSON.parse(record.body) as QueuedEvent).webhook_id);
      return { batchItemFailures: [] };
    };
    const queue = new LocalFifoQueue({ handler: slow, concurrency: 1 });
    await queue.send([...message("A", "first"), ...message("B", "second")]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await queue.stop({ graceMs: 1_000 })).toBe(0);
    expect(finished).toEqual(["first"]);
    await expect(queue.send(message("C", "late"))).rejects.toThrow(/stopped/);
  });

  it("without a deadline, waits for every delivery in flight however long it takes, saying how many still run", async () => {
    // A worker between AX's answer and its write on a slow DynamoDB: far longer than any fixed grace would allow.
    const releases: (() => void)[] = [];
    const written: string[] = [];
    const slowWrite = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      await new Promise<void>((resolve) => releases.push(resolve));
      for (const record of event.Records) written.push((JSON.parse(record.body) as QueuedEvent).webhook_id);
      return { batchItemFailures: [] };
    };
    const queue = new LocalFifoQueue({ handler: slowWrite, concurrency: 2 });
    await queue.send([...message("A", "first"), ...message("A", "later"), ...message("B", "second")]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const waits: number[] = [];
    let stopped = false;
    const stopping = queue.stop({ onWait: (running) => waits.push(running), waitReportMs: 20 }).then((left) => {
      stopped = true;
      return left;
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(stopped).toBe(false);
    expect(waits.length).toBeGreaterThan(2);
    expect(waits.every((running) => running === 2)).toBe(true);
    for (const release of releases) release();
    expect(await stopping).toBe(0);
    expect(written.sort()).toEqual(["first", "second"]); // what was in flight, and nothing started after the stop
  });
});
