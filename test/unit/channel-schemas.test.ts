// One test per rule of the webhook contract (docs/contract.md, "Events"): the contract's own
// examples pass, and each broken rule answers one plain-English issue at the right dotted path.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  boundedIssues,
  defaultTicketId,
  isCalendarDate,
  isDateTime,
  parseChannelEvent,
  type ChannelEventIssue,
  type OrderCancelledEvent,
  type OrderPlacedEvent,
} from "../../lib/channel/schemas";

type Json = Record<string, unknown>;

/** The `order.placed` example of the contract, verbatim. */
function placedExample(): Json {
  return {
    type: "order.placed",
    timestamp: "2026-11-23T09:00:00Z",
    data: {
      order_id: "CH-10001",
      placed_at: "2026-11-23T08:59:41Z",
      currency: "KRW",
      subtotal: "180000",
      discount: "18000",
      discount_method: "10% member discount",
      total: "162000",
      is_voucher: true,
      comment: "Anniversary trip",
      purchaser: {
        name: "Kim Minji",
        country_code: "82",
        phone: "01012345678",
        email: "minji@example.com",
        additional: { english_name: "Minji Kim" },
        note: "Vegetarian meals",
      },
      representative: null,
      items: [
        {
          item_id: "CH-10001-1",
          ax: {
            product_type: "tour",
            mapping_code: "af01c7c4-1637-46fb-b289-a090a9be0397",
            option_code: "d96b2ed4-12c5-4fb5-ae94-4f39b11ee980",
          },
          date: "2026-12-24T18:00:00+09:00",
          quantity: 2,
          unit_price: "60000",
          discount: "0",
          amount: "60000",
          tickets: [
            { ticket_id: "CH-10001-1-1", traveler: { name: "Kim Minji" } },
            { ticket_id: "CH-10001-1-2", traveler: { name: "Lee Jun", email: "jun@example.com" } },
          ],
        },
        {
          item_id: "CH-10001-2",
          sku: "LOTTE-WORLD-1DAY-ADULT",
          date: "2026-12-25",
          quantity: 1,
          unit_price: "60000",
          amount: "60000",
        },
      ],
    },
  };
}

/** The `order.cancelled` example of the contract, verbatim. */
function cancelledExample(): Json {
  return {
    type: "order.cancelled",
    timestamp: "2026-11-24T10:00:00Z",
    data: {
      order_id: "CH-10001",
      reason: "traveler",
      comment: "Change of plans",
      item_ids: ["CH-10001-2"],
      ticket_ids: ["CH-10001-1-2"],
    },
  };
}

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null;

/** Sets (or, with `undefined`, deletes) the value at a dotted path of a copy of `event`. */
function withValue(event: Json, path: string, value: unknown): Json {
  const copy = structuredClone(event);
  const keys = path.split(".");
  const last = keys.pop() ?? "";
  let target: unknown = copy;
  for (const key of keys) {
    if (!isObject(target)) throw new Error(`no ${key} in ${path}`);
    target = (target as Record<string, unknown>)[key];
  }
  if (!isObject(target)) throw new Error(`cannot set ${path}`);
  if (value === undefined) Reflect.deleteProperty(target, last);
  else Reflect.set(target, last, value);
  return copy;
}

const placedWith = (path: string, value: unknown) => withValue(placedExample(), path, value);
const cancelledWith = (path: string, value: unknown) => withValue(cancelledExample(), path, value);

function acceptedPlaced(value: unknown): OrderPlacedEvent {
  const result = parseChannelEvent(value);
  if (!result.ok) throw new Error(`expected accepted, got ${JSON.stringify(result.issues)}`);
  if (result.event.type !== "order.placed") throw new Error(`expected order.placed, got ${result.event.type}`);
  return result.event;
}

function acceptedCancelled(value: unknown): OrderCancelledEvent {
  const result = parseChannelEvent(value);
  if (!result.ok) throw new Error(`expected accepted, got ${JSON.stringify(result.issues)}`);
  if (result.event.type !== "order.cancelled") throw new Error(`expected order.cancelled, got ${result.event.type}`);
  return result.event;
}

function issuesOf(value: unknown): ChannelEventIssue[] {
  const result = parseChannelEvent(value);
  if (result.ok) throw new Error("expected the event to be refused, it was accepted");
  return result.issues;
}

/** The event is refused with exactly one issue, at `path`, whose message matches. */
function expectOnlyIssue(value: unknown, path: string, message: RegExp | string): void {
  const issues = issuesOf(value);
  expect(issues).toHaveLength(1);
  expect(issues[0]?.path).toBe(path);
  if (typeof message === "string") expect(issues[0]?.message).toBe(message);
  else expect(issues[0]?.message).toMatch(message);
}

const isRefused = (value: unknown): boolean => !parseChannelEvent(value).ok;

describe("the contract's examples", () => {
  it("accepts the order.placed example and keeps its values", () => {
    const event = acceptedPlaced(placedExample());

    expect(event.data.order_id).toBe("CH-10001");
    expect(event.data.is_voucher).toBe(true);
    expect(event.data.representative).toBeNull();
    expect(event.data.purchaser.additional).toEqual({ english_name: "Minji Kim" });
    expect(event.data.items[0]?.ax?.product_type).toBe("tour");
    expect(event.data.items[0]?.tickets?.map((ticket) => ticket.ticket_id)).toEqual(["CH-10001-1-1", "CH-10001-1-2"]);
    expect(event.data.items[1]?.sku).toBe("LOTTE-WORLD-1DAY-ADULT");
    expect(event.data.items[1]?.ax).toBeUndefined();
  });

  it("accepts the order.cancelled example and keeps its values", () => {
    const event = acceptedCancelled(cancelledExample());

    expect(event.data).toEqual({
      order_id: "CH-10001",
      reason: "traveler",
      comment: "Change of plans",
      item_ids: ["CH-10001-2"],
      ticket_ids: ["CH-10001-1-2"],
    });
  });
});

describe("the envelope", () => {
  it("answers an unknown type with one issue at `type` naming the allowed types", () => {
    expectOnlyIssue(
      { type: "order.updated", data: { order_id: "CH-1" } },
      "type",
      'must be one of "order.placed", "order.cancelled", got "order.updated"',
    );
  });

  it("answers a missing or non-string type with one issue at `type`", () => {
    expectOnlyIssue({ data: {} }, "type", 'is required: one of "order.placed", "order.cancelled"');
    expectOnlyIssue(
      { type: 7, data: {} },
      "type",
      /must be one of "order.placed", "order.cancelled", got the number 7/,
    );
  });

  it.each([
    ["an array", []],
    ["null", null],
    ["a string", "order.placed"],
  ])("refuses a body that is %s, at the root path", (what, body) => {
    expectOnlyIssue(body, "", `the event must be a JSON object, got ${what === "a string" ? '"order.placed"' : what}`);
  });

  it("requires `data`, as a JSON object (an issue on the whole data object is at `data`)", () => {
    expectOnlyIssue(placedWith("data", undefined), "data", "is required");
    expectOnlyIssue(placedWith("data", []), "data", "must be a JSON object, got an array");
    expectOnlyIssue(cancelledWith("data", "CH-1"), "data", 'must be a JSON object, got "CH-1"');
  });

  it("takes `timestamp` as optional and informational, but RFC 3339 when present", () => {
    expect(acceptedPlaced(placedWith("timestamp", undefined)).timestamp).toBeUndefined();
    expect(acceptedCancelled(cancelledWith("timestamp", "2026-11-24T19:00:00.250+09:00")).timestamp).toBe(
      "2026-11-24T19:00:00.250+09:00",
    );
    expectOnlyIssue(placedWith("timestamp", "2026-11-23"), "timestamp", /must be an RFC 3339 date-time with an offset/);
    expectOnlyIssue(cancelledWith("timestamp", 1763888400), "timestamp", "must be a string, got the number 1763888400");
  });

  it("ignores and strips unknown fields, inside data and in every nested object", () => {
    let event = placedWith("data.loyalty_points", 120);
    event = withValue(event, "data.purchaser.age", 31);
    event = withValue(event, "data.items.0.ax.extra", "x");
    event = withValue(event, "data.items.1.color", "red");
    event = withValue(event, "data.items.0.tickets.0.seat", "12A");
    event = withValue(event, "future_envelope_field", true);

    const accepted = acceptedPlaced(event);

    expect(accepted.data).not.toHaveProperty("loyalty_points");
    expect(accepted.data.purchaser).not.toHaveProperty("age");
    expect(accepted.data.items[0]?.ax).not.toHaveProperty("extra");
    expect(accepted.data.items[1]).not.toHaveProperty("color");
    expect(accepted.data.items[0]?.tickets?.[0]).not.toHaveProperty("seat");
    expect(accepted).not.toHaveProperty("future_envelope_field");
    expect(acceptedCancelled(cancelledWith("data.refund", "full")).data).not.toHaveProperty("refund");
  });
});

describe("ids: 1–128 printable characters, not blank", () => {
  const idFields: [string, () => Json, string][] = [
    ["order_id (placed)", placedExample, "data.order_id"],
    ["item_id", placedExample, "data.items.0.item_id"],
    ["ticket_id", placedExample, "data.items.0.tickets.1.ticket_id"],
    ["sku", placedExample, "data.items.1.sku"],
    ["order_id (cancelled)", cancelledExample, "data.order_id"],
    ["item_ids entry", cancelledExample, "data.item_ids.0"],
    ["ticket_ids entry", cancelledExample, "data.ticket_ids.0"],
  ];

  it.each(idFields)("%s: refuses an empty id", (_name, example, path) => {
    expectOnlyIssue(withValue(example(), path, ""), path, "must not be empty (1 to 128 printable characters)");
  });

  it.each(idFields)("%s: refuses 129 characters, accepts 128", (_name, example, path) => {
    expectOnlyIssue(withValue(example(), path, "A".repeat(129)), path, "must be at most 128 characters, got 129");
    expect(parseChannelEvent(withValue(example(), path, "A".repeat(128))).ok).toBe(true);
  });

  it.each(idFields)("%s: refuses control and invisible characters", (_name, example, path) => {
    expectOnlyIssue(
      withValue(example(), path, "CH\u0007-1"),
      path,
      "must contain only printable characters, found U+0007 at position 3",
    );
    expectOnlyIssue(withValue(example(), path, "CH\n1"), path, /found U\+000A at position 3/);
    expectOnlyIssue(withValue(example(), path, "CH\u202E1"), path, /found U\+202E/);
  });

  it.each(idFields)("%s: refuses a blank id", (_name, example, path) => {
    expectOnlyIssue(withValue(example(), path, "   "), path, "must not be blank");
  });

  it.each(idFields)("%s: refuses a non-string", (_name, example, path) => {
    expectOnlyIssue(withValue(example(), path, 10001), path, "must be a string, got the number 10001");
  });

  it("counts characters, not UTF-16 units, and accepts printable non-ASCII", () => {
    const event = acceptedPlaced(placedWith("data.order_id", "🎫".repeat(128)));
    expect(event.data.order_id).toHaveLength(256);

    expect(acceptedPlaced(placedWith("data.items.1.sku", "롯데월드 종일권")).data.items[1]?.sku).toBe(
      "롯데월드 종일권",
    );
  });
});

describe("required strings are non-empty after trimming", () => {
  it.each(["name", "country_code", "phone", "email"])("purchaser.%s is required and not blank", (field) => {
    const path = `data.purchaser.${field}`;
    expectOnlyIssue(placedWith(path, undefined), path, "is required");
    expectOnlyIssue(placedWith(path, ""), path, "must not be empty or blank");
    expectOnlyIssue(placedWith(path, " \t "), path, "must not be empty or blank");
    expectOnlyIssue(placedWith(path, null), path, "must be a string, got null");
  });

  it.each(["mapping_code", "option_code"])("ax.%s is required and not blank", (field) => {
    const path = `data.items.0.ax.${field}`;
    expectOnlyIssue(placedWith(path, undefined), path, "is required");
    expectOnlyIssue(placedWith(path, "  "), path, "must not be blank");
  });

  it.each(["order_id", "placed_at", "currency", "subtotal", "total", "purchaser", "items"])(
    "order.placed requires data.%s",
    (field) => {
      expectOnlyIssue(placedWith(`data.${field}`, undefined), `data.${field}`, "is required");
    },
  );

  it.each(["item_id", "date", "quantity", "unit_price", "amount"])("an item requires %s", (field) => {
    expectOnlyIssue(placedWith(`data.items.1.${field}`, undefined), `data.items.1.${field}`, "is required");
  });
});

describe("free text: at most 2,000 characters", () => {
  const freeTextFields: [string, () => Json, string][] = [
    ["comment (placed)", placedExample, "data.comment"],
    ["discount_method", placedExample, "data.discount_method"],
    ["purchaser note", placedExample, "data.purchaser.note"],
    ["traveler note", placedExample, "data.items.0.tickets.0.traveler.note"],
    ["comment (cancelled)", cancelledExample, "data.comment"],
  ];

  it.each(freeTextFields)("%s: accepts 2,000 characters and refuses 2,001", (_name, example, path) => {
    expect(parseChannelEvent(withValue(example(), path, "é".repeat(2000))).ok).toBe(true);
    expectOnlyIssue(withValue(example(), path, "é".repeat(2001)), path, "must be at most 2000 characters, got 2001");
  });

  it.each(freeTextFields)("%s: is optional and may be empty", (_name, example, path) => {
    expect(parseChannelEvent(withValue(example(), path, undefined)).ok).toBe(true);
    expect(parseChannelEvent(withValue(example(), path, "")).ok).toBe(true);
  });
});

describe("money: a non-negative decimal string, at most 15 integer digits and 5 decimals", () => {
  const moneyPaths = [
    "data.subtotal",
    "data.discount",
    "data.total",
    "data.items.0.unit_price",
    "data.items.0.discount",
    "data.items.0.amount",
  ];

  it.each(moneyPaths)("%s: refuses a JSON number, saying to send a string", (path) => {
    expectOnlyIssue(
      placedWith(path, 60000),
      path,
      'money must be a decimal string such as "60000" or "12.5", not a JSON number (send "60000")',
    );
  });

  it.each(moneyPaths)("%s: refuses a negative amount", (path) => {
    expectOnlyIssue(placedWith(path, "-12.5"), path, 'must not be negative, got "-12.5"');
  });

  it.each(moneyPaths)("%s: refuses 16 integer digits and 6 decimals, accepts the limits", (path) => {
    expectOnlyIssue(placedWith(path, "1".repeat(16)), path, "must have at most 15 integer digits, got 16");
    expectOnlyIssue(placedWith(path, "1.123456"), path, "must have at most 5 decimals, got 6");
    expect(parseChannelEvent(placedWith(path, "999999999999999.99999")).ok).toBe(true);
  });

  it.each(["1e5", "12.", ".5", "+1", " 1", "1,000", "0x10", "", "NaN"])("refuses %j as money", (value) => {
    expectOnlyIssue(
      placedWith("data.total", value),
      "data.total",
      /^must be a non-negative decimal string such as "60000" or "12.5"/,
    );
  });

  it("keeps money as the exact string sent", () => {
    expect(acceptedPlaced(placedWith("data.total", "0.10000")).data.total).toBe("0.10000");
  });

  it("accepts any decimal string within the limits (property)", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{1,15}$/),
        fc.option(fc.stringMatching(/^\d{1,5}$/), { nil: undefined }),
        (integer, decimals) => {
          const value = decimals === undefined ? integer : `${integer}.${decimals}`;
          return parseChannelEvent(placedWith("data.items.0.amount", value)).ok;
        },
      ),
    );
  });

  it("refuses any JSON number, with the send-a-string message (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0 }), fc.double({ noNaN: true, noDefaultInfinity: true })), (value) => {
        const issues = issuesOf(placedWith("data.subtotal", value));
        return (
          issues.length === 1 && issues[0]?.path === "data.subtotal" && issues[0].message.includes("not a JSON number")
        );
      }),
    );
  });

  it("refuses more than 5 decimals (property)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,15}$/), fc.stringMatching(/^\d{6,12}$/), (integer, decimals) => {
        const issues = issuesOf(placedWith("data.items.0.unit_price", `${integer}.${decimals}`));
        return issues[0]?.message === `must have at most 5 decimals, got ${decimals.length}`;
      }),
    );
  });

  it("refuses more than 15 integer digits (property)", () => {
    fc.assert(fc.property(fc.stringMatching(/^\d{16,30}$/), (integer) => isRefused(placedWith("data.total", integer))));
  });
});

describe("quantity: an integer from 1 to 100", () => {
  it.each([1, 100])("accepts %d", (quantity) => {
    const event = placedWith("data.items.1.quantity", quantity);
    expect(acceptedPlaced(event).data.items[1]?.quantity).toBe(quantity);
  });

  it.each([
    [0, "the number 0"],
    [101, "the number 101"],
    [1.5, "the number 1.5"],
    [-1, "the number -1"],
    ["2", '"2"'],
    [null, "null"],
  ])("refuses %j", (quantity, shown) => {
    expectOnlyIssue(
      placedWith("data.items.1.quantity", quantity),
      "data.items.1.quantity",
      `must be an integer from 1 to 100, got ${shown}`,
    );
  });
});

describe("items: 1 to 50 per order", () => {
  const item = (n: number): Json => ({
    item_id: `I-${n}`,
    sku: "SKU-1",
    date: "2026-12-25",
    quantity: 1,
    unit_price: "1",
    amount: "1",
  });

  it("refuses an empty list", () => {
    expectOnlyIssue(placedWith("data.items", []), "data.items", "must have at least one item");
  });

  it("accepts 50 items and refuses 51", () => {
    const fifty = Array.from({ length: 50 }, (_, n) => item(n));
    expect(acceptedPlaced(placedWith("data.items", fifty)).data.items).toHaveLength(50);
    expectOnlyIssue(
      placedWith("data.items", [...fifty, item(50)]),
      "data.items",
      "must have at most 50 items per order, got 51",
    );
  });

  it("refuses items that are not a list", () => {
    expectOnlyIssue(placedWith("data.items", { 0: item(0) }), "data.items", "must be an array of items, got an object");
  });
});

describe("additional: a JSON object of strings", () => {
  it("accepts an object of strings on the purchaser, the representative and a traveler", () => {
    let event = placedWith("data.representative", { additional: { passport: "M1234" } });
    event = withValue(event, "data.items.0.tickets.0.traveler.additional", { seat: "aisle" });

    const accepted = acceptedPlaced(event);

    expect(accepted.data.representative?.additional).toEqual({ passport: "M1234" });
    expect(accepted.data.items[0]?.tickets?.[0]?.traveler?.additional).toEqual({ seat: "aisle" });
  });

  it("refuses a value that is not a string, at its key", () => {
    expectOnlyIssue(
      placedWith("data.purchaser.additional", { english_name: "Minji Kim", age: 31 }),
      "data.purchaser.additional.age",
      "must be a string (additional holds text values only), got the number 31",
    );
  });

  it.each([
    [["Minji Kim"], "an array"],
    ["Minji Kim", '"Minji Kim"'],
    [null, "null"],
  ])("refuses %j", (value, shown) => {
    expectOnlyIssue(
      placedWith("data.purchaser.additional", value),
      "data.purchaser.additional",
      `must be a JSON object of strings, got ${shown}`,
    );
  });
});

describe("optional booleans default to false", () => {
  it("defaults is_voucher to false", () => {
    expect(acceptedPlaced(placedWith("data.is_voucher", undefined)).data.is_voucher).toBe(false);
  });

  it("refuses a non-boolean is_voucher", () => {
    expectOnlyIssue(placedWith("data.is_voucher", "true"), "data.is_voucher", 'must be true or false, got "true"');
  });
});

describe("currency: KRW or USD", () => {
  it("accepts USD", () => {
    expect(acceptedPlaced(placedWith("data.currency", "USD")).data.currency).toBe("USD");
  });

  it.each(["EUR", "krw", 410])("refuses %j, naming the allowed values", (currency) => {
    expectOnlyIssue(placedWith("data.currency", currency), "data.currency", /^must be one of "KRW", "USD", got /);
  });
});

describe("date: a calendar date or an RFC 3339 date-time with offset", () => {
  it.each(["2026-12-25", "2028-02-29", "2026-12-24T18:00:00+09:00", "2026-12-24T09:00:00Z", "2026-12-24t09:00:00.5z"])(
    "accepts %s unchanged",
    (date) => {
      expect(acceptedPlaced(placedWith("data.items.1.date", date)).data.items[1]?.date).toBe(date);
    },
  );

  it("refuses a date-time without offset, saying an offset is needed", () => {
    expectOnlyIssue(
      placedWith("data.items.1.date", "2026-12-24T18:00:00"),
      "data.items.1.date",
      /a date-time needs an offset: Z or ±hh:mm/,
    );
  });

  it.each(["2026-02-29", "2026-13-01", "2026-04-31", "2026-00-10", "2026-12-24T24:00:00Z", "2026-12-24T18:60:00Z"])(
    "refuses %s, which does not exist",
    (date) => {
      expectOnlyIssue(placedWith("data.items.1.date", date), "data.items.1.date", /^must be a real date/);
    },
  );

  it.each(["25/12/2026", "2026-12-25 18:00:00+09:00", "2026-1-5", "20261225", "2026-12-24T18:00+09:00"])(
    "refuses %s, which is not one of the two forms",
    (date) => {
      expectOnlyIssue(placedWith("data.items.1.date", date), "data.items.1.date", /^must be a calendar date/);
    },
  );

  it("accepts every real day as a calendar date and as a UTC date-time (property)", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true }),
        (date) => {
          const iso = date.toISOString();
          return isCalendarDate(iso.slice(0, 10)) && isDateTime(iso) && isDateTime(iso.replace("Z", "+00:00"));
        },
      ),
    );
  });

  it("accepts any date-time with any valid offset, and it means the same instant (property)", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (date, offsetMinutes) => {
          const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
          const sign = offsetMinutes < 0 ? "-" : "+";
          const abs = Math.abs(offsetMinutes);
          const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
          const value = `${local}${offset}`;
          const event = acceptedPlaced(placedWith("data.items.0.date", value));
          return event.data.items[0]?.date === value && Date.parse(value) === Math.floor(date.getTime() / 1000) * 1000;
        },
      ),
    );
  });

  it("refuses days past the end of their month (property)", () => {
    const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
        const day = daysIn(year, month) + 1;
        const value = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
        return !isCalendarDate(value) && isRefused(placedWith("data.items.1.date", value));
      }),
    );
  });
});

describe("placed_at: an RFC 3339 date-time", () => {
  it("refuses a calendar date alone and a date-time without offset", () => {
    expectOnlyIssue(placedWith("data.placed_at", "2026-11-23"), "data.placed_at", /^must be an RFC 3339 date-time/);
    expectOnlyIssue(placedWith("data.placed_at", "2026-11-23T08:59:41"), "data.placed_at", /\(no offset\)$/);
  });

  it("refuses a date-time that does not exist", () => {
    expectOnlyIssue(
      placedWith("data.placed_at", "2026-02-30T08:59:41Z"),
      "data.placed_at",
      'must be a real date and time (no such day, time or offset), got "2026-02-30T08:59:41Z"',
    );
    expectOnlyIssue(placedWith("data.placed_at", "2026-11-23T08:59:41+24:00"), "data.placed_at", /^must be a real/);
  });
});

describe("an item names its AX product by `ax` or by `sku`", () => {
  it("refuses an item with neither, at the item's path", () => {
    expectOnlyIssue(
      placedWith("data.items.1.sku", undefined),
      "data.items.1",
      'must name its AX product: give either "ax" (product_type, mapping_code, option_code) or "sku" (looked up in the product mapping table)',
    );
  });

  it("refuses an item with both", () => {
    expectOnlyIssue(
      placedWith("data.items.0.sku", "LOTTE-WORLD-1DAY-ADULT"),
      "data.items.0",
      'must give either "ax" or "sku", not both',
    );
  });

  it("accepts day-ticket and refuses an unknown product_type", () => {
    expect(
      acceptedPlaced(placedWith("data.items.0.ax.product_type", "day-ticket")).data.items[0]?.ax?.product_type,
    ).toBe("day-ticket");
    expectOnlyIssue(
      placedWith("data.items.0.ax.product_type", "hotel"),
      "data.items.0.ax.product_type",
      'must be one of "tour", "day-ticket", got "hotel"',
    );
  });

  it("reports the missing product together with the item's other broken rules", () => {
    const event = withValue(placedWith("data.items.1.sku", undefined), "data.items.1.quantity", 0);

    expect(issuesOf(event).map((issue) => issue.path)).toEqual(["data.items.1.quantity", "data.items.1"]);
  });
});

describe("tickets: exactly `quantity` entries, ticket_ids unique across the order", () => {
  it("refuses more tickets than the quantity", () => {
    const tickets = [{ ticket_id: "T-1" }, { ticket_id: "T-2" }, { ticket_id: "T-3" }];
    expectOnlyIssue(
      placedWith("data.items.0.tickets", tickets),
      "data.items.0.tickets",
      "must have exactly 2 tickets (quantity is 2), got 3",
    );
  });

  it("refuses fewer tickets than the quantity, and an empty list", () => {
    expectOnlyIssue(
      placedWith("data.items.1.tickets", [{ ticket_id: "T-1" }, { ticket_id: "T-2" }]),
      "data.items.1.tickets",
      "must have exactly 1 ticket (quantity is 1), got 2",
    );
    expectOnlyIssue(
      placedWith("data.items.0.tickets", []),
      "data.items.0.tickets",
      "must have exactly 2 tickets (quantity is 2), got 0",
    );
  });

  it("refuses a ticket_id used twice in one item, at the second one", () => {
    expectOnlyIssue(
      placedWith("data.items.0.tickets.1.ticket_id", "CH-10001-1-1"),
      "data.items.0.tickets.1.ticket_id",
      'must be unique across the order: "CH-10001-1-1" is also the ticket_id of data.items.0.tickets.0',
    );
  });

  it("refuses a ticket_id used by another item", () => {
    const event = placedWith("data.items.1.tickets", [{ ticket_id: "CH-10001-1-2" }]);
    expectOnlyIssue(
      event,
      "data.items.1.tickets.0.ticket_id",
      'must be unique across the order: "CH-10001-1-2" is also the ticket_id of data.items.0.tickets.1',
    );
  });

  it("refuses a ticket_id equal to an id the adapter makes for an item without tickets", () => {
    const generated = defaultTicketId("CH-10001-2", 1);
    expect(generated).toBe("CH-10001-2-1");
    expectOnlyIssue(
      placedWith("data.items.0.tickets.0.ticket_id", generated),
      "data.items.0.tickets.0.ticket_id",
      'must be unique across the order: "CH-10001-2-1" is the id the adapter gives ticket 1 of item "CH-10001-2" (data.items.1), which sends no tickets',
    );
  });

  it("accepts an item without tickets and a ticket without traveler", () => {
    const event = acceptedPlaced(placedWith("data.items.0.tickets.0", { ticket_id: "CH-10001-1-1" }));
    expect(event.data.items[0]?.tickets?.[0]?.traveler).toBeUndefined();
    expect(acceptedPlaced(placedWith("data.items.0.tickets", undefined)).data.items[0]?.tickets).toBeUndefined();
  });
});

describe("item_ids are unique", () => {
  it("refuses a second item with the same item_id, at its item_id", () => {
    expectOnlyIssue(
      placedWith("data.items.0.item_id", "CH-10001-2"),
      "data.items.1.item_id",
      'must be unique within the order: "CH-10001-2" is also the item_id of data.items.0',
    );
  });
});

describe("travelers, purchaser and representative", () => {
  it("accepts a traveler with no fields at all", () => {
    const event = acceptedPlaced(placedWith("data.items.0.tickets.0.traveler", {}));
    expect(event.data.items[0]?.tickets?.[0]?.traveler).toEqual({});
  });

  it.each(["name", "country_code", "phone", "email"])(
    "refuses a blank traveler %s, saying to leave it out instead",
    (field) => {
      const path = `data.items.0.tickets.1.traveler.${field}`;
      expectOnlyIssue(
        placedWith(path, " "),
        path,
        "must not be blank; leave it out to take it from the representative or the purchaser",
      );
    },
  );

  it("accepts the representative absent, null or partial", () => {
    expect(acceptedPlaced(placedWith("data.representative", undefined)).data.representative).toBeUndefined();
    expect(acceptedPlaced(placedWith("data.representative", null)).data.representative).toBeNull();
    expect(acceptedPlaced(placedWith("data.representative", { phone: "01099998888" })).data.representative).toEqual({
      phone: "01099998888",
    });
  });

  it("refuses a representative that is not an object", () => {
    expectOnlyIssue(
      placedWith("data.representative", ["Kim Minji"]),
      "data.representative",
      "must be a JSON object, got an array",
    );
  });

  it("refuses a purchaser that is not an object", () => {
    expectOnlyIssue(
      placedWith("data.purchaser", "Kim Minji"),
      "data.purchaser",
      'must be a JSON object, got "Kim Minji"',
    );
  });
});

describe("order.cancelled", () => {
  it("defaults reason to traveler and accepts unavoidable", () => {
    expect(acceptedCancelled(cancelledWith("data.reason", undefined)).data.reason).toBe("traveler");
    expect(acceptedCancelled(cancelledWith("data.reason", "unavoidable")).data.reason).toBe("unavoidable");
  });

  it("refuses another reason, naming the allowed ones", () => {
    expectOnlyIssue(
      cancelledWith("data.reason", "supplier"),
      "data.reason",
      'must be one of "traveler", "unavoidable", got "supplier"',
    );
  });

  it("accepts neither item_ids nor ticket_ids (the whole order)", () => {
    const event = acceptedCancelled({ type: "order.cancelled", data: { order_id: "CH-10001" } });
    expect(event.data).toEqual({ order_id: "CH-10001", reason: "traveler" });
  });

  it.each(["item_ids", "ticket_ids"])("refuses an empty %s", (field) => {
    expectOnlyIssue(
      cancelledWith(`data.${field}`, []),
      `data.${field}`,
      "must not be empty when present; leave both item_ids and ticket_ids out to cancel the whole order",
    );
  });

  it.each(["item_ids", "ticket_ids"])("refuses %s that is not a list", (field) => {
    expectOnlyIssue(cancelledWith(`data.${field}`, "CH-10001-2"), `data.${field}`, /^must be an array of ids/);
  });

  it("requires order_id", () => {
    expectOnlyIssue(cancelledWith("data.order_id", undefined), "data.order_id", "is required");
  });
});

describe("the issue list", () => {
  it("reports every broken rule, one issue per path, with paths dotted from the root", () => {
    let event = placedWith("data.items.0.quantity", 0);
    event = withValue(event, "data.currency", "EUR");
    event = withValue(event, "data.purchaser.email", "");
    event = withValue(event, "data.items.1.unit_price", 60000);

    const paths = issuesOf(event).map((issue) => issue.path);

    expect(paths).toEqual([
      "data.currency",
      "data.purchaser.email",
      "data.items.0.quantity",
      "data.items.1.unit_price",
    ]);
  });

  it("gives one issue for a value that breaks several rules of one field", () => {
    expect(issuesOf(placedWith("data.order_id", ""))).toEqual([
      { path: "data.order_id", message: "must not be empty (1 to 128 printable characters)" },
    ]);
  });

  it("never leaks valibot's default wording", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = parseChannelEvent({ type: "order.placed", data: value });
        return result.ok || result.issues.every((issue) => !/Invalid (type|key|input)|Expected/.test(issue.message));
      }),
    );
  });
});

describe("contact fields: at most 254 characters, no control characters", () => {
  it.each(["name", "country_code", "phone", "email"])("refuses a purchaser %s over 254 characters", (field) => {
    expect(acceptedPlaced(placedWith(`data.purchaser.${field}`, "a".repeat(254)))).toBeTruthy();
    expectOnlyIssue(
      placedWith(`data.purchaser.${field}`, "a".repeat(255)),
      `data.purchaser.${field}`,
      "must be at most 254 characters, got 255",
    );
  });

  it("refuses NUL and other control characters in a contact field, naming the character", () => {
    expectOnlyIssue(
      placedWith("data.purchaser.name", "Kim\u0000Minji"),
      "data.purchaser.name",
      "must not contain control characters, found U+0000 at position 4",
    );
    expectOnlyIssue(
      placedWith("data.items.0.tickets.1.traveler.email", "jun@example.com\n"),
      "data.items.0.tickets.1.traveler.email",
      "must not contain control characters, found U+000A at position 16",
    );
  });

  it("refuses NUL in free text and in additional values, and over-long additional keys", () => {
    expectOnlyIssue(
      placedWith("data.comment", "a\u0000b"),
      "data.comment",
      "must not contain the NUL character (U+0000)",
    );
    expectOnlyIssue(
      placedWith("data.purchaser.additional", { english_name: "Minji\u0000" }),
      "data.purchaser.additional.english_name",
      "must not contain the NUL character (U+0000)",
    );
    expect(issuesOf(placedWith("data.purchaser.additional", { ["k".repeat(129)]: "x" }))[0]?.message).toBe(
      "keys must be at most 128 characters",
    );
  });
});

describe("additional: reserved keys are refused, never dropped", () => {
  it.each(["__proto__", "constructor", "prototype"])("refuses the key %s with an issue at its path", (key) => {
    // JSON.parse, as the receiver does: `__proto__` becomes an own key, not the prototype.
    const event = JSON.parse(
      JSON.stringify(placedExample()).replace('"english_name":"Minji Kim"', `"english_name":"Minji Kim","${key}":"x"`),
    ) as unknown;
    expectOnlyIssue(
      event,
      `data.purchaser.additional.${key}`,
      `"${key}" is a reserved name and cannot be an additional key; use another name`,
    );
  });
});

describe("oversized lists: one issue, before any entry is checked", () => {
  it("answers an items list of 13,000 empty objects with one issue", () => {
    const items = Array.from({ length: 13_000 }, () => ({}));
    expect(issuesOf(placedWith("data.items", items))).toEqual([
      { path: "data.items", message: "must have at most 50 items per order, got 13000" },
    ]);
  });

  it("answers a tickets list over the largest quantity with one issue", () => {
    const tickets = Array.from({ length: 5_000 }, () => ({}));
    expect(issuesOf(placedWith("data.items.0.tickets", tickets))).toEqual([
      { path: "data.items.0.tickets", message: "must have at most 100 tickets (the largest quantity), got 5000" },
    ]);
  });
});

describe("boundedIssues: the 400 answer's issues", () => {
  it("lists at most 50, then says how many there were", () => {
    const issues = Array.from({ length: 120 }, (_, n) => ({ path: `p${n}`, message: "m" }));
    const bounded = boundedIssues(issues);
    expect(bounded.issues).toHaveLength(50);
    expect(bounded).toMatchObject({ issues_truncated: true, issue_count: 120 });
    expect(boundedIssues(issues.slice(0, 50))).toEqual({ issues: issues.slice(0, 50) });
  });

  it("clips paths and messages to 300 characters", () => {
    const [issue] = boundedIssues([{ path: "k".repeat(100_000), message: "m".repeat(10_000) }]).issues;
    expect(issue?.path).toHaveLength(300);
    expect(issue?.message).toHaveLength(300);
  });
});

describe("totals are the channel's figures: not checked against the items (a decision)", () => {
  it("accepts an order whose subtotal, discount and total disagree with its items, and keeps them as sent", () => {
    let event = placedWith("data.subtotal", "1");
    event = withValue(event, "data.total", "999999");
    event = withValue(event, "data.discount", "5000000");
    const accepted = acceptedPlaced(event);
    expect(accepted.data).toMatchObject({ subtotal: "1", total: "999999", discount: "5000000" });
  });
});
