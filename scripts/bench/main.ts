// `npm run bench [-- --quick] [-- --out FILE]`: what a webhook costs, measured side by side on this machine, in one
// run — ingest against a floor, the worker, cold start, and the cost per million — written to BENCHMARKS.md.
import "../../local/quiet-node20";
import "../quiet-logs";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { EMULATOR_PACKAGE, startDynamoDbLocal } from "../../local/dynamodb/emulator";
import { calibrateCapacity } from "./calibration";
import { benchColdStart } from "./cold-start";
import { costPerMillion } from "./cost";
import { benchIngest } from "./ingest";
import { renderReport } from "./report";
import { benchWorker } from "./worker";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string", default: path.resolve(import.meta.dirname, "../../BENCHMARKS.md") },
  },
});
const quick = values.quick;
const settings = quick
  ? {
      ingest: { warmup: 200, rounds: 3, perRound: 300, concurrency: 8, serialPerRound: 50 },
      worker: { warmup: 10, serial: 20, concurrent: 60, concurrency: 8, accounting: 5 },
      importRuns: 3,
    }
  : {
      ingest: { warmup: 4000, rounds: 10, perRound: 1000, concurrency: 8, serialPerRound: 100 },
      worker: { warmup: 40, serial: 60, concurrent: 300, concurrency: 8, accounting: 20 },
      importRuns: 9,
    };

const log = (line: string) => {
  console.log(line);
};
const started = performance.now();
const loadStart = os.loadavg();

log("starting DynamoDB Local (in memory)");
const dynamodb = await startDynamoDbLocal({ log });
let measured;
try {
  const ingest = await benchIngest(dynamodb.endpoint, settings.ingest, log);
  const worker = await benchWorker(dynamodb.endpoint, settings.worker, log);
  const calibration = await calibrateCapacity(dynamodb.endpoint);
  measured = { ingest, worker, calibration };
} finally {
  await dynamodb.stop();
}
// After DynamoDB Local stopped, so that its JVM does not compete with the fresh Node processes.
const coldStart = await benchColdStart(settings.importRuns, log);

const { ingest, worker, calibration } = measured;
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
  costs,
});
writeFileSync(values.out, report);
log(`wrote ${path.relative(process.cwd(), values.out)} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
