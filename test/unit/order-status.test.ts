// The order status the read API shows, derived from the create calls, the AX orders and what was cancelled.
import { describe, expect, it } from "vitest";
import type { AxOrderRecord, OrderRecord } from "../../lib/orders/model";
import { newOrder, orderStatus, placementState } from "../../lib/orders/order-state";

const order = (patch: Partial<OrderRecord> = {}): OrderRecord => ({
  ...newOrder("O-1", new Date("2026-01-01T00:00:00Z")),
  items: [
    { item_id: "O-1-1", ticket_ids: ["O-1-1-1", "O-1-1-2"] },
    { item_id: "O-1-2", ticket_ids: ["O-1-2-1"] },
  ],
  placed_by: "msg_1",
  events: { msg_1: { type: "order.placed", status: "applied", received_at: "2026-01-01T00:00:00Z" } },
  create_calls: {
    tour: { state: "created", attempt_id: "a", started_at: "2026-01-01T00:00:00Z", item_ids: ["O-1-1"] },
    "day-ticket": { state: "created", attempt_id: "b", started_at: "2026-01-01T00:00:00Z", item_ids: ["O-1-2"] },
  },
  ...patch,
});

const axOrder = (itemId: string, status: string, tickets: string[]): AxOrderRecord => ({
  order_id: "O-1",
  item_id: itemId,
  product_type: "tour",
  mapping_code: "m",
  option_code: "o",
  inventory_at: "2026-12-24T09:00:00Z",
  quantity: tickets.length,
  ax_order_code: `ax-${itemId}`,
  ax_order_status: status,
  tickets: tickets.map((s, n) => ({ ticket_id: `${itemId}-${n + 1}`, ax_ticket_code: `t-${n}`, ax_ticket_status: s })),
  history: [],
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
});

describe("orderStatus", () => {
  it("placed when every create went through and nothing is cancelled", () => {
    expect(orderStatus(order(), [axOrder("O-1-1", "New", ["New", "New"]), axOrder("O-1-2", "New", ["New"])])).toBe(
      "placed",
    );
  });

  it("pending, not placed, while one family's AX order is missing (its create is still being retried)", () => {
    const tourOnly = order({
      create_calls: {
        tour: { state: "created", attempt_id: "a", started_at: "2026-01-01T00:00:00Z", item_ids: ["O-1-1"] },
      },
    });
    expect(orderStatus(tourOnly, [axOrder("O-1-1", "New", ["New", "New"])])).toBe("pending");
    // Both calls recorded as created but one AX order not written: still not placed.
    expect(orderStatus(order(), [axOrder("O-1-1", "New", ["New", "New"])])).toBe("pending");
  });

  it("partially_cancelled after one ticket, cancelled once every item is", () => {
    const one = axOrder("O-1-2", "New", ["New"]);
    expect(orderStatus(order(), [axOrder("O-1-1", "New", ["New", "Traveler canceled"]), one])).toBe(
      "partially_cancelled",
    );
    expect(
      orderStatus(order(), [axOrder("O-1-1", "Traveler cancel", ["Traveler canceled", "Traveler canceled"]), one]),
    ).toBe("partially_cancelled");
    expect(
      orderStatus(order(), [
        axOrder("O-1-1", "Unavoidable cancel", ["Traveler canceled", "Traveler canceled"]),
        axOrder("O-1-2", "New", ["Traveler canceled"]),
      ]),
    ).toBe("cancelled");
  });

  it("uncertain wins while a create's outcome is unknown", () => {
    const calls = order().create_calls;
    const uncertain = order({
      create_calls: { ...calls, tour: { state: "uncertain", attempt_id: "a", started_at: "x", item_ids: [] } },
    });
    expect(orderStatus(uncertain, [axOrder("O-1-2", "Traveler cancel", ["Traveler canceled"])])).toBe("uncertain");
  });

  it("failed when AX refused part of the placement, cancelled once the rest is cancelled and the refused part recorded", () => {
    const calls = order().create_calls;
    const failed = order({
      create_calls: { ...calls, tour: { state: "failed", attempt_id: "a", started_at: "x", item_ids: ["O-1-1"] } },
    });
    expect(orderStatus(failed, [axOrder("O-1-2", "New", ["New"])])).toBe("failed");
    const recorded = { ...failed, cancelled_before_ax: { items: ["O-1-1"], tickets: [] } };
    expect(orderStatus(recorded, [axOrder("O-1-2", "Traveler cancel", ["Traveler canceled"])])).toBe("cancelled");
  });

  it("pending before anything was applied", () => {
    expect(orderStatus(newOrder("O-2", new Date()), [])).toBe("pending");
  });
});

describe("placementState", () => {
  it("tells a cancellation whether it can be applied now", () => {
    expect(placementState(undefined)).toBe("absent");
    expect(placementState(newOrder("O-2", new Date()))).toBe("absent");
    expect(placementState(order())).toBe("settled");
    const calls = order().create_calls;
    expect(
      placementState(
        order({
          create_calls: { ...calls, tour: { state: "pending", attempt_id: "a", started_at: "x", item_ids: [] } },
        }),
      ),
    ).toBe("in_progress");
    expect(
      placementState(
        order({
          create_calls: { ...calls, tour: { state: "uncertain", attempt_id: "a", started_at: "x", item_ids: [] } },
        }),
      ),
    ).toBe("uncertain");
  });
});
