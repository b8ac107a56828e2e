// Retrying a DynamoDB read or write that DynamoDB did not confirm (throttled, a conflicting transaction, a 5xx, a
// timeout): with exponential backoff and jitter, until a deadline. Used where giving up would lose something that
// cannot be asked for again (AX's answer to a create).
import { StoreUnavailableError, type Clock } from "./ports";

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface StoreRetry {
  clock: Clock;
  sleep?: Sleep | undefined;
  /** No new attempt starts after this instant (epoch ms); the first attempt always runs. */
  deadline: number;
  /** First delay; doubles up to `maxDelayMs`, each delay jittered between half and all of it. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
}

/** The n-th retry's pause: between half and all of min(max, base · 2^(n−1)). */
export function backoffDelay(
  attempt: number,
  baseDelayMs = 100,
  maxDelayMs = 2_000,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

/** Runs `operation`, again after a backoff while it fails with StoreUnavailableError and the deadline allows. */
export async function retryWhileUnavailable<T>(operation: () => Promise<T>, retry: StoreRetry): Promise<T> {
  const sleep = retry.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      const delay = backoffDelay(attempt, retry.baseDelayMs, retry.maxDelayMs, retry.random);
      if (retry.clock.now().getTime() + delay > retry.deadline) throw error;
      await sleep(delay);
    }
  }
}
