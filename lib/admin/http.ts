// The admin API over API Gateway (HTTP API, payload v2): one function serves every /admin route. Authenticates the
// named admin token, checks the input against the route's schemas, runs the use case, and answers JSON; bad input
// is a 4xx naming the problem, never a 500 or a stack trace.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import * as v from "valibot";
import { json, lowerCaseHeaders, rawBody, internalError } from "../http/responses";
import { parseJsonOrUndefined } from "../json";
import { StoreUnavailableError } from "../orders/ports";
import { MappingInputError, describeIssues } from "./mapping-input";
import { Answer, adminRoutes, type AdminRoute } from "./routes";
import { AdminInputError, ConflictError, NotFoundError, UnavailableError, type AdminDeps } from "./service";
import { bearerToken, identifyToken, type AdminToken } from "./tokens";

export interface AdminApiDeps {
  admin: AdminDeps;
  tokens: () => Promise<readonly AdminToken[]>;
  /** Where unexpected failures go (never to the caller). */
  logError?: (message: string, error: unknown) => void;
}

const NO_STORE = { "cache-control": "no-store" };

function match(route: AdminRoute, method: string, path: string): Record<string, string> | undefined {
  if (route.method !== method) return undefined;
  const want = route.path.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const actual = got[index] ?? "";
    const name = /^\{(.+)\}$/.exec(part)?.[1];
    if (name) {
      if (!actual) return undefined;
      try {
        params[name] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (part !== actual) return undefined;
  }
  return params;
}

export function findRoute(
  method: string,
  path: string,
): { route: AdminRoute; params: Record<string, string> } | undefined {
  for (const route of adminRoutes) {
    const params = match(route, method, path);
    if (params) return { route, params };
  }
  return undefined;
}

const answer = (status: number, body: unknown): APIGatewayProxyStructuredResultV2 => {
  const result = json(status, body);
  return { ...result, headers: { ...result.headers, ...NO_STORE } };
};
const problem = (status: number, error: string, message: string) => answer(status, { error, message });

export function createAdminApiHandler(deps: AdminApiDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.rawPath.replace(/\/+$/, "");
    const found = findRoute(method, path);
    if (!found) {
      const other = adminRoutes.some((route) =>
        match({ ...route, method: method as AdminRoute["method"] }, method, path),
      );
      return other
        ? problem(405, "method_not_allowed", `${method} is not allowed on ${path}`)
        : problem(404, "not_found", `no admin route ${method} ${path}`);
    }
    let actor: string | undefined;
    try {
      actor = identifyToken(await deps.tokens(), bearerToken(lowerCaseHeaders(event).authorization));
    } catch (error) {
      deps.logError?.("admin tokens could not be read", error);
      return internalError();
    }
    if (!actor) return problem(401, "unauthorized", "send an admin token as `Authorization: Bearer <token>`");
    let body: unknown;
    if (found.route.body) {
      const text = rawBody(event).toString("utf8");
      body = text ? parseJsonOrUndefined(text) : undefined;
      if (text && body === undefined) return problem(400, "invalid_json", "the body is not JSON");
    }
    const query = Object.fromEntries(new URLSearchParams(event.rawQueryString));
    try {
      const result = await found.route.run({ deps: deps.admin, actor, params: found.params, query, body });
      if (result instanceof Answer) return answer(result.status, result.body);
      return answer(found.route.status ?? 200, result);
    } catch (error) {
      if (error instanceof v.ValiError) return problem(400, "invalid_request", describeIssues(error.issues));
      if (error instanceof AdminInputError || error instanceof MappingInputError)
        return problem(400, "invalid_request", error.message);
      if (error instanceof NotFoundError) return problem(404, "not_found", error.message);
      if (error instanceof ConflictError) return problem(409, "conflict", error.message);
      if (error instanceof UnavailableError) return problem(503, "unavailable", error.message);
      if (error instanceof StoreUnavailableError) {
        deps.logError?.(`admin ${method} ${found.route.path}: DynamoDB did not confirm`, error);
        return problem(
          503,
          "unavailable",
          "DynamoDB did not confirm the request in time; an action may or may not have been applied: look before trying again",
        );
      }
      deps.logError?.(`admin ${method} ${found.route.path} failed`, error);
      return internalError();
    }
  };
}
