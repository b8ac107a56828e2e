// Product mappings (channel sku → AX product): parsing and validating an operator's input, one place for all ways in.
import { parse as parseCsv } from "csv-parse/sync";
import * as v from "valibot";
import type { ProductMapping } from "../../lib/orders/model";

export const ProductMappingSchema = v.object({
  sku: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1, "sku is empty"),
    v.maxLength(128, "sku is longer than 128 characters"),
  ),
  product_type: v.picklist(["tour", "day-ticket"], 'product_type must be "tour" or "day-ticket"'),
  mapping_code: v.pipe(v.string(), v.trim(), v.minLength(1, "mapping_code is empty")),
  option_code: v.pipe(v.string(), v.trim(), v.minLength(1, "option_code is empty")),
});

export class MappingInputError extends Error {}

export function validateMapping(value: unknown, where: string): ProductMapping {
  const result = v.safeParse(ProductMappingSchema, value);
  if (result.success) return result.output;
  const problems = result.issues.map((issue) => {
    const path = issue.path?.map((p) => String(p.key)).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  throw new MappingInputError(`${where}: ${problems.join("; ")}`);
}

/** Reads mappings from CSV (header: sku,product_type,mapping_code,option_code) or a JSON array. */
export function parseMappingFile(fileName: string, content: string): ProductMapping[] {
  if (fileName.toLowerCase().endsWith(".json")) {
    let rows: unknown;
    try {
      rows = JSON.parse(content);
    } catch (error) {
      throw new MappingInputError(`${fileName} is not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(rows)) throw new MappingInputError(`${fileName} must hold a JSON array of mappings`);
    return rows.map((row, index) => validateMapping(row, `${fileName} entry ${index + 1}`));
  }
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(content, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    throw new MappingInputError(`${fileName} is not valid CSV: ${(error as Error).message}`);
  }
  // Line numbers count the header as line 1.
  return rows.map((row, index) => validateMapping(row, `${fileName} line ${index + 2}`));
}
