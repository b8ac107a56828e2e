// Use case: bring the supplier's decisions (AX confirmation info) into the adapter. The AX orders that are not final
// come from a sparse index, swept in its order from where the last run stopped (a small cursor item), so that an
// AX order that did not change costs a read and no write; AX is asked with bounded concurrency until a time budget
// is used; each change is written conditionally on the order's version (re-read on conflict), with a history entry
// and, when the outbound webhook is configured, an `order.status_changed` notification in the same transaction.
import { AxError, type AxErrorReason } from "../ax/errors";
import { findConfirmation, type ConfirmationEntry, type ConfirmationInfo } from "../ax/schemas";
import { forEachBounded } from "./bounded-pool";
import {
  isFinalAxOrderStatus,
  type AxOrderRecord,
  type DueAxOrder,
  type NotificationRecord,
  type SyncCursor,
  type SyncPosition,
  type SyncPositions,
  type OrderAggregate,
  type OrderRecord,
  type ProductType,
} from "./model";
import { statusChangedNotification } from "./notify";
import { isCancelledAxOrder, isCancelledTicket, mergeAxOrders, orderStatus } from "./order-state";
import { ConcurrentUpdateError, type Clock, type OrderCommit } from "./ports";

export interface AxConfirmationReader {
  getConfirmation(type: ProductType, axOrderCode: string): Promise<ConfirmationInfo>;
}

export interface StatusSyncStore {
  load(orderId: string): Promise<OrderAggregate>;
  /**
   * AX orders that are not final with `next_sync_at` before `before`, oldest first (the sparse `openOrders`), in
   * each partition after its position in `after`, or, with `through`, only in the partitions it names, from their
   * start up to their position there.
   */
  dueAxOrders(before: string, range?: { after?: SyncPositions; through?: SyncPositions }): AsyncIterable<DueAxOrder>;
  /** Moves an AX order whose poll failed to `nextSyncAt`, if it is still open with the status read. */
  deferSync(axOrder: DueAxOrder, nextSyncAt: string): Promise<boolean>;
  loadSyncCursor(): Promise<SyncCursor | undefined>;
  saveSyncCursor(cursor: SyncCursor): Promise<void>;
  /** An order change (conditional on its version, like OrderRepository.commit) with its notifications. */
  commitStatusChange(change: OrderCommit, notifications: readonly NotificationRecord[]): Promise<void>;
}

export interface SyncStatusesDeps {
  store: StatusSyncStore;
  ax: AxConfirmationReader;
  clock: Clock;
  /** AX calls in flight at once. */
  concurrency: number;
  /** A confirmed AX order is polled once in this long; pending ones in every sweep (every run, unless cut short). */
  confirmedIntervalMs: number;
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
  /** AX confirmation calls made. */
  polled: number;
  changed: number;
  unchanged: number;
  /** The AX order changed in the adapter while AX was asked (a cancel, another run): asked again next run. */
  skipped: number;
  failed: number;
  /** Notifications written with the changes. */
  notifications: number;
  /** AX orders were due but not polled: the budget was used, or AX said to stop (`stopped_by`). */
  due_left: boolean;
  stopped_by?: "budget" | AxErrorReason;
  /** The first few failures, for the log. */
  errors: SyncError[];
}

export interface SyncOutcome {
  report: SyncReport;
  /** The notifications written, for the sender to try at once. */
  notifications: NotificationRecord[];
}

const WRITE_ATTEMPTS = 5;
const MAX_REPORTED_ERRORS = 20;
/** After its use date an AX order is polled once a day: it may still be cancelled, but rarely is. */
const AFTER_USE_DATE_INTERVAL_MS = 24 * 60 * 60_000;
const CONFIRMED = "Supplier confirm";

/**
 * One sync run. Starts AX calls while the clock is before `deadline` (epoch ms); calls already started finish, so
 * the caller keeps one AX timeout (plus the writes) between the deadline and the end of its own time.
 */
export async function syncStatuses(deps: SyncStatusesDeps, options: { deadline: number }): Promise<SyncOutcome> {
  const started = deps.clock.now();
  const report: SyncReport = {
    started_at: started.toISOString(),
    polled: 0,
    changed: 0,
    unchanged: 0,
    skipped: 0,
    failed: 0,
    notifications: 0,
    due_left: false,
    errors: [],
  };
  const written: NotificationRecord[] = [];
  let stop: AxErrorReason | undefined;
  const canStart = () => stop === undefined && deps.clock.now().getTime() < options.deadline;

  const sweep = new Sweep(deps, await deps.store.loadSyncCursor(), started);
  const outcome = await forEachBounded(
    sweep.dueAxOrders(),
    { concurrency: deps.concurrency, canStart },
    async (axOrder) => {
      sweep.visited(axOrder);
      const stopReason = await syncOne(deps, axOrder, report, written);
      if (stopReason !== undefined) stop ??= stopReason;
    },
  );
  report.due_left = !outcome.drained;
  if (report.due_left) report.stopped_by = stop ?? "budget";
  // When AX stopped the run, the next one does this run's part again: the cursor stays where it was.
  if (stop === undefined) await deps.store.saveSyncCursor(sweep.cursorAfter(outcome.drained));
  report.notifications = written.length;
  return { report, notifications: written };
}

const position = (axOrder: DueAxOrder): SyncPosition => ({
  order_id: axOrder.order_id,
  item_id: axOrder.item_id,
  next_sync_at: axOrder.next_sync_at,
});

/**
 * One run's part of the sweeps. It goes on with the unfinished sweep from the cursor; when that ends, it starts the
 * next sweep at once, up to where this run began (so no AX order is polled twice in a run). It hands out only the
 * AX orders whose turn came; the ones it passes over and the ones polled advance the positions.
 */
class Sweep {
  private readonly now: number;
  private readonly before: string;
  /** The sweep going on (`resumed`) and the one started in this run, each with its window and positions. */
  private readonly resumed: { windowFrom: number; startedAt: string; from: SyncPositions } | undefined;
  private readonly fresh: { windowFrom: number; positions: SyncPositions; begun: boolean };
  private readonly resumedPositions: SyncPositions;

  constructor(
    private readonly deps: SyncStatusesDeps,
    private readonly cursor: SyncCursor | undefined,
    started: Date,
  ) {
    this.now = started.getTime();
    // Only AX orders due before the run started: the ones it writes move past that, so none is polled twice.
    this.before = started.toISOString();
    const windowFrom = cursor?.window_from === undefined ? -Infinity : Date.parse(cursor.window_from);
    this.resumed =
      cursor?.resume === undefined
        ? undefined
        : { windowFrom, startedAt: cursor.sweep_started_at ?? this.before, from: cursor.resume };
    this.resumedPositions = { ...(cursor?.resume ?? {}) };
    this.fresh = {
      windowFrom: this.resumed ? Date.parse(this.resumed.startedAt) : windowFrom,
      positions: {},
      begun: this.resumed === undefined,
    };
  }

  async *dueAxOrders(): AsyncGenerator<DueAxOrder> {
    if (this.resumed) {
      for await (const axOrder of this.deps.store.dueAxOrders(this.before, { after: this.resumed.from }))
        if (this.isDue(axOrder, this.resumed.windowFrom)) yield axOrder;
        else this.resumedPositions[axOrder.open_shard] = position(axOrder);
      this.fresh.begun = true;
    }
    const range = this.resumed ? { through: this.resumed.from } : undefined;
    for await (const axOrder of this.deps.store.dueAxOrders(this.before, range))
      if (this.isDue(axOrder, this.fresh.windowFrom)) yield axOrder;
      else this.fresh.positions[axOrder.open_shard] = position(axOrder);
  }

  /** An AX order handed out is being polled: the sweep it belongs to has got this far. */
  visited(axOrder: DueAxOrder): void {
    (this.fresh.begun ? this.fresh.positions : this.resumedPositions)[axOrder.open_shard] = position(axOrder);
  }

  /** The cursor for the next run: a fresh sweep after a run that got through, or where this one stopped. */
  cursorAfter(drained: boolean): SyncCursor {
    if (drained) return { window_from: this.before };
    if (!this.fresh.begun && this.resumed)
      return {
        ...(this.cursor?.window_from !== undefined ? { window_from: this.cursor.window_from } : {}),
        sweep_started_at: this.resumed.startedAt,
        resume: this.resumedPositions,
      };
    return {
      ...(Number.isFinite(this.fresh.windowFrom) ? { window_from: new Date(this.fresh.windowFrom).toISOString() } : {}),
      sweep_started_at: this.before,
      resume: this.fresh.positions,
    };
  }

  /** Pending AX orders are due in every sweep; the others when a turn of theirs came after `windowFrom`. */
  private isDue(axOrder: DueAxOrder, windowFrom: number): boolean {
    const interval = Date.parse(nextSyncAt(axOrder, new Date(this.now), this.deps.confirmedIntervalMs)) - this.now;
    const anchor = Date.parse(axOrder.next_sync_at);
    if (interval <= 0 || Number.isNaN(anchor) || anchor >= this.now) return true;
    const latestTurn = anchor + Math.floor((this.now - anchor) / interval) * interval;
    return latestTurn > windowFrom;
  }
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
  // An AX order that cannot be read now goes to the back of the line, so it never holds the others up.
  const later = () => deps.store.deferSync(axOrder, deps.clock.now().toISOString());

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
    // Nothing is written: its next turn follows from its schedule and the cursor.
    report.unchanged++;
    return undefined;
  }

  try {
    const result = await recordChange(deps, axOrder, entry);
    if (result.kind === "changed") {
      report.changed++;
      if (result.notification) written.push(result.notification);
    } else if (result.kind === "already") report.unchanged++;
    else report.skipped++;
  } catch (error) {
    if (error instanceof ConcurrentUpdateError) fail("conflict", error.message);
    else throw error;
  }
  return undefined;
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
  const next: AxOrderRecord = { ...axOrder, ax_order_status: status, updated_at: at };
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

/**
 * When an AX order polled `now` that did not change is due again: in the next sweep while the supplier has not
 * decided; after `confirmedIntervalMs` once confirmed (only a cancellation can follow); once a day after its use date.
 */
export function nextSyncAt(axOrder: AxOrderRecord, now: Date, confirmedIntervalMs: number): string {
  let delay = axOrder.ax_order_status === CONFIRMED ? confirmedIntervalMs : 0;
  const useDate = Date.parse(axOrder.inventory_at);
  if (!Number.isNaN(useDate) && now.getTime() - useDate > AFTER_USE_DATE_INTERVAL_MS)
    delay = Math.max(delay, AFTER_USE_DATE_INTERVAL_MS);
  return new Date(now.getTime() + delay).toISOString();
}
