// Cold start, measured the way Lambda runs it: the service packaged as `npm run package` does (osls +
// serverless-esbuild, offline), every function serverless.yml declares read out of its zip, and on Node 22 (Lambda's
// runtime; the npm registry's `node-<os>-<arch>@22` binary, unpacked under .cache/node22, when this machine's Node is
// older) in a bare environment — only what Lambda sets and the function's own settings, nothing of this machine's
// (no NODE_EXTRA_CA_CERTS, which makes even an empty module dearer) — each function's import (Lambda's INIT) and its
// import plus a first invocation (a representative event, every AWS endpoint and AX refusing the connection at once:
// everything up to the network runs), each in a fresh process, next to an empty module in the same round, the order
// rotated round by round: process CPU time and, with valgrind's callgrind, instructions executed, which do not depend
// on the machine's load. Also the cause the issue names (an ES-module import of `node:http` against `require`), and
// the cost of Lambda's tracing environment.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { build, type BuildOptions, type Plugin } from "esbuild";
import { sampleOrderPlaced } from "../../local/samples";
import { sqsEvent } from "../../test/support/worker";
import { signWebhook } from "../../lib/channel/signature";
import { zipEntries } from "../zip";
import { median } from "./load";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** Under the project, so that a bundle's bare imports (an external SDK) resolve from its node_modules. */
export const WORK_DIR = path.join(ROOT, ".cache", "bench");
const OSLS = path.join(ROOT, "node_modules/osls/bin/serverless.js");
export const BENCH_STAGE = "bench";
export const PACKAGE_COMMAND = `npm run package -- --stage ${BENCH_STAGE} --package .cache/bench/package`;
/** The bundle's dev secret and tokens of the first invocations (never valid anywhere). */
const BENCH_SECRET = "whsec_YmVuY2gtc2VjcmV0LWZvci10aGUtY29sZC1zdGFydC0=";
const BENCH_TOKEN = "bench-admin-token-0123456789";

export interface BundleFigures {
  function: string;
  /** The module Lambda imports (`functions/<name>.mjs`), unpacked. */
  entry: string;
  zipBytes: number;
  bundleBytes: number;
  mapBytes: number;
}

/** What running one file costs a fresh Node process, against the empty module in the same rounds. */
export interface ImportCost {
  /** Median process CPU (user + system), ms. */
  cpuMs: number;
  /** Median, lowest and highest of the per-round ratios to the empty module's CPU in the same round. */
  cpuRatio: number;
  cpuRatioRange: [number, number];
  /** Median instructions executed (valgrind callgrind), and the per-round ratios' median and range. */
  instructions?: number;
  instructionRatio?: number;
  instructionRatioRange?: [number, number];
}

export interface FunctionColdStart {
  /** Lambda's import of the function's module (the INIT phase). */
  imported: ImportCost;
  /** The import and a first invocation with a representative event, up to the network. */
  firstInvocation: ImportCost;
  /** The event the first invocation got (its kind). */
  event: string;
}

export interface NodeRun {
  version: string;
  runs: number;
  callgrindRuns: number;
  empty: ImportCost;
  functions: Record<string, FunctionColdStart>;
  /** The empty module imported and a no-op handler invoked by the same driver: the driver's own cost. */
  emptyInvocation: ImportCost;
  /** `import http from "node:http"` and `require("node:http")` alone (the cause the issue names). */
  esmHttp: ImportCost;
  requireHttp: ImportCost;
  /** The builtins the worker's bundle loads at its import (all but `node:http`/`node:https`), loaded alone. */
  builtins: ImportCost;
  builtinNames: string[];
  /** The first invocation again with Lambda's tracing environment (`_X_AMZN_TRACE_ID`, the daemon's address). */
  traced: Record<string, ImportCost>;
}

export interface ColdStartResult {
  nodeOptions: string;
  /** serverless.yml `custom.esbuild.alias` and `plugins`: modules replaced, and the plugins' file. */
  alias: Record<string, string>;
  plugins: string | undefined;
  packaged: BundleFigures[];
  /** The worker's implementation by package (bytes in the output), built with the packaged options. */
  composition: { fn: string; bytes: number; parts: { name: string; bytes: number }[] };
  packageSeconds: number;
  service: ServiceFacts;
  /** Node 22 (Lambda's runtime). */
  node: NodeRun;
  /** The DynamoDB client alone (scripts/bench/dynamodb-floor.ts), bundled and measured as the functions are. */
  floor?: { bundleBytes: number; imported: ImportCost; firstInvocation: ImportCost };
  /** The environment every process got (names only), to show it is bare. */
  environment: string[];
  notes: string[];
}

interface ServerlessEvent {
  httpApi?: { method: string; path: string };
  sqs?: unknown;
  stream?: unknown;
  schedule?: unknown;
}

/** The service as osls resolved it (`serverless-state.json` in the package folder). */
interface ServerlessState {
  service: {
    provider: {
      runtime: string;
      region: string;
      architecture?: string;
      memorySize?: number;
      environment?: Record<string, unknown>;
    };
    custom: { esbuild: Record<string, unknown> };
    functions: Record<
      string,
      { handler: string; memorySize?: number; environment?: Record<string, unknown>; events?: ServerlessEvent[] }
    >;
  };
}

export interface ServiceFacts {
  region: string;
  runtime: string;
  architecture: string;
  /** Each function's memory (MB), as packaged. */
  memoryMb: Record<string, number>;
}

// ---- packaging -------------------------------------------------------------------------------------------------

const AWS_CREDENTIALS =
  /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE|CONFIG_FILE|SHARED_CREDENTIALS_FILE)$/;

/** `osls package`, offline: no AWS credentials, config or instance metadata reach it (as in test/deploy). */
function packageService(out: string): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  const home = mkdtempSync(path.join(tmpdir(), "osls-home-"));
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !AWS_CREDENTIALS.test(name))),
    HOME: home,
    TMPDIR: home, // serverless-esbuild leaves a folder per function there: removed with `home`
    AWS_EC2_METADATA_DISABLED: "true",
  };
  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [OSLS, "package", "--stage", BENCH_STAGE, "--package", out], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("close", (code) => {
      rmSync(home, { recursive: true, force: true });
      if (code === 0) resolve();
      else reject(new Error(`osls package failed (exit ${code}):\n${output}`));
    });
  });
}

/** Unpacks each function's zip under `dir/<function>/`; returns its module and sizes. */
function unpack(packageDir: string, dir: string, handlers: Record<string, string>): BundleFigures[] {
  return readdirSync(packageDir)
    .filter((file) => file.endsWith(".zip"))
    .sort()
    .map((zipFile) => {
      const fn = zipFile.replace(/\.zip$/, "");
      const handler = handlers[fn] ?? "";
      const entryName = `${handler.slice(0, handler.lastIndexOf("."))}.mjs`;
      const entries = zipEntries(path.join(packageDir, zipFile));
      let bundleBytes = 0;
      let mapBytes = 0;
      for (const entry of entries) {
        const data = entry.data();
        const target = path.join(dir, fn, entry.name);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, data);
        if (entry.name === entryName) bundleBytes = data.length;
        else if (entry.name.endsWith(".mjs.map")) mapBytes += data.length;
      }
      if (bundleBytes === 0) throw new Error(`${zipFile} holds no ${entryName}`);
      return {
        function: fn,
        entry: path.join(dir, fn, entryName),
        zipBytes: statSync(path.join(packageDir, zipFile)).size,
        bundleBytes,
        mapBytes,
      };
    });
}

/** esbuild with the packaged options (serverless.yml `custom.esbuild`, as osls resolved them) on one entry file. */
function buildPackaged(
  config: ServerlessState["service"],
  plugins: Plugin[],
  entry: string,
  outfile: string,
  output: { write: boolean },
) {
  const {
    exclude: _e,
    external: _x,
    outputFileExtension: _o,
    plugins: _p,
    concurrency: _c,
    zipConcurrency: _z,
    packager: _pk,
    packagerOptions: _po,
    nativeZip: _n,
    keepOutputDirectory: _k,
    ...options
  } = config.custom.esbuild;
  const target = /^nodejs(\d+)/.exec(config.provider.runtime)?.[1];
  return build({
    bundle: true,
    platform: "node",
    ...(target ? { target: `node${target}` } : {}),
    ...(options as BuildOptions),
    plugins,
    sourcemap: false,
    entryPoints: [entry],
    outfile,
    write: output.write,
    metafile: true,
    logLevel: "silent",
  });
}

/** The bytes each package contributes to one function's bundle (esbuild's metafile), largest first. */
async function bundleComposition(
  config: ServerlessState["service"],
  plugins: Plugin[],
  fn: string,
): Promise<ColdStartResult["composition"]> {
  const handler = config.functions[fn]?.handler ?? "";
  const module = handler.slice(0, handler.lastIndexOf("."));
  const result = await buildPackaged(
    config,
    plugins,
    path.join(ROOT, `${module}.ts`),
    path.join(WORK_DIR, "composition", `${fn}.mjs`),
    { write: false },
  );
  const parts = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs))
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? "the adapter's own code";
      parts.set(name, (parts.get(name) ?? 0) + bytesInOutput);
    }
  const sorted = [...parts].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
  return { fn, bytes: sorted.reduce((sum, part) => sum + part.bytes, 0), parts: sorted };
}

/** The DynamoDB floor (scripts/bench/dynamodb-floor.ts) bundled with the packaged options: its module and size. */
async function floorBundle(config: ServerlessState["service"], plugins: Plugin[], dir: string) {
  const entry = path.join(dir, "dynamodb-floor.mjs");
  await buildPackaged(config, plugins, path.join(ROOT, "scripts/bench/dynamodb-floor.ts"), entry, { write: true });
  return { entry, bundleBytes: statSync(entry).size };
}

// ---- Node 22 ---------------------------------------------------------------------------------------------------

const NODE22_DIR = path.join(ROOT, ".cache", "node22");

/** Node 22: this one when it is 22 or newer, else the npm registry's `node-<os>-<arch>@22` binary, unpacked once. */
export function node22(log: (line: string) => void): string | undefined {
  if (Number(process.versions.node.split(".")[0]) === 22) return process.execPath;
  const binary = path.join(NODE22_DIR, "package", "bin", "node");
  if (!existsSync(binary)) {
    mkdirSync(NODE22_DIR, { recursive: true });
    const name = `node-${process.platform}-${process.arch}@22`;
    log(`cold start: npm pack ${name} (into .cache/node22: the binary the npm package node@22 installs)`);
    const packed = spawnSync("npm", ["pack", name, "--pack-destination", NODE22_DIR, "--silent"], {
      encoding: "utf8",
    });
    const tarball = packed.stdout.trim().split("\n").at(-1);
    if (packed.status !== 0 || !tarball) return undefined;
    const unpacked = spawnSync("tar", ["-xzf", path.join(NODE22_DIR, tarball), "-C", NODE22_DIR, "package/bin/node"]);
    rmSync(path.join(NODE22_DIR, tarball), { force: true });
    if (unpacked.status !== 0) return undefined;
  }
  return binary;
}

const hasValgrind = () => spawnSync("valgrind", ["--version"]).status === 0;

// ---- the first invocation ----------------------------------------------------------------------------------------

/** A port nothing listens on: a connection to it is refused at once (the first invocation stops at the network). */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address ? address.port : 9;
}

/** What a catch-all route is asked at a first invocation: OCTO's product list, the admin API's attention page. */
const proxyPath = (route: string) => (route.startsWith("/octo/") ? "products" : "attention");

/** The API Gateway (HTTP API, payload 2.0) event of a request. */
function httpEvent(method: string, route: string, options: { headers?: Record<string, string>; body?: string } = {}) {
  const rawPath = route.replace("{order_id}", "CH-10001").replace("{proxy+}", proxyPath(route));
  const at = Date.now();
  return {
    version: "2.0",
    routeKey: `${method} ${route}`,
    rawPath,
    rawQueryString: "",
    headers: { "content-type": "application/json", ...options.headers },
    ...(route.includes("{order_id}") ? { pathParameters: { order_id: "CH-10001" } } : {}),
    ...(route.includes("{proxy+}") ? { pathParameters: { proxy: proxyPath(route) } } : {}),
    isBase64Encoded: false,
    ...(options.body !== undefined ? { body: options.body } : {}),
    requestContext: {
      accountId: "123456789012",
      apiId: "bench",
      domainName: "bench.execute-api.ap-northeast-2.amazonaws.com",
      domainPrefix: "bench",
      http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "bench" },
      requestId: "bench-request-1",
      routeKey: `${method} ${route}`,
      stage: "$default",
      time: new Date(at).toUTCString(),
      timeEpoch: at,
    },
  };
}

/** A representative first event of a function, from its trigger in serverless.yml (any function, new ones too). */
function firstEvent(events: ServerlessEvent[] = []): { kind: string; event: unknown } {
  const http = events.find((event) => event.httpApi)?.httpApi;
  if (http) {
    const { method, path: route } = http;
    if (method === "POST" && route === "/webhooks/orders") {
      const body = JSON.stringify(sampleOrderPlaced("CH-10001"));
      const webhookId = "msg_bench_first_invocation";
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = signWebhook({ secret: BENCH_SECRET, webhookId, timestamp, body });
      return {
        kind: "a signed order.placed",
        event: httpEvent(method, route, {
          headers: { "webhook-id": webhookId, "webhook-timestamp": String(timestamp), "webhook-signature": signature },
          body,
        }),
      };
    }
    const asked = method === "GET" ? method : "GET";
    return {
      kind: `GET ${route.replace("{order_id}", "CH-10001").replace("{proxy+}", proxyPath(route))}`,
      event: httpEvent(asked, route, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } }),
    };
  }
  if (events.some((event) => event.sqs !== undefined))
    return {
      kind: "an SQS message of a stored event",
      event: sqsEvent({ webhook_id: "msg_bench", order_id: "CH-10001", requeue_seq: 0 }),
    };
  if (events.some((event) => event.stream !== undefined))
    return {
      kind: "a stream record of a queued event",
      event: {
        Records: [
          {
            eventID: "1",
            eventName: "INSERT",
            eventSource: "aws:dynamodb",
            awsRegion: "ap-northeast-2",
            dynamodb: {
              SequenceNumber: "100",
              NewImage: {
                pk: { S: "EVENT#msg_bench" },
                sk: { S: "EVENT" },
                webhook_id: { S: "msg_bench" },
                order_id: { S: "CH-10001" },
                status: { S: "queued" },
                requeue_seq: { N: "0" },
              },
            },
          },
        ],
      },
    };
  return { kind: "the schedule's event", event: {} };
}

/** A Lambda context: what the handlers and Powertools read of it. */
const CONTEXT_SOURCE = `{
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? "bench", functionVersion: "$LATEST",
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "512",
  invokedFunctionArn: "arn:aws:lambda:ap-northeast-2:123456789012:function:bench", awsRequestId: "bench-invocation-1",
  logGroupName: "/aws/lambda/bench", logStreamName: "bench", callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 55000, done() {}, fail() {}, succeed() {},
}`;

/**
 * Imports a bundle and invokes its handler once with the event in a file, as Lambda's runtime would; it reads the
 * file and the module URL with builtins loaded as `require` does (an ES-module import of them would add its own cost).
 */
const DRIVER_SOURCE = `const fs = process.getBuiltinModule("node:fs");
const url = process.getBuiltinModule("node:url");
const [bundle, eventFile] = process.argv.slice(2);
const event = JSON.parse(fs.readFileSync(eventFile, "utf8"));
const { handler } = await import(url.pathToFileURL(bundle).href);
try { await handler(event, ${CONTEXT_SOURCE}); } catch { /* refused at the network: the invocation ran up to it */ }
`;

/** What Lambda's environment holds (the runtime's own variables), for one function; nothing of this machine's. */
function lambdaEnvironment(fn: string, memoryMb: number, region: string): Record<string, string> {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    AWS_LAMBDA_FUNCTION_NAME: `ax-channel-adapter-${BENCH_STAGE}-${fn}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/ax-channel-adapter-${BENCH_STAGE}-${fn}`,
    AWS_LAMBDA_LOG_STREAM_NAME: "2026/12/01/[$LATEST]bench",
    AWS_ACCESS_KEY_ID: "AKIABENCHMARK0000000",
    AWS_SECRET_ACCESS_KEY: "bench-secret-access-key",
    AWS_SESSION_TOKEN: "bench-session-token",
  };
}

/** Lambda's tracing environment when tracing is active (no X-Ray SDK is bundled: this is all it changes here). */
const TRACING_ENV = {
  _X_AMZN_TRACE_ID: "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1",
  AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
  AWS_XRAY_DAEMON_ADDRESS: "169.254.79.129:2000",
};

/**
 * The function's settings as deployed, runnable here: resolved references become names, each secret's SSM name its
 * plain value (so the first invocation goes on to DynamoDB, SQS or AX instead of SSM), every endpoint a refused port.
 */
function functionEnvironment(
  declared: Record<string, unknown>,
  refusedUrl: string,
): { env: Record<string, string>; secrets: string[] } {
  const env: Record<string, string> = {};
  const secrets: string[] = [];
  const plain: Record<string, string> = {
    WEBHOOK_SECRET: BENCH_SECRET,
    ADMIN_TOKEN: BENCH_TOKEN,
    ADMIN_TOKENS: `bench:${BENCH_TOKEN}`,
    AX_API_KEY: "bench-ax-key",
    AX_CHANNEL_CODE: "bench-channel",
    OUTBOUND_WEBHOOK_SECRET: BENCH_SECRET,
    OCTO_RESELLER_KEYS: `bench:${BENCH_TOKEN}`,
    OCTO_WEBHOOK_SECRETS: `bench:${BENCH_SECRET}`,
  };
  for (const [name, value] of Object.entries(declared)) {
    if (name.endsWith("_PARAM")) {
      const secret = name.slice(0, -"_PARAM".length);
      env[secret] = plain[secret] ?? "bench-value";
      secrets.push(secret);
      continue;
    }
    env[name] = typeof value === "string" ? value : `bench-${name.toLowerCase().replaceAll("_", "-")}`;
  }
  if (env.QUEUE_URL?.startsWith("bench-")) env.QUEUE_URL = "https://sqs.ap-northeast-2.amazonaws.com/1/bench.fifo";
  if (env.DLQ_URL?.startsWith("bench-")) env.DLQ_URL = "https://sqs.ap-northeast-2.amazonaws.com/1/bench-dlq.fifo";
  if (env.AX_BASE_URL !== undefined) env.AX_BASE_URL = refusedUrl;
  if (env.OUTBOUND_WEBHOOK_URL !== undefined) env.OUTBOUND_WEBHOOK_URL = "";
  if (env.SYNC_BUDGET_MS !== undefined) env.SYNC_BUDGET_MS = "1000";
  // Logs as in prod, whatever the packaged stage's level.
  if (env.POWERTOOLS_LOG_LEVEL !== undefined) env.POWERTOOLS_LOG_LEVEL = "INFO";
  Object.assign(env, {
    AWS_ENDPOINT_URL_DYNAMODB: refusedUrl,
    AWS_ENDPOINT_URL_SQS: refusedUrl,
    AWS_ENDPOINT_URL_SSM: refusedUrl,
  });
  return { env, secrets };
}

// ---- timing ----------------------------------------------------------------------------------------------------

/** Process CPU of `node <args>`, read by the process itself as it exits (a preloaded module prints it). */
function cpuMs(node: string, args: string[], env: NodeJS.ProcessEnv, reporter: string): number {
  const run = spawnSync(node, ["--require", reporter, ...args], { env, stdio: ["ignore", "ignore", "pipe"] });
  const reported = /CPU_US (\d+)/.exec(run.stderr.toString());
  if (run.status !== 0 || !reported?.[1]) throw new Error(`node ${args.join(" ")} failed: ${run.stderr.toString()}`);
  if (/NODE_EXTRA_CA_CERTS/.test(run.stderr.toString())) throw new Error("the environment is not bare");
  return Number(reported[1]) / 1000;
}

/** Instructions executed by `node <args>` (all its threads), as valgrind's callgrind counts them. */
function instructions(node: string, args: string[], env: NodeJS.ProcessEnv): number {
  const run = spawnSync("valgrind", ["--tool=callgrind", "--callgrind-out-file=/dev/null", node, ...args], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const collected = /Collected : (\d+)/.exec(run.stderr.toString());
  if (run.status !== 0 || !collected?.[1]) throw new Error(`valgrind node failed: ${run.stderr.toString()}`);
  return Number(collected[1]);
}

interface Subject {
  key: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** Paired runs: every round measures every subject and the empty module once, in an order rotated round by round. */
function measure(
  node: string,
  subjects: Subject[],
  settings: { runs: number; callgrindRuns: number },
  reporter: string,
  log: (line: string) => void,
): Map<string, ImportCost> {
  const cpu = new Map<string, number[]>(subjects.map((subject) => [subject.key, []]));
  const counts = new Map<string, number[]>(subjects.map((subject) => [subject.key, []]));
  const rotated = (run: number) => subjects.map((_, i) => subjects[(i + run * 3) % subjects.length] as Subject);
  for (let run = 0; run < settings.runs; run++) {
    for (const subject of rotated(run)) cpu.get(subject.key)?.push(cpuMs(node, subject.args, subject.env, reporter));
    if ((run + 1) % 5 === 0 || run + 1 === settings.runs) log(`cold start: CPU round ${run + 1}/${settings.runs}`);
  }
  for (let run = 0; run < settings.callgrindRuns; run++) {
    for (const subject of rotated(run)) counts.get(subject.key)?.push(instructions(node, subject.args, subject.env));
    log(`cold start: callgrind round ${run + 1}/${settings.callgrindRuns}`);
  }
  const paired = (values: number[], floor: number[]) => values.map((value, i) => value / (floor[i] ?? Number.NaN));
  const range = (values: number[]): [number, number] => [Math.min(...values), Math.max(...values)];
  const emptyCpu = cpu.get("empty") ?? [];
  const emptyCounts = counts.get("empty") ?? [];
  return new Map(
    subjects.map((subject) => {
      const own = cpu.get(subject.key) ?? [];
      const counted = counts.get(subject.key) ?? [];
      const cost: ImportCost = {
        cpuMs: median(own),
        cpuRatio: median(paired(own, emptyCpu)),
        cpuRatioRange: range(paired(own, emptyCpu)),
        ...(counted.length > 0
          ? {
              instructions: median(counted),
              instructionRatio: median(paired(counted, emptyCounts)),
              instructionRatioRange: range(paired(counted, emptyCounts)),
            }
          : {}),
      };
      return [subject.key, cost];
    }),
  );
}

export interface ColdStartSettings {
  /** Paired rounds of CPU time. */
  runs: number;
  /** Paired callgrind rounds — each takes about a minute here. */
  callgrindRuns: number;
  /** The functions whose first invocation is measured again with Lambda's tracing environment. */
  traced: string[];
}

export async function benchColdStart(
  settings: ColdStartSettings,
  log: (line: string) => void,
): Promise<ColdStartResult> {
  rmSync(WORK_DIR, { recursive: true, force: true });
  const packageDir = path.join(WORK_DIR, "package");
  log(`cold start: ${PACKAGE_COMMAND}`);
  const packagingStarted = performance.now();
  await packageService(packageDir);
  const packageSeconds = (performance.now() - packagingStarted) / 1000;
  const config = (JSON.parse(readFileSync(path.join(packageDir, "serverless-state.json"), "utf8")) as ServerlessState)
    .service;
  const handlers = Object.fromEntries(Object.entries(config.functions).map(([fn, { handler }]) => [fn, handler]));
  const packaged = unpack(packageDir, path.join(WORK_DIR, "bundles"), handlers);
  const memoryMb = Object.fromEntries(
    Object.entries(config.functions).map(([fn, declared]) => [
      fn,
      declared.memorySize ?? config.provider.memorySize ?? 1024,
    ]),
  );
  const service: ServiceFacts = {
    region: config.provider.region,
    runtime: config.provider.runtime,
    architecture: config.provider.architecture ?? "x86_64",
    memoryMb,
  };
  const declaredAlias = config.custom.esbuild.alias;
  const alias =
    typeof declaredAlias === "object" && declaredAlias !== null
      ? Object.fromEntries(Object.entries(declaredAlias).map(([name, target]) => [name, String(target)]))
      : {};
  const pluginsFile = typeof config.custom.esbuild.plugins === "string" ? config.custom.esbuild.plugins : undefined;
  const plugins = pluginsFile
    ? ((await import(path.join(ROOT, pluginsFile))) as { default: Plugin[] }).default
    : ([] as Plugin[]);
  // Where the worker's bytes come from: the packaged options again, with a metafile (not timed).
  const composition = await bundleComposition(config, plugins, "processEvent");

  const dir = path.join(WORK_DIR, "bundles");
  const floor = await floorBundle(config, plugins, dir);
  const empty = path.join(dir, "empty.mjs");
  writeFileSync(empty, "");
  const noop = path.join(dir, "noop-handler.mjs");
  writeFileSync(noop, "export const handler = async () => ({});\n");
  const esmHttp = path.join(dir, "esm-http.mjs");
  writeFileSync(esmHttp, 'import http from "node:http";\nhttp.Agent;\n');
  const requireHttp = path.join(dir, "require-http.mjs");
  writeFileSync(
    requireHttp,
    'import { createRequire } from "node:module";\nconst http = createRequire(import.meta.url)("node:http");\nhttp.Agent;\n',
  );
  // The builtins a bundle loads as it is imported (`process.getBuiltinModule` at module scope; HTTP and HTTPS wait
  // for their first use), loaded alone: the part of an import that is Node's, not the bundle's code.
  const worker = packaged.find((bundle) => bundle.function === composition.fn) ?? packaged[0];
  const builtinNames = [
    ...new Set(
      [...readFileSync(worker?.entry ?? empty, "utf8").matchAll(/getBuiltinModule\("(node:[\w/]+)"\)/g)].map(
        (match) => match[1] ?? "",
      ),
    ),
  ]
    .filter((name) => name !== "node:http" && name !== "node:https")
    .sort();
  const builtins = path.join(dir, "builtins.mjs");
  writeFileSync(builtins, builtinNames.map((name) => `process.getBuiltinModule(${JSON.stringify(name)});\n`).join(""));
  const driver = path.join(dir, "first-invocation.mjs");
  writeFileSync(driver, DRIVER_SOURCE);
  const reporter = path.join(WORK_DIR, "cpu-report.cjs");
  writeFileSync(
    reporter,
    `process.on("exit", () => { const u = process.cpuUsage(); require("node:fs").writeSync(2, "\\nCPU_US " + (u.user + u.system) + "\\n" + (process.env.NODE_EXTRA_CA_CERTS ? "NODE_EXTRA_CA_CERTS set\\n" : "")); });\n`,
  );

  const refusedUrl = `https://127.0.0.1:${await refusedPort()}`;
  const declaredOptions = config.provider.environment?.NODE_OPTIONS;
  const nodeOptions = typeof declaredOptions === "string" ? declaredOptions : "";
  const bare = lambdaEnvironment("empty", 512, service.region);
  const subjects: Subject[] = [
    { key: "empty", args: [empty], env: bare },
    { key: "empty-invocation", args: [driver, noop, writeEvent(dir, "empty", {})], env: bare },
    { key: "esm-http", args: [esmHttp], env: bare },
    { key: "require-http", args: [requireHttp], env: bare },
    { key: "builtins", args: [builtins], env: bare },
  ];
  const events: Record<string, string> = {};
  for (const bundle of packaged) {
    const fn = bundle.function;
    const declared = { ...config.provider.environment, ...config.functions[fn]?.environment };
    const { env } = functionEnvironment(declared, refusedUrl);
    const lambda = {
      ...lambdaEnvironment(fn, memoryMb[fn] ?? 1024, service.region),
      ...env,
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    };
    const first = firstEvent(config.functions[fn]?.events);
    events[fn] = first.kind;
    const eventFile = writeEvent(dir, fn, first.event);
    subjects.push(
      { key: `import:${fn}`, args: [bundle.entry], env: lambda },
      { key: `first:${fn}`, args: [driver, bundle.entry, eventFile], env: lambda },
    );
    if (settings.traced.includes(fn))
      subjects.push({
        key: `traced:${fn}`,
        args: [driver, bundle.entry, eventFile],
        env: { ...lambda, ...TRACING_ENV },
      });
  }

  const workerEnv = subjects.find((subject) => subject.key === `first:${composition.fn}`)?.env ?? bare;
  subjects.push(
    { key: "import:floor", args: [floor.entry], env: workerEnv },
    {
      key: "first:floor",
      args: [driver, floor.entry, writeEvent(dir, "floor", { order_id: "CH-10001" })],
      env: workerEnv,
    },
  );

  const notes: string[] = [];
  const valgrind = hasValgrind();
  if (!valgrind) notes.push("valgrind is not installed: no instruction counts");
  const node = node22(log);
  if (!node) throw new Error("Node 22 could not be had from the npm registry: the cold start needs it");
  const version = spawnSync(node, ["--version"], { encoding: "utf8", env: bare }).stdout.trim();
  log(`cold start: ${version}, ${subjects.length} subjects`);
  const costs = measure(
    node,
    subjects,
    { runs: settings.runs, callgrindRuns: valgrind ? settings.callgrindRuns : 0 },
    reporter,
    log,
  );
  const cost = (key: string): ImportCost => {
    const found = costs.get(key);
    if (!found) throw new Error(`${key} was not measured`);
    return found;
  };
  return {
    nodeOptions,
    alias,
    plugins: pluginsFile,
    packaged,
    composition,
    packageSeconds,
    service,
    floor: { bundleBytes: floor.bundleBytes, imported: cost("import:floor"), firstInvocation: cost("first:floor") },
    node: {
      version,
      runs: settings.runs,
      callgrindRuns: valgrind ? settings.callgrindRuns : 0,
      empty: cost("empty"),
      emptyInvocation: cost("empty-invocation"),
      esmHttp: cost("esm-http"),
      requireHttp: cost("require-http"),
      builtins: cost("builtins"),
      builtinNames,
      functions: Object.fromEntries(
        packaged.map((bundle) => [
          bundle.function,
          {
            imported: cost(`import:${bundle.function}`),
            firstInvocation: cost(`first:${bundle.function}`),
            event: events[bundle.function] ?? "",
          },
        ]),
      ),
      traced: Object.fromEntries(
        settings.traced.filter((fn) => costs.has(`traced:${fn}`)).map((fn) => [fn, cost(`traced:${fn}`)]),
      ),
    },
    environment: Object.keys(subjects.find((subject) => subject.key === "first:processEvent")?.env ?? bare).sort(),
    notes,
  };
}

function writeEvent(dir: string, name: string, event: unknown): string {
  const file = path.join(dir, `${name}.event.json`);
  writeFileSync(file, JSON.stringify(event));
  return file;
}
