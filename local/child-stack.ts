// A local stack in a process of its own, for whoever must be able to stop it hard: the crash tests and the soak
// (`kill -9` and restart on the same data). Started as `node --import tsx local/child-stack.ts '<json options>'`;
// prints one JSON line with its URLs once it takes webhooks and one when its start-up sweep is over (it runs in the
// background), and stops as `npm start` does on SIGINT or SIGTERM (no new work, calls in flight finish), printing
// `{"stopped":true}`. It stops the same way when its standard input
// ends: its parent is gone (a test run or a soak interrupted), and a stack in a process group of its own would
// otherwise live on.
import "./quiet-node20";
import { logger } from "../lib/observability/logger";
import { slowSpells, type SlowSpells } from "./dynamodb/latency-proxy";
import { startLocalStack, type LocalStackOptions } from "./stack";

export interface ChildStackOptions {
  dataDir: string;
  /** The HTTP API's port; 0 (default) = any free one. A fixed one survives a restart (the soak's senders keep it). */
  port?: number;
  env?: Record<string, string>;
  syncIntervalMs?: number;
  sweepIntervalMs?: number;
  /** DynamoDB's answers held back in slow spells (the soak's injected latency); none when absent. */
  dynamodbLatency?: SlowSpells;
}

export interface ChildStackReady {
  url: string;
  axUrl: string;
  dynamodbEndpoint: string;
  /** DynamoDB without the injected latency (for an audit). */
  dynamodbDirectEndpoint: string;
  tableName: string;
  adminToken: string;
  webhookSecrets: string;
  pid: number;
}

/** The line the child prints once its start-up sweep is over (null: it gave up or was stopped). */
export interface ChildStackSwept {
  /** `seconds`: how long after the ready line it ended. */
  startupSweep: { requeued: number; seconds: number } | null;
}

const options = JSON.parse(process.argv[2] ?? "{}") as ChildStackOptions;
// Stdout carries the lines the parent reads (ready, stopped); the adapter's log records go to stderr with the rest
// of the log, so that a record written before the ready line (a restart's worker already busy) cannot be taken for it.
logger.printWith((record) => {
  process.stderr.write(`${JSON.stringify(record)}\n`);
});
const stackOptions: LocalStackOptions = {
  env: { ...process.env, ...options.env },
  port: options.port ?? 0,
  dataDir: options.dataDir,
  syncIntervalMs: options.syncIntervalMs ?? 0,
  ...(options.sweepIntervalMs !== undefined ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
  ...(options.dynamodbLatency ? { dynamodbAnswerDelay: slowSpells(options.dynamodbLatency) } : {}),
  log: (line) => {
    process.stderr.write(`[child-stack] ${line}\n`);
  },
};

try {
  const stack = await startLocalStack(stackOptions);
  const ready: ChildStackReady = {
    url: stack.url,
    axUrl: stack.axUrl,
    dynamodbEndpoint: stack.dynamodbEndpoint,
    dynamodbDirectEndpoint: stack.dynamodbDirectEndpoint,
    tableName: stack.store.tableName,
    adminToken: stack.adminToken,
    webhookSecrets: stack.webhookSecrets,
    pid: process.pid,
  };
  const startedAt = Date.now();
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  void stack.startupSweep.then((report) => {
    const swept: ChildStackSwept = {
      startupSweep: report ? { requeued: report.requeued, seconds: (Date.now() - startedAt) / 1000 } : null,
    };
    process.stdout.write(`${JSON.stringify(swept)}\n`);
  });
  if (options.dynamodbLatency) {
    // Read back from the log by the soak (a kill -9 leaves no other trace of it).
    setInterval(() => {
      process.stderr.write(`[child-stack] DynamoDB answers delayed: ${stack.dynamodbAnswersDelayed()}\n`);
    }, 5_000).unref();
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void stack.stop().then(() => {
      process.stdout.write(`${JSON.stringify({ stopped: true })}\n`);
      process.exit(0);
    });
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.stdin.on("end", stop);
  process.stdin.resume();
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
  process.exit(1);
}
