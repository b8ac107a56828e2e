// A local stand-in for API Gateway (HTTP API, payload v2): turns requests into the events the Lambda handlers get.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
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
      params.proxy = decodeURIComponent(rest);
      break;
    }
    const actual = got[index] ?? "";
    const name = /^\{(.+)\}$/.exec(part)?.[1];
    if (name) {
      if (!actual) return undefined;
      params[name] = decodeURIComponent(actual);
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
    isBase64Encoded: false,
    ...(body.length > 0 ? { body: body.toString("utf8") } : {}),
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

export function startHttpGateway(routes: Route[], port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    void (async () => {
      const path = new URL(request.url ?? "/", "http://localhost").pathname;
      const route = routes.find((candidate) => match(candidate, request.method ?? "GET", path));
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
        send(response, await route.handler(toEvent(request, body, match(route, request.method ?? "GET", path) ?? {})));
      } catch {
        send(response, {
          statusCode: 500,
          body: JSON.stringify({ error: "internal_error", message: "handler failed" }),
        });
      }
    })();
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
