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

/** What DynamoDB bills as storage for each item and each index entry on top of its bytes. */
export const STORAGE_OVERHEAD_BYTES = 100;

export interface IndexShape {
  name: string;
  keys: string[];
  /** `ALL`, `KEYS_ONLY`, or the attributes an INCLUDE projection adds. */
  projection: "ALL" | "KEYS_ONLY" | string[];
}

interface IndexDefinition {
  IndexName: string;
  KeySchema: { AttributeName: string }[];
  Projection: { ProjectionType: string; NonKeyAttributes?: string[] };
}

/** The global secondary indexes of a table definition (resources/table.json's form). */
export function indexShapes(definition: { GlobalSecondaryIndexes: IndexDefinition[] }): IndexShape[] {
  return definition.GlobalSecondaryIndexes.map((index) => ({
    name: index.IndexName,
    keys: index.KeySchema.map((key) => key.AttributeName),
    projection:
      index.Projection.ProjectionType === "INCLUDE"
        ? (index.Projection.NonKeyAttributes ?? [])
        : index.Projection.ProjectionType === "ALL"
          ? "ALL"
          : "KEYS_ONLY",
  }));
}

const TABLE_KEYS = ["pk", "sk"];

/**
 * The storage one item takes: its own bytes and, for every index that holds it (it has all of the index's key
 * attributes), the entry's bytes (the index's keys, the table's keys and the projected attributes), each with
 * DynamoDB's 100 bytes of overhead.
 */
export function storedBytes(item: Record<string, unknown>, indexes: IndexShape[]): number {
  let bytes = itemBytes(item) + STORAGE_OVERHEAD_BYTES;
  for (const index of indexes) {
    if (!index.keys.every((key) => item[key] !== undefined)) continue;
    if (index.projection === "ALL") {
      bytes += itemBytes(item) + STORAGE_OVERHEAD_BYTES;
      continue;
    }
    const names = new Set([
      ...index.keys,
      ...TABLE_KEYS,
      ...(index.projection === "KEYS_ONLY" ? [] : index.projection),
    ]);
    const entry = Object.fromEntries(Object.entries(item).filter(([name]) => names.has(name)));
    bytes += itemBytes(entry) + STORAGE_OVERHEAD_BYTES;
  }
  return bytes;
}

/** Bytes kept for good, and bytes kept for a while by how many days their TTL keeps them. */
export interface StorageShare {
  kept: number;
  /** Days → bytes, for items with a TTL (`expires_at`, in seconds, counted from the item's own time). */
  expiring: Record<string, number>;
}

const DAY_SECONDS = 86_400;

/** The moment an item's TTL counts from: the first of its `at`, `delivered_at`, `answered_at`, `received_at`, `updated_at`. */
function writtenAt(item: Record<string, unknown>): number | undefined {
  for (const name of ["at", "delivered_at", "answered_at", "received_at", "updated_at"]) {
    const value = item[name];
    if (typeof value === "string" && !Number.isNaN(Date.parse(value))) return Date.parse(value) / 1000;
  }
  return undefined;
}

/** How the storage of some items splits into what is kept for good and what expires after how long. */
export function storageShare(items: Record<string, unknown>[], indexes: IndexShape[]): StorageShare {
  const share: StorageShare = { kept: 0, expiring: {} };
  for (const item of items) {
    const bytes = storedBytes(item, indexes);
    const expires = item.expires_at;
    const from = writtenAt(item);
    if (typeof expires !== "number" || from === undefined) {
      share.kept += bytes;
      continue;
    }
    const days = String(Math.round((expires - from) / DAY_SECONDS));
    share.expiring[days] = (share.expiring[days] ?? 0) + bytes;
  }
  return share;
}

/** The mean of several orders' shares (each order's items grouped), or the difference of two means. */
export function meanShare(shares: StorageShare[]): StorageShare {
  const count = Math.max(1, shares.length);
  const mean: StorageShare = { kept: 0, expiring: {} };
  for (const share of shares) {
    mean.kept += share.kept / count;
    for (const [days, bytes] of Object.entries(share.expiring))
      mean.expiring[days] = (mean.expiring[days] ?? 0) + bytes / count;
  }
  return mean;
}

export function shareDifference(after: StorageShare, before: StorageShare): StorageShare {
  const expiring: Record<string, number> = {};
  for (const days of new Set([...Object.keys(after.expiring), ...Object.keys(before.expiring)])) {
    const bytes = (after.expiring[days] ?? 0) - (before.expiring[days] ?? 0);
    if (Math.abs(bytes) >= 0.5) expiring[days] = bytes;
  }
  return { kept: after.kept - before.kept, expiring };
}
