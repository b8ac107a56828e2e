// Use case: the outbox's safety net. Every stored event is queued from the table's stream; if that ever fails (the
// stream consumer kept failing past the stream's retention, a local stack was killed with events in its in-process
// queue), the event stays `queued` with no attempt. The sweeper finds such events and queues them again.
// Not swept: cancellations held on purpose until their order's placement is through, and events a worker has
// tried (they are in the queue, retried with backoff, or in its dead-letter queue, which is alarmed and redriven).
import type { EventSummaryRow } from "./model";
import { placementState } from "./order-state";
import { queuedMessage, type Clock, type EventQueue, type EventReader, type OrderRepository } from "./ports";

export const WAITING_FOR_PLACEMENT = "waiting_for_placement";

export interface SweepDeps {
  events: EventReader & {
    queuedEventsReceivedBefore(before: string): AsyncIterable<EventSummaryRow>;
    markSwept(event: Pick<EventSummaryRow, "webhook_id" | "updated_at">, now: Date): Promise<boolean>;
  };
  orders: Pick<OrderRepository, "load">;
  queue: EventQueue;
  clock: Clock;
}

export interface SweepOptions {
  /** An event untouched for this long with no attempt is stranded. */
  strandedAfterMs: number;
  /**
   * Also queue events that a worker has tried: right after a local stack starts, its in-process queue (and its
   * dead-letter list) is empty, so every `queued` event is stranded whatever happened to it before.
   */
  includeAttempted?: boolean;
  /** At most this many are queued in one run (the rest next time). */
  limit?: number;
}

export interface SweepReport {
  requeued: number;
  /** Cancellations waiting for their order's placement (on purpose). */
  held: number;
  /** Events a worker has tried, left to the queue's retries and dead-letter queue. */
  retrying: number;
  /** Seconds since the oldest stranded event was last touched, before this run queued it (0: none found). */
  oldestStrandedAgeSeconds: number;
  requeuedIds: string[];
}

export async function sweepEvents(deps: SweepDeps, options: SweepOptions): Promise<SweepReport> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - options.strandedAfterMs).toISOString();
  const limit = options.limit ?? 500;
  const report: SweepReport = { requeued: 0, held: 0, retrying: 0, oldestStrandedAgeSeconds: 0, requeuedIds: [] };
  for await (const candidate of deps.events.queuedEventsReceivedBefore(cutoff)) {
    if (report.requeued >= limit) break;
    if (candidate.updated_at > cutoff) continue; // touched lately: forwarded, swept or tried a moment ago
    if (candidate.reason === WAITING_FOR_PLACEMENT) {
      // Held until its placement is through; once it is, the placement applies it, unless that was lost too.
      const { order } = await deps.orders.load(candidate.order_id);
      if (placementState(order) !== "settled") {
        report.held++;
        continue;
      }
    } else if (candidate.attempts > 0 && options.includeAttempted !== true) {
      report.retrying++;
      continue;
    }
    const age = Math.floor((now.getTime() - Date.parse(candidate.updated_at)) / 1000);
    report.oldestStrandedAgeSeconds = Math.max(report.oldestStrandedAgeSeconds, age);
    // Marked first (conditionally): of two sweepers, only one sends; a crash after the mark leaves it for the next run.
    if (!(await deps.events.markSwept(candidate, now))) continue;
    const event = await deps.events.getEvent(candidate.webhook_id);
    if (event?.status !== "queued") continue;
    await deps.queue.send([queuedMessage(event)]);
    report.requeued++;
    report.requeuedIds.push(event.webhook_id);
  }
  return report;
}
