// Operators' actions racing the worker, and each other, on DynamoDB Local with the AX sandbox over loopback HTTP.
// Every interleaving is forced with a gate (the worker held inside its AX call, an operator held between its read
// and its write), never left to luck. What must hold after each race: AX has exactly one order per item (never two,
// never none), the table records it, and the placement is settled only when every item is placed.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createProcessEventHandler } from "../../functions/process-event";
import type { ProductType } from "../../lib/orders/model";
import { queuedMessage, systemClock, type OrderCommit, type OrderRepository } from "../../lib/orders/ports";
import { ReconcileError, reconcileCreate, type ReconcileDeps, type Resolution } from "../../lib/orders/reconcile";
import { replayEvent } from "../../lib/orders/replay";
import { sampleOrderPlaced } from "../../local/samples";
import * as admin from "../../lib/admin/service";
import { AdminDynamoStore } from "../../lib/store/admin-store";
import { failNextCreate, tourCodesInAx } from "../support/ax";
import { sqsEvent, startWorkerFixture, storeEvent, type WorkerFixture } from "../support/worker";
import { gate } from "../support/gate";

describe("operators' actions racing the worker", () => {
  let fixture: WorkerFixture;
  beforeAll(async () => {
    fixture = await startWorkerFixture({ timeoutMs: 1000, createLeaseMs: 10_000 });
  });
  afterAll(async () => {
    fixture.ax.close();
    await fixture.sandbox.stop();
  });
  beforeEach(() => {
    fixture.sandbox.clearFaults();
  });

  const newOrderId = () => `X-${randomUUID().slice(0, 8)}`;
  /** The stage's dead-letter queue, which these races never touch. */
  const noDeadLetters: admin.DeadLetters = {
    list: () => Promise.resolve({ count: 0, items: [] }),
    redrive: () => Promise.resolve("nothing to redrive"),
  };
  const operator = (orders: OrderRepository = fixture.store): ReconcileDeps => ({
    orders,
    clock: systemClock,
    ax: fixture.ax,
    axCodes: fixture.store,
    events: fixture.store,
  });
  const replayDeps = () => ({
    events: fixture.store,
    orders: fixture.store,
    products: fixture.store,
    clock: systemClock,
  });

  /** A worker whose first create of `family` stops inside the AX call until the gate opens. */
  const workerHeldIn = (family: ProductType, held = gate()) => {
    let passed = false;
    const worker = createProcessEventHandler({
      ...fixture.deps,
      ax: {
        ...fixture.deps.ax,
        createOrder: async (type, body) => {
          if (type === family && !passed) {
            passed = true;
            held.arrive();
            await held.opened;
          }
          return fixture.deps.ax.createOrder(type, body);
        },
      },
    });
    return { worker, held };
  };

  /** An operator's order store that stops between its read and its first write until the gate opens. */
  const ordersHeldBeforeWrite = (held = gate()) => {
    let passed = false;
    const orders: OrderRepository = {
      load: (id) => fixture.store.load(id),
      commit: async (change: OrderCommit) => {
        if (!passed) {
          passed = true;
          held.arrive();
          await held.opened;
        }
        return fixture.store.commit(change);
      },
    };
    return { orders, held };
  };

  /** AX holds exactly one order per item of the sample order, and the table records those very codes. */
  const expectOneAxOrderPerItem = async (orderId: string) => {
    const inAx = fixture.sandbox.listOrders({ channelOrderCode: orderId });
    const byItem = (itemId: string) =>
      inAx.filter((o) => o.tickets.some((t) => t.channelCode.startsWith(`${itemId}-`)));
    expect(byItem(`${orderId}-1`)).toHaveLength(1);
    expect(byItem(`${orderId}-2`)).toHaveLength(1);
    const { axOrders } = await fixture.store.load(orderId);
    expect(axOrders.map((o) => o.ax_order_code).sort()).toEqual(inAx.map((o) => o.axOrderCode).sort());
  };

  /**
   * A placement whose tour create is uncertain — AX got it (`tourInAx`: its answer was lost after processing) or did
   * not (a 500 before processing) — and whose day ticket met a 503 (dropped, to be retried): the event waits.
   */
  const tourUncertainDayRetrying = async (orderId: string, tourInAx = false) => {
    failNextCreate(fixture.sandbox, orderId, { productType: "tour", status: 500, afterProcessing: tourInAx });
    failNextCreate(fixture.sandbox, orderId, { productType: "day-ticket", status: 503 });
    const message = await storeEvent(fixture.store, sampleOrderPlaced(orderId));
    expect((await fixture.worker(sqsEvent(message))).batchItemFailures).toHaveLength(1);
    const { order } = await fixture.store.load(orderId);
    expect(order?.create_calls.tour?.state).toBe("uncertain");
    expect(order?.create_calls["day-ticket"]).toBeUndefined();
    return message;
  };

  /** Delivers the placement's current message (after an operator requeued it) and expects it to settle. */
  const deliverRequeued = async (webhookId: string) => {
    const event = await fixture.store.getEvent(webhookId);
    if (!event) throw new Error("no event");
    expect(await fixture.worker(sqsEvent(queuedMessage(event)))).toEqual({ batchItemFailures: [] });
  };

  it("resend vs the worker creating the other family: no item lost, the placement settles only when both are placed", async () => {
    const orderId = newOrderId();
    const message = await tourUncertainDayRetrying(orderId);
    // The queue's retry creates the day ticket; it is held inside AX's call while an operator resends the tour.
    const { worker, held } = workerHeldIn("day-ticket");
    const retry = worker(sqsEvent(message));
    await held.arrived;
    await reconcileCreate(operator(), orderId, "tour", { kind: "resend" }, "alice");
    held.open();
    expect(await retry).toEqual({ batchItemFailures: [] });
    // The worker saw the resend and sent the tour too, in the same attempt.
    await expectOneAxOrderPerItem(orderId);
    const { order } = await fixture.store.load(orderId);
    expect(order?.status).toBe("placed");
    expect(await fixture.store.getEvent(message.webhook_id)).toMatchObject({ status: "applied", requeue_seq: 1 });
    // The resend's requeued message then finds the placement done: nothing is sent again.
    await deliverRequeued(message.webhook_id);
    await expectOneAxOrderPerItem(orderId);
  });

  it("attach vs the worker creating the other family: both recorded, the placement settles applied", async () => {
    const orderId = newOrderId();
    // This time the tour's create reached AX (its answer was lost): the operator finds it and attaches it.
    const message = await tourUncertainDayRetrying(orderId, true);
    const codes = tourCodesInAx(fixture.sandbox, orderId);
    const { worker, held } = workerHeldIn("day-ticket");
    const retry = worker(sqsEvent(message));
    await held.arrived;
    await reconcileCreate(operator(), orderId, "tour", { kind: "attach", axOrders: codes }, "alice");
    held.open();
    expect(await retry).toEqual({ batchItemFailures: [] });
    await deliverRequeued(message.webhook_id);
    await expectOneAxOrderPerItem(orderId);
    expect((await fixture.store.load(orderId)).order?.status).toBe("placed");
    expect(await fixture.store.getEvent(message.webhook_id)).toMatchObject({ status: "applied" });
  });

  it('a worker applying the placement right after an attach: the operator\'s answer is ok, not "reconciled, but event … is applied"', async () => {
    const orderId = newOrderId();
    const message = await tourUncertainDayRetrying(orderId, true);
    // The placement was requeued by the attach; a worker gets to it before the operator's request has returned.
    let ranWorker = false;
    class WorkerGetsThereFirst extends AdminDynamoStore {
      override async commit(change: OrderCommit) {
        await super.commit(change);
        if (ranWorker) return;
        ranWorker = true;
        await deliverRequeued(message.webhook_id);
      }
    }
    const store = new WorkerGetsThereFirst(fixture.store.documentClient, fixture.store.tableName);
    const answer = await admin.reconcile(
      { store, ax: fixture.ax, deadLetters: noDeadLetters, clock: systemClock, waitingTooLongMs: 60_000 },
      "alice",
      orderId,
      "tour",
      { kind: "attach", ax_orders: tourCodesInAx(fixture.sandbox, orderId) },
    );
    expect(ranWorker).toBe(true);
    expect(answer.message).toMatch(/^attached the AX codes to the tour create of /);
    await expectOneAxOrderPerItem(orderId);
    expect(await fixture.store.getEvent(message.webhook_id)).toMatchObject({ status: "applied" });
  });

  it("replay vs the worker placing the replayed event: each item sent once, the event applied", async () => {
    const orderId = newOrderId();
    // AX refuses the day ticket; the operator fixes it and replays; a second replay comes while the first runs.
    failNextCreate(fixture.sandbox, orderId, { productType: "day-ticket", status: 400 });
    const message = await storeEvent(fixture.store, sampleOrderPlaced(orderId));
    await fixture.worker(sqsEvent(message));
    expect(await fixture.store.getEvent(message.webhook_id)).toMatchObject({ status: "failed", reason: "ax_rejected" });
    const first = await replayEvent(replayDeps(), message.webhook_id, "alice");
    const { worker, held } = workerHeldIn("day-ticket");
    const running = worker(sqsEvent(queuedMessage(first.event)));
    await held.arrived;
    // The worker is inside AX's call: the replay is written with the order's version, so the worker re-reads.
    const second = await replayEvent(replayDeps(), message.webhook_id, "bob");
    expect(second.plan?.left_as_booked.map((b) => [b.item_id, b.state])).toEqual([
      [`${orderId}-1`, "ax_order"],
      [`${orderId}-2`, "pending"],
    ]);
    // The second replay's message, delivered while the first still runs, waits for it.
    expect((await fixture.worker(sqsEvent(queuedMessage(second.event)))).batchItemFailures).toHaveLength(1);
    held.open();
    expect(await running).toEqual({ batchItemFailures: [] });
    await deliverRequeued(message.webhook_id);
    await expectOneAxOrderPerItem(orderId);
    expect(await fixture.store.getEvent(message.webhook_id)).toMatchObject({ status: "applied", requeue_seq: 2 });
  });

  for (const [first, second] of [
    ["attach", "resend"],
    ["resend", "attach"],
    ["resend", "resend"],
    ["attach", "attach"],
  ] as const) {
    it(`two operators: ${first} held between its read and its write while ${second} goes through: the later one is refused`, async () => {
      const orderId = newOrderId();
      failNextCreate(fixture.sandbox, orderId, { productType: "tour", status: 500, afterProcessing: true });
      const message = await storeEvent(fixture.store, sampleOrderPlaced(orderId));
      await fixture.worker(sqsEvent(message));
      const attach: Resolution = { kind: "attach", axOrders: tourCodesInAx(fixture.sandbox, orderId) };
      const resolution = (kind: "attach" | "resend"): Resolution => (kind === "attach" ? attach : { kind: "resend" });
      const { orders, held } = ordersHeldBeforeWrite();
      const slow = reconcileCreate(operator(orders), orderId, "tour", resolution(first), "alice");
      await held.arrived;
      await reconcileCreate(operator(), orderId, "tour", resolution(second), "bob");
      held.open();
      await expect(slow).rejects.toThrow(
        new ReconcileError(
          `the tour create of order ${orderId} is ${second === "attach" ? "created" : "not started"}, not uncertain: nothing to reconcile`,
        ),
      );
      await deliverRequeued(message.webhook_id);
      const tours = fixture.sandbox.listOrders({ channelOrderCode: orderId }).filter((o) => o.type === "tour");
      // Attached: AX's one tour order is the order's. Resent: the operator judged AX had none, so AX now has two
      // tour creates for it (that judgement is the operator's); the table records the one it got an answer for.
      expect(tours).toHaveLength(second === "attach" ? 1 : 2);
      const { order, axOrders } = await fixture.store.load(orderId);
      expect(order?.status).toBe("placed");
      expect(axOrders.filter((o) => o.item_id === `${orderId}-1`)).toHaveLength(1);
      expect(order?.resends ?? []).toHaveLength(second === "resend" ? 1 : 0);
    });
  }
});
