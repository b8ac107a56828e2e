// The status sync and the outbound webhook: real DynamoDB Local (a fresh table per test), the AX sandbox playing the
// supplier over loopback HTTP, and a real HTTP receiver playing the channel (checking signatures with the adapter's
// own verifier). Orders are placed by the real worker first.
import { randomUUID } from "node:crypto";
import { CreateTableCommand, DescribeTableCommand, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { Metrics } from "@aws-lambda-powertools/metrics";
import {
  createSyncStatusesHandler,
  emfSyncMetrics,
  newNotificationId,
  type SyncRunDeps,
  type SyncRunReport,
} from "../../functions/sync-statuses";
import { createProcessEventHandler } from "../../functions/process-event";
import { AxClient } from "../../lib/ax/client";
import { logger } from "../../lib/observability/logger";
import { emfMetrics, SERVICE_NAME } from "../../lib/observability/metrics";
import type { ProductType } from "../../lib/orders/model";
import { systemClock, type Clock } from "../../lib/orders/ports";
import { readOrder } from "../../lib/orders/read-order";
import type { AxConfirmationReader } from "../../lib/orders/sync-statuses";
import { DAY_MS, DEFAULT_SYNC_SETTINGS, phaseAt, syncPhase, type SyncSettings } from "../../lib/orders/sync-schedule";
import { OutboundWebhookSender } from "../../lib/outbound/webhook-sender";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { axOrderSk, orderPk } from "../../lib/store/keys";
import { startAxSandbox, type AxSandbox } from "../../local/ax-sandbox/server";
import { runCli } from "../../local/cli/main";
import { localAdminRoutes } from "../../local/admin";
import { localClientConfig } from "../../local/dynamodb/emulator";
import { LocalFifoQueue } from "../../local/fifo-queue";
import { startHttpGateway } from "../../local/http-gateway";
import { readConfig } from "../../lib/config";
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
    schedule?: Partial<SyncSettings>;
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
        schedule: { ...DEFAULT_SYNC_SETTINGS, ...options.schedule },
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
  /** Runs `work` with the sync's store counting its DynamoDB requests and units into `counter`. */
  const counting = async (counter: DynamoCounter, work: () => Promise<void>): Promise<void> => {
    const plain = store;
    store = new DynamoStore(
      DynamoDBDocumentClient.from(countedDynamoClient(table.endpoint, counter), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      table.tableName,
    );
    try {
      await work();
    } finally {
      store = plain;
    }
  };
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

  it("never polls a final AX order again; a confirmed one daily, at its turn (its phase), until then nothing", async () => {
    const { orderId, tour, day } = await place();
    sandbox.setOrderStatus(tour, "Supplier confirm");
    sandbox.setOrderStatus(day, "Supplier reject");
    const changedAt = Date.now();
    await run({ clock: { now: () => new Date(changedAt) } });

    // The rejected AX order has left the sparse index: its item no longer carries the index's keys.
    const item = async (itemId: string) =>
      (
        await table.doc.send(
          new GetCommand({ TableName: table.tableName, Key: { pk: orderPk(orderId), sk: axOrderSk(itemId) } }),
        )
      ).Item;
    const rejected = await item(`${orderId}-2`);
    expect(rejected?.ax_order_status).toBe("Supplier reject");
    expect(rejected).not.toHaveProperty("sync_due");
    expect(rejected).not.toHaveProperty("sync_left");
    // The confirmed one (its use date weeks away) is polled daily: its partition, and its fixed phase.
    const confirmed = await item(`${orderId}-1`);
    expect(confirmed?.sync_due).toMatch(/^D#\d$/);
    expect(confirmed?.sync_phase).toBe(syncPhase(tour));

    // Its turn: the next moment after the change when the day's clock reaches its phase.
    const phaseOffset = (syncPhase(tour) / 2 ** 48) * DAY_MS;
    const dayStart = changedAt - (changedAt % DAY_MS);
    let turn = dayStart + phaseOffset;
    if (turn <= changedAt) turn += DAY_MS;
    expect(phaseAt(turn + 1, DAY_MS)).toBeGreaterThanOrEqual(syncPhase(tour));

    let since = sandbox.requests().length;
    const beforeItsTurn = await run({ clock: { now: () => new Date(turn - 1_000) } });
    expect(beforeItsTurn.sync).toMatchObject({ read: 0, polled: 0 });
    expect(confirmationCallsFor([tour, day], since)).toHaveLength(0);

    since = sandbox.requests().length;
    const atItsTurn = await run({ clock: { now: () => new Date(turn + 1_000) } });
    expect(atItsTurn.sync).toMatchObject({ read: 1, polled: 1, unchanged: 1 });
    expect(confirmationCallsFor([tour], since)).toHaveLength(1);
    expect(confirmationCallsFor([day], since)).toHaveLength(0);

    // Nothing was written for it: same partition, same item.
    expect(await item(`${orderId}-1`)).toEqual(confirmed);
    since = sandbox.requests().length;
    expect((await run({ clock: { now: () => new Date(turn + 3_600_000) } })).sync.polled).toBe(0);
    expect(confirmationCallsFor([tour, day], since)).toHaveLength(0);
  });

  it("syncs many open orders with bounded concurrency, stops starting calls when the budget is used, and rotates", async () => {
    const placed = [];
    for (let i = 0; i < 25; i++) placed.push(await place());
    const all = placed.flatMap((p) => [p.tour, p.day]);

    // The index hands the undecided ones out in the order of their phases, across its shards.
    const due = [];
    for await (const axOrder of store.dueAxOrders("every_run", [{ from: 0, to: 2 ** 48 - 1 }])) due.push(axOrder);
    expect(due.map((o) => o.ax_order_code).sort()).toEqual([...all].sort());
    const phases = due.map((o) => o.sync_phase);
    expect(phases).toEqual([...phases].sort((a, b) => a - b));
    expect(new Set(due.map((o) => o.sync_shard)).size).toBeGreaterThan(1);

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

    // The next run starts with the ones left out (a round from where the first stopped), and finishes them all.
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
    await counting(counter, async () => {
      for (let i = 0; i < 3; i++)
        expect((await run({ outbound: false })).sync).toMatchObject({ polled: 10, unchanged: 10 });
    });
    // Per run: one PutItem of the cursor (1 WCU, no index), no update of any AX order.
    expect(counter.byCommand.get("PutItemCommand")).toEqual({ requests: 3, capacityUnits: 3, items: 0 });
    expect(counter.byCommand.has("UpdateItemCommand")).toBe(false);
    expect(counter.byCommand.has("TransactWriteItemsCommand")).toBe(false);
    expect(counter.totals().wcu).toBe(3);
    expect(counter.totals().rcu).toBeGreaterThan(0);
  });

  it("reads the due AX orders, not the open ones: a run five minutes after the last reads the undecided ones", async () => {
    const placed = [];
    for (let i = 0; i < 20; i++) placed.push(await place());
    // The suppliers confirm 36 of the 40 AX orders; 4 stay undecided (polled every run).
    const undecided = placed.slice(0, 2).flatMap((p) => [p.tour, p.day]);
    for (const p of placed.slice(2))
      for (const code of [p.tour, p.day]) sandbox.setOrderStatus(code, "Supplier confirm");
    const t0 = Date.now();
    expect((await run({ outbound: false, clock: { now: () => new Date(t0) } })).sync).toMatchObject({ changed: 36 });

    const counter = new DynamoCounter();
    await counting(counter, async () => {
      const since = sandbox.requests().length;
      const next = await run({ outbound: false, clock: { now: () => new Date(t0 + 5 * 60_000) } });
      const calls = sandbox
        .requests()
        .slice(since)
        .filter((r) => r.endpoint === "confirmation");
      // The 36 confirmed ones are daily: each is due once a day, at its phase; five minutes hold about 0.1 of them.
      expect(calls.length).toBeGreaterThanOrEqual(4);
      expect(calls.length).toBeLessThanOrEqual(6);
      for (const code of undecided) expect(calls.some((r) => r.path.endsWith(`/${code}`))).toBe(true);
      expect(next.sync.read).toBe(calls.length);
      // The index entries DynamoDB returned are those, not the 40 open ones.
      expect(counter.byCommand.get("QueryCommand")?.items).toBe(calls.length);

      // A run a day later reads each of them once. The 4 undecided ones, a day old now, move from every run to
      // hourly as they are polled: the hourly query, made meanwhile, may return them again (not polled twice).
      counter.reset();
      const dayLater = await run({ outbound: false, clock: { now: () => new Date(t0 + DAY_MS + 10 * 60_000) } });
      expect(dayLater.sync).toMatchObject({ read: 40, polled: 40, moved: 4 });
      expect(counter.byCommand.get("QueryCommand")?.items).toBeGreaterThanOrEqual(40);
      expect(counter.byCommand.get("QueryCommand")?.items).toBeLessThanOrEqual(44);
    });
  });

  it("logs one line per run and writes a few EMF lines, whatever the number of AX orders polled unchanged", async () => {
    for (let i = 0; i < 20; i++) await place();
    await run({ outbound: false });
    const written: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    });
    logger.setLogLevel("INFO");
    const observed = async (orders: number) => {
      written.length = 0;
      const axMetrics = emfMetrics(new Metrics({ namespace: "Test", serviceName: SERVICE_NAME }), { batched: true });
      const deps = runDeps({ outbound: false });
      const counting: AxConfirmationReader = {
        getConfirmation: async (type, code) => {
          const started = performance.now();
          try {
            return await ax.getConfirmation(type, code);
          } finally {
            axMetrics.axCalled({
              endpoint: "confirmation",
              status: 200,
              outcome: "ok",
              durationMs: performance.now() - started,
            });
          }
        },
      };
      const report = await createSyncStatusesHandler(
        { ...deps, sync: { ...deps.sync, ax: counting } },
        emfSyncMetrics(new Metrics({ namespace: "Test", serviceName: SERVICE_NAME }), axMetrics),
      )();
      expect(report.sync).toMatchObject({ polled: orders, unchanged: orders });
      return {
        lines: written.length,
        bytes: written.reduce((sum, line) => sum + line.length + 1, 0),
        text: [...written],
      };
    };
    try {
      const forty = await observed(40);
      for (let i = 0; i < 20; i++) await place();
      const eighty = await observed(80);
      // One log line for the run, one EMF line of its counts, one of its AX calls, one of their latencies.
      expect(forty.lines).toBe(4);
      expect(eighty.lines).toBe(4);
      expect(forty.text.filter((line) => line.includes('"message"'))).toEqual([
        expect.stringContaining('"message":"status sync run"'),
      ]);
      // What grows with the polls is the sample of latencies (at most 100 values): a few bytes each, no line.
      expect((eighty.bytes - forty.bytes) / 40).toBeLessThan(12);
      expect(eighty.bytes).toBeLessThan(3_000);
    } finally {
      logger.setLogLevel("SILENT");
      write.mockRestore();
    }
  });

  it("moves AX orders written before the due index into it, and polls them", async () => {
    const { orderId, tour, day } = await place();
    // As an AX order item was written before issue 21: in `openOrders` (open_shard, next_sync_at), not in `syncDue`.
    for (const itemId of [`${orderId}-1`, `${orderId}-2`]) {
      const key = { pk: orderPk(orderId), sk: axOrderSk(itemId) };
      const { Item } = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: key }));
      const { sync_due: _due, sync_phase: _phase, ...legacy } = Item ?? {};
      await table.doc.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { ...legacy, open_shard: "OPEN#1", next_sync_at: String(legacy.updated_at) },
        }),
      );
    }
    sandbox.setOrderStatus(tour, "Supplier confirm");
    const first = await run({ outbound: false });
    expect(first.sync).toMatchObject({ migrated: 2, polled: 2, changed: 1, unchanged: 1 });
    for (const itemId of [`${orderId}-1`, `${orderId}-2`]) {
      const { Item } = await table.doc.send(
        new GetCommand({ TableName: table.tableName, Key: { pk: orderPk(orderId), sk: axOrderSk(itemId) } }),
      );
      expect(Item).not.toHaveProperty("open_shard");
      expect(Item).not.toHaveProperty("next_sync_at");
      expect(Item?.sync_due).toMatch(/^[RD]#\d$/);
    }
    const since = sandbox.requests().length;
    expect((await run({ outbound: false })).sync).toMatchObject({ migrated: 0, polled: 1 });
    expect(confirmationCallsFor([day], since)).toHaveLength(1);
  });

  it("a round cut short by the budget goes on where it stopped: every AX order once before any twice", async () => {
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
    const firstRound = calls.slice(0, 20);
    expect(new Set(firstRound).size).toBe(20);
    const secondRound = calls.slice(20, 40);
    expect(new Set(secondRound).size).toBe(20);
    // The second round goes in the same order as the first: the phases' order, not rewritten by the polls.
    expect(secondRound).toEqual(firstRound);
  });

  it("stops starting calls when AX throttles, and the throttled orders stay first in line", async () => {
    const { tour, day } = await place();
    await place();
    sandbox.injectFault({ endpoint: "confirmation", kind: "status", status: 429 });
    let since = sandbox.requests().length;
    const throttled = await run({ concurrency: 1 });
    expect(throttled.sync).toMatchObject({ polled: 1, failed: 1, due_left: true, stopped_by: "ax_throttled" });
    expect(throttled.sync.errors[0]?.reason).toBe("ax_throttled");
    const throttledPath = sandbox.requests().slice(since)[0]?.path;

    sandbox.clearFaults();
    sandbox.setOrderStatus(tour, "Supplier confirm");
    sandbox.setOrderStatus(day, "Supplier pending");
    since = sandbox.requests().length;
    const next = await run({ concurrency: 1 });
    expect(next.sync).toMatchObject({ polled: 4, changed: 2, due_left: false });
    // The run AX stopped saved no progress: the next one starts with the AX order that was throttled.
    expect(sandbox.requests().slice(since)[0]?.path).toBe(throttledPath);
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

  it("an AX order leaves the sync when its use date and grace passed; poll again (admin API, CLI) brings it back", async () => {
    const { orderId, tour } = await place();
    const tourItem = `${orderId}-1`;
    sandbox.setOrderStatus(tour, "Supplier confirm");
    await run({ outbound: false });
    const { axOrders } = await store.load(orderId);
    const useDate = Date.parse(axOrders.find((o) => o.item_id === tourItem)?.inventory_at ?? "");
    const grace = DEFAULT_SYNC_SETTINGS.graceMs;
    const item = async () =>
      (
        await table.doc.send(
          new GetCommand({ TableName: table.tableName, Key: { pk: orderPk(orderId), sk: axOrderSk(tourItem) } }),
        )
      ).Item;

    // Within the grace it is still polled (daily: a run two days after the last one reads each daily one once).
    let since = sandbox.requests().length;
    const withinGrace = { now: () => new Date(useDate + grace - 3_600_000) };
    expect((await run({ outbound: false, clock: withinGrace })).sync).toMatchObject({ left: 0 });
    expect(confirmationCallsFor([tour], since)).toHaveLength(1);
    expect(await item()).toHaveProperty("sync_due");

    // Its first turn after the grace: polled one last time, then out of the index, with when and why (the day
    // ticket too, never decided by its supplier: its use date is a day later, its grace passed as well).
    const afterGrace = new Date(useDate + grace + 2 * DAY_MS);
    since = sandbox.requests().length;
    const leaving = await run({ outbound: false, clock: { now: () => afterGrace } });
    expect(leaving.sync).toMatchObject({ polled: 2, unchanged: 2, left: 2 });
    const left = await item();
    expect(left).not.toHaveProperty("sync_due");
    expect(left).not.toHaveProperty("sync_phase");
    expect(left?.sync_left).toEqual({ at: afterGrace.toISOString(), reason: "past_use_date" });

    // A change in AX after that is not read: nothing polls it any more.
    sandbox.setOrderStatus(tour, "Unavoidable cancel", "Refunded after the fact");
    since = sandbox.requests().length;
    const later = { now: () => new Date(afterGrace.getTime() + 3 * DAY_MS) };
    expect((await run({ outbound: false, clock: later })).sync.polled).toBe(0);
    expect(confirmationCallsFor([tour], since)).toHaveLength(0);

    // The operators' console and API show it stopped, and offer "poll again" (audited under the token's name).
    const queue = new LocalFifoQueue({ handler: () => Promise.resolve({ batchItemFailures: [] }) });
    const config = readConfig({ TABLE_NAME: table.tableName, AWS_ENDPOINT_URL_DYNAMODB: table.endpoint });
    const gateway = await startHttpGateway(
      localAdminRoutes({
        config,
        clientConfig: localClientConfig(table.endpoint),
        queue,
        adminTokens: "carol:carol-token-0123456789",
        log: () => undefined,
      }),
      0,
      { adminToken: "carol-token-0123456789" },
    );
    const admin = async (method: string, path: string) => {
      const answer = await fetch(`${gateway.url}/admin${path}`, {
        method,
        headers: { authorization: "Bearer carol-token-0123456789" },
      });
      return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
    };
    try {
      const detail = await admin("GET", `/orders/${orderId}`);
      const axView = (detail.body.ax_orders as { item_id: string; sync: unknown }[]).find(
        (o) => o.item_id === tourItem,
      );
      expect(axView?.sync).toEqual({ state: "stopped", left_at: afterGrace.toISOString(), reason: "past_use_date" });

      const again = await admin("POST", `/orders/${orderId}/ax-orders/${tourItem}/poll-again`);
      expect(again.status).toBe(200);
      expect(String(again.body.message)).toContain("polled by the next status sync run");
      const audit = (await admin("GET", "/audit?limit=100")).body.items as { actor: string; action: string }[];
      expect(audit).toContainEqual(expect.objectContaining({ actor: "carol", action: "poll_again" }));
      expect(await item()).not.toHaveProperty("sync_left");

      // The next run asks AX and records the supplier's late cancellation: a final status, out of the sync for good.
      since = sandbox.requests().length;
      const back = await run({ outbound: false, clock: { now: () => new Date(Date.now() + 60_000) } });
      expect(back.sync).toMatchObject({ polled: 1, changed: 1 });
      expect(confirmationCallsFor([tour], since)).toHaveLength(1);
      const finalView = (await view(orderId)).ax_orders.find((o) => o.item_id === tourItem);
      expect(finalView?.ax_order_status).toBe("Unavoidable cancel");
      expect(await item()).not.toHaveProperty("sync_due");
      // A final status cannot be polled again: 409, said plainly.
      const refused = await admin("POST", `/orders/${orderId}/ax-orders/${tourItem}/poll-again`);
      expect(refused.status).toBe(409);
      expect(String(refused.body.message)).toContain("final status");
      expect((await admin("POST", `/orders/${orderId}/ax-orders/nope/poll-again`)).status).toBe(404);
    } finally {
      await queue.stop();
      gateway.server.close();
    }

    // The CLI runs the same use case: the day-ticket item, confirmed, past its grace too.
    const dayItem = `${orderId}-2`;
    const lines: string[] = [];
    const code = await runCli(["orders", "poll-again", orderId, dayItem], (line) => lines.push(line), {
      TABLE_NAME: table.tableName,
      AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
      ADMIN_ACTOR: "cli:dave",
    });
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/is polled by the next status sync run, and kept in the sync until /);
    const dayItemNow = (
      await table.doc.send(
        new GetCommand({ TableName: table.tableName, Key: { pk: orderPk(orderId), sk: axOrderSk(dayItem) } }),
      )
    ).Item;
    expect(dayItemNow?.sync_due).toMatch(/^R#\d$/);
    expect(Date.parse(String(dayItemNow?.sync_until)) - Date.now()).toBeGreaterThan(grace - 60_000);
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
