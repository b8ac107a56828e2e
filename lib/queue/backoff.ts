// Exponential backoff with jitter for events the worker must retry (AX not reachable, throttled, unavailable; a
// concurrent write): the n-th retry waits between half and all of min(max, base · 2^(n−1)).

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** In AWS: 10 s doubling to 15 minutes; with 16 receives, about 2.4 hours of retries before the dead-letter queue. */
export const SQS_RETRY_BACKOFF: BackoffPolicy = { baseMs: 10_000, maxMs: 900_000 };

/** Receives of a message before SQS moves it to the dead-letter queue (resources/queues.yml `maxReceiveCount`). */
export const MAX_RECEIVES = 16;
/** How long the dead-letter queue keeps a message (resources/queues.yml: 14 days, SQS's longest). */
export const DEAD_LETTER_RETENTION_MS = 14 * 86_400_000;

export function retryDelayMs(receiveCount: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, receiveCount - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}
