// Cold start: packages the service as `npm run package` does (osls + serverless-esbuild, offline), reads each
// function's minified bundle out of its zip, and measures what running it costs a fresh Node process next to an
// empty module: process CPU time (user + system, read by the process itself at exit) over paired runs and, where
// valgrind is installed, instruction counts (callgrind), which do not depend on the machine's load. On this Node and
// on Node 22 (Lambda's runtime; the npm registry's `node-<os>-<arch>` package, unpacked under .cache/node22). For
// comparison it also builds the bundles with `@aws-sdk/*` left to the Lambda runtime, with esbuild and the same
// options serverless-esbuild passes.
import { spawn, spawnSync } from "node:child_process";
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
import { build, type BuildOptions } from "esbuild";
import { zipEntries } from "../zip";
import { median } from "./load";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** Under the project, so that a bundle's bare imports (an external SDK) resolve from its node_modules. */
export const WORK_DIR = path.join(ROOT, ".cache", "bench");
const OSLS = path.join(ROOT, "node_modules/osls/bin/serverless.js");
export const BENCH_STAGE = "bench";
export const PACKAGE_COMMAND = `npm run package -- --stage ${BENCH_STAGE} --package .cache/bench/package`;

export interface BundleFigures {
  function: string;
  entry: string;
  zipBytes?: number;
  bundleBytes: number;
  mapBytes: number;
}

/** What running one file costs a fresh Node process, against the empty module in the same runs. */
export interface ImportCost {
  /** Median process CPU (user + system) of `node <file>`, ms. */
  cpuMs: number;
  /** Median, lowest and highest of the per-run ratios to the empty module's CPU in the same run. */
  cpuRatio: number;
  cpuRatioRange: [number, number];
  /** Median instructions executed (valgrind callgrind), and the per-run ratios' median and range. */
  instructions?: number;
  instructionRatio?: number;
  instructionRatioRange?: [number, number];
}

export interface NodeRun {
  version: string;
  /** Paired runs of CPU time, and of callgrind (0 when valgrind is not installed). */
  runs: number;
  callgrindRuns: number;
  empty: ImportCost;
  /** The packaged bundles, with the functions' NODE_OPTIONS. */
  packaged: Record<string, ImportCost>;
  /** The packaged bundles with `--enable-source-maps` added (CPU only): what loading their maps would cost. */
  withSourceMaps: Record<string, ImportCost>;
  /** The comparison build, `@aws-sdk/*` external (CPU only). */
  alternative: Record<string, ImportCost>;
}

export interface ColdStartResult {
  nodeOptions: string;
  sdkExternal: boolean;
  external: string[];
  /** serverless.yml `custom.esbuild.alias`: modules replaced at bundling. */
  alias: Record<string, string>;
  packaged: BundleFigures[];
  alternative: { sdkExternal: boolean; external: string[]; bundles: BundleFigures[] };
  /** The worker's bundle (the largest) by package (bytes in the output), built with the packaged options. */
  composition: { fn: string; bytes: number; parts: { name: string; bytes: number }[] };
  packageSeconds: number;
  service: ServiceFacts;
  /** This Node, then Node 22 when it could be had. */
  nodes: NodeRun[];
  /** Why Node 22 or callgrind is missing, if it is. */
  notes: string[];
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
    functions: Record<string, { handler: string; memorySize?: number }>;
  };
}

export interface ServiceFacts {
  region: string;
  runtime: string;
  architecture: string;
  /** Each function's memory (MB), as packaged. */
  memoryMb: Record<string, number>;
}

const asStrings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === "string") : [];

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

/** Unpacks each function's zip under `dir/<function>/`; returns its handler module and sizes. */
function unpack(packageDir: string, dir: string): Omit<BundleFigures, "wallMs" | "importMs">[] {
  return readdirSync(packageDir)
    .filter((file) => file.endsWith(".zip"))
    .sort()
    .map((zipFile) => {
      const fn = zipFile.replace(/\.zip$/, "");
      const entries = zipEntries(path.join(packageDir, zipFile));
      const bundle = entries.find((entry) => entry.name.endsWith(".mjs"));
      if (!bundle) throw new Error(`${zipFile} holds no .mjs bundle`);
      let mapBytes = 0;
      for (const entry of entries) {
        const data = entry.data();
        const target = path.join(dir, fn, entry.name);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, data);
        if (entry.name === `${bundle.name}.map`) mapBytes = data.length;
      }
      return {
        function: fn,
        entry: path.join(dir, fn, bundle.name),
        zipBytes: statSync(path.join(packageDir, zipFile)).size,
        bundleBytes: bundle.data().length,
        mapBytes,
      };
    });
}

/** The bundles built with esbuild from serverless.yml's `custom.esbuild`, as serverless-esbuild passes it. */
async function buildVariant(
  config: ServerlessState["service"],
  external: string[],
  dir: string,
  overrides: BuildOptions = {},
): Promise<Omit<BundleFigures, "wallMs" | "importMs">[]> {
  const {
    exclude: _exclude,
    external: _external,
    outputFileExtension,
    concurrency: _c,
    zipConcurrency: _z,
    packager: _p,
    packagerOptions: _po,
    nativeZip: _n,
    keepOutputDirectory: _k,
    ...options
  } = config.custom.esbuild;
  const extension = typeof outputFileExtension === "string" ? outputFileExtension : ".js";
  const target = /^nodejs(\d+)/.exec(config.provider.runtime)?.[1];
  const figures = [];
  for (const [fn, { handler }] of Object.entries(config.functions)) {
    const module = handler.slice(0, handler.lastIndexOf("."));
    const outfile = path.join(dir, fn, `${module}${extension}`);
    await build({
      bundle: true,
      platform: "node",
      ...(target ? { target: `node${target}` } : {}),
      ...(options as BuildOptions),
      ...overrides,
      external,
      entryPoints: [path.join(ROOT, `${module}.ts`)],
      outfile,
      logLevel: "silent",
    });
    let mapBytes = 0;
    try {
      mapBytes = statSync(`${outfile}.map`).size;
    } catch {
      // no source map
    }
    figures.push({ function: fn, entry: outfile, bundleBytes: statSync(outfile).size, mapBytes });
  }
  return figures.sort((a, b) => a.function.localeCompare(b.function));
}

/** The bytes each package contributes to one function's bundle (esbuild's metafile), largest first. */
async function bundleComposition(
  config: ServerlessState["service"],
  external: string[],
  fn: string,
): Promise<ColdStartResult["composition"]> {
  const handler = config.functions[fn]?.handler ?? "";
  const module = handler.slice(0, handler.lastIndexOf("."));
  const { exclude: _e, external: _x, outputFileExtension: _o, ...options } = config.custom.esbuild;
  const target = /^nodejs(\d+)/.exec(config.provider.runtime)?.[1];
  const result = await build({
    bundle: true,
    platform: "node",
    ...(target ? { target: `node${target}` } : {}),
    ...(options as BuildOptions),
    sourcemap: false,
    external,
    entryPoints: [path.join(ROOT, `${module}.ts`)],
    outfile: path.join(WORK_DIR, "composition", `${fn}.mjs`),
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const parts = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs))
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? "the adapter's own code";
      parts.set(name, (parts.get(name) ?? 0) + bytesInOutput);
    }
  const sorted = [...parts].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
  return { fn, bytes: sorted.reduce((sum, part) => sum + part.bytes, 0), parts: sorted };
}

// ---- timing ----------------------------------------------------------------------------------------------------

const NODE22_DIR = path.join(ROOT, ".cache", "node22");

/** Node 22's binary from the npm registry (`node-<os>-<arch>@22`), unpacked once under .cache/node22. */
function node22(log: (line: string) => void): string | undefined {
  const binary = path.join(NODE22_DIR, "package", "bin", "node");
  if (!existsSync(binary)) {
    mkdirSync(NODE22_DIR, { recursive: true });
    const name = `node-${process.platform}-${process.arch}@22`;
    log(`cold start: npm pack ${name} (into .cache/node22)`);
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

/** Process CPU of `node <file>`, read by the process itself as it exits (a preloaded module prints it). */
function cpuMs(node: string, file: string, env: NodeJS.ProcessEnv, reporter: string): number {
  const run = spawnSync(node, ["--require", reporter, file], { env, stdio: ["ignore", "ignore", "pipe"] });
  const reported = /CPU_US (\d+)/.exec(run.stderr.toString());
  if (run.status !== 0 || !reported?.[1]) throw new Error(`node ${file} failed: ${run.stderr.toString()}`);
  return Number(reported[1]) / 1000;
}

/** Instructions executed by `node <file>` (all its threads), as valgrind's callgrind counts them. */
function instructions(node: string, file: string, env: NodeJS.ProcessEnv): number {
  const run = spawnSync("valgrind", ["--tool=callgrind", "--callgrind-out-file=/dev/null", node, file], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const collected = /Collected : (\d+)/.exec(run.stderr.toString());
  if (run.status !== 0 || !collected?.[1]) throw new Error(`valgrind node ${file} failed: ${run.stderr.toString()}`);
  return Number(collected[1]);
}

interface Subject {
  key: string;
  file: string;
  env: NodeJS.ProcessEnv;
  callgrind: boolean;
}

/** Paired runs: every run measures every subject and the empty module once, in an order rotated run by run. */
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
    for (const subject of rotated(run)) cpu.get(subject.key)?.push(cpuMs(node, subject.file, subject.env, reporter));
    if ((run + 1) % 10 === 0 || run + 1 === settings.runs) log(`cold start: CPU run ${run + 1}/${settings.runs}`);
  }
  for (let run = 0; run < settings.callgrindRuns; run++) {
    for (const subject of rotated(run).filter((candidate) => candidate.callgrind))
      counts.get(subject.key)?.push(instructions(node, subject.file, subject.env));
    log(`cold start: callgrind run ${run + 1}/${settings.callgrindRuns}`);
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
  /** Paired runs of CPU time on each Node. */
  runs: number;
  /** Paired callgrind runs, on Node 22 only (Lambda's runtime: the verdict) — each takes about a minute here. */
  callgrindRuns: number;
  /** Also time the comparison bundles (`@aws-sdk/*` left to the runtime), and the bundles with their maps loaded. */
  alternative: boolean;
  sourceMaps: boolean;
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
  const packaged = unpack(packageDir, path.join(WORK_DIR, "bundles", "packaged"));
  const config = (JSON.parse(readFileSync(path.join(packageDir, "serverless-state.json"), "utf8")) as ServerlessState)
    .service;
  const service: ServiceFacts = {
    region: config.provider.region,
    runtime: config.provider.runtime,
    architecture: config.provider.architecture ?? "x86_64",
    memoryMb: Object.fromEntries(
      Object.entries(config.functions).map(([fn, declared]) => [
        fn,
        declared.memorySize ?? config.provider.memorySize ?? 1024,
      ]),
    ),
  };
  const external = [
    ...asStrings(config.custom.esbuild.external),
    ...asStrings(config.custom.esbuild.exclude).filter((entry) => entry !== "*"),
  ];
  const sdkExternal = external.some((entry) => entry.startsWith("@aws-sdk/"));
  const declared = config.provider.environment?.NODE_OPTIONS;
  const nodeOptions = typeof declared === "string" ? declared : "";
  const declaredAlias = config.custom.esbuild.alias;
  const alias =
    typeof declaredAlias === "object" && declaredAlias !== null
      ? Object.fromEntries(Object.entries(declaredAlias).map(([name, target]) => [name, String(target)]))
      : {};

  const alternativeExternal = sdkExternal
    ? external.filter((entry) => !entry.startsWith("@aws-sdk/"))
    : [...external, "@aws-sdk/*"];
  log(`cold start: building the comparison bundles (external: ${alternativeExternal.join(", ") || "none"})`);
  const alternative = await buildVariant(config, alternativeExternal, path.join(WORK_DIR, "bundles", "alternative"));
  // Where the worker's bytes come from: the packaged options again, with a metafile (not timed).
  const composition = await bundleComposition(config, external, "processEvent");

  const empty = path.join(WORK_DIR, "bundles", "empty.mjs");
  writeFileSync(empty, "");
  const reporter = path.join(WORK_DIR, "cpu-report.cjs");
  writeFileSync(
    reporter,
    `process.on("exit", () => { const u = process.cpuUsage(); require("node:fs").writeSync(2, "\\nCPU_US " + (u.user + u.system) + "\\n"); });\n`,
  );
  // What a Lambda function gets (serverless.yml `provider.environment`), minus what only AWS resolves.
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_REGION: config.provider.region,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    POWERTOOLS_SERVICE_NAME: "ax-channel-adapter",
    POWERTOOLS_LOG_LEVEL: "INFO",
  };
  const deployed = { ...base, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) };
  const withMaps = { ...base, NODE_OPTIONS: `${nodeOptions} --enable-source-maps`.trim() };
  const subjects: Subject[] = [
    { key: "empty", file: empty, env: deployed, callgrind: true },
    ...packaged.map((bundle) => ({
      key: `packaged:${bundle.function}`,
      file: bundle.entry,
      env: deployed,
      callgrind: true,
    })),
    ...packaged
      .filter((bundle) => settings.sourceMaps && bundle.mapBytes > 0)
      .map((bundle) => ({ key: `maps:${bundle.function}`, file: bundle.entry, env: withMaps, callgrind: false })),
    ...(settings.alternative ? alternative : []).map((bundle) => ({
      key: `alternative:${bundle.function}`,
      file: bundle.entry,
      env: deployed,
      callgrind: false,
    })),
  ];
  const notes: string[] = [];
  const valgrind = hasValgrind();
  if (!valgrind) notes.push("valgrind is not installed: no instruction counts");
  const binaries: string[] = [process.execPath];
  const newer = node22(log);
  if (newer) binaries.push(newer);
  else notes.push("Node 22 could not be had from the npm registry: this Node only");

  const nodes: NodeRun[] = [];
  for (const node of binaries) {
    const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
    log(`cold start: ${version}`);
    const callgrindRuns = valgrind && version.startsWith("v22") ? settings.callgrindRuns : 0;
    const costs = measure(node, subjects, { runs: settings.runs, callgrindRuns }, reporter, log);
    const byFunction = (prefix: string) =>
      Object.fromEntries(
        [...costs].filter(([key]) => key.startsWith(prefix)).map(([key, cost]) => [key.slice(prefix.length), cost]),
      );
    const emptyCost = costs.get("empty");
    if (!emptyCost) throw new Error("the empty module was not measured");
    nodes.push({
      version,
      runs: settings.runs,
      callgrindRuns,
      empty: emptyCost,
      packaged: byFunction("packaged:"),
      withSourceMaps: byFunction("maps:"),
      alternative: byFunction("alternative:"),
    });
  }
  return {
    nodeOptions,
    sdkExternal,
    external,
    alias,
    packaged,
    alternative: { sdkExternal: !sdkExternal, external: alternativeExternal, bundles: alternative },
    composition,
    packageSeconds,
    service,
    nodes,
    notes,
  };
}
