// The only reader of process.env (with lib/secrets.ts for the secret settings). Each setting is read when first used and fails with a clear message when absent,
// so a function only needs the variables it uses.

import { ConfigError } from "./config-error";
import { DEFAULT_SYNC_SETTINGS, type SyncSettings } from "./orders/sync-schedule";
import { SecretReader } from "./secrets";

export { ConfigError };

export type Env = Record<string, string | undefined>;

export const DEFAULT_WEBHOOK_MAX_BYTES = 256 * 1024;
export const DEFAULT_AX_TIMEOUT_MS = 10_000;
// Status sync and outbound webhook (issue #7).
export const DEFAULT_SYNC_BUDGET_MS = 60_000;
export const DEFAULT_SYNC_CONCURRENCY = 8;
export const DEFAULT_SYNC_CONFIRMED_INTERVAL_MS = 60 * 60_000;
export const DEFAULT_LOCAL_SYNC_INTERVAL_MS = 60_000;
export const DEFAULT_OUTBOUND_WEBHOOK_TIMEOUT_MS = 5_000;
export const DEFAULT_OUTBOUND_WEBHOOK_MAX_ATTEMPTS = 12;
export const DEFAULT_WAITING_TOO_LONG_MINUTES = 15;
/** Past SQS's 5-minute deduplication window, and long enough that a forwarded event has been picked up. */
export const DEFAULT_SWEEP_STRANDED_AFTER_MS = 10 * 60_000;
/** Past the retries' longest backoff (15 minutes) and a worker's hold of a message (6 minutes), with a margin. */
export const DEFAULT_SWEEP_TRIED_STRANDED_AFTER_MS = 30 * 60_000;
/** AWS SDK calls: a DynamoDB or SQS that does not answer fails fast (a webhook gets its 503 within seconds). */
export const DEFAULT_AWS_CONNECT_TIMEOUT_MS = 1_000;
export const DEFAULT_AWS_REQUEST_TIMEOUT_MS = 2_000;

export interface AdapterConfig {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly webhookMaxBytes: number;
  readonly axBaseUrl: string;
  readonly axTimeoutMs: number;
  readonly dynamodbEndpoint: string | undefined;
  /** The region of the SQS and SSM requests (Lambda sets AWS_REGION). */
  readonly awsRegion: string;
  /** AWS_ENDPOINT_URL_SQS: SQS elsewhere than its regional endpoint (the tests' signed-request server). */
  readonly sqsEndpoint: string | undefined;
  // ---- status sync and outbound webhook (issue #7) ----
  /** How long one sync run keeps starting AX calls (capped by the Lambda's remaining time). */
  readonly syncBudgetMs: number;
  /** AX confirmation calls in flight at once. */
  readonly syncConcurrency: number;
  /** A confirmed AX order near its use date is polled again after this long (undecided ones: every run for a day). */
  readonly syncConfirmedIntervalMs: number;
  /** When the status sync polls an AX order and when it stops (issue 21): the settings SYNC_CONFIRMED_INTERVAL_MS,
   *  SYNC_UNDECIDED_EVERY_RUN_MS, SYNC_NEAR_USE_DATE_MS and SYNC_GRACE_MS. */
  readonly syncSchedule: SyncSettings;
  /** The local stack's sync period; 0 = only when asked (`npm run cli -- sync run`). Not used in AWS. */
  readonly localSyncIntervalMs: number;
  /** Where `order.status_changed` is POSTed; undefined = no outbound webhook (no notification is written). */
  readonly outboundWebhookUrl: string | undefined;
  readonly outboundWebhookTimeoutMs: number;
  /** Attempts before a notification is given up (`dead`, alarmed). */
  readonly outboundWebhookMaxAttempts: number;
  // ---- admin API (issue #13) ----
  /** The stage's dead-letter queue (listed and redriven by operators). */
  readonly deadLetterQueueUrl: string;
  /** A queued event older than this is listed as waiting too long. */
  readonly waitingTooLongMs: number;
  /** An event `queued` and untouched this long, with no attempt, is queued again by the sweeper. */
  readonly sweepStrandedAfterMs: number;
  /** A tried event untouched this long has no live message: the sweeper queues it again (unless dead-lettered). */
  readonly sweepTriedStrandedAfterMs: number;
  /** Connection and per-attempt request timeouts of the AWS SDK clients. */
  readonly awsConnectTimeoutMs: number;
  readonly awsRequestTimeoutMs: number;
  /** Secrets: from SSM in AWS (`<NAME>_PARAM`), from plain variables locally. */
  readonly secrets: SecretReader;
  /** The variables this configuration reads (for the readers of their own part, such as `readOctoConfig`). */
  readonly env: Env;
}

export interface OctoConfig {
  /** The public URL of the OCTO API (`Supplier.endpoint`); undefined: the URL the request came to. */
  endpoint: string | undefined;
  supplierId: string;
  supplierName: string;
  /** The supplier desk's contact: OCTO's `Supplier.contact`, and what AX gets when a reseller gives no e-mail or phone. */
  email: string;
  telephone: string;
  website: string | null;
  /** The calling code AX gets with the desk's phone, or when a reseller's phone and country tell none. */
  callingCode: string;
  holdDefaultMinutes: number;
  holdMaxMinutes: number;
  placingGraceMs: number;
  cacheMs: number;
  /** `name=https://…` pairs: where each reseller's `booking_update` webhooks go (none: no webhooks). */
  webhookUrls: string | undefined;
}

export function readConfig(env: Env = process.env): AdapterConfig {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new ConfigError(`the setting ${name} is not set`);
    return value;
  };
  const { positiveInt, nonNegativeInt } = numberSettings(env);
  const secrets = new SecretReader(env);
  return {
    secrets,
    env,
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
    get awsRegion() {
      return required("AWS_REGION");
    },
    get sqsEndpoint() {
      return env.AWS_ENDPOINT_URL_SQS?.trim() || undefined;
    },
    // ---- status sync and outbound webhook (issue #7) ----
    get syncBudgetMs() {
      return positiveInt("SYNC_BUDGET_MS", DEFAULT_SYNC_BUDGET_MS);
    },
    get syncConcurrency() {
      return positiveInt("SYNC_CONCURRENCY", DEFAULT_SYNC_CONCURRENCY);
    },
    get syncConfirmedIntervalMs() {
      return positiveInt("SYNC_CONFIRMED_INTERVAL_MS", DEFAULT_SYNC_CONFIRMED_INTERVAL_MS);
    },
    get syncSchedule() {
      return {
        confirmedIntervalMs: this.syncConfirmedIntervalMs,
        undecidedEveryRunMs: nonNegativeInt("SYNC_UNDECIDED_EVERY_RUN_MS", DEFAULT_SYNC_SETTINGS.undecidedEveryRunMs),
        nearUseDateMs: nonNegativeInt("SYNC_NEAR_USE_DATE_MS", DEFAULT_SYNC_SETTINGS.nearUseDateMs),
        graceMs: nonNegativeInt("SYNC_GRACE_MS", DEFAULT_SYNC_SETTINGS.graceMs),
      };
    },
    get localSyncIntervalMs() {
      return nonNegativeInt("SYNC_INTERVAL_MS", DEFAULT_LOCAL_SYNC_INTERVAL_MS);
    },
    get outboundWebhookUrl() {
      const value = env.OUTBOUND_WEBHOOK_URL?.trim();
      if (!value) return undefined;
      return checkOutboundWebhookUrl(value);
    },
    get outboundWebhookTimeoutMs() {
      return positiveInt("OUTBOUND_WEBHOOK_TIMEOUT_MS", DEFAULT_OUTBOUND_WEBHOOK_TIMEOUT_MS);
    },
    get sweepStrandedAfterMs() {
      return positiveInt("SWEEP_STRANDED_AFTER_MS", DEFAULT_SWEEP_STRANDED_AFTER_MS);
    },
    get sweepTriedStrandedAfterMs() {
      return positiveInt("SWEEP_TRIED_STRANDED_AFTER_MS", DEFAULT_SWEEP_TRIED_STRANDED_AFTER_MS);
    },
    get awsConnectTimeoutMs() {
      return positiveInt("AWS_CONNECT_TIMEOUT_MS", DEFAULT_AWS_CONNECT_TIMEOUT_MS);
    },
    get awsRequestTimeoutMs() {
      return positiveInt("AWS_REQUEST_TIMEOUT_MS", DEFAULT_AWS_REQUEST_TIMEOUT_MS);
    },
    get outboundWebhookMaxAttempts() {
      return positiveInt("OUTBOUND_WEBHOOK_MAX_ATTEMPTS", DEFAULT_OUTBOUND_WEBHOOK_MAX_ATTEMPTS);
    },
    // ---- admin API (issue #13) ----
    get deadLetterQueueUrl() {
      return required("DLQ_URL");
    },
    get waitingTooLongMs() {
      return positiveInt("WAITING_TOO_LONG_MINUTES", DEFAULT_WAITING_TOO_LONG_MINUTES) * 60_000;
    },
  };
}

/**
 * The OCTO supplier API's settings (issue #20), read apart from `readConfig` so that the functions that never serve
 * OCTO do not carry them.
 */
export function readOctoConfig(env: Env = process.env): OctoConfig {
  const { positiveNumber, nonNegativeInt } = numberSettings(env);
  const text = (name: string, fallback: string) => env[name]?.trim() || fallback;
  return {
    endpoint: env.OCTO_ENDPOINT?.trim() || undefined,
    supplierId: text("OCTO_SUPPLIER_ID", "ax"),
    supplierName: text("OCTO_SUPPLIER_NAME", "AX Cloud via the AX channel adapter"),
    email: text("OCTO_SUPPLIER_EMAIL", "bookings@example.com"),
    telephone: text("OCTO_SUPPLIER_TELEPHONE", "+82 2 0000 0000"),
    website: env.OCTO_SUPPLIER_WEBSITE?.trim() || null,
    callingCode: text("OCTO_SUPPLIER_CALLING_CODE", "82"),
    holdDefaultMinutes: positiveNumber("OCTO_HOLD_DEFAULT_MINUTES", 30),
    holdMaxMinutes: positiveNumber("OCTO_HOLD_MAX_MINUTES", 60),
    placingGraceMs: positiveNumber("OCTO_PLACING_GRACE_MINUTES", 10) * 60_000,
    cacheMs: nonNegativeInt("OCTO_CACHE_MS", 30_000),
    webhookUrls: env.OCTO_WEBHOOK_URLS?.trim() || undefined,
  };
}

/** Readers of numeric settings: the fallback when unset, a ConfigError naming the setting when malformed. */
function numberSettings(env: Env) {
  const read = (name: string, fallback: number, valid: (value: number) => boolean, what: string): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!valid(value)) throw new ConfigError(`the setting ${name} must be ${what}`);
    return value;
  };
  return {
    positiveInt: (name: string, fallback: number) =>
      read(name, fallback, (value) => Number.isInteger(value) && value > 0, "a positive integer"),
    nonNegativeInt: (name: string, fallback: number) =>
      read(name, fallback, (value) => Number.isInteger(value) && value >= 0, "a non-negative integer"),
    positiveNumber: (name: string, fallback: number) =>
      read(name, fallback, (value) => Number.isFinite(value) && value > 0, "a positive number"),
  };
}

/** Hosts plain HTTP may go to: this machine only (the local stack and its tests). */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * The outbound webhook URL: HTTPS (plain HTTP only to a loopback host, i.e. on the local stack), with no user name
 * or password in it (they would travel into error texts and logs). The message never repeats the URL.
 */
export function checkOutboundWebhookUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError("the setting OUTBOUND_WEBHOOK_URL must be an http(s) URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new ConfigError("the setting OUTBOUND_WEBHOOK_URL must be an http(s) URL");
  if (url.username !== "" || url.password !== "")
    throw new ConfigError(
      "the setting OUTBOUND_WEBHOOK_URL must not hold a user name or password: the deliveries are signed (OUTBOUND_WEBHOOK_SECRET)",
    );
  if (url.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname))
    throw new ConfigError(
      "the setting OUTBOUND_WEBHOOK_URL must be an https URL (plain http only to 127.0.0.1 or localhost)",
    );
  return value;
}
