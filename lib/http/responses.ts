// API Gateway HTTP API (payload v2) answers: JSON bodies, and errors that never leak a stack trace.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

/** The body's bytes as the sender signed them: API Gateway hands binary bodies over base64-encoded. */
export function rawBody(event: APIGatewayProxyEventV2): Buffer {
  if (event.body === undefined) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8");
}

export function lowerCaseHeaders(event: APIGatewayProxyEventV2): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers)) headers[name.toLowerCase()] = value;
  return headers;
}

/** A 5xx answer that names no internal detail (the detail goes to the log). */
export const internalError = () =>
  json(503, { error: "unavailable", message: "the adapter could not take the request; please retry" });
