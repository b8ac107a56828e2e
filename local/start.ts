// `npm start`: the whole adapter locally, until Ctrl-C. `npm start -- --help` lists the flags. Everything that can
// be checked is checked before anything starts; each failure is one line saying what to do.
import "./quiet-node20";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assertDataFree } from "./data-lock";
import type { LocalStack } from "./stack";
import { StartError, assertPortFree, checkLocalSettings, readFlags, readPort, usage } from "./start-options";

const log = (line: string) => {
  console.log(`[local] ${line}`);
};

/** What the CLI and the demo read to find the running stack. */
function writeStackState(stateFile: string, stack: LocalStack, tableName: string): void {
  const state = {
    url: stack.url,
    dynamodbEndpoint: stack.dynamodbEndpoint,
    tableName,
    axUrl: stack.axUrl,
    pid: process.pid,
  };
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
}

function stopOnSignals(stack: LocalStack, stateFile: string): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(
      `${signal}: stopping… events in flight finish and record AX's answers first (kill -9 ${process.pid} stops at once, ` +
        "and leaves the AX creates it cuts uncertain)",
    );
    rmSync(stateFile, { force: true });
    void stack.stop().then(() => {
      log("stopped");
      process.exit(0);
    });
  };
  process.on("SIGINT", () => {
    stop("SIGINT");
  });
  process.on("SIGTERM", () => {
    stop("SIGTERM");
  });
}

async function main(): Promise<void> {
  const flags = readFlags(process.argv.slice(2));
  if (flags.help) {
    console.log(usage());
    return;
  }
  const port = readPort(process.env);
  checkLocalSettings(process.env);
  await assertPortFree(port);

  // Loaded only now, so that a refusal above is quick: the stack pulls in the AWS SDK and every handler.
  const { LOCAL_TABLE_NAME, defaultDataDir, startLocalStack } = await import("./stack");
  const { banner } = await import("./banner");
  const { logger } = await import("../lib/observability/logger");
  const { prettyLogPrinter } = await import("./pretty-logs");

  // A running stack's data is never deleted nor shared (startLocalStack then takes the folder's lock itself).
  if (flags.fresh || !flags.inMemory) assertDataFree(defaultDataDir);
  if (flags.fresh) rmSync(defaultDataDir, { recursive: true, force: true });
  mkdirSync(defaultDataDir, { recursive: true });
  const stateFile = join(defaultDataDir, "stack.json");

  logger.printWith(prettyLogPrinter());
  const stack = await startLocalStack({ ...(flags.inMemory ? {} : { dataDir: defaultDataDir }), port, log });
  writeStackState(stateFile, stack, process.env.TABLE_NAME ?? LOCAL_TABLE_NAME);
  console.log(banner(stack, { inMemory: flags.inMemory, dataDir: defaultDataDir }));
  stopOnSignals(stack, stateFile);
}

try {
  await main();
} catch (error) {
  console.error(`[local] could not start: ${(error as Error).message}`);
  process.exit(error instanceof StartError ? 2 : 1);
}
