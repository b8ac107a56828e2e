// What an order can be found by: normalised keys (any case, width and spacing), personal data only as hashes that
// expire with the event, and each order once per key.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseChannelEvent, type ChannelEvent } from "../../lib/channel/schemas";
import type { AxOrderRecord } from "../../lib/orders/model";
import { SETTLED_EVENT_TTL_DAYS } from "../../lib/orders/model";
import { entriesOfAxOrders, entriesOfEvent, normalise, searchKey } from "../../lib/orders/search-entries";
import { sampleOrderPlaced } from "../../local/samples";

function placed(orderId: string): ChannelEvent {
  const parsed = parseChannelEvent(sampleOrderPlaced(orderId));
  if (!parsed.ok) throw new Error("the sample does not parse");
  return parsed.event;
}

describe("search entries", () => {
  it("normalise any case, width and run of spaces", () => {
    expect(normalise("  Kim   MINJI ")).toBe("kim minji");
    expect(normalise("ＣＨ－１０００１")).toBe("ch-10001");
    expect(searchKey("order_id", "CH-10001")).toBe("ch-");
  });

  it("index a placement's id, e-mails and names (purchaser, travelers, English name), hashed and expiring", () => {
    const receivedAt = "2026-11-23T09:00:00.000Z";
    const entries = entriesOfEvent(placed("CH-1"), receivedAt);
    const sha = (value: string) => createHash("sha256").update(value).digest("hex");
    const expires = Date.parse(receivedAt) / 1000 + SETTLED_EVENT_TTL_DAYS * 86_400;
    expect(entries).toEqual(
      expect.arrayContaining([
        { kind: "order_id", key: "ch-", sort: "ch-1#CH-1", order_id: "CH-1", at: receivedAt },
        {
          kind: "email",
          key: sha("minji@example.com"),
          sort: `${receivedAt}#CH-1`,
          order_id: "CH-1",
          at: receivedAt,
          expires_at: expires,
        },
        {
          kind: "email",
          key: sha("jun@example.com"),
          sort: `${receivedAt}#CH-1`,
          order_id: "CH-1",
          at: receivedAt,
          expires_at: expires,
        },
        expect.objectContaining({ kind: "name", key: sha("kim minji"), expires_at: expires }),
        expect.objectContaining({ kind: "name", key: sha("lee jun") }),
        expect.objectContaining({ kind: "name", key: sha("minji kim") }),
      ]),
    );
    // "Kim Minji" is the purchaser and a traveler: one entry.
    expect(entries.filter((e) => e.kind === "name" && e.key === sha("kim minji"))).toHaveLength(1);
    expect(JSON.stringify(entries)).not.toMatch(/minji@|Kim Minji|kim minji/);
  });

  it("index an AX order's ticket codes in lower case, and a cancellation's order id", () => {
    const axOrder = {
      order_id: "CH-2",
      item_id: "CH-2-1",
      created_at: "2026-11-23T09:00:01.000Z",
      tickets: [{ ticket_id: "t", ax_ticket_code: "827C0381-AB", ax_ticket_status: "New" }],
    } as AxOrderRecord;
    expect(entriesOfAxOrders([axOrder])).toEqual([
      {
        kind: "ax_ticket_code",
        key: "827c0381-ab",
        sort: "2026-11-23T09:00:01.000Z#CH-2",
        order_id: "CH-2",
        at: axOrder.created_at,
      },
    ]);
    const cancel = parseChannelEvent({ type: "order.cancelled", data: { order_id: "CH-3" } });
    if (!cancel.ok) throw new Error("no parse");
    expect(entriesOfEvent(cancel.event, "2026-11-24T00:00:00.000Z").map((e) => e.kind)).toEqual(["order_id"]);
  });
});
