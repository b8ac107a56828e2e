// `npm start` prints the adapter's log records as one readable, coloured line each (JSON stays in AWS):
// `12:04:05.123 INFO  webhook answered  status=202 outcome=accepted webhook_id=msg_… order_id=CH-10001`.
import { styleText } from "node:util";
import type { LogPrinter } from "../lib/observability/logger";

/** Keys every record has, or that say nothing locally (the sampling rate is always 0 here). */
const SKIPPED = new Set(["level", "message", "timestamp", "service", "sampling_rate", "xray_trace_id", "cold_start"]);

type Style = Parameters<typeof styleText>[0];
const LEVEL_STYLES: Record<string, Style> = {
  TRACE: "gray",
  DEBUG: "gray",
  INFO: "green",
  WARN: "yellow",
  ERROR: "red",
  CRITICAL: ["red", "bold"],
};

function formatValue(value: unknown): string {
  if (typeof value === "string") return /\s/.test(value) ? JSON.stringify(value) : value;
  if (typeof value === "object" && value !== null && "message" in value) {
    // Powertools' rendering of an Error: name, message, location (file:line), stack.
    const error = value as { name?: unknown; message?: unknown; location?: unknown };
    const text = (field: unknown, fallback: string) => (typeof field === "string" && field ? field : fallback);
    const where = typeof error.location === "string" && error.location ? ` (${error.location})` : "";
    return JSON.stringify(`${text(error.name, "Error")}: ${text(error.message, "")}${where}`);
  }
  return JSON.stringify(value);
}

/** One line per record; `colour` false gives the same text without escape codes (a pipe, a file, NO_COLOR). */
export function formatLogLine(attributes: Record<string, unknown>, colour: boolean): string {
  // The caller decides (it knows the stream); styleText would otherwise look at stdout itself.
  const paint = (style: Style, text: string) => (colour ? styleText(style, text, { validateStream: false }) : text);
  const level = typeof attributes.level === "string" ? attributes.level : "INFO";
  const time = typeof attributes.timestamp === "string" ? attributes.timestamp.slice(11, 23) : "";
  const fields = Object.entries(attributes)
    .filter(([key, value]) => !SKIPPED.has(key) && value !== undefined)
    .map(([key, value]) => `${paint("dim", `${key}=`)}${formatValue(value)}`);
  return [
    paint("dim", time),
    paint(LEVEL_STYLES[level] ?? "white", level.padEnd(5)),
    typeof attributes.message === "string" ? attributes.message : formatValue(attributes.message),
    ...fields,
  ]
    .filter((part) => part !== "")
    .join(" ");
}

export function prettyLogPrinter(stream: NodeJS.WriteStream = process.stdout): LogPrinter {
  const colour = stream.isTTY && !process.env.NO_COLOR;
  return (attributes) => {
    stream.write(`${formatLogLine(attributes, colour)}\n`);
  };
}
