// The CLI's files: product mappings and reconciliation attachments, checked by the same code as the admin API's.
import * as v from "valibot";
import {
  MappingInputError,
  describeIssues,
  formatOfFile,
  parseMappingRows,
  validateMapping,
} from "../../lib/admin/mapping-input";
import { ReconcileRequestSchema } from "../../lib/admin/schemas";
import type { ProductMapping } from "../../lib/orders/model";
import type { AttachedAxOrder } from "../../lib/orders/reconcile";

export { MappingInputError, validateMapping };

/** Reads mappings from CSV (header: sku,product_type,mapping_code,option_code) or a JSON array; every row checked. */
export function parseMappingFile(fileName: string, content: string): ProductMapping[] {
  const format = formatOfFile(fileName);
  let parsed;
  try {
    parsed = parseMappingRows(format, content);
  } catch (error) {
    if (error instanceof MappingInputError) throw new MappingInputError(`${fileName}: ${error.message}`);
    throw error;
  }
  if (parsed.errors.length > 0) {
    const where = format === "csv" ? "line" : "entry";
    throw new MappingInputError(
      parsed.errors.map((error) => `${fileName} ${where} ${error.row}: ${error.message}`).join("\n"),
    );
  }
  return parsed.mappings;
}

/** The AX codes an operator found in AX's console: `{"ax_orders": [{item_id, ax_order_code, tickets: [...]}]}`. */
export function parseAttachment(fileName: string, content: string): AttachedAxOrder[] {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (error) {
    throw new MappingInputError(`${fileName} is not valid JSON: ${(error as Error).message}`);
  }
  const result = v.safeParse(ReconcileRequestSchema, { kind: "attach", ...(json as object) });
  if (!result.success) throw new MappingInputError(`${fileName}: ${describeIssues(result.issues)}`);
  return result.output.kind === "attach" ? result.output.ax_orders : [];
}
