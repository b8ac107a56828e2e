// `npm run bench [-- --quick] [-- --out FILE]`: what a webhook costs, measured side by side on this machine, in one
// run — ingest against a floor, the worker, cold start, and the cost per million — written to BENCHMARKS.md.
import "../../local/quiet-node20";
import "../quiet-logs";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { EMULATOR_PACKAGE, startDynamoDbLocal } from "../../local/dynamodb/emulator";
import { calibrateCapacity } from "./calibration";
import { benchColdStart, type ColdStartResult } from "./cold-start";
import { costPerMillion, syncCostPerMillion } from "./cost";
import { benchEndToEnd, type EndToEndResult } from "./end-to-end";
import { benchIngest } from "./ingest";
import { renderReport, SYNC_CONFIRMED_POLLS_PER_DAY, SYNC_RUNS_PER_DAY, SYNC_STAGE_OPEN_AX_ORDERS } from "./report";
import { benchSync } from "./sync";
import { benchWorker } from "./worker";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string", default: path.resolve(import.meta.dirname, "../../BENCHMARKS.md") },
    // The cold start alone (its callgrind runs take the longest), its result saved as JSON to this file ...
    "cold-start-only": { type: "string" },
    // ... and a later run that takes the cold start from such a file instead of measuring it again.
    "cold-start-from": { type: "string" },
    "skip-end-to-end": { type: "boolean", default: false },
    // The end-to-end burst's size, whatever the other settings (a --quick run with the full burst of 2,000).
    burst: { type: "string" },
  },
});
const quick = values.quick;
const settings = quick
  ? {
      ingest: { warmup: 200, rounds: 3, perRound: 300, concurrency: 8, serialPerRound: 50 },
      worker: { warmup: 10, serial: 20, concurrent: 60, concurrency: 8, accounting: 5 },
      cold: { runs: 3, callgrindRuns: 1, alternative: true, sourceMaps: true },
      sync: { orders: 30, unchangedRuns: 2, coverageBudgetMs: 1_000, wideConcurrency: 40 },
      endToEnd: {
        steady: { orders: 100, concurrency: 8 },
        burst: { orders: 200, concurrency: 64 },
        timeoutMs: 120_000,
      },
    }
  : {
      ingest: { warmup: 4000, rounds: 10, perRound: 1000, concurrency: 8, serialPerRound: 100 },
      worker: { warmup: 40, serial: 60, concurrent: 300, concurrency: 8, accounting: 20 },
      cold: { runs: 21, callgrindRuns: 2, alternative: false, sourceMaps: false },
      sync: { orders: 150, unchangedRuns: 3, coverageBudgetMs: 5_000, wideConcurrency: 40 },
      endToEnd: {
        steady: { orders: 500, concurrency: 8 },
        burst: { orders: 2_000, concurrency: 64 },
        timeoutMs: 600_000,
      },
    };

if (values.burst !== undefined) settings.endToEnd.burst.orders = Number(values.burst);

const log = (line: string) => {
  console.log(line);
};

/** A cold start measured by `--cold-start-only` (waited for, up to an hour, if that run is still going). */
async function savedColdStart(file: string): Promise<ColdStartResult> {
  for (let waited = 0; !existsSync(file) && waited < 3_600; waited += 10) {
    if (waited % 300 === 0) log(`waiting for ${file}`);
    await new Promise((resolve) => setTimeout(resolve, 10_000));
  }
  return (JSON.parse(readFileSync(file, "utf8")) as { result: ColdStartResult }).result;
}
const started = performance.now();
const loadStart = os.loadavg();

if (values["cold-start-only"]) {
  const result = await benchColdStart(settings.cold, log);
  writeFileSync(values["cold-start-only"], JSON.stringify({ measuredAt: new Date().toISOString(), result }, null, 2));
  log(`wrote ${values["cold-start-only"]}`);
  process.exit(0);
}

log("starting DynamoDB Local (in memory)");
const dynamodb = await startDynamoDbLocal({ log });
let measured;
try {
  const ingest = await benchIngest(dynamodb.endpoint, settings.ingest, log);
  const worker = await benchWorker(dynamodb.endpoint, settings.worker, log);
  const calibration = await calibrateCapacity(dynamodb.endpoint);
  const sync = await benchSync(dynamodb.endpoint, settings.sync, log);
  const endToEnd: EndToEndResult | undefined = values["skip-end-to-end"]
    ? undefined
    : await benchEndToEnd(dynamodb.endpoint, settings.endToEnd, log);
  measured = { ingest, worker, calibration, sync, endToEnd };
} finally {
  await dynamodb.stop();
}
// After DynamoDB Local stopped, so that its JVM does not compete with the fresh Node processes.
const coldStart: ColdStartResult = values["cold-start-from"]
  ? await savedColdStart(values["cold-start-from"])
  : await benchColdStart(settings.cold, log);

const { ingest, worker, calibration, sync, endToEnd } = measured;
const phase = (kind: string) => {
  const found = worker.phases.find((entry) => entry.kind === kind);
  if (!found) throw new Error(`no worker phase ${kind}`);
  return found;
};
const costs = [
  costPerMillion(
    "A million orders of one product family (1 AX create each)",
    ingest,
    phase("place1"),
    coldStart.service,
  ),
  costPerMillion(
    "A million orders of two product families (the sample: 2 AX creates each)",
    ingest,
    phase("place2"),
    coldStart.service,
  ),
  costPerMillion(
    "A million cancelled tickets (one `order.cancelled` per ticket; its webhook costed as the placement's, a larger body)",
    ingest,
    phase("cancelTicket"),
    coldStart.service,
  ),
];

// `java -version` prints to stderr.
const java = spawnSync("java", ["-version"], { encoding: "utf8" }).stderr.split("\n")[0]?.trim() ?? "java";
const report = renderReport({
  machine: {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpu: os.cpus()[0]?.model.trim() ?? "unknown CPU",
    cores: os.cpus().length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    java,
    dynamodbLocal: `DynamoDB Local from ${EMULATOR_PACKAGE}`,
    loadStart,
    loadEnd: os.loadavg(),
    seconds: (performance.now() - started) / 1000,
    quick,
  },
  ingest,
  worker,
  calibration,
  coldStart,
  sync,
  endToEnd,
  costs,
  syncCost: syncCostPerMillion(sync, coldStart.service, {
    runsPerDay: SYNC_RUNS_PER_DAY,
    confirmedPollsPerDay: SYNC_CONFIRMED_POLLS_PER_DAY,
    stageOpenAxOrders: SYNC_STAGE_OPEN_AX_ORDERS,
  }),
});
writeFileSync(values.out, report);
log(`wrote ${path.relative(process.cwd(), values.out)} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
