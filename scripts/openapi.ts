// `npm run openapi`: writes docs/openapi.json, the OpenAPI 3.1 description generated from the code's valibot schemas
// (lib/openapi). A unit test fails when the committed file differs from this output.
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { PROJECT_ROOT } from "./json-schema-files";
import { OPENAPI_PATH, renderOpenApiFile } from "./openapi-file";

await writeFile(resolve(PROJECT_ROOT, OPENAPI_PATH), await renderOpenApiFile());
console.log(`wrote ${OPENAPI_PATH}`);
