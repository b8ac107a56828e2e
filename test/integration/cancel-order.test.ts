// The worker applying cancellations: real DynamoDB Local, the AX sandbox over loopback HTTP.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createProcessEventHandler } from "../../functions/process-event";
import type { DynamoStore } from "../../lib/store/dynamo-store";
import type { AxSandbox } from "../../local/ax-sandbox/server";
import { sampleOrderPlaced } from "../../local/samples";
import { sqsEvent, startWorkerFixture, storeEvent } from "../support/worker";

describe("worker: order.cancelled", () => {
  let sandbox: AxSandbox;
  let store: DynamoStore;
  let worker: ReturnType<typeof createProcessEventHandler>;

  beforeAll(async () => {
    ({ sandbox, store, worker } = await startWorkerFixture({ timeoutMs: 1000, createLeaseMs: 5000 }));
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  beforeEach(() => {
    sandbox.clearFaults();
  });

  const newOrderId = () => `C-${randomUUID().slice(0, 8)}`;
  const cancelled = (orderId: string, data: Record<string, unknown> = {}) => ({
    type: "order.cancelled",
    timestamp: new Date().toISOString(),
    data: { order_id: orderId, ...data },
  });
  const place = async (orderId: string) => {
    await worker(sqsEvent(await storeEvent(store, sampleOrderPlaced(orderId))));
    return store.load(orderId);
  };
  const patches = (axOrderCodes: string[]) =>
    sandbox
      .requests()
      .filter((r) => r.method === "PATCH" && axOrderCodes.some((code) => r.path.includes(code)))
      .map((r) => r.path.replace(/^\/v1\/channel\/orders\//, ""));
  const axCodes = async (orderId: string) => (await store.load(orderId)).axOrders.map((o) => o.ax_order_code);

  it("a whole-order cancel sends one full cancel per AX order, with the comment, and nothing twice", async () => {
    const orderId = newOrderId();
    await place(orderId);
    const message = await storeEvent(store, cancelled(orderId, { comment: "Change of plans" }));
    expect(await worker(sqsEvent(message))).toEqual({ batchItemFailures: [] });
    await worker(sqsEvent(message));

    const codes = await axCodes(orderId);
    expect(patches(codes)).toHaveLength(2);
    for (const code of codes) {
      expect(sandbox.getOrder(code)?.status).toBe("Traveler cancel");
      expect(sandbox.getOrder(code)?.cancelComment).toBe("Change of plans");
    }
    const { order, axOrders } = await store.load(orderId);
    expect(order?.status).toBe("cancelled");
    expect(axOrders.flatMap((o) => o.tickets).every((t) => t.ax_ticket_status === "Traveler canceled")).toBe(true);
    expect(axOrders[0]?.history.at(-1)).toMatchObject({ from: "New", to: "Traveler cancel", source: "cancel" });
    expect(await store.getEvent(message.webhook_id)).toMatchObject({ status: "applied" });
  });

  it("reason unavoidable sends Unavoidable cancel", async () => {
    const orderId = newOrderId();
    await place(orderId);
    await worker(
      sqsEvent(await storeEvent(store, cancelled(orderId, { reason: "unavoidable", item_ids: [`${orderId}-1`] }))),
    );
    const { axOrders, order } = await store.load(orderId);
    const tour = axOrders.find((o) => o.item_id === `${orderId}-1`);
    expect(sandbox.getOrder(tour?.ax_order_code ?? "")?.status).toBe("Unavoidable cancel");
    expect(order?.status).toBe("partially_cancelled");
  });

  it("a ticket cancel, then an item cancel, then a whole-order cancel: only what remains is sent", async () => {
    const orderId = newOrderId();
    await place(orderId);
    const codes = await axCodes(orderId);
    await worker(sqsEvent(await storeEvent(store, cancelled(orderId, { ticket_ids: [`${orderId}-1-2`] }))));
    expect((await store.load(orderId)).order?.status).toBe("partially_cancelled");
    await worker(sqsEvent(await storeEvent(store, cancelled(orderId, { item_ids: [`${orderId}-2`] }))));
    await worker(sqsEvent(await storeEvent(store, cancelled(orderId))));

    const { axOrders, order } = await store.load(orderId);
    const tour = axOrders.find((o) => o.item_id === `${orderId}-1`);
    const dayTicket = axOrders.find((o) => o.item_id === `${orderId}-2`);
    const ticket2 = tour?.tickets.find((t) => t.ticket_id === `${orderId}-1-2`);
    expect(patches(codes)).toEqual([
      `tour/${tour?.ax_order_code}/tickets/${ticket2?.ax_ticket_code}`,
      `day-ticket/${dayTicket?.ax_order_code}`,
      `tour/${tour?.ax_order_code}`,
    ]);
    expect(order?.status).toBe("cancelled");
  });

  it("sends nothing for an AX order the supplier rejected (final in AX)", async () => {
    const orderId = newOrderId();
    const { order, axOrders } = await place(orderId);
    const [tour, dayTicket] = axOrders;
    if (!order || !tour || !dayTicket) throw new Error("not placed");
    // As the status sync records a supplier's reject.
    await store.commit({
      order: { ...order, version: order.version + 1 },
      expectedVersion: order.version,
      axOrders: [{ ...tour, ax_order_status: "Supplier reject" }],
    });
    await worker(sqsEvent(await storeEvent(store, cancelled(orderId))));
    expect(patches([tour.ax_order_code, dayTicket.ax_order_code])).toEqual([`day-ticket/${dayTicket.ax_order_code}`]);
  });

  it("an unknown item or ticket id parks the cancel and sends nothing of it", async () => {
    const orderId = newOrderId();
    await place(orderId);
    const codes = await axCodes(orderId);
    const badItem = await storeEvent(store, cancelled(orderId, { item_ids: [`${orderId}-1`, "nope"] }));
    await worker(sqsEvent(badItem));
    expect(await store.getEvent(badItem.webhook_id)).toMatchObject({ status: "failed", reason: "unknown_item" });
    const badTicket = await storeEvent(store, cancelled(orderId, { ticket_ids: ["ghost"] }));
    await worker(sqsEvent(badTicket));
    expect(await store.getEvent(badTicket.webhook_id)).toMatchObject({ status: "failed", reason: "unknown_ticket" });
    expect((await store.getEvent(badTicket.webhook_id))?.detail).toContain("ghost");
    expect(patches(codes)).toEqual([]);
    expect((await store.load(orderId)).order?.status).toBe("placed");
  });

  it("a cancel that arrives before its placement waits, and is applied right after the placement", async () => {
    const orderId = newOrderId();
    const cancel = await storeEvent(store, cancelled(orderId));
    expect(await worker(sqsEvent(cancel))).toEqual({ batchItemFailures: [] });
    expect(await store.getEvent(cancel.webhook_id)).toMatchObject({
      status: "queued",
      reason: "waiting_for_placement",
    });
    expect(sandbox.createCalls(orderId)).toBe(0);

    await place(orderId);
    const { order } = await store.load(orderId);
    expect(order?.status).toBe("cancelled");
    for (const code of await axCodes(orderId)) expect(sandbox.getOrder(code)?.status).toBe("Traveler cancel");
    expect(await store.getEvent(cancel.webhook_id)).toMatchObject({ status: "applied" });
  });

  it("a cancel of an order whose placement failed is recorded, with no AX call for what AX never got", async () => {
    const orderId = newOrderId();
    sandbox.injectFault({ endpoint: "create", channelOrderCode: orderId, kind: "status", status: 400 });
    await place(orderId);
    sandbox.clearFaults();
    const cancel = await storeEvent(store, cancelled(orderId));
    await worker(sqsEvent(cancel));
    expect(await store.getEvent(cancel.webhook_id)).toMatchObject({ status: "applied" });
    expect((await store.load(orderId)).order?.status).toBe("cancelled");
    expect(sandbox.requests().filter((r) => r.method === "PATCH" && r.path.includes(orderId))).toEqual([]);
    expect(sandbox.listOrders({ channelOrderCode: orderId })).toEqual([]);
  });

  it("a cancel waits while the order's create is uncertain", async () => {
    const orderId = newOrderId();
    sandbox.injectFault({
      endpoint: "create",
      channelOrderCode: orderId,
      kind: "status",
      status: 500,
      afterProcessing: true,
      times: 1,
    });
    await place(orderId);
    const cancel = await storeEvent(store, cancelled(orderId));
    await worker(sqsEvent(cancel));
    expect(await store.getEvent(cancel.webhook_id)).toMatchObject({
      status: "queued",
      reason: "waiting_for_placement",
    });
    expect((await store.getEvent(cancel.webhook_id))?.detail).toMatch(/uncertain/);
    expect(patches(sandbox.listOrders({ channelOrderCode: orderId }).map((o) => o.axOrderCode))).toEqual([]);
  });

  it("concurrent deliveries of one cancel give one PATCH per AX order", async () => {
    const orderId = newOrderId();
    await place(orderId);
    const codes = await axCodes(orderId);
    const cancel = await storeEvent(store, cancelled(orderId));
    for (const code of codes)
      sandbox.injectFault({ endpoint: "cancel_order", axOrderCode: code, kind: "latency", latencyMs: 80 });
    const runs = await Promise.all(Array.from({ length: 8 }, () => worker(sqsEvent(cancel))));
    for (let round = 0; round < 40 && (await store.getEvent(cancel.webhook_id))?.status !== "applied"; round++) {
      await new Promise((r) => setTimeout(r, 50));
      await Promise.all(runs.map(() => worker(sqsEvent(cancel))));
    }
    expect(patches(codes)).toHaveLength(2);
    expect((await store.load(orderId)).order?.status).toBe("cancelled");
  });

  it("AX unavailable mid-cancel: what went through is kept, the retry sends only the rest", async () => {
    const orderId = newOrderId();
    await place(orderId);
    const [first, second] = (await store.load(orderId)).axOrders;
    sandbox.injectFault({
      endpoint: "cancel_order",
      axOrderCode: second?.ax_order_code,
      kind: "status",
      status: 503,
      times: 1,
    });
    const cancel = await storeEvent(store, cancelled(orderId));
    expect((await worker(sqsEvent(cancel))).batchItemFailures).toHaveLength(1);
    expect((await store.load(orderId)).axOrders.find((o) => o.item_id === first?.item_id)?.ax_order_status).toBe(
      "Traveler cancel",
    );
    expect(await worker(sqsEvent(cancel))).toEqual({ batchItemFailures: [] });
    const codes = [first?.ax_order_code ?? "", second?.ax_order_code ?? ""];
    // first: one PATCH; second: the refused one and the retry
    expect(patches([codes[0] ?? ""])).toHaveLength(1);
    expect(patches([codes[1] ?? ""])).toHaveLength(2);
    expect((await store.load(orderId)).order?.status).toBe("cancelled");
  });

  it("a cancel whose AX call keeps failing after the placement shows AX's failure, not `waiting_for_placement`", async () => {
    const orderId = newOrderId();
    const cancel = await storeEvent(store, cancelled(orderId));
    await worker(sqsEvent(cancel)); // arrives first: waits for the placement
    sandbox.injectFault({ endpoint: "cancel_order", kind: "status", status: 503 });
    const placement = await storeEvent(store, sampleOrderPlaced(orderId));
    expect((await worker(sqsEvent(placement))).batchItemFailures).toHaveLength(1); // its waiting cancel failed
    const { order } = await store.load(orderId);
    expect(order?.status).toBe("placed");
    expect(await store.getEvent(cancel.webhook_id)).toMatchObject({ status: "queued", reason: "ax_unavailable" });
    expect(order?.events[cancel.webhook_id]?.detail).toMatch(/retried with backoff/);
    sandbox.clearFaults();
    expect(await worker(sqsEvent(placement))).toEqual({ batchItemFailures: [] });
    expect((await store.load(orderId)).order?.status).toBe("cancelled");
    expect(await store.getEvent(cancel.webhook_id)).toMatchObject({ status: "applied" });
  });
});
