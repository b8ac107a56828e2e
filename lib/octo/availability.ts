// OCTO availability from AX inventory (pure): one availability per AX slot (a tour's date and start time, a day
// ticket's date), its vacancies the AX stock left minus the live holds of every reseller, for the tightest unit of
// the option (AX keeps stock per AX option, and each unit is one AX option). docs/octo.md, "Availability".
import type { AxInventorySlot } from "../ax/catalog-schemas";
import type { OptionMapping, ProductMapping } from "./mapping";
import { addDays, localDateTime, localToUtc, utcDateTime } from "./time";

export type AvailabilityStatus = "AVAILABLE" | "FREESALE" | "SOLD_OUT" | "LIMITED" | "CLOSED";

/** Units held (by reservations not yet confirmed or expired, and confirmations not yet in AX) per AX option. */
export type HeldUnits = ReadonlyMap<string, number>;
/** Held units by availability id. */
export type Holds = ReadonlyMap<string, HeldUnits>;

/** One slot of an OCTO option, with what each unit (AX option) has left. */
export interface OptionSlot {
  id: string;
  localDate: string;
  /** `HH:MM` local; `00:00` for a day ticket. */
  localTime: string;
  start: Date;
  end: Date;
  cutoffAt: Date;
  onSale: boolean;
  /** Per AX option of the option's units: stock left in AX, holds deducted (never below 0). */
  vacanciesByAxOption: Map<string, number>;
  capacity: number | null;
}

export interface OctoAvailability {
  id: string;
  localDateTimeStart: string;
  localDateTimeEnd: string;
  utcCutoffAt: string;
  allDay: boolean;
  available: boolean;
  status: AvailabilityStatus;
  vacancies: number | null;
  capacity: number | null;
  maxUnits: number | null;
  openingHours: { from: string; to: string }[];
}

export interface OctoAvailabilityCalendarDay {
  localDate: string;
  available: boolean;
  status: AvailabilityStatus;
  vacancies: number | null;
  capacity: number | null;
  openingHours: { from: string; to: string }[];
}

const startTimeOf = (product: ProductMapping, slot: AxInventorySlot) =>
  product.product_type === "tour" ? (slot.start_time ?? "00:00") : "00:00";

/** The availability id of a slot: its local start with the product's offset, as OCTO suppliers commonly do. */
export function availabilityId(product: ProductMapping, date: string, time: string): string {
  return localDateTime(localToUtc(date, time, product.time_zone), product.time_zone);
}

/** The local date and time an availability id names, or undefined when it is not of that form. */
export function parseAvailabilityId(id: string): { localDate: string; localTime: string } | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}):00(?:Z|[+-]\d{2}:\d{2})$/.exec(id);
  return match ? { localDate: match[1] ?? "", localTime: match[2] ?? "" } : undefined;
}

/**
 * The slots of one OCTO option: the AX slots on which every unit's AX option is sold, with each unit's vacancies.
 * A slot some unit has no inventory for is left out (it could not be booked whole).
 */
export function optionSlots(
  product: ProductMapping,
  option: OptionMapping,
  inventory: readonly AxInventorySlot[],
  holds: Holds,
): OptionSlot[] {
  const axOptions = [...new Set(option.units.map((unit) => unit.ax_option_code))];
  const byKey = new Map<string, Map<string, AxInventorySlot>>();
  for (const slot of inventory) {
    if (!axOptions.includes(slot.option_code)) continue;
    const key = `${slot.date}T${startTimeOf(product, slot)}`;
    const entry = byKey.get(key) ?? new Map<string, AxInventorySlot>();
    entry.set(slot.option_code, slot);
    byKey.set(key, entry);
  }
  const slots: OptionSlot[] = [];
  for (const [key, perOption] of byKey) {
    if (perOption.size < axOptions.length) continue;
    const [localDate = "", localTime = ""] = key.split("T");
    const start = localToUtc(localDate, localTime, product.time_zone);
    const end =
      product.product_type === "tour"
        ? new Date(start.getTime() + product.duration_minutes * 60_000)
        : localToUtc(addDays(localDate, 1), "00:00", product.time_zone);
    const id = localDateTime(start, product.time_zone);
    const held = holds.get(id);
    const vacanciesByAxOption = new Map<string, number>();
    let capacity: number | null = null;
    let onSale = true;
    for (const [code, slot] of perOption) {
      vacanciesByAxOption.set(code, Math.max(0, slot.remain_quantity - (held?.get(code) ?? 0)));
      if (slot.max_quantity !== undefined) capacity = Math.min(capacity ?? Infinity, slot.max_quantity);
      onSale &&= slot.on_sale;
    }
    slots.push({
      id,
      localDate,
      localTime,
      start,
      end,
      // A day ticket sells through its day; a tour until its start, each less the cut-off.
      cutoffAt: new Date(
        (product.product_type === "tour" ? start : end).getTime() - product.booking_cutoff_minutes * 60_000,
      ),
      onSale,
      vacanciesByAxOption,
      capacity,
    });
  }
  return slots.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** The units a booking asks for, by AX option. */
export function unitsByAxOption(option: OptionMapping, unitIds: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const unitId of unitIds) {
    const unit = option.units.find((candidate) => candidate.id === unitId);
    if (unit) counts.set(unit.ax_option_code, (counts.get(unit.ax_option_code) ?? 0) + 1);
  }
  return counts;
}

/** The vacancies of a slot for the option as a whole: those of its tightest unit. */
export const slotVacancies = (slot: OptionSlot): number => Math.min(...slot.vacanciesByAxOption.values());

/** Whether the slot has room for these units (per AX option). */
export function hasRoom(slot: OptionSlot, wanted: ReadonlyMap<string, number>): boolean {
  return [...wanted].every(([code, count]) => (slot.vacanciesByAxOption.get(code) ?? 0) >= count);
}

/** Open for booking: on sale in AX and before the cut-off. */
export const isBookable = (slot: OptionSlot, now: Date): boolean =>
  slot.onSale && now.getTime() < slot.cutoffAt.getTime();

/** SOLD_OUT at 0, LIMITED under half the capacity (Ventrata's reading), CLOSED when not on sale or past the cut-off. */
export function statusOf(vacancies: number, capacity: number | null, open: boolean): AvailabilityStatus {
  if (!open) return "CLOSED";
  if (vacancies <= 0) return "SOLD_OUT";
  if (capacity !== null && capacity > 0 && vacancies < capacity / 2) return "LIMITED";
  return "AVAILABLE";
}

export function toOctoAvailability(
  product: ProductMapping,
  option: OptionMapping,
  slot: OptionSlot,
  now: Date,
): OctoAvailability {
  const vacancies = slotVacancies(slot);
  const status = statusOf(vacancies, slot.capacity, isBookable(slot, now));
  const dayTicket = product.product_type === "day-ticket";
  return {
    id: slot.id,
    localDateTimeStart: slot.id,
    localDateTimeEnd: localDateTime(slot.end, product.time_zone),
    utcCutoffAt: utcDateTime(slot.cutoffAt),
    allDay: dayTicket,
    available: status === "AVAILABLE" || status === "LIMITED",
    status,
    vacancies,
    capacity: slot.capacity,
    maxUnits: option.max_units === undefined ? vacancies : Math.min(option.max_units, vacancies),
    openingHours: dayTicket ? product.opening_hours : [],
  };
}

/** One calendar day: available when any of its slots is, vacancies and capacity summed over them. */
export function toCalendarDay(
  product: ProductMapping,
  localDate: string,
  slots: readonly OptionSlot[],
  now: Date,
): OctoAvailabilityCalendarDay {
  const open = slots.filter((slot) => isBookable(slot, now));
  const vacancies = open.reduce((sum, slot) => sum + slotVacancies(slot), 0);
  const capacities = slots.map((slot) => slot.capacity);
  const capacity = capacities.some((value) => value === null)
    ? null
    : capacities.reduce<number>((sum, value) => sum + (value ?? 0), 0);
  const status = slots.length === 0 ? "CLOSED" : statusOf(vacancies, capacity, open.length > 0);
  return {
    localDate,
    available: status === "AVAILABLE" || status === "LIMITED",
    status,
    vacancies: slots.length === 0 ? 0 : vacancies,
    capacity: slots.length === 0 ? 0 : capacity,
    openingHours: product.product_type === "day-ticket" ? product.opening_hours : [],
  };
}
