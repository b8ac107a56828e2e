// The expiry of OCTO holds (issue #20), run by the sweeper: apart from the API's use cases so the sweeper's bundle
// carries only what it needs.
import type { StoredEvent } from "../orders/model";
import type { Clock } from "../orders/ports";
import { holdExpired, type OctoBookingRecord } from "./booking";

const WRITE_ATTEMPTS = 4;

export interface ExpiryDeps {
  store: {
    expiredHolds(now: Date): AsyncIterable<{ reseller: string; uuid: string }>;
    getBooking(reseller: string, uuid: string): Promise<OctoBookingRecord | undefined>;
    saveBooking(next: OctoBookingRecord, previous: OctoBookingRecord, events?: readonly StoredEvent[]): Promise<void>;
  };
  conflicts: { moved: (error: unknown) => boolean };
  clock: Clock;
}

/**
 * Marks the holds whose time ran out EXPIRED: the expiry queue's entries before now, each booking written
 * conditionally on its version (their units are free from the hold's end on, whether this ran or not).
 */
export async function expireHolds(deps: ExpiryDeps): Promise<{ expired: number }> {
  const now = deps.clock.now();
  let expired = 0;
  for await (const due of deps.store.expiredHolds(now)) {
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      const booking = await deps.store.getBooking(due.reseller, due.uuid);
      if (!booking || !holdExpired(booking, now)) break;
      try {
        await deps.store.saveBooking(
          { ...booking, state: "expired", version: booking.version + 1, updated_at: now.toISOString() },
          booking,
        );
        expired++;
        break;
      } catch (error) {
        if (!deps.conflicts.moved(error)) throw error;
      }
    }
  }
  return { expired };
}
