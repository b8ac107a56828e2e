// Reconciling an uncertain create: the operator's AX codes are checked against the order before anything is written.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../lib/orders/ports";
import { ReconcileError, reconcileCreate } from "../../lib/orders/reconcile";
import { sampleOrderPlaced } from "../../local/samples";
import { sqsEvent, startWorkerFixture, storeEvent, type WorkerFixture } from "../support/worker";

describe("reconcileCreate", () => {
  let fixture: WorkerFixture;
  beforeAll(async () => {
    fixture = await startWorkerFixture({ timeoutMs: 1000, createLeaseMs: 5000 });
  });
  afterAll(async () => {
    await fixture.sandbox.stop();
  });

  const uncertainOrder = async () => {
    const orderId = `R-${randomUUID().slice(0, 8)}`;
    fixture.sandbox.injectFault({
      endpoint: "create",
      channelOrderCode: orderId,
      kind: "status",
      status: 500,
      afterProcessing: true,
      times: 1,
    });
    await fixture.worker(sqsEvent(await storeEvent(fixture.store, sampleOrderPlaced(orderId))));
    const tour = fixture.sandbox.listOrders({ channelOrderCode: orderId }).find((o) => o.type === "tour");
    if (!tour) throw new Error("AX did not get the create");
    return { orderId, tour };
  };
  const deps = () => ({ orders: fixture.store, clock: systemClock });

  it("refuses codes that do not cover the create's items and tickets, and writes nothing", async () => {
    const { orderId, tour } = await uncertainOrder();
    const before = (await fixture.store.load(orderId)).order?.version;
    const tickets = tour.tickets.map((t) => ({ ticket_id: t.channelCode, ax_ticket_code: t.axTicketCode }));
    const attach = (axOrders: Parameters<typeof reconcileCreate>[3] & { kind: "attach" }) =>
      reconcileCreate(deps(), orderId, "tour", axOrders);

    await expect(attach({ kind: "attach", axOrders: [] })).rejects.toThrow(
      new ReconcileError(`no AX order given for item ${orderId}-1`),
    );
    await expect(
      attach({
        kind: "attach",
        axOrders: [{ item_id: `${orderId}-1`, ax_order_code: tour.axOrderCode, tickets: tickets.slice(1) }],
      }),
    ).rejects.toThrow(/needs AX codes for exactly its tickets/);
    await expect(
      attach({
        kind: "attach",
        axOrders: [
          { item_id: `${orderId}-1`, ax_order_code: tour.axOrderCode, tickets },
          { item_id: `${orderId}-2`, ax_order_code: "x", tickets: [] },
        ],
      }),
    ).rejects.toThrow(/is not part of the tour create/);
    expect((await fixture.store.load(orderId)).order?.version).toBe(before);
  });

  it("attaches the codes, and refuses a second reconciliation of the same create", async () => {
    const { orderId, tour } = await uncertainOrder();
    const tickets = tour.tickets.map((t) => ({ ticket_id: t.channelCode, ax_ticket_code: t.axTicketCode }));
    const result = await reconcileCreate(deps(), orderId, "tour", {
      kind: "attach",
      axOrders: [{ item_id: `${orderId}-1`, ax_order_code: tour.axOrderCode, tickets }],
    });
    expect(result.order.create_calls.tour?.state).toBe("created");
    expect(result.order.status).toBe("placed");
    const { axOrders } = await fixture.store.load(orderId);
    expect(axOrders.find((o) => o.item_id === `${orderId}-1`)?.tickets.map((t) => t.ax_ticket_code)).toEqual(
      tour.tickets.map((t) => t.axTicketCode),
    );
    await expect(reconcileCreate(deps(), orderId, "tour", { kind: "resend" })).rejects.toThrow(
      /created, not uncertain/,
    );
    await expect(reconcileCreate(deps(), `R-none-${randomUUID()}`, "tour", { kind: "resend" })).rejects.toThrow(
      /has no placement/,
    );
  });

  it("retries when another writer changes the order meanwhile, instead of ending with a retry nobody makes", async () => {
    const { orderId } = await uncertainOrder();
    let raced = 0;
    const racingOrders = {
      load: (id: string) => fixture.store.load(id),
      commit: async (change: Parameters<typeof fixture.store.commit>[0]) => {
        if (raced < 2) {
          // The status sync (say) writes the order between the reconciliation's read and its write.
          raced++;
          const { order } = await fixture.store.load(orderId);
          if (order)
            await fixture.store.commit({
              order: { ...order, version: order.version + 1 },
              expectedVersion: order.version,
            });
        }
        return fixture.store.commit(change);
      },
    };
    const result = await reconcileCreate({ orders: racingOrders, clock: systemClock }, orderId, "tour", {
      kind: "resend",
    });
    expect(raced).toBe(2);
    expect(result.order.create_calls.tour).toBeUndefined();
  });

  it("of two reconciliations racing, one wins and the other says plainly there is nothing left to do", async () => {
    const { orderId, tour } = await uncertainOrder();
    const tickets = tour.tickets.map((t) => ({ ticket_id: t.channelCode, ax_ticket_code: t.axTicketCode }));
    const outcomes = await Promise.allSettled([
      reconcileCreate(deps(), orderId, "tour", {
        kind: "attach",
        axOrders: [{ item_id: `${orderId}-1`, ax_order_code: tour.axOrderCode, tickets }],
      }),
      reconcileCreate(deps(), orderId, "tour", { kind: "resend" }),
    ]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === "rejected");
    expect(refused?.reason).toBeInstanceOf(ReconcileError);
    expect(String(refused?.reason)).toMatch(/not uncertain: nothing to reconcile/);
  });

  it("gives up with a clear message when the order keeps changing", async () => {
    const { orderId } = await uncertainOrder();
    const alwaysRacing = {
      load: (id: string) => fixture.store.load(id),
      commit: async (change: Parameters<typeof fixture.store.commit>[0]) => {
        const { order } = await fixture.store.load(orderId);
        if (order)
          await fixture.store.commit({
            order: { ...order, version: order.version + 1 },
            expectedVersion: order.version,
          });
        return fixture.store.commit(change);
      },
    };
    await expect(
      reconcileCreate({ orders: alwaysRacing, clock: systemClock }, orderId, "tour", { kind: "resend" }),
    ).rejects.toThrow(
      new ReconcileError(
        `order ${orderId} kept changing while it was being reconciled (5 attempts); nothing was written, try again`,
      ),
    );
    expect((await fixture.store.load(orderId)).order?.create_calls.tour?.state).toBe("uncertain");
  });
});
