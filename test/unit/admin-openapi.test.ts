// The admin API's OpenAPI paths: one operation per route, built from the same schemas the API checks.
import { describe, expect, it } from "vitest";
import { adminPaths, adminSecuritySchemes } from "../../lib/admin/openapi";
import { adminRoutes } from "../../lib/admin/routes";

describe("adminPaths", () => {
  it("describes every admin route, with its parameters, body, answers and the admin token", () => {
    for (const route of adminRoutes) {
      const operation = adminPaths[route.path]?.[route.method.toLowerCase()] as Record<string, unknown> | undefined;
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation?.security).toEqual([{ namedAdminToken: [] }]);
      expect(Object.keys(operation?.responses as object)).toEqual(expect.arrayContaining(["400", "401"]));
      expect(operation?.requestBody !== undefined).toBe(route.body !== undefined);
      const inPath = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const parameters = (operation?.parameters ?? []) as { name: string; in: string }[];
      expect(parameters.filter((p) => p.in === "path").map((p) => p.name)).toEqual(inPath);
    }
    expect(Object.values(adminPaths).flatMap((entry) => Object.keys(entry))).toHaveLength(adminRoutes.length);
    expect(adminSecuritySchemes.namedAdminToken.scheme).toBe("bearer");
  });

  it("shows the query filters and the request schemas as JSON Schema", () => {
    const search = adminPaths["/admin/orders"]?.get as { parameters: { name: string; schema: { enum?: string[] } }[] };
    expect(search.parameters.map((p) => p.name)).toEqual([
      "status",
      "from",
      "to",
      "id_prefix",
      "ax_order_code",
      "ax_ticket_code",
      "webhook_id",
      "sku",
      "email",
      "name",
      "limit",
      "cursor",
    ]);
    expect(search.parameters[0]?.schema.enum).toContain("uncertain");
    const reconcile = adminPaths["/admin/orders/{order_id}/creates/{product_type}/reconcile"]?.post as {
      requestBody: { content: { "application/json": { schema: { oneOf?: unknown[]; anyOf?: unknown[] } } } };
    };
    const schema = reconcile.requestBody.content["application/json"].schema;
    expect((schema.oneOf ?? schema.anyOf ?? []).length).toBe(2);
  });
});
