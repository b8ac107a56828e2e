// Page cursors of the admin API: the index's LastEvaluatedKey (or where a multi-partition walk stands), bound to the
// search that made it. A cursor that was forged, tampered with or belongs to another search is refused as bad input
// (a 400 naming it), never handed to DynamoDB to fail there as a 5xx.
import { createHash } from "node:crypto";
import { AdminInputError } from "../admin/errors";

type Item = Record<string, unknown>;

export class CursorError extends AdminInputError {
  constructor() {
    super("cursor is not one this API gave out for this search; start again without it");
  }
}

const fingerprint = (scope: unknown) =>
  createHash("sha256").update(JSON.stringify(scope)).digest("base64url").slice(0, 12);

/** Every value of a key is a string (the table's keys are all strings), of a sane length, under a plain name. */
function isKey(value: unknown): value is Record<string, string> {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length > 0 &&
    entries.length <= 4 &&
    entries.every(([name, v]) => /^[a-z_]{1,32}$/.test(name) && typeof v === "string" && v.length <= 2048)
  );
}

export function encodeCursor(scope: unknown, state: { key?: Item; month?: string }): string {
  return Buffer.from(JSON.stringify({ s: fingerprint(scope), ...state })).toString("base64url");
}

/** The state a cursor carries, checked against the search it is used with. */
export function decodeCursor(scope: unknown, cursor: string): { key?: Record<string, string>; month?: string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new CursorError();
  }
  if (!decoded || typeof decoded !== "object") throw new CursorError();
  const { s, key, month, ...rest } = decoded as Record<string, unknown>;
  if (s !== fingerprint(scope) || Object.keys(rest).length > 0) throw new CursorError();
  if (key !== undefined && !isKey(key)) throw new CursorError();
  if (month !== undefined && (typeof month !== "string" || !/^\d{4}-\d{2}$/.test(month))) throw new CursorError();
  return { ...(key !== undefined ? { key } : {}), ...(month !== undefined ? { month } : {}) };
}
