// Retries with exponential backoff and jitter: the delay policy, and the SQS visibility change it becomes in AWS.
import { describe, expect, it } from "vitest";
import { SQS_RETRY_BACKOFF, retryDelayMs } from "../../lib/queue/backoff";
import { SqsRetryScheduler } from "../../lib/queue/sqs-queue";

describe("retryDelayMs", () => {
  it("doubles from the base up to the cap, jittered between half and all of it", () => {
    const policy = { baseMs: 10_000, maxMs: 900_000 };
    expect(retryDelayMs(1, policy, () => 0)).toBe(5_000);
    expect(retryDelayMs(1, policy, () => 1)).toBe(10_000);
    expect(retryDelayMs(4, policy, () => 1)).toBe(80_000);
    expect(retryDelayMs(12, policy, () => 1)).toBe(900_000);
    expect(retryDelayMs(12, policy, () => 0)).toBe(450_000);
  });

  it("gives about 2.4 hours of retries before the 16th receive sends a message to the dead-letter queue", () => {
    const total = Array.from({ length: 15 }, (_, n) => retryDelayMs(n + 1, SQS_RETRY_BACKOFF, () => 1)).reduce(
      (a, b) => a + b,
    );
    expect(total / 3_600_000).toBeCloseTo(2.35, 1);
  });
});

describe("SqsRetryScheduler", () => {
  it("sets the failed message's visibility timeout to the backoff delay", async () => {
    const sent: unknown[] = [];
    // Records what would have been sent to SQS (test/integration/sqs-signed.test.ts sends it to a server).
    const sqs = (operation: string, input: Record<string, unknown>) => {
      sent.push({ command: operation, input });
      return Promise.resolve({});
    };
    const scheduler = new SqsRetryScheduler(sqs, "https://sqs.local/q.fifo", { baseMs: 10_000, maxMs: 900_000 });
    const seconds = await scheduler.later("receipt-1", 3);
    expect(seconds).toBeGreaterThanOrEqual(20);
    expect(seconds).toBeLessThanOrEqual(40);
    expect(sent).toEqual([
      {
        command: "ChangeMessageVisibility",
        input: { QueueUrl: "https://sqs.local/q.fifo", ReceiptHandle: "receipt-1", VisibilityTimeout: seconds },
      },
    ]);
  });
});
