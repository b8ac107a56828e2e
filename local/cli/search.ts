// `search reindex`: writes the search entries (lib/orders/search-entries.ts) of orders stored before they existed,
// as the worker writes them after each event. It walks the orders month by month through `ordersByMonth` (never a
// scan), reads each order's events and AX orders, and puts the entries (a second run writes the same items again).
import { parseChannelEvent } from "../../lib/channel/schemas";
import { parseJsonOrUndefined } from "../../lib/json";
import { entriesOfAxOrders, entriesOfEvent, type SearchEntry } from "../../lib/orders/search-entries";
import type { AdminDynamoStore } from "../../lib/store/admin-store";
import { DynamoSearchIndex } from "../../lib/store/search-index";

export interface ReindexReport {
  orders: number;
  entries: number;
}

/** Reindexes the orders created from `from` to `to` (ISO instants), reporting progress every 100 orders. */
export async function reindexSearch(
  store: AdminDynamoStore,
  range: { from: string; to: string },
  progress: (report: ReindexReport) => void,
): Promise<ReindexReport> {
  const index = new DynamoSearchIndex(store.documentClient, store.tableName);
  const report: ReindexReport = { orders: 0, entries: 0 };
  let cursor: string | undefined;
  do {
    const page = await store.searchOrders({ ...range, limit: 100, cursor }, new Date());
    for (const row of page.items) {
      const [{ axOrders }, summaries] = await Promise.all([
        store.load(row.order_id),
        store.listEventsForOrder(row.order_id),
      ]);
      const entries: SearchEntry[] = [...entriesOfAxOrders(axOrders)];
      for (const event of await store.getEvents(summaries.map((summary) => summary.webhook_id))) {
        const parsed = parseChannelEvent(parseJsonOrUndefined(event.body));
        if (parsed.ok) entries.push(...entriesOfEvent(parsed.event, event.received_at));
      }
      await index.recordSearchEntries(entries);
      report.orders++;
      report.entries += entries.length;
      if (report.orders % 100 === 0) progress(report);
    }
    cursor = page.next_cursor;
  } while (cursor);
  return report;
}
