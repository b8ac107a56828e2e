// The size DynamoDB bills an item by (its "item size"): attribute names and values in bytes, as DynamoDB's developer
// guide counts them — strings in UTF-8, numbers about one byte per two significant digits plus one, booleans and
// nulls one byte, and lists and maps three bytes plus one per element on top of their contents.
export function itemBytes(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8Bytes(name) + valueBytes(value), 0);
}

const utf8Bytes = (text: string) => Buffer.byteLength(text, "utf8");

function valueBytes(value: unknown): number {
  if (typeof value === "string") return utf8Bytes(value);
  if (typeof value === "number") {
    const digits = String(Math.abs(value))
      .replace(/[.\-e+]/g, "")
      .replace(/^0+/, "")
      .replace(/0+$/, "");
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (typeof value === "boolean" || value === null) return 1;
  if (Array.isArray(value)) return value.reduce((sum: number, entry) => sum + 1 + valueBytes(entry), 3);
  if (value instanceof Uint8Array) return value.length;
  if (typeof value === "object") return 3 + Object.keys(value).length + itemBytes(value as Record<string, unknown>);
  return 0;
}
