// The OpenAPI 3.1 description of the adapter's HTTP API and webhooks (docs/openapi.json, `npm run openapi`),
// merged from path modules whose schemas are generated from the code's valibot schemas. Dev-only: never bundled.
import { octoPaths } from "../octo/openapi";
import { healthPaths, readApiPaths, webhookPaths } from "./channel-paths";

/** One part of the API: its paths, webhooks and the components they refer to. */
export interface OpenApiPathModule {
  paths?: Record<string, Record<string, unknown>>;
  webhooks?: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
  tags?: { name: string; description?: string }[];
}

/** Every part of the API, in the order the document lists them. A new API adds one line here. */
export const OPENAPI_PATH_MODULES: readonly OpenApiPathModule[] = [webhookPaths, readApiPaths, healthPaths, octoPaths];

export interface OpenApiDocumentOptions {
  version: string;
  modules?: readonly OpenApiPathModule[];
}

export function buildOpenApiDocument(options: OpenApiDocumentOptions) {
  const merged = mergeModules(options.modules ?? OPENAPI_PATH_MODULES);
  return {
    openapi: "3.1.0",
    info: {
      title: "AX channel adapter",
      version: options.version,
      summary: "Takes a travel sales channel's order webhooks and books them in AX Cloud, exactly once.",
      description:
        "The channel's platform POSTs signed `order.placed` and `order.cancelled` webhooks (Standard Webhooks v1) to `/webhooks/orders`; the adapter stores each before answering, books it in AX Cloud, and tells the channel about the suppliers' decisions with `order.status_changed` webhooks of its own. Manual: docs/ in the repository.",
      license: { name: "UNLICENSED", identifier: "UNLICENSED" },
    },
    servers: [
      { url: "http://127.0.0.1:3000", description: "npm start (PORT)" },
      {
        url: "https://{apiId}.execute-api.{region}.amazonaws.com",
        description: "a deployed stage: the stack output HttpApiUrl",
        variables: { apiId: { default: "abcdef1234" }, region: { default: "ap-northeast-2" } },
      },
    ],
    tags: merged.tags,
    paths: merged.paths,
    webhooks: merged.webhooks,
    components: merged.components,
  };
}

function mergeModules(modules: readonly OpenApiPathModule[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  const webhooks: Record<string, Record<string, unknown>> = {};
  const components: Record<string, Record<string, unknown>> = {};
  const tags: { name: string; description?: string }[] = [];
  for (const module of modules) {
    for (const [path, item] of Object.entries(module.paths ?? {})) paths[path] = mergeDistinct(paths[path], item, path);
    for (const [name, item] of Object.entries(module.webhooks ?? {}))
      webhooks[name] = mergeDistinct(webhooks[name], item, `webhook ${name}`);
    for (const [section, entries] of Object.entries(module.components ?? {}))
      components[section] = mergeDistinct(components[section], entries, `components.${section}`, true);
    for (const tag of module.tags ?? []) if (!tags.some((known) => known.name === tag.name)) tags.push(tag);
  }
  return { paths, webhooks, components, tags };
}

/** Adds `extra`'s keys to `base`; two modules defining one key differently is a mistake, not an override. */
function mergeDistinct(
  base: Record<string, unknown> | undefined,
  extra: Record<string, unknown>,
  where: string,
  sameValueAllowed = false,
): Record<string, unknown> {
  const result = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    if (key in result) {
      const same = JSON.stringify(result[key]) === JSON.stringify(value);
      if (!sameValueAllowed || !same) throw new Error(`OpenAPI: ${where} ${key} is defined twice`);
    }
    result[key] = value;
  }
  return result;
}
