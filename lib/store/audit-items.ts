// The audit log in the table: one item per operator's action, in the partition of its UTC day. An action's entry is
// written in the same transaction as the change it records (`auditPut`), so there is never a change without its
// entry, nor an entry of a change that was refused.
import type { TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import type { MappingChange } from "../admin/service";
import type { ActionRecords, AttemptLogEntry } from "../orders/attempt-log";
import type { AuditRecord as AuditEntry } from "../orders/model";
import { MAPPING_KIND, PRODUCT_SK, attemptLogPk, auditPk, productPk } from "./keys";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** Operators' actions are kept this long. */
export const AUDIT_TTL_DAYS = 400;

export function auditItem(entry: AuditEntry): Record<string, unknown> {
  return {
    pk: auditPk(entry.at.slice(0, 10)),
    sk: `${entry.at}#${crypto.randomUUID()}`,
    item_kind: "audit",
    ...entry,
    expires_at: Math.floor(Date.parse(entry.at) / 1000) + AUDIT_TTL_DAYS * 86_400,
  };
}

/** The audit entry as one item of a transaction (a new item: its key is unique). */
export const auditPut = (tableName: string, entry: AuditEntry): TransactItem => ({
  Put: { TableName: tableName, Item: auditItem(entry), ConditionExpression: "attribute_not_exists(pk)" },
});

/** One line of an order's attempt log: in time order within the order's log partition. */
export function attemptItem(entry: AttemptLogEntry): Record<string, unknown> {
  return { pk: attemptLogPk(entry.order_id), sk: `${entry.at}#${crypto.randomUUID().slice(0, 8)}`, ...entry };
}

/** An operator's action's records as items of the transaction that makes the change. */
export const recordPuts = (tableName: string, records: ActionRecords | undefined): TransactItem[] =>
  records
    ? [
        auditPut(tableName, records.audit),
        ...records.log.map((entry) => ({ Put: { TableName: tableName, Item: attemptItem(entry) } })),
      ]
    : [];

const mappingKey = (sku: string) => ({ pk: productPk(sku), sk: PRODUCT_SK });

/** The mapping is (still) exactly as it was read: an edit or removal never overwrites a change made meanwhile. */
const unchanged = (mapping: { product_type: string; mapping_code: string; option_code: string }) => ({
  ConditionExpression:
    "attribute_exists(pk) AND product_type = :product_type AND mapping_code = :mapping_code AND option_code = :option_code",
  ExpressionAttributeValues: {
    ":product_type": mapping.product_type,
    ":mapping_code": mapping.mapping_code,
    ":option_code": mapping.option_code,
  },
});

/** Mapping changes and the audit entry that records them, as one transaction (at most 100 items). */
export function mappingTransaction(
  tableName: string,
  changes: readonly MappingChange[],
  entry: AuditEntry,
): TransactWriteCommandInput {
  const items = changes.map((change): TransactItem => {
    if (change.kind === "delete")
      return { Delete: { TableName: tableName, Key: mappingKey(change.was.sku), ...unchanged(change.was) } };
    const Item = { ...mappingKey(change.mapping.sku), item_kind: MAPPING_KIND, ...change.mapping };
    if (change.was === undefined)
      return { Put: { TableName: tableName, Item, ConditionExpression: "attribute_not_exists(pk)" } };
    return { Put: { TableName: tableName, Item, ...unchanged(change.was) } };
  });
  if (items.length + 1 > 100) throw new Error("one transaction takes at most 99 mapping changes and their entry");
  return { TransactItems: [...items, auditPut(tableName, entry)] };
}
