// Structured JSON logs (Powertools Logger). Only ids and codes are logged, never names, phones or emails.
import { Logger, type LogItem } from "@aws-lambda-powertools/logger";

/** Prints one log record; `attributes` are what the JSON line would hold (level, message, timestamp, keys). */
export type LogPrinter = (attributes: Record<string, unknown>) => void;

/** Powertools' logger, whose records a local tool may print for people instead of as JSON lines. */
class AdapterLogger extends Logger {
  #printer: LogPrinter | undefined;

  /** The local stack prints readable lines; in AWS nothing calls this, and every record is one JSON line. */
  printWith(printer: LogPrinter | undefined): void {
    this.#printer = printer;
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    if (!this.#printer) {
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    this.#printer(log.getAttributes());
  }
}

export const logger = new AdapterLogger({ serviceName: "ax-channel-adapter" });
