// One local stack per data folder: two stacks on one DynamoDB Local folder would each run a worker, a stream reader
// and a sweeper over the same events, and `--fresh` would delete a running stack's data under it.
//
// The lock is an advisory lock (flock(2)) on `stack.lock` in the folder, which the kernel releases the moment its
// holder is gone, however it went: stopped, killed with `kill -9`, or killed and never reaped. Node has no flock of
// its own, so the lock is held by a small child process, util-linux's `flock` running `cat` on a pipe from the
// stack: when the stack dies its end of the pipe closes (the kernel closes a process's files as it dies, before
// anyone reaps it), `cat` ends and the lock is released. A check of the holder's pid would be fooled twice: a killed
// process that its parent has not reaped (a zombie, e.g. in a container whose first process never reaps) still
// answers `kill(pid, 0)`, and a pid can be reused by another process. The file itself only says who holds the lock
// (pid, start time, URL), for the refusal; it is never deleted (a lock on a deleted file would lock nothing).
// Where `flock` is missing (it is part of every Linux; macOS has none), the pid check is what is left.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

export class DataInUseError extends Error {
  constructor(dataDir: string, holder: LockHolder | undefined) {
    super(
      holder
        ? `the local data in ${dataDir} is in use by a running stack (pid ${holder.pid}, started ${holder.started_at}` +
            `${holder.url ? `, ${holder.url}` : ""}): stop it first (Ctrl-C in its terminal, or kill ${holder.pid})`
        : `the local data in ${dataDir} is in use by another stack that is starting: stop it first`,
    );
    this.name = "DataInUseError";
  }
}

export interface LockHolder {
  pid: number;
  started_at: string;
  url?: string;
}

export const lockFile = (dataDir: string) => join(dataDir, "stack.lock");

/** flock's exit status when the lock is still held by another process after the wait. */
const HELD = 75;
// A short wait, not none: a stack just killed lets go of the lock a moment later (its keeper reads the end of its
// pipe and exits), and a restart right after the kill must not be refused for that moment.
const flockArgs = (file: string) => ["--timeout", "2", "--conflict-exit-code", String(HELD), file];

let flockAvailable: boolean | undefined;
function hasFlock(): boolean {
  flockAvailable ??= spawnSync("flock", ["--version"], { stdio: "ignore" }).error === undefined;
  return flockAvailable;
}

function readHolder(dataDir: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(lockFile(dataDir), "utf8")) as LockHolder;
  } catch {
    return undefined; // no file yet, or its holder is writing it this very moment
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, someone else's
  }
}

/** Whether another process holds the folder now (with flock: tried, and let go of at once if taken). */
export function dataInUse(dataDir: string): boolean {
  if (!hasFlock()) {
    const holder = readHolder(dataDir);
    return holder !== undefined && holder.pid !== process.pid && isAlive(holder.pid);
  }
  mkdirSync(dataDir, { recursive: true });
  return spawnSync("flock", [...flockArgs(lockFile(dataDir)), "true"], { stdio: "ignore" }).status === HELD;
}

/** Throws DataInUseError when another process holds the folder. */
export function assertDataFree(dataDir: string): void {
  if (dataInUse(dataDir)) throw new DataInUseError(dataDir, readHolder(dataDir));
}

export interface DataLock {
  /** Adds the stack's URL once it is known (shown to whoever is refused). */
  describe(url: string): void;
  /** Gives the folder up; resolves once another stack can take it. */
  release(): Promise<void>;
}

/** Takes the folder for this process, or throws DataInUseError naming the stack that holds it. */
export async function lockDataDir(dataDir: string): Promise<DataLock> {
  mkdirSync(dataDir, { recursive: true });
  const holder: LockHolder = { pid: process.pid, started_at: new Date().toISOString() };
  const describeHolder = () => {
    writeFileSync(lockFile(dataDir), JSON.stringify(holder));
  };
  if (!hasFlock()) {
    assertDataFree(dataDir);
    describeHolder();
    return {
      describe: (url) => {
        holder.url = url;
        describeHolder();
      },
      release: () => Promise.resolve(),
    };
  }
  const keeper = await holdFlock(lockFile(dataDir));
  if (!keeper) throw new DataInUseError(dataDir, readHolder(dataDir));
  describeHolder();
  return {
    describe: (url) => {
      holder.url = url;
      describeHolder();
    },
    release: () =>
      new Promise<void>((released) => {
        if (keeper.exitCode !== null || keeper.signalCode !== null) {
          released();
          return;
        }
        keeper.once("exit", () => {
          released();
        });
        keeper.ref(); // until it has exited: a stop waiting for nothing else must not end before the lock is free
        keeper.stdin?.end(); // `cat` reads the end of its input and exits: the lock goes with it
      }),
  };
}

/**
 * Starts the process that holds the lock: `flock` takes it (or exits with HELD after its wait), says so, and runs
 * `cat`, which lives as long as this process keeps its input open. Resolves with it, or undefined when it is held.
 */
async function holdFlock(file: string): Promise<ChildProcess | undefined> {
  const keeper = spawn("flock", [...flockArgs(file), "sh", "-c", "echo locked && exec cat"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  keeper.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: keeper.stdout });
  const taken = await new Promise<boolean>((resolve, reject) => {
    lines.once("line", () => {
      resolve(true);
    });
    keeper.once("exit", (code) => {
      if (code === HELD) resolve(false);
      else reject(new Error(`could not lock ${file}: flock exited with ${String(code)} ${stderr.trim()}`));
    });
    keeper.once("error", reject);
  });
  lines.close();
  // The keeper never holds this process up: it is ended by release(), or goes when this process goes.
  keeper.unref();
  for (const stream of [keeper.stdin, keeper.stdout, keeper.stderr]) (stream as { unref?: () => void }).unref?.();
  return taken ? keeper : undefined;
}
