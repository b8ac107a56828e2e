// Search entries (lib/orders/search-entries.ts) in the table: one small item per entry, `pk = FIND#<kind>#<key>`,
// read by one query on that key. Written with plain puts: the same entry written twice is the same item.
import { QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SearchEntry, SearchIndex, SearchKind } from "../orders/search-entries";
import { batchPut } from "./batch-put";
import { searchPk } from "./keys";

export function searchEntryItem(entry: SearchEntry): Record<string, unknown> {
  return {
    pk: searchPk(entry.kind, entry.key),
    sk: entry.sort,
    order_id: entry.order_id,
    at: entry.at,
    ...(entry.expires_at !== undefined ? { expires_at: entry.expires_at } : {}),
  };
}

export class DynamoSearchIndex implements SearchIndex {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordSearchEntries(entries: readonly SearchEntry[]): Promise<void> {
    await batchPut(this.doc, this.tableName, entries.map(searchEntryItem));
  }
}

/** The query of one search key: ids in the key's sort order, those starting with `sortPrefix` when given. */
export function searchQuery(kind: SearchKind, key: string, sortPrefix: string) {
  return {
    KeyConditionExpression: sortPrefix ? "pk = :pk AND begins_with(sk, :prefix)" : "pk = :pk",
    ExpressionAttributeValues: { ":pk": searchPk(kind, key), ...(sortPrefix ? { ":prefix": sortPrefix } : {}) },
  } satisfies Omit<ConstructorParameters<typeof QueryCommand>[0], "TableName">;
}
