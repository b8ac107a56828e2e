// The OCTO supplier API's use cases (docs/octo.md): supplier, products, availability and the booking lifecycle.
// Reservations are the adapter's own (AX has no holds); a confirmation becomes an `order.placed` of the adapter's
// order flow, written with the booking in one transaction, so AX gets it exactly once through the outbox; a
// cancellation or a removed unit item becomes an `order.cancelled`. Every answer is the booking as OCTO's `Booking`.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { OrderAggregate, StoredEvent } from "../orders/model";
import type { Clock } from "../orders/ports";
import {
  availabilityId as availabilityIdOf,
  hasRoom,
  isBookable,
  optionSlots,
  parseAvailabilityId,
  slotVacancies,
  toCalendarDay,
  toOctoAvailability,
  unitsByAxOption,
  type Holds,
  type OptionSlot,
} from "./availability";
import type { CachedAxCatalog } from "./ax-catalog";
import {
  bookingStatus,
  holdExpired,
  slotTimes,
  toOctoBooking,
  type ContactRecord,
  type OctoBookingRecord,
  type UnitItemRecord,
} from "./booking";
import { octoProduct, pricingOf, unitPrice } from "./catalog";
import {
  badRequest,
  invalidAvailabilityId,
  invalidBookingUuid,
  invalidOptionId,
  invalidProductId,
  invalidUnitId,
  unprocessable,
} from "./errors";
import { defaultOption, type OptionMapping, type ProductMapping } from "./mapping";
import {
  cancelEventId,
  cancelledEvent,
  contactName,
  placedEvent,
  placedEventId,
  type ContactFallback,
} from "./placement";
import type {
  AvailabilityInput,
  CalendarInput,
  ConfirmInput,
  ContactInput,
  ListInput,
  ReserveInput,
  UnitItemInput,
  UpdateInput,
} from "./schemas";
import { expireHolds } from "./expiry";
import { addDays, daysBetween } from "./time";

export interface OctoBookingStore {
  getBooking(reseller: string, uuid: string): Promise<OctoBookingRecord | undefined>;
  createBooking(booking: OctoBookingRecord): Promise<void>;
  saveBooking(next: OctoBookingRecord, previous: OctoBookingRecord, events?: readonly StoredEvent[]): Promise<void>;
  findBySupplierReference(reference: string): Promise<{ reseller: string; uuid: string } | undefined>;
  uuidsByResellerReference(reseller: string, reference: string): Promise<string[]>;
  uuidsByDate(reseller: string, localDate: string): Promise<string[]>;
  getBookings(reseller: string, uuids: readonly string[]): Promise<OctoBookingRecord[]>;
  holds(
    axProductCode: string,
    range: { from: string; to: string },
    now: Date,
    except?: { reseller: string; uuid: string },
  ): Promise<Holds>;
  expiredHolds(now: Date): AsyncIterable<{ reseller: string; uuid: string }>;
}

/** Thrown by the store when a booking moved under a write, or its uuid was taken by a concurrent reserve. */
export interface ConflictErrors {
  moved: (error: unknown) => boolean;
  exists: (error: unknown) => boolean;
}

export interface OctoSettings {
  supplier: {
    id: string;
    name: string;
    /** Undefined: the URL the request came to. */
    endpoint: string | undefined;
    website: string | null;
    email: string | null;
    telephone: string | null;
    address: string | null;
  };
  contactFallback: ContactFallback;
  holdDefaultMinutes: number;
  holdMaxMinutes: number;
  /** Longest span of one availability or list request. */
  maxRangeDays: number;
  /** How long the product mapping is kept in memory. */
  mappingCacheMs: number;
}

export interface OctoDeps {
  store: OctoBookingStore;
  /** The operators' product mapping. */
  mappings: { listProducts(): Promise<ProductMapping[]> };
  conflicts: ConflictErrors;
  orders: { load(orderId: string): Promise<OrderAggregate> };
  catalog: CachedAxCatalog;
  clock: Clock;
  settings: OctoSettings;
  newUuid?: () => string;
}

/** What the reseller asked for in the `Octo-Capabilities` header and the adapter applies. */
export interface RequestOptions {
  pricing: boolean;
}

const WRITE_ATTEMPTS = 4;
const REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A supplier reference: `OC` and 10 Crockford base-32 characters (50 random bits), the AX channel order code. */
export function newSupplierReference(): string {
  return `OC${Array.from(randomBytes(10), (byte) => REFERENCE_ALPHABET[byte % 32]).join("")}`;
}

export class OctoService {
  private mappingCache: { at: number; value: Promise<Map<string, ProductMapping>> } | undefined;

  constructor(private readonly deps: OctoDeps) {}

  // ---- supplier and products -------------------------------------------------------------------------------

  supplier(requestEndpoint: string) {
    const { supplier } = this.deps.settings;
    return {
      id: supplier.id,
      name: supplier.name,
      endpoint: supplier.endpoint ?? requestEndpoint,
      contact: {
        website: supplier.website,
        email: supplier.email,
        telephone: supplier.telephone,
        address: supplier.address,
      },
    };
  }

  async products(options: RequestOptions) {
    const products = [...(await this.mappings()).values()].sort((a, b) => a.id.localeCompare(b.id));
    return Promise.all(products.map((product) => this.productView(product, options)));
  }

  async product(id: string, options: RequestOptions) {
    return this.productView(await this.productOf(id), options);
  }

  private async productView(product: ProductMapping, options: RequestOptions) {
    const [inventory, prices] = await Promise.all([
      product.product_type === "tour" ? this.deps.catalog.inventory(product).catch(() => []) : Promise.resolve([]),
      options.pricing ? this.deps.catalog.prices(product).catch(() => undefined) : Promise.resolve(undefined),
    ]);
    const startTimes = [...new Set(inventory.flatMap((slot) => (slot.start_time ? [slot.start_time] : [])))];
    return octoProduct(product, { startTimes, ...(prices ? { prices } : {}), pricing: options.pricing });
  }

  // ---- availability ----------------------------------------------------------------------------------------

  async availability(input: AvailabilityInput, options: RequestOptions) {
    const { product, option } = await this.productAndOption(input.productId, input.optionId);
    const ways = [input.localDate, input.localDateStart ?? input.localDateEnd, input.availabilityIds].filter(
      (way) => way !== undefined,
    );
    if (ways.length !== 1)
      throw badRequest("Give exactly one of localDate, localDateStart with localDateEnd, or availabilityIds");
    let from: string;
    let to: string;
    if (input.availabilityIds) {
      const dates = input.availabilityIds
        .map((id) => parseAvailabilityId(id)?.localDate)
        .filter((date): date is string => date !== undefined);
      if (dates.length === 0) return [];
      dates.sort();
      from = dates[0] ?? "";
      to = dates[dates.length - 1] ?? "";
    } else if (input.localDate) {
      from = input.localDate;
      to = input.localDate;
    } else {
      if (!input.localDateStart || !input.localDateEnd) throw badRequest("localDateStart and localDateEnd go together");
      from = input.localDateStart;
      to = input.localDateEnd;
    }
    this.checkRange(from, to);
    const now = this.deps.clock.now();
    let slots = await this.slots(product, option, from, to);
    if (input.availabilityIds) {
      const wanted = new Set(input.availabilityIds);
      slots = slots.filter((slot) => wanted.has(slot.id));
    }
    const prices = options.pricing ? await this.deps.catalog.prices(product) : undefined;
    return slots.map((slot) => ({
      ...toOctoAvailability(product, option, slot, now),
      ...(prices ? { unitPricing: this.unitPricing(product, option, prices) } : {}),
    }));
  }

  async calendar(input: CalendarInput) {
    const { product, option } = await this.productAndOption(input.productId, input.optionId);
    this.checkRange(input.localDateStart, input.localDateEnd);
    const now = this.deps.clock.now();
    const slots = await this.slots(product, option, input.localDateStart, input.localDateEnd);
    const days = daysBetween(input.localDateStart, input.localDateEnd);
    return Array.from({ length: days + 1 }, (_, n) => {
      const date = addDays(input.localDateStart, n);
      return toCalendarDay(
        product,
        date,
        slots.filter((slot) => slot.localDate === date),
        now,
      );
    });
  }

  private unitPricing(
    product: ProductMapping,
    option: OptionMapping,
    prices: Awaited<ReturnType<CachedAxCatalog["prices"]>>,
  ) {
    return option.units.flatMap((unit) => {
      const price = unitPrice(prices, unit.ax_option_code, product.currency);
      if (price === undefined) return [];
      return [{ unitId: unit.id, ...pricingOf(price, product.currency) }];
    });
  }

  private checkRange(from: string, to: string) {
    const span = daysBetween(from, to);
    if (span < 0) throw badRequest("localDateEnd must not be before localDateStart");
    if (span >= this.deps.settings.maxRangeDays)
      throw badRequest(`A request may cover at most ${this.deps.settings.maxRangeDays} days`);
  }

  /** The option's slots between two local dates, AX's inventory less every live hold. */
  private async slots(
    product: ProductMapping,
    option: OptionMapping,
    from: string,
    to: string,
    fresh = false,
    except?: { reseller: string; uuid: string },
  ): Promise<OptionSlot[]> {
    const now = this.deps.clock.now();
    const [inventory, holds] = await Promise.all([
      this.deps.catalog.inventory(product, fresh),
      this.deps.store.holds(product.ax_product_code, { from, to }, now, except),
    ]);
    return optionSlots(
      product,
      option,
      inventory.filter((slot) => slot.date >= from && slot.date <= to),
      holds,
    );
  }

  // ---- bookings --------------------------------------------------------------------------------------------

  async reserve(reseller: string, input: ReserveInput, options: RequestOptions) {
    const requestSha = createHash("sha256").update(JSON.stringify(input)).digest("hex");
    const { product, option } = await this.productAndOption(input.productId, input.optionId);
    if (!input.availabilityId) throw invalidAvailabilityId("", "is missing: this product needs one");
    if (!input.unitItems || input.unitItems.length === 0)
      throw unprocessable("unitItems must name at least one unit to reserve");
    const unitItems = this.unitItems(option, input.unitItems);
    const uuid = input.uuid?.toLowerCase() ?? (this.deps.newUuid ?? randomUUID)();
    if (input.uuid) {
      const existing = await this.deps.store.getBooking(reseller, uuid);
      if (existing) return this.repeatReserve(existing, requestSha, options);
    }
    await this.bookableSlot(product, option, input.availabilityId, unitItems);
    const now = this.deps.clock.now();
    const booking: OctoBookingRecord = {
      reseller,
      uuid,
      supplier_reference: newSupplierReference(),
      ...(input.resellerReference ? { reseller_reference: input.resellerReference } : {}),
      state: "on_hold",
      version: 1,
      product,
      option_id: option.id,
      availability_id: input.availabilityId,
      unit_items: unitItems,
      contact: contactRecord(input.contact),
      ...(input.notes ? { notes: input.notes } : {}),
      request_sha256: requestSha,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      expires_at: this.holdUntil(now, input.expirationMinutes),
    };
    try {
      await this.deps.store.createBooking(booking);
    } catch (error) {
      if (!this.deps.conflicts.exists(error)) throw error;
      const existing = await this.deps.store.getBooking(reseller, uuid);
      if (!existing) throw error;
      return this.repeatReserve(existing, requestSha, options);
    }
    return this.view(booking, options);
  }

  /** A reserve with a known uuid: the same request gets the same booking, another one is refused. */
  private repeatReserve(existing: OctoBookingRecord, requestSha: string, options: RequestOptions) {
    if (existing.request_sha256 !== requestSha)
      throw invalidBookingUuid(
        existing.uuid,
        "was already used for another reservation; a new booking needs a new uuid",
      );
    return this.view(existing, options);
  }

  async extend(reseller: string, uuid: string, expirationMinutes: number | undefined, options: RequestOptions) {
    return this.change(reseller, uuid, options, (booking, now) => {
      if (booking.state !== "on_hold" || holdExpired(booking, now))
        throw unprocessable(
          `Only a reservation on hold can be extended; this one is ${bookingStatus(booking, undefined, now)}`,
        );
      const until = this.holdUntil(now, expirationMinutes);
      return Promise.resolve({
        next: { ...booking, expires_at: until > (booking.expires_at ?? "") ? until : booking.expires_at },
      });
    });
  }

  async confirm(reseller: string, uuid: string, input: ConfirmInput, options: RequestOptions) {
    return this.change(reseller, uuid, options, async (booking, now) => {
      if (booking.state === "confirmed") return { next: undefined };
      this.mustBeOnHold(booking, now, "confirmed");
      const product = booking.product;
      const option = this.optionIn(product, booking.option_id);
      const unitItems =
        input.unitItems && input.unitItems.length > 0
          ? this.unitItems(option, input.unitItems, booking.unit_items)
          : booking.unit_items;
      const contact = input.contact ? contactRecord(input.contact) : booking.contact;
      this.checkContact(product, contact);
      // AX holds nothing for a reservation: its stock is read again, without this booking's own hold.
      await this.bookableSlot(product, option, booking.availability_id, unitItems, { fresh: true, except: booking });
      const prices = await this.deps.catalog.prices(product, true);
      const unitPrices: Record<string, string> = {};
      for (const item of unitItems) {
        const price = unitPrice(prices, item.ax_option_code, product.currency);
        if (price === undefined)
          throw unprocessable(
            `AX gives no ${product.currency} price for unit ${item.unit_id} today; it cannot be sold`,
          );
        unitPrices[item.ax_option_code] = price;
      }
      const next: OctoBookingRecord = {
        ...booking,
        state: "confirmed",
        unit_items: unitItems,
        contact,
        ...(input.resellerReference ? { reseller_reference: input.resellerReference } : {}),
        ...(input.notes ? { notes: input.notes } : {}),
        confirmed_at: now.toISOString(),
        unit_prices: unitPrices,
        events_written: (booking.events_written ?? 0) + 1,
      };
      const { expires_at: _expires, ...confirmed } = next;
      const event = placedEvent(confirmed, unitPrices, this.deps.settings.contactFallback, now);
      return { next: confirmed, events: [storedEvent(placedEventId(booking.supplier_reference), event, now)] };
    });
  }

  async update(reseller: string, uuid: string, input: UpdateInput, options: RequestOptions) {
    return this.change(reseller, uuid, options, async (booking, now) => {
      const base: OctoBookingRecord = {
        ...booking,
        ...(input.resellerReference ? { reseller_reference: input.resellerReference } : {}),
        ...(input.notes !== undefined && input.notes !== null ? { notes: input.notes } : {}),
        ...(input.contact ? { contact: { ...booking.contact, ...contactRecord(input.contact) } } : {}),
      };
      if (booking.state === "on_hold" && !holdExpired(booking, now))
        return { next: await this.updateHold(base, input, now) };
      if (booking.state !== "confirmed" || booking.cancellation)
        throw unprocessable(`A booking that is ${bookingStatus(booking, undefined, now)} cannot be changed`);
      return this.updateConfirmed(base, input, now);
    });
  }

  /** A reservation may change in every way: its units, date, option or product (its hold moves with it). */
  private async updateHold(booking: OctoBookingRecord, input: UpdateInput, now: Date): Promise<OctoBookingRecord> {
    const product =
      input.productId && input.productId !== booking.product.id
        ? await this.productOf(input.productId)
        : booking.product;
    const productChanged = product.id !== booking.product.id;
    const option = input.optionId
      ? this.optionIn(product, input.optionId)
      : productChanged
        ? defaultOption(product)
        : this.optionIn(product, booking.option_id);
    const availabilityId = input.availabilityId ?? booking.availability_id;
    const unitItems = input.unitItems
      ? this.unitItems(option, input.unitItems, booking.unit_items)
      : booking.unit_items.map((item) => {
          const unit = option.units.find((candidate) => candidate.id === item.unit_id);
          if (!unit) throw invalidUnitId(item.unit_id);
          return { ...item, ax_option_code: unit.ax_option_code };
        });
    if (unitItems.length === 0) throw unprocessable("unitItems must name at least one unit");
    const moved = productChanged || option.id !== booking.option_id || availabilityId !== booking.availability_id;
    if (moved || input.unitItems)
      await this.bookableSlot(product, option, availabilityId, unitItems, { except: booking });
    return {
      ...booking,
      product,
      option_id: option.id,
      availability_id: availabilityId,
      unit_items: unitItems,
      ...(input.expirationMinutes ? { expires_at: this.holdUntil(now, input.expirationMinutes) } : {}),
    };
  }

  /** A confirmed booking: contact, notes and references change here; unit items may only be removed (AX ticket
   *  cancels); a new date, product or more units cannot be made in AX (cancel and book again). */
  private updateConfirmed(booking: OctoBookingRecord, input: UpdateInput, now: Date) {
    const immovable =
      (input.productId && input.productId !== booking.product.id) ||
      (input.optionId && input.optionId !== booking.option_id) ||
      (input.availabilityId && input.availabilityId !== booking.availability_id);
    if (immovable)
      throw unprocessable(
        "AX cannot move a confirmed booking to another date, option or product: cancel it and book again",
      );
    if (!input.unitItems) return { next: booking };
    const kept = new Set<string>();
    for (const wanted of input.unitItems) {
      const match = booking.unit_items.find(
        (item) =>
          !kept.has(item.uuid) &&
          (wanted.uuid ? item.uuid === wanted.uuid.toLowerCase() : item.unit_id === wanted.unitId),
      );
      if (!match)
        throw unprocessable("Units can only be removed from a confirmed booking: AX cannot add any; book them apart");
      kept.add(match.uuid);
    }
    const removed = booking.unit_items.filter((item) => !kept.has(item.uuid));
    if (removed.length === 0) return { next: booking };
    if (kept.size === 0) throw unprocessable("Removing every unit is a cancellation: POST /bookings/{uuid}/cancel");
    this.checkCancellable(booking, now);
    const n = (booking.events_written ?? 0) + 1;
    const next: OctoBookingRecord = {
      ...booking,
      unit_items: booking.unit_items.filter((item) => kept.has(item.uuid)),
      removed_unit_items: [...(booking.removed_unit_items ?? []), ...removed],
      events_written: n,
    };
    const event = cancelledEvent(booking, now, {
      reason: "Unit items removed by the reseller",
      ticketIds: removed.map((item) => item.uuid),
    });
    return { next, events: [storedEvent(cancelEventId(booking.supplier_reference, n), event, now)] };
  }

  async cancel(reseller: string, uuid: string, reason: string | null | undefined, options: RequestOptions) {
    return this.change(reseller, uuid, options, async (booking, now) => {
      const cancellation = { reason: reason ?? null, at: now.toISOString(), refund: "FULL" as const };
      if (booking.state === "cancelled" || booking.cancellation) return { next: undefined };
      if (booking.state === "on_hold" && !holdExpired(booking, now)) {
        const { expires_at: _expires, ...released } = booking;
        return { next: { ...released, state: "cancelled" as const, cancellation } };
      }
      if (booking.state !== "confirmed")
        throw unprocessable(`A booking that is ${bookingStatus(booking, undefined, now)} cannot be cancelled`);
      const status = bookingStatus(booking, await this.deps.orders.load(booking.supplier_reference), now);
      if (status === "REJECTED" || status === "CANCELLED") return { next: undefined };
      if (status === "REDEEMED") throw unprocessable("The booking was redeemed; it cannot be cancelled");
      this.checkCancellable(booking, now);
      const n = (booking.events_written ?? 0) + 1;
      const event = cancelledEvent(booking, now, { reason: reason ?? null });
      return {
        next: { ...booking, cancellation, events_written: n },
        events: [storedEvent(cancelEventId(booking.supplier_reference, n), event, now)],
      };
    });
  }

  async get(reseller: string, uuid: string, options: RequestOptions) {
    return this.view(await this.mustFind(reseller, uuid), options);
  }

  async list(reseller: string, input: ListInput, options: RequestOptions) {
    let uuids: string[];
    if (input.supplierReference) {
      const owner = await this.deps.store.findBySupplierReference(input.supplierReference);
      // Another reseller's reference is answered as one that does not exist.
      uuids = owner && owner.reseller === reseller ? [owner.uuid] : [];
    } else if (input.resellerReference)
      uuids = await this.deps.store.uuidsByResellerReference(reseller, input.resellerReference);
    else if (input.localDate) uuids = await this.deps.store.uuidsByDate(reseller, input.localDate);
    else if (input.localDateStart && input.localDateEnd) {
      this.checkRange(input.localDateStart, input.localDateEnd);
      const days = daysBetween(input.localDateStart, input.localDateEnd);
      const start = input.localDateStart;
      const perDay = await Promise.all(
        Array.from({ length: days + 1 }, (_, n) => this.deps.store.uuidsByDate(reseller, addDays(start, n))),
      );
      uuids = perDay.flat();
    } else
      throw badRequest("Give resellerReference, supplierReference, localDate, or localDateStart with localDateEnd");
    const bookings = await this.deps.store.getBookings(reseller, [...new Set(uuids)].slice(0, 500));
    let found = bookings;
    if (input.resellerReference)
      found = found.filter((booking) => booking.reseller_reference === input.resellerReference);
    return Promise.all(found.map((booking) => this.view(booking, options)));
  }

  /** Marks the holds whose time ran out EXPIRED (the sweeper's part). */
  expireHolds(): Promise<{ expired: number }> {
    return expireHolds(this.deps);
  }

  // ---- helpers ---------------------------------------------------------------------------------------------

  /** Reads, changes and writes a booking conditionally on its version, reading again when another write won. */
  private async change(
    reseller: string,
    uuid: string,
    options: RequestOptions,
    apply: (
      booking: OctoBookingRecord,
      now: Date,
    ) => Promise<{ next: OctoBookingRecord | undefined; events?: StoredEvent[] }>,
  ) {
    for (let attempt = 1; ; attempt++) {
      const booking = await this.mustFind(reseller, uuid);
      const now = this.deps.clock.now();
      const { next, events } = await apply(booking, now);
      if (!next) return this.view(booking, options);
      const written = { ...next, version: booking.version + 1, updated_at: now.toISOString() };
      try {
        await this.deps.store.saveBooking(written, booking, events ?? []);
        return await this.view(written, options);
      } catch (error) {
        if (!this.deps.conflicts.moved(error) || attempt >= WRITE_ATTEMPTS) throw error;
      }
    }
  }

  private async view(booking: OctoBookingRecord, options: RequestOptions) {
    const now = this.deps.clock.now();
    const order = booking.state === "confirmed" ? await this.deps.orders.load(booking.supplier_reference) : undefined;
    let prices: Record<string, string> | undefined;
    if (options.pricing && !booking.unit_prices) {
      const list = await this.deps.catalog.prices(booking.product).catch(() => undefined);
      prices = {};
      for (const item of booking.unit_items) {
        const price = unitPrice(list, item.ax_option_code, booking.product.currency);
        if (price !== undefined) prices[item.ax_option_code] = price;
      }
    }
    return toOctoBooking(booking, order, now, { pricing: options.pricing, ...(prices ? { prices } : {}) });
  }

  private async mustFind(reseller: string, uuid: string): Promise<OctoBookingRecord> {
    // Another reseller's booking is answered exactly as one that does not exist.
    const booking = await this.deps.store.getBooking(reseller, uuid.toLowerCase());
    if (!booking) throw invalidBookingUuid(uuid);
    return booking;
  }

  private mustBeOnHold(booking: OctoBookingRecord, now: Date, what: string) {
    if (booking.state === "on_hold" && !holdExpired(booking, now)) return;
    throw unprocessable(`The booking is ${bookingStatus(booking, undefined, now)}; it cannot be ${what}`);
  }

  private checkCancellable(booking: OctoBookingRecord, now: Date) {
    const { start } = slotTimes(booking.product, booking.availability_id);
    const cutoff = start.getTime() - booking.product.cancellation_cutoff_minutes * 60_000;
    if (now.getTime() >= cutoff)
      throw unprocessable(
        `The cancellation cut-off (${booking.product.cancellation_cutoff_minutes} minutes before the start) has passed`,
      );
  }

  private checkContact(product: ProductMapping, contact: ContactRecord) {
    const missing: string[] = [];
    if (!contactName(contact)) missing.push("fullName (or firstName and lastName)");
    for (const field of product.required_contact_fields) {
      if (field === "firstName" || field === "lastName") continue; // a full name stands for both
      const value = contact[field as keyof ContactRecord];
      if (value === undefined || (Array.isArray(value) && value.length === 0)) missing.push(field);
    }
    if (missing.length > 0) throw badRequest(`contact needs ${missing.join(", ")} for this product`);
  }

  private holdUntil(now: Date, minutes: number | undefined): string {
    const { holdDefaultMinutes, holdMaxMinutes } = this.deps.settings;
    return new Date(now.getTime() + Math.min(minutes ?? holdDefaultMinutes, holdMaxMinutes) * 60_000).toISOString();
  }

  /** The slot of an availability id, checked open and with room for the units; the right OCTO error otherwise. */
  private async bookableSlot(
    product: ProductMapping,
    option: OptionMapping,
    availabilityId: string,
    unitItems: readonly UnitItemRecord[],
    read: { fresh?: boolean; except?: { reseller: string; uuid: string } } = {},
  ): Promise<OptionSlot> {
    const parsed = parseAvailabilityId(availabilityId);
    if (!parsed) throw invalidAvailabilityId(availabilityId);
    const slots = await this.slots(
      product,
      option,
      parsed.localDate,
      parsed.localDate,
      read.fresh ?? false,
      read.except,
    );
    const canonical = availabilityIdOf(product, parsed.localDate, parsed.localTime);
    const slot = slots.find((candidate) => candidate.id === availabilityId || candidate.id === canonical);
    if (!slot) throw invalidAvailabilityId(availabilityId);
    if (!isBookable(slot, this.deps.clock.now()))
      throw unprocessable(`The availability ${availabilityId} is closed (past its cut-off or not on sale)`);
    const wanted = unitsByAxOption(
      option,
      unitItems.map((item) => item.unit_id),
    );
    if (!hasRoom(slot, wanted))
      throw unprocessable(
        `The availability ${availabilityId} is sold out for these units (${slotVacancies(slot)} left)`,
      );
    return slot;
  }

  /** Unit items of a request, each with its AX option; uuids kept (or taken over from `previous`), else new. */
  private unitItems(
    option: OptionMapping,
    items: readonly UnitItemInput[],
    previous: readonly UnitItemRecord[] = [],
  ): UnitItemRecord[] {
    const used = new Set<string>();
    const records = items.map((item) => {
      const unit = option.units.find((candidate) => candidate.id === item.unitId);
      if (!unit) throw invalidUnitId(item.unitId);
      const uuid = item.uuid?.toLowerCase() ?? randomUUID();
      if (used.has(uuid)) throw badRequest(`unitItems name the uuid ${uuid} twice`);
      used.add(uuid);
      const known = previous.find((old) => old.uuid === uuid);
      return {
        uuid,
        unit_id: unit.id,
        ax_option_code: unit.ax_option_code,
        ...(item.resellerReference
          ? { reseller_reference: item.resellerReference }
          : known?.reseller_reference
            ? { reseller_reference: known.reseller_reference }
            : {}),
        ...(item.contact ? { contact: contactRecord(item.contact) } : known?.contact ? { contact: known.contact } : {}),
      };
    });
    if (option.max_units !== undefined && records.length > option.max_units)
      throw unprocessable(`This option takes at most ${option.max_units} units per booking`);
    return records;
  }

  private async productAndOption(productId: string, optionId: string) {
    const product = await this.productOf(productId);
    return { product, option: this.optionIn(product, optionId) };
  }

  private async productOf(id: string): Promise<ProductMapping> {
    const product = (await this.mappings()).get(id);
    if (!product) throw invalidProductId(id);
    return product;
  }

  private optionIn(product: ProductMapping, optionId: string): OptionMapping {
    const option = product.options.find((candidate) => candidate.id === optionId);
    if (!option) throw invalidOptionId(optionId);
    return option;
  }

  private mappings(): Promise<Map<string, ProductMapping>> {
    const now = this.deps.clock.now().getTime();
    if (this.mappingCache && now - this.mappingCache.at < this.deps.settings.mappingCacheMs)
      return this.mappingCache.value;
    const value = this.deps.mappings
      .listProducts()
      .then((list) => new Map(list.map((product) => [product.id, product])));
    this.mappingCache = { at: now, value };
    value.catch(() => {
      this.mappingCache = undefined;
    });
    return value;
  }
}

/** An OCTO contact as kept: empty values left out. */
export function contactRecord(contact: ContactInput | null | undefined): ContactRecord {
  const record: ContactRecord = {};
  if (!contact) return record;
  for (const field of [
    "fullName",
    "firstName",
    "lastName",
    "emailAddress",
    "phoneNumber",
    "postalCode",
    "country",
    "notes",
  ] as const) {
    const value = contact[field]?.trim();
    if (value) record[field] = value;
  }
  if (contact.locales && contact.locales.length > 0) record.locales = contact.locales;
  return record;
}

/** An order-flow event, stored as the receiver stores a channel's webhook (the worker books what the table holds). */
function storedEvent(
  webhookId: string,
  event: { type: "order.placed" | "order.cancelled"; data: { order_id: string } },
  now: Date,
): StoredEvent {
  const body = JSON.stringify(event);
  return {
    webhook_id: webhookId,
    type: event.type,
    order_id: event.data.order_id,
    body,
    body_sha256: createHash("sha256").update(body).digest("hex"),
    status: "queued",
    received_at: now.toISOString(),
    updated_at: now.toISOString(),
    attempts: 0,
  };
}
