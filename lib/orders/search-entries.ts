// What an operator can find an order by, besides its exact id: the start of its id in any case, an AX ticket code,
// a sku it sold, a traveler's e-mail or name. Each becomes a search entry, a small item of its own that the admin
// API reads with one query on its key (never a scan). Pure: the store writes and reads the entries.
//
// Personal data: an e-mail or a name is kept in an entry only as a SHA-256 of its normalised form, and the entry
// expires with the stored event that carried it (SETTLED_EVENT_TTL_DAYS), so the index never keeps a traveler
// findable longer than the adapter keeps the traveler's data. A hash keeps the data out of keys, exports and
// metrics read by eye; it does not stop someone who already has a guess from checking it.
import { createHash } from "node:crypto";
import type { ChannelEvent } from "../channel/schemas";
import { SETTLED_EVENT_TTL_DAYS, type AxOrderRecord } from "./model";

export const SEARCH_KINDS = ["order_id", "ax_ticket_code", "sku", "email", "name"] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

/** An order id search reads the partition of its first characters: fewer would make one partition of every order. */
export const ORDER_ID_SEARCH_MIN_CHARS = 3;

export interface SearchEntry {
  kind: SearchKind;
  /** What the search looks up: the normalised value, or its hash for personal data. */
  key: string;
  /** Orders within one key, in the order a search lists them (the newest last for the time-sorted kinds). */
  sort: string;
  order_id: string;
  /** When the order (or its first event) was received. */
  at: string;
  /** Unix seconds when the entry goes (DynamoDB's TTL); absent: kept like the order. */
  expires_at?: number;
}

/** Any case, any width, any run of spaces: "  Kim  MINJI " and "kim minji" are one. */
export function normalise(value: string): string {
  return value.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
}

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const isPersonal = (kind: SearchKind) => kind === "email" || kind === "name";

/** The key an entry of this kind is stored under, for a value as an operator types it. */
export function searchKey(kind: SearchKind, value: string): string {
  const normalised = normalise(value);
  if (kind === "order_id") return Array.from(normalised).slice(0, ORDER_ID_SEARCH_MIN_CHARS).join("");
  return isPersonal(kind) ? sha256(normalised) : normalised;
}

/** Where a search of this kind starts in its key (an id prefix: the normalised prefix; others: every entry). */
export const searchSortPrefix = (kind: SearchKind, value: string): string =>
  kind === "order_id" ? normalise(value) : "";

function entry(kind: SearchKind, value: string, orderId: string, at: string, expiresAt?: number): SearchEntry {
  const sort = kind === "order_id" ? `${normalise(orderId)}#${orderId}` : `${at}#${orderId}`;
  return {
    kind,
    key: searchKey(kind, value),
    sort,
    order_id: orderId,
    at,
    ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}),
  };
}

const distinct = (entries: SearchEntry[]) => [
  ...new Map(entries.map((e) => [`${e.kind}|${e.key}|${e.sort}`, e])).values(),
];

/** The entries a received event gives: its order's id, and for a placement its skus, e-mails and names. */
export function entriesOfEvent(event: ChannelEvent, receivedAt: string): SearchEntry[] {
  const orderId = event.data.order_id;
  const entries = [entry("order_id", orderId, orderId, receivedAt)];
  if (event.type !== "order.placed") return entries;
  const expiresAt = Math.floor(Date.parse(receivedAt) / 1000) + SETTLED_EVENT_TTL_DAYS * 86_400;
  const { purchaser, representative, items } = event.data;
  const people = [
    purchaser,
    ...(representative ? [representative] : []),
    ...items.flatMap((item) => (item.tickets ?? []).flatMap((ticket) => (ticket.traveler ? [ticket.traveler] : []))),
  ];
  for (const person of people) {
    if (person.email) entries.push(entry("email", person.email, orderId, receivedAt, expiresAt));
    if (person.name) entries.push(entry("name", person.name, orderId, receivedAt, expiresAt));
    const englishName = person.additional?.english_name;
    if (englishName) entries.push(entry("name", englishName, orderId, receivedAt, expiresAt));
  }
  for (const item of items) if (item.sku !== undefined) entries.push(entry("sku", item.sku, orderId, receivedAt));
  return distinct(entries);
}

/** The entries of an order's AX orders: each AX ticket code. (AX order codes are found through `byAxOrder`.) */
export function entriesOfAxOrders(axOrders: readonly AxOrderRecord[]): SearchEntry[] {
  return distinct(
    axOrders.flatMap((axOrder) =>
      axOrder.tickets
        .filter((ticket) => ticket.ax_ticket_code !== "")
        .map((ticket) => entry("ax_ticket_code", ticket.ax_ticket_code, axOrder.order_id, axOrder.created_at)),
    ),
  );
}

/** Records search entries (idempotent: writing one twice changes nothing). */
export interface SearchIndex {
  recordSearchEntries(entries: readonly SearchEntry[]): Promise<void>;
}
