// What `npm start` checks before it starts anything (flags, PORT, a busy port, settings that cannot work). Each
// failure is one line saying what to do. Light on purpose: nothing here loads the stack.
import { createServer } from "node:net";
import { parseArgs } from "node:util";

/** A reason not to start, said in one line. */
export class StartError extends Error {}

export const FLAGS = {
  fresh: { type: "boolean", help: "delete the local data (.local-data/) first" },
  "in-memory": { type: "boolean", help: "keep nothing: DynamoDB Local runs in memory" },
  help: { type: "boolean", short: "h", help: "print this and exit" },
} as const;

export interface StartFlags {
  fresh: boolean;
  inMemory: boolean;
  help: boolean;
}

export function usage(): string {
  const flags = Object.entries(FLAGS).map(([name, flag]) => `  --${name.padEnd(11)} ${flag.help}`);
  return [
    "Usage: npm start [-- <flags>]",
    "",
    "Runs the whole adapter locally (DynamoDB Local, the AX sandbox, the HTTP API, the worker, the status sync)",
    "until Ctrl-C.",
    "",
    "Flags:",
    ...flags,
    "",
    'Settings are environment variables, e.g. PORT=3001 npm start (docs/operations.md, "Local settings").',
  ].join("\n");
}

export function readFlags(argv: string[]): StartFlags {
  try {
    const { values } = parseArgs({
      args: argv,
      options: FLAGS,
      strict: true,
      allowPositionals: false,
    });
    return { fresh: values.fresh ?? false, inMemory: values["in-memory"] ?? false, help: values.help ?? false };
  } catch (error) {
    const reason = (error as Error).message.split(". ")[0] ?? "unknown flag";
    throw new StartError(`${reason}; \`npm start -- --help\` lists the flags`);
  }
}

/** PORT: the adapter's HTTP API port on 127.0.0.1; 0 = any free port. */
export function readPort(env: Record<string, string | undefined>): number {
  const raw = env.PORT?.trim();
  if (raw === undefined || raw === "") return 3000;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535)
    throw new StartError(`PORT must be a port number from 0 to 65535 (0: any free port), not ${JSON.stringify(raw)}`);
  return port;
}

/** Fails at once when something already listens on the port, before DynamoDB Local and the rest are started. */
export async function assertPortFree(port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE")
        reject(
          new StartError(
            `port ${port} on 127.0.0.1 is in use (another npm start?); set PORT to another one, e.g. PORT=${port + 1} npm start`,
          ),
        );
      else reject(new StartError(`cannot listen on 127.0.0.1:${port}: ${error.message}; set PORT to another port`));
    });
    probe.listen(port, "127.0.0.1", () => {
      probe.close(() => {
        resolve();
      });
    });
  });
}

/** Settings that could only fail later, checked with advice that fits the local stack (no SSM here). */
export function checkLocalSettings(env: Record<string, string | undefined>): void {
  if (env.OUTBOUND_WEBHOOK_URL?.trim() && !env.OUTBOUND_WEBHOOK_SECRET?.trim())
    throw new StartError(
      "OUTBOUND_WEBHOOK_URL is set but OUTBOUND_WEBHOOK_SECRET is not: set it to the whsec_<base64> secret the receiving endpoint checks, e.g. OUTBOUND_WEBHOOK_SECRET=whsec_$(openssl rand -base64 32)",
    );
}
