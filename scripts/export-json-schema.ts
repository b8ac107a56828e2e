// `npm run schemas`: writes the JSON Schema of each channel event to docs/schemas/, generated from the valibot
// schemas in lib/channel/schemas.ts. A unit test fails when the committed files differ from this output.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { PROJECT_ROOT, renderJsonSchemaFiles } from "./json-schema-files";

for (const [path, content] of await renderJsonSchemaFiles()) {
  const target = resolve(PROJECT_ROOT, path);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, content);
  console.log(`wrote ${path}`);
}
