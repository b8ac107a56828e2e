// The parent's side of local/child-stack.ts: start a local stack in its own process, wait for its URLs, stop it
// gently (SIGTERM: calls in flight finish) or hard (SIGKILL: a crash).
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { ChildStackOptions, ChildStackReady } from "./child-stack";

export interface ChildStack {
  ready: ChildStackReady;
  process: ChildProcess;
  /** What the child wrote to stderr (its log). */
  log(): string;
  /** Sends the signal and resolves with the exit code (null after SIGKILL). */
  stop(signal: "SIGTERM" | "SIGINT" | "SIGKILL"): Promise<number | null>;
}

const childScript = resolve(import.meta.dirname, "child-stack.ts");

export class ChildStackError extends Error {}

export async function startChildStack(options: ChildStackOptions, timeoutMs = 90_000): Promise<ChildStack> {
  const child = spawn(process.execPath, ["--import", "tsx", childScript, JSON.stringify(options)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: process.env,
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolveExit) => {
    child.once("exit", (code) => {
      resolveExit(code);
    });
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolveLine, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new ChildStackError(`the child stack did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolveLine(line);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new ChildStackError(`the child stack exited (${String(code)}) before it was ready: ${stderr}`));
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
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      return exited;
    },
  };
}
