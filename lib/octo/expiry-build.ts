// The OCTO store and the hold expiry on an existing store's client (one client per container): what the sweeper and
// the status sync need of OCTO, without the API's use cases.
import { readOctoConfig, type AdapterConfig } from "../config";
import { systemClock, type Clock } from "../orders/ports";
import type { DynamoStore } from "../store/dynamo-store";
import { BookingExistsError, BookingMovedError, OctoStore } from "../store/octo-store";
import { expireHolds } from "./expiry";

export const octoConflicts = {
  moved: (error: unknown) => error instanceof BookingMovedError,
  exists: (error: unknown) => error instanceof BookingExistsError,
};

/** The OCTO store on the client of an existing store. */
export function octoStoreOn(store: DynamoStore, config: AdapterConfig): OctoStore {
  return new OctoStore(store.documentClient, config.tableName, {
    placingGraceMs: readOctoConfig(config.env).placingGraceMs,
  });
}

/** The hold expiry, for the sweeper (it needs the table only). */
export function octoHoldExpiry(store: DynamoStore, config: AdapterConfig, clock: Clock = systemClock) {
  return () => expireHolds({ store: octoStoreOn(store, config), conflicts: octoConflicts, clock });
}
