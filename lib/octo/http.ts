// The OCTO API over HTTP (API Gateway v2 events): `/octo/...` routes, the reseller's bearer key, the
// `Octo-Capabilities` header, JSON bodies checked with valibot, and OCTO's error bodies for every failure: a bad
// request is a 400 naming the problem, a missing key 401, a wrong one 403, AX or DynamoDB unreachable a 503; never a
// stack trace.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { AdminToken } from "../admin/tokens";
import { bearerToken } from "../admin/tokens";
import { lowerCaseHeaders, rawBody } from "../http/responses";
import { logger } from "../observability/logger";
import { OctoError, badRequest } from "./errors";
import { identifyReseller } from "./resellers";
import {
  AvailabilitySchema,
  CalendarSchema,
  CancelSchema,
  ConfirmSchema,
  ExtendSchema,
  ListSchema,
  ReserveSchema,
  UpdateSchema,
  parseBody,
} from "./schemas";
import type { OctoService, RequestOptions } from "./service";

export const OCTO_PREFIX = "/octo";
const MAX_BODY_BYTES = 64 * 1024;
/** The capabilities the adapter applies when asked (echoed in `Octo-Capabilities`). */
export const SUPPORTED_CAPABILITIES = ["octo/pricing"] as const;

export interface OctoHttpDeps {
  service: OctoService;
  keys: () => Promise<AdminToken[]>;
}

type Answer = APIGatewayProxyStructuredResultV2;

function answer(status: number, body: unknown, capabilities: readonly string[] = []): Answer {
  return {
    statusCode: status,
    headers: {
      "content-type": "application/json",
      "cache-control": "no-store",
      ...(capabilities.length > 0 ? { "octo-capabilities": capabilities.join(", ") } : {}),
    },
    body: JSON.stringify(body),
  };
}

function jsonBody(event: APIGatewayProxyEventV2): unknown {
  const bytes = rawBody(event);
  if (bytes.length > MAX_BODY_BYTES)
    throw badRequest(`The body is ${bytes.length} bytes; the limit is ${MAX_BODY_BYTES}`);
  if (bytes.length === 0) return {};
  try {
    return JSON.parse(bytes.toString("utf8")) as unknown;
  } catch {
    throw badRequest("The body is not valid JSON");
  }
}

/** `/octo/bookings/{uuid}/confirm` → ["bookings", uuid, "confirm"]; undefined outside the OCTO prefix. */
function segmentsOf(path: string): string[] | undefined {
  if (path !== OCTO_PREFIX && !path.startsWith(`${OCTO_PREFIX}/`)) return undefined;
  try {
    return path
      .slice(OCTO_PREFIX.length)
      .split("/")
      .filter(Boolean)
      .map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

type Handler = (reseller: string, options: RequestOptions) => Promise<unknown>;

/** The handler of a method and path, a 405 with the methods allowed, or undefined for an unknown path. */
function route(
  deps: OctoHttpDeps,
  method: string,
  parts: readonly string[],
  event: APIGatewayProxyEventV2,
): Handler | { allow: string } | undefined {
  const service = deps.service;
  const [resource, id, action, ...rest] = parts;
  if (rest.length > 0) return undefined;
  const on = (allowed: string, handlers: Record<string, Handler>) => handlers[method] ?? { allow: allowed };
  if (resource === "supplier" && id === undefined) {
    // API Gateway's own domain (or the custom one), as the reseller called it; plain http only on this machine.
    const domain = event.requestContext.domainName;
    const scheme = domain === "localhost" || domain.startsWith("127.") ? "http" : "https";
    const host = scheme === "http" ? (lowerCaseHeaders(event).host ?? domain) : domain;
    return on("GET", { GET: () => Promise.resolve(service.supplier(`${scheme}://${host}${OCTO_PREFIX}`)) });
  }
  if (resource === "products" && action === undefined)
    return on("GET", {
      GET: (_reseller, options) => (id === undefined ? service.products(options) : service.product(id, options)),
    });
  if (resource === "availability" && action === undefined) {
    if (id === undefined)
      return on("POST", {
        POST: (_reseller, options) => service.availability(parseBody(AvailabilitySchema, jsonBody(event)), options),
      });
    if (id === "calendar")
      return on("POST", { POST: () => service.calendar(parseBody(CalendarSchema, jsonBody(event))) });
    return undefined;
  }
  if (resource !== "bookings") return undefined;
  if (id === undefined)
    return on("GET, POST", {
      GET: (reseller, options) =>
        service.list(
          reseller,
          parseBody(ListSchema, Object.fromEntries(new URLSearchParams(event.rawQueryString))),
          options,
        ),
      POST: (reseller, options) => service.reserve(reseller, parseBody(ReserveSchema, jsonBody(event)), options),
    });
  if (action === undefined)
    return on("GET, PATCH", {
      GET: (reseller, options) => service.get(reseller, id, options),
      PATCH: (reseller, options) => service.update(reseller, id, parseBody(UpdateSchema, jsonBody(event)), options),
    });
  if (action === "confirm")
    return on("POST", {
      POST: (reseller, options) => service.confirm(reseller, id, parseBody(ConfirmSchema, jsonBody(event)), options),
    });
  if (action === "extend")
    return on("POST", {
      POST: (reseller, options) =>
        service.extend(reseller, id, parseBody(ExtendSchema, jsonBody(event)).expirationMinutes, options),
    });
  if (action === "cancel")
    return on("POST", {
      POST: (reseller, options) =>
        service.cancel(reseller, id, parseBody(CancelSchema, jsonBody(event)).reason, options),
    });
  return undefined;
}

export function createOctoHandler(deps: OctoHttpDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<Answer> => {
    const method = event.requestContext.http.method.toUpperCase();
    const headers = lowerCaseHeaders(event);
    const asked = (headers["octo-capabilities"] ?? "").split(",").map((capability) => capability.trim());
    const applied = SUPPORTED_CAPABILITIES.filter((capability) => asked.includes(capability));
    const options: RequestOptions = { pricing: applied.includes("octo/pricing") };
    const parts = segmentsOf(event.rawPath);
    const started = Date.now();
    let reseller: string | undefined;
    const done = (result: Answer, error?: string) => {
      // The route, never a body or a contact: bookings carry personal data.
      logger.info("octo request", {
        method,
        path: event.rawPath.slice(0, 200),
        status: result.statusCode,
        reseller,
        ...(error ? { error } : {}),
        duration_ms: Date.now() - started,
      });
      return result;
    };
    const presented = bearerToken(headers.authorization);
    if (!presented)
      return done(
        answer(401, { error: "UNAUTHORIZED", errorMessage: "Send your OCTO API key as `Authorization: Bearer <key>`" }),
        "UNAUTHORIZED",
      );
    try {
      reseller = identifyReseller(await deps.keys(), presented);
    } catch (error) {
      logger.error("the OCTO reseller keys could not be read", { error: error as Error });
      return done(answer(503, { error: "INTERNAL_SERVER_ERROR", errorMessage: "Try again in a moment" }), "keys");
    }
    if (!reseller)
      return done(
        answer(403, { error: "FORBIDDEN", errorMessage: "This API key is not valid (revoked, or never issued)" }),
        "FORBIDDEN",
      );
    const handler = parts ? route(deps, method, parts, event) : undefined;
    if (!handler)
      return done(
        answer(404, {
          error: "NOT_FOUND",
          errorMessage: `There is no OCTO endpoint ${method} ${event.rawPath.slice(0, 200)}`,
        }),
        "NOT_FOUND",
      );
    if ("allow" in handler) {
      const result = answer(405, { error: "BAD_REQUEST", errorMessage: `Use ${handler.allow} on this path` });
      return done({ ...result, headers: { ...result.headers, allow: handler.allow } }, "METHOD");
    }
    try {
      return done(answer(200, await handler(reseller, options), applied));
    } catch (error) {
      if (error instanceof OctoError) return done(answer(error.status, error.body, applied), error.code);
      logger.error("OCTO request failed", { method, path: event.rawPath.slice(0, 200), error: error as Error });
      return done(
        answer(503, { error: "INTERNAL_SERVER_ERROR", errorMessage: "The request could not be completed; try again" }),
        "unexpected",
      );
    }
  };
}
