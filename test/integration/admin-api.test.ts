// The admin API over real HTTP on 127.0.0.1, on a fresh table in DynamoDB Local: auth by named tokens, every
// endpoint, pagination from the indexes, each action's effect, and the audit record of who did it.
import { createHash, randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminApiHandler } from "../../lib/admin/http";
import { identifyToken, parseAdminTokens } from "../../lib/admin/tokens";
import { systemClock } from "../../lib/orders/ports";
import { readConfig } from "../../lib/config";
import type { NotificationRecord, OrderRecord, StoredEvent } from "../../lib/orders/model";
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

  async function storeOrder(
    orderId: string,
    status: OrderRecord["status"],
    createdAt: string,
    extra: Partial<OrderRecord> = {},
  ) {
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
        log: () => undefined,
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
    it("refuses a request without a token, or with an unknown one, naming how to authenticate", async () => {
      for (const token of [null, "not-a-token-at-all", `${ALICE}x`]) {
        const answer = await call("GET", "/attention", undefined, token);
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual({
          error: "unauthorized",
          message: "send an admin token as `Authorization: Bearer <token>`",
        });
      }
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

    it("finds orders by id prefix, and says how long a prefix must be", async () => {
      const found = await call("GET", `/orders?id_prefix=${prefix}-3`);
      expect(found.body.items).toEqual([
        expect.objectContaining({ order_id: `${prefix}-3`, status: "failed", created_at: "2026-04-15T10:00:00.000Z" }),
      ]);
      expect(await call("GET", "/orders?id_prefix=OR")).toEqual({
        status: 400,
        body: { error: "invalid_request", message: "an id search needs at least 3 characters" },
      });
    });

    it("refuses bad query values with the field named", async () => {
      expect((await call("GET", "/orders?status=lost")).body.message).toMatch(/status must be one of/);
      expect((await call("GET", "/orders?limit=1000")).body.message).toBe("limit must be at most 100");
      expect((await call("GET", "/orders?from=yesterday")).body.message).toMatch(/must be an ISO 8601 instant/);
      expect((await call("GET", "/orders?cursor=garbage")).body.message).toBe("cursor is not one this API gave out");
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

  describe("parked events", () => {
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

    it("lists them by reason and time range, oldest first, paginated", async () => {
      const first = await call("GET", `/events/parked?reason=${reason}&limit=2`);
      expect((first.body.items as { webhook_id: string }[]).map((e) => e.webhook_id)).toEqual(
        parked.slice(0, 2).map((e) => e.webhook_id),
      );
      const rest = await call("GET", `/events/parked?reason=${reason}&cursor=${String(first.body.next_cursor)}`);
      expect((rest.body.items as { webhook_id: string }[]).map((e) => e.webhook_id)).toContain(parked[2]?.webhook_id);
      const ranged = await call(
        "GET",
        `/events/parked?reason=${reason}&from=2026-03-02T00:00:00Z&to=2026-03-02T23:59:59Z`,
      );
      expect((ranged.body.items as { webhook_id: string }[]).map((e) => e.webhook_id)).toEqual([parked[1]?.webhook_id]);
    });

    it("counts them by reason on the home page", async () => {
      const answer = await call("GET", "/attention");
      expect(answer.body.parked_by_reason).toMatchObject({ [reason]: 3, invalid_payload: 1 });
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

    it("replays all of a reason only after the count is confirmed, and refuses a stale count", async () => {
      const counted = await call("POST", "/events/parked/replay", { reason: "invalid_payload" });
      expect(counted.body).toMatchObject({ count: 1, replayed: 0, confirmed: false });
      const stale = await call("POST", "/events/parked/replay", { reason: "invalid_payload", confirm_count: 2 });
      expect(stale.status).toBe(409);
      expect(stale.body.message).toBe("1 parked event(s) match now, not 2: count again before replaying");
      const done = await call("POST", "/events/parked/replay", { reason: "invalid_payload", confirm_count: 1 });
      expect(done.body).toMatchObject({ count: 1, replayed: 1, confirmed: true });
      expect(await store.getEvent(other.webhook_id)).toMatchObject({ status: "queued", requeued_by: "alice" });
      expect((await call("POST", "/events/parked/replay", { reason: "invalid_payload" })).body).toMatchObject({
        count: 0,
      });
      expect(await audit()).toContainEqual(
        expect.objectContaining({ actor: "alice", action: "replay_parked", target: "reason invalid_payload" }),
      );
    });

    it("lists events waiting too long", async () => {
      const old = await storeEvent({ order_id: "WAIT-1", received_at: "2020-01-01T00:00:00.000Z" });
      await storeEvent({ order_id: "WAIT-2" }); // just received: not too long
      const answer = await call("GET", "/events/waiting");
      const ids = (answer.body.items as { webhook_id: string }[]).map((e) => e.webhook_id);
      expect(ids).toContain(old.webhook_id);
      expect((answer.body.items as { order_id: string }[]).some((e) => e.order_id === "WAIT-2")).toBe(false);
      expect((await call("GET", "/attention")).body.waiting_too_long).toBeGreaterThanOrEqual(1);
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
      expect(await audit()).toContainEqual(expect.objectContaining({ actor: "alice", action: "import_mappings" }));
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
