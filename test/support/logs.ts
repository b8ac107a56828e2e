// The adapter's log lines, as a test reads them: what the stack writes to stdout and stderr.
import { vi } from "vitest";
import { logger } from "../../lib/observability/logger";

/** Everything written to stdout and stderr, with the adapter's logs at DEBUG, until `restore`. */
export function captureLogs(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  };
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(capture);
  logger.setLogLevel("DEBUG");
  return {
    lines,
    restore: () => {
      logger.setLogLevel("SILENT");
      stdout.mockRestore();
      stderr.mockRestore();
    },
  };
}
