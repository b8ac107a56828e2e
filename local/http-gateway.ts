// A local stand-in for API Gateway (HTTP API, payload v2): turns requests into the events the Lambda handlers get.
// It also guards the dev-only routes (`/__local/*` here, `/__sandbox/*` on the AX sandbox): any web page the
// developer opens can send requests to 127.0.0.1, so those routes take only same-machine, JSON, token-bearing calls.
import { isUtf8 } from "node:buffer";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { secretsEqual } from "../lib/secrets";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export type RouteHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface Route {
  method: string;
  /** e.g. `/orders/{order_id}` */
  path: string;
  handler: RouteHandler;
}

/** API Gateway refuses payloads over 10 MB; the handlers apply the contract's own, smaller limit. */
const GATEWAY_MAX_BYTES = 10 * 1024 * 1024;

/** Path prefixes of the dev-only routes: never deployed, and guarded by `refuseDevRequest`. */
export const DEV_ROUTE_PREFIXES = ["/__local/", "/__sandbox/"] as const;

export const isDevRoute = (path: string): boolean =>
  DEV_ROUTE_PREFIXES.some((prefix) => path.startsWith(prefix) || path === prefix.slice(0, -1));

export interface Refusal {
  statusCode: number;
  body: { error: string; message: string };
}

/**
 * Why a request to a dev-only route is refused, or undefined to let it through. A browser page cannot pass: it
 * sends `Origin` (or `Sec-Fetch-Site`) on cross-origin requests, and can send neither a JSON content type nor an
 * `Authorization` header without a CORS preflight, which these servers never grant.
 */
export function refuseDevRequest(
  request: Pick<IncomingMessage, "method" | "headers">,
  adminToken: string | undefined,
): Refusal | undefined {
  const headers = request.headers;
  const site = headers["sec-fetch-site"];
  if (headers.origin !== undefined || (site !== undefined && site !== "none" && site !== "same-origin"))
    return {
      statusCode: 403,
      body: { error: "forbidden", message: "dev-only routes refuse requests from web pages (cross-origin)" },
    };
  const presented = /^Bearer\s+(.+)$/i.exec(headers.authorization?.trim() ?? "")?.[1] ?? "";
  // No token only for an AX sandbox run on its own (local/ax-sandbox/main.ts without SANDBOX_CONTROL_TOKEN).
  if (adminToken !== undefined && (!presented || !secretsEqual(presented, adminToken)))
    return {
      statusCode: 401,
      body: { error: "unauthorized", message: "dev-only routes need the admin token: `Authorization: Bearer <token>`" },
    };
  const method = request.method ?? "GET";
  const contentType = headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  if (method !== "GET" && method !== "HEAD" && contentType !== "application/json")
    return {
      statusCode: 415,
      body: { error: "unsupported_media_type", message: "dev-only routes take only content-type application/json" },
    };
  return undefined;
}

/** The headers a caller of the dev-only routes sends (the CLI, the sandbox's remote control). */
export function devRouteHeaders(adminToken: string | undefined): Record<string, string> {
  return {
    "content-type": "application/json",
    ...(adminToken === undefined ? {} : { authorization: `Bearer ${adminToken}` }),
  };
}

/** A path segment decoded, or undefined when it is not valid percent-encoding (e.g. `%E0%A4%A`). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

class BadPathError extends Error {}

function match(route: Route, method: string, path: string): Record<string, string> | undefined {
  if (route.method !== method) return undefined;
  const want = route.path.split("/");
  const got = path.split("/");
  // `{proxy+}` as the last part takes the rest of the path (API Gateway's greedy parameter).
  const greedy = want.at(-1) === "{proxy+}";
  if (greedy ? got.length < want.length : want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    if (greedy && index === want.length - 1) {
      const rest = got.slice(index).join("/");
      if (!rest) return undefined;
      const decoded = decodeSegment(rest);
      if (decoded === undefined)
        throw new BadPathError(`the path ${JSON.stringify(rest)} is not valid percent-encoding`);
      params.proxy = decoded;
      break;
    }
    const actual = got[index] ?? "";
    const name = /^\{(.+)\}$/.exec(part)?.[1];
    if (name) {
      if (!actual) return undefined;
      const decoded = decodeSegment(actual);
      if (decoded === undefined)
        throw new BadPathError(`the path segment ${JSON.stringify(actual)} is not valid percent-encoding`);
      params[name] = decoded;
    } else if (part !== actual) return undefined;
  }
  return params;
}

async function readBody(request: IncomingMessage): Promise<Buffer | "too_large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > GATEWAY_MAX_BYTES) return "too_large";
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function toEvent(request: IncomingMessage, body: Buffer, params: Record<string, string>): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? "/", "http://localhost");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  const now = new Date();
  return {
    version: "2.0",
    routeKey: `${request.method ?? "GET"} ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    pathParameters: params,
    // API Gateway hands a body over base64-encoded when it is not text; so does this stand-in, when not UTF-8.
    ...(isUtf8(body)
      ? { isBase64Encoded: false, ...(body.length > 0 ? { body: body.toString("utf8") } : {}) }
      : { isBase64Encoded: true, body: body.toString("base64") }),
    requestContext: {
      accountId: "local",
      apiId: "local",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: {
        method: request.method ?? "GET",
        path: url.pathname,
        protocol: "HTTP/1.1",
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: crypto.randomUUID(),
      routeKey: `${request.method ?? "GET"} ${url.pathname}`,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}

function send(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  response.writeHead(result.statusCode ?? 200, { "content-type": "application/json", ...(result.headers ?? {}) });
  // A binary answer (a compressed asset) comes base64-encoded, as API Gateway expects it.
  response.end(result.isBase64Encoded ? Buffer.from(result.body ?? "", "base64") : (result.body ?? ""));
}

const answer = (response: ServerResponse, refusal: Refusal) => {
  send(response, { statusCode: refusal.statusCode, body: JSON.stringify(refusal.body) });
};

/**
 * `adminToken`: what the dev-only routes (`/__local/*`) require; every request to them is checked by
 * `refuseDevRequest` first.
 */
export function startHttpGateway(
  routes: Route[],
  port: number,
  options: { adminToken: string },
): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    void (async () => {
      let path: string;
      try {
        path = new URL(request.url ?? "/", "http://localhost").pathname;
      } catch {
        request.resume();
        answer(response, {
          statusCode: 400,
          body: { error: "invalid_path", message: "the request target is not a URL path" },
        });
        return;
      }
      if (isDevRoute(path)) {
        const refusal = refuseDevRequest(request, options.adminToken);
        if (refusal) {
          request.resume();
          answer(response, refusal);
          return;
        }
      }
      let route: Route | undefined;
      let params: Record<string, string> | undefined;
      try {
        route = routes.find((candidate) => match(candidate, request.method ?? "GET", path));
        params = route ? match(route, request.method ?? "GET", path) : undefined;
      } catch (error) {
        if (!(error instanceof BadPathError)) throw error;
        request.resume();
        answer(response, { statusCode: 400, body: { error: "invalid_path", message: error.message } });
        return;
      }
      if (!route) {
        send(response, {
          statusCode: 404,
          body: JSON.stringify({ error: "not_found", message: `no route for ${request.method ?? "GET"} ${path}` }),
        });
        return;
      }
      const body = await readBody(request);
      if (body === "too_large") {
        send(response, {
          statusCode: 413,
          body: JSON.stringify({ error: "payload_too_large", message: "over 10 MB" }),
        });
        return;
      }
      try {
        send(response, await route.handler(toEvent(request, body, params ?? {})));
      } catch {
        send(response, {
          statusCode: 500,
          body: JSON.stringify({ error: "internal_error", message: "handler failed" }),
        });
      }
    })().catch(() => {
      // Whatever happens to one request, the gateway lives on (an unhandled rejection would end the process).
      if (!response.headersSent)
        send(response, {
          statusCode: 500,
          body: JSON.stringify({ error: "internal_error", message: "gateway failed" }),
        });
      else response.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const actual = typeof address === "object" && address ? address.port : port;
      resolve({ server, url: `http://127.0.0.1:${actual}` });
    });
  });
}
