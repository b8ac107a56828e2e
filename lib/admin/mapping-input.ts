// Product mappings (channel sku → AX product) as an operator types or uploads them: one place that checks every way
// in (the console, the admin API, the CLI). An import is checked whole, row by row, before anything is written.
import { parse as parseCsv } from "csv-parse/sync";
import * as v from "valibot";
import type { ProductMapping } from "../orders/model";
import { operatorText } from "./text-input";

export const ProductMappingSchema = v.object({
  sku: v.pipe(v.string("sku is missing"), operatorText("sku", 128)),
  product_type: v.picklist(["tour", "day-ticket"], 'product_type must be "tour" or "day-ticket"'),
  mapping_code: v.pipe(v.string("mapping_code is missing"), operatorText("mapping_code", 128)),
  option_code: v.pipe(v.string("option_code is missing"), operatorText("option_code", 128)),
});

export const MAPPING_COLUMNS = ["sku", "product_type", "mapping_code", "option_code"] as const;

/** Input an operator must correct: the message names the row and the field. */
export class MappingInputError extends Error {}

export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map((issue) => {
      const path = issue.path?.map((p) => String(p.key)).join(".");
      // valibot reports an absent key against the object, not the field: say it plainly.
      if (path && issue.input === undefined && issue.received === "undefined") return `${path} is missing`;
      return path && !issue.message.startsWith(path) ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

export function validateMapping(value: unknown, where: string): ProductMapping {
  const result = v.safeParse(ProductMappingSchema, value);
  if (result.success) return result.output;
  throw new MappingInputError(`${where}: ${describeIssues(result.issues)}`);
}

export interface RowError {
  /** 1-based: a CSV's header is row 1, so its first mapping is row 2; a JSON array's first entry is row 1. */
  row: number;
  message: string;
}

export interface ParsedMappings {
  mappings: ProductMapping[];
  errors: RowError[];
}

/** Every row of a CSV (header `sku,product_type,mapping_code,option_code`) or JSON array, each checked. */
export function parseMappingRows(format: "csv" | "json", content: string): ParsedMappings {
  let rows: unknown[];
  let firstRow: number;
  if (format === "json") {
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch (error) {
      throw new MappingInputError(`not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(json)) throw new MappingInputError("a JSON import must be an array of mappings");
    rows = json;
    firstRow = 1;
  } else {
    let records: string[][];
    try {
      records = parseCsv(content, { skip_empty_lines: true, trim: true, bom: true, relax_column_count: true });
    } catch (error) {
      throw new MappingInputError(`not valid CSV: ${(error as Error).message}`);
    }
    const [header = [], ...body] = records;
    const missing = MAPPING_COLUMNS.filter((column) => !header.includes(column));
    const unknown = header.filter((column) => !(MAPPING_COLUMNS as readonly string[]).includes(column));
    if (missing.length > 0 || unknown.length > 0)
      throw new MappingInputError(
        `the CSV header must be ${MAPPING_COLUMNS.join(",")}` +
          (missing.length ? `; missing: ${missing.join(", ")}` : "") +
          (unknown.length ? `; unknown: ${unknown.join(", ")}` : ""),
      );
    rows = body.map((cells) => Object.fromEntries(header.map((column, index) => [column, cells[index]])));
    firstRow = 2;
  }
  const mappings: ProductMapping[] = [];
  const errors: RowError[] = [];
  const firstSeen = new Map<string, number>();
  rows.forEach((value, index) => {
    const row = index + firstRow;
    const result = v.safeParse(ProductMappingSchema, value);
    if (!result.success) {
      errors.push({ row, message: describeIssues(result.issues) });
      return;
    }
    const earlier = firstSeen.get(result.output.sku);
    if (earlier !== undefined) {
      errors.push({ row, message: `sku ${result.output.sku} is also on row ${earlier}` });
      return;
    }
    firstSeen.set(result.output.sku, row);
    mappings.push(result.output);
  });
  if (rows.length === 0) errors.push({ row: firstRow, message: "no mappings in the file" });
  return { mappings, errors };
}

export const formatOfFile = (fileName: string): "csv" | "json" =>
  fileName.toLowerCase().endsWith(".json") ? "json" : "csv";
