// The worker in Lambda: it starts an event only while an AX call and its writes still fit in the invocation (a
// timeout between AX's answer and the write would leave an uncertain create), and it reports to the metrics.
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { describe, expect, it, vi } from "vitest";
import { createProcessEventHandler } from "../../functions/process-event";
import { noMetrics, type AdapterMetrics } from "../../lib/observability/metrics";
import type { ApplyEventDeps } from "../../lib/orders/apply-event";

const LEASE_MS = 30_000;

function record(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    body,
    receiptHandle: `rh-${messageId}`,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "0",
      SenderId: "sender",
      ApproximateFirstReceiveTimestamp: "0",
      MessageGroupId: "CH-1",
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:ap-northeast-2:123456789012:q.fifo",
    awsRegion: "ap-northeast-2",
  };
}

const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const queued = (webhookId: string) =>
  JSON.stringify({ webhook_id: webhookId, order_id: "CH-1", type: "order.placed", received_at: "", body: "{}" });

/** Deps whose every port fails the test if touched. */
function untouchableDeps(): { deps: ApplyEventDeps; load: ReturnType<typeof vi.fn> } {
  const load = vi.fn(() => Promise.reject(new Error("the order must not be loaded")));
  const deps = {
    orders: { load, commit: load },
    products: { findMappings: load },
    parkEvent: load,
    createLeaseMs: LEASE_MS,
  } as unknown as ApplyEventDeps;
  return { deps, load };
}

describe("the worker's deadline", () => {
  it("sends the whole batch back to the queue when less than one AX call's lease is left", async () => {
    const { deps, load } = untouchableDeps();
    const handler = createProcessEventHandler(deps);

    const answer = await handler(event(record("m1", queued("msg_1")), record("m2", queued("msg_2"))), {
      getRemainingTimeInMillis: () => LEASE_MS - 1,
    });

    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: "m1" }, { itemIdentifier: "m2" }]);
    expect(load).not.toHaveBeenCalled();
  });

  it("works as before without a Lambda context (the local stack), and counts a dropped message", async () => {
    const { deps } = untouchableDeps();
    const metrics: AdapterMetrics = { ...noMetrics, eventDropped: vi.fn() };
    const handler = createProcessEventHandler(deps, metrics);

    const answer = await handler(event(record("m1", "not json")));

    expect(answer.batchItemFailures).toEqual([]);
    expect(metrics.eventDropped).toHaveBeenCalledOnce();
  });

  it("counts an event that failed as retried, and holds back the rest of the batch", async () => {
    const { deps } = untouchableDeps();
    const metrics: AdapterMetrics = { ...noMetrics, eventRetried: vi.fn(), eventProcessed: vi.fn() };
    const handler = createProcessEventHandler(deps, metrics);

    const answer = await handler(event(record("m1", queued("msg_1")), record("m2", queued("msg_2"))), {
      getRemainingTimeInMillis: () => 60_000,
    });

    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: "m1" }, { itemIdentifier: "m2" }]);
    expect(metrics.eventRetried).toHaveBeenCalledOnce();
    expect(metrics.eventProcessed).not.toHaveBeenCalled();
  });
});
