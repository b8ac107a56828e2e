// BENCHMARKS.md: the figures of one run, the aims they meet or miss, and how they were measured.
import type { CalibrationCase } from "./calibration";
import type { BundleFigures, ColdStartResult } from "./cold-start";
import { PACKAGE_COMMAND } from "./cold-start";
import { PRICES, type CostTable } from "./cost";
import type { IngestResult, IngestSubject } from "./ingest";
import { median, type Summary } from "./load";
import type { WorkerPhase, WorkerResult } from "./worker";

export interface MachineFacts {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  java: string;
  dynamodbLocal: string;
  loadStart: number[];
  loadEnd: number[];
  seconds: number;
  quick: boolean;
}

export interface Report {
  machine: MachineFacts;
  ingest: IngestResult;
  worker: WorkerResult;
  calibration: CalibrationCase[];
  coldStart: ColdStartResult;
  costs: CostTable[];
}

export const BUNDLE_LIMIT_BYTES = 400 * 1024;
export const IMPORT_LIMIT_RATIO = 1.5;
export const INGEST_LIMIT_RATIO = 1.2;

// ---- formatting ------------------------------------------------------------------------------------------------

function table(headers: string[], rows: string[][], align: ("l" | "r")[] = []): string {
  const widths = headers.map((header, column) =>
    Math.max(3, header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const cell = (text: string, column: number) =>
    align[column] === "r" ? text.padStart(widths[column] ?? 0) : text.padEnd(widths[column] ?? 0);
  const line = (cells: string[]) => `| ${cells.map((text, column) => cell(text, column)).join(" | ")} |`;
  const rule = `| ${widths.map((width, column) => (align[column] === "r" ? `${"-".repeat(width - 1)}:` : "-".repeat(width))).join(" | ")} |`;
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

const ms = (value: number) => value.toFixed(1);
const num = (value: number, digits = 0) =>
  value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const kib = (bytes: number) => `${num(bytes / 1024, 1)} KB`;
const ratio = (value: number) => `${value.toFixed(2)}×`;
const usd = (value: number) => `$${value < 10 ? value.toFixed(2) : num(value, 2)}`;
const perUnit = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));
const verdict = (met: boolean) => (met ? "**met**" : "**missed**");

function commands(byCommand: Record<string, number>): string {
  return Object.entries(byCommand)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([command, count]) => `${command.replace(/Command$/, "")} ${perUnit(count)}`)
    .join(", ");
}

// ---- the aims --------------------------------------------------------------------------------------------------

interface Aim {
  aim: string;
  measured: string;
  met: boolean;
  why: string;
}

/** Ours / floor in time per webhook, round by round (each round of ours next to the floor's of the same round). */
function roundRatios(ingest: IngestResult): number[] {
  return ingest.floor.roundsPerSecond.map((floor, round) => floor / (ingest.ours.roundsPerSecond[round] ?? Number.NaN));
}

/** The median of the paired rounds: steadier than the totals when the machine's load drifts during the run. */
function ingestRatio(ingest: IngestResult): number {
  return median(roundRatios(ingest));
}

function placementPhase(worker: WorkerResult): WorkerPhase | undefined {
  return worker.phases.find((phase) => phase.kind === "place1");
}

function aims(report: Report): Aim[] {
  const { ingest, worker, coldStart } = report;
  const result: Aim[] = [];

  const throughputRatio = ingestRatio(ingest);
  const ours = ingest.ours;
  const floor = ingest.floor;
  result.push({
    aim: `Ingest: ours / floor ≤ ${INGEST_LIMIT_RATIO}`,
    measured: `${ratio(throughputRatio)} time per webhook at concurrency ${ingest.settings.concurrency} (median of ${roundRatios(ingest).length} paired rounds, ${ratio(Math.min(...roundRatios(ingest)))}–${ratio(Math.max(...roundRatios(ingest)))}); p50 ${ratio(ours.concurrent.p50 / floor.concurrent.p50)}, p99 ${ratio(ours.concurrent.p99 / floor.concurrent.p99)}; Node CPU ${ratio(ours.cpuMsPerCall / floor.cpuMsPerCall)}`,
    met: throughputRatio <= INGEST_LIMIT_RATIO,
    why:
      throughputRatio <= INGEST_LIMIT_RATIO
        ? ""
        : `Per webhook, ours spends ${ms(ours.cpuMsPerCall)} ms of Node CPU against the floor's ${ms(floor.cpuMsPerCall)} ms — of which the SQS send through the SDK (serialization, SigV4 signing, the answer's deserialization and MD5 check), timed alone, is ${ms(ingest.sqsSendCpuMs)} ms; the rest is schema validation, the SHA-256 of the body and document marshalling — and its one PutItem writes ${perUnit(ours.perCall.wcu)} WCU against ${perUnit(floor.perCall.wcu)}: the stored event carries more attributes and a summary of it (without the body) is projected into the eventsByOrder and eventsByState indexes, so DynamoDB writes the item and two index entries. On this 2-core machine DynamoDB Local shares the CPU, so both show in the throughput.`,
  });

  const ingestWrites = ours.perCall.dynamoRequests;
  const sends = ours.perCall.sqsSends;
  result.push({
    aim: "Ingest: one write and one send per webhook",
    measured: `${commands(ours.perCall.byCommand)}; SQS SendMessage ${perUnit(sends)}`,
    met: ingestWrites === 1 && sends === 1,
    why: ingestWrites === 1 && sends === 1 ? "" : "See the ingest table.",
  });

  const placement = placementPhase(worker);
  if (placement) {
    const by = placement.perEvent.byCommand;
    const met =
      placement.perEvent.dynamoRequests === 3 &&
      (by.QueryCommand ?? 0) + (by.GetItemCommand ?? 0) === 1 &&
      (by.PutItemCommand ?? 0) === 1 &&
      (by.TransactWriteItemsCommand ?? 0) === 1;
    const extraQuery = (by.QueryCommand ?? 0) > 1;
    result.push({
      aim: "Placement (one AX create): one read, one intent write, one transaction",
      measured: commands(by),
      met,
      why: met
        ? ""
        : extraQuery
          ? "An extra Query comes from `applyDeferredCancels` (lib/orders/apply-event.ts → lib/orders/cancel-order.ts), which loads the order again when cancellations wait for the placement. An order of two product families makes one intent write and one transaction per AX create (see the worker table)."
          : "See the worker table.",
    });
  }

  const largest = coldStart.packaged.reduce((max, bundle) => Math.max(max, bundle.bundleBytes), 0);
  const alternativeLargest = coldStart.alternative.bundles.reduce(
    (max, bundle) => Math.max(max, bundle.bundleBytes),
    0,
  );
  const esModulesLargest = coldStart.esModules?.bundles.reduce((max, bundle) => Math.max(max, bundle.bundleBytes), 0);
  result.push({
    aim: "Cold start: every bundle under 400 KB",
    measured: `largest ${kib(largest)}${coldStart.packaged.filter((bundle) => bundle.bundleBytes >= BUNDLE_LIMIT_BYTES).length > 0 ? ` (${coldStart.packaged.filter((bundle) => bundle.bundleBytes >= BUNDLE_LIMIT_BYTES).length} of ${coldStart.packaged.length} over)` : ""}`,
    met: largest < BUNDLE_LIMIT_BYTES,
    why:
      largest < BUNDLE_LIMIT_BYTES
        ? ""
        : `The AWS SDK v3 clients are bundled (see the receiver's composition under Cold start)${declaredModules(coldStart) ? "; esbuild takes their ES module builds (serverless.yml `mainFields`) and tree-shakes them, but the SDK's core, its signing and its protocol code stay" : ": esbuild takes their CommonJS builds, which it cannot tree-shake"}. With \`@aws-sdk/*\` left to the Lambda runtime the largest would be ${kib(alternativeLargest)}, but importing is slower${esModulesLargest !== undefined ? `; with the SDK's ES modules it would be ${kib(esModulesLargest)}` : ""}.`,
  });

  const worst = coldStart.packaged.reduce((max, bundle) => Math.max(max, bundle.wallMs / coldStart.empty.wallMs), 0);
  result.push({
    aim: `Cold start: import under ${IMPORT_LIMIT_RATIO}× the empty module`,
    measured: `worst ${ratio(worst)} (${ms(coldStart.empty.wallMs)} ms for the empty module)`,
    met: worst < IMPORT_LIMIT_RATIO,
    why:
      worst < IMPORT_LIMIT_RATIO
        ? ""
        : `Loading and initialising the AWS SDK v3 clients takes most of it (they are most of each bundle), and \`--enable-source-maps\` (serverless.yml \`NODE_OPTIONS\`) adds the parsing of a multi-megabyte source map at load (${ms(averages(coldStart.packaged).sourceMapMs)} ms here). ${coldStart.esModules ? `The SDK's ES modules would bring the average to ${ratio(averages(coldStart.esModules.bundles).wallMs / coldStart.empty.wallMs)} the empty module` : "The bundles already take the SDK's ES module builds (serverless.yml `mainFields`)"}; leaving the SDK to the runtime makes it worse. Only the health function, which imports nothing, is near the floor.`,
  });
  return result;
}

// ---- sections --------------------------------------------------------------------------------------------------

function latencyCells(summary: Summary): string[] {
  return [num(summary.perSecond), ms(summary.p50), ms(summary.p95), ms(summary.p99)];
}

function ingestSection(ingest: IngestResult): string {
  const s = ingest.settings;
  const row = (label: string, subject: IngestSubject) => [
    label,
    ...latencyCells(subject.concurrent),
    ms(subject.serial.mean),
    ms(subject.cpuMsPerCall),
    commands(subject.perCall.byCommand),
    perUnit(subject.perCall.wcu),
    perUnit(subject.perCall.sqsSends),
  ];
  const o = ingest.ours;
  const f = ingest.floor;
  return [
    "## Ingest: the webhook receiver against a floor",
    "",
    `Both handlers are called in-process with the same kind of API Gateway v2 event (a signed \`order.placed\`, the sample order of local/samples.ts, ${num(ingest.bodyBytes)} bytes), each delivery a new \`webhook-id\`, at a fixed concurrency of ${s.concurrency} (closed loop: a new call as soon as one returns), then one at a time. Warm-up: ${num(s.warmup)} calls each. Then ${s.rounds} rounds of ${num(s.perRound)} calls at concurrency ${s.concurrency} (plus ${num(s.serialPerRound)} one at a time) for each, floor and ours alternating, the order reversed every round. Both write to the same table of one fresh in-memory DynamoDB Local through a DynamoDBClient carrying the same counting middleware.`,
    "",
    `- **ours**: \`createReceiveWebhookHandler\` (functions/receive-webhook.ts) with the deps the Lambda builds — DynamoStore, SqsEventQueue, the secret read through the config — and no metrics (the local stack's choice; logs at ERROR, so the Lambda's one INFO line and one EMF line per webhook are not included). The SQS send goes through a real SQSClient (region, credentials, SigV4, JSON protocol) whose request is answered by a middleware at the end of the stack: the SDK serializes, signs, deserializes and checks the MD5 as it would against SQS, without a network.`,
    "- **floor**: a bare handler that checks the Standard Webhooks signature (HMAC-SHA256, timestamp within 5 minutes, constant-time compare) and makes one conditional PutItem (`attribute_not_exists(pk)`) of the raw body; no schema, no queue.",
    "",
    table(
      [
        "handler",
        `req/s (c=${s.concurrency})`,
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "one at a time: mean ms",
        "Node CPU ms / webhook",
        "DynamoDB requests / webhook",
        "WCU / webhook",
        "SQS sends / webhook",
      ],
      [
        row("floor", f),
        row("ours", o),
        [
          "ours / floor",
          ratio(f.concurrent.perSecond / o.concurrent.perSecond) + " time",
          ratio(o.concurrent.p50 / f.concurrent.p50),
          ratio(o.concurrent.p95 / f.concurrent.p95),
          ratio(o.concurrent.p99 / f.concurrent.p99),
          ratio(o.serial.mean / f.serial.mean),
          ratio(o.cpuMsPerCall / f.cpuMsPerCall),
          "",
          ratio(o.perCall.wcu / f.perCall.wcu),
          "",
        ],
      ],
      ["l", "r", "r", "r", "r", "r", "r", "l", "r", "r"],
    ),
    "",
    `Throughput of each round (req/s), to show the noise: floor ${f.roundsPerSecond.map((value) => num(value)).join(", ")}; ours ${o.roundsPerSecond.map((value) => num(value)).join(", ")}; ours / floor (time) round by round ${roundRatios(ingest).map(ratio).join(", ")} — median ${ratio(ingestRatio(ingest))}, the figure the aim is judged on (the totals' ratio in the table is more exposed to the machine's load drifting during the run). "Node CPU" is the benchmark process's user + system CPU during the concurrent rounds divided by their calls (DynamoDB Local runs in its own process and is not in it).`,
  ].join("\n");
}

function workerSection(worker: WorkerResult, calibration: CalibrationCase[]): string {
  const s = worker.settings;
  const rows = worker.phases.map((phase) => [
    phase.label,
    ...latencyCells(phase.concurrent),
    ms(phase.serial.mean),
    ms(phase.cpuMsPerEvent),
    commands(phase.perEvent.byCommand),
    perUnit(phase.perEvent.rcu),
    perUnit(phase.perEvent.wcu),
    phase.billed ? `${perUnit(phase.billed.wcu)} (${perUnit(phase.billed.wcuIndexesTransactional)})` : "—",
    Object.entries(phase.perEvent.axCalls)
      .map(([endpoint, calls]) => `${endpoint} ${perUnit(calls)}`)
      .join(", "),
  ]);
  const place1 = worker.phases.find((phase) => phase.kind === "place1");
  const place2 = worker.phases.find((phase) => phase.kind === "place2");
  const cancel = worker.phases.find((phase) => phase.kind === "cancelTicket");
  return [
    "## Worker: placements and cancellations",
    "",
    `\`createProcessEventHandler(workerDeps(config, store))\` (functions/process-event.ts), called in-process with SQS-shaped events of one record (test/support/worker.ts), against a fresh table of the same DynamoDB Local and the AX sandbox (local/ax-sandbox/server.ts, in the same process, no faults: it answers at once). The events are stored first, as the receiver would, by an uncounted client; only the worker's requests are counted. Warm-up: ${s.warmup} events of each kind. Then, per kind, ${s.serial} events one at a time (the duration one Lambda invocation sees per record) and ${s.concurrent} at concurrency ${s.concurrency} (throughput); the requests are counted over both. Each order's status is checked afterwards (\`placed\`, then \`partially_cancelled\`). The cancellations cancel one ticket (\`ticket_ids\`) of orders placed in the two-family run.`,
    "",
    table(
      [
        "event",
        `events/s (c=${s.concurrency})`,
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "one at a time: mean ms",
        "Node CPU ms / event",
        "DynamoDB requests / event",
        "RCU / event",
        "WCU / event (DynamoDB Local)",
        "WCU / event (DynamoDB's rule)",
        "AX calls / event",
      ],
      rows,
      ["l", "r", "r", "r", "r", "r", "r", "l", "r", "r", "r", "l"],
    ),
    "",
    `Placed orders per second: ${place1 ? num(place1.concurrent.perSecond) : "?"} (one family), ${place2 ? num(place2.concurrent.perSecond) : "?"} (two families); cancelled tickets per second: ${cancel ? num(cancel.concurrent.perSecond) : "?"}. "Node CPU" includes the AX sandbox, which runs in the same process.`,
    "",
    "Where the requests come from (read from the code):",
    "",
    "- **placement** (lib/orders/place-order.ts): `load` (1 Query: the order and its AX orders) → per AX create: the intent (1 PutItem of the order, conditional on its version) → the AX call → the result (1 TransactWriteItems: the order, its AX orders and the event's outcome). Only when cancellations wait for the placement does `applyDeferredCancels` (lib/orders/apply-event.ts) load the order again (1 Query) to apply them.",
    "- **ticket cancel** (lib/orders/cancel-order.ts): `load` (1 Query) → the claim (1 PutItem of the order with `cancelling`) → the AX call → the result (1 TransactWriteItems: the order without the claim, the AX order with the ticket's new status, the event's outcome).",
    "",
    "DynamoDB Local counts the capacity of transactions differently from DynamoDB. Calibrated in this run on items without index keys:",
    "",
    table(
      ["write", "DynamoDB's rule (WCU)", "DynamoDB Local reported"],
      calibration.map((entry) => [entry.write, String(entry.rule), perUnit(entry.local)]),
      ["l", "r", "r"],
    ),
    "",
    `Single writes match the rule (index writes included, as a probe of \`ReturnConsumedCapacity: "INDEXES"\` shows). So "WCU (DynamoDB Local)" is DynamoDB Local's own count, and "WCU (DynamoDB's rule)" is an estimate of the bill from a separate, untimed pass of ${worker.settings.accounting} events of each kind: every TransactWriteItems is also replayed item by item on a shadow table (each item first set to its state in the real table), DynamoDB Local's count of those single writes is taken, table units are doubled (transactional writes cost two units per KB) and index units counted once, as standard writes; in parentheses, the same with index units doubled too. Single writes are taken as DynamoDB Local counts them. The cost section uses the first figure.`,
  ].join("\n");
}

function bundleRows(bundles: BundleFigures[], empty: ColdStartResult["empty"], withPlain: boolean): string[][] {
  return bundles.map((bundle) => [
    bundle.function,
    bundle.zipBytes !== undefined ? kib(bundle.zipBytes) : "—",
    kib(bundle.bundleBytes),
    kib(bundle.mapBytes),
    ms(bundle.wallMs),
    ratio(bundle.wallMs / empty.wallMs),
    ms(bundle.importMs),
    ...(withPlain
      ? [
          bundle.wallMsNoOptions !== undefined ? ms(bundle.wallMsNoOptions) : "—",
          bundle.importMsNoOptions !== undefined ? ms(bundle.importMsNoOptions) : "—",
        ]
      : []),
  ]);
}

/** Averages over the functions that import something (the health function imports nothing). */
function averages(bundles: BundleFigures[]) {
  const heavy = bundles.filter((bundle) => bundle.function !== "health");
  const average = (pick: (bundle: BundleFigures) => number) =>
    heavy.reduce((total, bundle) => total + pick(bundle), 0) / Math.max(1, heavy.length);
  return {
    size: average((bundle) => bundle.bundleBytes),
    wallMs: average((bundle) => bundle.wallMs),
    sourceMapMs: average((bundle) => bundle.wallMs - (bundle.wallMsNoOptions ?? bundle.wallMs)),
  };
}

function coldStartSection(cold: ColdStartResult): string {
  const headers = ["function", "zip", "bundle (.mjs)", "source map", "`node <bundle>` ms", "× empty", "`import()` ms"];
  const emptyRow = (withPlain: boolean) => [
    "empty module",
    "",
    "0",
    "",
    ms(cold.empty.wallMs),
    "1.00×",
    ms(cold.empty.importMs),
    ...(withPlain ? [ms(cold.empty.wallMsNoOptions), ms(cold.empty.importMsNoOptions)] : []),
  ];
  const alt = cold.alternative;
  const packaged = averages(cold.packaged);
  const alternative = averages(alt.bundles);
  const esModules = cold.esModules ? averages(cold.esModules.bundles) : undefined;
  const slower = alternative.wallMs > packaged.wallMs;
  const composition = cold.composition;
  const shown = composition.parts.slice(0, 12);
  const rest = composition.parts.slice(12).reduce((sum, part) => sum + part.bytes, 0);
  const sdkBytes = composition.parts
    .filter((part) => /^@aws-sdk\/|^@smithy\/|^bowser$|^fast-xml-parser$|^tslib$|^uuid$/.test(part.name))
    .reduce((sum, part) => sum + part.bytes, 0);
  const variantTable = (bundles: BundleFigures[]) =>
    table(headers, [emptyRow(false), ...bundleRows(bundles, cold.empty, false)], ["l", "r", "r", "r", "r", "r", "r"]);
  return [
    "## Cold start: bundle size and import time",
    "",
    `The bundles are the ones \`${PACKAGE_COMMAND}\` writes (osls + serverless-esbuild, offline, with serverless.yml as it is: ${cold.sdkExternal ? `\`${cold.external.join(", ")}\` external` : "the AWS SDK bundled"}; packaging took ${num(cold.packageSeconds, 1)} s). Each function's zip is unpacked under .cache/bench/, and its minified \`.mjs\` is imported in a fresh Node process: the wall time of \`node <bundle>\` from spawn to exit, and the time of \`await import(<bundle>)\` measured inside a fresh \`node --input-type=module -e …\`; the median of ${cold.runs} runs each, all subjects (these bundles, the comparison builds below and the empty module) interleaved. The environment is the function's (serverless.yml \`provider.environment\`: \`NODE_OPTIONS=${cold.nodeOptions}\`, the Powertools settings, the region); the last two columns are the same without \`NODE_OPTIONS\`. The floor is an empty \`.mjs\` in the same folder, run the same way. KB = 1,024 bytes.`,
    "",
    table(
      [...headers, "no NODE_OPTIONS: `node` ms", "no NODE_OPTIONS: `import()` ms"],
      [emptyRow(true), ...bundleRows(cold.packaged, cold.empty, true)],
      ["l", "r", "r", "r", "r", "r", "r", "r", "r"],
    ),
    "",
    `\`--enable-source-maps\` costs about ${ms(packaged.sourceMapMs)} ms per import here: the source map (${kib(cold.packaged.find((bundle) => bundle.function === "receiveWebhook")?.mapBytes ?? 0)} for the receiver) is read and parsed when the bundle loads.`,
    "",
    `Where the ${composition.fn} bundle's ${kib(composition.bytes)} come from (esbuild's metafile, same options; the AWS SDK and its dependencies: ${kib(sdkBytes)}). esbuild resolves each SDK client through its \`main\` field, a CommonJS build it cannot tree-shake, so every command of a client is bundled — the whole SSM client for one GetParameter:`,
    "",
    table(
      ["package", "bytes in the bundle"],
      [
        ...shown.map((part) => [part.name, kib(part.bytes)]),
        ...(rest > 0 ? [[`${composition.parts.length - shown.length} others`, kib(rest)]] : []),
      ],
      ["l", "r"],
    ),
    "",
    `### Comparison: ${alt.sdkExternal ? "`@aws-sdk/*` left to the Lambda runtime" : "the AWS SDK bundled"}`,
    "",
    `Built with esbuild from the same \`custom.esbuild\` options serverless-esbuild passes (target from the runtime, the banner, minify, source maps), with external: ${alt.external.length > 0 ? alt.external.map((entry) => `\`${entry}\``).join(", ") : "none"}. ${alt.sdkExternal ? "The bundles sit under this project, so their `@aws-sdk/*` imports resolve from its node_modules — the same packages (whole, unminified CommonJS builds, one file per package), loaded as the runtime would load its own copy from /var/runtime/node_modules." : ""}`,
    "",
    variantTable(alt.bundles),
    "",
    ...(cold.esModules
      ? [
          `### Comparison: the SDK's ES modules (\`mainFields: [${cold.esModules.mainFields.map((field) => `"${field}"`).join(", ")}]\`)`,
          "",
          "The packaged options plus esbuild's `mainFields` preferring `module`, so that the SDK clients come from their ES builds, which esbuild tree-shakes down to the commands used. Only imported here, not run against AWS.",
          "",
          variantTable(cold.esModules.bundles),
          "",
        ]
      : []),
    "### The decision",
    "",
    cold.sdkExternal
      ? `serverless.yml leaves \`@aws-sdk/*\` to the runtime. Bundling it would make the functions' bundles ${kib(alternative.size)} on average instead of ${kib(packaged.size)}, and their import ${ms(alternative.wallMs)} ms instead of ${ms(packaged.wallMs)} ms here.`
      : `serverless.yml keeps the AWS SDK bundled (\`exclude: []\`). Leaving \`@aws-sdk/*\` to the runtime would bring the functions' bundles from ${kib(packaged.size)} to ${kib(alternative.size)} on average and meet the 400 KB aim, but importing them takes ${ms(alternative.wallMs)} ms instead of ${ms(packaged.wallMs)} ms here: ${slower ? "slower, because the SDK is then loaded from node_modules as whole, unminified CommonJS packages instead of one minified file. A smaller zip does not buy a faster cold start; " : "faster, but "}the functions would also run against whatever SDK version the runtime ships (not the pinned one, and it changes without a deploy), not the one the tests exercise. ${slower ? "So the change was not made." : "The version risk is why the change was not made."}`,
    ...(esModules
      ? [
          "",
          `Taking the SDK's ES modules instead (\`mainFields\` above) keeps the pinned SDK bundled and brings the bundles to ${kib(esModules.size)} on average and their import to ${ms(esModules.wallMs)} ms (${ratio(esModules.wallMs / cold.empty.wallMs)} the empty module): ${esModules.size < BUNDLE_LIMIT_BYTES ? "under" : "still over"} the 400 KB aim, ${esModules.wallMs < packaged.wallMs ? "faster" : "not faster"} than the packaged bundles. It is a one-line change to \`custom.esbuild\` (\`mainFields\`), not made here: it changes which build of every dependency is bundled, so it wants the deploy tests and a trial deployment before it is adopted.`,
        ]
      : []),
  ].join("\n");
}

const MILLION_INVOCATIONS = 1_000_000;

function costSection(costs: CostTable[], service: ColdStartResult["service"]): string {
  const memoryGb = (service.memoryMb.processEvent ?? 1024) / 1024;
  const gbPrice = service.architecture === "arm64" ? PRICES.lambdaArmGbSecond : PRICES.lambdaX86GbSecond;
  const parts = [
    "## Cost per million",
    "",
    `From the figures above: Lambda durations are the mean billed durations (rounded up to the millisecond per call) measured one at a time, times each function's memory in serverless.yml; DynamoDB write units are the receiver's PutItem as DynamoDB Local counts it and the worker's by DynamoDB's rule (the estimate above), read units as DynamoDB Local counts them; one API request per webhook. Prices are AWS list prices, on-demand, first tier, **${PRICES.region}**, ${PRICES.asOf}: the price tables of ap-northeast-2 (Seoul), the stage region in serverless.yml, were not available offline, and DynamoDB and API Gateway cost more there — the quantities do not depend on the region, so multiply them by Seoul's prices for the stage. Sources: ${PRICES.sources.join(", ")}. Free tiers are ignored.`,
    "",
  ];
  for (const cost of costs) {
    parts.push(
      `### ${cost.title}`,
      "",
      table(
        ["item", "quantity", "unit price", "USD", "from"],
        [
          ...cost.lines.map((line) => [
            line.item,
            `${num(line.quantity)} ${line.unit}`,
            line.unitPrice,
            usd(line.usd),
            line.basis,
          ]),
          ["**total**", "", "", `**${usd(cost.total)}**`, ""],
        ],
        ["l", "r", "l", "r", "l"],
      ),
      "",
    );
  }
  const perHundredMs = MILLION_INVOCATIONS * 0.1 * memoryGb * gbPrice;
  parts.push(
    `Not included: the status sync (it polls AX for every AX order that is not final, every 5 minutes, and writes on each change), the read API, CloudWatch logs and metrics (one INFO log line and EMF metrics per invocation), data transfer, retries, and Lambda's idle SQS polling. The durations are this machine's, against DynamoDB Local and an AX sandbox that answers at once: in AWS they are set by DynamoDB's and AX's latency — every 100 ms an invocation waits (an AX create that takes 100 ms longer, say) adds ${num(MILLION_INVOCATIONS * 0.1 * memoryGb)} GB-s, ${usd(perHundredMs)}, per million invocations at ${num(memoryGb * 1024)} MB. At the durations measured here DynamoDB's writes are most of the cost per order; an AX create answered in one second would add ${usd(perHundredMs * 10)} per million orders, still less than they.`,
  );
  return parts.join("\n");
}

export function renderReport(report: Report): string {
  const m = report.machine;
  const allAims = aims(report);
  return [
    "# Benchmarks",
    "",
    `Written by \`npm run bench\` (scripts/bench/) on ${m.date}${m.quick ? " — **a quick run (`--quick`): fewer calls, rougher figures**" : ""}. Do not edit: run it again. The figures are from one machine, in one run, with DynamoDB Local and the AX sandbox on loopback; compare them with each other (ours against the floor, one bundle against the empty module), not with AWS.`,
    "",
    "## Machine and commands",
    "",
    table(
      ["", ""],
      [
        ["CPU", `${m.cpu}, ${m.cores} cores`],
        ["memory", `${num(m.memoryGiB, 1)} GiB`],
        ["OS", m.os],
        [
          "Node",
          `${m.node} (Lambda runs ${report.coldStart.service.runtime}, ${report.coldStart.service.architecture})`,
        ],
        ["Java / DynamoDB Local", `${m.java} / ${m.dynamodbLocal}, in memory`],
        [
          "load average (1 min)",
          `${m.loadStart[0]?.toFixed(2) ?? "?"} at the start, ${m.loadEnd[0]?.toFixed(2) ?? "?"} at the end (other processes on the machine add noise)`,
        ],
        ["duration", `${num(m.seconds)} s`],
      ],
    ),
    "",
    `Run: \`npm run bench\` (\`-- --quick\` for a short smoke run). It starts a fresh in-memory DynamoDB Local (local/dynamodb/emulator.ts, the table from resources/table.json) and the AX sandbox, runs the ingest and worker benchmarks, stops them, packages the service with \`${PACKAGE_COMMAND}\`, times the imports, and writes this file. Java is needed, as for \`npm test\`.`,
    "",
    "## Aims",
    "",
    table(
      ["aim", "measured", "verdict"],
      allAims.map((aim) => [aim.aim, aim.measured, verdict(aim.met)]),
    ),
    "",
    ...allAims.filter((aim) => !aim.met && aim.why).flatMap((aim) => [`- **${aim.aim}** — ${aim.why}`]),
    "",
    ingestSection(report.ingest),
    "",
    workerSection(report.worker, report.calibration),
    "",
    coldStartSection(report.coldStart),
    "",
    costSection(report.costs, report.coldStart.service),
    "",
  ].join("\n");
}

/** Whether serverless.yml already bundles the ES module builds (then the "ES modules" comparison is the packaged one). */
function declaredModules(coldStart: { esModules?: unknown }): boolean {
  return coldStart.esModules === undefined;
}
