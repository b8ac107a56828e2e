// What an operator types cannot forge a line of the audit log or reorder what is shown: the schemas refuse control,
// escape, NUL, bidirectional and line-separator characters with a 400's message naming them, and every output
// escapes what older entries hold.
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ProductMappingSchema } from "../../lib/admin/mapping-input";
import { ReconcileRequestSchema } from "../../lib/admin/schemas";
import { escapeText, safeJson, unsafeTextProblem } from "../../lib/text-safety";

const mapping = (sku: string) => ({ sku, product_type: "tour", mapping_code: "m", option_code: "o" });
const message = (schema: v.GenericSchema, value: unknown) => {
  const result = v.safeParse(schema, value);
  return result.success ? undefined : result.issues.map((issue) => issue.message).join("; ");
};

describe("operator text", () => {
  it.each([
    [
      "a line break",
      "SKU-1\n2026-12-01T00:00:00Z  mallory  remove_mapping  SKU-2",
      "a line break (U+000A, at character 6)",
    ],
    ["a carriage return", "SKU\rX", "a carriage return (U+000D, at character 4)"],
    ["an escape", "SKU\u001b[31mRED", "an escape character (U+001B, at character 4)"],
    ["NUL", "SKU\u0000", "NUL (U+0000, at character 4)"],
    ["a bidi override", "SKU\u202Eevil", "a bidirectional control (U+202E, at character 4)"],
    ["a bidi isolate", "\u2066SKU", "a bidirectional control (U+2066, at character 1)"],
    ["a line separator", "SKU\u2028X", "a line separator (U+2028, at character 4)"],
    ["a C1 control", "SKU\u009bX", "a control character (U+009B, at character 4)"],
  ])("refuses %s in a mapping's sku, naming it", (_what, sku, problem) => {
    expect(message(ProductMappingSchema, mapping(sku))).toBe(`sku must not contain ${problem}`);
  });

  it("refuses them in every code of a reconciliation too", () => {
    expect(
      message(ReconcileRequestSchema, {
        kind: "attach",
        ax_orders: [{ item_id: "i", ax_order_code: "AX\n1", tickets: [] }],
      }),
    ).toBe("ax_order_code must not contain a line break (U+000A, at character 3)");
  });

  it("accepts any other text, Korean and emoji included, and refuses an oversized field", () => {
    expect(message(ProductMappingSchema, mapping("롯데월드-1일권 🎢"))).toBeUndefined();
    expect(unsafeTextProblem("Kim Minji · 김민지")).toBeUndefined();
    expect(message(ProductMappingSchema, { ...mapping("S"), option_code: "o".repeat(129) })).toBe(
      "option_code is longer than 128 characters",
    );
  });

  it("escapes what an older entry holds, on one line, in order", () => {
    expect(escapeText("a\nb\u202Ec\u001b[0m")).toBe("a\\u{A}b\\u{202E}c\\u{1B}[0m");
    const json = safeJson({ sku: "x\u202Ey\n" });
    expect(json).toBe('{\n  "sku": "x\\u202ey\\n"\n}');
    expect(JSON.parse(json)).toEqual({ sku: "x\u202Ey\n" });
  });
});
