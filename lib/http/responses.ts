// API Gateway HTTP API (payload v2) answers: JSON bodies, and errors that never leak a stack trace.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

/** The body as the sender signed it: API Gateway may hand it over base64-encoded. */
export function rawBody(event: APIGatewayProxyEventV2): string {
  if (event.body === undefined) return "";
  return event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
}

export function lowerCaseHeaders(event: APIGatewayProxyEventV2): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers)) headers[name.toLowerCase()] = value;
  return headers;
}

/** A 5xx answer that names no internal detail (the detail goes to the log). */
export const internalError = () =>
  json(503, { error: "unavailable", message: "the adapter could not take the request; please retry" });
