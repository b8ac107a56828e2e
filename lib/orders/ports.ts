// What the core needs from the outside world. The adapters in lib/store and lib/ax implement these.
import type {
  AxOrderRecord,
  CreateAnswer,
  EventStatus,
  OrderAggregate,
  OrderRecord,
  ProductMapping,
  StoredEvent,
} from "./model";

export interface EventOutcomeWrite {
  webhook_id: string;
  status: EventStatus;
  reason?: string;
  detail?: string;
  /**
   * Put the event back in the queue in the same write (a reconciliation, a replay): its `requeue_seq` moves, so the
   * table's stream queues it again, and its attempts start over. `replay` lets the worker re-apply an event its order
   * records as failed.
   */
  requeue?: { by: string; replay: boolean };
}

/** One atomic change of an order: applied whole or not at all. */
export interface OrderCommit {
  /** The order's new state; its `version` must be `expectedVersion + 1` (or 1 for a new order). */
  order: OrderRecord;
  /** The version read before the change; `undefined` when the order must not exist yet. */
  expectedVersion: number | undefined;
  axOrders?: AxOrderRecord[];
  events?: EventOutcomeWrite[];
  /** AX answers (by attempt id) this change records in the order: they are removed in the same write. */
  answersRecorded?: string[];
}

/** Another writer changed the order since it was read: re-read and try again. */
export class ConcurrentUpdateError extends Error {
  constructor(orderId: string) {
    super(`order ${orderId} was changed concurrently; the event will be retried`);
    this.name = "ConcurrentUpdateError";
  }
}

/**
 * DynamoDB did not confirm a read or a write: throttled, a conflicting transaction, a 5xx, a timeout. A write may
 * or may not have been applied (a timeout after it landed): the caller re-reads to tell, and retries with backoff.
 */
export class StoreUnavailableError extends Error {
  constructor(what: string, cause?: unknown) {
    super(`DynamoDB did not confirm ${what}${cause instanceof Error ? ` (${cause.name}: ${cause.message})` : ""}`, {
      cause,
    });
    this.name = "StoreUnavailableError";
  }
}

export interface OrderRepository {
  /** The order and its AX orders, in one read. */
  load(orderId: string): Promise<OrderAggregate>;
  /** Writes a change conditionally on the order's version; throws ConcurrentUpdateError if it moved. */
  commit(change: OrderCommit): Promise<void>;
}

/** Where AX's answer to a create is kept the moment it arrives (see CreateAnswer). */
export interface CreateAnswerLog {
  /** An unconditional, idempotent write keyed by the answer's attempt id. */
  recordAnswer(answer: CreateAnswer): Promise<void>;
}

export interface ProductCatalog {
  /** The mappings found for the given skus; skus without one are absent from the map. */
  findMappings(skus: readonly string[]): Promise<Map<string, ProductMapping>>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * What travels through the queue: ids only. The worker reads the event itself (type, body, replay flag) from the
 * table, so a message that was forged or damaged on the way can name an event but never carry one.
 */
export interface QueuedEvent {
  webhook_id: string;
  order_id: string;
  /** The event's `requeue_seq` when it was queued: one deduplication id per (re)queueing of the event. */
  requeue_seq: number;
  /** The API Gateway request id of the delivery (for the logs). */
  correlation_id?: string;
}

export interface EventQueue {
  /** Sends in order; resolves with how many of the messages were sent (all, unless one failed: it and later ones were not). */
  send(messages: readonly QueuedEvent[]): Promise<number>;
}

/** The message that queues a stored event. */
export function queuedMessage(event: StoredEvent): QueuedEvent {
  return {
    webhook_id: event.webhook_id,
    order_id: event.order_id,
    requeue_seq: event.requeue_seq ?? 0,
    ...(event.correlation_id !== undefined ? { correlation_id: event.correlation_id } : {}),
  };
}

export type PutEventResult = { created: true } | { created: false; existing: StoredEvent };

export interface EventStore {
  /** Stores a new event conditionally on its webhook id; returns the stored one when the id is known. */
  putEvent(event: StoredEvent): Promise<PutEventResult>;
}

export interface EventReader {
  /** The stored event with its body (a consistent read), or undefined. */
  getEvent(webhookId: string): Promise<StoredEvent | undefined>;
}
