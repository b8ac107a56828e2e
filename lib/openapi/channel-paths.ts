// The channel-facing part of the OpenAPI document: the webhook receiver with every answer, the webhooks the channel
// sends and receives, the read API and the health check. Every schema is converted from the code's valibot schemas.
import type * as v from "valibot";
import {
  InvalidJsonAnswerSchema,
  InvalidPayloadAnswerSchema,
  InvalidSignatureAnswerSchema,
  PayloadTooLargeAnswerSchema,
  UnsupportedMediaTypeAnswerSchema,
  WebhookAcceptedSchema,
  WebhookDuplicateSchema,
  WebhookIdConflictAnswerSchema,
} from "../channel/answers";
import { embeddedJsonSchema } from "../channel/json-schema";
import { OrderCancelledEventSchema, OrderPlacedEventSchema } from "../channel/schemas";
import { errorAnswerSchema, HealthAnswerSchema, UnavailableAnswerSchema } from "../http/answer-schemas";
import { StatusChangedPayloadSchema } from "../orders/notify";
import { OrderViewSchema } from "../orders/order-view";
import type { OpenApiPathModule } from "./document";

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** A JSON answer whose body is one of the named component schemas. */
export function jsonAnswer(description: string, ...schemaNames: string[]) {
  const schema = schemaNames.length === 1 ? ref(schemaNames[0] ?? "") : { oneOf: schemaNames.map(ref) };
  return { description, content: { "application/json": { schema } } };
}

const schemas = (entries: Record<string, v.GenericSchema>) =>
  Object.fromEntries(Object.entries(entries).map(([name, schema]) => [name, embeddedJsonSchema(schema)]));

const signatureHeaders = [
  {
    name: "webhook-id",
    in: "header",
    required: true,
    description: "Unique id of the event, the same on every retry of it: the idempotency key.",
    schema: { type: "string", minLength: 1, maxLength: 128 },
  },
  {
    name: "webhook-timestamp",
    in: "header",
    required: true,
    description: "Unix seconds when sent; refused when more than 5 minutes from now, either way.",
    schema: { type: "string", pattern: "^[0-9]+$" },
  },
  {
    name: "webhook-signature",
    in: "header",
    required: true,
    description:
      "Space-separated `v1,<base64 HMAC-SHA256>` entries over `{webhook-id}.{webhook-timestamp}.{raw body}`, keyed with the decoded part of the `whsec_<base64>` secret; valid when any entry matches a current secret.",
    schema: { type: "string" },
  },
];

/** A webhook signed per Standard Webhooks v1 whose JSON body is one component schema. */
function signedWebhook(webhook: {
  operationId: string;
  summary: string;
  description?: string;
  schemaName: string;
  responses: Record<string, unknown>;
}) {
  const { schemaName, ...operation } = webhook;
  return {
    post: {
      ...operation,
      tags: ["webhooks"],
      parameters: signatureHeaders,
      requestBody: { required: true, content: { "application/json": { schema: ref(schemaName) } } },
    },
  };
}

const unavailable = jsonAnswer(
  "A dependency (DynamoDB, SSM) failed: nothing was acknowledged, so the channel retries.",
  "UnavailableAnswer",
);

export const webhookPaths: OpenApiPathModule = {
  tags: [{ name: "webhooks", description: "What the channel's platform sends, and what the adapter sends back." }],
  paths: {
    "/webhooks/orders": {
      post: {
        operationId: "receiveWebhook",
        tags: ["webhooks"],
        summary: "Receive an order.placed or order.cancelled webhook",
        description:
          "Checks run in this order and the first that fails answers: size (413), signature and timestamp (401), content type (415), JSON (400 invalid_json), contract (400 invalid_payload), webhook-id (200 duplicate / 409). A 2xx means the event is stored durably and will be applied, even if AX is down for days. The signature is checked on the raw bytes: send the body exactly as signed.",
        parameters: signatureHeaders,
        requestBody: {
          required: true,
          content: {
            "application/json": { schema: { oneOf: [ref("OrderPlacedEvent"), ref("OrderCancelledEvent")] } },
          },
        },
        responses: {
          "200": jsonAnswer(
            "The same webhook-id with the same body was received before: nothing is done twice.",
            "WebhookDuplicate",
          ),
          "202": jsonAnswer("Stored durably; it will be applied.", "WebhookAccepted"),
          "400": jsonAnswer(
            "Not JSON, or JSON that breaks the contract (one issue per path).",
            "InvalidJsonAnswer",
            "InvalidPayloadAnswer",
          ),
          "401": jsonAnswer(
            "Missing or invalid signature, unknown secret, stale or future timestamp.",
            "InvalidSignatureAnswer",
          ),
          "409": jsonAnswer("The same webhook-id with a different body.", "WebhookIdConflictAnswer"),
          "413": jsonAnswer("The body is larger than the limit (256 KiB).", "PayloadTooLargeAnswer"),
          "415": jsonAnswer("The content type is not application/json.", "UnsupportedMediaTypeAnswer"),
          "503": unavailable,
        },
      },
    },
  },
  webhooks: {
    "order.placed": signedWebhook({
      operationId: "orderPlaced",
      summary: "An order placed on the channel (received at POST /webhooks/orders)",
      schemaName: "OrderPlacedEvent",
      responses: { "202": jsonAnswer("Stored; it will be placed in AX.", "WebhookAccepted") },
    }),
    "order.cancelled": signedWebhook({
      operationId: "orderCancelled",
      summary: "A cancellation of a whole order, items or tickets (received at POST /webhooks/orders)",
      schemaName: "OrderCancelledEvent",
      responses: { "202": jsonAnswer("Stored; it will be applied in AX.", "WebhookAccepted") },
    }),
    "order.status_changed": signedWebhook({
      operationId: "orderStatusChanged",
      summary: "Sent by the adapter to OUTBOUND_WEBHOOK_URL when an AX order's status changed",
      description:
        "Signed like the webhooks the adapter receives (Standard Webhooks v1; during a rotation one `v1,` entry per secret). The webhook-id is the same on every attempt of one notification: deduplicate by it. Any 2xx within 5 s is a delivery; anything else is retried with backoff (1, 2, 4 … minutes, at most 6 h), 12 attempts over about 20 hours, then the notification is dead (alarmed).",
      schemaName: "OrderStatusChangedEvent",
      responses: { "2XX": { description: "Delivered. Any other answer, or none within 5 s, is retried." } },
    }),
  },
  components: {
    schemas: schemas({
      OrderPlacedEvent: OrderPlacedEventSchema,
      OrderCancelledEvent: OrderCancelledEventSchema,
      OrderStatusChangedEvent: StatusChangedPayloadSchema,
      WebhookAccepted: WebhookAcceptedSchema,
      WebhookDuplicate: WebhookDuplicateSchema,
      InvalidJsonAnswer: InvalidJsonAnswerSchema,
      InvalidPayloadAnswer: InvalidPayloadAnswerSchema,
      InvalidSignatureAnswer: InvalidSignatureAnswerSchema,
      WebhookIdConflictAnswer: WebhookIdConflictAnswerSchema,
      PayloadTooLargeAnswer: PayloadTooLargeAnswerSchema,
      UnsupportedMediaTypeAnswer: UnsupportedMediaTypeAnswerSchema,
      UnavailableAnswer: UnavailableAnswerSchema,
    }),
  },
};

export const readApiPaths: OpenApiPathModule = {
  tags: [{ name: "orders", description: "The read API: what became of a channel order in AX." }],
  paths: {
    "/orders/{order_id}": {
      get: {
        operationId: "getOrder",
        tags: ["orders"],
        summary: "One channel order: its AX orders and tickets, status history, events and notifications",
        security: [{ adminToken: [] }],
        parameters: [{ name: "order_id", in: "path", required: true, schema: { type: "string" } }],
        responses: {
          "200": jsonAnswer("The order as the adapter knows it.", "OrderView"),
          "401": jsonAnswer("Missing or wrong admin token.", "UnauthorizedAnswer"),
          "404": jsonAnswer("No event was ever received for this order id.", "OrderNotFoundAnswer"),
          "503": unavailable,
        },
      },
    },
  },
  components: {
    schemas: schemas({
      OrderView: OrderViewSchema,
      UnauthorizedAnswer: errorAnswerSchema("unauthorized", "Send the admin token as `Authorization: Bearer <token>`."),
      OrderNotFoundAnswer: errorAnswerSchema("order_not_found", "No event was ever received for this order id."),
      UnavailableAnswer: UnavailableAnswerSchema,
    }),
    securitySchemes: {
      adminToken: {
        type: "http",
        scheme: "bearer",
        description: "The stage's admin token (SSM `/ax-channel-adapter/<stage>/admin-token`; locally ADMIN_TOKEN).",
      },
    },
  },
};

export const healthPaths: OpenApiPathModule = {
  tags: [{ name: "health" }],
  paths: {
    "/health": {
      get: {
        operationId: "health",
        tags: ["health"],
        summary: "Liveness, no auth",
        security: [],
        responses: { "200": jsonAnswer("The stack takes webhooks.", "HealthAnswer") },
      },
    },
  },
  components: { schemas: schemas({ HealthAnswer: HealthAnswerSchema }) },
};
