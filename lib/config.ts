// The only reader of process.env (with lib/secrets.ts for the secret settings). Each setting is read when first used and fails with a clear message when absent,
// so a function only needs the variables it uses.

import { ConfigError } from "./config-error";
import { SecretReader } from "./secrets";

export { ConfigError };

type Env = Record<string, string | undefined>;

export const DEFAULT_WEBHOOK_MAX_BYTES = 256 * 1024;
export const DEFAULT_AX_TIMEOUT_MS = 10_000;

export interface AdapterConfig {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly webhookMaxBytes: number;
  readonly axBaseUrl: string;
  readonly axTimeoutMs: number;
  readonly dynamodbEndpoint: string | undefined;
  /** Secrets: from SSM in AWS (`<NAME>_PARAM`), from plain variables locally. */
  readonly secrets: SecretReader;
}

export function readConfig(env: Env = process.env): AdapterConfig {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new ConfigError(`the setting ${name} is not set`);
    return value;
  };
  const positiveInt = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`the setting ${name} must be a positive integer`);
    return value;
  };
  const secrets = new SecretReader(env);
  return {
    secrets,
    get tableName() {
      return required("TABLE_NAME");
    },
    get queueUrl() {
      return required("QUEUE_URL");
    },
    get webhookMaxBytes() {
      return positiveInt("WEBHOOK_MAX_BYTES", DEFAULT_WEBHOOK_MAX_BYTES);
    },
    get axBaseUrl() {
      const value = required("AX_BASE_URL");
      if (!/^https?:\/\/[^\s]+$/.test(value)) throw new ConfigError("the setting AX_BASE_URL must be an http(s) URL");
      return value.replace(/\/+$/, "");
    },
    get axTimeoutMs() {
      return positiveInt("AX_TIMEOUT_MS", DEFAULT_AX_TIMEOUT_MS);
    },
    get dynamodbEndpoint() {
      return env.AWS_ENDPOINT_URL_DYNAMODB?.trim() || undefined;
    },
  };
}
