// Runs work over an async source with at most `concurrency` items in flight, starting new items only while
// `canStart()` says so (a time budget, a stop signal). Items already started always finish.

export interface PoolOutcome {
  /** The source had nothing more: every item was taken. */
  drained: boolean;
}

export async function forEachBounded<T>(
  source: AsyncIterable<T>,
  options: { concurrency: number; canStart: () => boolean },
  work: (item: T) => Promise<void>,
): Promise<PoolOutcome> {
  const items = source[Symbol.asyncIterator]();
  // Set by the workers (an object, so that the checks after `await` are not narrowed away).
  const state = { drained: false, leftOver: false };
  // Async generators queue concurrent next() calls, so the workers share one source without a lock.
  const worker = async () => {
    while (!state.drained && !state.leftOver && options.canStart()) {
      const next = await items.next();
      if (next.done === true) {
        state.drained = true;
        return;
      }
      if (!options.canStart()) {
        state.leftOver = true;
        return;
      }
      await work(next.value);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
    // Stopped early: is anything left? (One look at the source, so that the report can tell.)
    if (!state.drained && !state.leftOver) state.drained = (await items.next()).done === true;
    return { drained: state.drained };
  } finally {
    await items.return?.();
  }
}
