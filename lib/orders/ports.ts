// What the core needs from the outside world. The adapters in lib/store and lib/ax implement these.
import type { AxOrderRecord, EventStatus, OrderAggregate, OrderRecord, ProductMapping, StoredEvent } from "./model";

export interface EventOutcomeWrite {
  webhook_id: string;
  status: EventStatus;
  reason?: string;
  detail?: string;
}

/** One atomic change of an order: applied whole or not at all. */
export interface OrderCommit {
  /** The order's new state; its `version` must be `expectedVersion + 1` (or 1 for a new order). */
  order: OrderRecord;
  /** The version read before the change; `undefined` when the order must not exist yet. */
  expectedVersion: number | undefined;
  axOrders?: AxOrderRecord[];
  events?: EventOutcomeWrite[];
}

/** Another writer changed the order since it was read: re-read and try again. */
export class ConcurrentUpdateError extends Error {
  constructor(orderId: string) {
    super(`order ${orderId} was changed concurrently; the event will be retried`);
    this.name = "ConcurrentUpdateError";
  }
}

export interface OrderRepository {
  /** The order and its AX orders, in one read. */
  load(orderId: string): Promise<OrderAggregate>;
  /** Writes a change conditionally on the order's version; throws ConcurrentUpdateError if it moved. */
  commit(change: OrderCommit): Promise<void>;
}

export interface ProductCatalog {
  /** The mappings found for the given skus; skus without one are absent from the map. */
  findMappings(skus: readonly string[]): Promise<Map<string, ProductMapping>>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** What travels through the queue: the stored event's raw body and the ids the worker needs. */
export interface QueuedEvent {
  webhook_id: string;
  order_id: string;
  type: string;
  received_at: string;
  body: string;
  /** Set by the operations CLI: re-apply an event that was parked. */
  replay?: boolean;
}

export interface EventQueue {
  send(message: QueuedEvent): Promise<void>;
}

export type PutEventResult = { created: true } | { created: false; existing: StoredEvent };

export interface EventStore {
  /** Stores a new event conditionally on its webhook id; returns the stored one when the id is known. */
  putEvent(event: StoredEvent): Promise<PutEventResult>;
}
