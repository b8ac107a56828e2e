// Product mappings (channel sku → AX product): parsing and validating an operator's input, one place for all ways in.
import { parse as parseCsv } from "csv-parse/sync";
import * as v from "valibot";
import type { ProductMapping } from "../../lib/orders/model";
import type { AttachedAxOrder } from "../../lib/orders/reconcile";

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

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map((issue) => {
      const path = issue.path?.map((p) => String(p.key)).join(".");
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

export function validateMapping(value: unknown, where: string): ProductMapping {
  const result = v.safeParse(ProductMappingSchema, value);
  if (result.success) return result.output;
  throw new MappingInputError(`${where}: ${describeIssues(result.issues)}`);
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

const AttachmentSchema = v.object({
  ax_orders: v.pipe(
    v.array(
      v.object({
        item_id: v.pipe(v.string(), v.minLength(1)),
        ax_order_code: v.pipe(v.string(), v.minLength(1)),
        ax_order_status: v.optional(v.string()),
        tickets: v.array(
          v.object({
            ticket_id: v.pipe(v.string(), v.minLength(1)),
            ax_ticket_code: v.pipe(v.string(), v.minLength(1)),
            ax_ticket_status: v.optional(v.string()),
          }),
        ),
      }),
    ),
    v.minLength(1, "ax_orders is empty"),
  ),
});

/** The AX codes an operator found in AX's console: `{"ax_orders": [{item_id, ax_order_code, tickets: [...]}]}`. */
export function parseAttachment(fileName: string, content: string): AttachedAxOrder[] {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (error) {
    throw new MappingInputError(`${fileName} is not valid JSON: ${(error as Error).message}`);
  }
  const result = v.safeParse(AttachmentSchema, json);
  if (!result.success) {
    throw new MappingInputError(`${fileName}: ${describeIssues(result.issues)}`);
  }
  return result.output.ax_orders;
}
