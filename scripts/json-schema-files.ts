// The committed JSON Schema files of the channel's events, rendered exactly as `npm run schemas` writes them
// (Prettier-formatted with the project's settings, so `prettier --check .` agrees). Shared by the export script
// and the unit test that keeps the committed files from going stale.
import { resolve } from "node:path";
import { format, resolveConfig } from "prettier";
import { channelEventJsonSchemas } from "../lib/channel/json-schema";

export const PROJECT_ROOT = resolve(import.meta.dirname, "..");
export const SCHEMA_DIRECTORY = "docs/schemas";

/** Project-relative path → file content, one file per event type. */
export async function renderJsonSchemaFiles(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const [type, schema] of Object.entries(channelEventJsonSchemas)) {
    const path = `${SCHEMA_DIRECTORY}/${type}.schema.json`;
    const filepath = resolve(PROJECT_ROOT, path);
    const options = (await resolveConfig(filepath)) ?? {};
    files.set(path, await format(JSON.stringify(schema, null, 2), { ...options, filepath }));
  }
  return files;
}
