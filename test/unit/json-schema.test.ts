// The JSON Schema the contract publishes: generated from the valibot schemas, committed under docs/schemas, and
// in agreement with the valibot rules it can express.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  channelEventJsonSchemas,
  orderCancelledJsonSchema,
  orderPlacedJsonSchema,
} from "../../lib/channel/json-schema";
import { MONEY_PATTERN, parseChannelEvent } from "../../lib/channel/schemas";
import { PROJECT_ROOT, renderJsonSchemaFiles } from "../../scripts/json-schema-files";

type Node = Record<string, unknown>;

/** The sub-schema at a path of property names (`items` steps into an array's item schema). */
function at(schema: unknown, ...path: string[]): Node {
  let node = schema as Node;
  for (const key of path) {
    const next = key === "[]" ? node.items : (node.properties as Record<string, unknown> | undefined)?.[key];
    if (typeof next !== "object" || next === null) throw new Error(`no schema at ${path.join(".")}`);
    node = next as Node;
  }
  return node;
}

describe("the committed JSON Schema files", () => {
  it("equal the schemas generated from the code", async () => {
    const files = await renderJsonSchemaFiles();

    expect([...files.keys()]).toEqual([
      "docs/schemas/order.placed.schema.json",
      "docs/schemas/order.cancelled.schema.json",
    ]);
    for (const [path, generated] of files) {
      const committed = await readFile(resolve(PROJECT_ROOT, path), "utf8").catch(() => "(missing)");
      expect(committed, `${path} is stale: run \`npm run schemas\` and commit the result`).toBe(generated);
    }
  });

  it("are the JSON of the exported schemas", async () => {
    const placed: unknown = JSON.parse(
      await readFile(resolve(PROJECT_ROOT, "docs/schemas/order.placed.schema.json"), "utf8"),
    );

    expect(placed).toEqual(orderPlacedJsonSchema);
  });
});

describe("the generated JSON Schema", () => {
  it("is draft 2020-12 with a title per event type", () => {
    for (const [type, schema] of Object.entries(channelEventJsonSchemas)) {
      expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
      expect(schema.title).toBe(type);
      expect(at(schema, "type").const).toBe(type);
      expect(schema.required).toEqual(["type", "data"]);
    }
  });

  it("lists the required fields of order.placed, its purchaser and its items", () => {
    expect(at(orderPlacedJsonSchema, "data").required).toEqual([
      "order_id",
      "placed_at",
      "currency",
      "subtotal",
      "total",
      "purchaser",
      "items",
    ]);
    expect(at(orderPlacedJsonSchema, "data", "purchaser").required).toEqual(["name", "country_code", "phone", "email"]);
    expect(at(orderPlacedJsonSchema, "data", "items", "[]").required).toEqual([
      "item_id",
      "date",
      "quantity",
      "unit_price",
      "amount",
    ]);
    expect(at(orderPlacedJsonSchema, "data", "items", "[]").oneOf).toEqual([
      { required: ["ax"] },
      { required: ["sku"] },
    ]);
  });

  it("states the limits: ids, free text, quantity, items, money, enums, defaults", () => {
    const data = at(orderPlacedJsonSchema, "data");
    const item = at(data, "items", "[]");

    expect(at(data, "order_id")).toMatchObject({ type: "string", minLength: 1, maxLength: 128 });
    expect(at(item, "tickets", "[]", "ticket_id")).toMatchObject({ minLength: 1, maxLength: 128 });
    expect(at(data, "comment")).toMatchObject({ type: "string", maxLength: 2000 });
    expect(at(item, "quantity")).toEqual({ type: "integer", minimum: 1, maximum: 100 });
    expect(at(data, "items")).toMatchObject({ type: "array", minItems: 1, maxItems: 50 });
    expect(at(data, "total")).toEqual({ type: "string", pattern: MONEY_PATTERN.source });
    expect(at(data, "currency").enum).toEqual(["KRW", "USD"]);
    expect(at(item, "ax", "product_type").enum).toEqual(["tour", "day-ticket"]);
    expect(at(data, "is_voucher")).toEqual({ type: "boolean", default: false });
    expect(at(data, "placed_at").format).toBe("date-time");
    expect(at(item, "date").anyOf).toEqual([{ format: "date" }, { format: "date-time" }]);
    expect(at(data, "representative").anyOf).toContainEqual({ type: "null" });
    expect(at(data, "purchaser", "additional")).toMatchObject({
      type: "object",
      additionalProperties: { type: "string" },
    });
  });

  it("describes order.cancelled: reason defaults to traveler, id lists are non-empty", () => {
    const data = at(orderCancelledJsonSchema, "data");

    expect(data.required).toEqual(["order_id"]);
    expect(at(data, "reason")).toMatchObject({ enum: ["traveler", "unavoidable"], default: "traveler" });
    expect(at(data, "item_ids")).toMatchObject({ type: "array", minItems: 1 });
    expect(at(data, "ticket_ids", "[]")).toMatchObject({ minLength: 1, maxLength: 128 });
  });

  it("leaves unknown fields allowed (forward compatible)", () => {
    expect(JSON.stringify(channelEventJsonSchemas)).not.toContain('"additionalProperties":false');
  });

  it("agrees with the valibot schema on money (property)", () => {
    const pattern = new RegExp(String(at(orderPlacedJsonSchema, "data", "total").pattern));
    const moneyLike = fc.oneof(
      fc.stringMatching(/^-?\d{0,18}(\.\d{0,8})?$/),
      fc.string({ unit: fc.constantFrom("0", "1", "9", ".", "-", "+", "e", " ") }),
    );
    fc.assert(
      fc.property(moneyLike, (value) => {
        const event = { type: "order.cancelled", data: { order_id: "CH-1" } };
        const placed = parseChannelEvent({
          type: "order.placed",
          data: {
            order_id: "CH-1",
            placed_at: "2026-11-23T08:59:41Z",
            currency: "KRW",
            subtotal: "1",
            total: value,
            purchaser: { name: "K", country_code: "82", phone: "1", email: "k@example.com" },
            items: [{ item_id: "I", sku: "S", date: "2026-12-25", quantity: 1, unit_price: "1", amount: "1" }],
          },
        });
        return parseChannelEvent(event).ok && placed.ok === pattern.test(value);
      }),
    );
  });

  it("agrees with the valibot schema on printable ids (property)", () => {
    const pattern = new RegExp(String(at(orderPlacedJsonSchema, "data", "order_id").pattern), "u");
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 20 }), (value) => {
        const accepted = parseChannelEvent({ type: "order.cancelled", data: { order_id: value } }).ok;
        const printableAndNotBlank = pattern.test(value) && value.trim() !== "";
        return accepted === printableAndNotBlank;
      }),
    );
  });
});
