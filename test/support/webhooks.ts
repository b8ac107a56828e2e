// Signed deliveries as the channel's platform sends them.
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { signWebhook } from "../../lib/channel/signature";

export const TEST_SECRET = "whsec_dGVzdC1zZWNyZXQtZm9yLXRoZS1heC1hZGFwdGVyIQ==";
export const OTHER_SECRET = "whsec_b3RoZXItc2VjcmV0LW5vdC1hY3RpdmUtb24tdGhpcy1zdGFnZQ==";

export interface Delivery {
  headers: Record<string, string>;
  body: string;
  webhookId: string;
}

export function signedDelivery(
  payload: unknown,
  options: { secret?: string; webhookId?: string; timestamp?: number; contentType?: string; rawBody?: string } = {},
): Delivery {
  const body = options.rawBody ?? JSON.stringify(payload);
  const webhookId = options.webhookId ?? `msg_${randomUUID()}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    webhookId,
    body,
    headers: {
      "content-type": options.contentType ?? "application/json",
      "webhook-id": webhookId,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signWebhook({ secret: options.secret ?? TEST_SECRET, webhookId, timestamp, body }),
    },
  };
}

/** The API Gateway (HTTP API, payload v2) event a delivery becomes. */
export function apiEvent(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; pathParameters?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: "",
    headers: options.headers ?? {},
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    isBase64Encoded: false,
    ...(options.body !== undefined ? { body: options.body } : {}),
    requestContext: {
      accountId: "test",
      apiId: "test",
      domainName: "test",
      domainPrefix: "test",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "vitest" },
      requestId: randomUUID(),
      routeKey: `${method} ${path}`,
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
  };
}
