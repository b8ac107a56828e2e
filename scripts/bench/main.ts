// `npm run bench [-- --quick] [-- --out FILE]`: what a webhook costs, measured side by side on this machine, in one
// run — ingest against a floor, the worker, the status sync at 10,000 and 100,000 open AX orders, what the functions
// log, cold start on Node 22, and a year of a million orders a month priced — written to BENCHMARKS.md.
import "../../local/quiet-node20";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { logger } from "../../lib/observability/logger";
import { EMULATOR_PACKAGE, startDynamoDbLocal } from "../../local/dynamodb/emulator";
import { calibrateCapacity } from "./calibration";
import { benchColdStart, type ColdStartResult } from "./cold-start";
import { DEFAULT_MODEL, keptBytesForRatio, monthCost, type MeasuredCosts } from "./cost";
import { benchEndToEnd, type EndToEndResult } from "./end-to-end";
import { benchIngest } from "./ingest";
import { benchLogs } from "./logs";
import { MONTH_LIMIT_RATIO, renderReport } from "./report";
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
      cold: { runs: 3, callgrindRuns: 1, traced: ["receiveWebhook", "processEvent"] },
      sync: { sizes: [10_000, 100_000], runs: 2 },
      logs: 20,
      endToEnd: {
        steady: { orders: 100, concurrency: 8 },
        burst: { orders: 200, concurrency: 64 },
        timeoutMs: 120_000,
      },
    }
  : {
      ingest: { warmup: 4000, rounds: 10, perRound: 1000, concurrency: 8, serialPerRound: 100 },
      worker: { warmup: 40, serial: 60, concurrent: 300, concurrency: 8, accounting: 20 },
      cold: { runs: 21, callgrindRuns: 2, traced: ["receiveWebhook", "processEvent"] },
      sync: { sizes: [10_000, 100_000], runs: 3 },
      logs: 100,
      endToEnd: {
        steady: { orders: 500, concurrency: 8 },
        burst: { orders: 2_000, concurrency: 64 },
        timeoutMs: 600_000,
      },
    };

if (values.burst !== undefined) settings.endToEnd.burst.orders = Number(values.burst);

// The adapter's own logs at ERROR while the benchmarks run (retries are expected there), as a level set on the logger
// rather than by POWERTOOLS_LOG_LEVEL (scripts/quiet-logs.ts): the Lambda middleware puts the environment's level
// back at every invocation, and the log benchmarks run the handlers as Lambda does, at prod's INFO.
logger.setLogLevel("ERROR");

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
  const sync = await benchSync(dynamodb.endpoint, settings.sync, DEFAULT_MODEL, log);
  const logs = await benchLogs(dynamodb.endpoint, settings.logs, log);
  const endToEnd: EndToEndResult | undefined = values["skip-end-to-end"]
    ? undefined
    : await benchEndToEnd(dynamodb.endpoint, settings.endToEnd, log);
  measured = { ingest, worker, calibration, sync, logs, endToEnd };
} finally {
  await dynamodb.stop();
}
// After DynamoDB Local stopped, so that its JVM does not compete with the fresh Node processes.
const coldStart: ColdStartResult = values["cold-start-from"]
  ? await savedColdStart(values["cold-start-from"])
  : await benchColdStart(settings.cold, log);

const { ingest, worker, calibration, sync, logs, endToEnd } = measured;
const phase = (kind: string) => {
  const found = worker.phases.find((entry) => entry.kind === kind);
  if (!found) throw new Error(`no worker phase ${kind}`);
  return found;
};
const place = phase("place1");
const cancel = phase("cancelTicket");
const largest = sync.scales.at(-1);
const readPerItem = largest
  ? largest.runs.reduce((sum, run) => sum + run.rcu, 0) /
    Math.max(
      1,
      largest.runs.reduce((sum, run) => sum + run.itemsRead, 0),
    )
  : 0;
const measuredCosts: MeasuredCosts = {
  service: coldStart.service,
  receiver: {
    billedMs: ingest.ours.serial.billedMean,
    wcu: ingest.ours.perCall.wcu,
    rcu: ingest.ours.perCall.rcu,
    logBytes: logs.receiver.bytes,
  },
  placement: {
    billedMs: place.serial.billedMean,
    wcu: place.billed?.wcu ?? place.perEvent.wcu,
    rcu: place.perEvent.rcu,
    logBytes: logs.placement.bytes,
  },
  cancellation: {
    billedMs: cancel.serial.billedMean,
    wcu: cancel.billed?.wcu ?? cancel.perEvent.wcu,
    rcu: cancel.perEvent.rcu,
    logBytes: logs.cancellation.bytes,
  },
  forwarder: { billedMs: logs.forwarder.billedMs, logBytes: logs.forwarder.bytes },
  sync: {
    rcuPerItem: readPerItem,
    idleRcu: sync.idleRun.rcu,
    queriesPerRun: sync.idleRun.queries,
    idleWcu: sync.idleRun.wcu,
    idleBilledMs: Math.max(20, sync.idleRun.wallMs),
    idleLogBytes: sync.idleRun.logBytes,
    changeWcu: sync.change.wcu,
    deliveryWcu: sync.change.deliveryWcu,
    changeLogBytes: sync.change.logBytes,
    moveWcu: sync.moveWcu,
    leaveWcu: sync.leaveWcu,
  },
  storage: sync.storage,
};
const months = [1, 12].map((month) => monthCost(measuredCosts, DEFAULT_MODEL, month));

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
  logs,
  model: DEFAULT_MODEL,
  months,
  keptBytesForAim: keptBytesForRatio(measuredCosts, DEFAULT_MODEL, MONTH_LIMIT_RATIO),
});
writeFileSync(values.out, report);
log(`wrote ${path.relative(process.cwd(), values.out)} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
