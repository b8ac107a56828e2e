// A write after AX answered never loses the answer, and a landed intent is never taken for a conflict: DynamoDB
// failing the way the deployed stage meets it (its timeouts scaled down: 300 ms per attempt, two attempts), through
// the latency proxy (answers held back while the write lands) and injected faults (throttle, conflicting
// transaction, 5xx, a timeout after the write landed). AX is the sandbox over loopback HTTP.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createProcessEventHandler } from "../../functions/process-event";
import { AxClient } from "../../lib/ax/client";
import type { ApplyEventDeps } from "../../lib/orders/apply-event";
import type { OrderCommit } from "../../lib/orders/ports";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { startAxSandbox, type AxSandbox } from "../../local/ax-sandbox/server";
import { startLatencyProxy, type LatencyProxy } from "../../local/dynamodb/latency-proxy";
import { sampleOrderPlaced } from "../../local/samples";
import { freshTable, type TestTable } from "../support/dynamodb";
import { faultyStore, writesCallIn, type DynamoFault } from "../support/dynamodb-faults";
import { sqsEvent, storeEvent, workerDepsOn } from "../support/worker";

const REQUEST_TIMEOUT_MS = 300;
const SLOW_ANSWER_MS = 800;
const LEASE_MS = 4_000;

describe("AX's answer is kept whatever DynamoDB does after AX answered", () => {
  let table: TestTable;
  let sandbox: AxSandbox;
  let proxy: LatencyProxy;
  let ax: AxClient;
  let plain: DynamoStore;
  beforeAll(async () => {
    table = await freshTable();
    sandbox = await startAxSandbox({ apiKey: "key", channelCode: "chan" });
    proxy = await startLatencyProxy({ upstream: table.endpoint });
    ax = new AxClient({ baseUrl: sandbox.url, credentials: { apiKey: "key", channelCode: "chan" }, timeoutMs: 2_000 });
    plain = new DynamoStore(table.doc, table.tableName);
  });
  afterAll(async () => {
    ax.close();
    await proxy.close();
    await sandbox.stop();
  });
  beforeEach(() => {
    proxy.setAnswerDelay(() => 0);
  });

  const workerOn = (store: DynamoStore, overrides: Partial<ApplyEventDeps> = {}) =>
    createProcessEventHandler(
      workerDepsOn(store, ax, {
        createLeaseMs: LEASE_MS,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20))),
        ...overrides,
      }),
    );

  /** A worker on the slow store whose first write matching `which` gets its answer held back past the timeout. */
  const slowOnce = (slow: DynamoStore, which: (change: OrderCommit) => boolean) => {
    let slowed = 0;
    const worker = workerOn(slow, {
      orders: {
        load: (id) => slow.load(id),
        commit: (change) => {
          if (slowed === 0 && which(change)) {
            slowed++;
            let chunks = 0;
            proxy.setAnswerDelay(() => (chunks++ === 0 ? SLOW_ANSWER_MS : 0));
          }
          return slow.commit(change);
        },
      },
    });
    return { worker, slowed: () => slowed };
  };

  /** AX's orders for the channel order match the table's, one per item, and nothing is uncertain. */
  const expectPlacedOnce = async (orderId: string, webhookId: string) => {
    expect(sandbox.createCalls(orderId)).toBe(2);
    const inAx = sandbox.listOrders({ channelOrderCode: orderId });
    const { order, axOrders, answers } = await plain.load(orderId);
    expect(order?.status).toBe("placed");
    expect(Object.values(order?.create_calls ?? {}).map((call) => call.state)).toEqual(["created", "created"]);
    expect(axOrders.map((o) => o.ax_order_code).sort()).toEqual(inAx.map((o) => o.axOrderCode).sort());
    expect(answers).toBeUndefined();
    expect(await plain.getEvent(webhookId)).toMatchObject({ status: "applied" });
  };

  it("an intent write that landed while its answer came too late is not a conflict: AX is called once, nothing uncertain", async () => {
    const orderId = `K-${randomUUID().slice(0, 8)}`;
    const slow = faultyStore(proxy.endpoint, table.tableName, () => undefined, REQUEST_TIMEOUT_MS).store;
    // The answer to the intent write (the first write with a `pending` call) is held back past the SDK's timeout;
    // the write itself lands at once, so the SDK's retry meets its own write and fails the version check.
    const { worker, slowed } = slowOnce(slow, (change) =>
      Object.values(change.order.create_calls).some((call) => call.state === "pending"),
    );
    const message = await storeEvent(plain, sampleOrderPlaced(orderId));
    expect(await worker(sqsEvent(message))).toEqual({ batchItemFailures: [] });
    expect(slowed()).toBe(1);
    expect(proxy.delayedChunks()).toBeGreaterThan(0);
    await expectPlacedOnce(orderId, message.webhook_id);
  });

  it("a result write that landed while its answer came too late is recorded once, not taken for a conflict", async () => {
    const orderId = `K-${randomUUID().slice(0, 8)}`;
    const slow = faultyStore(proxy.endpoint, table.tableName, () => undefined, REQUEST_TIMEOUT_MS).store;
    const { worker, slowed } = slowOnce(slow, (change) => (change.axOrders?.length ?? 0) > 0);
    const message = await storeEvent(plain, sampleOrderPlaced(orderId));
    expect(await worker(sqsEvent(message))).toEqual({ batchItemFailures: [] });
    expect(slowed()).toBe(1);
    await expectPlacedOnce(orderId, message.webhook_id);
  });

  for (const fault of ["throttle", "transaction_conflict", "server_error", "timeout_after_landing"] as const) {
    it(`the write of AX's answer meets ${fault} twice: retried with backoff, AX's answer recorded, nothing uncertain`, async () => {
      const orderId = `K-${randomUUID().slice(0, 8)}`;
      let left = 2;
      const { store, faults } = faultyStore(table.endpoint, table.tableName, (command, input) => {
        if (left > 0 && writesCallIn(command, input, "created")) {
          left--;
          return fault;
        }
        return undefined;
      });
      const message = await storeEvent(plain, sampleOrderPlaced(orderId));
      expect(await workerOn(store)(sqsEvent(message))).toEqual({ batchItemFailures: [] });
      // A write that landed before its timeout is found recorded: it is not written a second time.
      expect(faults()).toBe(fault === "timeout_after_landing" ? 1 : 2);
      await expectPlacedOnce(orderId, message.webhook_id);
    });
  }

  it("DynamoDB refusing every write after AX answered: the next worker completes the create from the kept answer", async () => {
    const orderId = `K-${randomUUID().slice(0, 8)}`;
    // Every write that would record AX's answer fails, until the lease of the calls has run out.
    let failing = true;
    const { store } = faultyStore(table.endpoint, table.tableName, (command, input): DynamoFault | undefined =>
      failing && writesCallIn(command, input, "created") ? "throttle" : undefined,
    );
    const short = 400;
    const message = await storeEvent(plain, sampleOrderPlaced(orderId));
    const first = await workerOn(store, { createLeaseMs: short })(sqsEvent(message));
    expect(first.batchItemFailures).toHaveLength(1);
    const kept = (await plain.load(orderId)).answers ?? [];
    expect(kept.map((answer) => answer.outcome)).toEqual(["created", "created"]);
    expect(
      kept
        .flatMap((answer) => answer.ax_orders ?? [])
        .map((o) => o.ax_order_code)
        .sort(),
    ).toEqual(
      sandbox
        .listOrders({ channelOrderCode: orderId })
        .map((o) => o.axOrderCode)
        .sort(),
    );
    failing = false;
    await new Promise((resolve) => setTimeout(resolve, short));
    expect(await workerOn(store, { createLeaseMs: short })(sqsEvent(message))).toEqual({ batchItemFailures: [] });
    await expectPlacedOnce(orderId, message.webhook_id);
  });

  it("an AX refusal kept while DynamoDB failed is recorded as refused, not uncertain", async () => {
    const orderId = `K-${randomUUID().slice(0, 8)}`;
    sandbox.injectFault({ endpoint: "create", channelOrderCode: orderId, kind: "status", status: 400 });
    let failing = true;
    const { store } = faultyStore(table.endpoint, table.tableName, (command, input): DynamoFault | undefined =>
      failing && writesCallIn(command, input, "failed") ? "server_error" : undefined,
    );
    const short = 400;
    const message = await storeEvent(plain, sampleOrderPlaced(orderId));
    expect((await workerOn(store, { createLeaseMs: short })(sqsEvent(message))).batchItemFailures).toHaveLength(1);
    failing = false;
    sandbox.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, short));
    await workerOn(store, { createLeaseMs: short })(sqsEvent(message));
    const { order } = await plain.load(orderId);
    expect(Object.values(order?.create_calls ?? {}).map((call) => call.state)).toEqual(["failed", "failed"]);
    expect(await plain.getEvent(message.webhook_id)).toMatchObject({ status: "failed", reason: "ax_rejected" });
    expect(sandbox.createCalls(orderId)).toBe(2);
  });

  it("an intent whose write could not be confirmed is marked never sent: when it lands late it is dropped, not uncertain", async () => {
    const orderId = `K-${randomUUID().slice(0, 8)}`;
    // The intent write lands, but both the SDK's answer and the check that follows fail: the worker cannot tell.
    let mode: "landing" | "blind" | "fine" = "landing";
    const { store } = faultyStore(table.endpoint, table.tableName, (command, input): DynamoFault | undefined => {
      if (mode === "landing" && writesCallIn(command, input, "pending")) {
        mode = "blind";
        return "timeout_after_landing";
      }
      if (mode === "blind" && command === "QueryCommand") return "server_error";
      return undefined;
    });
    const short = 300;
    const message = await storeEvent(plain, sampleOrderPlaced(orderId));
    expect((await workerOn(store, { createLeaseMs: short })(sqsEvent(message))).batchItemFailures).toHaveLength(1);
    expect(sandbox.createCalls(orderId)).toBe(0);
    expect((await plain.load(orderId)).answers?.map((answer) => answer.outcome)).toEqual(["not_sent", "not_sent"]);
    mode = "fine";
    await new Promise((resolve) => setTimeout(resolve, short));
    expect(await workerOn(store, { createLeaseMs: short })(sqsEvent(message))).toEqual({ batchItemFailures: [] });
    await expectPlacedOnce(orderId, message.webhook_id);
  });
});
