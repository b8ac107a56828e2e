// The translation of a channel `order.placed` into AX create calls, one per product family, following every
// rule of the webhook contract (docs/contract.md, "order.placed").
import Big from "big.js";
import type { OrderPlacedEvent, PlacedItem, Purchaser, Traveler } from "../channel/schemas";
import type { AxProductType, AxTicket, AxTraveler, CreateOrderRequest, CreateOrderResult } from "./schemas";

type ProductType = AxProductType;

type PlacedOrder = OrderPlacedEvent["data"];

/** The AX product an item sells, from its `ax` block or from the product mapping of its `sku`. */
export interface ResolvedProduct {
  product_type: ProductType;
  mapping_code: string;
  option_code: string;
}

/** One item as it is sent to AX, with the channel ids needed to map AX's answer back. */
export interface PlannedItem {
  item_id: string;
  product: ResolvedProduct;
  inventory_at: string;
  quantity: number;
  ticket_ids: string[];
}

/** One AX create call. */
export interface CreatePlan {
  product_type: ProductType;
  items: PlannedItem[];
  request: CreateOrderRequest;
}

const MINOR_UNITS: Record<string, number> = { KRW: 0, USD: 2 };

/** RFC 3339 UTC with `Z`, no fractional part unless it carries information. */
export function toAxDateTime(value: string): string {
  const calendarDate = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const iso = new Date(calendarDate ? `${value}T00:00:00Z` : value).toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}

/** The order's travellers: the representative is the purchaser when absent, and takes missing fields from it. */
function effectiveRepresentative(order: PlacedOrder): Traveler {
  return fillTraveler(order.representative ?? {}, order.purchaser);
}

function fillTraveler(traveler: Traveler, fallback: Traveler | Purchaser): Traveler {
  return {
    ...traveler,
    name: traveler.name ?? fallback.name,
    country_code: traveler.country_code ?? fallback.country_code,
    phone: traveler.phone ?? fallback.phone,
    email: traveler.email ?? fallback.email,
    additional: traveler.additional ?? fallback.additional,
  };
}

function axTraveler(traveler: Traveler): AxTraveler {
  // fillTraveler has run: the four contact fields AX requires are present (the purchaser's are required).
  return {
    name: traveler.name ?? "",
    national_code: traveler.country_code ?? "",
    phone: traveler.phone ?? "",
    email: traveler.email ?? "",
    ...(traveler.additional ? { additional: traveler.additional } : {}),
    ...(traveler.note !== undefined ? { extra: traveler.note } : {}),
  };
}

/** Ticket ids of an item: the channel's own, or `{item_id}-{n}` when it sent none. */
export function ticketIds(item: PlacedItem): string[] {
  return item.tickets
    ? item.tickets.map((ticket) => ticket.ticket_id)
    : Array.from({ length: item.quantity }, (_, n) => `${item.item_id}-${n + 1}`);
}

function axTickets(item: PlacedItem, representative: Traveler): AxTicket[] {
  const ids = ticketIds(item);
  return ids.map((ticketId, index) => {
    const traveler = item.tickets?.[index]?.traveler ?? {};
    const filled = fillTraveler(traveler, representative);
    const { additional, extra, ...contact } = axTraveler({ ...filled, note: traveler.note });
    return {
      channel_code: ticketId,
      ...contact,
      ...(additional ? { additional } : {}),
      ...(extra !== undefined ? { extra } : {}),
    };
  });
}

/**
 * Splits `value` into parts proportional to `weights`, rounded half-up to `decimals`, the last part taking the
 * remainder so the parts add up exactly. Every part stays within [0, value].
 */
export function splitProRata(value: string, weights: readonly Big[], decimals: number): string[] {
  const total = Big(value);
  const weightSum = weights.reduce((sum, weight) => sum.plus(weight), Big(0));
  const parts: Big[] = [];
  let allocated = Big(0);
  weights.forEach((weight, index) => {
    if (index === weights.length - 1) {
      parts.push(total.minus(allocated));
      return;
    }
    const share = weightSum.eq(0) ? Big(0) : total.times(weight).div(weightSum).round(decimals, Big.roundHalfUp);
    // Rounding up can overshoot what is left when the amount has more decimals than the currency's minor unit.
    const left = total.minus(allocated);
    const bounded = share.gt(left) ? left.round(decimals, Big.roundDown) : share;
    parts.push(bounded);
    allocated = allocated.plus(bounded);
  });
  return parts.map((part) => part.toFixed());
}

/**
 * Plans the AX create calls of an order: one per product family, in the order the families first appear.
 * `products` holds the resolved AX product of every item to plan (by item id). `fixed` names items whose family is
 * already decided by what was booked (an AX order, or a create call that may have reached AX): they are never
 * planned, whatever their mapping says now, but they keep their share of the order's figures, so a call planned
 * beside them carries what it would have carried in the first placement.
 */
export function planCreates(
  order: PlacedOrder,
  products: ReadonlyMap<string, ResolvedProduct>,
  fixed: ReadonlyMap<string, ProductType> = new Map(),
): CreatePlan[] {
  const representative = effectiveRepresentative(order);
  // A family that has both booked items and items to plan splits into two groups: the booked call, and the new one.
  const groups = new Map<string, { family: ProductType; planned: boolean; lines: PlacedItem[] }>();
  const lines = new Map<string, { item: PlacedItem; product: ResolvedProduct }>();
  for (const item of order.items) {
    const fixedFamily = fixed.get(item.item_id);
    const product = fixedFamily === undefined ? products.get(item.item_id) : undefined;
    if (fixedFamily === undefined && !product) throw new Error(`item ${item.item_id} has no resolved AX product`);
    const family = fixedFamily ?? product?.product_type ?? "tour";
    const key = `${fixedFamily === undefined ? "+" : "="}${family}`;
    const group = groups.get(key) ?? { family, planned: fixedFamily === undefined, lines: [] };
    group.lines.push(item);
    groups.set(key, group);
    if (product) lines.set(item.item_id, { item, product });
  }

  const entries = [...groups.values()];
  const weights = entries.map((group) =>
    group.lines.reduce((sum, item) => sum.plus(Big(item.unit_price).times(item.quantity)), Big(0)),
  );
  const decimals = MINOR_UNITS[order.currency] ?? 2;
  const split = (value: string | undefined): (string | undefined)[] =>
    value === undefined
      ? entries.map(() => undefined)
      : entries.length === 1
        ? [value]
        : splitProRata(value, weights, decimals);
  const subTotals = split(order.subtotal);
  const discounts = split(order.discount);
  const totals = split(order.total);

  const purchasedAt = toAxDateTime(order.placed_at);
  return entries.flatMap((group, familyIndex) => {
    if (!group.planned) return [];
    const productType = group.family;
    const planned = group.lines.flatMap((item) => {
      const line = lines.get(item.item_id);
      return line ? [line] : [];
    });
    const discount = discounts[familyIndex];
    const request: CreateOrderRequest = {
      options: planned.map(({ item, product }) => ({
        channel_product_mapping_code: product.mapping_code,
        option_code: product.option_code,
        quantity: item.quantity,
        inventory_at: toAxDateTime(item.date),
        unit_selling_price: item.unit_price,
        ...(item.discount !== undefined ? { discount: item.discount } : {}),
        amount_price: item.amount,
        tickets: axTickets(item, representative),
      })),
      order: {
        channel_order_id: order.order_id,
        channel_order_code: order.order_id,
        purchased_at: purchasedAt,
        sub_total: subTotals[familyIndex] ?? order.subtotal,
        ...(discount !== undefined ? { discount } : {}),
        ...(order.discount_method !== undefined ? { discount_method: order.discount_method } : {}),
        total: totals[familyIndex] ?? order.total,
        status: "New",
        is_voucher: order.is_voucher,
        ...(order.comment !== undefined ? { comment: order.comment } : {}),
        currency: order.currency,
      },
      purchaser: {
        is_required_more_information: false,
        name: order.purchaser.name,
        national_code: order.purchaser.country_code,
        phone: order.purchaser.phone,
        email: order.purchaser.email,
        ...(order.purchaser.additional ? { additional: order.purchaser.additional } : {}),
        extra: order.purchaser.note ?? "",
      },
      representative: axTraveler(representative),
    };
    return {
      product_type: productType,
      request,
      items: planned.map(({ item, product }) => ({
        item_id: item.item_id,
        product,
        inventory_at: toAxDateTime(item.date),
        quantity: item.quantity,
        ticket_ids: ticketIds(item),
      })),
    };
  });
}

export interface MatchedAxOrder {
  item_id: string;
  ax_order_code: string;
  ax_order_status: string;
  tickets: { ticket_id: string; ax_ticket_code: string; ax_ticket_status: string }[];
}

export class UnmatchedResponseError extends Error {
  constructor(detail: string) {
    super(`AX's create answer does not line up with the request: ${detail}`);
    this.name = "UnmatchedResponseError";
  }
}

/**
 * Maps AX's create answer back to the channel's items and tickets. AX does not document how answer options line
 * up with the request: options are matched by `option_code` + `inventory_at` when those pairs are unique on both
 * sides, otherwise by position; tickets by position (docs/decisions.md).
 */
export function matchCreateResult(plan: CreatePlan, result: CreateOrderResult): MatchedAxOrder[] {
  if (result.options.length !== plan.items.length)
    throw new UnmatchedResponseError(`${plan.items.length} options sent, ${result.options.length} answered`);
  const keyOf = (optionCode: string, inventoryAt: string) =>
    `${optionCode}@${Date.parse(inventoryAt.replace(" ", "T"))}`;
  const requestKeys = plan.items.map((item) => keyOf(item.product.option_code, item.inventory_at));
  const answerKeys = result.options.map((option) => keyOf(option.option_code, option.inventory_at));
  const unique = (keys: string[]) => new Set(keys).size === keys.length;
  const byKey = unique(requestKeys) && unique(answerKeys);
  return plan.items.map((item, index) => {
    const option = byKey ? result.options[answerKeys.indexOf(requestKeys[index] ?? "")] : result.options[index];
    if (!option)
      throw new UnmatchedResponseError(`no answer for item ${item.item_id} (option ${item.product.option_code})`);
    if (option.tickets.length !== item.ticket_ids.length)
      throw new UnmatchedResponseError(
        `item ${item.item_id}: ${item.ticket_ids.length} tickets sent, ${option.tickets.length} answered`,
      );
    return {
      item_id: item.item_id,
      ax_order_code: option.ax_order_code,
      ax_order_status: option.ax_order_status,
      tickets: item.ticket_ids.map((ticketId, n) => {
        const ticket = option.tickets[n];
        if (!ticket) throw new UnmatchedResponseError(`item ${item.item_id}: ticket ${n + 1} missing`);
        return {
          ticket_id: ticketId,
          ax_ticket_code: ticket.ax_ticket_code,
          ax_ticket_status: ticket.ax_ticket_status,
        };
      }),
    };
  });
}
