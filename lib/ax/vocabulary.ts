// AX's vocabulary: product types, order and ticket statuses, currencies. Apart from the schemas (./schemas) so that
// a module that only names them (the read API, the order model) does not bundle AX's request and answer schemas.

export const AX_PRODUCT_TYPES = ["tour", "day-ticket"] as const;
export type AxProductType = (typeof AX_PRODUCT_TYPES)[number];

/** Order statuses; the old numeric form "1"…"6" follows this order. */
export const AX_ORDER_STATUSES = [
  "New",
  "Supplier pending",
  "Supplier confirm",
  "Supplier reject",
  "Traveler cancel",
  "Unavoidable cancel",
] as const;
export type AxOrderStatus = (typeof AX_ORDER_STATUSES)[number];

/** Statuses after which an AX order never changes again: nothing left to poll. */
export const FINAL_ORDER_STATUSES: readonly AxOrderStatus[] = [
  "Supplier reject",
  "Traveler cancel",
  "Unavoidable cancel",
];

export function isFinalOrderStatus(status: AxOrderStatus): boolean {
  return FINAL_ORDER_STATUSES.includes(status);
}

/** Ticket statuses; the old numeric form "1"…"4" follows this order. */
export const AX_TICKET_STATUSES = ["New", "Used", "Traveler canceled", "Supplier canceled"] as const;
export type AxTicketStatus = (typeof AX_TICKET_STATUSES)[number];

export const AX_CURRENCIES = ["KRW", "USD"] as const;
export type AxCurrency = (typeof AX_CURRENCIES)[number];

export const AX_CANCEL_STATUSES = ["Traveler cancel", "Unavoidable cancel"] as const;
export type AxCancelStatus = (typeof AX_CANCEL_STATUSES)[number];
