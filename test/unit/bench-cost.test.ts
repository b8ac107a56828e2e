// The benchmark's cost model (scripts/bench/cost.ts): the status sync's work follows the AX orders open, which stop
// growing once the first orders' use dates and grace have passed, not the orders ever taken (issue 21's "time bomb").
import { describe, expect, it } from "vitest";
import {
  DEFAULT_MODEL,
  monthActivity,
  monthCost,
  steadyPopulation,
  type MeasuredCosts,
} from "../../scripts/bench/cost";

/** Per-unit figures of the order of what `npm run bench` measures. */
const MEASURED: MeasuredCosts = {
  service: {
    region: "ap-northeast-2",
    runtime: "nodejs22.x",
    architecture: "arm64",
    memoryMb: { receiveWebhook: 512, processEvent: 512, forwardEvents: 256, syncStatuses: 512, sweepEvents: 256 },
  },
  receiver: { billedMs: 7, wcu: 4, rcu: 0, logBytes: 810 },
  placement: { billedMs: 53, wcu: 18, rcu: 1, logBytes: 2_500 },
  cancellation: { billedMs: 34, wcu: 14, rcu: 2, logBytes: 2_000 },
  forwarder: { billedMs: 4, logBytes: 230 },
  sync: {
    rcuPerItem: 0.04,
    idleRcu: 0.5,
    queriesPerRun: 12,
    idleWcu: 1,
    idleBilledMs: 40,
    idleLogBytes: 1_100,
    changeWcu: 9,
    deliveryWcu: 5,
    changeLogBytes: 2_700,
    moveWcu: 3,
    leaveWcu: 2,
  },
  storage: {
    placement: { kept: 2_400, expiring: { "90": 5_000 } },
    cancellation: { kept: 200, expiring: { "90": 2_000 } },
    change: { kept: 60, expiring: { "90": 1_000 } },
  },
};

describe("the cost model of a million orders a month", () => {
  it("keeps about as many AX orders in the sync as stay open, whatever the month", () => {
    const steady = steadyPopulation(DEFAULT_MODEL);
    // One AX order per order, open from its creation to its use date (1–60 days ahead) plus a 3-day grace.
    const perDay = DEFAULT_MODEL.ordersPerMonth / 30.4375;
    expect(steady.open).toBeGreaterThan(perDay * 30);
    expect(steady.open).toBeLessThan(perDay * 40);
    expect(Object.values(steady.shares).reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 9);
    // (The months are counted in half-day cohorts: a percent or two apart.)
    for (const month of [4, 6, 12])
      expect(Math.abs(monthActivity(DEFAULT_MODEL, month).openAtEnd / steady.open - 1)).toBeLessThan(0.03);
  });

  it("polls no more in month 12 than once the first orders have left (month 3 on)", () => {
    const polls = [1, 3, 6, 12].map((month) => monthActivity(DEFAULT_MODEL, month).polls);
    const [first, third, sixth, twelfth] = polls as [number, number, number, number];
    expect(first).toBeLessThan(third);
    expect(twelfth / sixth).toBeCloseTo(1, 2);
    expect(twelfth / third).toBeLessThan(1.05);
    // Every AX order leaves (after its use date and grace) or reaches a final status: the leaves catch up with the
    // orders taken.
    const year = monthActivity(DEFAULT_MODEL, 12);
    expect(year.leaves).toBeGreaterThan(0.95 * DEFAULT_MODEL.ordersPerMonth * (DEFAULT_MODEL.neverShare + 0.95));
  });

  it("prices the month's work about the same in month 12 as in month 1; only storage grows", () => {
    const [first, last] = [1, 12].map((month) => monthCost(MEASURED, DEFAULT_MODEL, month)) as [
      ReturnType<typeof monthCost>,
      ReturnType<typeof monthCost>,
    ];
    expect(last.workTotal / first.workTotal).toBeLessThan(1.2);
    const line = (month: typeof first, item: string) => month.table.lines.find((entry) => entry.item.includes(item));
    expect(line(last, "storage")?.usd ?? 0).toBeGreaterThan(5 * (line(first, "storage")?.usd ?? Infinity));
    // What is kept for good counts for every month since it came (11.5 in month 12's mean); what expires after 90
    // days for about three.
    const gbMonths = (month: typeof first) => line(month, "storage")?.quantity ?? 0;
    const onlyKept = monthCost(
      { ...MEASURED, storage: { ...MEASURED.storage, placement: { kept: 2_400, expiring: {} } } },
      DEFAULT_MODEL,
      12,
    );
    expect((gbMonths(last) - gbMonths(onlyKept)) * 1024 ** 3).toBeCloseTo(1e6 * (90 / 30.4375) * 5_000, -6);
    expect(last.table.total).toBeCloseTo(
      last.table.lines.reduce((sum, entry) => sum + entry.usd, 0),
      6,
    );
  });
});
