// The parent's side of local/child-stack.ts: start a local stack in its own process, wait for its URLs, stop it
// gently (SIGTERM: calls in flight finish) or hard (SIGKILL: a crash). The stack runs in a process group of its own,
// as a job started from a terminal does, so that a test can also do what a terminal does to the whole group: Ctrl-C
// (SIGINT to every process of the group, DynamoDB Local included) or `kill -9` of everything the stack started.
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { ChildStackOptions, ChildStackReady } from "./child-stack";

export type StopSignal = "SIGTERM" | "SIGINT" | "SIGKILL";

export interface ChildStack {
  ready: ChildStackReady;
  process: ChildProcess;
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

export async function startChildStack(options: ChildStackOptions, timeoutMs = 300_000): Promise<ChildStack> {
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
  const first = await new Promise<string>((resolveLine, reject) => {
    const timer = setTimeout(() => {
      signalGroup("SIGKILL");
      reject(new ChildStackError(`the child stack did not start within ${timeoutMs} ms: ${stderr}`));
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
