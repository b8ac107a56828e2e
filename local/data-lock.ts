// One local stack per data folder: two stacks on one DynamoDB Local folder would each run a worker, a stream reader
// and a sweeper over the same events, and `--fresh` would delete a running stack's data under it.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";

export class DataInUseError extends Error {
  constructor(dataDir: string, holder: LockHolder) {
    super(
      `the local data in ${dataDir} is in use by a running stack (pid ${holder.pid}, started ${holder.started_at}` +
        `${holder.url ? `, ${holder.url}` : ""}): stop it first (Ctrl-C in its terminal, or kill ${holder.pid})`,
    );
    this.name = "DataInUseError";
  }
}

interface LockHolder {
  pid: number;
  started_at: string;
  url?: string;
}

const lockFile = (dataDir: string) => join(dataDir, "stack.lock");

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, someone else's
  }
}

/** The running stack that holds the folder, if any (a lock left by a killed process does not count). */
export function lockHolder(dataDir: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(lockFile(dataDir), "utf8")) as LockHolder;
    return holder.pid !== process.pid && isAlive(holder.pid) ? holder : undefined;
  } catch {
    return undefined;
  }
}

/** Throws DataInUseError when another live process holds the folder. */
export function assertDataFree(dataDir: string): void {
  const holder = lockHolder(dataDir);
  if (holder) throw new DataInUseError(dataDir, holder);
}

export interface DataLock {
  /** Adds the stack's URL once it is known (shown to whoever is refused). */
  describe(url: string): void;
  release(): void;
}

/** Takes the folder for this process; a lock left by a process that is gone is taken over. */
export function lockDataDir(dataDir: string): DataLock {
  mkdirSync(dataDir, { recursive: true });
  const file = lockFile(dataDir);
  const holder: LockHolder = { pid: process.pid, started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx"); // atomic: of two stacks starting at once, one creates it
      writeSync(fd, JSON.stringify(holder));
      closeSync(fd);
      return {
        describe: (url) => {
          holder.url = url;
          writeFileSync(file, JSON.stringify(holder));
        },
        release: () => {
          if (lockHolderRaw(file)?.pid === process.pid) rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      assertDataFree(dataDir);
      rmSync(file, { force: true }); // left by a process that is gone
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}

function lockHolderRaw(file: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as LockHolder;
  } catch {
    return undefined;
  }
}
