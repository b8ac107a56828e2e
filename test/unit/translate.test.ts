// The translation channel → AX, one test per rule of the contract's `order.placed` section.
import Big from "big.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseChannelEvent, type OrderPlacedEvent } from "../../lib/channel/schemas";
import type { CreateOrderResult } from "../../lib/ax/schemas";
import {
  UnmatchedResponseError,
  matchCreateResult,
  planCreates,
  splitProRata,
  toAxDateTime,
  type ResolvedProduct,
} from "../../lib/ax/translate";
import { sampleOrderPlaced, sampleUseDates } from "../../local/samples";

type Data = OrderPlacedEvent["data"];

function placed(mutate: (raw: ReturnType<typeof sampleOrderPlaced>["data"]) => void = () => undefined): Data {
  const raw = sampleOrderPlaced("CH-1");
  mutate(raw.data);
  const parsed = parseChannelEvent(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  if (parsed.event.type !== "order.placed") throw new Error("not placed");
  return parsed.event.data;
}

function productsOf(data: Data): Map<string, ResolvedProduct> {
  return new Map(data.items.flatMap((item) => (item.ax ? [[item.item_id, item.ax] as const] : [])));
}

describe("planCreates", () => {
  it("makes one AX create call per product family, in the order the families first appear", () => {
    const plans = planCreates(placed(), productsOf(placed()));
    expect(plans.map((plan) => plan.product_type)).toEqual(["tour", "day-ticket"]);
    expect(plans[0]?.request.options.map((option) => option.option_code)).toEqual([
      "d96b2ed4-12c5-4fb5-ae94-4f39b11ee980",
    ]);
  });

  it("puts items of one family into one call", () => {
    const data = placed((d) => {
      const second = d.items[1];
      if (second) second.ax = { ...second.ax, product_type: "tour" };
    });
    const plans = planCreates(data, productsOf(data));
    expect(plans).toHaveLength(1);
    expect(plans[0]?.request.options).toHaveLength(2);
  });

  it("sends a calendar date as midnight UTC and converts a datetime with offset to UTC", () => {
    const [tour, dayTicket] = planCreates(placed(), productsOf(placed()));
    const dates = sampleUseDates();
    // The sample's tour is at 18:00 in Seoul (+09:00), its day ticket a calendar date.
    expect(dates.tour).toMatch(/^\d{4}-\d{2}-\d{2}T18:00:00\+09:00$/);
    expect(tour?.request.options[0]?.inventory_at).toBe(`${dates.tour.slice(0, 10)}T09:00:00Z`);
    expect(dayTicket?.request.options[0]?.inventory_at).toBe(`${dates.dayTicket}T00:00:00Z`);
    expect(tour?.request.order.purchased_at).toBe("2026-11-23T08:59:41Z");
  });

  it("keeps the channel's ticket ids and generates {item_id}-{n} when none are given", () => {
    const [tour, dayTicket] = planCreates(placed(), productsOf(placed()));
    expect(tour?.request.options[0]?.tickets.map((t) => t.channel_code)).toEqual(["CH-1-1-1", "CH-1-1-2"]);
    expect(dayTicket?.request.options[0]?.tickets.map((t) => t.channel_code)).toEqual(["CH-1-2-1"]);
    expect(dayTicket?.items[0]?.ticket_ids).toEqual(["CH-1-2-1"]);
  });

  it("fills a traveler's missing fields from the representative, else from the purchaser", () => {
    const data = placed((d) => {
      Object.assign(d, { representative: { name: "Park Rep", phone: "01099998888" } });
    });
    const [tour] = planCreates(data, productsOf(data));
    const [first, second] = tour?.request.options[0]?.tickets ?? [];
    expect(first).toMatchObject({
      name: "Kim Minji",
      phone: "01099998888",
      national_code: "82",
      email: "minji@example.com",
    });
    expect(second).toMatchObject({ name: "Lee Jun", email: "jun@example.com", phone: "01099998888" });
  });

  it("uses the purchaser as representative when it is null, and completes a partial one from the purchaser", () => {
    const [tour] = planCreates(placed(), productsOf(placed()));
    expect(tour?.request.representative).toMatchObject({
      name: "Kim Minji",
      national_code: "82",
      phone: "01012345678",
      email: "minji@example.com",
    });
    const partial = placed((d) => {
      Object.assign(d, { representative: { name: "Park Rep" } });
    });
    expect(planCreates(partial, productsOf(partial))[0]?.request.representative).toMatchObject({
      name: "Park Rep",
      phone: "01012345678",
    });
  });

  it("sends the purchaser's note as purchaser.extra, \"\" when absent, and a traveler's note as the ticket's extra", () => {
    const [tour] = planCreates(placed(), productsOf(placed()));
    expect(tour?.request.purchaser.extra).toBe("Vegetarian meals");
    expect(tour?.request.purchaser.is_required_more_information).toBe(false);
    const withoutNote = placed((d) => {
      delete (d.purchaser as { note?: string }).note;
      const ticket = d.items[0]?.tickets?.[0];
      if (ticket) Object.assign(ticket.traveler, { note: "wheelchair" });
    });
    const [plan] = planCreates(withoutNote, productsOf(withoutNote));
    expect(plan?.request.purchaser.extra).toBe("");
    expect(plan?.request.options[0]?.tickets[0]?.extra).toBe("wheelchair");
  });

  it("sends both channel_order_id and channel_order_code with the channel's order id, status New", () => {
    const [tour] = planCreates(placed(), productsOf(placed()));
    expect(tour?.request.order).toMatchObject({
      channel_order_id: "CH-1",
      channel_order_code: "CH-1",
      status: "New",
      currency: "KRW",
      is_voucher: true,
      comment: "Anniversary trip",
      discount_method: "10% member discount",
    });
  });

  it("maps money fields as the exact strings the channel sent", () => {
    const [tour] = planCreates(placed(), productsOf(placed()));
    expect(tour?.request.options[0]).toMatchObject({
      unit_selling_price: "60000",
      discount: "0",
      amount_price: "60000",
      quantity: 2,
    });
  });

  it("passes an order of one family through unchanged", () => {
    const data = placed((d) => {
      d.items.pop();
      Object.assign(d, { subtotal: "120000.5", discount: "0.5", total: "120000" });
    });
    const [plan] = planCreates(data, productsOf(data));
    expect(plan?.request.order).toMatchObject({ sub_total: "120000.5", discount: "0.5", total: "120000" });
  });

  it("splits subtotal, discount and total pro rata across families, the last taking the remainder", () => {
    // tour: 2 × 60000 = 120000, day-ticket: 1 × 60000 → shares 2/3 and 1/3
    const [tour, dayTicket] = planCreates(placed(), productsOf(placed()));
    expect(tour?.request.order).toMatchObject({ sub_total: "120000", discount: "12000", total: "108000" });
    expect(dayTicket?.request.order).toMatchObject({ sub_total: "60000", discount: "6000", total: "54000" });
  });

  it("rounds half-up to the currency's minor unit (KRW 0 decimals, USD 2)", () => {
    const krw = placed((d) => Object.assign(d, { subtotal: "100", discount: "0", total: "100" }));
    const [a, b] = planCreates(krw, productsOf(krw));
    // 100 × 2/3 = 66.67 → 67, the rest 33
    expect([a?.request.order.total, b?.request.order.total]).toEqual(["67", "33"]);
    const usd = placed((d) => Object.assign(d, { currency: "USD", subtotal: "100", discount: "0", total: "100" }));
    const [c, e] = planCreates(usd, productsOf(usd));
    expect([c?.request.order.total, e?.request.order.total]).toEqual(["66.67", "33.33"]);
  });

  it("leaves discount out when the channel sent none", () => {
    const data = placed((d) => {
      delete (d as { discount?: string }).discount;
    });
    for (const plan of planCreates(data, productsOf(data))) expect(plan.request.order).not.toHaveProperty("discount");
  });
});

describe("splitProRata (property)", () => {
  const money = fc
    .tuple(fc.bigInt({ min: 0n, max: 999_999_999_999_999n }), fc.integer({ min: 0, max: 99_999 }))
    .map(([whole, fraction]) => `${whole}.${String(fraction).padStart(5, "0")}`.replace(/\.?0+$/, "") || "0");
  const weights = fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 5 });

  it("parts add up exactly to the whole, each within [0, whole], all but the last on the minor unit", () => {
    fc.assert(
      fc.property(money, weights, fc.constantFrom(0, 2), (value, ws, decimals) => {
        const parts = splitProRata(
          value,
          ws.map((w) => Big(w)),
          decimals,
        );
        expect(parts).toHaveLength(ws.length);
        const sum = parts.reduce((acc, part) => acc.plus(part), Big(0));
        expect(sum.eq(value)).toBe(true);
        for (const part of parts) {
          expect(Big(part).gte(0)).toBe(true);
          expect(Big(part).lte(value)).toBe(true);
          expect(part).toMatch(/^\d+(\.\d+)?$/);
        }
        for (const part of parts.slice(0, -1)) expect(Big(part).round(decimals).eq(part)).toBe(true);
      }),
    );
  });
});

describe("toAxDateTime (property)", () => {
  it("gives the same instant in UTC with Z for any offset", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true }),
        fc.integer({ min: -12 * 60, max: 14 * 60 }),
        (date, offsetMinutes) => {
          const whole = new Date(Math.floor(date.getTime() / 1000) * 1000);
          const local = new Date(whole.getTime() + offsetMinutes * 60_000);
          const sign = offsetMinutes < 0 ? "-" : "+";
          const abs = Math.abs(offsetMinutes);
          const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
          const text = `${local.toISOString().slice(0, 19)}${offset}`;
          const converted = toAxDateTime(text);
          expect(converted).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
          expect(Date.parse(converted)).toBe(whole.getTime());
        },
      ),
    );
  });
});

describe("matchCreateResult", () => {
  const data = placed();
  const [tour] = planCreates(data, productsOf(data));
  if (!tour) throw new Error("no plan");
  const answer = (options: CreateOrderResult["options"]): CreateOrderResult => ({
    channel_order_code: "CH-1",
    channel_order_status: "New",
    options,
  });
  const option = {
    option_code: "d96b2ed4-12c5-4fb5-ae94-4f39b11ee980",
    inventory_at: "2026-12-24T09:00:00.000Z",
    ax_order_code: "ax-1",
    ax_order_status: "New" as const,
    quantity: 2,
    tickets: [
      { ax_ticket_code: "t-1", ax_ticket_status: "New" as const },
      { ax_ticket_code: "t-2", ax_ticket_status: "New" as const },
    ],
  };

  it("maps AX's order and ticket codes to the channel's item and ticket ids", () => {
    expect(matchCreateResult(tour, answer([option]))).toEqual([
      {
        item_id: "CH-1-1",
        ax_order_code: "ax-1",
        ax_order_status: "New",
        tickets: [
          { ticket_id: "CH-1-1-1", ax_ticket_code: "t-1", ax_ticket_status: "New" },
          { ticket_id: "CH-1-1-2", ax_ticket_code: "t-2", ax_ticket_status: "New" },
        ],
      },
    ]);
  });

  it("refuses an answer whose options or tickets do not line up", () => {
    expect(() => matchCreateResult(tour, answer([]))).toThrow(UnmatchedResponseError);
    expect(() => matchCreateResult(tour, answer([{ ...option, tickets: option.tickets.slice(1) }]))).toThrow(
      UnmatchedResponseError,
    );
  });
});
