// The OpenAPI document describes the real API: every answer of the local stack (the deployed handlers over HTTP)
// has a documented status, and its body fits the valibot schema the document was generated from.
import { randomUUID } from "node:crypto";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  InvalidJsonAnswerSchema,
  InvalidPayloadAnswerSchema,
  InvalidSignatureAnswerSchema,
  PayloadTooLargeAnswerSchema,
  UnsupportedMediaTypeAnswerSchema,
  WebhookAcceptedSchema,
  WebhookDuplicateSchema,
  WebhookIdConflictAnswerSchema,
} from "../../lib/channel/answers";
import { errorAnswerSchema, HealthAnswerSchema } from "../../lib/http/answer-schemas";
import { buildOpenApiDocument } from "../../lib/openapi/document";
import { OrderViewSchema } from "../../lib/orders/order-view";
import { DEV_ADMIN_TOKEN, DEV_WEBHOOK_SECRET, startLocalStack, type LocalStack } from "../../local/stack";
import { sampleOrderPlaced } from "../../local/samples";
import { signedDelivery } from "../support/webhooks";

const document = buildOpenApiDocument({ version: "test" });
const documented = (path: string, method: string): string[] =>
  Object.keys((document.paths[path]?.[method] as { responses: Record<string, unknown> }).responses);

describe("the answers of the running API, against the OpenAPI document", () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      env: {
        AWS_ENDPOINT_URL_DYNAMODB: inject("dynamodbEndpoint"),
        TABLE_NAME: `openapi-${randomUUID()}`,
        WEBHOOK_MAX_BYTES: "20000",
      },
      port: 0,
      syncIntervalMs: 0,
    });
  });
  afterAll(async () => {
    await stack.stop();
  });

  const post = (delivery: { headers: Record<string, string>; body: string }) =>
    fetch(`${stack.url}/webhooks/orders`, { method: "POST", headers: delivery.headers, body: delivery.body });

  async function expectAnswer(answer: Response, status: number, schema: v.GenericSchema, path: string, method: string) {
    expect(answer.status).toBe(status);
    expect(documented(path, method)).toContain(String(status));
    const parsed = v.safeParse(schema, await answer.json());
    expect(parsed.issues).toBeUndefined();
  }

  it("POST /webhooks/orders: 202, 200, 409, 401, 415, 400 (both kinds), 413", async () => {
    const orderId = `OAS-${randomUUID().slice(0, 8)}`;
    const delivery = signedDelivery(sampleOrderPlaced(orderId), { secret: DEV_WEBHOOK_SECRET });
    const path = "/webhooks/orders";
    await expectAnswer(await post(delivery), 202, WebhookAcceptedSchema, path, "post");
    await expectAnswer(await post(delivery), 200, WebhookDuplicateSchema, path, "post");
    const conflicting = signedDelivery(sampleOrderPlaced(`${orderId}-other`), {
      secret: DEV_WEBHOOK_SECRET,
      webhookId: delivery.webhookId,
    });
    await expectAnswer(await post(conflicting), 409, WebhookIdConflictAnswerSchema, path, "post");
    const unsigned = { ...delivery, headers: { ...delivery.headers, "webhook-signature": "v1,AAAA" } };
    await expectAnswer(await post(unsigned), 401, InvalidSignatureAnswerSchema, path, "post");
    const textPlain = signedDelivery({}, { secret: DEV_WEBHOOK_SECRET, contentType: "text/plain" });
    await expectAnswer(await post(textPlain), 415, UnsupportedMediaTypeAnswerSchema, path, "post");
    const notJson = signedDelivery(undefined, { secret: DEV_WEBHOOK_SECRET, rawBody: "{not json" });
    await expectAnswer(await post(notJson), 400, InvalidJsonAnswerSchema, path, "post");
    const invalid = signedDelivery({ type: "order.placed", data: {} }, { secret: DEV_WEBHOOK_SECRET });
    await expectAnswer(await post(invalid), 400, InvalidPayloadAnswerSchema, path, "post");
    const large = signedDelivery(undefined, { secret: DEV_WEBHOOK_SECRET, rawBody: `"${"x".repeat(20_001)}"` });
    await expectAnswer(await post(large), 413, PayloadTooLargeAnswerSchema, path, "post");
    await stack.settled();
  });

  it("GET /orders/{order_id}: 200 with the order view, 401, 404", async () => {
    const orderId = `OAS-${randomUUID().slice(0, 8)}`;
    await post(signedDelivery(sampleOrderPlaced(orderId), { secret: DEV_WEBHOOK_SECRET }));
    await stack.settled();
    const read = (id: string, token = DEV_ADMIN_TOKEN) =>
      fetch(`${stack.url}/orders/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${token}` } });
    const path = "/orders/{order_id}";

    await expectAnswer(await read(orderId), 200, OrderViewSchema, path, "get");
    await expectAnswer(await read(orderId, "wrong"), 401, errorAnswerSchema("unauthorized", ""), path, "get");
    await expectAnswer(await read("OAS-never"), 404, errorAnswerSchema("order_not_found", ""), path, "get");
  });

  it("GET /orders/{order_id} names the family of an uncertain create, whose items have no AX order yet", async () => {
    const orderId = `OAS-${randomUUID().slice(0, 8)}`;
    stack.sandbox?.injectFault({
      endpoint: "create",
      channelOrderCode: orderId,
      kind: "status",
      status: 500,
      afterProcessing: true,
      times: 1,
    });
    await post(signedDelivery(sampleOrderPlaced(orderId), { secret: DEV_WEBHOOK_SECRET }));
    await stack.settled();
    const answer = await fetch(`${stack.url}/orders/${orderId}`, {
      headers: { authorization: `Bearer ${DEV_ADMIN_TOKEN}` },
    });
    const view = v.parse(OrderViewSchema, await answer.json());

    expect(view.status).toBe("uncertain");
    const uncertain = view.create_calls.filter((call) => call.state === "uncertain");
    expect(uncertain).toHaveLength(1);
    const [call] = uncertain;
    expect(call?.item_ids.length).toBeGreaterThan(0);
    expect(view.ax_orders.map((axOrder) => axOrder.item_id)).not.toContain(call?.item_ids[0]);
  });

  it("GET /health: 200", async () => {
    await expectAnswer(await fetch(`${stack.url}/health`), 200, HealthAnswerSchema, "/health", "get");
  });
});
