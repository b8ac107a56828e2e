// docs/openapi.json: generated from the code's valibot schemas, committed current, and a valid OpenAPI 3.1 document.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { compileErrors, validate } from "@readme/openapi-parser";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { buildOpenApiDocument, OPENAPI_PATH_MODULES, type OpenApiPathModule } from "../../lib/openapi/document";
import { statusChangedNotification, StatusChangedPayloadSchema } from "../../lib/orders/notify";
import type { AxOrderRecord } from "../../lib/orders/model";
import { PROJECT_ROOT } from "../../scripts/json-schema-files";
import { OPENAPI_PATH, renderOpenApiFile } from "../../scripts/openapi-file";

type Document = Parameters<typeof validate>[0];

async function validationErrors(document: unknown): Promise<string | undefined> {
  const result = await validate(structuredClone(document) as Document);
  return result.valid ? undefined : compileErrors(result);
}

describe("docs/openapi.json", () => {
  it("equals the document generated from the code", async () => {
    const committed = await readFile(resolve(PROJECT_ROOT, OPENAPI_PATH), "utf8").catch(() => "(missing)");

    expect(committed, `${OPENAPI_PATH} is stale: run \`npm run openapi\` and commit the result`).toBe(
      await renderOpenApiFile(),
    );
  });

  it("is a valid OpenAPI 3.1 document", async () => {
    const document: unknown = JSON.parse(await readFile(resolve(PROJECT_ROOT, OPENAPI_PATH), "utf8"));

    expect(document).toMatchObject({ openapi: "3.1.0" });
    expect(await validationErrors(document)).toBeUndefined();
  });

  it("is checked by a validator that refuses a broken 3.1 document", async () => {
    const document = buildOpenApiDocument({ version: "0.0.0" });
    const broken = { ...document, paths: { "/health": { get: { responses: { ok: {} } } } } };

    expect(await validationErrors(broken)).toMatch(/responses|ok/);
  });
});

describe("the OpenAPI document", () => {
  const document = buildOpenApiDocument({ version: "0.0.0" });
  const responses = (path: string, method: string) =>
    Object.keys((document.paths[path]?.[method] as { responses: Record<string, unknown> }).responses);

  it("lists every answer of the webhook receiver, the read API and the health check", () => {
    expect(responses("/webhooks/orders", "post")).toEqual(["200", "202", "400", "401", "409", "413", "415", "503"]);
    expect(responses("/orders/{order_id}", "get")).toEqual(["200", "401", "404", "503"]);
    expect(responses("/health", "get")).toEqual(["200"]);
  });

  it("has the webhooks received and sent", () => {
    expect(Object.keys(document.webhooks)).toEqual(["order.placed", "order.cancelled", "order.status_changed"]);
    expect(JSON.stringify(document.webhooks["order.status_changed"])).toContain(
      "#/components/schemas/OrderStatusChangedEvent",
    );
  });

  it("describes order.status_changed as the code writes it", () => {
    const axOrder: AxOrderRecord = {
      order_id: "CH-1",
      item_id: "CH-1-1",
      product_type: "tour",
      mapping_code: "M",
      option_code: "O",
      inventory_at: "2026-12-25T00:00:00Z",
      quantity: 1,
      ax_order_code: "ax-1",
      ax_order_status: "Supplier confirm",
      tickets: [],
      history: [],
      created_at: "2026-11-23T09:00:00Z",
      updated_at: "2026-11-23T09:05:00Z",
    };
    const notification = statusChangedNotification({
      id: "msg_1",
      at: "2026-11-23T09:05:00Z",
      orderStatus: "placed",
      axOrder,
      from: "New",
      comment: "Pick-up at 9:00",
    });
    const body: unknown = JSON.parse(notification.body);

    expect(v.safeParse(v.strictObject({ ...StatusChangedPayloadSchema.entries }), body).issues).toBeUndefined();
    const schema = document.components.schemas?.OrderStatusChangedEvent as { required: string[] };
    expect(schema.required).toEqual(["type", "timestamp", "data"]);
  });

  it("takes a new API's paths from one more module, and refuses a path defined twice", () => {
    const adminPaths: OpenApiPathModule = {
      paths: { "/admin/things": { get: { responses: { "200": { description: "things" } } } } },
    };
    const withAdmin = buildOpenApiDocument({ version: "0.0.0", modules: [...OPENAPI_PATH_MODULES, adminPaths] });

    expect(Object.keys(withAdmin.paths)).toContain("/admin/things");
    expect(() =>
      buildOpenApiDocument({ version: "0.0.0", modules: [...OPENAPI_PATH_MODULES, adminPaths, adminPaths] }),
    ).toThrow(/\/admin\/things get is defined twice/);
  });
});
