// The benchmark's storage accounting (scripts/bench/item-size.ts): what DynamoDB bills as storage for an item is its
// bytes and, in every index that holds it, the entry's projected bytes, each with 100 bytes of overhead; items with a
// TTL are kept for the days it gives them, the others for good.
import { describe, expect, it } from "vitest";
import {
  indexShapes,
  itemBytes,
  meanShare,
  shareDifference,
  storageShare,
  storedBytes,
} from "../../scripts/bench/item-size";
import { tableDefinition } from "../../local/dynamodb/table";

const indexes = indexShapes(tableDefinition);

describe("the storage an item takes", () => {
  it("is its bytes and 100, when no index holds it", () => {
    const item = { pk: "LOG#CH-1", sk: "2026-12-03T00:00:00.000Z#ab", summary: "x".repeat(50) };
    expect(storedBytes(item, indexes)).toBe(itemBytes(item) + 100);
  });

  it("adds a keys-only entry for byAxOrder: the index's key and the table's keys, and 100", () => {
    const keys = { pk: "ORDER#CH-1", sk: "AXORDER#CH-1-1", ax_order_code: "ax-1" };
    const item = { ...keys, history: ["a long history that the index does not project"] };
    expect(storedBytes(item, indexes)).toBe(itemBytes(item) + 100 + itemBytes(keys) + 100);
  });

  it("adds an INCLUDE entry with only the projected attributes, and an ALL entry with the whole item", () => {
    const projected = {
      pk: "EVENT#m1",
      sk: "EVENT",
      event_order_pk: "ORDER#CH-1",
      received_at: "t",
      status: "applied",
    };
    const event = { ...projected, body: "b".repeat(1_000) };
    expect(storedBytes(event, indexes)).toBe(itemBytes(event) + 100 + itemBytes(projected) + 100);
    const queued = { pk: "ORDER#CH-1", sk: "NOTIFY#n1", outbox_state: "pending", next_attempt_at: "t", body: "{}" };
    expect(storedBytes(queued, indexes)).toBe(2 * (itemBytes(queued) + 100));
  });
});

describe("an order's storage share", () => {
  const at = "2026-12-03T00:00:00.000Z";
  const seconds = Date.parse(at) / 1000;
  const kept = { pk: "ORDER#CH-1", sk: "ORDER", order_id: "CH-1" };
  const log = { pk: "LOG#CH-1", sk: `${at}#a`, at, expires_at: seconds + 90 * 86_400 };
  const answer = { pk: "ORDER#CH-1", sk: "AXANSWER#x", answered_at: at, expires_at: seconds + 30 * 86_400 };

  it("splits what is kept for good from what expires, by the days its TTL gives", () => {
    const share = storageShare([kept, log, answer], indexes);
    expect(share).toEqual({
      kept: storedBytes(kept, indexes),
      expiring: { "90": storedBytes(log, indexes), "30": storedBytes(answer, indexes) },
    });
  });

  it("averages over orders and subtracts one from another", () => {
    const one = storageShare([kept], indexes);
    const two = storageShare([kept, log], indexes);
    expect(meanShare([one, two])).toEqual({ kept: one.kept, expiring: { "90": storedBytes(log, indexes) / 2 } });
    expect(shareDifference(two, one)).toEqual({ kept: 0, expiring: { "90": storedBytes(log, indexes) } });
  });
});
