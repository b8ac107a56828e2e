// Use case: bring the supplier's decisions (AX confirmation info) into the adapter. A run reads from the sync's index
// only the AX orders that are due (lib/orders/sync-schedule.ts: every run while the supplier has not decided, once
// per period of their cadence after that, in turn order from where the last run stopped: one small cursor item), so
// that its reads follow the due AX orders, not the open ones, and an AX order that did not change costs no write.
// AX is asked with bounded concurrency until a time budget is used; each change is written conditionally on the
// order's version (re-read on conflict), with a history entry and, when the outbound webhook is configured, an
// `order.status_changed` notification in the same transaction. An AX order leaves the sync when no status that
// matters can come any more.
import { AxError, type AxErrorReason } from "../ax/errors";
import { findConfirmation, type ConfirmationEntry, type ConfirmationInfo } from "../ax/schemas";
import { forEachBounded } from "./bounded-pool";
import {
  isFinalAxOrderStatus,
  type AxOrderRecord,
  type DueAxOrder,
  type NotificationRecord,
  type SyncCursor,
  type OrderAggregate,
  type OrderRecord,
  type ProductType,
} from "./model";
import {
  cadencePeriodMs,
  PHASE_SPACE,
  placeAfterPoll,
  windowRanges,
  type PhaseRange,
  type SyncCadence,
  type SyncLeaveReason,
  type SyncSettings,
} from "./sync-schedule";
import { statusChangedNotification } from "./notify";
import { isCancelledAxOrder, isCancelledTicket, mergeAxOrders, orderStatus } from "./order-state";
import { ConcurrentUpdateError, type Clock, type OrderCommit } from "./ports";

export interface AxConfirmationReader {
  getConfirmation(type: ProductType, axOrderCode: string): Promise<ConfirmationInfo>;
}

export interface StatusSyncStore {
  load(orderId: string): Promise<OrderAggregate>;
  /** The AX orders of a cadence whose phase lies in `ranges`, range by range, each in phase order. */
  dueAxOrders(cadence: SyncCadence, ranges: readonly PhaseRange[]): AsyncIterable<DueAxOrder>;
  /** Moves an AX order polled unchanged to another cadence, if it is still where it was read with that status. */
  moveSync(axOrder: DueAxOrder, cadence: SyncCadence): Promise<boolean>;
  /** Takes an AX order polled unchanged out of the sync (and records why), on the same condition. */
  leaveSync(axOrder: DueAxOrder, reason: Exclude<SyncLeaveReason, "final_status">, at: string): Promise<boolean>;
  loadSyncCursor(): Promise<SyncCursor | undefined>;
  saveSyncCursor(cursor: SyncCursor): Promise<void>;
  /**
   * Moves AX orders written before the due index into it (issue 21), until `canGoOn` says stop; answers how many it
   * moved and whether any are left. Absent where there is nothing to move (the tests' stores).
   */
  moveLegacySyncItems?(now: Date, canGoOn: () => boolean): Promise<{ moved: number; left: boolean }>;
  /** An order change (conditional on its version, like OrderRepository.commit) with its notifications. */
  commitStatusChange(change: OrderCommit, notifications: readonly NotificationRecord[]): Promise<void>;
}

export interface SyncStatusesDeps {
  store: StatusSyncStore;
  ax: AxConfirmationReader;
  clock: Clock;
  /** AX calls in flight at once. */
  concurrency: number;
  /** The cadences' periods and when an AX order leaves the sync (lib/orders/sync-schedule.ts). */
  schedule: SyncSettings;
  /** Set when the outbound webhook is configured: every change also writes a notification with this id. */
  newNotificationId?: () => string;
}

export interface SyncError {
  order_id: string;
  item_id: string;
  ax_order_code: string;
  reason: AxErrorReason | "no_confirmation" | "conflict" | "unexpected";
  detail: string;
}

export interface SyncReport {
  started_at: string;
  /** Index entries read: the due AX orders (and the few read past the end of a cut-short run). */
  read: number;
  /** AX confirmation calls made. */
  polled: number;
  changed: number;
  unchanged: number;
  /** The AX order changed in the adapter while AX was asked (a cancel, another run): asked again next run. */
  skipped: number;
  failed: number;
  /** Notifications written with the changes. */
  notifications: number;
  /** AX orders polled unchanged that moved to another cadence, or left the sync (no status that matters can come). */
  moved: number;
  left: number;
  /** AX orders written before the due index that this run moved into it. */
  migrated: number;
  /** AX orders were due but not polled: the budget was used, or AX said to stop (`stopped_by`). */
  due_left: boolean;
  stopped_by?: "budget" | AxErrorReason;
  /** The first few failures, for the log. */
  errors: SyncError[];
  /** The first few changes recorded (ids and statuses only), for the log: one line each. */
  changes: SyncChange[];
}

export interface SyncChange {
  order_id: string;
  item_id: string;
  ax_order_code: string;
  from: string;
  to: string;
}

export interface SyncOutcome {
  report: SyncReport;
  /** The notifications written, for the sender to try at once. */
  notifications: NotificationRecord[];
}

const WRITE_ATTEMPTS = 5;
const MAX_REPORTED_ERRORS = 20;
const MAX_REPORTED_CHANGES = 50;
const WINDOWED: readonly ("hourly" | "daily")[] = ["hourly", "daily"];

/**
 * One sync run. Starts AX calls while the clock is before `deadline` (epoch ms); calls already started finish, so
 * the caller keeps one AX timeout (plus the writes) between the deadline and the end of its own time.
 */
export async function syncStatuses(deps: SyncStatusesDeps, options: { deadline: number }): Promise<SyncOutcome> {
  const started = deps.clock.now();
  const report: SyncReport = {
    started_at: started.toISOString(),
    read: 0,
    polled: 0,
    changed: 0,
    unchanged: 0,
    skipped: 0,
    failed: 0,
    notifications: 0,
    moved: 0,
    left: 0,
    migrated: 0,
    due_left: false,
    errors: [],
    changes: [],
  };
  const written: NotificationRecord[] = [];
  let stop: AxErrorReason | undefined;
  const canStart = () => stop === undefined && deps.clock.now().getTime() < options.deadline;

  // AX orders written before the due index are moved into it first (once: then this finds none).
  if (deps.store.moveLegacySyncItems) {
    const legacy = await deps.store.moveLegacySyncItems(started, canStart);
    report.migrated = legacy.moved;
    if (legacy.left) report.due_left = true;
  }

  const round = new SyncRound(deps, (await deps.store.loadSyncCursor()) ?? {}, started);
  const outcome = await forEachBounded(
    round.dueAxOrders(),
    { concurrency: deps.concurrency, canStart },
    async (due) => {
      report.read++;
      round.visited(due);
      const stopReason = await syncOne(deps, due, report, written);
      if (stopReason !== undefined) stop ??= stopReason;
    },
  );
  if (!outcome.drained) report.due_left = true;
  if (report.due_left) report.stopped_by = stop ?? "budget";
  // When AX stopped the run, the next one does this run's part again: the cursor stays where it was.
  if (stop === undefined) await deps.store.saveSyncCursor(round.cursorAfter(outcome.drained));
  report.notifications = written.length;
  return { report, notifications: written };
}

/**
 * What one run reads, in order: the `every_run` AX orders (a round of their phases from where the last run stopped,
 * so a run that cannot poll them all never starves the same ones), then per cadence the AX orders whose turn fell
 * between the end of its last completed window and this run's start (in a window cut short, after where it stopped).
 * Progress is a phase: the index hands AX orders out in phase order, so the last one handed out marks it.
 */
class SyncRound {
  private readonly now: number;
  /** The phase this run reached, per cadence. */
  private readonly reached: Partial<Record<SyncCadence, number>> = {};
  /** The cadences read to their end. */
  private readonly finished = new Set<SyncCadence>();

  constructor(
    private readonly deps: SyncStatusesDeps,
    private readonly cursor: SyncCursor,
    started: Date,
  ) {
    this.now = started.getTime();
  }

  async *dueAxOrders(): AsyncGenerator<DueAxOrder> {
    const start = this.cursor.every_run?.after;
    const round = start === undefined ? [FULL_CIRCLE] : circleAfter(start);
    yield* this.once(this.deps.store.dueAxOrders("every_run", round));
    this.finished.add("every_run");
    for (const cadence of WINDOWED) {
      const ranges = resumeAfter(this.window(cadence).ranges, this.cursor[cadence]?.after);
      if (ranges.length > 0) yield* this.once(this.deps.store.dueAxOrders(cadence, ranges));
      this.finished.add(cadence);
    }
  }

  /** An AX order this run polled, then moved (its change put it in a cadence read later), is not polled twice. */
  private readonly handedOut = new Set<string>();
  private async *once(source: AsyncIterable<DueAxOrder>): AsyncGenerator<DueAxOrder> {
    for await (const due of source) {
      const key = `${due.order_id}\n${due.item_id}`;
      if (this.handedOut.has(key)) continue;
      this.handedOut.add(key);
      yield due;
    }
  }

  /** The phases due for a cadence: from the end of its last completed window to this run's start. */
  private window(cadence: "hourly" | "daily"): { from: number; ranges: PhaseRange[] } {
    const period = cadencePeriodMs(cadence, this.deps.schedule) ?? 0;
    const through = this.cursor[cadence]?.through;
    // The first run (or a cursor from before the due index): each AX order of the cadence once.
    const from = through === undefined || Number.isNaN(Date.parse(through)) ? this.now - period : Date.parse(through);
    return { from, ranges: period > 0 ? windowRanges(from, this.now, period) : [] };
  }

  /** An AX order handed out is being polled: its cadence has got this far. */
  visited(due: DueAxOrder): void {
    this.reached[due.sync_cadence] = due.sync_phase;
  }

  /** The cursor for the next run: windows closed where they were read to the end, phases where they were cut. */
  cursorAfter(drained: boolean): SyncCursor {
    const done = (cadence: SyncCadence) => drained || this.finished.has(cadence);
    const cursor: SyncCursor = {};
    const roundAt = this.reached.every_run ?? this.cursor.every_run?.after;
    if (!done("every_run") && roundAt !== undefined) cursor.every_run = { after: roundAt };
    for (const cadence of WINDOWED) {
      if (done(cadence)) {
        cursor[cadence] = { through: new Date(this.now).toISOString() };
        continue;
      }
      const previous = this.cursor[cadence];
      const after = this.reached[cadence] ?? previous?.after;
      cursor[cadence] = {
        through: previous?.through ?? new Date(this.window(cadence).from).toISOString(),
        ...(after !== undefined ? { after } : {}),
      };
    }
    return cursor;
  }
}

const FULL_CIRCLE: PhaseRange = { from: 0, to: PHASE_SPACE - 1 };

/** Every phase once, starting after `phase`. */
function circleAfter(phase: number): PhaseRange[] {
  return [...(phase + 1 < PHASE_SPACE ? [{ from: phase + 1, to: PHASE_SPACE - 1 }] : []), { from: 0, to: phase }];
}

/** The ranges still to read when a run was cut short at `phase`: those after the one holding it, and its rest. */
function resumeAfter(ranges: PhaseRange[], phase: number | undefined): PhaseRange[] {
  if (phase === undefined) return ranges;
  const at = ranges.findIndex((range) => range.from <= phase && phase <= range.to);
  if (at < 0) return ranges;
  const rest = ranges.slice(at + 1);
  const current = ranges[at];
  return current && phase < current.to ? [{ from: phase + 1, to: current.to }, ...rest] : rest;
}

/** Polls one AX order and records what AX says; returns a reason when the whole run should stop. */
async function syncOne(
  deps: SyncStatusesDeps,
  axOrder: DueAxOrder,
  report: SyncReport,
  written: NotificationRecord[],
): Promise<AxErrorReason | undefined> {
  const fail = (reason: SyncError["reason"], detail: string) => {
    report.failed++;
    if (report.errors.length < MAX_REPORTED_ERRORS)
      report.errors.push({
        order_id: axOrder.order_id,
        item_id: axOrder.item_id,
        ax_order_code: axOrder.ax_order_code,
        reason,
        detail,
      });
  };
  // An AX order that cannot be read now is asked again by the next run (then it goes back to its cadence).
  const later = async () => {
    if (axOrder.sync_cadence !== "every_run" && (await deps.store.moveSync(axOrder, "every_run"))) report.moved++;
  };

  let entry: ConfirmationEntry | undefined;
  report.polled++;
  try {
    const info = await deps.ax.getConfirmation(axOrder.product_type, axOrder.ax_order_code);
    entry = findConfirmation(info, axOrder.ax_order_code) ?? (info.length === 1 ? info[0] : undefined);
  } catch (error) {
    if (!(error instanceof AxError)) {
      fail("unexpected", String(error));
      await later();
      return undefined;
    }
    fail(error.reason, error.message);
    // AX did not take the call (throttled, unavailable, not reachable) or refuses our credentials: asking about
    // the other orders now would fail the same way. This one stays first in line for the next run.
    if (error.disposition === "retry_safe" || error.reason === "ax_auth") return error.reason;
    await later();
    return undefined;
  }
  if (!entry) {
    fail("no_confirmation", "AX's confirmation info does not mention this AX order");
    await later();
    return undefined;
  }

  if (entry.ax_order_status === axOrder.ax_order_status) {
    // Nothing is written, unless its cadence changes with time (its use date nears or passed, its grace ended): its
    // next turn follows from its phase and the cursor.
    report.unchanged++;
    await reschedule(deps, axOrder, report);
    return undefined;
  }

  try {
    const result = await recordChange(deps, axOrder, entry);
    if (result.kind === "changed") {
      report.changed++;
      if (report.changes.length < MAX_REPORTED_CHANGES)
        report.changes.push({
          order_id: axOrder.order_id,
          item_id: axOrder.item_id,
          ax_order_code: axOrder.ax_order_code,
          from: axOrder.ax_order_status,
          to: entry.ax_order_status,
        });
      if (result.notification) written.push(result.notification);
    } else if (result.kind === "already") report.unchanged++;
    else report.skipped++;
  } catch (error) {
    if (error instanceof ConcurrentUpdateError) fail("conflict", error.message);
    else throw error;
  }
  return undefined;
}

/** After an unchanged poll: another cadence, or out of the sync, when its time says so (one write); else nothing. */
async function reschedule(deps: SyncStatusesDeps, axOrder: DueAxOrder, report: SyncReport): Promise<void> {
  const now = deps.clock.now();
  const place = placeAfterPoll(axOrder, now.getTime(), deps.schedule);
  if ("leave" in place) {
    // A final status is never read unchanged here: it leaves with the write that records it.
    if (place.leave !== "final_status" && (await deps.store.leaveSync(axOrder, place.leave, now.toISOString())))
      report.left++;
  } else if (place.cadence !== axOrder.sync_cadence && (await deps.store.moveSync(axOrder, place.cadence)))
    report.moved++;
}

type ChangeResult =
  { kind: "changed"; notification: NotificationRecord | undefined } | { kind: "already" } | { kind: "moved" };

/**
 * Writes AX's new status onto the AX order, conditionally on the order's version. AX was asked about the status the
 * index showed (`polled`): if the adapter's own record moved away from it meanwhile (a cancel, another run), AX's
 * answer may predate that change, so nothing is written and the next run asks again. A final status is never left.
 */
async function recordChange(
  deps: SyncStatusesDeps,
  polled: DueAxOrder,
  entry: ConfirmationEntry,
): Promise<ChangeResult> {
  for (let attempt = 1; ; attempt++) {
    const { order, axOrders } = await deps.store.load(polled.order_id);
    const current = axOrders.find((axOrder) => axOrder.item_id === polled.item_id);
    if (!order || current?.ax_order_code !== polled.ax_order_code) return { kind: "moved" };
    if (current.ax_order_status === entry.ax_order_status) return { kind: "already" };
    if (current.ax_order_status !== polled.ax_order_status || isFinalAxOrderStatus(current.ax_order_status))
      return { kind: "moved" };

    const at = deps.clock.now().toISOString();
    const notificationId = deps.newNotificationId?.();
    const comment = entry.comment?.trim() ? entry.comment : undefined;
    const changed = withStatus(current, entry.ax_order_status, at, comment, notificationId);
    const all = mergeAxOrders(axOrders, [changed]);
    const next: OrderRecord = {
      ...order,
      status: orderStatus(order, all),
      version: order.version + 1,
      updated_at: at,
    };
    const notification =
      notificationId === undefined
        ? undefined
        : statusChangedNotification({
            id: notificationId,
            at,
            orderStatus: next.status,
            axOrder: changed,
            from: current.ax_order_status,
            comment,
          });
    try {
      await deps.store.commitStatusChange(
        { order: next, expectedVersion: order.version, axOrders: [changed] },
        notification ? [notification] : [],
      );
      return { kind: "changed", notification };
    } catch (error) {
      // Another change of the order (often a sibling AX order synced at the same time): read it again.
      if (!(error instanceof ConcurrentUpdateError) || attempt >= WRITE_ATTEMPTS) throw error;
    }
  }
}

/** The AX order with AX's status and a history entry; a cancelled AX order's tickets are cancelled with it. */
function withStatus(
  axOrder: AxOrderRecord,
  status: string,
  at: string,
  comment: string | undefined,
  notificationId: string | undefined,
): AxOrderRecord {
  // AX's new status answers the poll, an operator's poll again included.
  const { sync_poll_asked: _served, ...polled } = axOrder;
  const next: AxOrderRecord = { ...polled, ax_order_status: status, updated_at: at };
  return {
    ...next,
    tickets: isCancelledAxOrder(next)
      ? axOrder.tickets.map((ticket) =>
          isCancelledTicket(ticket.ax_ticket_status) ? ticket : { ...ticket, ax_ticket_status: "Traveler canceled" },
        )
      : axOrder.tickets,
    history: [
      ...axOrder.history,
      {
        at,
        from: axOrder.ax_order_status,
        to: status,
        source: "sync",
        ...(comment !== undefined ? { comment } : {}),
        ...(notificationId !== undefined ? { notification_id: notificationId } : {}),
      },
    ],
  };
}
