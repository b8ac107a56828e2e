// When the status sync polls an AX order, and when it stops: pure rules, shared by the sync (what a run reads), the
// store (the index keys it writes with every AX order) and the operators' "poll again".
//
// An AX order in the sync has a cadence: `every_run` in the first day after it was created while the supplier has not
// decided (New, Supplier pending: AX asks channels to poll often, so that the decision reaches the channel quickly),
// `hourly` after that while still undecided, and once confirmed in the two days before its use date; `daily` while
// its use date is further away, and after it. Each AX order has a fixed phase (a hash of its AX code): within each
// period of its cadence it is due once, when the clock passes its phase, so a run reads only the AX orders whose turn
// came since the last run, and nothing is written for a poll that found no change. It leaves the sync when no status
// that matters can come any more: a final status, every ticket used or cancelled, or its use date plus a grace
// passed; an operator's "poll again" keeps it in for another grace from that moment.
import { isFinalAxOrderStatus, type AxOrderRecord } from "./model";

export const SYNC_CADENCES = ["every_run", "hourly", "daily"] as const;
export type SyncCadence = (typeof SYNC_CADENCES)[number];

/** Why an AX order is no longer polled. */
export type SyncLeaveReason = "final_status" | "past_use_date" | "tickets_settled";

export type SyncPlace = { cadence: SyncCadence } | { leave: SyncLeaveReason };

export interface SyncSettings {
  /** The hourly cadence's period (SYNC_CONFIRMED_INTERVAL_MS, 1 h). */
  confirmedIntervalMs: number;
  /** How long after its creation an undecided AX order is polled at every run (SYNC_UNDECIDED_EVERY_RUN_MS, 24 h). */
  undecidedEveryRunMs: number;
  /** How long before its use date a confirmed AX order is polled hourly (SYNC_NEAR_USE_DATE_MS, 48 h). */
  nearUseDateMs: number;
  /** How long after its use date an AX order is still polled (SYNC_GRACE_MS, 3 days). */
  graceMs: number;
}

export const DAY_MS = 24 * 60 * 60_000;
export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
  confirmedIntervalMs: 60 * 60_000,
  undecidedEveryRunMs: DAY_MS,
  nearUseDateMs: 2 * DAY_MS,
  graceMs: 3 * DAY_MS,
};

const CONFIRMED = "Supplier confirm";
const SETTLED_TICKET_STATUSES: ReadonlySet<string> = new Set(["Used", "Traveler canceled", "Supplier canceled"]);

/** What the rules read of an AX order (the sync's index holds these; `tickets` only the full record). */
export type ScheduledAxOrder = Pick<
  AxOrderRecord,
  "ax_order_status" | "inventory_at" | "created_at" | "sync_until" | "sync_poll_asked"
> &
  Partial<Pick<AxOrderRecord, "tickets">>;

/**
 * An AX order's use date (epoch ms). One recorded without it (attached by an operator before the attach read the
 * placement's dates) counts as used a year after it was recorded: tickets are not sold further ahead, and it must
 * not stay in the sync for good.
 */
function useDateOf(axOrder: ScheduledAxOrder): number {
  const useDate = Date.parse(axOrder.inventory_at);
  return Number.isNaN(useDate) ? Date.parse(axOrder.created_at) + UNKNOWN_USE_DATE_AFTER_MS : useDate;
}

const UNKNOWN_USE_DATE_AFTER_MS = 365 * DAY_MS;

/** Where an AX order belongs at `at` (epoch ms): a cadence, or out of the sync and why. */
export function syncPlace(axOrder: ScheduledAxOrder, at: number, settings: SyncSettings): SyncPlace {
  if (isFinalAxOrderStatus(axOrder.ax_order_status)) return { leave: "final_status" };
  if (axOrder.sync_poll_asked !== undefined) return { cadence: "every_run" };
  const keptUntil = axOrder.sync_until === undefined ? Number.NaN : Date.parse(axOrder.sync_until);
  const useDate = useDateOf(axOrder);
  if (!(at < keptUntil)) {
    const tickets = axOrder.tickets ?? [];
    if (tickets.length > 0 && tickets.every((ticket) => SETTLED_TICKET_STATUSES.has(ticket.ax_ticket_status)))
      return { leave: "tickets_settled" };
    if (at >= useDate + settings.graceMs) return { leave: "past_use_date" };
  }
  if (axOrder.ax_order_status !== CONFIRMED) {
    // An operator's "poll again" asks at every run for as long as it keeps the AX order in.
    const since = Math.max(Date.parse(axOrder.created_at), at < keptUntil ? keptUntil - settings.graceMs : -Infinity);
    return { cadence: !(at - since > settings.undecidedEveryRunMs) ? "every_run" : "hourly" };
  }
  if (at < useDate && useDate - at <= settings.nearUseDateMs) return { cadence: "hourly" };
  return { cadence: "daily" };
}

/**
 * Where an AX order polled (unchanged) at `at` goes next: as `syncPlace`, except that a daily one whose next daily
 * turn would fall inside the two days before its use date moves to `hourly` now, so that its hourly polls start on
 * time.
 */
export function placeAfterPoll(axOrder: ScheduledAxOrder, at: number, settings: SyncSettings): SyncPlace {
  // The operator's poll again is served by this poll.
  const { sync_poll_asked: _served, ...polled } = axOrder;
  const place = syncPlace(polled, at, settings);
  if ("cadence" in place && place.cadence === "daily") {
    const ahead = syncPlace(polled, at + DAY_MS, settings);
    if ("cadence" in ahead && ahead.cadence === "hourly") return ahead;
  }
  return place;
}

/** How often a cadence polls: undefined for `every_run` (every run reads all of them). */
export function cadencePeriodMs(cadence: SyncCadence, settings: SyncSettings): number | undefined {
  if (cadence === "hourly") return settings.confirmedIntervalMs;
  if (cadence === "daily") return DAY_MS;
  return undefined;
}

/** Phases are whole numbers below this (48 bits: no two of a million AX orders are likely to share one). */
export const PHASE_SPACE = 2 ** 48;

/** An AX order's phase: a fixed, evenly spread point in every period (FNV-1a over its AX order code, 48 bits). */
export function syncPhase(axOrderCode: string): number {
  let high = 0x811c9dc5;
  let low = 0x01000193;
  for (let i = 0; i < axOrderCode.length; i++) {
    const code = axOrderCode.charCodeAt(i);
    high = Math.imul(high ^ code, 0x01000193) >>> 0;
    low = Math.imul(low ^ code ^ (high >>> 7), 0x01000193) >>> 0;
  }
  return (high % 2 ** 24) * 2 ** 24 + (low % 2 ** 24);
}

/** The phase the clock is at, at `at`, in a period of `periodMs`. */
export const phaseAt = (at: number, periodMs: number): number =>
  Math.floor(((((at % periodMs) + periodMs) % periodMs) / periodMs) * PHASE_SPACE);

/** A range of phases, both ends included. */
export interface PhaseRange {
  from: number;
  to: number;
}

/**
 * The phases whose turn falls in (`after`, `through`] for a period, in the order of their turns: one range, or two
 * when the window wraps past the period's end; the whole circle (from `after`'s phase on) when it spans a period.
 */
export function windowRanges(after: number, through: number, periodMs: number): PhaseRange[] {
  if (through <= after) return [];
  const start = phaseAt(after, periodMs);
  if (through - after >= periodMs)
    return start + 1 < PHASE_SPACE
      ? [
          { from: start + 1, to: PHASE_SPACE - 1 },
          { from: 0, to: start },
        ]
      : [{ from: 0, to: PHASE_SPACE - 1 }];
  const end = phaseAt(through, periodMs);
  if (start < end) return [{ from: start + 1, to: end }];
  if (start === end) return [];
  return [...(start + 1 < PHASE_SPACE ? [{ from: start + 1, to: PHASE_SPACE - 1 }] : []), { from: 0, to: end }];
}
