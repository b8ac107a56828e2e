// The admin API's part of the OpenAPI 3.1 document: a `paths` object built from the routes' valibot schemas, so the
// description cannot drift from what the API checks. The document generator adds it next to the other paths.
import { toJsonSchema, type JsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";
import { ErrorSchema } from "./schemas";
import { adminRoutes, type AdminRoute } from "./routes";

/** OpenAPI 3.1 schemas are JSON Schema 2020-12; the `$schema` keyword is left to the document. */
function schemaOf(schema: v.GenericSchema, typeMode: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = toJsonSchema(schema, {
    target: "draft-2020-12",
    typeMode,
    errorMode: "ignore",
  });
  return rest;
}

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: schemaOf(ErrorSchema, "output") } },
});

const ERROR_DESCRIPTIONS: Record<number, string> = {
  404: "Not found (the message names what)",
  405: "Method not allowed",
  409: "Conflict: the state changed, or the action does not apply (the message says why)",
  422: "Some rows are wrong: nothing was written (the report lists every one)",
  503: "Something the action needs (AX) did not answer: nothing was done, try again (the message says what)",
};

function parameters(route: AdminRoute) {
  const inPath = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const query = route.query ? schemaOf(route.query, "input") : undefined;
  const properties = query?.properties ?? {};
  const required = new Set(query?.required ?? []);
  const inQuery = Object.entries(properties).map(([name, schema]) => ({
    name,
    in: "query",
    required: required.has(name),
    schema,
  }));
  return [...inPath, ...inQuery];
}

function operation(route: AdminRoute) {
  const status = String(route.status ?? 200);
  const responses: Record<string, unknown> = {
    [status]: {
      description: route.summary,
      content: { "application/json": { schema: schemaOf(route.response, "output") } },
    },
    "400": errorResponse("Invalid input (the message names the field and the problem)"),
    "401": errorResponse("No admin token, or not a known one"),
  };
  for (const code of route.errors ?? []) {
    responses[String(code)] =
      code === 422
        ? {
            description: ERROR_DESCRIPTIONS[code],
            content: { "application/json": { schema: schemaOf(route.response, "output") } },
          }
        : errorResponse(ERROR_DESCRIPTIONS[code] ?? "Error");
  }
  const params = parameters(route);
  return {
    summary: route.summary,
    tags: ["admin"],
    security: [{ adminToken: [] }],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: schemaOf(route.body, "input") } },
          },
        }
      : {}),
    responses,
  };
}

/** OpenAPI 3.1 `paths` of the admin API (every route under /admin, bearer `adminToken`). */
export const adminPaths: Record<string, Record<string, unknown>> = (() => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of adminRoutes) {
    const entry = (paths[route.path] ??= {});
    entry[route.method.toLowerCase()] = operation(route);
  }
  return paths;
})();

/** The security scheme the admin paths name: one of the stage's named admin tokens, as a bearer token. */
export const adminSecuritySchemes = {
  adminToken: {
    type: "http",
    scheme: "bearer",
    description: "One of the stage's named admin tokens; the name is recorded with every action.",
  },
} as const;
