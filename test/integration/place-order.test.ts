// The worker placing orders: real DynamoDB Local, the AX sandbox over loopback HTTP, the AX client in between.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createProcessEventHandler } from "../../functions/process-event";
import type { ApplyEventDeps } from "../../lib/orders/apply-event";
import { queuedMessage, systemClock, type OrderCommit } from "../../lib/orders/ports";
import { replayEvent } from "../../lib/orders/replay";
import type { DynamoStore } from "../../lib/store/dynamo-store";
import type { AxSandbox } from "../../local/ax-sandbox/server";
import { sampleOrderPlaced } from "../../local/samples";
import { sqsEvent, startWorkerFixture, storeEvent } from "../support/worker";

describe("worker: order.placed", () => {
  let sandbox: AxSandbox;
  let store: DynamoStore;
  let deps: ApplyEventDeps;
  let worker: ReturnType<typeof createProcessEventHandler>;

  beforeAll(async () => {
    ({ sandbox, store, deps, worker } = await startWorkerFixture({ timeoutMs: 500, createLeaseMs: 300 }));
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  beforeEach(() => {
    sandbox.clearFaults();
    sandbox.setAnswerShape("newest");
  });

  const orderId = () => `P-${randomUUID().slice(0, 8)}`;

  /** A worker that dies at its first write of AX's answer into the order (a Lambda timeout, say). */
  const crashingAfterAx = (overrides: Partial<ApplyEventDeps> = {}): ApplyEventDeps => {
    let crashed = false;
    return {
      ...deps,
      ...overrides,
      orders: {
        load: (orderIdToLoad) => store.load(orderIdToLoad),
        commit: async (change: OrderCommit) => {
          if (!crashed && (change.axOrders?.length ?? 0) > 0) {
            crashed = true;
            throw new Error("Lambda timed out");
          }
          await store.commit(change);
        },
      },
    };
  };

  it("creates one AX order per item (one call per family) and stores every code in DynamoDB", async () => {
    const id = orderId();
    const message = await storeEvent(store, sampleOrderPlaced(id));
    expect(await worker(sqsEvent(message))).toEqual({ batchItemFailures: [] });

    const inAx = sandbox.listOrders({ channelOrderCode: id });
    expect(inAx.map((o) => o.type).sort()).toEqual(["day-ticket", "tour"]);
    expect(sandbox.createCalls(id)).toBe(2);

    const { order, axOrders } = await store.load(id);
    expect(order?.status).toBe("placed");
    expect(order?.events[message.webhook_id]?.status).toBe("applied");
    const tour = axOrders.find((o) => o.item_id === `${id}-1`);
    const axTour = inAx.find((o) => o.type === "tour");
    expect(tour?.ax_order_code).toBe(axTour?.axOrderCode);
    expect(tour?.tickets.map((t) => [t.ticket_id, t.ax_ticket_code])).toEqual(
      axTour?.tickets.map((t) => [t.channelCode, t.axTicketCode]),
    );
    expect((await store.getEvent(message.webhook_id))?.status).toBe("applied");
  });

  it("a two-family order calls AX for both families at once, with one write before and one after", async () => {
    const id = orderId();
    sandbox.injectFault({ endpoint: "create", channelOrderCode: id, kind: "latency", latencyMs: 150 });
    let inFlight = 0;
    let peak = 0;
    let commits = 0;
    const counted = createProcessEventHandler({
      ...deps,
      orders: {
        load: (orderId) => deps.orders.load(orderId),
        commit: (change) => {
          commits++;
          return deps.orders.commit(change);
        },
      },
      ax: {
        ...deps.ax,
        createOrder: async (type, body) => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          try {
            return await deps.ax.createOrder(type, body);
          } finally {
            inFlight--;
          }
        },
      },
    });
    const message = await storeEvent(store, sampleOrderPlaced(id));
    expect(await counted(sqsEvent(message))).toEqual({ batchItemFailures: [] });
    expect(peak).toBe(2);
    expect(commits).toBe(2); // the intents of both families, then both answers with the event's outcome
    expect((await store.load(id)).order?.status).toBe("placed");
    expect(sandbox.listOrders({ channelOrderCode: id })).toHaveLength(2);
  });

  it("a redelivery of the same message calls AX no more", async () => {
    const id = orderId();
    const message = await storeEvent(store, sampleOrderPlaced(id));
    await worker(sqsEvent(message));
    await worker(sqsEvent(message));
    expect(sandbox.createCalls(id)).toBe(2);
  });

  it("the same order under another webhook-id is ignored with reason order_already_placed", async () => {
    const id = orderId();
    await worker(sqsEvent(await storeEvent(store, sampleOrderPlaced(id))));
    const second = await storeEvent(store, sampleOrderPlaced(id));
    await worker(sqsEvent(second));
    expect(sandbox.createCalls(id)).toBe(2);
    expect(await store.getEvent(second.webhook_id)).toMatchObject({
      status: "ignored",
      reason: "order_already_placed",
    });
  });

  it("parks an unmapped sku without calling AX, and applies it once the mapping exists and it is replayed", async () => {
    const id = orderId();
    const payload = sampleOrderPlaced(id);
    const sku = `SKU-${id}`;
    const item = payload.data.items[1] as Record<string, unknown>;
    delete item.ax;
    item.sku = sku;
    const message = await storeEvent(store, payload);
    expect(await worker(sqsEvent(message))).toEqual({ batchItemFailures: [] });
    expect(await store.getEvent(message.webhook_id)).toMatchObject({ status: "failed", reason: "unmapped_sku" });
    expect((await store.getEvent(message.webhook_id))?.detail).toContain(sku);
    expect(sandbox.createCalls(id)).toBe(0);
    expect((await store.listEventsByStatus("failed")).map((e) => e.webhook_id)).toContain(message.webhook_id);

    await store.putMapping({ sku, product_type: "day-ticket", mapping_code: "map-1", option_code: "opt-1" });
    const { event: replayed } = await replayEvent(
      { events: store, orders: store, products: store, clock: systemClock },
      message.webhook_id,
      "test",
    );
    expect(replayed).toMatchObject({ status: "queued", requeue_seq: 1, replay: true, requeued_by: "test" });
    await worker(sqsEvent(queuedMessage(replayed)));
    expect(await store.getEvent(message.webhook_id)).toMatchObject({ status: "applied" });
    const dayTicket = sandbox.listOrders({ channelOrderCode: id }).find((o) => o.type === "day-ticket");
    expect(dayTicket?.optionCode).toBe("opt-1");
    expect((await store.listEventsByStatus("failed")).map((e) => e.webhook_id)).not.toContain(message.webhook_id);
  });

  it("a replay after a mapping edit never re-books an item that has an AX order: only the refused item is sent", async () => {
    const id = orderId();
    const payload = sampleOrderPlaced(id);
    const sku = `SKU-${id}`;
    const tour = payload.data.items[0] as Record<string, unknown>;
    delete tour.ax;
    tour.sku = sku;
    await store.putMapping({ sku, product_type: "tour", mapping_code: "map-tour", option_code: "opt-tour" });
    // The tour is booked; AX refuses the day ticket.
    sandbox.injectFault({ endpoint: "create", productType: "day-ticket", kind: "status", status: 400, times: 1 });
    const message = await storeEvent(store, payload);
    await worker(sqsEvent(message));
    expect(await store.getEvent(message.webhook_id)).toMatchObject({ status: "failed", reason: "ax_rejected" });
    const booked = (await store.load(id)).axOrders.find((o) => o.item_id === `${id}-1`);
    expect(booked?.product_type).toBe("tour");

    // An operator moves the booked item's sku to the refused family, and replays the placement.
    await store.putMapping({ sku, product_type: "day-ticket", mapping_code: "map-day", option_code: "opt-day" });
    const { event: replayed, plan } = await replayEvent(
      { events: store, orders: store, products: store, clock: systemClock },
      message.webhook_id,
      "test",
    );
    // The answer says what the replay does with each item.
    expect(plan).toEqual({
      left_as_booked: [
        { item_id: `${id}-1`, product_type: "tour", state: "ax_order", ax_order_code: booked?.ax_order_code },
      ],
      planned: [{ item_id: `${id}-2`, product_type: "day-ticket" }],
      waiting: [],
      unmapped: [],
    });
    expect(await worker(sqsEvent(queuedMessage(replayed)))).toEqual({ batchItemFailures: [] });

    const inAx = sandbox.listOrders({ channelOrderCode: id });
    expect(inAx.filter((o) => o.tickets.some((t) => t.channelCode.startsWith(`${id}-1-`)))).toHaveLength(1);
    expect(inAx.map((o) => o.type).sort()).toEqual(["day-ticket", "tour"]);
    const { order, axOrders } = await store.load(id);
    expect(axOrders.find((o) => o.item_id === `${id}-1`)).toEqual(booked);
    expect(order?.status).toBe("placed");
    expect(order?.create_calls["day-ticket"]?.item_ids).toEqual([`${id}-2`]);
    expect(await store.getEvent(message.webhook_id)).toMatchObject({ status: "applied" });
  });

  it("a mapping edit applies to items not yet booked: a refused item moved to the booked family is sent there", async () => {
    const id = orderId();
    const payload = sampleOrderPlaced(id);
    const sku = `SKU-${id}`;
    const day = payload.data.items[1] as Record<string, unknown>;
    delete day.ax;
    day.sku = sku;
    await store.putMapping({ sku, product_type: "day-ticket", mapping_code: "map-day", option_code: "opt-day" });
    sandbox.injectFault({ endpoint: "create", productType: "day-ticket", kind: "status", status: 400, times: 1 });
    const message = await storeEvent(store, payload);
    await worker(sqsEvent(message));
    const tourRequest = sandbox.listOrders({ channelOrderCode: id })[0]?.request as { order: { total: string } };

    await store.putMapping({ sku, product_type: "tour", mapping_code: "map-tour", option_code: "opt-tour" });
    const { event: replayed } = await replayEvent(
      { events: store, orders: store, products: store, clock: systemClock },
      message.webhook_id,
      "test",
    );
    expect(await worker(sqsEvent(queuedMessage(replayed)))).toEqual({ batchItemFailures: [] });

    const tours = sandbox.listOrders({ channelOrderCode: id }).filter((o) => o.type === "tour");
    expect(tours.map((o) => o.tickets.map((t) => t.channelCode))).toEqual([[`${id}-1-1`, `${id}-1-2`], [`${id}-2-1`]]);
    // Each call carries its items' share of the order's figures, as in the first placement: 108,000 + 54,000.
    const second = tours[1]?.request as { order: { total: string } };
    expect([tourRequest.order.total, second.order.total]).toEqual(["108000", "54000"]);
    const { order } = await store.load(id);
    expect(order?.status).toBe("placed");
    expect(order?.create_calls["day-ticket"]).toBeUndefined();
    expect(order?.create_calls.tour?.item_ids).toEqual([`${id}-2`]);
  });

  it("parks an AX 400 as ax_rejected with AX's field message, without retrying", async () => {
    const id = orderId();
    sandbox.injectFault({ endpoint: "create", channelOrderCode: id, kind: "status", status: 400 });
    const message = await storeEvent(store, sampleOrderPlaced(id));
    expect(await worker(sqsEvent(message))).toEqual({ batchItemFailures: [] });
    const stored = await store.getEvent(message.webhook_id);
    expect(stored).toMatchObject({ status: "failed", reason: "ax_rejected" });
    expect((await store.load(id)).order?.status).toBe("failed");
  });

  it("retries a 503 (safe) through the queue, and then creates exactly one AX order per family", async () => {
    const id = orderId();
    sandbox.injectFault({ endpoint: "create", channelOrderCode: id, kind: "status", status: 503, times: 1 });
    const message = await storeEvent(store, sampleOrderPlaced(id));
    const first = await worker(sqsEvent(message));
    expect(first.batchItemFailures).toHaveLength(1);
    expect((await store.load(id)).order?.create_calls.tour).toBeUndefined();
    expect(await worker(sqsEvent(message))).toEqual({ batchItemFailures: [] });
    expect(sandbox.listOrders({ channelOrderCode: id })).toHaveLength(2);
    expect((await store.load(id)).order?.status).toBe("placed");
  });

  it("a concurrent write of the order while AX answers 503 never leaves the create `pending` (no false uncertain)", async () => {
    const id = orderId();
    sandbox.injectFault({ endpoint: "create", channelOrderCode: id, kind: "status", status: 503, times: 1 });
    // Another writer (the status sync, a cancellation being recorded) changes the order while AX is being called.
    const racing = createProcessEventHandler({
      ...deps,
      ax: {
        ...deps.ax,
        createOrder: async (type, body) => {
          if (type === "tour") {
            const { order } = await store.load(id);
            if (order)
              await store.commit({ order: { ...order, version: order.version + 1 }, expectedVersion: order.version });
          }
          return deps.ax.createOrder(type, body);
        },
      },
    });
    const message = await storeEvent(store, sampleOrderPlaced(id));
    expect((await racing(sqsEvent(message))).batchItemFailures).toHaveLength(1);
    const afterFailure = (await store.load(id)).order;
    // The family that met the 503 is dropped although the order had moved on; nothing is left `pending`.
    const calls = afterFailure?.create_calls ?? {};
    expect(Object.values(calls).map((call) => call.state)).toEqual(["created"]);
    expect(afterFailure?.status).toBe("pending");
    // The retry, even past the create lease, sends the create once and does not call it uncertain.
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await worker(sqsEvent(message))).toEqual({ batchItemFailures: [] });
    expect((await store.load(id)).order?.status).toBe("placed");
    expect(sandbox.listOrders({ channelOrderCode: id })).toHaveLength(2);
  });

  it("an order is not `placed` while one family's create is still being retried", async () => {
    const id = orderId();
    // The first create (one family) goes through; the second meets a 503.
    let calls = 0;
    const secondFails = createProcessEventHandler({
      ...deps,
      ax: {
        ...deps.ax,
        createOrder: async (type, body) => {
          calls++;
          if (calls === 2)
            sandbox.injectFault({ endpoint: "create", channelOrderCode: id, kind: "status", status: 503, times: 1 });
          return deps.ax.createOrder(type, body);
        },
      },
    });
    const message = await storeEvent(store, sampleOrderPlaced(id));
    expect((await secondFails(sqsEvent(message))).batchItemFailures).toHaveLength(1);
    const { order, axOrders } = await store.load(id);
    expect(axOrders).toHaveLength(1);
    expect(order?.status).toBe("pending");
    expect(await worker(sqsEvent(message))).toEqual({ batchItemFailures: [] });
    expect((await store.load(id)).order?.status).toBe("placed");
  });

  it("asks for the retry's backoff with the message's receipt handle and receive count", async () => {
    const id = orderId();
    sandbox.injectFault({ endpoint: "create", channelOrderCode: id, kind: "status", status: 429, times: 1 });
    const scheduled: [string, number][] = [];
    const withBackoff = createProcessEventHandler(deps, undefined, {
      later: (receiptHandle, receiveCount) => {
        scheduled.push([receiptHandle, receiveCount]);
        return Promise.resolve(10);
      },
    });
    const event = sqsEvent(await storeEvent(store, sampleOrderPlaced(id)));
    expect((await withBackoff(event)).batchItemFailures).toHaveLength(1);
    expect(scheduled).toEqual([[event.Records[0]?.receiptHandle, 1]]);
  });

  it("marks a create whose answer was lost (500 after AX stored it) uncertain, and never re-sends it", async () => {
    const id = orderId();
    sandbox.injectFault({
      endpoint: "create",
      channelOrderCode: id,
      kind: "status",
      status: 500,
      afterProcessing: true,
      times: 1,
    });
    const message = await storeEvent(store, sampleOrderPlaced(id));
    expect(await worker(sqsEvent(message))).toEqual({ batchItemFailures: [] });
    expect(await store.getEvent(message.webhook_id)).toMatchObject({ status: "failed", reason: "create_uncertain" });
    expect((await store.load(id)).order?.status).toBe("uncertain");
    await worker(sqsEvent(message));
    expect(sandbox.listOrders({ channelOrderCode: id }).filter((o) => o.type === "tour")).toHaveLength(1);
  });

  it("a crash after AX's 201 was kept: the next worker completes the create from AX's kept answer, never re-sends it", async () => {
    const id = orderId();
    const crashing = crashingAfterAx();
    const message = await storeEvent(store, sampleOrderPlaced(id));
    expect((await createProcessEventHandler(crashing)(sqsEvent(message))).batchItemFailures).toHaveLength(1);
    expect((await store.load(id)).answers?.map((a) => a.outcome).sort()).toEqual(["created", "created"]);
    await new Promise((r) => setTimeout(r, 350)); // the crashed worker's lease runs out
    expect(await worker(sqsEvent(message))).toEqual({ batchItemFailures: [] });
    expect(sandbox.createCalls(id)).toBe(2);
    const { order, axOrders, answers } = await store.load(id);
    expect(order?.status).toBe("placed");
    expect(axOrders.map((o) => o.ax_order_code).sort()).toEqual(
      sandbox
        .listOrders({ channelOrderCode: id })
        .map((o) => o.axOrderCode)
        .sort(),
    );
    expect(answers).toBeUndefined(); // recorded in the order, so removed
    expect(await store.getEvent(message.webhook_id)).toMatchObject({ status: "applied" });
  });

  it("a crash between AX's 201 and any write (its answer not kept either) ends uncertain, not duplicated", async () => {
    const id = orderId();
    const crashing = crashingAfterAx({
      answers: { recordAnswer: () => Promise.reject(new Error("Lambda timed out")) },
    });
    const message = await storeEvent(store, sampleOrderPlaced(id));
    expect((await createProcessEventHandler(crashing)(sqsEvent(message))).batchItemFailures).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 350)); // the crashed worker's lease runs out
    await worker(sqsEvent(message));
    expect(sandbox.listOrders({ channelOrderCode: id }).filter((o) => o.type === "tour")).toHaveLength(1);
    expect((await store.load(id)).order?.create_calls.tour?.state).toBe("uncertain");
    expect(await store.getEvent(message.webhook_id)).toMatchObject({ status: "failed", reason: "create_uncertain" });
  });

  it("reads AX's legacy answer shape (old names, numeric statuses, wrapped) into the same mapping", async () => {
    sandbox.setAnswerShape("legacy");
    const id = orderId();
    await worker(sqsEvent(await storeEvent(store, sampleOrderPlaced(id))));
    const { order, axOrders } = await store.load(id);
    expect(order?.status).toBe("placed");
    expect(axOrders.map((o) => o.ax_order_status)).toEqual(["New", "New"]);
    expect(axOrders.flatMap((o) => o.tickets).every((t) => t.ax_ticket_status === "New")).toBe(true);
  });

  it("concurrent workers on one event create one AX order per family", async () => {
    const id = orderId();
    const message = await storeEvent(store, sampleOrderPlaced(id));
    sandbox.injectFault({ endpoint: "create", channelOrderCode: id, kind: "latency", latencyMs: 100 });
    // A lease longer than the AX call: the workers that find the create in flight are told to retry, never to
    // declare it uncertain.
    const patient = createProcessEventHandler({ ...deps, createLeaseMs: 10_000 });
    const runs = await Promise.all(Array.from({ length: 10 }, () => patient(sqsEvent(message))));
    expect(runs.filter((run) => run.batchItemFailures.length > 0).length).toBeGreaterThanOrEqual(9);
    for (let round = 0; round < 40 && (await store.load(id)).order?.status !== "placed"; round++) {
      await new Promise((r) => setTimeout(r, 50));
      await Promise.all(runs.map(() => patient(sqsEvent(message))));
    }
    expect(sandbox.createCalls(id)).toBe(2);
    expect((await store.load(id)).order?.status).toBe("placed");
    expect(await store.getEvent(message.webhook_id)).toMatchObject({ status: "applied" });
  });
});
