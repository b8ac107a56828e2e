// A closed-loop load driver: `concurrency` lanes each start the next call as soon as their last one returned.
import { performance } from "node:perf_hooks";

export interface RunResult {
  calls: number;
  elapsedMs: number;
  /** Milliseconds per call, in completion order. */
  latencies: number[];
}

/** Runs `call(0) … call(count - 1)` with `concurrency` in flight; every call must resolve (a rejection aborts). */
export async function runClosedLoop(
  count: number,
  concurrency: number,
  call: (index: number) => Promise<void>,
): Promise<RunResult> {
  const latencies: number[] = [];
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < count; index = next++) {
      const started = performance.now();
      await call(index);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { calls: count, elapsedMs: performance.now() - started, latencies };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export const median = (values: readonly number[]) => percentile(values, 50);

export const mean = (values: readonly number[]) =>
  values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;

export interface Summary {
  calls: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  /** Mean of the durations rounded up to the next millisecond (how Lambda bills an invocation). */
  billedMean: number;
}

/** Several runs of one subject taken together: calls over the summed elapsed time, percentiles over every call. */
export function summarize(runs: readonly RunResult[]): Summary {
  const latencies = runs.flatMap((run) => run.latencies);
  const calls = runs.reduce((sum, run) => sum + run.calls, 0);
  const elapsedMs = runs.reduce((sum, run) => sum + run.elapsedMs, 0);
  return {
    calls,
    perSecond: calls / (elapsedMs / 1000),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    mean: mean(latencies),
    billedMean: mean(latencies.map((ms) => Math.ceil(ms))),
  };
}

/** The benchmarks' tables have no stream: nothing reads it, and DynamoDB Local slows down with every stream record it
 *  keeps (local/dynamodb/table.ts). */
export const NO_STREAM = { stream: false } as const;
