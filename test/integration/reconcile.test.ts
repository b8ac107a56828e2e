// Reconciling an uncertain create: the operator's AX codes are checked against the order, against AX (asked over
// loopback HTTP, the sandbox) and against the table's AX-code index before anything is written; a resend is allowed
// once; the change and the placement's requeue are one write.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../lib/orders/ports";
import {
  ReconcileError,
  ReconcileInputError,
  ReconcileUnavailableError,
  reconcileCreate,
  type AttachedAxOrder,
  type ReconcileDeps,
} from "../../lib/orders/reconcile";
import { sampleOrderPlaced } from "../../local/samples";
import { createTourInAx, failNextCreate, tourCodesInAx } from "../support/ax";
import { sqsEvent, startWorkerFixture, storeEvent, type WorkerFixture } from "../support/worker";

describe("reconcileCreate", () => {
  let fixture: WorkerFixture;
  beforeAll(async () => {
    fixture = await startWorkerFixture({ timeoutMs: 1000, createLeaseMs: 5000 });
  });
  afterAll(async () => {
    fixture.ax.close();
    await fixture.sandbox.stop();
  });
  beforeEach(() => {
    fixture.sandbox.clearFaults();
  });

  /** An order whose tour create reached AX but whose answer was lost (500 after AX stored it): uncertain. */
  const uncertainOrder = async (families: "tour" | "both" = "tour") => {
    const orderId = `R-${randomUUID().slice(0, 8)}`;
    failNextCreate(fixture.sandbox, orderId, {
      status: 500,
      afterProcessing: true,
      ...(families === "tour" ? { productType: "tour" as const } : { times: 2 }),
    });
    const placement = await storeEvent(fixture.store, sampleOrderPlaced(orderId));
    await fixture.worker(sqsEvent(placement));
    const tour = fixture.sandbox.listOrders({ channelOrderCode: orderId }).find((o) => o.type === "tour");
    if (!tour) throw new Error("AX did not get the create");
    return { orderId, tour, codes: tourCodesInAx(fixture.sandbox, orderId), placement };
  };
  const deps = (): ReconcileDeps => ({
    orders: fixture.store,
    clock: systemClock,
    ax: fixture.ax,
    axCodes: fixture.store,
    events: fixture.store,
  });
  const attach = (orderId: string, axOrders: AttachedAxOrder[], by = "alice") =>
    reconcileCreate(deps(), orderId, "tour", { kind: "attach", axOrders }, by);
  const resend = (orderId: string, by = "alice") => reconcileCreate(deps(), orderId, "tour", { kind: "resend" }, by);

  it("refuses codes that do not cover the create's items and tickets, or give a code twice, and writes nothing", async () => {
    const { orderId, tour, codes } = await uncertainOrder();
    const before = (await fixture.store.load(orderId)).order?.version;
    const [given] = codes;
    if (!given) throw new Error("no codes");
    await expect(attach(orderId, [])).rejects.toThrow(
      new ReconcileInputError(`no AX order given for item ${orderId}-1`),
    );
    await expect(attach(orderId, [{ ...given, tickets: given.tickets.slice(1) }])).rejects.toThrow(
      /needs AX codes for exactly its tickets/,
    );
    await expect(
      attach(orderId, [given, { item_id: `${orderId}-2`, ax_order_code: "x", tickets: [] }]),
    ).rejects.toThrow(/is not part of the tour create/);
    const sameTicketTwice = given.tickets.map((t) => ({ ...t, ax_ticket_code: tour.tickets[0]?.axTicketCode ?? "" }));
    await expect(attach(orderId, [{ ...given, tickets: sameTicketTwice }])).rejects.toThrow(
      new ReconcileInputError(
        `AX ticket code ${tour.tickets[0]?.axTicketCode} is given twice: each ticket has its own AX code`,
      ),
    );
    const orderCodeAsTicket = given.tickets.map((t, n) => (n === 0 ? { ...t, ax_ticket_code: tour.axOrderCode } : t));
    await expect(attach(orderId, [{ ...given, tickets: orderCodeAsTicket }])).rejects.toBeInstanceOf(
      ReconcileInputError,
    );
    expect((await fixture.store.load(orderId)).order?.version).toBe(before);
  });

  it("refuses an AX order AX does not have, one of the other family, and one of another channel order", async () => {
    const { orderId, codes, placement } = await uncertainOrder("both");
    const [given] = codes;
    if (!given) throw new Error("no codes");
    await expect(attach(orderId, [{ ...given, ax_order_code: randomUUID() }])).rejects.toThrow(
      /^AX has no tour order [0-9a-f-]+: check the code, and that it is an order of the tour family$/,
    );
    // The day ticket of the same channel order (uncertain too, so not recorded): AX knows it, but not as a tour.
    const day = fixture.sandbox.listOrders({ channelOrderCode: orderId }).find((o) => o.type === "day-ticket");
    await expect(attach(orderId, [{ ...given, ax_order_code: day?.axOrderCode ?? "" }])).rejects.toThrow(
      /AX has no tour order/,
    );
    // An AX order of another channel order, not recorded in this table (booked by hand in AX, say).
    const other = `OTHER-${randomUUID().slice(0, 8)}`;
    const foreign = (await createTourInAx(fixture.sandbox.url, other)).order;
    await expect(attach(orderId, [{ ...given, ax_order_code: foreign }])).rejects.toThrow(
      new ReconcileError(
        `AX order ${foreign} belongs to channel order ${other}, not to ${orderId}; nothing was attached`,
      ),
    );
    const { order } = await fixture.store.load(orderId);
    expect(order?.create_calls.tour?.state).toBe("uncertain");
    const event = await fixture.store.getEvent(placement.webhook_id);
    expect([event?.status, event?.requeue_seq]).toEqual(["failed", undefined]);
  });

  it("refuses an AX order already attached to another order (the AX-code index)", async () => {
    const { orderId, codes } = await uncertainOrder();
    const { orderId: secondId, codes: secondCodes } = await uncertainOrder();
    const [first] = codes;
    const [second] = secondCodes;
    if (!first || !second) throw new Error("no codes");
    await attach(orderId, codes);
    // The first order's AX order, given for the second order (AX would say it belongs to the first, too).
    await expect(attach(secondId, [{ ...second, ax_order_code: first.ax_order_code }])).rejects.toThrow(
      new ReconcileError(
        `AX order ${first.ax_order_code} is already attached to order ${orderId}, item ${orderId}-1: one AX order belongs to one item`,
      ),
    );
  });

  it("says AX could not be asked when it does not answer, and writes nothing", async () => {
    const { orderId, codes } = await uncertainOrder();
    fixture.sandbox.injectFault({ endpoint: "confirmation", kind: "status", status: 503 });
    await expect(attach(orderId, codes)).rejects.toBeInstanceOf(ReconcileUnavailableError);
    expect((await fixture.store.load(orderId)).order?.create_calls.tour?.state).toBe("uncertain");
  });

  it("attaches the codes with AX's own status, requeues the placement in the same write, and refuses a second reconciliation", async () => {
    const { orderId, tour, codes, placement } = await uncertainOrder();
    fixture.sandbox.setOrderStatus(tour.axOrderCode, "Supplier confirm", "see you");
    const result = await attach(orderId, codes, "alice");
    expect(result.order.create_calls.tour?.state).toBe("created");
    expect(result.order.status).toBe("placed");
    const { axOrders } = await fixture.store.load(orderId);
    const attached = axOrders.find((o) => o.item_id === `${orderId}-1`);
    expect(attached?.ax_order_status).toBe("Supplier confirm");
    expect(attached?.tickets.map((t) => t.ax_ticket_code)).toEqual(tour.tickets.map((t) => t.axTicketCode));
    // One write: the placement is queued again by the same transaction (the stream sends it), with who asked.
    expect(await fixture.store.getEvent(placement.webhook_id)).toMatchObject({
      status: "queued",
      requeue_seq: 1,
      replay: false,
      requeued_by: "alice",
      attempts: 0,
    });
    await expect(resend(orderId)).rejects.toThrow(/created, not uncertain/);
    await expect(resend(`R-none-${randomUUID()}`)).rejects.toThrow(/has no placement/);
  });

  it("resends once: the create is sent again, and a second resend is refused naming the first", async () => {
    const { orderId, placement } = await uncertainOrder();
    await resend(orderId, "alice");
    const { order } = await fixture.store.load(orderId);
    expect(order?.resends).toEqual([
      expect.objectContaining({ product_type: "tour", item_ids: [`${orderId}-1`], by: "alice" }),
    ]);
    // The placement runs again; AX's answer is lost once more.
    failNextCreate(fixture.sandbox, orderId, { status: 500, afterProcessing: true });
    const requeued = await fixture.store.getEvent(placement.webhook_id);
    expect(requeued).toMatchObject({ status: "queued", requeue_seq: 1 });
    await fixture.worker(sqsEvent({ ...placement, requeue_seq: 1 }));
    expect((await fixture.store.load(orderId)).order?.create_calls.tour?.state).toBe("uncertain");
    const at = (await fixture.store.load(orderId)).order?.resends?.[0]?.at;
    await expect(resend(orderId, "bob")).rejects.toThrow(
      new ReconcileError(
        `the tour create of order ${orderId} (items ${orderId}-1) was already sent again once, by alice at ${at}; a create is re-sent at most once: look for its AX orders in AX's console and attach their codes`,
      ),
    );
    expect(fixture.sandbox.listOrders({ channelOrderCode: orderId }).filter((o) => o.type === "tour")).toHaveLength(2);
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
    const result = await reconcileCreate({ ...deps(), orders: racingOrders }, orderId, "tour", { kind: "resend" }, "a");
    expect(raced).toBe(2);
    expect(result.order.create_calls.tour).toBeUndefined();
  });

  it("of two reconciliations racing, one wins and the other says plainly there is nothing left to do", async () => {
    const { orderId, codes } = await uncertainOrder();
    const outcomes = await Promise.allSettled([attach(orderId, codes), resend(orderId)]);
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
      reconcileCreate({ ...deps(), orders: alwaysRacing }, orderId, "tour", { kind: "resend" }, "a"),
    ).rejects.toThrow(
      new ReconcileError(
        `order ${orderId} kept changing while it was being reconciled (5 attempts); nothing was written, try again`,
      ),
    );
    expect((await fixture.store.load(orderId)).order?.create_calls.tour?.state).toBe("uncertain");
  });
});
