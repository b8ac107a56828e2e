// The admin API's routing, without a table: no route can shadow another (an id that is a route word still reaches
// its own route), and a path that is not valid percent-encoding is a 400 naming it.
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { createAdminApiHandler, findRoute } from "../../lib/admin/http";
import { adminRoutes } from "../../lib/admin/routes";
import type { AdminDeps } from "../../lib/admin/service";

const segments = (path: string) => path.split("/");
const isParam = (segment: string) => /^\{.+\}$/.test(segment);

describe("admin routes", () => {
  it("never overlap: no path matches two routes of one method", () => {
    for (const [i, a] of adminRoutes.entries())
      for (const b of adminRoutes.slice(i + 1)) {
        if (a.method !== b.method) continue;
        const [sa, sb] = [segments(a.path), segments(b.path)];
        const overlap =
          sa.length === sb.length && sa.every((part, k) => part === sb[k] || isParam(part) || isParam(sb[k] ?? ""));
        expect(overlap, `${a.method} ${a.path} and ${b.path}`).toBe(false);
      }
  });

  it("send every route word used as an id to the route of that id", () => {
    const words = new Set(adminRoutes.flatMap((route) => segments(route.path).filter((s) => s && !isParam(s))));
    for (const route of adminRoutes.filter((r) => r.path.includes("{"))) {
      for (const word of words) {
        const path = route.path.replace(/\{[^}]+\}/g, word);
        expect(findRoute(route.method, path)?.route, `${route.method} ${path}`).toBe(route);
      }
    }
  });

  it("answer 400 naming a path segment that is not valid percent-encoding, before asking for a token", async () => {
    const handler = createAdminApiHandler({
      admin: {} as AdminDeps,
      tokens: () => Promise.reject(new Error("not reached")),
    });
    const event = {
      rawPath: "/admin/events/%E0%A4%A",
      rawQueryString: "",
      headers: {},
      requestContext: { http: { method: "GET" } },
    } as unknown as APIGatewayProxyEventV2;
    const answer = await handler(event);
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body ?? "")).toEqual({
      error: "invalid_path",
      message: 'the path segment "%E0%A4%A" is not valid percent-encoding',
    });
  });
});
