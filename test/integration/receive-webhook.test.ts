// The receiver on a real DynamoDB Local table: every answer of the contract's table, in its order of checks.
import { beforeAll, describe, expect, it } from "vitest";
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
      () => signedDelivery(sampleOrderPlaced("R-5"), { secret: "whsec_d3Jvbmctc2VjcmV0" }),
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
