// The status sync and the outbound webhook: real DynamoDB Local (a fresh table per test), the AX sandbox playing the
// supplier over loopback HTTP, and a real HTTP receiver playing the channel (checking signatures with the adapter's
// own verifier). Orders are placed by the real worker first.
import { randomUUID } from "node:crypto";
import { CreateTableCommand, DescribeTableCommand, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createSyncStatusesHandler,
  newNotificationId,
  type SyncRunDeps,
  type SyncRunReport,
} from "../../functions/sync-statuses";
import { createProcessEventHandler } from "../../functions/process-event";
import { AxClient } from "../../lib/ax/client";
import type { ProductType } from "../../lib/orders/model";
import { systemClock, type Clock } from "../../lib/orders/ports";
import { readOrder } from "../../lib/orders/read-order";
import type { AxConfirmationReader } from "../../lib/orders/sync-statuses";
import { OutboundWebhookSender } from "../../lib/outbound/webhook-sender";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { axOrderSk, orderPk } from "../../lib/store/keys";
import { startAxSandbox, type AxSandbox } from "../../local/ax-sandbox/server";
import { runCli } from "../../local/cli/main";
import { ensureStream, tableDefinition } from "../../local/dynamodb/table";
import { addMissingIndexes } from "../../local/status-sync";
import { sampleOrderPlaced } from "../../local/samples";
import { countedDynamoClient, DynamoCounter } from "../../scripts/bench/sdk-boundary";
import { freshTable, type TestTable } from "../support/dynamodb";
import { RECEIVER_SECRET, startReceiver, type Receiver } from "../support/receiver";
import { sqsEvent, storeEvent, workerDepsOn } from "../support/worker";

const CREDENTIALS = { apiKey: "key", channelCode: "chan" };

describe("status sync and order.status_changed webhooks", () => {
  let sandbox: AxSandbox;
  let ax: AxClient;
  let receiver: Receiver;
  let table: TestTable;
  let store: DynamoStore;

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
    store = new DynamoStore(table.doc, table.tableName);
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.stop();
  });

  /** Places a sample order (a tour item `-1` and a day-ticket item `-2`) through the real worker. */
  const place = async () => {
    const orderId = `S-${randomUUID().slice(0, 8)}`;
    const worker = createProcessEventHandler(workerDepsOn(store, ax, { createLeaseMs: 5_000 }));
    expect(await worker(sqsEvent(await storeEvent(store, sampleOrderPlaced(orderId))))).toEqual({
      batchItemFailures: [],
    });
    const { axOrders } = await store.load(orderId);
    const code = (itemId: string) => axOrders.find((o) => o.item_id === itemId)?.ax_order_code ?? "";
    return { orderId, tour: code(`${orderId}-1`), day: code(`${orderId}-2`) };
  };

  interface RunOptions {
    clock?: Clock;
    ax?: AxConfirmationReader;
    outbound?: boolean;
    budgetMs?: number;
    concurrency?: number;
    confirmedIntervalMs?: number;
    maxAttempts?: number;
    webhookTimeoutMs?: number;
  }
  const runDeps = (options: RunOptions = {}): SyncRunDeps => {
    const clock = options.clock ?? systemClock;
    const outbound = options.outbound ?? true;
    return {
      sync: {
        store,
        ax: options.ax ?? ax,
        clock,
        concurrency: options.concurrency ?? 8,
        confirmedIntervalMs: options.confirmedIntervalMs ?? 0,
        ...(outbound ? { newNotificationId } : {}),
      },
      deliver: outbound
        ? {
            outbox: store,
            sender: new OutboundWebhookSender({
              url: receiver.url,
              secret: () => Promise.resolve(RECEIVER_SECRET),
              timeoutMs: options.webhookTimeoutMs ?? 2_000,
              clock,
            }),
            clock,
            maxAttempts: options.maxAttempts ?? 12,
            concurrency: 4,
          }
        : undefined,
      budgetMs: options.budgetMs ?? 60_000,
      reserveMs: 0,
    };
  };
  const run = (options: RunOptions = {}): Promise<SyncRunReport> => createSyncStatusesHandler(runDeps(options))();
  const view = async (orderId: string) => {
    const found = await readOrder(store, orderId);
    if (!found) throw new Error(`no order ${orderId}`);
    return found;
  };
  const confirmationCallsFor = (codes: string[], since: number) =>
    sandbox
      .requests()
      .slice(since)
      .filter((r) => r.endpoint === "confirmation" && codes.some((code) => r.path.endsWith(`/${code}`)));

  it("records the supplier's confirm and reject with AX's comment, and delivers them signed to the channel", async () => {
    const { orderId, tour, day } = await place();
    sandbox.setOrderStatus(tour, "Supplier confirm", "Pick-up at 9:00 in the lobby");
    sandbox.setOrderStatus(day, "Supplier reject", "Sold out for that date");

    const report = await run();
    expect(report.sync).toMatchObject({ polled: 2, changed: 2, failed: 0, notifications: 2, due_left: false });
    expect(report.notifications).toMatchObject({ attempted: 2, delivered: 2, failed: 0, dead: 0, due_left: false });

    const order = await view(orderId);
    const tourView = order.ax_orders.find((o) => o.ax_order_code === tour);
    const dayView = order.ax_orders.find((o) => o.ax_order_code === day);
    expect(tourView?.ax_order_status).toBe("Supplier confirm");
    expect(dayView?.ax_order_status).toBe("Supplier reject");
    expect(tourView?.history).toEqual([
      expect.objectContaining({ to: "New", source: "create" }),
      {
        at: expect.any(String) as string,
        from: "New",
        to: "Supplier confirm",
        source: "sync",
        comment: "Pick-up at 9:00 in the lobby",
        notification_id: expect.stringMatching(/^msg_/) as string,
      },
    ]);
    expect(dayView?.history.at(-1)).toMatchObject({
      from: "New",
      to: "Supplier reject",
      comment: "Sold out for that date",
    });
    expect(order.notifications).toHaveLength(2);
    for (const axOrder of [tourView, dayView])
      expect(order.notifications).toContainEqual({
        id: axOrder?.history.at(-1)?.notification_id,
        type: "order.status_changed",
        item_id: axOrder?.item_id,
        status: "delivered",
        attempts: 1,
        created_at: axOrder?.history.at(-1)?.at,
        delivered_at: expect.any(String) as string,
      });

    expect(receiver.received).toHaveLength(2);
    for (const delivery of receiver.received) {
      expect(delivery.verification).toMatchObject({ ok: true });
      expect(delivery.headers["content-type"]).toBe("application/json");
    }
    expect(receiver.received.map((r) => r.headers["webhook-id"]).sort()).toEqual(
      order.notifications.map((n) => n.id).sort(),
    );
    expect(receiver.accepted()).toContainEqual({
      type: "order.status_changed",
      timestamp: expect.any(String) as string,
      data: {
        order_id: orderId,
        order_status: "placed",
        item_id: `${orderId}-2`,
        product_type: "day-ticket",
        ax_order_code: day,
        previous_ax_order_status: "New",
        ax_order_status: "Supplier reject",
        comment: "Sold out for that date",
        changed_at: expect.any(String) as string,
      },
    });
  });

  it("never polls a final AX order again; a confirmed one after the confirmed interval", async () => {
    const { orderId, tour, day } = await place();
    sandbox.setOrderStatus(tour, "Supplier confirm");
    sandbox.setOrderStatus(day, "Supplier reject");
    await run({ confirmedIntervalMs: 3_600_000 });

    // The rejected AX order has left the sparse index: its item no longer carries the index's keys.
    const { Item } = await table.doc.send(
      new GetCommand({ TableName: table.tableName, Key: { pk: orderPk(orderId), sk: axOrderSk(`${orderId}-2`) } }),
    );
    expect(Item?.ax_order_status).toBe("Supplier reject");
    expect(Item).not.toHaveProperty("open_shard");
    expect(Item).not.toHaveProperty("next_sync_at");

    let since = sandbox.requests().length;
    const second = await run({ confirmedIntervalMs: 3_600_000 });
    // The confirmed one was changed in the first run (so it is due again once), the rejected one never.
    expect(confirmationCallsFor([day], since)).toHaveLength(0);
    expect(confirmationCallsFor([tour], since)).toHaveLength(1);
    expect(second.sync).toMatchObject({ polled: 1, unchanged: 1, changed: 0 });

    since = sandbox.requests().length;
    const third = await run({ confirmedIntervalMs: 3_600_000 });
    expect(third.sync.polled).toBe(0);
    expect(confirmationCallsFor([tour, day], since)).toHaveLength(0);

    // It waits for its turn an hour after its change, still in the index (nothing written for the unchanged poll).
    const { Item: confirmed } = await table.doc.send(
      new GetCommand({ TableName: table.tableName, Key: { pk: orderPk(orderId), sk: axOrderSk(`${orderId}-1`) } }),
    );
    expect(confirmed).toHaveProperty("open_shard");
    const changedAt = Date.parse(String(confirmed?.next_sync_at));
    expect(confirmed?.updated_at).toBe(confirmed?.next_sync_at);
    const beforeItsTurn = { now: () => new Date(changedAt + 3_540_000) };
    expect((await run({ confirmedIntervalMs: 3_600_000, clock: beforeItsTurn })).sync.polled).toBe(0);
    since = sandbox.requests().length;
    const afterItsTurn = { now: () => new Date(changedAt + 3_660_000) };
    expect((await run({ confirmedIntervalMs: 3_600_000, clock: afterItsTurn })).sync).toMatchObject({
      polled: 1,
      unchanged: 1,
    });
    expect(confirmationCallsFor([tour], since)).toHaveLength(1);
  });

  it("syncs many open orders with bounded concurrency, stops starting calls when the budget is used, and rotates", async () => {
    const placed = [];
    for (let i = 0; i < 25; i++) placed.push(await place());
    const all = placed.flatMap((p) => [p.tour, p.day]);

    // The index hands them out oldest first, across its shards.
    const due = [];
    for await (const axOrder of store.dueAxOrders(new Date(Date.now() + 60_000).toISOString())) due.push(axOrder);
    expect(due.map((o) => o.ax_order_code).sort()).toEqual([...all].sort());
    const times = due.map((o) => o.next_sync_at);
    expect(times).toEqual([...times].sort());

    // Time is virtual: each AX call takes 40 ms of it, whatever the machine's load, so the budget is deterministic.
    const base = Date.now();
    let elapsed = 0;
    const clock = { now: () => new Date(base + elapsed) };
    const calls: string[] = [];
    let inFlight = 0;
    let most = 0;
    const counting: AxConfirmationReader = {
      getConfirmation: async (type: ProductType, code: string) => {
        calls.push(code);
        elapsed += 40;
        most = Math.max(most, ++inFlight);
        try {
          return await ax.getConfirmation(type, code);
        } finally {
          inFlight--;
        }
      },
    };
    sandbox.injectFault({ endpoint: "confirmation", kind: "latency", latencyMs: 40 });

    const first = await run({ ax: counting, concurrency: 4, budgetMs: 150, clock });
    expect(first.sync.due_left).toBe(true);
    expect(first.sync.stopped_by).toBe("budget");
    expect(first.sync.polled).toBe(4);
    expect(first.sync.polled).toBeLessThan(all.length);
    expect(first.sync.unchanged).toBe(first.sync.polled);
    expect(calls).toHaveLength(first.sync.polled);
    expect(most).toBeLessThanOrEqual(4);

    // The next run starts with the ones left out (the polled ones went to the back), and finishes them all.
    const polledFirst = new Set(calls.splice(0));
    most = 0;
    elapsed += 1_000;
    const second = await run({ ax: counting, concurrency: 8, clock });
    expect(second.sync).toMatchObject({ polled: all.length, unchanged: all.length, due_left: false });
    expect(second.sync).not.toHaveProperty("stopped_by");
    expect(most).toBeLessThanOrEqual(8);
    const leftOut = all.filter((code) => !polledFirst.has(code));
    expect(new Set(calls.slice(0, leftOut.length))).toEqual(new Set(leftOut));
  });

  it("writes nothing for an AX order that did not change: an unchanged run costs reads and one small cursor write", async () => {
    for (let i = 0; i < 5; i++) await place();
    // The first run (no cursor yet) polls all ten pending AX orders.
    expect((await run()).sync).toMatchObject({ polled: 10, unchanged: 10 });

    const counter = new DynamoCounter();
    const counted = new DynamoStore(
      DynamoDBDocumentClient.from(countedDynamoClient(table.endpoint, counter), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      table.tableName,
    );
    const plain = store;
    store = counted;
    try {
      for (let i = 0; i < 3; i++)
        expect((await run({ outbound: false })).sync).toMatchObject({ polled: 10, unchanged: 10 });
    } finally {
      store = plain;
    }
    // Per run: one PutItem of the cursor (1 WCU, no index), no update of any AX order.
    expect(counter.byCommand.get("PutItemCommand")).toEqual({ requests: 3, capacityUnits: 3 });
    expect(counter.byCommand.has("UpdateItemCommand")).toBe(false);
    expect(counter.byCommand.has("TransactWriteItemsCommand")).toBe(false);
    expect(counter.totals().wcu).toBe(3);
    expect(counter.totals().rcu).toBeGreaterThan(0);
  });

  it("a sweep cut short by the budget goes on where it stopped: every AX order once before any twice", async () => {
    for (let i = 0; i < 10; i++) await place();
    const base = Date.now();
    let elapsed = 0;
    const clock = { now: () => new Date(base + elapsed) };
    const calls: string[] = [];
    const counting: AxConfirmationReader = {
      getConfirmation: async (type: ProductType, code: string) => {
        calls.push(code);
        elapsed += 40;
        return ax.getConfirmation(type, code);
      },
    };
    // About 6 AX calls per run (budget 200 ms of virtual time, 40 ms per call, 2 at once): 20 AX orders.
    const runs = [];
    while (calls.length < 40 && runs.length < 20) {
      elapsed += 1_000;
      runs.push((await run({ ax: counting, concurrency: 2, budgetMs: 200, clock, outbound: false })).sync);
    }
    expect(runs[0]?.due_left).toBe(true);
    const firstSweep = calls.slice(0, 20);
    expect(new Set(firstSweep).size).toBe(20);
    const secondSweep = calls.slice(20, 40);
    expect(new Set(secondSweep).size).toBe(20);
    // The second sweep goes in the same order as the first: the index order, not rewritten by the polls.
    expect(secondSweep).toEqual(firstSweep);
  });

  it("stops starting calls when AX throttles, and the throttled orders stay first in line", async () => {
    const { tour, day } = await place();
    await place();
    sandbox.injectFault({ endpoint: "confirmation", kind: "status", status: 429 });
    const throttled = await run({ concurrency: 1 });
    expect(throttled.sync).toMatchObject({ polled: 1, failed: 1, due_left: true, stopped_by: "ax_throttled" });
    expect(throttled.sync.errors[0]?.reason).toBe("ax_throttled");

    sandbox.clearFaults();
    sandbox.setOrderStatus(tour, "Supplier confirm");
    sandbox.setOrderStatus(day, "Supplier pending");
    const since = sandbox.requests().length;
    const next = await run({ concurrency: 1 });
    expect(next.sync).toMatchObject({ polled: 4, changed: 2, due_left: false });
    const first = sandbox.requests().slice(since)[0];
    expect(first?.path.endsWith(`/${tour}`) || first?.path.endsWith(`/${day}`)).toBe(true);
  });

  it("two runs at once record each change once and send it once", async () => {
    const { orderId, tour, day } = await place();
    sandbox.setOrderStatus(tour, "Supplier confirm", "ok");
    sandbox.setOrderStatus(day, "Supplier confirm", "ok");
    const runs = await Promise.all([run(), run(), run()]);
    expect(runs.reduce((sum, r) => sum + r.sync.changed, 0)).toBe(2);
    const order = await view(orderId);
    for (const axOrder of order.ax_orders) expect(axOrder.history.filter((h) => h.source === "sync")).toHaveLength(1);
    expect(order.notifications).toHaveLength(2);
    expect(order.notifications.every((n) => n.status === "delivered" && n.attempts === 1)).toBe(true);
    expect(receiver.received).toHaveLength(2);
  });

  it("a cancellation made in AX cancels the AX order's tickets and the order's status follows", async () => {
    const { orderId, day } = await place();
    sandbox.setOrderStatus(day, "Unavoidable cancel", "Park closed");
    await run();
    const order = await view(orderId);
    expect(order.status).toBe("partially_cancelled");
    const dayView = order.ax_orders.find((o) => o.ax_order_code === day);
    expect(dayView?.ax_order_status).toBe("Unavoidable cancel");
    expect(dayView?.tickets.every((t) => t.ax_ticket_status === "Traveler canceled")).toBe(true);
    expect(JSON.parse(receiver.received[0]?.body ?? "{}")).toMatchObject({
      data: { order_status: "partially_cancelled", ax_order_status: "Unavoidable cancel", comment: "Park closed" },
    });
  });

  it("writes no notification when no outbound webhook is configured", async () => {
    const { orderId, tour } = await place();
    sandbox.setOrderStatus(tour, "Supplier confirm", "fine");
    const report = await run({ outbound: false });
    expect(report.sync).toMatchObject({ changed: 1, notifications: 0 });
    expect(report.notifications).toBeUndefined();
    const order = await view(orderId);
    expect(order.notifications).toEqual([]);
    expect(order.ax_orders.find((o) => o.ax_order_code === tour)?.history.at(-1)).not.toHaveProperty("notification_id");
    expect(receiver.received).toHaveLength(0);
  });

  it("retries a failed delivery with backoff under the same webhook-id until the channel takes it", async () => {
    const { orderId, tour } = await place();
    let now = Date.now() + 1_000;
    const clock: Clock = { now: () => new Date(now) };
    receiver.now = () => clock.now();
    receiver.answers = [500, 503];
    sandbox.setOrderStatus(tour, "Supplier confirm");

    const first = await run({ clock });
    expect(first.notifications).toMatchObject({ attempted: 1, failed: 1, delivered: 0 });
    let [notification] = (await view(orderId)).notifications;
    expect(notification).toMatchObject({ status: "pending", attempts: 1, last_error: "HTTP 500" });
    expect(notification?.next_attempt_at).toBe(new Date(now + 60_000).toISOString());

    // Not due yet: nothing is sent.
    expect((await run({ clock })).notifications).toMatchObject({ attempted: 0 });
    now += 61_000;
    expect((await run({ clock })).notifications).toMatchObject({ attempted: 1, failed: 1 });
    [notification] = (await view(orderId)).notifications;
    expect(notification).toMatchObject({ status: "pending", attempts: 2, last_error: "HTTP 503" });
    expect(notification?.next_attempt_at).toBe(new Date(now + 120_000).toISOString());
    now += 121_000;
    expect((await run({ clock })).notifications).toMatchObject({ attempted: 1, delivered: 1 });

    [notification] = (await view(orderId)).notifications;
    expect(notification).toMatchObject({ status: "delivered", attempts: 3 });
    expect(notification).not.toHaveProperty("last_error");
    // Every attempt is kept, not only the last error: what the console shows.
    const [stored] = await store.listNotificationsForOrder(orderId);
    expect(stored?.delivery_attempts?.map(({ http_status, error }) => ({ http_status, error }))).toEqual([
      { http_status: 500, error: "HTTP 500" },
      { http_status: 503, error: "HTTP 503" },
      { http_status: 200, error: undefined },
    ]);
    expect(
      stored?.delivery_attempts?.every((attempt) => attempt.latency_ms >= 0 && attempt.at <= clock.now().toISOString()),
    ).toBe(true);
    expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual([
      notification?.id,
      notification?.id,
      notification?.id,
    ]);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(new Set(receiver.received.map((r) => r.headers["webhook-timestamp"])).size).toBe(3);
    expect(receiver.received.every((r) => r.verification.ok)).toBe(true);
  });

  it("gives a notification up after the last attempt (dead: counted for the alarm, out of the pending index)", async () => {
    const { orderId, tour } = await place();
    let now = Date.now() + 1_000;
    const clock: Clock = { now: () => new Date(now) };
    receiver.now = () => clock.now();
    receiver.answers = ["hang"];
    receiver.fallback = 503;
    sandbox.setOrderStatus(tour, "Supplier confirm");
    const options = { clock, maxAttempts: 3, webhookTimeoutMs: 200 };

    const first = await run(options);
    expect(first.notifications).toMatchObject({ failed: 1 });
    expect((await view(orderId)).notifications[0]).toMatchObject({ last_error: "no answer within 200 ms" });
    now += 6 * 3_600_000;
    expect((await run(options)).notifications).toMatchObject({ failed: 1, dead: 0 });
    now += 6 * 3_600_000;
    expect((await run(options)).notifications).toMatchObject({ attempted: 1, dead: 1 });

    const [notification] = (await view(orderId)).notifications;
    expect(notification).toMatchObject({ status: "dead", attempts: 3, last_error: "HTTP 503" });
    const pending = [];
    for await (const n of store.dueNotifications(new Date(now + 365 * 86_400_000).toISOString())) pending.push(n);
    expect(pending).toEqual([]);
    now += 6 * 3_600_000;
    expect((await run(options)).notifications).toMatchObject({ attempted: 0, dead: 0 });
    expect(receiver.received).toHaveLength(3);
  });

  it("`npm run cli -- sync run` on a table runs once with the environment's settings", async () => {
    const { tour } = await place();
    sandbox.setOrderStatus(tour, "Supplier confirm");
    const lines: string[] = [];
    const code = await runCli(["sync", "run"], (line) => lines.push(line), {
      TABLE_NAME: table.tableName,
      AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
      AX_BASE_URL: sandbox.url,
      AX_API_KEY: CREDENTIALS.apiKey,
      AX_CHANNEL_CODE: CREDENTIALS.channelCode,
      OUTBOUND_WEBHOOK_URL: receiver.url,
      OUTBOUND_WEBHOOK_SECRET: RECEIVER_SECRET,
    });
    expect(lines).toEqual([
      "polled 2 AX order(s): 1 changed, 1 unchanged, 0 skipped, 0 failed",
      "notifications: 1 delivered, 0 failed (retried later), 0 dead",
    ]);
    expect(code).toBe(0);
    expect(receiver.received.map((r) => r.verification.ok)).toEqual([true]);
  });

  it("`npm start` adds the outbox index and the stream to a table kept in .local-data from before them", async () => {
    const tableName = `old-${randomUUID()}`;
    const { TimeToLiveSpecification: _ttl, StreamSpecification: _stream, ...shape } = tableDefinition;
    const old = {
      ...shape,
      GlobalSecondaryIndexes: shape.GlobalSecondaryIndexes.filter((index) => index.IndexName !== "outbox"),
      AttributeDefinitions: shape.AttributeDefinitions.filter(
        (a) => a.AttributeName !== "outbox_state" && a.AttributeName !== "next_attempt_at",
      ),
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
    } as CreateTableCommandInput;
    await table.client.send(new CreateTableCommand(old));
    expect(await addMissingIndexes(table.client, tableName)).toEqual(["outbox"]);
    expect(await addMissingIndexes(table.client, tableName)).toEqual([]);
    const { Table } = await table.client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.GlobalSecondaryIndexes?.find((index) => index.IndexName === "outbox")?.IndexStatus).toBe("ACTIVE");
    expect(Table?.StreamSpecification).toBeUndefined();
    const streamArn = await ensureStream(table.client, tableName);
    expect(await ensureStream(table.client, tableName)).toBe(streamArn);
    const after = await table.client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(after.Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
  });
});
