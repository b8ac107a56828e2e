// Where issue 18 (operators' actions serialized with the worker) meets issue 21 (the status sync's due index, kept
// on the AXORDER items): races forced with a gate, on DynamoDB Local with the AX sandbox over loopback HTTP.
import { randomUUID } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createProcessEventHandler } from "../../functions/process-event";
import * as admin from "../../lib/admin/service";
import { AxClient } from "../../lib/ax/client";
import type { ApplyEventDeps } from "../../lib/orders/apply-event";
import { systemClock, type Clock } from "../../lib/orders/ports";
import { reconcileCreate } from "../../lib/orders/reconcile";
import { DAY_MS, DEFAULT_SYNC_SETTINGS } from "../../lib/orders/sync-schedule";
import { syncStatuses } from "../../lib/orders/sync-statuses";
import { AdminDynamoStore } from "../../lib/store/admin-store";
import { axOrderSk, orderPk } from "../../lib/store/keys";
import { startAxSandbox, type AxSandbox } from "../../local/ax-sandbox/server";
import { sampleOrderPlaced, sampleUseDates } from "../../local/samples";
import { toAxDateTime } from "../../lib/ax/translate";
import { failNextCreate, tourCodesInAx } from "../support/ax";
import { freshTable, type TestTable } from "../support/dynamodb";
import { sqsEvent, storeEvent, workerDepsOn } from "../support/worker";
import { gate } from "../support/gate";

const CREDENTIALS = { apiKey: "key", channelCode: "chan" };

describe("operators' actions and the worker vs the status sync's due index", () => {
  let sandbox: AxSandbox;
  let ax: AxClient;
  let table: TestTable;
  let store: AdminDynamoStore;

  beforeAll(async () => {
    sandbox = await startAxSandbox(CREDENTIALS);
    ax = new AxClient({ baseUrl: sandbox.url, credentials: CREDENTIALS, timeoutMs: 2_000 });
  });
  afterAll(async () => {
    ax.close();
    await sandbox.stop();
  });
  beforeEach(async () => {
    sandbox.clearFaults();
    table = await freshTable();
    store = new AdminDynamoStore(table.doc, table.tableName);
  });

  /** The AX client as the worker uses it, with `cancelTicket` stopping at `held` (when given). */
  const axWith = (held?: ReturnType<typeof gate>): ApplyEventDeps["ax"] => ({
    createOrder: (type, body) => ax.createOrder(type, body),
    cancelOrder: (type, code, body) => ax.cancelOrder(type, code, body),
    cancelTicket: async (type, code, ticket, body) => {
      if (held) {
        held.arrive();
        await held.opened;
      }
      return ax.cancelTicket(type, code, ticket, body);
    },
  });
  const workerOf = (held?: ReturnType<typeof gate>) =>
    createProcessEventHandler(workerDepsOn(store, axWith(held), { createLeaseMs: 10_000 }));
  const sync = (clock: Clock = systemClock) =>
    syncStatuses(
      { store, ax, clock, concurrency: 4, schedule: DEFAULT_SYNC_SETTINGS },
      { deadline: clock.now().getTime() + 30_000 },
    );
  const adminDeps = (): admin.AdminDeps => ({
    store,
    ax,
    deadLetters: {
      list: () => Promise.resolve({ count: 0, items: [] }),
      redrive: () => Promise.resolve("nothing to redrive"),
    },
    clock: systemClock,
    waitingTooLongMs: 60_000,
  });
  const axOrderItem = async (orderId: string, itemId: string): Promise<Record<string, unknown> | undefined> =>
    (
      await table.doc.send(
        new GetCommand({
          TableName: table.tableName,
          Key: { pk: orderPk(orderId), sk: axOrderSk(itemId) },
          ConsistentRead: true,
        }),
      )
    ).Item;
  const confirmationCalls = (code: string, since: number) =>
    sandbox
      .requests()
      .slice(since)
      .filter((r) => r.endpoint === "confirmation" && r.path.endsWith(`/${code}`)).length;

  it("an operator's poll again is kept when a ticket cancellation of the same AX order commits after it", async () => {
    const orderId = `R-${randomUUID().slice(0, 8)}`;
    const tourItem = `${orderId}-1`;
    expect(await workerOf()(sqsEvent(await storeEvent(store, sampleOrderPlaced(orderId))))).toEqual({
      batchItemFailures: [],
    });
    const tour = (await store.load(orderId)).axOrders.find((o) => o.item_id === tourItem)?.ax_order_code ?? "";
    // The supplier confirms; the sync records it: the tour (use date three weeks away) is polled daily.
    sandbox.setOrderStatus(tour, "Supplier confirm");
    expect((await sync()).report).toMatchObject({ changed: 1 });
    expect((await axOrderItem(orderId, tourItem))?.sync_due).toMatch(/^D#/);

    // A traveler cancels one ticket of the tour; the worker is inside AX's ticket cancel when an operator presses
    // "poll again" on that AX order (its status has not moved: the action is accepted).
    const held = gate();
    const cancel = await storeEvent(store, {
      type: "order.cancelled",
      timestamp: new Date().toISOString(),
      data: { order_id: orderId, reason: "traveler", ticket_ids: [`${orderId}-1-2`] },
    } as { type: string; data: { order_id: string } });
    const working = workerOf(held)(sqsEvent(cancel));
    await held.arrived;
    const answer = await admin.pollAgain(adminDeps(), "carol", orderId, tourItem);
    expect(answer.message).toContain("polled by the next status sync run");
    const afterPollAgain = await axOrderItem(orderId, tourItem);
    expect(afterPollAgain?.sync_due).toMatch(/^R#/);
    expect(afterPollAgain?.sync_until).toEqual(expect.any(String));
    held.open();
    // The worker's write meets the operator's (poll again moves the order's version): refused, nothing written from
    // its old read, and the event is retried; once its claim's lease is over the cancel is sent again (cancels are
    // safe to repeat) and recorded on the AX order as it is now.
    expect((await working).batchItemFailures).toHaveLength(1);
    expect(await axOrderItem(orderId, tourItem)).toMatchObject({ sync_due: afterPollAgain?.sync_due });
    const retry = createProcessEventHandler(workerDepsOn(store, axWith(), { createLeaseMs: 0 }));
    expect(await retry(sqsEvent(cancel))).toEqual({ batchItemFailures: [] });

    // The ticket cancel is recorded, and the operator's poll again must still hold: in the every-run partition,
    // kept until the time the operator was told, and asked by the next run.
    const after = await axOrderItem(orderId, tourItem);
    expect(after?.tickets).toContainEqual(expect.objectContaining({ ax_ticket_status: "Traveler canceled" }));
    expect({ sync_due: after?.sync_due, sync_until: after?.sync_until }).toEqual({
      sync_due: afterPollAgain?.sync_due,
      sync_until: afterPollAgain?.sync_until,
    });
    const since = sandbox.requests().length;
    await sync({ now: () => new Date(Date.now() + 60_000) });
    expect(confirmationCalls(tour, since)).toBe(1);
  });

  // The sync reads an AX order of the every-run partition, asks AX, and decides from what it read: move it to hourly
  // (its first day undecided is over) or take it out (its use date and grace passed). An operator's poll again
  // committed while AX answers puts the AX order in that same partition (it is the AX order's own), so only the
  // poll again's new `sync_until` tells the sync's write that its read is stale.
  it.each([
    { decided: "moves it to hourly", after: DAY_MS + 3_600_000 },
    { decided: "takes it out of the sync", after: 30 * DAY_MS },
  ])("an operator's poll again made while the sync polls is kept when the sync $decided", async ({ after }) => {
    const orderId = `R-${randomUUID().slice(0, 8)}`;
    const tourItem = `${orderId}-1`;
    expect(await workerOf()(sqsEvent(await storeEvent(store, sampleOrderPlaced(orderId))))).toEqual({
      batchItemFailures: [],
    });
    const tour = (await store.load(orderId)).axOrders.find((o) => o.item_id === tourItem)?.ax_order_code ?? "";
    const before = await axOrderItem(orderId, tourItem);
    expect(before?.sync_due).toMatch(/^R#/);

    // One virtual time for the sync and the operator; AX's answer about the tour waits at the gate.
    const at = Date.now() + after;
    const clock: Clock = { now: () => new Date(at) };
    const held = gate();
    const gatedAx = {
      getConfirmation: async (...args: Parameters<AxClient["getConfirmation"]>) => {
        if (args[1] === tour) {
          held.arrive();
          await held.opened;
        }
        return ax.getConfirmation(...args);
      },
    };
    const running = syncStatuses(
      { store, ax: gatedAx, clock, concurrency: 4, schedule: DEFAULT_SYNC_SETTINGS },
      { deadline: at + 30_000 },
    );
    await held.arrived;
    const answer = await admin.pollAgain({ ...adminDeps(), clock }, "dave", orderId, tourItem);
    expect(answer.message).toContain("polled by the next status sync run");
    const asked = await axOrderItem(orderId, tourItem);
    expect(asked).toMatchObject({ sync_due: before?.sync_due, sync_poll_asked: new Date(at).toISOString() });
    held.open();
    await running;

    // The sync's write from its earlier read is refused: the poll again stands as the operator was told.
    const afterRun = await axOrderItem(orderId, tourItem);
    expect({
      sync_due: afterRun?.sync_due,
      sync_until: afterRun?.sync_until,
      sync_poll_asked: afterRun?.sync_poll_asked,
      sync_left: afterRun?.sync_left,
    }).toEqual({
      sync_due: before?.sync_due,
      sync_until: asked?.sync_until,
      sync_poll_asked: asked?.sync_poll_asked,
      sync_left: undefined,
    });
    // And the next run asks AX about it.
    const since = sandbox.requests().length;
    await sync({ now: () => new Date(at + 5 * 60_000) });
    expect(confirmationCalls(tour, since)).toBe(1);
  });

  it("an AX order attached in a reconciliation leaves the sync once its use date and grace passed", async () => {
    const orderId = `R-${randomUUID().slice(0, 8)}`;
    const tourItem = `${orderId}-1`;
    const dayItem = `${orderId}-2`;
    // The tour's create reached AX but its answer was lost: uncertain. The day ticket is created.
    failNextCreate(sandbox, orderId, { productType: "tour", status: 500, afterProcessing: true });
    await workerOf()(sqsEvent(await storeEvent(store, sampleOrderPlaced(orderId))));
    expect((await store.load(orderId)).order?.create_calls.tour?.state).toBe("uncertain");
    const codes = tourCodesInAx(sandbox, orderId);
    sandbox.setOrderStatus(codes[0]?.ax_order_code ?? "", "Supplier confirm");
    await reconcileCreate(
      { orders: store, clock: systemClock, ax, axCodes: store, events: store },
      orderId,
      "tour",
      { kind: "attach", axOrders: codes },
      "alice",
    );
    const attached = await axOrderItem(orderId, tourItem);
    expect(attached?.ax_order_status).toBe("Supplier confirm");
    // The use date is the tour item's, read from the placement, as the worker records it for the AX orders it makes.
    expect(attached?.inventory_at).toBe(toAxDateTime(sampleUseDates().tour));
    expect(attached?.sync_due).toMatch(/^D#/);

    // Forty days on, both use dates (three weeks ahead) and the three days' grace have passed: a run polls both AX
    // orders unchanged, and both must leave the sync (issue 21: "an AX order leaves it when … its use date plus a
    // configurable grace passed").
    const later = { now: () => new Date(Date.now() + 40 * DAY_MS) };
    const { report } = await sync(later);
    expect(report).toMatchObject({ polled: 2, unchanged: 2 });
    expect((await axOrderItem(orderId, dayItem))?.sync_left).toMatchObject({ reason: "past_use_date" });
    const tourAfter = await axOrderItem(orderId, tourItem);
    expect({ sync_due: tourAfter?.sync_due, sync_left: tourAfter?.sync_left }).toEqual({
      sync_due: undefined,
      sync_left: expect.objectContaining({ reason: "past_use_date" }) as unknown,
    });
  });
});
