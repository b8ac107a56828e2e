// The pure parts of the status sync and the outbox: when an AX order is polled again, the retry schedule, the
// notification's payload, the bounded pool, the settings.
import { describe, expect, it } from "vitest";
import type { SyncRunReport } from "../../functions/sync-statuses";
import { readConfig } from "../../lib/config";
import { forEachBounded } from "../../lib/orders/bounded-pool";
import type { AxOrderRecord } from "../../lib/orders/model";
import { RETRY_MAX_DELAY_MS, retryDelayMs, statusChangedNotification } from "../../lib/orders/notify";
import { nextSyncAt } from "../../lib/orders/sync-statuses";
import { mergeSorted } from "../../lib/store/status-sync-items";
import { startPeriodicSync } from "../../local/status-sync";

const axOrder = (over: Partial<AxOrderRecord> = {}): AxOrderRecord => ({
  order_id: "CH-1",
  item_id: "CH-1-1",
  product_type: "tour",
  mapping_code: "m",
  option_code: "o",
  inventory_at: "2026-12-24T09:00:00Z",
  quantity: 1,
  ax_order_code: "ax-1",
  ax_order_status: "New",
  tickets: [],
  history: [],
  created_at: "2026-11-23T09:00:00.000Z",
  updated_at: "2026-11-23T09:00:00.000Z",
  ...over,
});

describe("nextSyncAt", () => {
  const now = new Date("2026-11-23T10:00:00.000Z");

  it("polls an AX order the supplier has not decided on at every run", () => {
    expect(nextSyncAt(axOrder({ ax_order_status: "New" }), now, 3_600_000)).toBe(now.toISOString());
    expect(nextSyncAt(axOrder({ ax_order_status: "Supplier pending" }), now, 3_600_000)).toBe(now.toISOString());
  });

  it("polls a confirmed one after the confirmed interval", () => {
    expect(nextSyncAt(axOrder({ ax_order_status: "Supplier confirm" }), now, 3_600_000)).toBe(
      "2026-11-23T11:00:00.000Z",
    );
  });

  it("polls once a day after the use date", () => {
    const past = axOrder({ ax_order_status: "Supplier confirm", inventory_at: "2026-11-01T00:00:00Z" });
    expect(nextSyncAt(past, now, 60_000)).toBe("2026-11-24T10:00:00.000Z");
  });
});

describe("retryDelayMs", () => {
  it("doubles from one minute and stops at six hours", () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(retryDelayMs(20)).toBe(RETRY_MAX_DELAY_MS);
  });

  it("gives up after 12 attempts about 20 hours after the first (the default)", () => {
    const total = Array.from({ length: 11 }, (_, i) => retryDelayMs(i + 1)).reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeGreaterThan(18);
    expect(total / 3_600_000).toBeLessThan(24);
  });
});

describe("statusChangedNotification", () => {
  it("writes the exact body every attempt sends, with AX's comment", () => {
    const changed = axOrder({ ax_order_status: "Supplier reject" });
    const n = statusChangedNotification({
      id: "msg_1",
      at: "2026-11-23T10:00:00.000Z",
      orderStatus: "placed",
      axOrder: changed,
      from: "New",
      comment: "sold out",
    });
    expect(n).toMatchObject({ id: "msg_1", status: "pending", attempts: 0, next_attempt_at: n.created_at });
    expect(JSON.parse(n.body)).toEqual({
      type: "order.status_changed",
      timestamp: "2026-11-23T10:00:00.000Z",
      data: {
        order_id: "CH-1",
        order_status: "placed",
        item_id: "CH-1-1",
        product_type: "tour",
        ax_order_code: "ax-1",
        previous_ax_order_status: "New",
        ax_order_status: "Supplier reject",
        comment: "sold out",
        changed_at: "2026-11-23T10:00:00.000Z",
      },
    });
  });

  it("leaves the comment out when AX has none", () => {
    const n = statusChangedNotification({
      id: "msg_2",
      at: "2026-11-23T10:00:00.000Z",
      orderStatus: "placed",
      axOrder: axOrder({ ax_order_status: "Supplier confirm" }),
      from: "New",
      comment: undefined,
    });
    expect(JSON.parse(n.body)).not.toHaveProperty("data.comment");
  });
});

async function* numbers(count: number) {
  for (let i = 0; i < count; i++) {
    await Promise.resolve();
    yield i;
  }
}

describe("forEachBounded", () => {
  it("never has more than `concurrency` items in flight, and takes every item", async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    const outcome = await forEachBounded(numbers(50), { concurrency: 4, canStart: () => true }, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
      done.push(n);
    });
    expect(outcome).toEqual({ drained: true });
    expect(most).toBe(4);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("starts nothing once told to stop, lets started items finish, and says items were left", async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const outcome = await forEachBounded(
      numbers(50),
      { concurrency: 3, canStart: () => started.length < 7 },
      async (n) => {
        started.push(n);
        await new Promise((resolve) => setTimeout(resolve, 2));
        finished.push(n);
      },
    );
    expect(started).toHaveLength(7);
    expect(finished).toHaveLength(7);
    expect(outcome).toEqual({ drained: false });
  });

  it("says drained when the budget ends exactly with the last item", async () => {
    let count = 0;
    const outcome = await forEachBounded(numbers(5), { concurrency: 2, canStart: () => count < 5 }, () => {
      count++;
      return Promise.resolve();
    });
    expect(outcome).toEqual({ drained: true });
  });
});

describe("mergeSorted", () => {
  it("merges paged, sorted shards into one stream, oldest first", async () => {
    const shard = (keys: string[], pageSize: number) => (start: Record<string, unknown> | undefined) => {
      const from = typeof start?.at === "number" ? start.at : 0;
      const items = keys.slice(from, from + pageSize).map((k) => ({ k }));
      const next = from + pageSize < keys.length ? { at: from + pageSize } : undefined;
      return Promise.resolve({ items, next });
    };
    const merged: string[] = [];
    for await (const item of mergeSorted(
      [shard(["a", "d", "e", "k"], 2), shard([], 2), shard(["b", "c", "j"], 1), shard(["f", "g", "h", "i"], 3)],
      (item) => String(item.k),
    ))
      merged.push(String(item.k));
    expect(merged.join("")).toBe("abcdefghijk");
  });
});

describe("settings", () => {
  it("has defaults for the sync and no outbound webhook unless one is set", () => {
    const config = readConfig({});
    expect(config.syncBudgetMs).toBe(60_000);
    expect(config.syncConcurrency).toBe(8);
    expect(config.syncConfirmedIntervalMs).toBe(3_600_000);
    expect(config.outboundWebhookUrl).toBeUndefined();
    expect(config.outboundWebhookMaxAttempts).toBe(12);
  });

  it("refuses a bad outbound URL or budget by name", () => {
    expect(() => readConfig({ OUTBOUND_WEBHOOK_URL: "ftp://x" }).outboundWebhookUrl).toThrow(/OUTBOUND_WEBHOOK_URL/);
    expect(() => readConfig({ SYNC_BUDGET_MS: "soon" }).syncBudgetMs).toThrow(/SYNC_BUDGET_MS/);
    expect(readConfig({ SYNC_INTERVAL_MS: "0" }).localSyncIntervalMs).toBe(0);
  });
});

describe("the local stack's periodic sync", () => {
  const report = (): SyncRunReport => ({
    sync: {
      started_at: new Date().toISOString(),
      polled: 0,
      changed: 0,
      unchanged: 0,
      skipped: 0,
      failed: 0,
      notifications: 0,
      due_left: false,
      errors: [],
    },
  });

  it("runs every interval, never two runs at once (on demand included), and not after stop", async () => {
    let running = 0;
    let overlapped = false;
    let runs = 0;
    const lines: string[] = [];
    const sync = startPeriodicSync(
      async () => {
        overlapped ||= running > 0;
        running++;
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        if (runs === 2) throw new Error("AX is down");
        return report();
      },
      10,
      (line) => lines.push(line),
    );
    await Promise.all([sync.runNow(), sync.runNow()]).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await sync.stop();
    const atStop = runs;
    expect(atStop).toBeGreaterThanOrEqual(4);
    expect(overlapped).toBe(false);
    expect(lines).toEqual([]); // the failure was the on-demand run's: its caller got it
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(runs).toBe(atStop);
  });
});
