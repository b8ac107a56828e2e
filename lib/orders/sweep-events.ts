// Use case: the outbox's safety net. Every stored event is queued from the table's stream and retried by the queue;
// the sweeper finds the `queued` events that no live message will bring to a worker any more, and queues them again:
// - never tried, untouched for a while: the stream did not queue it (the consumer kept failing past the stream's
//   retention, a local stack was killed with events in its in-process queue);
// - tried, but untouched for longer than the queue's longest backoff plus a worker's hold: its message is gone (the
//   queue was purged, the message was lost);
// - dead-lettered (its 16th receive failed): left to the dead-letter queue, which is alarmed and redriven, until its
//   message is about to expire there (14 days), then queued again rather than lost.
// Not swept: cancellations held on purpose until their order's placement is through, and events waiting in their
// order's queue behind an event of the same order that the queue is retrying (FIFO).
// It also reports the age of the oldest unfinished event, from the event's own receipt, which is alarmed.
// A candidate whose reads or send fail is counted and passed over, not the end of the run: the candidates come oldest
// first, so one that fails every time (a record that no longer parses, a throttled key) would otherwise stop every
// run at the same place and strand every event behind it for good. The caller says the run failed afterwards.
import type { EventSummaryRow, StoredEvent } from "./model";
import { placementState } from "./order-state";
import { queuedMessage, type Clock, type EventQueue, type EventReader, type OrderRepository } from "./ports";

export const WAITING_FOR_PLACEMENT = "waiting_for_placement";

/** Defaults, from the queue's settings (resources/queues.yml, lib/queue/backoff.ts). */
export const DEFAULT_TRIED_STRANDED_AFTER_MS = 30 * 60_000;
export const DEFAULT_DEAD_LETTER_RETENTION_MS = 14 * 86_400_000;
/** A dead-lettered event is queued again this long before its dead-letter message expires. */
const BEFORE_EXPIRY_MS = 86_400_000;

export interface SweepDeps {
  events: EventReader & {
    queuedEventsReceivedBefore(before: string): AsyncIterable<EventSummaryRow>;
    /** Marks the event swept (its `updated_at`, and no longer dead-lettered), unless it moved since it was read. */
    markSwept(event: Pick<EventSummaryRow, "webhook_id" | "updated_at">, now: Date): Promise<boolean>;
    /** The events of an order, without their bodies. */
    listEventsForOrder(orderId: string): Promise<EventSummaryRow[]>;
  };
  orders: Pick<OrderRepository, "load">;
  queue: EventQueue;
  clock: Clock;
}

export interface SweepOptions {
  /** An event untouched for this long with no attempt is stranded. */
  strandedAfterMs: number;
  /** A tried event untouched for this long has no live message (past the longest backoff and a worker's hold). */
  triedStrandedAfterMs?: number;
  /** How long the dead-letter queue keeps a message: a dead-lettered event is queued again a day before. */
  deadLetterRetentionMs?: number;
  /**
   * Also queue events that a worker has tried: right after a local stack starts, its in-process queue (and its
   * dead-letter list) is empty, so every `queued` event is stranded whatever happened to it before.
   */
  includeAttempted?: boolean;
  /** At most this many are queued in one run (the rest next time). */
  limit?: number;
  /**
   * How long the run may look at candidates (default: no bound). Bounded by time, not by a count: a count would stop
   * every run at the same oldest candidates (dead letters kept for days, events the queue retries through an AX
   * outage) and never reach a stranded event behind them.
   */
  budgetMs?: number;
  /** Ends the run at the next candidate (a local stack stopping while its start-up sweep runs). */
  signal?: AbortSignal;
}

export interface SweepReport {
  requeued: number;
  /** Cancellations waiting for their order's placement (on purpose). */
  held: number;
  /** Events a worker has tried, whose message the queue is still retrying. */
  retrying: number;
  /** Events whose message waits in the dead-letter queue (alarmed, redriven by an operator). */
  deadLettered: number;
  /** Events waiting behind an event of the same order that the queue is retrying. */
  waitingBehind: number;
  /** Seconds since the oldest event this run queued again was received (0: none). */
  oldestStrandedAgeSeconds: number;
  /** Seconds since the oldest event still `queued` (unfinished, for whatever reason) was received (0: none). */
  oldestUnfinishedAgeSeconds: number;
  requeuedIds: string[];
  /** Candidates whose reads, mark or send failed: passed over, left `queued` for the next run (at most 20 named). */
  failed: { webhook_id: string; error: string }[];
  failedCount: number;
  /** The run stopped at its limit, its time budget or its signal before it had looked at every candidate. */
  truncated: boolean;
}

export async function sweepEvents(deps: SweepDeps, options: SweepOptions): Promise<SweepReport> {
  const now = deps.clock.now();
  const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const ageSeconds = (at: string) => Math.max(0, Math.floor((now.getTime() - Date.parse(at)) / 1000));
  const cutoff = ago(options.strandedAfterMs);
  const triedCutoff = ago(options.triedStrandedAfterMs ?? DEFAULT_TRIED_STRANDED_AFTER_MS);
  const expiringCutoff = ago((options.deadLetterRetentionMs ?? DEFAULT_DEAD_LETTER_RETENTION_MS) - BEFORE_EXPIRY_MS);
  const limit = options.limit ?? 500;
  const report: SweepReport = {
    requeued: 0,
    held: 0,
    retrying: 0,
    deadLettered: 0,
    waitingBehind: 0,
    oldestStrandedAgeSeconds: 0,
    oldestUnfinishedAgeSeconds: 0,
    requeuedIds: [],
    failed: [],
    failedCount: 0,
    truncated: false,
  };
  // Measured on the wall clock: `deps.clock` may be set to another time, the budget is this run's own.
  const stopAt = options.budgetMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.budgetMs;
  let seen = 0;
  for await (const candidate of deps.events.queuedEventsReceivedBefore(now.toISOString())) {
    // Oldest first: the first one is the oldest unfinished event.
    if (seen++ === 0) report.oldestUnfinishedAgeSeconds = ageSeconds(candidate.received_at);
    if (candidate.received_at >= cutoff) break; // the rest are younger than any stranded event
    if (report.requeued >= limit || Date.now() >= stopAt || options.signal?.aborted === true) {
      report.truncated = true;
      break;
    }
    try {
      const outcome = await sweepOne(deps, candidate, options.includeAttempted === true, {
        now,
        cutoff,
        triedCutoff,
        expiringCutoff,
      });
      if (typeof outcome === "object") {
        report.requeued++;
        report.requeuedIds.push(outcome.webhook_id);
        report.oldestStrandedAgeSeconds = Math.max(report.oldestStrandedAgeSeconds, ageSeconds(outcome.received_at));
      } else if (outcome !== "recent" && outcome !== "taken") report[outcome]++;
    } catch (error) {
      report.failedCount++;
      if (report.failed.length < 20)
        report.failed.push({ webhook_id: candidate.webhook_id, error: (error as Error).message || String(error) });
    }
  }
  return report;
}

/** The run's failure, when it passed over candidates it could not sweep (thrown after its report is out). */
export function sweepFailure(report: SweepReport): Error | undefined {
  if (report.failedCount === 0) return undefined;
  const first = report.failed[0];
  return new Error(
    `${report.failedCount} stranded candidate(s) could not be swept and stay queued for the next run` +
      (first ? ` (first: ${first.webhook_id}: ${first.error})` : ""),
  );
}

/**
 * Judges one candidate and, when it is stranded, queues it again: the event queued, or why not (its verdict, or
 * `taken` when another sweeper marked it first or it was settled meanwhile).
 */
async function sweepOne(
  deps: SweepDeps,
  candidate: EventSummaryRow,
  includeAttempted: boolean,
  at: { now: Date; cutoff: string; triedCutoff: string; expiringCutoff: string },
): Promise<StoredEvent | Exclude<Verdict, "stranded"> | "taken"> {
  const verdict = await judge(deps, candidate, includeAttempted, at);
  if (verdict !== "stranded") return verdict;
  // Marked first (conditionally): of two sweepers, only one sends; a crash after the mark leaves it for the next run.
  if (!(await deps.events.markSwept(candidate, at.now))) return "taken";
  const event = await deps.events.getEvent(candidate.webhook_id);
  if (event?.status !== "queued") return "taken";
  await deps.queue.send([queuedMessage(event)]);
  return event;
}

type Verdict = "stranded" | "recent" | "held" | "retrying" | "deadLettered" | "waitingBehind";

async function judge(
  deps: SweepDeps,
  candidate: EventSummaryRow,
  includeAttempted: boolean,
  cutoffs: { cutoff: string; triedCutoff: string; expiringCutoff: string },
): Promise<Verdict> {
  if (candidate.reason === WAITING_FOR_PLACEMENT) {
    if (candidate.updated_at > cutoffs.cutoff) return "recent";
    // Held until its placement is through; once it is, the placement applies it, unless that was lost too.
    const { order } = await deps.orders.load(candidate.order_id);
    return placementState(order) === "settled" ? "stranded" : "held";
  }
  if (includeAttempted) return candidate.updated_at > cutoffs.cutoff ? "recent" : "stranded";
  if (candidate.attempts === 0) {
    if (candidate.updated_at > cutoffs.cutoff) return "recent"; // forwarded, swept or touched a moment ago
    // FIFO: an event of the same order the queue is retrying keeps this one's message waiting behind it. A
    // cancellation held for its placement is not in the queue: it waits for this event, not the other way round.
    const others = await deps.events.listEventsForOrder(candidate.order_id);
    const ahead = others.some(
      (other) =>
        other.webhook_id !== candidate.webhook_id &&
        other.status === "queued" &&
        other.reason !== WAITING_FOR_PLACEMENT &&
        other.attempts > 0 &&
        other.updated_at > cutoffs.triedCutoff,
    );
    return ahead ? "waitingBehind" : "stranded";
  }
  // Tried: the queue brings its message back within its longest backoff, unless the message is gone.
  if (candidate.updated_at > cutoffs.triedCutoff) return "retrying";
  const event = await deps.events.getEvent(candidate.webhook_id);
  const deadLetteredAt = event?.dead_lettered_at;
  if (deadLetteredAt !== undefined && deadLetteredAt > cutoffs.expiringCutoff) return "deadLettered";
  return "stranded";
}
