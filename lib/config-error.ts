/** A setting is missing or malformed: the message names it (never its value). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
