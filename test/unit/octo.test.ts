// The OCTO supplier API's pure parts: AX product → OCTO product/options/units, the availability arithmetic (AX
// stock less holds, per unit), the hold and booking status rules, the items a booking writes, the events a
// confirmation and a cancellation become. Every OCTO object is checked against @octocloud/types.
import { readFileSync } from "node:fs";
import { format, resolveConfig } from "prettier";
import { describe, expect, it } from "vitest";
import type { AxInventorySlot } from "../../lib/ax/catalog-schemas";
import { parseChannelEvent } from "../../lib/channel/schemas";
import type { AxOrderRecord, OrderAggregate, OrderRecord } from "../../lib/orders/model";
import {
  hasRoom,
  optionSlots,
  statusOf,
  toCalendarDay,
  toOctoAvailability,
  unitsByAxOption,
  type Holds,
} from "../../lib/octo/availability";
import { bookingStatus, holdExpired, toOctoBooking, type OctoBookingRecord } from "../../lib/octo/booking";
import { octoProduct, sumDecimals, toMinorUnits } from "../../lib/octo/catalog";
import { OctoError } from "../../lib/octo/errors";
import { defaultOption, parseMappingFile, type ProductMapping } from "../../lib/octo/mapping";
import { callingCode, cancelledEvent, placedEvent } from "../../lib/octo/placement";
import { identifyReseller, parseResellerKeys, ResellerKeyError } from "../../lib/octo/resellers";
import { parseBody, ReserveSchema } from "../../lib/octo/schemas";
import { localDateTime, localToUtc } from "../../lib/octo/time";
import { derivedItems } from "../../lib/store/octo-store";
import { CALLING_CODES_FILE, callingCodesSource } from "../../scripts/calling-codes";
import { DAY_ID, OCTO, TOUR_ID, expectOcto, sandboxMapping } from "../support/octo";

const mapping = sandboxMapping();
const tour = mapping.find((product) => product.id === TOUR_ID) as ProductMapping;
const day = mapping.find((product) => product.id === DAY_ID) as ProductMapping;
const [adultCode, childCode] = tour.options[0]?.units.map((unit) => unit.ax_option_code) ?? [];
const NOW = new Date("2026-12-01T00:00:00Z");

const slot = (code: string, date: string, start: string | undefined, remain: number, max = 20): AxInventorySlot => ({
  option_code: code,
  date,
  start_time: start,
  on_sale: true,
  max_quantity: max,
  remain_quantity: remain,
});

function booking(overrides: Partial<OctoBookingRecord> = {}): OctoBookingRecord {
  return {
    reseller: "klook",
    uuid: "6c0b8a30-3f4e-4c52-8f0a-1d2e3f4a5b6c",
    supplier_reference: "OC0123456789",
    state: "on_hold",
    version: 1,
    product: tour,
    option_id: "standard",
    availability_id: "2026-12-10T19:00:00+09:00",
    unit_items: [
      { uuid: "0a0a0a0a-0000-4000-8000-000000000001", unit_id: "adult", ax_option_code: adultCode ?? "" },
      { uuid: "0a0a0a0a-0000-4000-8000-000000000002", unit_id: "child", ax_option_code: childCode ?? "" },
    ],
    contact: {},
    request_sha256: "x",
    created_at: NOW.toISOString(),
    updated_at: NOW.toISOString(),
    expires_at: new Date(NOW.getTime() + 30 * 60_000).toISOString(),
    ...overrides,
  };
}

function axOrder(item: string, status: string, tickets: [string, string][]): AxOrderRecord {
  return {
    order_id: "OC0123456789",
    item_id: item,
    product_type: "tour",
    mapping_code: "m",
    option_code: "o",
    inventory_at: "2026-12-10T10:00:00Z",
    quantity: tickets.length,
    ax_order_code: `ax-${item}`,
    ax_order_status: status,
    tickets: tickets.map(([ticket_id, ax_ticket_status]) => ({
      ticket_id,
      ax_ticket_code: `t-${ticket_id}`,
      ax_ticket_status,
    })),
    history: [],
    created_at: NOW.toISOString(),
    updated_at: NOW.toISOString(),
  };
}

const order = (status: OrderRecord["status"], axOrders: AxOrderRecord[]): OrderAggregate => ({
  order: { order_id: "OC0123456789", status, version: 2, create_calls: {}, events: {}, created_at: "", updated_at: "" },
  axOrders,
});

describe("an AX product as an OCTO product", () => {
  it("groups AX options into an option of units, tours START_TIME with AX's start times, day tickets OPENING_HOURS", () => {
    const tourProduct = expectOcto(OCTO.product, octoProduct(tour, { startTimes: ["19:00", "10:00"], pricing: false }));
    expect(tourProduct).toMatchObject({ id: TOUR_ID, availabilityType: "START_TIME", timeZone: "Asia/Seoul" });
    expect(tourProduct.options[0]?.availabilityLocalStartTimes).toEqual(["10:00", "19:00"]);
    expect(tourProduct.options[0]?.units.map((unit) => [unit.id, unit.type, unit.reference])).toEqual([
      ["adult", "ADULT", adultCode],
      ["child", "CHILD", childCode],
    ]);
    expect(tourProduct.options[0]?.cancellationCutoff).toBe("1 day");
    const dayProduct = expectOcto(OCTO.product, octoProduct(day, { pricing: false }));
    expect(dayProduct).toMatchObject({ availabilityType: "OPENING_HOURS", instantConfirmation: true });
  });

  it("prices each unit from AX's latest price in minor units when octo/pricing is asked for", () => {
    const prices = [
      { option_code: adultCode ?? "", unit_price: { USD: "45.5", KRW: "60000" } },
      { option_code: childCode ?? "", unit_price: { USD: "30" } },
    ];
    const product = expectOcto(OCTO.product, octoProduct(tour, { startTimes: ["10:00"], prices, pricing: true }));
    expect(product.options[0]?.units.map((unit) => unit.pricingFrom?.[0]?.retail)).toEqual([4550, 3000]);
    expect(product).toMatchObject({ defaultCurrency: "USD", pricingPer: "UNIT" });
  });

  it("refuses a mapping that breaks its rules, naming the field", () => {
    const broken = { ...JSON.parse(JSON.stringify(tour)), time_zone: "Mars/Olympus" } as unknown;
    expect(() => parseMappingFile(broken)).toThrow(/time_zone must be an IANA time zone/);
    const twice = [tour, tour];
    expect(() => parseMappingFile(twice)).toThrow(/product ids must be unique/);
  });
});

describe("availability from AX inventory less the holds", () => {
  const inventory = [
    slot(adultCode ?? "", "2026-12-10", "19:00", 12),
    slot(childCode ?? "", "2026-12-10", "19:00", 5),
    // A slot only the adult option has: not bookable whole, left out.
    slot(adultCode ?? "", "2026-12-11", "19:00", 20),
    slot(adultCode ?? "", "2026-12-12", "10:00", 0),
    slot(childCode ?? "", "2026-12-12", "10:00", 9),
  ];
  const option = defaultOption(tour);

  it("reports the tightest unit's stock less every live hold, with the slot's local start as its id", () => {
    const holds: Holds = new Map([["2026-12-10T19:00:00+09:00", new Map([[childCode ?? "", 2]])]]);
    const slots = optionSlots(tour, option, inventory, holds);
    expect(slots.map((s) => s.id)).toEqual(["2026-12-10T19:00:00+09:00", "2026-12-12T10:00:00+09:00"]);
    const [first, second] = slots.map((s) => expectOcto(OCTO.availability, toOctoAvailability(tour, option, s, NOW)));
    expect(first).toMatchObject({ vacancies: 3, capacity: 20, status: "LIMITED", available: true, allDay: false });
    expect(first?.localDateTimeEnd).toBe("2026-12-10T21:30:00+09:00");
    // The booking cut-off (120 minutes) before the start, in UTC.
    expect(first?.utcCutoffAt).toBe("2026-12-10T08:00:00Z");
    expect(second).toMatchObject({ vacancies: 0, status: "SOLD_OUT", available: false });
  });

  it("checks room per unit: three children do not fit where two are left", () => {
    const [first] = optionSlots(
      tour,
      option,
      inventory,
      new Map([["2026-12-10T19:00:00+09:00", new Map([[childCode ?? "", 3]])]]),
    );
    if (!first) throw new Error("no slot");
    expect(hasRoom(first, unitsByAxOption(option, ["child", "child"]))).toBe(true);
    expect(hasRoom(first, unitsByAxOption(option, ["child", "child", "child"]))).toBe(false);
    expect(hasRoom(first, unitsByAxOption(option, Array<string>(7).fill("adult")))).toBe(true);
  });

  it("closes a slot past its cut-off and one AX does not sell", () => {
    const [first] = optionSlots(tour, option, inventory, new Map());
    if (!first) throw new Error("no slot");
    expect(toOctoAvailability(tour, option, first, new Date("2026-12-10T08:00:00Z")).status).toBe("CLOSED");
    expect(statusOf(10, 20, false)).toBe("CLOSED");
    expect(statusOf(10, 20, true)).toBe("AVAILABLE");
    expect(statusOf(9, 20, true)).toBe("LIMITED");
  });

  it("sums a day's slots in the calendar, and sells a day ticket through its day", () => {
    const dayOption = defaultOption(day);
    const dayCodes = dayOption.units.map((unit) => unit.ax_option_code);
    const daySlots = optionSlots(
      day,
      dayOption,
      dayCodes.map((code) => slot(code, "2026-12-01", undefined, 40, 50)),
      new Map(),
    );
    // 09:00 in Seoul on the day itself: past the day's start, before its end.
    const calendar = expectOcto(
      OCTO.calendar,
      toCalendarDay(day, "2026-12-01", daySlots, new Date("2026-12-01T00:00:00Z")),
    );
    expect(calendar).toMatchObject({ available: true, vacancies: 40, capacity: 50, status: "AVAILABLE" });
    expect(calendar.openingHours).toEqual([{ from: "09:00", to: "22:00" }]);
    const empty = expectOcto(OCTO.calendar, toCalendarDay(day, "2026-12-02", [], NOW));
    expect(empty).toMatchObject({ available: false, status: "CLOSED" });
  });

  it("converts local times with the zone's offsets, summer time included", () => {
    expect(localToUtc("2026-07-01", "10:00", "Europe/Paris").toISOString()).toBe("2026-07-01T08:00:00.000Z");
    expect(localToUtc("2026-12-01", "10:00", "Europe/Paris").toISOString()).toBe("2026-12-01T09:00:00.000Z");
    expect(localDateTime(new Date("2026-07-01T08:00:00Z"), "Europe/Paris")).toBe("2026-07-01T10:00:00+02:00");
  });
});

describe("holds and booking statuses", () => {
  it("a hold runs out at its time: ON_HOLD before, EXPIRED after, whether the sweeper wrote it or not", () => {
    const held = booking();
    expect(bookingStatus(held, undefined, NOW)).toBe("ON_HOLD");
    const later = new Date(NOW.getTime() + 30 * 60_000);
    expect(holdExpired(held, later)).toBe(true);
    expect(bookingStatus(held, undefined, later)).toBe("EXPIRED");
    const view = expectOcto(OCTO.booking, toOctoBooking(held, undefined, later));
    expect(view).toMatchObject({ status: "EXPIRED", utcExpiresAt: "2026-12-01T00:30:00Z" });
    expect(view.cancellation?.utcCancelledAt).toBe("2026-12-01T00:30:00Z");
  });

  it("a hold holds its units and sits in the expiry queue; a confirmation keeps them for the grace only", () => {
    const settings = { placingGraceMs: 10 * 60_000 };
    const held = derivedItems(booking(), settings);
    const hold = held.find((item) => String(item.pk).startsWith("OCTOHOLD#"));
    expect(hold).toMatchObject({ units: { [adultCode ?? ""]: 1, [childCode ?? ""]: 1 }, until: booking().expires_at });
    expect(held.some((item) => item.pk === "OCTOEXPIRY")).toBe(true);
    const confirmedAt = "2026-12-01T00:05:00.000Z";
    const { expires_at: _expires, ...rest } = booking();
    const confirmed = derivedItems({ ...rest, state: "confirmed", confirmed_at: confirmedAt }, settings);
    expect(confirmed.find((item) => String(item.pk).startsWith("OCTOHOLD#"))?.until).toBe("2026-12-01T00:15:00.000Z");
    expect(confirmed.some((item) => item.pk === "OCTOEXPIRY")).toBe(false);
    const cancelled = derivedItems({ ...rest, state: "cancelled" }, settings);
    expect(cancelled.some((item) => String(item.pk).startsWith("OCTOHOLD#"))).toBe(false);
    // The look-ups stay: a cancelled booking is still found by its references and date.
    expect(cancelled.map((item) => String(item.pk).split("#")[0]).sort()).toEqual(["OCTODATE", "OCTOREF"]);
  });

  it("a confirmed booking is PENDING until AX's supplier confirms, REJECTED on a reject, CANCELLED when cancelled", () => {
    const { expires_at: _expires, ...rest } = booking();
    const confirmed: OctoBookingRecord = { ...rest, state: "confirmed", confirmed_at: NOW.toISOString() };
    const tickets: [string, string][] = [["0a0a0a0a-0000-4000-8000-000000000001", "New"]];
    expect(bookingStatus(confirmed, undefined, NOW)).toBe("PENDING");
    expect(bookingStatus(confirmed, order("uncertain", []), NOW)).toBe("PENDING");
    expect(bookingStatus(confirmed, order("placed", [axOrder("adult", "New", tickets)]), NOW)).toBe("PENDING");
    expect(bookingStatus(confirmed, order("placed", [axOrder("adult", "Supplier confirm", tickets)]), NOW)).toBe(
      "CONFIRMED",
    );
    expect(bookingStatus(confirmed, order("placed", [axOrder("adult", "Supplier reject", tickets)]), NOW)).toBe(
      "REJECTED",
    );
    expect(bookingStatus(confirmed, order("cancelled", [axOrder("adult", "Traveler cancel", tickets)]), NOW)).toBe(
      "CANCELLED",
    );
    expect(
      bookingStatus(
        confirmed,
        order("placed", [axOrder("adult", "Supplier confirm", [[tickets[0]?.[0] ?? "", "Used"]])]),
        NOW,
      ),
    ).toBe("REDEEMED");
    // An operator marks a product instant: CONFIRMED at once, until AX says otherwise; an uncertain create stays PENDING.
    const instant = { ...confirmed, product: { ...tour, instant_confirmation: true } };
    expect(bookingStatus(instant, undefined, NOW)).toBe("CONFIRMED");
    expect(bookingStatus(instant, order("uncertain", []), NOW)).toBe("PENDING");
    const view = expectOcto(
      OCTO.booking,
      toOctoBooking(confirmed, order("placed", [axOrder("adult", "Supplier confirm", tickets)]), NOW),
    );
    expect(view.unitItems[0]?.supplierReference).toBe(`t-${tickets[0]?.[0] ?? ""}`);
  });
});

describe("a confirmation as the adapter's own order.placed", () => {
  const { expires_at: _expires, ...rest } = booking({
    contact: { firstName: "Min", lastName: "Kim", phoneNumber: "+44 20 7946 0000" },
    reseller_reference: "KL-1",
  });
  const confirmed: OctoBookingRecord = { ...rest, state: "confirmed" };
  const prices = { [adultCode ?? ""]: "45.00", [childCode ?? ""]: "30.00" };
  const fallback = { email: "desk@example.com", phone: "+82 2 000", callingCode: "82" };

  it("passes the webhook contract: one item per unit, one ticket per unit item with its uuid, the totals", () => {
    const event = placedEvent(confirmed, prices, fallback, NOW);
    const parsed = parseChannelEvent(JSON.parse(JSON.stringify(event)));
    expect(parsed.ok).toBe(true);
    expect(
      event.data.items.map((item) => [
        item.item_id,
        item.ax.option_code,
        item.date,
        item.tickets.map((t) => t.ticket_id),
      ]),
    ).toEqual([
      ["adult", adultCode, "2026-12-10T19:00:00+09:00", ["0a0a0a0a-0000-4000-8000-000000000001"]],
      ["child", childCode, "2026-12-10T19:00:00+09:00", ["0a0a0a0a-0000-4000-8000-000000000002"]],
    ]);
    expect(event.data).toMatchObject({ order_id: "OC0123456789", subtotal: "75", total: "75", currency: "USD" });
    // The reseller gave no e-mail: the supplier desk's is sent, and the note says so; the phone's code is read.
    expect(event.data.purchaser).toMatchObject({ name: "Min Kim", email: "desk@example.com", country_code: "44" });
    expect(event.data.purchaser.note).toMatch(/no email/);
    expect(event.data.comment).toContain("reseller reference KL-1");
  });

  it("a day ticket is sent for its calendar date; a cancellation names the unit items' tickets", () => {
    const dayBooking = { ...confirmed, product: day, option_id: "day", availability_id: "2026-12-10T00:00:00+09:00" };
    expect(placedEvent(dayBooking, prices, fallback, NOW).data.items[0]?.date).toBe("2026-12-10");
    const cancel = cancelledEvent(confirmed, NOW, {
      reason: "ill",
      ticketIds: ["0a0a0a0a-0000-4000-8000-000000000002"],
    });
    expect(parseChannelEvent(JSON.parse(JSON.stringify(cancel))).ok).toBe(true);
  });

  it("reads calling codes from an international phone number, else from the country", () => {
    expect(callingCode("+1 212 555 0100", undefined)).toBe("1");
    expect(callingCode("+82 10 1234 5678", "GB")).toBe("82");
    expect(callingCode("010 1234 5678", "kr")).toBe("82");
    expect(callingCode(undefined, undefined)).toBeUndefined();
  });

  it("keeps the generated calling-code table in step with libphonenumber-js", async () => {
    const expected = await format(callingCodesSource(), {
      ...((await resolveConfig(CALLING_CODES_FILE)) ?? {}),
      filepath: CALLING_CODES_FILE,
    });
    expect(readFileSync(CALLING_CODES_FILE, "utf8"), "run `npm run calling-codes`").toBe(expected);
  });

  it("turns money into OCTO's minor units and sums AX's decimals exactly", () => {
    expect(toMinorUnits("45.5", "USD")).toBe(4550);
    expect(toMinorUnits("45.005", "USD")).toBe(4501);
    expect(toMinorUnits("60000", "KRW")).toBe(60000);
    expect(toMinorUnits("12.345", "USD", 3)).toBe(3704);
    expect(
      sumDecimals([
        { price: "0.1", quantity: 3 },
        { price: "0.2", quantity: 1 },
      ]),
    ).toBe("0.5");
  });
});

describe("resellers and request bodies", () => {
  it("knows a reseller by any of its keys (rotation by overlap) and refuses a malformed list without a key in it", () => {
    const keys = parseResellerKeys("klook:old-key-0123456789 klook:new-key-0123456789\nacme:acme-key-0123456789");
    expect(identifyReseller(keys, "new-key-0123456789")).toBe("klook");
    expect(identifyReseller(keys, "old-key-0123456789")).toBe("klook");
    expect(identifyReseller(keys, "acme-key-0123456789")).toBe("acme");
    expect(identifyReseller(keys, "acme-key-012345678")).toBeUndefined();
    expect(() => parseResellerKeys("klook:short")).toThrow(ResellerKeyError);
    expect(() => parseResellerKeys("klook:short")).not.toThrow(/short$/);
  });

  it("answers BAD_REQUEST naming the field of a body that breaks the schema", () => {
    const attempt = (body: unknown) => {
      try {
        parseBody(ReserveSchema, body);
        return undefined;
      } catch (error) {
        return error as OctoError;
      }
    };
    expect(attempt({ productId: "p", optionId: "o", unitItems: [{ unitId: "adult" }] })).toBeUndefined();
    expect(attempt({ optionId: "o" })?.body).toMatchObject({
      error: "BAD_REQUEST",
      errorMessage: expect.stringContaining("productId is required") as unknown,
    });
    expect(attempt({ productId: "p", optionId: "o", uuid: "nope" })?.message).toMatch(/uuid must be a UUID/);
    expect(attempt({ productId: "p", optionId: "o", expirationMinutes: 1.5 })?.message).toMatch(/expirationMinutes/);
    expect(attempt([1, 2])?.code).toBe("BAD_REQUEST");
  });
});
