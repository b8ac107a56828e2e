// A start-up step of the local stack tried again while DynamoDB does not answer in time: a restart under load, at the
// deployed 2 s timeout, must not fail for one slow answer.
import { backoffDelay } from "../lib/orders/store-retry";

/**
 * Runs a start-up step again after a pause while it fails, for up to five minutes (as long as DynamoDB Local has to
 * start); then its error stands.
 */
export async function retryAtStart<T>(step: () => Promise<T>, what: string, log: (line: string) => void): Promise<T> {
  const deadline = Date.now() + 300_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      const delay = backoffDelay(attempt, 500, 5_000);
      if (Date.now() + delay > deadline) throw error;
      log(`${what} failed (${(error as Error).message}); trying again`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
