// An OCTO booking as the adapter keeps it, and as a reseller sees it (pure). A reservation lives here alone (AX has
// no holds); a confirmation hands it to the adapter's order flow as an `order.placed` event of its own (the outbox),
// and from then on its status is read from the order and its AX orders: PENDING until AX's supplier confirms.
import type { AxOrderRecord, OrderAggregate } from "../orders/model";
import { isCancelledAxOrder, isCancelledTicket } from "../orders/order-state";
import { pricingOf, type OctoPricing } from "./catalog";
import type { ProductMapping } from "./mapping";
import { parseAvailabilityId } from "./availability";
import { addDays, localDateTime, localToUtc, utcDateTime } from "./time";

export type BookingState = "on_hold" | "expired" | "cancelled" | "confirmed";

export type OctoBookingStatus = "ON_HOLD" | "CONFIRMED" | "EXPIRED" | "CANCELLED" | "REDEEMED" | "PENDING" | "REJECTED";

export interface ContactRecord {
  fullName?: string;
  firstName?: string;
  lastName?: string;
  emailAddress?: string;
  phoneNumber?: string;
  locales?: string[];
  postalCode?: string;
  country?: string;
  notes?: string;
}

export interface UnitItemRecord {
  uuid: string;
  unit_id: string;
  ax_option_code: string;
  reseller_reference?: string;
  contact?: ContactRecord;
}

export interface OctoBookingRecord {
  reseller: string;
  uuid: string;
  /** The adapter's order id of this booking (the AX channel order code): short, unique, what support quotes. */
  supplier_reference: string;
  reseller_reference?: string;
  state: BookingState;
  /** Optimistic concurrency: every write expects the version it read. */
  version: number;
  /** The product as mapped when the booking was made (a later change of the mapping does not move it). */
  product: ProductMapping;
  option_id: string;
  availability_id: string;
  unit_items: UnitItemRecord[];
  contact: ContactRecord;
  notes?: string;
  /** SHA-256 of the reserve request: the same uuid with another body is refused. */
  request_sha256: string;
  created_at: string;
  updated_at: string;
  expires_at?: string;
  confirmed_at?: string;
  /** The unit prices (decimal strings, the product's currency) sent to AX at confirmation. */
  unit_prices?: Record<string, string>;
  cancellation?: { reason: string | null; at: string; refund: "FULL" | "PARTIAL" | "NONE" };
  /** Unit items removed after confirmation (their AX tickets cancelled). */
  removed_unit_items?: UnitItemRecord[];
  /** Events written to the order flow for this booking (their ids: `octo.{ref}.placed`, `octo.{ref}.cancel.{n}`). */
  events_written?: number;
}

/** The local date of the booking's availability. */
export const bookingLocalDate = (booking: Pick<OctoBookingRecord, "availability_id">): string =>
  parseAvailabilityId(booking.availability_id)?.localDate ?? booking.availability_id.slice(0, 10);

export function slotTimes(product: ProductMapping, availabilityId: string): { start: Date; end: Date } {
  const parsed = parseAvailabilityId(availabilityId) ?? { localDate: availabilityId.slice(0, 10), localTime: "00:00" };
  const start = localToUtc(parsed.localDate, parsed.localTime, product.time_zone);
  const end =
    product.product_type === "tour"
      ? new Date(start.getTime() + product.duration_minutes * 60_000)
      : localToUtc(addDays(parsed.localDate, 1), "00:00", product.time_zone);
  return { start, end };
}

/** Whether a hold has run out at `now` (the sweeper writes it down later; reads do not wait for it). */
export const holdExpired = (booking: OctoBookingRecord, now: Date): boolean =>
  booking.state === "on_hold" && booking.expires_at !== undefined && Date.parse(booking.expires_at) <= now.getTime();

const FINAL_REJECT = "Supplier reject";
const CONFIRMED = "Supplier confirm";

/** The booking's OCTO status, from its own state and, once confirmed, its order's AX orders. */
export function bookingStatus(
  booking: OctoBookingRecord,
  order: OrderAggregate | undefined,
  now: Date,
): OctoBookingStatus {
  if (booking.state === "on_hold") return holdExpired(booking, now) ? "EXPIRED" : "ON_HOLD";
  if (booking.state === "expired") return "EXPIRED";
  if (booking.state === "cancelled" || booking.cancellation) return "CANCELLED";
  const axOrders = order?.axOrders ?? [];
  const instant = booking.product.instant_confirmation ? "CONFIRMED" : "PENDING";
  // An uncertain create stays PENDING until an operator reconciles it, instant product or not: AX may not have it.
  if (order?.order?.status === "uncertain") return "PENDING";
  // Not in AX yet (queued, being placed, parked).
  if (axOrders.length === 0) return instant;
  if (axOrders.every(isCancelledAxOrder) || order?.order?.status === "cancelled") return "CANCELLED";
  if (axOrders.some((axOrder) => axOrder.ax_order_status === FINAL_REJECT)) return "REJECTED";
  const live = axOrders.filter((axOrder) => !isCancelledAxOrder(axOrder));
  const tickets = live
    .flatMap((axOrder) => axOrder.tickets)
    .filter((ticket) => !isCancelledTicket(ticket.ax_ticket_status));
  if (tickets.length > 0 && tickets.every((ticket) => ticket.ax_ticket_status === "Used")) return "REDEEMED";
  if (live.every((axOrder) => axOrder.ax_order_status === CONFIRMED)) return "CONFIRMED";
  return instant;
}

function contactView(contact: ContactRecord | undefined) {
  return {
    fullName:
      contact?.fullName ??
      (contact?.firstName || contact?.lastName
        ? [contact.firstName, contact.lastName].filter(Boolean).join(" ")
        : null),
    firstName: contact?.firstName ?? null,
    lastName: contact?.lastName ?? null,
    emailAddress: contact?.emailAddress ?? null,
    phoneNumber: contact?.phoneNumber ?? null,
    locales: contact?.locales ?? [],
    postalCode: contact?.postalCode ?? null,
    country: contact?.country ?? null,
    notes: contact?.notes ?? null,
  };
}

function ticketOf(axOrders: readonly AxOrderRecord[], uuid: string) {
  for (const axOrder of axOrders) {
    const ticket = axOrder.tickets.find((candidate) => candidate.ticket_id === uuid);
    if (ticket) return { axOrder, ticket };
  }
  return undefined;
}

export interface ViewOptions {
  pricing: boolean;
  /** Unit prices known for a booking not yet confirmed (AX's latest price), by AX option code. */
  prices?: Readonly<Record<string, string>>;
}

/** The booking as OCTO's `Booking` object. */
export function toOctoBooking(
  booking: OctoBookingRecord,
  order: OrderAggregate | undefined,
  now: Date,
  options: ViewOptions = { pricing: false },
) {
  const status = bookingStatus(booking, order, now);
  const product = booking.product;
  const { start, end } = slotTimes(product, booking.availability_id);
  const cutoffAt = new Date(
    (product.product_type === "tour" ? start : end).getTime() - product.booking_cutoff_minutes * 60_000,
  );
  const open = now.getTime() < cutoffAt.getTime();
  const axOrders = order?.axOrders ?? [];
  const currency = product.currency;
  const prices = booking.unit_prices ?? options.prices ?? {};
  const onHold = status === "ON_HOLD" || status === "EXPIRED";
  const confirmedAt = booking.confirmed_at ?? null;
  const cancellable =
    status === "ON_HOLD" ||
    ((status === "PENDING" || status === "CONFIRMED") &&
      now.getTime() < start.getTime() - product.cancellation_cutoff_minutes * 60_000);
  const cancellation =
    status === "CANCELLED" || status === "EXPIRED"
      ? {
          refund: booking.cancellation?.refund ?? "FULL",
          reason: booking.cancellation?.reason ?? (status === "EXPIRED" ? "The reservation expired" : null),
          utcCancelledAt: utcDateTime(new Date(booking.cancellation?.at ?? booking.expires_at ?? booking.updated_at)),
        }
      : null;
  const unitPricing = (axOptionCode: string): OctoPricing | undefined => {
    const price = prices[axOptionCode];
    return price === undefined ? undefined : pricingOf(price, currency);
  };
  const unitItems = booking.unit_items.map((item) => {
    const found = ticketOf(axOrders, item.uuid);
    const itemStatus: OctoBookingStatus = found
      ? isCancelledTicket(found.ticket.ax_ticket_status)
        ? "CANCELLED"
        : found.ticket.ax_ticket_status === "Used"
          ? "REDEEMED"
          : status
      : status;
    const pricing = options.pricing ? unitPricing(item.ax_option_code) : undefined;
    return {
      uuid: item.uuid,
      resellerReference: item.reseller_reference ?? null,
      supplierReference: found?.ticket.ax_ticket_code ?? null,
      unitId: item.unit_id,
      status: itemStatus,
      utcRedeemedAt: null,
      contact: contactView(item.contact),
      ticket: null,
      ...(pricing ? { pricing } : {}),
    };
  });
  const total = booking.unit_items.reduce((sum, item) => sum + (unitPricing(item.ax_option_code)?.retail ?? 0), 0);
  return {
    id: booking.uuid,
    uuid: booking.uuid,
    testMode: false,
    resellerReference: booking.reseller_reference ?? null,
    supplierReference: booking.supplier_reference,
    status,
    utcCreatedAt: utcDateTime(new Date(booking.created_at)),
    utcUpdatedAt: utcDateTime(new Date(booking.updated_at)),
    utcExpiresAt: onHold && booking.expires_at ? utcDateTime(new Date(booking.expires_at)) : null,
    utcRedeemedAt: null,
    utcConfirmedAt: onHold || confirmedAt === null ? null : utcDateTime(new Date(confirmedAt)),
    productId: product.id,
    optionId: booking.option_id,
    cancellable,
    cancellation,
    freesale: false,
    availabilityId: booking.availability_id,
    // The booking's slot; its vacancies are not read for a booking (AX's inventory is asked by /availability).
    availability: {
      id: booking.availability_id,
      localDateTimeStart: localDateTime(start, product.time_zone),
      localDateTimeEnd: localDateTime(end, product.time_zone),
      utcCutoffAt: utcDateTime(cutoffAt),
      allDay: product.product_type === "day-ticket",
      available: open,
      status: open ? ("AVAILABLE" as const) : ("CLOSED" as const),
      vacancies: null,
      capacity: null,
      maxUnits: null,
      openingHours: product.product_type === "day-ticket" ? product.opening_hours : [],
    },
    contact: contactView(booking.contact),
    notes: booking.notes ?? null,
    deliveryMethods: ["VOUCHER" as const],
    voucher: {
      redemptionMethod: "MANIFEST" as const,
      utcRedeemedAt: null,
      deliveryOptions: [{ deliveryFormat: "QRCODE" as const, deliveryValue: booking.supplier_reference }],
    },
    unitItems,
    ...(options.pricing
      ? {
          pricing: {
            original: total,
            retail: total,
            net: null,
            currency,
            currencyPrecision: pricingOf("0", currency).currencyPrecision,
            includedTaxes: [],
          },
        }
      : {}),
  };
}

export type OctoBooking = ReturnType<typeof toOctoBooking>;
