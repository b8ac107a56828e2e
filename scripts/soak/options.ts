// The soak's flags: one table gives parseArgs its options, --help its text, and the checks their ranges. The defaults
// are the deployed stage's timeouts: DynamoDB's 2 s per attempt, and AX's timeout as the worker runs it in AWS
// (serverless.yml sets no AX_TIMEOUT_MS, so the config's default applies).
import { parseArgs } from "node:util";
import { DEFAULT_AWS_REQUEST_TIMEOUT_MS, DEFAULT_AX_TIMEOUT_MS } from "../../lib/config";

export interface SoakOptions {
  orders: number;
  faults: number;
  parallel: number;
  crashAt: number;
  stallAt: number;
  stallSeconds: number;
  axTimeoutMs: number;
  awsRequestTimeoutMs: number;
  slowAnswers: number;
  slowMs: [number, number];
  slowSpells: [number, number];
  operatorRounds: number;
  seed: number;
  keepData: boolean;
}

interface Flag {
  value: string;
  help: string;
}

const FLAGS: Record<string, Flag> = {
  orders: { value: "10000", help: "orders the channel sends, each with one or two families" },
  faults: { value: "0.2", help: "share of orders that meet AX faults (creates, cancels, status calls)" },
  parallel: { value: "8", help: "channel senders at once (24: a burst)" },
  "crash-at": { value: "0.4", help: "kill -9 of the stack's process group after this share of the orders (1: never)" },
  "stall-at": { value: "0.7", help: "DynamoDB Local stopped (SIGSTOP) after this share of the orders (1: never)" },
  "stall-seconds": { value: "8", help: "how long the stall lasts" },
  "ax-timeout-ms": { value: String(DEFAULT_AX_TIMEOUT_MS), help: "the adapter's AX timeout (the deployed one)" },
  "aws-request-timeout-ms": {
    value: String(DEFAULT_AWS_REQUEST_TIMEOUT_MS),
    help: "the adapter's DynamoDB timeout per attempt (the deployed one; the local stack's own is 10000)",
  },
  "slow-answers": {
    value: "0.15",
    help: "share of DynamoDB's answers held back during a slow spell; the writes land at once (0: no latency)",
  },
  "slow-ms": { value: "1000-3500", help: "how long a held-back answer waits, MIN-MAX (around the 2 s timeout)" },
  "slow-spells": { value: "15/60", help: "slow spells of SPELL seconds in every EVERY seconds" },
  "operator-rounds": {
    value: "",
    help: "rounds of the operator's actions racing the worker (default: one per 1,000 orders, at least one)",
  },
  seed: { value: "42", help: "the mix of orders, faults and races is the same for a seed" },
};

/** Every flag the soak takes (the docs' commands are checked against them). */
export const SOAK_FLAGS: readonly string[] = [...Object.keys(FLAGS), "keep-data", "help"];

export const usage = (): string =>
  [
    "usage: npm run soak -- [options]",
    "",
    "Drives a local stack (in a process of its own) as a busy channel would while AX fails, DynamoDB is slow and",
    "stalls, the stack is killed with kill -9 and an operator acts on orders the worker is busy with; then audits",
    "what AX holds against the table and what the channel sent. Exits 1 when a promise broke.",
    "",
    "options:",
    ...Object.entries(FLAGS).map(
      ([name, flag]) =>
        `  --${`${name} <value>`.padEnd(32)}${flag.help}${flag.value ? ` (default ${flag.value})` : ""}`,
    ),
    `  --${"keep-data".padEnd(32)}keep the stack's data folder after the run`,
    `  --${"help".padEnd(32)}this text`,
  ].join("\n");

export class SoakUsageError extends Error {}

function number(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < min || value > max)
    throw new SoakUsageError(`--${name} takes a number from ${min} to ${max}, not "${text}"`);
  return value;
}

function pair(name: string, text: string, separator: string): [number, number] {
  const [low = "", high = "", ...rest] = text.split(separator);
  const first = number(name, low, 0, 600_000);
  const second = number(name, high, first, 600_000);
  if (rest.length > 0) throw new SoakUsageError(`--${name} takes two numbers, e.g. ${FLAGS[name]?.value ?? ""}`);
  return [first, second];
}

/** The options, or undefined when --help was asked (the usage is printed). */
export function readSoakOptions(argv: string[]): SoakOptions | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(Object.keys(FLAGS).map((name) => [name, { type: "string" as const }])),
        "keep-data": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new SoakUsageError(`${(error as Error).message.replace(/\. To specify.*$/s, "")} (npm run soak -- --help)`);
  }
  if (parsed.values.help === true) return undefined;
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const text = (name: string): string => {
    const given = values[name];
    return typeof given === "string" ? given : (FLAGS[name]?.value ?? "");
  };
  const orders = number("orders", text("orders"), 1, 1_000_000);
  const [spell, every] = pair("slow-spells", text("slow-spells"), "/");
  if (every <= 0) throw new SoakUsageError("--slow-spells needs a cycle longer than 0 seconds");
  return {
    orders,
    faults: number("faults", text("faults"), 0, 1),
    parallel: number("parallel", text("parallel"), 1, 1_000),
    crashAt: number("crash-at", text("crash-at"), 0, 1),
    stallAt: number("stall-at", text("stall-at"), 0, 1),
    stallSeconds: number("stall-seconds", text("stall-seconds"), 0, 600),
    axTimeoutMs: number("ax-timeout-ms", text("ax-timeout-ms"), 100, 600_000),
    awsRequestTimeoutMs: number("aws-request-timeout-ms", text("aws-request-timeout-ms"), 100, 600_000),
    slowAnswers: number("slow-answers", text("slow-answers"), 0, 1),
    slowMs: pair("slow-ms", text("slow-ms"), "-"),
    slowSpells: [spell, every],
    operatorRounds:
      text("operator-rounds") === ""
        ? Math.max(1, Math.ceil(orders / 1_000))
        : number("operator-rounds", text("operator-rounds"), 0, 10_000),
    seed: number("seed", text("seed"), 0, 2_147_483_647),
    keepData: parsed.values["keep-data"] === true,
  };
}
