// The CLI's OCTO commands (issue #20): the operators' OCTO product mapping (docs/octo.md, "The mapping"), on the
// local stack's table or a stage's (TABLE_NAME). An import checks the whole file first, and, when AX can be reached
// (the local stack's sandbox, or AX_BASE_URL with AX_API_KEY and AX_CHANNEL_CODE), that every unit names an option of
// its AX product; nothing is written unless all of it is right.
import { readFileSync } from "node:fs";
import { AxCatalogClient } from "../../lib/ax/catalog-client";
import { parseMappingFile, type ProductMapping } from "../../lib/octo/mapping";
import { OctoMappingStore } from "../../lib/store/octo-store";
import { DEV_AX_API_KEY, DEV_AX_CHANNEL_CODE } from "../stack";
import { openStore, readLocalStackState } from "./target";

type Env = Record<string, string | undefined>;
type Out = (line: string) => void;

export class OctoMappingError extends Error {}

function mappingStore(env: Env): OctoMappingStore {
  const store = openStore(env);
  return new OctoMappingStore(store.documentClient, store.tableName);
}

/** AX as the CLI reaches it: AX_BASE_URL with its keys, or the running local stack's sandbox; undefined: neither. */
function axCatalog(env: Env): AxCatalogClient | undefined {
  const baseUrl = env.AX_BASE_URL ?? (env.TABLE_NAME ? undefined : readLocalStackState()?.axUrl);
  if (!baseUrl) return undefined;
  return new AxCatalogClient({
    baseUrl,
    credentials: {
      apiKey: env.AX_API_KEY ?? DEV_AX_API_KEY,
      channelCode: env.AX_CHANNEL_CODE ?? DEV_AX_CHANNEL_CODE,
    },
    timeoutMs: 10_000,
  });
}

/** Problems of the mapping against AX's product detail: each unit's option must be one of its AX product's. */
async function checkAgainstAx(ax: AxCatalogClient, products: readonly ProductMapping[]): Promise<string[]> {
  const problems: string[] = [];
  for (const product of products) {
    let options: Set<string>;
    try {
      const detail = await ax.getProductDetail(product.product_type, product.ax_product_code);
      options = new Set(detail.options.map((option) => option.option_code));
    } catch (error) {
      problems.push(
        `${product.id}: AX's ${product.product_type} ${product.ax_product_code}: ${(error as Error).message}`,
      );
      continue;
    }
    for (const option of product.options)
      for (const unit of option.units)
        if (!options.has(unit.ax_option_code))
          problems.push(
            `${product.id}/${option.id}/${unit.id}: ${unit.ax_option_code} is not an option of that AX product`,
          );
  }
  return problems;
}

export async function octoList(env: Env, out: Out, json: boolean): Promise<number> {
  const products = await mappingStore(env).listProducts();
  if (json) out(JSON.stringify(products, null, 2));
  else
    for (const product of products)
      out(
        `${product.id}  ${product.product_type} ${product.ax_product_code}  options: ${product.options
          .map((option) => `${option.id} (${option.units.map((unit) => unit.id).join(", ")})`)
          .join("; ")}`,
      );
  return 0;
}

export async function octoImport(env: Env, out: Out, file: string, dryRun: boolean): Promise<number> {
  let products: ProductMapping[];
  try {
    products = parseMappingFile(JSON.parse(readFileSync(file, "utf8")));
  } catch (error) {
    throw new OctoMappingError(`${file}: ${(error as Error).message}`);
  }
  const ax = axCatalog(env);
  if (ax) {
    const problems = await checkAgainstAx(ax, products).finally(() => {
      ax.close();
    });
    for (const problem of problems) out(`${file}: ${problem}`);
    if (problems.length > 0) {
      out(`nothing imported: ${problems.length} problem(s) against AX`);
      return 1;
    }
  } else out("AX not reachable from here (no AX_BASE_URL, no local stack): the AX option codes were not checked");
  if (!dryRun) {
    const store = mappingStore(env);
    for (const product of products) await store.putProduct(product);
  }
  out(`${dryRun ? "would import" : "imported"} ${products.length} OCTO product(s) from ${file}`);
  return 0;
}

export async function octoRemove(env: Env, out: Out, id: string): Promise<number> {
  const removed = await mappingStore(env).deleteProduct(id);
  out(removed ? `removed OCTO product ${id}` : `no OCTO product ${id}`);
  return 0;
}
