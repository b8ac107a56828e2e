// docs/openapi.json rendered exactly as `npm run openapi` writes it (Prettier-formatted with the project's settings,
// so `prettier --check .` agrees). Shared by the script and the unit test that keeps the committed file current.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { format, resolveConfig } from "prettier";
import { buildOpenApiDocument } from "../lib/openapi/document";
import { PROJECT_ROOT } from "./json-schema-files";

export const OPENAPI_PATH = "docs/openapi.json";

export async function renderOpenApiFile(): Promise<string> {
  const pkg = JSON.parse(await readFile(resolve(PROJECT_ROOT, "package.json"), "utf8")) as { version: string };
  const filepath = resolve(PROJECT_ROOT, OPENAPI_PATH);
  const options = (await resolveConfig(filepath)) ?? {};
  const document = buildOpenApiDocument({ version: pkg.version });
  return format(JSON.stringify(document, null, 2), { ...options, filepath });
}
