// The ids of the event being worked on, for every log line written while it is (the worker's, its AX calls'),
// kept per asynchronous call chain so that events processed at the same time (the local stack) never mix.
import { AsyncLocalStorage } from "node:async_hooks";
import type { AttemptLogEntry } from "../orders/attempt-log";

export interface LogContext {
  webhook_id?: string;
  order_id?: string;
  /** The API Gateway request id of the webhook delivery that stored the event. */
  correlation_id?: string | undefined;
  /** Lines for the order's attempt log gathered while the event is worked on (its AX calls), written after it. */
  attempts?: AttemptLogEntry[];
}

const storage = new AsyncLocalStorage<LogContext>();

export function withLogContext<T>(context: LogContext, work: () => Promise<T>): Promise<T> {
  return storage.run(context, work);
}

/** The ids of the event in progress (empty outside one). */
export function logContext(): LogContext {
  return storage.getStore() ?? {};
}
