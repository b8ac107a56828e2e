// The receiver on a real DynamoDB Local table: every answer of the contract's table, in its order of checks.
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { signWebhook } from "../../lib/channel/signature";
import { createReceiveWebhookHandler } from "../../functions/receive-webhook";
import { createServer, type Socket } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { awsClientSettings } from "../../lib/aws-timeouts";
import { systemClock } from "../../lib/orders/ports";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { sampleOrderPlaced } from "../../local/samples";
import { freshTable } from "../support/dynamodb";
import { OTHER_SECRET, TEST_SECRET, apiEvent, signedDelivery, type Delivery } from "../support/webhooks";

describe("POST /webhooks/orders", () => {
  let store: DynamoStore;
  let handler: ReturnType<typeof createReceiveWebhookHandler>;
  const maxBytes = 4096 * 4;

  beforeAll(async () => {
    const table = await freshTable();
    store = new DynamoStore(table.doc, table.tableName);
    handler = createReceiveWebhookHandler({
      events: store,
      secrets: () => Promise.resolve([OTHER_SECRET, TEST_SECRET]),
      maxBytes,
      clock: systemClock,
    });
  });

  const post = async (delivery: Pick<Delivery, "headers" | "body">) => {
    const result = await handler(
      apiEvent("POST", "/webhooks/orders", { headers: delivery.headers, body: delivery.body }),
    );
    return { status: result.statusCode, body: JSON.parse(result.body ?? "{}") as Record<string, unknown> };
  };

  it("202: stores the event durably as `queued` (the outbox entry), with the request id for the logs", async () => {
    const delivery = signedDelivery(sampleOrderPlaced("R-1"));
    const request = apiEvent("POST", "/webhooks/orders", { headers: delivery.headers, body: delivery.body });
    const answer = await handler(request);
    expect(answer.statusCode).toBe(202);
    expect(JSON.parse(answer.body ?? "")).toEqual({ status: "accepted", webhook_id: delivery.webhookId });
    const stored = await store.getEvent(delivery.webhookId);
    expect(stored).toMatchObject({
      order_id: "R-1",
      type: "order.placed",
      status: "queued",
      body: delivery.body,
      attempts: 0,
      correlation_id: request.requestContext.requestId,
    });
  });

  it("200 duplicate: the same webhook-id with the same body does nothing twice", async () => {
    const delivery = signedDelivery(sampleOrderPlaced("R-2"));
    expect((await post(delivery)).status).toBe(202);
    const again = await post(delivery);
    expect(again).toEqual({ status: 200, body: { status: "duplicate", webhook_id: delivery.webhookId } });
  });

  it("409: the same webhook-id with a different body", async () => {
    const delivery = signedDelivery(sampleOrderPlaced("R-3"));
    await post(delivery);
    const other = signedDelivery(sampleOrderPlaced("R-3-other"), { webhookId: delivery.webhookId });
    const answer = await post(other);
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ error: "webhook_id_conflict" });
    expect(answer.body.message).toContain(delivery.webhookId);
  });

  it("accepts a signature from any active secret (rotation)", async () => {
    expect((await post(signedDelivery(sampleOrderPlaced("R-4"), { secret: OTHER_SECRET }))).status).toBe(202);
  });

  it.each([
    [
      "a wrong secret",
      () =>
        signedDelivery(sampleOrderPlaced("R-5"), {
          secret: `whsec_${Buffer.from("a wrong secret, 24 bytes+").toString("base64")}`,
        }),
      /signature/,
    ],
    [
      "a stale timestamp",
      () => signedDelivery(sampleOrderPlaced("R-5"), { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      /timestamp/,
    ],
    [
      "a future timestamp",
      () => signedDelivery(sampleOrderPlaced("R-5"), { timestamp: Math.floor(Date.now() / 1000) + 301 }),
      /timestamp/,
    ],
    [
      "a tampered body",
      () => {
        const d = signedDelivery(sampleOrderPlaced("R-5"));
        return { ...d, body: d.body.replace("R-5", "R-6") };
      },
      /signature/,
    ],
    [
      "no signature header",
      () => {
        const d = signedDelivery(sampleOrderPlaced("R-5"));
        const { ["webhook-signature"]: _dropped, ...headers } = d.headers;
        return { ...d, headers };
      },
      /webhook-signature/,
    ],
  ])("401 for %s", async (_name, make, message) => {
    const answer = await post(make());
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe("invalid_signature");
    expect(String(answer.body.message)).toMatch(message);
  });

  it("413 for a body over the limit, before the signature is checked", async () => {
    const answer = await post({ headers: { "content-type": "application/json" }, body: "x".repeat(maxBytes + 1) });
    expect(answer.status).toBe(413);
    expect(answer.body.error).toBe("payload_too_large");
  });

  it("415 for a signed body that is not declared as JSON", async () => {
    const answer = await post(signedDelivery(sampleOrderPlaced("R-7"), { contentType: "text/plain" }));
    expect(answer.status).toBe(415);
    expect(answer.body.error).toBe("unsupported_media_type");
  });

  it("400 invalid_json for a signed body that is not JSON; 401 if it is not signed either", async () => {
    const signed = signedDelivery(undefined, { rawBody: "{not json" });
    expect(await post(signed)).toMatchObject({ status: 400, body: { error: "invalid_json" } });
    const unsigned = { headers: { "content-type": "application/json" }, body: "{not json" };
    expect((await post(unsigned)).status).toBe(401);
  });

  it("400 invalid_payload names the path of every broken rule", async () => {
    const event = sampleOrderPlaced("R-8");
    const item = event.data.items[0];
    if (item) item.quantity = 0;
    const answer = await post(signedDelivery(event));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe("invalid_payload");
    expect(answer.body.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: "data.items.0.quantity" })]),
    );
  });

  it("400 for an unknown event type", async () => {
    const answer = await post(signedDelivery({ type: "order.updated", data: { order_id: "R-9" } }));
    expect(answer.status).toBe(400);
    expect(answer.body.issues).toEqual([expect.objectContaining({ path: "type" })]);
  });

  /** The receiver with the contract's default size limit (256 KiB), for bodies the small limit would refuse. */
  const big: typeof handler = (event) =>
    createReceiveWebhookHandler({
      events: store,
      secrets: () => Promise.resolve([TEST_SECRET]),
      maxBytes: 256 * 1024,
      clock: systemClock,
    })(event);

  /** A delivery of raw bytes, handed over base64-encoded as API Gateway does for a binary body. */
  const postBytes = async (bytes: Buffer, headers: Record<string, string> = {}) => {
    const webhookId = headers["webhook-id"] ?? `msg_${crypto.randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const event = apiEvent("POST", "/webhooks/orders", {
      headers: {
        "content-type": "application/json",
        "webhook-id": webhookId,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signWebhook({ secret: TEST_SECRET, webhookId, timestamp, body: bytes }),
        ...headers,
      },
    });
    const result = await handler({ ...event, isBase64Encoded: true, body: bytes.toString("base64") });
    return { status: result.statusCode, body: JSON.parse(result.body ?? "{}") as Record<string, unknown>, webhookId };
  };

  it("verifies, sizes and hashes a base64-encoded body on its decoded bytes", async () => {
    const bytes = Buffer.from(JSON.stringify(sampleOrderPlaced("R-B64")), "utf8");
    const answer = await postBytes(bytes);
    expect(answer.status).toBe(202);
    const stored = await store.getEvent(answer.webhookId);
    expect(stored?.body).toBe(bytes.toString("utf8"));
    expect(stored?.body_sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
  });

  it("counts the size of a base64 body in bytes: a body one byte over the limit is 413", async () => {
    const answer = await postBytes(Buffer.alloc(maxBytes + 1, 0x20));
    expect(answer.status).toBe(413);
    expect(String(answer.body.message)).toContain(`is ${maxBytes + 1} bytes`);
  });

  it("400 invalid_json for signed bytes that are not UTF-8, never a lossy decoding", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"type":"order.placed","x":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    const answer = await postBytes(bytes);
    expect(answer).toMatchObject({
      status: 400,
      body: { error: "invalid_json", message: "the body is not valid UTF-8 text" },
    });
  });

  it("409, not 200, for a body that differs from the first only in bytes that are not UTF-8", async () => {
    const first = Buffer.from(JSON.stringify(sampleOrderPlaced("R-UTF")), "utf8");
    const accepted = await postBytes(first);
    expect(accepted.status).toBe(202);
    // The same webhook-id, the same text once invalid bytes are replaced by U+FFFD, but other bytes.
    const replaced = Buffer.from(first.toString("utf8").replace("R-UTF", "R-UTF\ufffd"), "utf8");
    const other = Buffer.from(first.toString("utf8").replace("R-UTF", "R-UTF\u00ff"), "latin1");
    expect((await postBytes(other, { "webhook-id": accepted.webhookId })).status).toBe(400);
    expect((await postBytes(replaced, { "webhook-id": accepted.webhookId })).status).toBe(409);
  });

  it.each([
    ["application/json", 202],
    ["application/json; charset=utf-8", 202],
    ['Application/JSON; charset="UTF-8"', 202],
    ["application/json; charset=iso-8859-1", 415],
    ["application/json; charset=utf-16", 415],
    ["application/json-seq", 415],
  ])("content type %s: %i", async (contentType, status) => {
    const answer = await post(
      signedDelivery(sampleOrderPlaced(`R-CT-${contentType.length}-${status}`), { contentType }),
    );
    expect(answer.status).toBe(status);
    if (status === 415)
      expect(String(answer.body.message)).toMatch(/application\/json \(no charset, or charset=utf-8\)/);
  });

  it.each([
    ["257 characters", "m".repeat(257), /it has 257/],
    ["2,000 characters (over DynamoDB's key limit)", "m".repeat(2000), /it has 2000/],
    ["a control character", "msg_\u0007bell", /U\+0007 at position 5/],
    ["a bidi mark", "msg_\u202Eevil", /U\+202E at position 5/],
    ["a space", "msg_a b", /U\+0020 at position 6/],
  ])("400 invalid_webhook_id for an id of %s, after the signature", async (_what, webhookId, message) => {
    const delivery = signedDelivery(sampleOrderPlaced("R-ID"), { webhookId });
    const answer = await post(delivery);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe("invalid_webhook_id");
    expect(String(answer.body.message)).toMatch(message);
    expect(JSON.stringify(answer.body)).not.toContain(webhookId);
    expect(await store.getEvent("m".repeat(257))).toBeUndefined();
    // Unsigned, the same id is a 401: the sender learns nothing before the signature.
    expect((await post({ ...delivery, headers: { ...delivery.headers, "webhook-signature": "v1,x" } })).status).toBe(
      401,
    );
  });

  it("accepts a 256-character id of visible ASCII", async () => {
    const webhookId = `msg_${"~!".repeat(126)}`;
    expect(webhookId).toHaveLength(256);
    expect((await post(signedDelivery(sampleOrderPlaced("R-ID-256"), { webhookId }))).status).toBe(202);
  });

  it("400 with at most 50 issues, issues_truncated and issue_count, and a body far under 64 KiB", async () => {
    const event = sampleOrderPlaced("R-MANY");
    const [item] = event.data.items;
    const broken = {
      ...event,
      data: {
        ...event.data,
        items: Array.from({ length: 40 }, () => ({ ...item, quantity: 0, unit_price: 1, amount: -1 })),
      },
    };
    const result = await big(apiEvent("POST", "/webhooks/orders", signedDelivery(broken)));
    const body = JSON.parse(result.body ?? "{}") as {
      issues: unknown[];
      issues_truncated?: boolean;
      issue_count?: number;
    };
    expect(result.statusCode).toBe(400);
    expect(body.issues).toHaveLength(50);
    expect(body.issues_truncated).toBe(true);
    expect(body.issue_count).toBeGreaterThan(100);
    expect(Buffer.byteLength(result.body ?? "")).toBeLessThan(64 * 1024);
  });

  it("an items list over the limit is one issue, found before any item is checked", async () => {
    const event = sampleOrderPlaced("R-13000");
    const huge = { ...event, data: { ...event.data, items: Array.from({ length: 13_000 }, () => ({})) } };
    const delivery = signedDelivery(huge);
    expect(Buffer.byteLength(delivery.body)).toBeLessThan(maxBytes * 4);
    const started = performance.now();
    const result = await big(apiEvent("POST", "/webhooks/orders", delivery));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? "{}")).toEqual({
      error: "invalid_payload",
      message: "the event breaks the webhook contract",
      issues: [{ path: "data.items", message: "must have at most 50 items per order, got 13000" }],
    });
  });

  it("clips paths and messages that repeat what the sender chose (a 100 KB additional key stays out)", async () => {
    const event = sampleOrderPlaced("R-KEY");
    const purchaser = {
      ...event.data.purchaser,
      additional: Object.fromEntries(Array.from({ length: 60 }, (_, n) => [`${n}${"k".repeat(3000)}`, 1])),
    };
    const result = await big(
      apiEvent("POST", "/webhooks/orders", signedDelivery({ ...event, data: { ...event.data, purchaser } })),
    );
    expect(result.statusCode).toBe(400);
    expect(Buffer.byteLength(result.body ?? "")).toBeLessThan(64 * 1024);
  });

  it("503 within seconds, never a hang, when DynamoDB accepts connections and never answers", async () => {
    const sockets: Socket[] = [];
    const stalled = createServer((socket) => sockets.push(socket)); // reads nothing, answers nothing
    await new Promise<void>((resolve) => stalled.listen(0, "127.0.0.1", resolve));
    const address = stalled.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const client = new DynamoDBClient({
      ...awsClientSettings({ connectMs: 500, requestMs: 1_000 }),
      endpoint: `http://127.0.0.1:${port}`,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const stalledHandler = createReceiveWebhookHandler({
      events: new DynamoStore(DynamoDBDocumentClient.from(client), "stalled"),
      secrets: () => Promise.resolve([TEST_SECRET]),
      maxBytes,
      clock: systemClock,
    });
    const delivery = signedDelivery(sampleOrderPlaced("R-10"));
    const started = Date.now();
    const answer = await stalledHandler(
      apiEvent("POST", "/webhooks/orders", { headers: delivery.headers, body: delivery.body }),
    );
    const tookMs = Date.now() - started;
    expect(answer.statusCode).toBe(503);
    expect(JSON.parse(answer.body ?? "")).toMatchObject({ error: "unavailable" });
    expect(answer.body).not.toMatch(/stack|TimeoutError|\.ts:|requestTimeout/);
    expect(tookMs).toBeLessThan(5_000); // two attempts of 1 s, not the caller's timeout
    client.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => stalled.close(() => resolve()));
  });
});
