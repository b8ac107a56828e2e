// What an order can be looked up by (one at a time), each from an index or a search entry (docs/console.md). A
// module of its own, without valibot: the store reads it, and the worker's bundle holds the store.
export const ORDER_LOOKUPS = [
  "id_prefix",
  "ax_order_code",
  "ax_ticket_code",
  "webhook_id",
  "sku",
  "email",
  "name",
] as const;
export type OrderLookup = (typeof ORDER_LOOKUPS)[number];
