// The local stack driven as the channel drives the adapter: signed webhooks over HTTP in, AX calls out, the
// mapping read back through the read API.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { OrderView } from "../../lib/orders/read-order";
import { DEV_ADMIN_TOKEN, DEV_WEBHOOK_SECRET, startLocalStack, type LocalStack } from "../../local/stack";
import { sampleOrderPlaced } from "../../local/samples";
import { captureLogs } from "../support/logs";
import { signedDelivery, type Delivery } from "../support/webhooks";

describe("local stack end to end", () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      env: { AWS_ENDPOINT_URL_DYNAMODB: inject("dynamodbEndpoint"), TABLE_NAME: `e2e-${randomUUID()}` },
      port: 0,
      queue: { baseDelayMs: 20, maxReceiveCount: 5 },
    });
  });
  afterAll(async () => {
    await stack.stop();
  });

  const deliver = (delivery: Delivery) =>
    fetch(`${stack.url}/webhooks/orders`, { method: "POST", headers: delivery.headers, body: delivery.body });
  const signed = (payload: unknown, options: Parameters<typeof signedDelivery>[1] = {}) =>
    signedDelivery(payload, { secret: DEV_WEBHOOK_SECRET, ...options });
  const readOrder = async (orderId: string, token = DEV_ADMIN_TOKEN) =>
    fetch(`${stack.url}/orders/${encodeURIComponent(orderId)}`, { headers: { authorization: `Bearer ${token}` } });

  it("GET /health answers ok", async () => {
    const answer = await fetch(`${stack.url}/health`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ status: "ok" });
  });

  it("a signed order.placed becomes AX orders, and the read API shows every AX order and ticket code", async () => {
    const orderId = `E2E-${randomUUID().slice(0, 8)}`;
    const delivery = signed(sampleOrderPlaced(orderId));
    const answer = await deliver(delivery);
    expect(answer.status).toBe(202);
    expect(await answer.json()).toEqual({ status: "accepted", webhook_id: delivery.webhookId });
    await stack.settled();

    const read = await readOrder(orderId);
    expect(read.status).toBe(200);
    const view = (await read.json()) as OrderView;
    expect(view.status).toBe("placed");
    const inAx = stack.sandbox?.listOrders({ channelOrderCode: orderId }) ?? [];
    expect(inAx).toHaveLength(2);
    for (const axOrder of view.ax_orders) {
      const twin = inAx.find((o) => o.axOrderCode === axOrder.ax_order_code);
      expect(twin?.type).toBe(axOrder.product_type);
      expect(axOrder.tickets.map((t) => t.ax_ticket_code)).toEqual(twin?.tickets.map((t) => t.axTicketCode));
      expect(axOrder.tickets.map((t) => t.ticket_id)).toEqual(twin?.tickets.map((t) => t.channelCode));
    }
    expect(view.events).toEqual([
      expect.objectContaining({ webhook_id: delivery.webhookId, type: "order.placed", status: "applied" }),
    ]);
  });

  it("a duplicate delivery is answered 200 and 20 concurrent deliveries of one event give one AX order per item", async () => {
    const orderId = `E2E-${randomUUID().slice(0, 8)}`;
    const delivery = signed(sampleOrderPlaced(orderId));
    const answers = await Promise.all(Array.from({ length: 20 }, () => deliver(delivery)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    await stack.settled();
    expect((await deliver(delivery)).status).toBe(200);
    await stack.settled();
    expect(stack.sandbox?.listOrders({ channelOrderCode: orderId })).toHaveLength(2);
    expect(stack.sandbox?.createCalls(orderId)).toBe(2);
  });

  it("the same order sent again under a new webhook-id creates nothing more", async () => {
    const orderId = `E2E-${randomUUID().slice(0, 8)}`;
    await deliver(signed(sampleOrderPlaced(orderId)));
    const again = signed(sampleOrderPlaced(orderId));
    expect((await deliver(again)).status).toBe(202);
    await stack.settled();
    expect(stack.sandbox?.createCalls(orderId)).toBe(2);
    const view = (await (await readOrder(orderId)).json()) as OrderView;
    expect(view.events.find((e) => e.webhook_id === again.webhookId)).toMatchObject({
      status: "ignored",
      reason: "order_already_placed",
    });
  });

  it.each([
    [
      "401 invalid_signature",
      () =>
        signed(sampleOrderPlaced("X-1"), {
          secret: `whsec_${Buffer.from("a wrong secret, 24 bytes+").toString("base64")}`,
        }),
      401,
      "invalid_signature",
    ],
    [
      "415 unsupported_media_type",
      () => signed(sampleOrderPlaced("X-2"), { contentType: "text/plain" }),
      415,
      "unsupported_media_type",
    ],
    ["400 invalid_json", () => signed(undefined, { rawBody: "{" }), 400, "invalid_json"],
    ["400 invalid_payload", () => signed({ type: "order.placed", data: { order_id: "X-3" } }), 400, "invalid_payload"],
    [
      "413 payload_too_large",
      () => signed(undefined, { rawBody: `"${"x".repeat(300 * 1024)}"` }),
      413,
      "payload_too_large",
    ],
  ])("%s over HTTP", async (_name, make, status, error) => {
    const answer = await deliver(make());
    expect(answer.status).toBe(status);
    const body = (await answer.json()) as { error: string; message?: string };
    expect(body.error).toBe(error);
    expect(JSON.stringify(body)).not.toMatch(/at .+\.ts:\d+/);
  });

  it("409 webhook_id_conflict over HTTP", async () => {
    const first = signed(sampleOrderPlaced(`E2E-${randomUUID().slice(0, 8)}`));
    await deliver(first);
    const conflicting = signed(sampleOrderPlaced(`E2E-${randomUUID().slice(0, 8)}`), { webhookId: first.webhookId });
    const answer = await deliver(conflicting);
    expect(answer.status).toBe(409);
    expect(((await answer.json()) as { error: string }).error).toBe("webhook_id_conflict");
  });

  it("a cancellation delivered before its order is applied right after the placement", async () => {
    const orderId = `E2E-${randomUUID().slice(0, 8)}`;
    const cancel = signed({ type: "order.cancelled", data: { order_id: orderId, ticket_ids: [`${orderId}-1-2`] } });
    expect((await deliver(cancel)).status).toBe(202);
    await stack.settled();
    const waiting = (await (await readOrder(orderId)).json()) as OrderView;
    expect(waiting.status).toBe("pending");
    expect(waiting.events).toEqual([expect.objectContaining({ webhook_id: cancel.webhookId, status: "queued" })]);

    expect((await deliver(signed(sampleOrderPlaced(orderId)))).status).toBe(202);
    await stack.settled();
    const view = (await (await readOrder(orderId)).json()) as OrderView;
    expect(view.status).toBe("partially_cancelled");
    const ticket = view.ax_orders.flatMap((o) => o.tickets).find((t) => t.ticket_id === `${orderId}-1-2`);
    expect(ticket?.ax_ticket_status).toBe("Traveler canceled");
    expect(view.events.find((e) => e.webhook_id === cancel.webhookId)?.status).toBe("applied");
    const tourInAx = stack.sandbox?.listOrders({ channelOrderCode: orderId }).find((o) => o.type === "tour");
    expect(tourInAx?.tickets.map((t) => t.status)).toEqual(["New", "Traveler canceled"]);
  });

  it("logs ids and outcomes as JSON, and no personal data (names, phones, emails)", async () => {
    const { lines, restore } = captureLogs();
    try {
      const orderId = `E2E-${randomUUID().slice(0, 8)}`;
      const delivery = signed(sampleOrderPlaced(orderId));
      await deliver(delivery);
      await stack.settled();
      await deliver(
        signed({ type: "order.placed", data: { order_id: orderId, purchaser: { email: "minji@example.com" } } }),
      );
      const text = lines.join("");
      expect(text).toContain(delivery.webhookId);
      expect(text).toContain('"order_id":"' + orderId + '"');
      for (const personal of ["Kim Minji", "Lee Jun", "01012345678", "minji@example.com", "jun@example.com"])
        expect(text).not.toContain(personal);
    } finally {
      restore();
    }
  });

  it("one correlation id ties the webhook's request to the worker's log lines and its AX calls", async () => {
    const { lines, restore } = captureLogs();
    try {
      const delivery = signed(sampleOrderPlaced(`E2E-${randomUUID().slice(0, 8)}`));
      await deliver(delivery);
      await stack.settled();
      const correlationId = (await stack.store.getEvent(delivery.webhookId))?.correlation_id ?? "none";
      expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
      const tagged = lines
        .join("")
        .split("\n")
        .filter((line) => line.includes(correlationId));
      expect(tagged.some((line) => line.includes("webhook answered"))).toBe(true);
      expect(tagged.some((line) => line.includes("event processed"))).toBe(true);
      expect(tagged.filter((line) => line.includes("AX call"))).toHaveLength(2); // one create per family
    } finally {
      restore();
    }
  });

  it("the read API answers 401 without the admin token and 404 for an unknown order", async () => {
    expect((await readOrder("E2E-nope", "wrong-token")).status).toBe(401);
    expect((await fetch(`${stack.url}/orders/E2E-nope`)).status).toBe(401);
    const missing = await readOrder("E2E-never-sent");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toBe("order_not_found");
  });
});
