// The admin API over real HTTP on 127.0.0.1, on a fresh table in DynamoDB Local: auth by named tokens, every
// endpoint, pagination from the indexes, each action's effect, and the audit record of who did it.
import { createHash, randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminApiHandler } from "../../lib/admin/http";
import { identifyToken, parseAdminTokens } from "../../lib/admin/tokens";
import { parseChannelEvent } from "../../lib/channel/schemas";
import { operatorEntry } from "../../lib/orders/attempt-log";
import { newOrder } from "../../lib/orders/order-state";
import { entriesOfAxOrders, entriesOfEvent } from "../../lib/orders/search-entries";
import { DynamoSearchIndex } from "../../lib/store/search-index";
import { sampleOrderPlaced } from "../../local/samples";
import { systemClock } from "../../lib/orders/ports";
import { readConfig } from "../../lib/config";
import type { AxOrderRecord, NotificationRecord, OrderRecord, StoredEvent } from "../../lib/orders/model";
import type { QueuedEvent } from "../../lib/orders/ports";
import { AdminDynamoStore } from "../../lib/store/admin-store";
import { notificationItem } from "../../lib/store/status-sync-items";
import { localClientConfig } from "../../local/dynamodb/emulator";
import { localAdminRoutes } from "../../local/admin";
import { startAxSandbox, type AxSandbox } from "../../local/ax-sandbox/server";
import { createTourInAx } from "../support/ax";
import { faultyStore } from "../support/dynamodb-faults";
import { apiEvent } from "../support/webhooks";
import { LocalFifoQueue } from "../../local/fifo-queue";
import { startHttpGateway } from "../../local/http-gateway";
import { freshTable, type TestTable } from "../support/dynamodb";

const ALICE = "alice-token-0123456789";
const BOB = "bob-token-0123456789";

describe("admin API", () => {
  let table: TestTable;
  let store: AdminDynamoStore;
  let server: Server;
  let url: string;
  /** What the worker got: every message the local queue delivered (to see a redrive's effect). */
  const delivered: QueuedEvent[] = [];
  let queue: LocalFifoQueue;
  /** What the admin API logged (refused tokens among it). */
  const logged: string[] = [];
  let sandbox: AxSandbox;

  const call = async (method: string, path: string, body?: unknown, token: string | null = ALICE) => {
    const answer = await fetch(`${url}/admin${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> & { items?: unknown[] } };
  };
  const audit = async () =>
    ((await call("GET", "/audit?limit=100")).body.items ?? []) as { actor: string; action: string; target: string }[];

  async function storeEvent(event: Partial<StoredEvent> & { order_id: string }): Promise<StoredEvent> {
    const body = JSON.stringify({ type: "order.placed", data: { order_id: event.order_id } });
    const now = new Date().toISOString();
    const stored: StoredEvent = {
      webhook_id: `msg_${randomUUID()}`,
      type: "order.placed",
      body,
      body_sha256: createHash("sha256").update(body).digest("hex"),
      status: "queued",
      received_at: now,
      updated_at: now,
      attempts: 0,
      ...event,
    };
    await store.putEvent({ ...stored, status: "queued" });
    if (stored.status !== "queued")
      await store.setEventStatus(
        { webhook_id: stored.webhook_id, status: stored.status, reason: stored.reason, detail: stored.detail },
        new Date(),
      );
    return stored;
  }

  /** What the worker records after applying an event (lib/orders/apply-event.ts): what an order is found by. */
  async function indexEvent(payload: unknown, receivedAt: string, axOrders: AxOrderRecord[] = []) {
    const parsed = parseChannelEvent(payload);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    await new DynamoSearchIndex(table.doc, table.tableName).recordSearchEntries([
      ...entriesOfEvent(parsed.event, receivedAt),
      ...entriesOfAxOrders(axOrders),
    ]);
  }

  async function storeOrder(
    orderId: string,
    status: OrderRecord["status"],
    createdAt: string,
    extra: Partial<OrderRecord> = {},
  ) {
    await indexEvent({ type: "order.cancelled", data: { order_id: orderId } }, createdAt);
    await store.commit({
      order: {
        order_id: orderId,
        status,
        version: 1,
        create_calls: {},
        events: {},
        created_at: createdAt,
        updated_at: createdAt,
        ...extra,
      },
      expectedVersion: undefined,
    });
  }

  beforeAll(async () => {
    table = await freshTable();
    store = new AdminDynamoStore(table.doc, table.tableName);
    queue = new LocalFifoQueue({
      maxReceiveCount: 1,
      baseDelayMs: 1,
      handler: (event: SQSEvent): Promise<SQSBatchResponse> => {
        const failures = event.Records.flatMap((record) => {
          const message = JSON.parse(record.body) as QueuedEvent;
          delivered.push(message);
          // Messages of orders named DLQ-… fail, so they end in the dead-letter list.
          return message.order_id.startsWith("DLQ-") ? [{ itemIdentifier: record.messageId }] : [];
        });
        return Promise.resolve({ batchItemFailures: failures });
      },
    });
    sandbox = await startAxSandbox({ apiKey: "key", channelCode: "chan" });
    const config = readConfig({
      TABLE_NAME: table.tableName,
      AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
      AX_BASE_URL: sandbox.url,
      AX_API_KEY: "key",
      AX_CHANNEL_CODE: "chan",
    });
    const started = await startHttpGateway(
      localAdminRoutes({
        config,
        clientConfig: localClientConfig(table.endpoint),
        queue,
        adminTokens: `alice:${ALICE} bob:${BOB}`,
        log: (line) => logged.push(line),
      }),
      0,
      { adminToken: ALICE },
    );
    server = started.server;
    url = started.url;
  });
  afterAll(async () => {
    await queue.stop();
    await sandbox.stop();
    server.close();
  });

  describe("named tokens", () => {
    it("refuses a request without a token, or with an unknown one, naming how to authenticate, and logs it without the token", async () => {
      logged.length = 0;
      for (const token of [null, "not-a-token-at-all", `${ALICE}x`]) {
        const answer = await call("GET", "/attention", undefined, token);
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual({
          error: "unauthorized",
          message: "send an admin token as `Authorization: Bearer <token>`",
        });
      }
      expect(logged).toEqual([
        "admin token refused (missing): GET /admin/attention from 127.0.0.1",
        "admin token refused (unknown): GET /admin/attention from 127.0.0.1",
        "admin token refused (unknown): GET /admin/attention from 127.0.0.1",
      ]);
    });

    it("knows each token by its name", async () => {
      expect((await call("GET", "/whoami")).body).toEqual({ name: "alice" });
      expect((await call("GET", "/whoami", undefined, BOB)).body).toEqual({ name: "bob" });
    });

    it("reads `name:token` pairs and refuses malformed ones without showing a token", () => {
      const tokens = parseAdminTokens("alice:aaaaaaaaaaaaaaaa\nbob:bbbbbbbbbbbbbbbb");
      expect(identifyToken(tokens, "bbbbbbbbbbbbbbbb")).toBe("bob");
      expect(identifyToken(tokens, "bbbbbbbbbbbbbbb")).toBeUndefined();
      expect(() => parseAdminTokens("alice:short")).toThrow("admin token alice is shorter than 12 characters");
      expect(() => parseAdminTokens("secretsecretsecret")).toThrow(/entry 1 has no valid name/);
      expect(() => parseAdminTokens("a:aaaaaaaaaaaaaaaa a:bbbbbbbbbbbbbbbb")).toThrow(/named twice/);
    });

    it("answers unknown routes 404 and wrong methods 405", async () => {
      expect((await call("GET", "/nothing")).status).toBe(404);
      expect((await call("DELETE", "/attention")).status).toBe(405);
    });
  });

  describe("orders", () => {
    const prefix = `ORD${randomUUID().slice(0, 6)}`;

    beforeAll(async () => {
      for (let i = 0; i < 5; i++)
        await storeOrder(`${prefix}-${i}`, i % 2 === 0 ? "placed" : "failed", `2026-0${i + 1}-15T10:00:00.000Z`);
    });

    it("lists by status, newest first, one page at a time", async () => {
      const query = "status=placed&from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z";
      const first = await call("GET", `/orders?${query}&limit=2`);
      expect(first.status).toBe(200);
      expect((first.body.items as { order_id: string }[]).map((o) => o.order_id)).toEqual([
        `${prefix}-4`,
        `${prefix}-2`,
      ]);
      const second = await call("GET", `/orders?${query}&limit=2&cursor=${String(first.body.next_cursor)}`);
      expect((second.body.items as { order_id: string }[]).map((o) => o.order_id)).toEqual([`${prefix}-0`]);
      expect(second.body.next_cursor).toBeUndefined();
    });

    it("lists every status within a time range across months, paginated", async () => {
      const query = "from=2026-02-01T00:00:00Z&to=2026-04-30T00:00:00Z";
      const first = await call("GET", `/orders?${query}&limit=2`);
      expect((first.body.items as { order_id: string }[]).map((o) => o.order_id)).toEqual([
        `${prefix}-3`,
        `${prefix}-2`,
      ]);
      const second = await call("GET", `/orders?${query}&limit=2&cursor=${String(first.body.next_cursor)}`);
      expect((second.body.items as { order_id: string }[]).map((o) => o.order_id)).toEqual([`${prefix}-1`]);
    });

    it("finds orders by id prefix in any case, and says how long a prefix must be", async () => {
      const found = await call("GET", `/orders?id_prefix=${prefix.toLowerCase()}-3`);
      expect(found.body.items).toEqual([
        expect.objectContaining({ order_id: `${prefix}-3`, status: "failed", created_at: "2026-04-15T10:00:00.000Z" }),
      ]);
      expect(await call("GET", "/orders?id_prefix=OR")).toEqual({
        status: 400,
        body: { error: "invalid_request", message: "an id search needs at least 3 characters" },
      });
    });

    it("finds an order by AX order code, AX ticket code, webhook id, sku, e-mail and name, each from an index", async () => {
      const orderId = `FIND-${randomUUID().slice(0, 8)}`;
      const payload = sampleOrderPlaced(orderId);
      const item = payload.data.items[1] as Record<string, unknown>;
      delete item.ax;
      item.sku = `Sku-${orderId}`;
      const event = await storeEvent({ order_id: orderId, status: "applied", received_at: "2026-07-01T00:00:00.000Z" });
      const axOrder: AxOrderRecord = {
        order_id: orderId,
        item_id: `${orderId}-1`,
        product_type: "tour",
        mapping_code: "m",
        option_code: "o",
        inventory_at: "2026-12-24T09:00:00Z",
        quantity: 1,
        ax_order_code: `b9872ed4-${randomUUID().slice(0, 8)}`,
        ax_order_status: "New",
        tickets: [
          {
            ticket_id: `${orderId}-1-1`,
            ax_ticket_code: `827c0381-${randomUUID().slice(0, 8)}`,
            ax_ticket_status: "New",
          },
        ],
        history: [],
        created_at: "2026-07-01T00:00:01.000Z",
        updated_at: "2026-07-01T00:00:01.000Z",
      };
      await store.commit({
        order: { ...newOrder(orderId, new Date("2026-07-01T00:00:00.000Z")), status: "placed", version: 1 },
        expectedVersion: undefined,
        axOrders: [axOrder],
      });
      await indexEvent(payload, event.received_at, [axOrder]);
      const ticketCode = axOrder.tickets[0]?.ax_ticket_code ?? "";
      const findings = {
        ax_order_code: axOrder.ax_order_code.toUpperCase(),
        ax_ticket_code: ticketCode.toUpperCase(),
        webhook_id: event.webhook_id,
        sku: `sku-${orderId.toLowerCase()}`,
        email: "  JUN@Example.com ",
        name: "kim   MINJI",
      };
      for (const [lookup, value] of Object.entries(findings)) {
        const answer = await call("GET", `/orders?${lookup}=${encodeURIComponent(value)}`);
        expect(answer.status, lookup).toBe(200);
        expect(answer.body.items, lookup).toContainEqual(
          expect.objectContaining({ order_id: orderId, status: "placed" }),
        );
      }
      // The e-mail and name are in the index only as hashes, expiring with the event's personal data.
      const raw = JSON.stringify(
        await table.doc.send(
          new QueryCommand({
            TableName: table.tableName,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: {
              ":pk": `FIND#email#${createHash("sha256").update("jun@example.com").digest("hex")}`,
            },
          }),
        ),
      );
      expect(raw).toContain(orderId);
      expect(raw).toContain("expires_at");
      expect(raw).not.toContain("jun@example.com");
      expect((await call("GET", "/orders?email=nobody@example.com")).body.items).toEqual([]);
    });

    it("refuses two look-ups at once, or a look-up with a time range, or an over-long value, naming the input", async () => {
      expect((await call("GET", "/orders?sku=A&email=b@c.d")).body).toEqual({
        error: "invalid_request",
        message: "search by one of sku, email at a time",
      });
      expect((await call("GET", "/orders?sku=ABC&status=placed")).status).toBe(400);
      const long = "x".repeat(300);
      for (const lookup of ["id_prefix", "ax_order_code", "ax_ticket_code", "webhook_id", "sku", "email", "name"]) {
        const answer = await call("GET", `/orders?${lookup}=${long}`);
        expect(answer, lookup).toEqual({
          status: 400,
          body: { error: "invalid_request", message: `${lookup} is longer than 256 characters` },
        });
      }
      expect((await call("GET", `/orders/${"O".repeat(200)}`)).body).toEqual({
        error: "invalid_request",
        message: "order_id is longer than 128 characters",
      });
      expect((await call("GET", "/orders?sku=%1B%5B31m")).body.message).toMatch(
        /^sku must not contain an escape character/,
      );
    });

    it("bounds a time search: a page reads at most 12 months, and the cursor goes on from there", async () => {
      const first = await call("GET", "/orders?from=0001-01-01T00:00:00Z&to=2026-12-31T00:00:00Z&limit=100");
      expect(first.status).toBe(200);
      // 2026's orders are found; the years before come page by page, never in one request.
      expect((first.body.items as { order_id: string }[]).map((o) => o.order_id)).toContain(`${prefix}-4`);
      expect(first.body.next_cursor).toBeDefined();
      const next = await call(
        "GET",
        `/orders?from=0001-01-01T00:00:00Z&to=2026-12-31T00:00:00Z&limit=100&cursor=${String(first.body.next_cursor)}`,
      );
      expect(next.status).toBe(200);
    });

    it("refuses a forged, tampered or borrowed cursor with a 400, never a 5xx", async () => {
      const query = "status=placed&from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z&limit=1";
      const first = await call("GET", `/orders?${query}`);
      const cursor = String(first.body.next_cursor);
      const decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as {
        s: string;
        key: Record<string, unknown>;
      };
      const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
      for (const bad of [
        "garbage",
        forge({ ...decoded, key: { ...decoded.key, created_at: 42 } }),
        forge({ ...decoded, key: { pk: "EVENT#x", sk: "EVENT", event_state: "failed", received_at: "x" } }),
        forge({ ...decoded, key: { ...decoded.key, order_status_key: "failed" } }),
        forge({ ...decoded, extra: true }),
      ]) {
        const answer = await call("GET", `/orders?${query}&cursor=${bad}`);
        expect(answer.status, bad).toBe(400);
        expect(answer.body.message).toBe("cursor is not one this API gave out for this search; start again without it");
      }
      // A cursor of another search (another status) is refused too.
      expect(
        (await call("GET", `/orders?status=failed&from=2026-01-01T00:00:00Z&limit=1&cursor=${cursor}`)).status,
      ).toBe(400);
    });

    it("shows one order with its events and payloads, and 404 for an unknown one", async () => {
      const orderId = `${prefix}-detail`;
      await storeOrder(orderId, "placed", "2026-06-01T00:00:00.000Z", {
        items: [{ item_id: "item-1", ticket_ids: ["t-1"] }],
        create_calls: {
          tour: { state: "created", attempt_id: "a", started_at: "2026-06-01T00:00:01.000Z", item_ids: ["item-1"] },
        },
      });
      const event = await storeEvent({ order_id: orderId, status: "applied" });
      const answer = await call("GET", `/orders/${orderId}`);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        order_id: orderId,
        status: "placed",
        items: [{ item_id: "item-1", ticket_ids: ["t-1"] }],
        create_calls: [{ product_type: "tour", state: "created", item_ids: ["item-1"] }],
        events: [
          {
            webhook_id: event.webhook_id,
            status: "applied",
            payload: { type: "order.placed", data: { order_id: orderId } },
          },
        ],
        notifications: [],
      });
      expect((await call("GET", "/orders/NOPE-404")).status).toBe(404);
      expect((await call("GET", `/events/${event.webhook_id}`)).body).toMatchObject({
        webhook_id: event.webhook_id,
        payload: { type: "order.placed" },
      });
    });
  });

  describe("events", () => {
    const reason = `unmapped_sku_${randomUUID().slice(0, 4)}`;
    let parked: StoredEvent[] = [];
    let other: StoredEvent;

    beforeAll(async () => {
      parked = [];
      for (let i = 0; i < 3; i++)
        parked.push(
          await storeEvent({
            order_id: `PARK-${i}`,
            status: "failed",
            reason,
            detail: "no mapping for sku X",
            received_at: `2026-03-0${i + 1}T00:00:00.000Z`,
          }),
        );
      other = await storeEvent({ order_id: "PARK-other", status: "failed", reason: "invalid_payload", detail: "bad" });
    });

    const ids = (answer: { body: { items?: unknown[] } }) =>
      (answer.body.items as { webhook_id: string }[]).map((e) => e.webhook_id);

    it("lists parked events by reason, type and time range, oldest first, paginated, each with what can help it", async () => {
      const first = await call("GET", `/events?status=failed&reason=${reason}&limit=2`);
      expect(ids(first)).toEqual(parked.slice(0, 2).map((e) => e.webhook_id));
      expect(first.body.items?.[0]).toMatchObject({
        reason,
        actions: ["replay", "dismiss"],
        hint: "Fix the cause named in the detail, then replay it; dismiss it with a note if it can never be applied.",
      });
      const rest = await call("GET", `/events?reason=${reason}&cursor=${String(first.body.next_cursor)}`);
      expect(ids(rest)).toContain(parked[2]?.webhook_id);
      const ranged = await call("GET", `/events?reason=${reason}&from=2026-03-02T00:00:00Z&to=2026-03-02T23:59:59Z`);
      expect(ids(ranged)).toEqual([parked[1]?.webhook_id]);
      expect(ids(await call("GET", `/events?reason=${reason}&type=order.cancelled`))).toEqual([]);
      expect(ids(await call("GET", `/events?reason=${reason}&type=order.placed`))).toHaveLength(3);
      expect((await call("GET", "/events?status=lost")).body.message).toMatch(
        /^status must be one of failed, queued, waiting/,
      );
      expect((await call("GET", "/events?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z")).body.message).toBe(
        "from must not be after to",
      );
    });

    it("counts them by reason on the home page, an uncertain create once, as an uncertain create", async () => {
      const uncertain = await storeEvent({ order_id: "PARK-unc", status: "failed", reason: "create_uncertain" });
      const answer = await call("GET", "/attention");
      expect(answer.body.parked_by_reason).toMatchObject({ [reason]: 3, invalid_payload: 1 });
      expect(answer.body.parked_by_reason).not.toHaveProperty("create_uncertain");
      await store.setEventStatus({ webhook_id: uncertain.webhook_id, status: "applied" }, new Date());
    });

    it("replays one parked event through the queue, records who did it, and refuses one that is not parked", async () => {
      const event = parked[0];
      if (!event) throw new Error("no parked event");
      const answer = await call("POST", `/events/${event.webhook_id}/replay`, undefined, BOB);
      expect(answer).toEqual({
        status: 200,
        body: { ok: true, message: `event ${event.webhook_id} is replayed (order PARK-0)` },
      });
      // Requeued through the table (its stream queues it): queued again, with who asked.
      expect(await store.getEvent(event.webhook_id)).toMatchObject({
        status: "queued",
        requeue_seq: 1,
        replay: true,
        requeued_by: "bob",
      });
      expect(await audit()).toContainEqual(
        expect.objectContaining({ actor: "bob", action: "replay_event", target: event.webhook_id }),
      );
      const applied = await storeEvent({ order_id: "PARK-applied", status: "applied" });
      expect((await call("POST", `/events/${applied.webhook_id}/replay`)).status).toBe(409);
      expect((await call("POST", "/events/msg_unknown/replay")).status).toBe(404);
    });

    it("replays exactly the events it counted, refusing another set of the same size", async () => {
      const kind = `ax_rejected_${randomUUID().slice(0, 4)}`;
      const a = await storeEvent({ order_id: "BULK-a", status: "failed", reason: kind });
      const counted = await call("POST", "/events/replay", { reason: kind });
      expect(counted.body).toMatchObject({ count: 1, left_out: 0, replayed: 0, confirmed: false });
      const token = String(counted.body.confirm);
      expect(token).toMatch(/^1-[0-9a-f]{16}$/);
      // Meanwhile the counted event is settled and another one, of the same reason, is parked: still one event,
      // but not the one counted.
      await store.setEventStatus({ webhook_id: a.webhook_id, status: "applied" }, new Date());
      const b = await storeEvent({ order_id: "BULK-b", status: "failed", reason: kind });
      const swapped = await call("POST", "/events/replay", { reason: kind, confirm: token });
      expect(swapped.status).toBe(409);
      expect(swapped.body.message).toMatch(/changed since they were counted \(1 now\): count again before replaying$/);
      expect(await store.getEvent(b.webhook_id)).toMatchObject({ status: "failed" });

      const again = await call("POST", "/events/replay", { reason: kind });
      const done = await call("POST", "/events/replay", { reason: kind, confirm: again.body.confirm });
      expect(done.body).toMatchObject({ count: 1, replayed: 1, confirmed: true });
      expect(await store.getEvent(b.webhook_id)).toMatchObject({ status: "queued", requeued_by: "alice" });
      expect(await audit()).toContainEqual(
        expect.objectContaining({ actor: "alice", action: "replay_parked", target: `any type, reason ${kind}` }),
      );
    });

    it("leaves out of a bulk replay the events a replay cannot help, and says how many", async () => {
      const from = "2026-08-01T00:00:00.000Z";
      await storeEvent({ order_id: "LEFT-1", status: "failed", reason: "create_uncertain", received_at: from });
      await storeEvent({ order_id: "LEFT-2", status: "failed", reason: "unknown_item", received_at: from });
      const keep = await storeEvent({
        order_id: "LEFT-3",
        status: "failed",
        reason: "invalid_payload",
        received_at: from,
      });
      const counted = await call("POST", "/events/replay", { from, to: "2026-08-01T23:59:59Z" });
      expect(counted.body).toMatchObject({ count: 1, left_out: 2 });
      const done = await call("POST", "/events/replay", {
        from,
        to: "2026-08-01T23:59:59Z",
        confirm: counted.body.confirm,
      });
      expect(done.body).toMatchObject({
        replayed: 1,
        message:
          "1 parked event(s) replayed: 0 item(s) to be sent, 0 already booked left as they are; 2 left out, as a replay cannot help their reason",
      });
      expect(await store.getEvent(keep.webhook_id)).toMatchObject({ status: "queued" });
      expect(other.webhook_id).toBeDefined();
    });

    it("lists events waiting too long", async () => {
      const old = await storeEvent({ order_id: "WAIT-1", received_at: "2020-01-01T00:00:00.000Z" });
      await storeEvent({ order_id: "WAIT-2" }); // just received: not too long
      const answer = await call("GET", "/events?status=waiting");
      expect(ids(answer)).toContain(old.webhook_id);
      expect((answer.body.items as { order_id: string }[]).some((e) => e.order_id === "WAIT-2")).toBe(false);
      expect((await call("GET", "/events?status=queued")).body.items).toContainEqual(
        expect.objectContaining({ order_id: "WAIT-2", actions: ["replay"] }),
      );
      expect((await call("GET", "/attention")).body.waiting_too_long).toBeGreaterThanOrEqual(1);
    });

    it("serves an event whose webhook id is a route word, and answers 400 to a path that is not valid percent-encoding", async () => {
      for (const word of ["replay", "parked", "waiting"]) {
        const webhookId = word;
        await storeEvent({
          webhook_id: webhookId,
          order_id: `WORD-${word}`,
          status: "failed",
          reason: "invalid_payload",
        });
        expect((await call("GET", `/events/${webhookId}`)).body, word).toMatchObject({ webhook_id: webhookId });
        expect((await call("POST", `/events/${webhookId}/replay`)).status, word).toBe(200);
      }
      for (const path of ["/events/%E0%A4%A", "/orders/%ZZ", "/mappings/%E0%A4%A"]) {
        const method = path.startsWith("/mappings") ? "DELETE" : "GET";
        const answer = await call(method, path);
        expect(answer.status, path).toBe(400);
        expect(answer.body.error, path).toBe("invalid_path");
      }
      const console = await fetch(`${url}/console/%E0%A4%A`);
      expect(console.status).toBe(400);
    });
  });

  const createInAx = (channelOrderCode: string) => createTourInAx(sandbox.url, channelOrderCode);

  describe("uncertain creates", () => {
    it("lists them by family, and reconciles by attaching AX codes, then replays the placement", async () => {
      const orderId = `UNC-${randomUUID().slice(0, 6)}`;
      const placement = await storeEvent({ order_id: orderId, status: "failed", reason: "create_uncertain" });
      await storeOrder(orderId, "uncertain", new Date().toISOString(), {
        placed_by: placement.webhook_id,
        items: [{ item_id: "item-1", ticket_ids: ["t-1", "t-2"] }],
        create_calls: {
          tour: { state: "uncertain", attempt_id: "a", started_at: "2026-06-01T00:00:00.000Z", item_ids: ["item-1"] },
        },
        events: {
          [placement.webhook_id]: { type: "order.placed", status: "failed", received_at: placement.received_at },
        },
      });
      const listed = await call("GET", "/uncertain-creates");
      expect(listed.body.items).toContainEqual(
        expect.objectContaining({ order_id: orderId, product_type: "tour", item_ids: ["item-1"] }),
      );
      expect((await call("GET", "/attention")).body.uncertain_creates).toBeGreaterThanOrEqual(1);

      const wrong = await call("POST", `/orders/${orderId}/creates/tour/reconcile`, {
        kind: "attach",
        ax_orders: [
          { item_id: "item-1", ax_order_code: "AX-1", tickets: [{ ticket_id: "t-1", ax_ticket_code: "T1" }] },
        ],
      });
      expect(wrong).toEqual({
        status: 400,
        body: { error: "invalid_request", message: "item item-1 needs AX codes for exactly its tickets t-1, t-2" },
      });
      expect((await call("POST", `/orders/${orderId}/creates/boat/reconcile`, { kind: "resend" })).status).toBe(400);
      expect((await call("POST", `/orders/${orderId}/creates/tour/reconcile`, { kind: "guess" })).status).toBe(400);

      // The create did reach AX: its AX order is there, for this channel order.
      const axCodes = await createInAx(orderId);
      const attachment = (axOrderCode: string) => ({
        kind: "attach",
        ax_orders: [
          {
            item_id: "item-1",
            ax_order_code: axOrderCode,
            tickets: [
              { ticket_id: "t-1", ax_ticket_code: axCodes.tickets[0] },
              { ticket_id: "t-2", ax_ticket_code: axCodes.tickets[1] },
            ],
          },
        ],
      });
      const unknown = await call("POST", `/orders/${orderId}/creates/tour/reconcile`, attachment("AX-UNKNOWN"));
      expect(unknown).toEqual({
        status: 409,
        body: {
          error: "conflict",
          message: "AX has no tour order AX-UNKNOWN: check the code, and that it is an order of the tour family",
        },
      });
      const foreign = await createInAx(`OTHER-${randomUUID().slice(0, 6)}`);
      const refused = await call("POST", `/orders/${orderId}/creates/tour/reconcile`, attachment(foreign.order));
      expect(refused.status).toBe(409);
      expect(refused.body.message).toMatch(
        /^AX order .+ belongs to channel order OTHER-.+, not to UNC-.+; nothing was attached$/,
      );
      sandbox.injectFault({ endpoint: "confirmation", kind: "status", status: 503, times: 1 });
      const down = await call("POST", `/orders/${orderId}/creates/tour/reconcile`, attachment(axCodes.order));
      expect(down.status).toBe(503);
      expect(down.body.error).toBe("unavailable");

      const done = await call("POST", `/orders/${orderId}/creates/tour/reconcile`, attachment(axCodes.order), BOB);
      expect(done.status).toBe(200);
      // The placement is requeued to finish the order.
      expect(await store.getEvent(placement.webhook_id)).toMatchObject({ status: "queued", requeued_by: "bob" });
      const detail = await call("GET", `/orders/${orderId}`);
      expect(detail.body).toMatchObject({
        create_calls: [{ product_type: "tour", state: "created" }],
        ax_orders: [{ item_id: "item-1", ax_order_code: axCodes.order, ax_order_status: "New" }],
      });
      expect(await audit()).toContainEqual(
        expect.objectContaining({ actor: "bob", action: "reconcile_attach", target: `${orderId} tour` }),
      );
      // Now created: nothing left to reconcile.
      expect((await call("POST", `/orders/${orderId}/creates/tour/reconcile`, { kind: "resend" })).status).toBe(409);
    });
  });

  describe("dismissing, and the record of every action", () => {
    /** An order whose cancellation named an item it does not have: parked as unknown_item, recorded by the order. */
    async function orderWithUnknownItemCancel() {
      const orderId = `DIS-${randomUUID().slice(0, 6)}`;
      const cancel = await storeEvent({
        order_id: orderId,
        type: "order.cancelled",
        status: "failed",
        reason: "unknown_item",
        detail: "order has no item X",
      });
      await storeOrder(orderId, "placed", new Date().toISOString(), {
        events: {
          [cancel.webhook_id]: {
            type: "order.cancelled",
            status: "failed",
            reason: "unknown_item",
            received_at: cancel.received_at,
          },
        },
      });
      return { orderId, cancel };
    }

    it("offers only dismiss for an unknown item, and dismisses it with a note: audited, in the order's story", async () => {
      const { orderId, cancel } = await orderWithUnknownItemCancel();
      const listed = await call("GET", `/events?reason=unknown_item`);
      expect(listed.body.items).toContainEqual(
        expect.objectContaining({ webhook_id: cancel.webhook_id, actions: ["dismiss"] }),
      );
      expect((await call("POST", `/events/${cancel.webhook_id}/dismiss`, {})).body).toEqual({
        error: "invalid_request",
        message: "note is missing",
      });
      expect((await call("POST", `/events/${cancel.webhook_id}/dismiss`, { note: "two\nlines" })).status).toBe(400);
      const done = await call(
        "POST",
        `/events/${cancel.webhook_id}/dismiss`,
        { note: "the channel sent a wrong item id" },
        BOB,
      );
      expect(done).toEqual({
        status: 200,
        body: {
          ok: true,
          message: `event ${cancel.webhook_id} is dismissed (order ${orderId}); it will not be applied`,
        },
      });
      expect(await store.getEvent(cancel.webhook_id)).toMatchObject({ status: "ignored", reason: "dismissed" });
      const { order } = await store.load(orderId);
      expect(order?.events[cancel.webhook_id]).toMatchObject({ status: "ignored", reason: "dismissed" });
      expect(await audit()).toContainEqual(
        expect.objectContaining({
          actor: "bob",
          action: "dismiss_event",
          target: cancel.webhook_id,
          detail: `order ${orderId}: the channel sent a wrong item id`,
          old_value: "unknown_item: order has no item X",
        }),
      );
      const detail = await call("GET", `/orders/${orderId}`);
      expect(detail.body.attempts).toContainEqual(
        expect.objectContaining({
          kind: "operator",
          actor: "bob",
          summary: `order.cancelled ${cancel.webhook_id} dismissed by bob: the channel sent a wrong item id`,
        }),
      );
      // Dismissed is done: neither replayed nor dismissed again.
      expect((await call("POST", `/events/${cancel.webhook_id}/replay`)).status).toBe(409);
      expect((await call("POST", `/events/${cancel.webhook_id}/dismiss`, { note: "again" })).status).toBe(409);
    });

    it("refuses to dismiss what a replay or a reconciliation can help, saying what can", async () => {
      const uncertain = await storeEvent({ order_id: "DIS-unc", status: "failed", reason: "create_uncertain" });
      const refused = await call("POST", `/events/${uncertain.webhook_id}/dismiss`, { note: "no" });
      expect(refused.status).toBe(409);
      expect(refused.body.message).toMatch(/create_uncertain, which is not dismissed: AX may have created this order/);
      await store.setEventStatus({ webhook_id: uncertain.webhook_id, status: "applied" }, new Date());
    });

    it("records a replay in its own write: the audit entry and the order's log line come with it, or not at all", async () => {
      const { orderId, cancel } = await orderWithUnknownItemCancel();
      const before = (await audit()).length;
      // A stale version: the order's write is refused, and so is everything recorded with it.
      const { order } = await store.load(orderId);
      if (!order) throw new Error("no order");
      const recordedAt = new Date().toISOString();
      await expect(
        store.commit({
          order: { ...order, version: order.version + 1 },
          expectedVersion: order.version - 1,
          records: {
            audit: { at: recordedAt, actor: "mallory", action: "replay_event", target: cancel.webhook_id },
            log: [operatorEntry({ at: recordedAt, actor: "mallory", action: "x", target: "y" }, orderId, "forged")],
          },
        }),
      ).rejects.toThrow(/changed concurrently/);
      expect((await audit()).length).toBe(before);
      expect(await store.listAttempts(orderId, 10)).toEqual([]);
      // The same records with the right version are written together.
      await store.commit({
        order: { ...order, version: order.version + 1 },
        expectedVersion: order.version,
        records: {
          audit: { at: recordedAt, actor: "alice", action: "replay_event", target: cancel.webhook_id },
          log: [operatorEntry({ at: recordedAt, actor: "alice", action: "x", target: "y" }, orderId, "written")],
        },
      });
      expect(await audit()).toContainEqual(expect.objectContaining({ actor: "alice", target: cancel.webhook_id }));
      expect((await store.listAttempts(orderId, 10)).map((line) => line.summary)).toEqual(["written"]);
    });
  });

  describe("dead notifications", () => {
    it("lists them with every attempt, and resends one: pending again, due now, attempts starting over", async () => {
      const orderId = `NOTE-${randomUUID().slice(0, 6)}`;
      const notification: NotificationRecord = {
        id: `msg_${randomUUID()}`,
        type: "order.status_changed",
        order_id: orderId,
        item_id: "item-1",
        body: JSON.stringify({ type: "order.status_changed" }),
        status: "dead",
        attempts: 3,
        created_at: "2026-05-01T00:00:00.000Z",
        next_attempt_at: "2026-05-01T01:00:00.000Z",
        last_error: "HTTP 503",
        delivery_attempts: [
          { at: "2026-05-01T00:00:00.000Z", http_status: 503, latency_ms: 12, error: "HTTP 503" },
          { at: "2026-05-01T00:01:00.000Z", latency_ms: 5000, error: "no answer within 5000 ms" },
        ],
      };
      await table.doc.send(new PutCommand({ TableName: table.tableName, Item: notificationItem(notification) }));
      const listed = await call("GET", "/notifications/dead");
      expect(listed.body.items).toContainEqual(
        expect.objectContaining({ id: notification.id, delivery_attempts: notification.delivery_attempts }),
      );
      expect((await call("GET", "/attention")).body.dead_notifications).toBeGreaterThanOrEqual(1);

      const resent = await call("POST", `/orders/${orderId}/notifications/${notification.id}/resend`);
      expect(resent.status).toBe(200);
      const after = await store.getNotification(orderId, notification.id);
      expect(after).toMatchObject({ status: "pending", attempts: 0, resent: [{ by: "alice" }] });
      const due = [];
      for await (const pending of store.dueNotifications(new Date().toISOString())) due.push(pending.id);
      expect(due).toContain(notification.id);
      expect((await call("POST", `/orders/${orderId}/notifications/${notification.id}/resend`)).status).toBe(409);
      expect(await audit()).toContainEqual(
        expect.objectContaining({ actor: "alice", action: "resend_notification", target: notification.id }),
      );
    });
  });

  describe("dead-letter queue", () => {
    it("lists the dead letters and redrives them", async () => {
      const orderId = `DLQ-${randomUUID().slice(0, 6)}`;
      await queue.send([{ webhook_id: "msg_dlq", order_id: orderId, requeue_seq: 0 }]);
      await queue.idle();
      const listed = await call("GET", "/dead-letters");
      expect(listed.body).toEqual({
        count: 1,
        items: [{ webhook_id: "msg_dlq", order_id: orderId, moved_at: expect.any(String) as string }],
      });
      expect((await call("GET", "/attention")).body.dead_letters).toBe(1);
      const before = delivered.length;
      const redriven = await call("POST", "/dead-letters/redrive", undefined, BOB);
      expect(redriven.body).toEqual({ ok: true, message: "1 message(s) moved back to the queue" });
      await queue.idle();
      expect(delivered.slice(before)).toEqual([expect.objectContaining({ webhook_id: "msg_dlq" })]);
      expect(await audit()).toContainEqual(expect.objectContaining({ actor: "bob", action: "redrive_dead_letters" }));
    });
  });

  describe("product mappings", () => {
    it("adds, lists by prefix page by page, edits and removes, each recorded", async () => {
      const sku = (i: number) => `MAP-${i}`;
      for (let i = 0; i < 3; i++) {
        const added = await call("POST", "/mappings", {
          sku: sku(i),
          product_type: "tour",
          mapping_code: `m${i}`,
          option_code: `o${i}`,
        });
        expect(added.status).toBe(201);
      }
      expect(
        (await call("POST", "/mappings", { sku: sku(0), product_type: "tour", mapping_code: "x", option_code: "y" }))
          .status,
      ).toBe(409);
      const first = await call("GET", "/mappings?prefix=MAP-&limit=2");
      expect((first.body.items as { sku: string }[]).map((m) => m.sku)).toEqual([sku(0), sku(1)]);
      const second = await call("GET", `/mappings?prefix=MAP-&limit=2&cursor=${String(first.body.next_cursor)}`);
      expect((second.body.items as { sku: string }[]).map((m) => m.sku)).toEqual([sku(2)]);

      const edited = await call("PUT", `/mappings/${sku(1)}`, {
        product_type: "day-ticket",
        mapping_code: "M",
        option_code: "O",
      });
      expect(edited).toEqual({
        status: 200,
        body: { sku: sku(1), product_type: "day-ticket", mapping_code: "M", option_code: "O" },
      });
      expect((await store.findMappings([sku(1)])).get(sku(1))?.product_type).toBe("day-ticket");
      expect(
        (await call("PUT", "/mappings/NOPE", { product_type: "tour", mapping_code: "M", option_code: "O" })).status,
      ).toBe(404);
      expect(
        (await call("PUT", `/mappings/${sku(1)}`, { product_type: "boat", mapping_code: "M", option_code: "O" })).body,
      ).toEqual({
        error: "invalid_request",
        message: 'product_type must be "tour" or "day-ticket"',
      });

      expect((await call("DELETE", `/mappings/${sku(2)}`)).status).toBe(200);
      expect((await call("DELETE", `/mappings/${sku(2)}`)).status).toBe(404);
      const actions = (await audit()).map((entry) => `${entry.action} ${entry.target}`);
      expect(actions).toEqual(
        expect.arrayContaining([`add_mapping ${sku(0)}`, `edit_mapping ${sku(1)}`, `remove_mapping ${sku(2)}`]),
      );
      // An edit and a removal keep what they replaced.
      expect(await audit()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            action: "edit_mapping",
            target: sku(1),
            detail: "day-ticket M / O",
            old_value: "tour m1 / o1",
          }),
          expect.objectContaining({ action: "remove_mapping", target: sku(2), old_value: "tour m2 / o2" }),
        ]),
      );
      // A refused change writes no entry (they are one transaction).
      const before = (await audit()).length;
      expect(
        (await call("POST", "/mappings", { sku: sku(0), product_type: "tour", mapping_code: "x", option_code: "y" }))
          .status,
      ).toBe(409);
      expect(
        (
          await call("POST", "/mappings", {
            sku: "BAD\nSKU",
            product_type: "tour",
            mapping_code: "x",
            option_code: "y",
          })
        ).body,
      ).toEqual({
        error: "invalid_request",
        message: "sku must not contain a line break (U+000A, at character 4)",
      });
      expect((await audit()).length).toBe(before);
    });

    it("refuses an edit or a removal made from an outdated view, saying what the mapping is now", async () => {
      // Two operators opened the mappings page; one changes the mapping, then the other saves or removes the old row.
      const sku = `MAP-SEEN-${randomUUID().slice(0, 6)}`;
      const seen = { product_type: "tour", mapping_code: "m", option_code: "o" };
      expect((await call("POST", "/mappings", { sku, ...seen })).status).toBe(201);
      expect((await call("PUT", `/mappings/${sku}`, { ...seen, option_code: "o2", was: seen })).status).toBe(200);
      const before = (await audit()).length;

      const stale = await call("PUT", `/mappings/${sku}`, { ...seen, mapping_code: "m3", was: seen });
      expect(stale).toEqual({
        status: 409,
        body: {
          error: "conflict",
          message: `the mapping of ${sku} changed since you read it (tour m / o): it is now tour m / o2; nothing was saved, look at it again`,
        },
      });
      const removal = await call("DELETE", `/mappings/${sku}`, { was: seen });
      expect(removal.status).toBe(409);
      expect(removal.body.message).toContain("it is now tour m / o2; nothing was removed");
      // Nothing written, nothing audited.
      expect((await store.findMappings([sku])).get(sku)).toEqual({ sku, ...seen, option_code: "o2" });
      expect((await audit()).length).toBe(before);
      // A `was` that is not a mapping is named; with what is stored now the change is made.
      expect((await call("PUT", `/mappings/${sku}`, { ...seen, was: { ...seen, product_type: "boat" } })).body).toEqual(
        { error: "invalid_request", message: 'was.product_type: product_type must be "tour" or "day-ticket"' },
      );
      expect((await call("DELETE", `/mappings/${sku}`, { was: { ...seen, option_code: "o2" } })).status).toBe(200);
      expect((await store.findMappings([sku])).has(sku)).toBe(false);
    });

    it("imports a CSV only when every row is good, reporting every bad row and duplicate sku", async () => {
      const bad = "sku,product_type,mapping_code,option_code\nIMP-1,tour,m,o\nIMP-2,boat,m,o\nIMP-1,tour,m,o\n";
      const refused = await call("POST", "/mappings/import", { format: "csv", content: bad });
      expect(refused).toEqual({
        status: 422,
        body: {
          rows: 3,
          created: 1,
          updated: 0,
          written: false,
          errors: [
            { row: 3, message: 'product_type must be "tour" or "day-ticket"' },
            { row: 4, message: "sku IMP-1 is also on row 2" },
          ],
        },
      });
      expect((await store.findMappings(["IMP-1"])).size).toBe(0);
      const header = await call("POST", "/mappings/import", { format: "csv", content: "sku,type\nA,tour\n" });
      expect(header.status).toBe(400);
      expect(header.body.message).toMatch(/^the CSV header must be sku,product_type,mapping_code,option_code/);

      await call("POST", "/mappings", { sku: "IMP-2", product_type: "tour", mapping_code: "old", option_code: "old" });
      const good = "sku,product_type,mapping_code,option_code\nIMP-1,tour,m,o\nIMP-2,day-ticket,m2,o2\n";
      const dry = await call("POST", "/mappings/import", { format: "csv", content: good, dry_run: true });
      expect(dry.body).toMatchObject({ rows: 2, created: 1, updated: 1, written: false, errors: [] });
      expect((await store.findMappings(["IMP-1"])).size).toBe(0);
      const done = await call("POST", "/mappings/import", { format: "csv", content: good });
      expect(done.body).toMatchObject({ rows: 2, created: 1, updated: 1, written: true });
      expect((await store.findMappings(["IMP-1", "IMP-2"])).get("IMP-2")?.mapping_code).toBe("m2");

      const json = JSON.stringify([{ sku: "IMP-J", product_type: "tour", mapping_code: "m", option_code: "o" }]);
      expect((await call("POST", "/mappings/import", { format: "json", content: json })).body).toMatchObject({
        written: true,
      });
      expect(await audit()).toContainEqual(
        expect.objectContaining({
          actor: "alice",
          action: "import_mappings",
          target: "2 mapping(s)",
          detail: "added IMP-1; changed IMP-2",
          old_value: "IMP-2: tour old / old",
        }),
      );
    });

    it("refuses a body that is not JSON, or not the schema, with a 400 naming the problem", async () => {
      expect(await call("POST", "/mappings", "{not json")).toEqual({
        status: 400,
        body: { error: "invalid_json", message: "the body is not JSON" },
      });
      expect((await call("POST", "/mappings", { sku: "X", product_type: "tour" })).body).toEqual({
        error: "invalid_request",
        message: "mapping_code is missing; option_code is missing",
      });
    });
  });

  describe("audit log", () => {
    it("lists the day's actions newest first, paginated", async () => {
      const first = await call("GET", "/audit?limit=1");
      expect(first.body.items).toHaveLength(1);
      expect(first.body.next_cursor).toBeDefined();
      const second = await call("GET", `/audit?limit=1&cursor=${String(first.body.next_cursor)}`);
      const [a] = first.body.items as { at: string }[];
      const [b] = second.body.items as { at: string }[];
      expect((a?.at ?? "") >= (b?.at ?? "")).toBe(true);
      expect((await call("GET", "/audit?day=yesterday")).status).toBe(400);
    });
  });

  describe("DynamoDB not answering", () => {
    it("answers 503 saying an action may or may not have been applied, never a 500", async () => {
      const { store: faulty } = faultyStore(table.endpoint, table.tableName, (command) =>
        command === "QueryCommand" ? "server_error" : undefined,
      );
      const handler = createAdminApiHandler({
        admin: {
          store: new AdminDynamoStore(faulty.documentClient, table.tableName),
          ax: { getConfirmation: () => Promise.reject(new Error("not asked")) },
          deadLetters: { list: () => Promise.resolve({ count: 0, items: [] }), redrive: () => Promise.resolve("") },
          clock: systemClock,
          waitingTooLongMs: 60_000,
        },
        tokens: () => Promise.resolve(parseAdminTokens(`alice:${ALICE}`)),
      });
      const answer = await handler(
        apiEvent("POST", "/admin/orders/ANY-1/creates/tour/reconcile", {
          headers: { authorization: `Bearer ${ALICE}`, "content-type": "application/json" },
          body: JSON.stringify({ kind: "resend" }),
        }),
      );
      expect(answer.statusCode).toBe(503);
      expect(JSON.parse(answer.body ?? "{}")).toEqual({
        error: "unavailable",
        message:
          "DynamoDB did not confirm the request in time; an action may or may not have been applied: look before trying again",
      });
    });
  });
});
