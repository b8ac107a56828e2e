// Local dates and times of a product's time zone (OCTO speaks local time with an offset, AX takes UTC): offsets come
// from @date-fns/tz (the IANA rules of the runtime's Intl), so summer time is handled.
import { tzOffset } from "@date-fns/tz/tzOffset";

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, "0");

/** The UTC instant of a local date and time (`HH:MM`) in `timeZone`. A time skipped by a clock change moves forward. */
export function localToUtc(date: string, time: string, timeZone: string): Date {
  const local = Date.parse(`${date}T${time}:00Z`);
  // The offset at the instant itself, found in two steps (right on either side of a change).
  const first = tzOffset(timeZone, new Date(local));
  const second = tzOffset(timeZone, new Date(local - first * 60_000));
  return new Date(local - second * 60_000);
}

/** `YYYY-MM-DDTHH:MM:SS±hh:mm`: the instant as a local time of `timeZone`, with its offset. */
export function localDateTime(instant: Date, timeZone: string): string {
  const offset = tzOffset(timeZone, instant);
  const local = new Date(instant.getTime() + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? "-" : "+";
  return `${local}${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

/** The local calendar date (`YYYY-MM-DD`) of an instant in `timeZone`. */
export function localDateOf(instant: Date, timeZone: string): string {
  return localDateTime(instant, timeZone).slice(0, 10);
}

/** `YYYY-MM-DDTHH:MM:SSZ`, the UTC form OCTO's validator expects (no fraction). */
export function utcDateTime(instant: Date): string {
  return `${instant.toISOString().slice(0, 19)}Z`;
}

/** The calendar date `days` after `date`. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Days from `from` to `to` (both `YYYY-MM-DD`). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export const LOCAL_DATE = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;

export function isLocalDate(value: string): boolean {
  return LOCAL_DATE.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}
