// The pure parts of the status sync and the outbox: when an AX order is polled and when it leaves the sync (its
// cadence, its phase, the windows a run reads), the retry schedule, the notification's payload, the bounded pool,
// the settings.
import { describe, expect, it } from "vitest";
import type { SyncRunReport } from "../../functions/sync-statuses";
import { readConfig } from "../../lib/config";
import { forEachBounded } from "../../lib/orders/bounded-pool";
import type { AxOrderRecord } from "../../lib/orders/model";
import { RETRY_MAX_DELAY_MS, retryDelayMs, statusChangedNotification } from "../../lib/orders/notify";
import {
  DAY_MS,
  DEFAULT_SYNC_SETTINGS,
  PHASE_SPACE,
  phaseAt,
  placeAfterPoll,
  syncPhase,
  syncPlace,
  windowRanges,
  type PhaseRange,
} from "../../lib/orders/sync-schedule";
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

describe("the status sync's schedule", () => {
  const settings = DEFAULT_SYNC_SETTINGS;
  const use = Date.parse("2026-12-24T09:00:00Z");
  const at = (iso: string) => Date.parse(iso);

  it("an AX order recorded without a use date leaves a year after it was recorded, not never", () => {
    const unknown = axOrder({ ax_order_status: "Supplier confirm", inventory_at: "" });
    const recorded = Date.parse(unknown.created_at);
    expect(syncPlace(unknown, recorded + 300 * DAY_MS, settings)).toEqual({ cadence: "daily" });
    expect(syncPlace(unknown, recorded + 365 * DAY_MS + settings.graceMs, settings)).toEqual({
      leave: "past_use_date",
    });
  });

  it("an operator's poll again not yet served keeps the AX order in every run, whoever writes it; the poll serves it", () => {
    const asked = axOrder({
      ax_order_status: "Supplier confirm",
      sync_until: "2026-12-30T09:00:00Z",
      sync_poll_asked: "2026-12-01T09:00:00Z",
    });
    expect(syncPlace(asked, at("2026-12-01T10:00:00Z"), settings)).toEqual({ cadence: "every_run" });
    expect(placeAfterPoll(asked, at("2026-12-01T10:00:00Z"), settings)).toEqual({ cadence: "daily" });
  });

  it("polls an AX order the supplier has not decided on at every run for a day, then hourly, until its grace ends", () => {
    const created = Date.parse(axOrder().created_at);
    for (const status of ["New", "Supplier pending"])
      expect(syncPlace(axOrder({ ax_order_status: status }), created + 3_600_000, settings)).toEqual({
        cadence: "every_run",
      });
    expect(syncPlace(axOrder(), created + settings.undecidedEveryRunMs, settings)).toEqual({ cadence: "every_run" });
    expect(syncPlace(axOrder(), created + settings.undecidedEveryRunMs + 1, settings)).toEqual({ cadence: "hourly" });
    expect(syncPlace(axOrder(), use + settings.graceMs - 1, settings)).toEqual({ cadence: "hourly" });
    expect(syncPlace(axOrder(), use + settings.graceMs, settings)).toEqual({ leave: "past_use_date" });
  });

  it("polls a confirmed one daily, at the confirmed interval in the days before its use date, daily again after", () => {
    const confirmed = axOrder({ ax_order_status: "Supplier confirm" });
    expect(syncPlace(confirmed, use - 10 * DAY_MS, settings)).toEqual({ cadence: "daily" });
    expect(syncPlace(confirmed, use - settings.nearUseDateMs, settings)).toEqual({ cadence: "hourly" });
    expect(syncPlace(confirmed, use - 1, settings)).toEqual({ cadence: "hourly" });
    expect(syncPlace(confirmed, use + 1, settings)).toEqual({ cadence: "daily" });
    expect(syncPlace(confirmed, use + settings.graceMs + 1, settings)).toEqual({ leave: "past_use_date" });
    // Polled daily, it moves to `near` a day early, so that its hourly polls start on time.
    expect(placeAfterPoll(confirmed, use - settings.nearUseDateMs - DAY_MS / 2, settings)).toEqual({
      cadence: "hourly",
    });
    expect(placeAfterPoll(confirmed, use - settings.nearUseDateMs - 2 * DAY_MS, settings)).toEqual({
      cadence: "daily",
    });
  });

  it("drops an AX order whose status is final or whose tickets are all used or cancelled", () => {
    const now = at("2026-11-23T10:00:00Z");
    for (const status of ["Supplier reject", "Traveler cancel", "Unavoidable cancel"])
      expect(syncPlace(axOrder({ ax_order_status: status }), now, settings)).toEqual({ leave: "final_status" });
    const tickets = (...statuses: string[]) =>
      statuses.map((status, i) => ({ ticket_id: `t${i}`, ax_ticket_code: `c${i}`, ax_ticket_status: status }));
    expect(syncPlace(axOrder({ tickets: tickets("Used", "Traveler canceled") }), now, settings)).toEqual({
      leave: "tickets_settled",
    });
    expect(syncPlace(axOrder({ tickets: tickets("Used", "New") }), now, settings)).toEqual({ cadence: "every_run" });
  });

  it("keeps an AX order an operator asked to poll again until then, whatever its use date and tickets", () => {
    const late = use + settings.graceMs + DAY_MS;
    const again = axOrder({ ax_order_status: "Supplier confirm", sync_until: new Date(late + DAY_MS).toISOString() });
    expect(syncPlace(again, late, settings)).toEqual({ cadence: "daily" });
    expect(syncPlace(again, late + DAY_MS, settings)).toEqual({ leave: "past_use_date" });
    // Still undecided: asked at every run for a day from the operator's request, as a new one would be.
    const undecided = { ...again, ax_order_status: "Supplier pending" };
    const asked = late + DAY_MS - settings.graceMs;
    expect(syncPlace(undecided, asked + 60_000, settings)).toEqual({ cadence: "every_run" });
    expect(syncPlace(undecided, asked + settings.undecidedEveryRunMs + 60_000, settings)).toEqual({
      cadence: "hourly",
    });
    // A final status is final, asked or not.
    expect(syncPlace({ ...again, ax_order_status: "Traveler cancel" }, late, settings)).toEqual({
      leave: "final_status",
    });
  });

  it("gives each AX order a fixed phase, spread evenly over the period", () => {
    expect(syncPhase("827c0381-f41c-492b-bb0b-88229ff4d2ee")).toBe(syncPhase("827c0381-f41c-492b-bb0b-88229ff4d2ee"));
    const phases = Array.from({ length: 4_000 }, (_, i) => syncPhase(`ax-${i}-${(i * 7919) % 1000}`));
    expect(new Set(phases).size).toBe(phases.length);
    expect(phases.every((phase) => Number.isInteger(phase) && phase >= 0 && phase < PHASE_SPACE)).toBe(true);
    // Each tenth of the circle holds about a tenth of them.
    const tenths = Array.from({ length: 10 }, (_, i) =>
      phases.filter((p) => p >= (i * PHASE_SPACE) / 10 && p < ((i + 1) * PHASE_SPACE) / 10),
    ).map((bucket) => bucket.length);
    for (const count of tenths) expect(Math.abs(count - 400)).toBeLessThan(80);
  });

  it("reads, over consecutive windows, every phase once per period, whatever the runs' timing", () => {
    const period = 3_600_000;
    const phases = Array.from({ length: 500 }, (_, i) => syncPhase(`code-${i}`));
    const inRanges = (phase: number, ranges: PhaseRange[]) => ranges.some((r) => r.from <= phase && phase <= r.to);
    // Runs at uneven moments over exactly two periods: each phase is read exactly twice.
    const start = Date.parse("2026-11-23T10:17:00Z");
    const moments = [start];
    for (let t = start; t < start + 2 * period;) {
      t = Math.min(start + 2 * period, t + 60_000 + ((t * 13) % 600_000));
      moments.push(t);
    }
    const seen = new Map<number, number>();
    for (let i = 1; i < moments.length; i++) {
      const ranges = windowRanges(moments[i - 1] ?? 0, moments[i] ?? 0, period);
      for (const phase of phases) if (inRanges(phase, ranges)) seen.set(phase, (seen.get(phase) ?? 0) + 1);
    }
    expect(phases.every((phase) => seen.get(phase) === 2)).toBe(true);
  });

  it("reads the whole circle once, from where the clock was, when a window spans a period or more", () => {
    const period = 3_600_000;
    const from = Date.parse("2026-11-23T10:30:00Z");
    const ranges = windowRanges(from, from + 5 * period, period);
    const start = phaseAt(from, period);
    expect(ranges).toEqual([
      { from: start + 1, to: PHASE_SPACE - 1 },
      { from: 0, to: start },
    ]);
    expect(windowRanges(from, from, period)).toEqual([]);
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
      read: 0,
      polled: 0,
      changed: 0,
      unchanged: 0,
      skipped: 0,
      failed: 0,
      notifications: 0,
      moved: 0,
      left: 0,
      migrated: 0,
      due_left: false,
      errors: [],
      changes: [],
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
