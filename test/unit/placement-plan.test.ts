// The placement's plan, item by item, from what is booked: pure, no network.
import { describe, expect, it } from "vitest";
import type { ResolvedProduct } from "../../lib/ax/translate";
import { parseChannelEvent, type OrderPlacedEvent } from "../../lib/channel/schemas";
import type { AxOrderRecord, CreateAnswer, CreateCall, OrderRecord } from "../../lib/orders/model";
import { classifyItems, planPlacement, settleOpenCalls } from "../../lib/orders/placement-plan";
import { retryWhileUnavailable } from "../../lib/orders/store-retry";
import { StoreUnavailableError } from "../../lib/orders/ports";
import { sampleOrderPlaced } from "../../local/samples";

const ID = "O-1";
const parsed = parseChannelEvent(sampleOrderPlaced(ID));
if (!parsed.ok) throw new Error("the sample does not parse");
const data = (parsed.event as OrderPlacedEvent).data;
const tour: ResolvedProduct = { product_type: "tour", mapping_code: "m-t", option_code: "o-t" };
const day: ResolvedProduct = { product_type: "day-ticket", mapping_code: "m-d", option_code: "o-d" };

const call = (state: CreateCall["state"], itemIds: string[], startedAt = "2026-01-01T00:00:00.000Z"): CreateCall => ({
  state,
  attempt_id: `a-${state}-${itemIds.join("-")}`,
  started_at: startedAt,
  item_ids: itemIds,
});

function order(createCalls: OrderRecord["create_calls"], extra: Partial<OrderRecord> = {}): OrderRecord {
  return {
    order_id: ID,
    status: "pending",
    version: 3,
    create_calls: createCalls,
    items: data.items.map((item) => ({ item_id: item.item_id, ticket_ids: [] })),
    events: {},
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    ...extra,
  };
}

const axOrder = (itemId: string, type: "tour" | "day-ticket"): AxOrderRecord => ({
  order_id: ID,
  item_id: itemId,
  product_type: type,
  mapping_code: "",
  option_code: "",
  inventory_at: "",
  quantity: 1,
  ax_order_code: `AX-${itemId}`,
  ax_order_status: "New",
  tickets: [],
  history: [],
  created_at: "",
  updated_at: "",
});

describe("the placement's plan", () => {
  it("never plans an item that has an AX order, whatever its mapping says now", () => {
    // The tour item is booked; its sku now maps to the day-ticket family, where the refused item waits.
    const record = order({ tour: call("created", [`${ID}-1`]), "day-ticket": call("failed", [`${ID}-2`]) });
    const classes = classifyItems(record, [axOrder(`${ID}-1`, "tour")], true);
    expect(classes.toPlan).toEqual([`${ID}-2`]);
    const plan = planPlacement(data, record, classes, new Map([[`${ID}-2`, day]]));
    expect(plan.calls.map((c) => [c.product_type, c.items.map((i) => i.item_id)])).toEqual([
      ["day-ticket", [`${ID}-2`]],
    ]);
  });

  it("keeps a refused create refused unless the event is replayed", () => {
    const record = order({ tour: call("created", [`${ID}-1`]), "day-ticket": call("failed", [`${ID}-2`]) });
    const classes = classifyItems(record, [axOrder(`${ID}-1`, "tour")], false);
    expect(classes.toPlan).toEqual([]);
    expect([...classes.refused.keys()]).toEqual([`${ID}-2`]);
  });

  it("books items under a pending or uncertain create even without an AX order, and holds new items of that family", () => {
    const record = order({ tour: call("uncertain", [`${ID}-1`]), "day-ticket": call("failed", [`${ID}-2`]) });
    const classes = classifyItems(record, [], true);
    expect(classes.booked.get(`${ID}-1`)).toMatchObject({ state: "uncertain", product_type: "tour" });
    // The refused day ticket, moved to the tour family by a mapping edit, waits for the uncertain tour.
    const plan = planPlacement(data, record, classes, new Map([[`${ID}-2`, tour]]));
    expect(plan.calls).toEqual([]);
    expect(plan.held).toEqual([{ product_type: "tour", item_ids: [`${ID}-2`], behind: "uncertain" }]);
  });

  it("drops a refused create's record once its items are planned in another family", () => {
    const record = order({ tour: call("created", [`${ID}-1`]), "day-ticket": call("failed", [`${ID}-2`]) });
    const classes = classifyItems(record, [axOrder(`${ID}-1`, "tour")], true);
    const plan = planPlacement(data, record, classes, new Map([[`${ID}-2`, tour]]));
    expect(plan.calls.map((c) => c.product_type)).toEqual(["tour"]);
    expect(plan.dropCalls).toEqual(["day-ticket"]);
  });

  it("gives a call planned beside booked items the share of the order's figures it had in the first placement", () => {
    const first = planPlacement(
      data,
      order({}),
      classifyItems(order({}), [], false),
      new Map([
        [`${ID}-1`, tour],
        [`${ID}-2`, day],
      ]),
    );
    const record = order({ tour: call("created", [`${ID}-1`]), "day-ticket": call("failed", [`${ID}-2`]) });
    const again = planPlacement(
      data,
      record,
      classifyItems(record, [axOrder(`${ID}-1`, "tour")], true),
      new Map([[`${ID}-2`, tour]]),
    );
    const day2 = first.calls.find((c) => c.product_type === "day-ticket")?.request.order;
    const moved = again.calls[0]?.request.order;
    expect([moved?.sub_total, moved?.discount, moved?.total]).toEqual([day2?.sub_total, day2?.discount, day2?.total]);
  });
});

describe("calls left open by an earlier attempt", () => {
  const now = new Date("2026-01-01T00:01:00.000Z");
  const answer = (outcome: CreateAnswer["outcome"], attemptId: string): CreateAnswer => ({
    order_id: ID,
    product_type: "tour",
    attempt_id: attemptId,
    outcome,
    ...(outcome === "created" ? { ax_orders: [axOrder(`${ID}-1`, "tour")] } : {}),
    answered_at: "2026-01-01T00:00:01.000Z",
  });

  it("waits for a pending call inside its lease", () => {
    const record = order({ tour: call("pending", [`${ID}-1`], "2026-01-01T00:00:30.000Z") });
    expect(settleOpenCalls(record, [], now, 60_000).inProgress).toBe("tour");
  });

  it("completes a pending call past its lease from AX's kept answer, and calls it uncertain only without one", () => {
    const pending = call("pending", [`${ID}-1`]);
    const record = order({ tour: pending });
    const completed = settleOpenCalls(record, [answer("created", pending.attempt_id)], now, 30_000);
    expect(completed.order.create_calls.tour?.state).toBe("created");
    expect(completed.created.map((o) => o.ax_order_code)).toEqual([`AX-${ID}-1`]);
    expect(completed.answersRecorded).toEqual([pending.attempt_id]);
    expect(settleOpenCalls(record, [answer("not_sent", pending.attempt_id)], now, 30_000).order.create_calls.tour).toBe(
      undefined,
    );
    // Another attempt's answer does not count.
    expect(settleOpenCalls(record, [answer("created", "other")], now, 30_000).order.create_calls.tour?.state).toBe(
      "uncertain",
    );
  });

  it("completes an uncertain call whose answer arrived after all", () => {
    const uncertain = call("uncertain", [`${ID}-1`]);
    const settled = settleOpenCalls(order({ tour: uncertain }), [answer("created", uncertain.attempt_id)], now, 30_000);
    expect(settled.order.create_calls.tour?.state).toBe("created");
  });
});

describe("retrying what DynamoDB did not confirm", () => {
  it("retries with backoff until it works, and gives up at the deadline with the last error", async () => {
    let now = 0;
    const clock = { now: () => new Date(now) };
    const sleep = (ms: number) => {
      now += ms;
      return Promise.resolve();
    };
    let calls = 0;
    const flaky = () => (++calls < 3 ? Promise.reject(new StoreUnavailableError("a write")) : Promise.resolve("ok"));
    expect(await retryWhileUnavailable(flaky, { clock, sleep, deadline: 10_000, random: () => 1 })).toBe("ok");
    expect([calls, now]).toEqual([3, 300]); // 100 ms, then 200 ms
    const down = () => Promise.reject(new StoreUnavailableError("a write"));
    await expect(retryWhileUnavailable(down, { clock, sleep, deadline: now + 1_000, random: () => 1 })).rejects.toThrow(
      StoreUnavailableError,
    );
    // Anything else is not retried.
    await expect(
      retryWhileUnavailable(() => Promise.reject(new Error("a bug")), { clock, sleep, deadline: Infinity }),
    ).rejects.toThrow("a bug");
  });
});
