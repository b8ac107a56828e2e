// Cold start: packages the service as `npm run package` does (osls + serverless-esbuild, offline), reads each
// function's minified bundle out of its zip, and times importing it in a fresh Node process next to importing an
// empty module. For comparison it also builds the bundles with the other choice about the AWS SDK (bundled vs
// `@aws-sdk/*` left to the Lambda runtime), with esbuild and the same options serverless-esbuild passes.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
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
  /** Median wall time of `node <bundle>` (spawn to exit), with the deployed NODE_OPTIONS. */
  wallMs: number;
  /** Median time of `await import(bundle)` measured inside the fresh process. */
  importMs: number;
  /** The same two without NODE_OPTIONS (no --enable-source-maps); packaged bundles only. */
  wallMsNoOptions?: number;
  importMsNoOptions?: number;
}

export interface ColdStartResult {
  runs: number;
  nodeOptions: string;
  sdkExternal: boolean;
  external: string[];
  empty: { wallMs: number; importMs: number; wallMsNoOptions: number; importMsNoOptions: number };
  packaged: BundleFigures[];
  alternative: { sdkExternal: boolean; external: string[]; bundles: BundleFigures[] };
  /** The packaged options with `mainFields` preferring `module`: the SDK's ES builds, which esbuild can tree-shake. */
  esModules?: { mainFields: string[]; bundles: BundleFigures[] };
  /** The receiver's bundle by package (bytes in the output), built with the packaged options. */
  composition: { fn: string; bytes: number; parts: { name: string; bytes: number }[] };
  packageSeconds: number;
  service: ServiceFacts;
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

interface Timing {
  wall: number[];
  imported: number[];
}

function timeImport(file: string, env: NodeJS.ProcessEnv, timing: Timing): void {
  let started = performance.now();
  const plain = spawnSync(process.execPath, [file], { env, stdio: ["ignore", "ignore", "pipe"] });
  timing.wall.push(performance.now() - started);
  if (plain.status !== 0) throw new Error(`node ${file} failed: ${plain.stderr.toString()}`);
  started = performance.now();
  const driver = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const measured = spawnSync(process.execPath, ["--input-type=module", "-e", driver], { env });
  if (measured.status !== 0) throw new Error(`importing ${file} failed: ${measured.stderr.toString()}`);
  timing.imported.push(Number(measured.stdout.toString()));
}

export async function benchColdStart(runs: number, log: (line: string) => void): Promise<ColdStartResult> {
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
      Object.entries(config.functions).map(([fn, settings]) => [
        fn,
        settings.memorySize ?? config.provider.memorySize ?? 1024,
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

  const alternativeExternal = sdkExternal
    ? external.filter((entry) => !entry.startsWith("@aws-sdk/"))
    : [...external, "@aws-sdk/*"];
  log(`cold start: building the comparison bundles (external: ${alternativeExternal.join(", ") || "none"})`);
  const alternative = await buildVariant(config, alternativeExternal, path.join(WORK_DIR, "bundles", "alternative"));
  const mainFields = ["module", "main"];
  const declaredMainFields = asStrings(config.custom.esbuild.mainFields);
  let esModules: Awaited<ReturnType<typeof buildVariant>> = [];
  if (declaredMainFields[0] !== "module") {
    log(`cold start: building the comparison bundles (mainFields: ${mainFields.join(", ")})`);
    esModules = await buildVariant(config, external, path.join(WORK_DIR, "bundles", "es-modules"), { mainFields });
  }
  // Where the receiver's bytes come from: the packaged options again, with a metafile (not timed).
  const composition = await bundleComposition(config, external, "receiveWebhook");

  const empty = path.join(WORK_DIR, "bundles", "empty.mjs");
  writeFileSync(empty, "");
  // What a Lambda function gets (serverless.yml `provider.environment`), minus what only AWS resolves.
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_REGION: config.provider.region,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    POWERTOOLS_SERVICE_NAME: "ax-channel-adapter",
    POWERTOOLS_LOG_LEVEL: "INFO",
  };
  const deployed = { ...base, NODE_OPTIONS: nodeOptions };
  const subjects = [
    { key: "empty", file: empty, env: deployed },
    { key: "empty-plain", file: empty, env: base },
    ...packaged.map((bundle) => ({ key: `packaged:${bundle.function}`, file: bundle.entry, env: deployed })),
    ...packaged.map((bundle) => ({ key: `packaged-plain:${bundle.function}`, file: bundle.entry, env: base })),
    ...alternative.map((bundle) => ({ key: `alternative:${bundle.function}`, file: bundle.entry, env: deployed })),
    ...esModules.map((bundle) => ({ key: `es-modules:${bundle.function}`, file: bundle.entry, env: deployed })),
  ];
  const timings = new Map<string, Timing>(subjects.map((subject) => [subject.key, { wall: [], imported: [] }]));
  const fresh = (key: string): Timing => timings.get(key) ?? { wall: [], imported: [] };
  for (let run = 0; run < runs; run++) {
    // Each run starts at another subject, so that none always runs first (or right after the same one).
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[(i + run * 3) % subjects.length];
      if (subject) timeImport(subject.file, subject.env, fresh(subject.key));
    }
    log(`cold start: run ${run + 1}/${runs}`);
  }
  const figures = (key: string) => ({ wallMs: median(fresh(key).wall), importMs: median(fresh(key).imported) });
  return {
    runs,
    nodeOptions,
    sdkExternal,
    external,
    empty: {
      ...figures("empty"),
      wallMsNoOptions: figures("empty-plain").wallMs,
      importMsNoOptions: figures("empty-plain").importMs,
    },
    packaged: packaged.map((bundle) => ({
      ...bundle,
      ...figures(`packaged:${bundle.function}`),
      wallMsNoOptions: figures(`packaged-plain:${bundle.function}`).wallMs,
      importMsNoOptions: figures(`packaged-plain:${bundle.function}`).importMs,
    })),
    alternative: {
      sdkExternal: !sdkExternal,
      external: alternativeExternal,
      bundles: alternative.map((bundle) => ({ ...bundle, ...figures(`alternative:${bundle.function}`) })),
    },
    ...(esModules.length > 0
      ? {
          esModules: {
            mainFields,
            bundles: esModules.map((bundle) => ({ ...bundle, ...figures(`es-modules:${bundle.function}`) })),
          },
        }
      : {}),
    packageSeconds,
    service,
    composition,
  };
}
