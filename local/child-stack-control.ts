// The parent's side of local/child-stack.ts: start a local stack in its own process, wait for its URLs, stop it
// gently (SIGTERM: calls in flight finish) or hard (SIGKILL: a crash). The stack runs in a process group of its own,
// as a job started from a terminal does, so that a test can also do what a terminal does to the whole group: Ctrl-C
// (SIGINT to every process of the group, DynamoDB Local included) or `kill -9` of everything the stack started.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { ChildStackOptions, ChildStackReady, ChildStackSwept } from "./child-stack";

export type StopSignal = "SIGTERM" | "SIGINT" | "SIGKILL";

export interface ChildStack {
  ready: ChildStackReady;
  process: ChildProcess;
  /**
   * What the start-up sweep queued again, once it is over (it runs after the stack is ready); undefined when it gave
   * up, or the stack stopped first.
   */
  startupSweep: Promise<ChildStackSwept["startupSweep"] | undefined>;
  /** What the child wrote to stderr (its log). */
  log(): string;
  /** Sends the signal to the stack's process alone and resolves with its exit code (null after SIGKILL). */
  stop(signal: StopSignal): Promise<number | null>;
  /**
   * Sends the signal to the stack's whole process group, as a terminal does (Ctrl-C: SIGINT), and resolves with
   * the stack process's exit code (null after SIGKILL).
   */
  stopGroup(signal: StopSignal): Promise<number | null>;
}

export const childStackScript = resolve(import.meta.dirname, "child-stack.ts");

export class ChildStackError extends Error {}

/**
 * What each process of the group is doing (state, elapsed and CPU time, memory, command), for the error of a start
 * that did not finish: a start given up on must say where it stood.
 */
export function describeProcessGroup(pgid: number): string {
  const ps = spawnSync("ps", ["-e", "-o", "pid=,pgid=,stat=,etime=,time=,rss=,args="], { encoding: "utf8" });
  if (ps.error || ps.status !== 0) return "(ps could not list the processes)";
  const rows = ps.stdout
    .split("\n")
    .filter((row) => row.trim().split(/\s+/)[1] === String(pgid))
    .map((row) => row.trim().replace(/\s+/g, " ").slice(0, 300));
  return rows.length > 0 ? rows.join("\n") : "(no process left in its group)";
}

/**
 * Starts the stack and resolves once it is ready. The timeout is a last resort: each step of the child's start is
 * bounded and says when it is slow, and a step that fails ends the child with its own error. So it is set above the
 * child's own limits (DynamoDB Local may take 5 minutes on a busy machine, then each start-up step up to 5 more).
 */
export async function startChildStack(options: ChildStackOptions, timeoutMs = 900_000): Promise<ChildStack> {
  const child = spawn(process.execPath, ["--import", "tsx", childStackScript, JSON.stringify(options)], {
    // Standard input stays open while this process lives: the child stops when it ends (see child-stack.ts).
    stdio: ["pipe", "pipe", "pipe"],
    env: process.env,
    detached: true,
  });
  const pid = child.pid ?? 0;
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let exitSignal: string | null = null;
  const exited = new Promise<number | null>((resolveExit) => {
    child.once("exit", (code, signal) => {
      exitSignal = signal;
      resolveExit(code);
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const signalGroup = (signal: StopSignal) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone already
    }
  };
  const lines = createInterface({ input: child.stdout });
  // Listened for from the start: its line may come in the same chunk as the ready line.
  const startupSweep = new Promise<ChildStackSwept["startupSweep"] | undefined>((resolveSweep) => {
    lines.on("line", (line) => {
      if (line.startsWith('{"startupSweep"')) resolveSweep((JSON.parse(line) as ChildStackSwept).startupSweep);
    });
    void exited.then(() => {
      resolveSweep(undefined);
    });
  });
  const first = await new Promise<string>((resolveLine, reject) => {
    const timer = setTimeout(() => {
      const processes = describeProcessGroup(pid);
      signalGroup("SIGKILL");
      reject(
        new ChildStackError(
          `the child stack did not start within ${timeoutMs} ms; its processes then:\n${processes}\nits log: ` +
            (stderr.slice(-4_000) || "(empty)"),
        ),
      );
    }, timeoutMs);
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolveLine(line);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      const how = exitSignal ? `on ${exitSignal}` : `with code ${String(code)}`;
      reject(
        new ChildStackError(`the child stack exited ${how} before it was ready; its log: ${stderr.slice(-4_000)}`),
      );
    });
  });
  const parsed = JSON.parse(first) as ChildStackReady | { error: string };
  if ("error" in parsed) {
    await exited;
    throw new ChildStackError(parsed.error);
  }
  return {
    ready: parsed,
    startupSweep,
    process: child,
    log: () => stderr,
    stop: (signal) => {
      if (running()) child.kill(signal);
      return exited;
    },
    stopGroup: (signal) => {
      if (running()) signalGroup(signal);
      return exited;
    },
  };
}
