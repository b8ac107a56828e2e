// Use case: put a stored event back through the queue once its cause is fixed (an operator's replay, the end of a
// reconciliation). It goes through the outbox like a new event: the stored event becomes `queued` again with the next
// `requeue_seq`, and the table's stream queues it. A parked (`failed`) or waiting (`queued`) event can be replayed;
// an applied or ignored one cannot (it is done: replaying it would do nothing).
import type { EventStatus, StoredEvent } from "./model";
import type { Clock, EventReader } from "./ports";

export interface EventRequeuer extends EventReader {
  requeueEvent(
    webhookId: string,
    request: { expectedStatus: EventStatus; replay: boolean; by: string },
    now: Date,
  ): Promise<StoredEvent | undefined>;
}

export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplayError";
  }
}

const REPLAYABLE: ReadonlySet<EventStatus> = new Set(["failed", "queued"]);
const ATTEMPTS = 5;

/** Requeues the event; `by` names who asked (recorded on the event). Retries when the event moves meanwhile. */
export async function replayEvent(
  deps: { events: EventRequeuer; clock: Clock },
  webhookId: string,
  by: string,
): Promise<StoredEvent> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const event = await deps.events.getEvent(webhookId);
    if (!event) throw new ReplayError(`no event ${webhookId} is stored`);
    if (!REPLAYABLE.has(event.status))
      throw new ReplayError(
        `event ${webhookId} is ${event.status}: only parked (failed) or waiting (queued) events are replayed`,
      );
    const written = await deps.events.requeueEvent(
      webhookId,
      { expectedStatus: event.status, replay: true, by },
      deps.clock.now(),
    );
    if (written) return written;
    // A worker settled it (or another operator requeued it) between the read and the write: look again.
  }
  throw new ReplayError(
    `event ${webhookId} kept changing while it was being replayed (${ATTEMPTS} attempts); look at it and try again`,
  );
}
