// A start-up step of the local stack tried again while DynamoDB does not answer in time: a restart under load, at the
// deployed 2 s timeout, must not fail for one slow answer. A slow step says so while it runs: a start that takes
// minutes (DynamoDB Local on a busy machine) must show where it is, not stay silent until someone gives up on it.
import { backoffDelay } from "../lib/orders/store-retry";

/** How often a step still running says so. */
export const SLOW_STEP_NOTICE_MS = 30_000;

/**
 * Awaits `work`, logging "still <what> after N s" every SLOW_STEP_NOTICE_MS while it runs, followed by `detail()` in
 * parentheses when given (what the step last met, e.g. a probe's last error).
 */
export async function sayWhileSlow<T>(
  work: Promise<T>,
  what: string,
  log: (line: string) => void,
  detail?: () => string,
): Promise<T> {
  const started = Date.now();
  const notice = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    log(`still ${what} after ${seconds} s${detail ? ` (${detail()})` : ""}`);
  }, SLOW_STEP_NOTICE_MS);
  try {
    return await work;
  } finally {
    clearInterval(notice);
  }
}

/**
 * Runs a start-up step again after a pause while it fails, for up to five minutes (as long as DynamoDB Local has to
 * start); then its error stands. Each attempt must be bounded by its own timeouts (the clients' request timeouts).
 */
export async function retryAtStart<T>(
  step: () => Promise<T>,
  what: string,
  log: (line: string) => void,
  /** Stops the retries (the stack is stopping): the last error stands. */
  signal?: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + 300_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await sayWhileSlow(step(), what, log);
    } catch (error) {
      const delay = backoffDelay(attempt, 500, 5_000);
      if (Date.now() + delay > deadline || signal?.aborted === true) throw error;
      log(`${what} failed (${(error as Error).message}); trying again`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
