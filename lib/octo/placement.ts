// A confirmed OCTO booking as the adapter's own events (pure): the `order.placed` the worker books in AX exactly once
// (one item per unit type, one ticket per unit item with its uuid as the AX ticket's channel code), and the
// `order.cancelled` of a cancellation. Written to the table as any channel event is (the outbox), so every path of
// the order flow (retries, uncertain creates, reconciliation, the console) serves OCTO bookings too.
import { CALLING_CODES } from "./calling-codes";
import { sumDecimals } from "./catalog";
import type { OctoBookingRecord } from "./booking";
import { bookingLocalDate } from "./booking";

/** Where a reseller's missing contact details come from: the supplier's own desk (AX requires them). */
export interface ContactFallback {
  email: string;
  phone: string;
  /** The international calling code AX wants with the phone, e.g. "82". */
  callingCode: string;
}

/**
 * The international calling code of a phone number in international form (`+44 20 …`: calling codes are a prefix
 * code, so one of its first three digits' prefixes is it), else of an ISO country, when either tells it.
 */
export function callingCode(phone: string | undefined, country: string | undefined): string | undefined {
  const digits = phone?.trim().startsWith("+") ? phone.replace(/\D/g, "") : "";
  for (let length = 1; length <= 3 && length < digits.length; length++) {
    const prefix = digits.slice(0, length);
    if (CALLING_CODES[prefix]) return prefix;
  }
  const iso = country?.trim().toUpperCase();
  if (!iso) return undefined;
  return Object.entries(CALLING_CODES).find(([, countries]) => countries.includes(iso))?.[0];
}

export const placedEventId = (supplierReference: string) => `octo.${supplierReference}.placed`;
export const cancelEventId = (supplierReference: string, n: number) => `octo.${supplierReference}.cancel.${n}`;

/** The name of a contact: its full name, or its first and last names. */
export const contactName = (contact: OctoBookingRecord["contact"] | undefined): string | undefined =>
  contact?.fullName?.trim() || [contact?.firstName, contact?.lastName].filter(Boolean).join(" ").trim() || undefined;

export function placedEvent(
  booking: OctoBookingRecord,
  prices: Readonly<Record<string, string>>,
  fallback: ContactFallback,
  at: Date,
) {
  const product = booking.product;
  const contact = booking.contact;
  const filled: string[] = [];
  const email = contact.emailAddress ?? (filled.push("email"), fallback.email);
  const phone = contact.phoneNumber ?? (filled.push("phone"), fallback.phone);
  const code =
    callingCode(contact.phoneNumber, contact.country) ??
    (contact.phoneNumber ? undefined : fallback.callingCode) ??
    fallback.callingCode;
  const byUnit = new Map<string, OctoBookingRecord["unit_items"]>();
  for (const item of booking.unit_items) byUnit.set(item.unit_id, [...(byUnit.get(item.unit_id) ?? []), item]);
  const date = product.product_type === "tour" ? booking.availability_id : bookingLocalDate(booking);
  const items = [...byUnit].map(([unitId, unitItems]) => {
    const axOptionCode = unitItems[0]?.ax_option_code ?? "";
    const price = prices[axOptionCode] ?? "0";
    return {
      item_id: unitId,
      ax: { product_type: product.product_type, mapping_code: product.mapping_code, option_code: axOptionCode },
      date,
      quantity: unitItems.length,
      unit_price: price,
      amount: price,
      tickets: unitItems.map((item) => {
        const name = contactName(item.contact);
        return {
          ticket_id: item.uuid,
          ...(name || item.contact?.emailAddress || item.contact?.phoneNumber
            ? {
                traveler: {
                  ...(name ? { name } : {}),
                  ...(item.contact?.emailAddress ? { email: item.contact.emailAddress } : {}),
                  ...(item.contact?.phoneNumber ? { phone: item.contact.phoneNumber } : {}),
                },
              }
            : {}),
        };
      }),
    };
  });
  const subtotal = sumDecimals(items.map((item) => ({ price: item.unit_price, quantity: item.quantity })));
  const reference = booking.reseller_reference ? `, reseller reference ${booking.reseller_reference}` : "";
  const notes = [booking.notes, contact.notes].filter((note): note is string => Boolean(note?.trim()));
  return {
    type: "order.placed" as const,
    timestamp: at.toISOString(),
    data: {
      order_id: booking.supplier_reference,
      placed_at: at.toISOString(),
      currency: product.currency,
      subtotal,
      total: subtotal,
      is_voucher: false,
      comment: [`OCTO booking ${booking.uuid} of reseller ${booking.reseller}${reference}`, ...notes]
        .join(" | ")
        .slice(0, 2000),
      purchaser: {
        name: contactName(contact) ?? "",
        country_code: code,
        phone,
        email,
        ...(filled.length > 0
          ? { note: `The reseller gave no ${filled.join(" or ")}: the supplier desk's is sent instead.` }
          : {}),
      },
      items,
    },
  };
}

export function cancelledEvent(
  booking: OctoBookingRecord,
  at: Date,
  cancel: { reason: string | null; ticketIds?: string[] },
) {
  return {
    type: "order.cancelled" as const,
    timestamp: at.toISOString(),
    data: {
      order_id: booking.supplier_reference,
      reason: "traveler" as const,
      ...(cancel.reason ? { comment: cancel.reason.slice(0, 2000) } : {}),
      ...(cancel.ticketIds ? { ticket_ids: cancel.ticketIds } : {}),
    },
  };
}
