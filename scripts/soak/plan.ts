// What the soak's channel sends: a deterministic mix of orders (two runs with the same seed send the same orders,
// faults and races), and what each order must end as, which the audit checks.
import { randomUUID } from "node:crypto";
import Big from "big.js";
import type { ProductType } from "../../lib/orders/model";

export type CreateFault =
  | { kind: "status"; status: 503 | 429; times: number }
  | { kind: "status"; status: 502 | 504 | 500; afterProcessing?: boolean }
  | { kind: "drop" | "hang"; afterProcessing?: boolean };

export interface PlacedItem {
  item_id: string;
  /** The AX product named in the webhook, or… */
  ax?: { product_type: ProductType; mapping_code: string; option_code: string };
  /** …the channel's sku, looked up in the product mappings. */
  sku?: string;
  date: string;
  quantity: number;
  unit_price: string;
  amount: string;
  tickets?: { ticket_id: string; traveler: { name: string } }[];
}

export interface PlacedData {
  order_id: string;
  currency: string;
  subtotal: string;
  discount: string;
  total: string;
  items: PlacedItem[];
}

export interface PlannedOrder {
  orderId: string;
  currency: "KRW" | "USD";
  payload: Record<string, unknown> & { data: PlacedData };
  createFault?: CreateFault;
  cancelFault: boolean;
  statusFault: boolean;
  duplicate: boolean;
  concurrentCopies: boolean;
  replacement: boolean;
  earlyWholeCancel: boolean;
  concurrentTicketCancel: boolean;
  laterCancel?: { item_ids?: string[]; ticket_ids?: string[]; reason?: "unavoidable" };
  supplierConfirms: boolean;
  /** An order the operator's task sent and acted on (not the channel's lanes). */
  story?: {
    name: string;
    /** The family each item must be booked under in AX, for items named by sku (their mapping changes). */
    families?: Record<string, ProductType>;
    /** Families whose create may be uncertain, and the fault the story injected that explains it. */
    mayBeUncertain?: Partial<Record<ProductType, string>>;
  };
}

export interface Mix {
  random: () => number;
  chance: (p: number) => boolean;
  pick: <T>(list: readonly T[]) => T;
}

/** A seeded generator (a linear congruential one is plenty for a test mix, and the same on every machine). */
export function createMix(seed: number): Mix {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  return {
    random,
    chance: (p) => random() < p,
    pick: <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T,
  };
}

export const money = (currency: string, units: number) =>
  currency === "KRW" ? String(units * 1000) : (units / 100).toFixed(2);

export const TOUR = { product_type: "tour", mapping_code: "map-tour", option_code: "opt-tour" } as const;
export const DAY_TICKET = { product_type: "day-ticket", mapping_code: "map-day", option_code: "opt-day" } as const;

/** A tour item with one ticket per traveller. */
export function tourItem(itemId: string, quantity: number, unitPrice: string): PlacedItem {
  return {
    item_id: itemId,
    ax: { ...TOUR },
    date: "2026-12-24T18:00:00+09:00",
    quantity,
    unit_price: unitPrice,
    amount: unitPrice,
    tickets: Array.from({ length: quantity }, (_, t) => ({
      ticket_id: `${itemId}-${t + 1}`,
      traveler: { name: `Traveler ${t + 1}` },
    })),
  };
}

/** A day-ticket item (its tickets are numbered by the adapter: `<item_id>-<n>`). */
export function dayTicketItem(itemId: string, quantity: number, unitPrice: string): PlacedItem {
  return {
    item_id: itemId,
    ax: { ...DAY_TICKET },
    date: "2026-12-25",
    quantity,
    unit_price: unitPrice,
    amount: unitPrice,
  };
}

/** An order.placed webhook's payload with these items; the discount is a share of the subtotal. */
export function placedPayload(
  orderId: string,
  currency: "KRW" | "USD",
  items: PlacedItem[],
  discountShare: number,
): PlannedOrder["payload"] {
  const data: PlacedData & Record<string, unknown> = {
    ...placedData(orderId, currency, items, discountShare),
    placed_at: "2026-11-23T08:59:41Z",
    purchaser: { name: "Kim Minji", country_code: "82", phone: "01012345678", email: "minji@example.com" },
  };
  return { type: "order.placed", timestamp: new Date().toISOString(), data };
}

function placedData(orderId: string, currency: "KRW" | "USD", items: PlacedItem[], discountShare: number): PlacedData {
  const subtotal = items.reduce((sum, item) => sum.plus(Big(item.unit_price).times(item.quantity)), Big(0));
  const discount = subtotal.times(discountShare).round(currency === "KRW" ? 0 : 2, Big.roundDown);
  return {
    order_id: orderId,
    currency,
    subtotal: subtotal.toFixed(),
    discount: discount.toFixed(),
    total: subtotal.minus(discount).toFixed(),
    items,
  };
}

/** An order with no fault and no race (the operator's stories start from these). */
export function quietOrder(orderId: string, items: PlacedItem[], story: PlannedOrder["story"]): PlannedOrder {
  return {
    orderId,
    currency: "KRW",
    payload: placedPayload(orderId, "KRW", items, 0),
    cancelFault: false,
    statusFault: false,
    duplicate: false,
    concurrentCopies: false,
    replacement: false,
    earlyWholeCancel: false,
    concurrentTicketCancel: false,
    supplierConfirms: false,
    ...(story ? { story } : {}),
  };
}

export function planOrder(mix: Mix, n: number, faultShare: number): PlannedOrder {
  const { chance, pick, random } = mix;
  const orderId = `SOAK-${n}-${randomUUID().slice(0, 6)}`;
  const currency = chance(0.7) ? "KRW" : "USD";
  const tourQuantity = 1 + Math.floor(random() * 3);
  const items = [tourItem(`${orderId}-1`, tourQuantity, money(currency, 10 + Math.floor(random() * 90)))];
  if (chance(0.7)) {
    const price = money(currency, 5 + Math.floor(random() * 50));
    items.push(dayTicketItem(`${orderId}-2`, 1 + Math.floor(random() * 2), price));
  }
  const payload = placedPayload(orderId, currency, items, pick([0, 0.05, 0.1, 0.15]));
  const faulty = chance(faultShare);
  const laterCancelKind = chance(0.25) ? pick(["ticket", "item", "whole"] as const) : undefined;
  const secondTicket = tourQuantity >= 2 ? `${orderId}-1-2` : undefined;
  const laterCancel =
    laterCancelKind === "whole"
      ? { reason: "unavoidable" as const }
      : laterCancelKind === "item" && items.length > 1
        ? { item_ids: [`${orderId}-2`] }
        : laterCancelKind === "ticket" && secondTicket
          ? { ticket_ids: [secondTicket] }
          : undefined;
  const earlyWholeCancel = chance(0.05);
  const concurrentTicketCancel = chance(0.05);
  return {
    orderId,
    currency,
    payload,
    ...(faulty && chance(0.6) ? { createFault: pickCreateFault(mix) } : {}),
    cancelFault: faulty && chance(0.5),
    statusFault: faulty && chance(0.5),
    duplicate: chance(0.1),
    concurrentCopies: chance(0.03),
    replacement: chance(0.03),
    earlyWholeCancel,
    concurrentTicketCancel,
    ...(laterCancel ? { laterCancel } : {}),
    supplierConfirms: !earlyWholeCancel && !concurrentTicketCancel && !laterCancel && chance(0.05),
  };
}

function pickCreateFault(mix: Mix): CreateFault {
  return mix.pick<CreateFault>([
    { kind: "status", status: 503, times: 2 },
    { kind: "status", status: 429, times: 1 },
    { kind: "status", status: 502 },
    { kind: "status", status: 504 },
    { kind: "status", status: 500, afterProcessing: true },
    { kind: "status", status: 502, afterProcessing: true },
    { kind: "drop" },
    { kind: "drop", afterProcessing: true },
    { kind: "hang" },
    { kind: "hang", afterProcessing: true },
  ]);
}

/** Faults after which AX's create outcome is unknown to the adapter: the create may be `uncertain`. */
export const leavesCreateUnknown = (fault: CreateFault | undefined) =>
  fault !== undefined && !(fault.kind === "status" && (fault.status === 503 || fault.status === 429));

/** The family an item must be booked under in AX. */
export function familyOf(order: PlannedOrder, item: PlacedItem): ProductType {
  const family = item.ax?.product_type ?? order.story?.families?.[item.item_id];
  if (!family) throw new Error(`item ${item.item_id} has no expected family`);
  return family;
}

/** The channel's ticket ids of an item, as AX gets them (`channel_code`). */
export const ticketIdsOf = (item: PlacedItem): string[] =>
  item.tickets?.map((t) => t.ticket_id) ?? Array.from({ length: item.quantity }, (_, n) => `${item.item_id}-${n + 1}`);
