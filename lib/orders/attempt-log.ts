// An order's attempt log: what was tried for it, when, by whom, and what came of it — every AX call the worker made
// (its request with personal data masked, AX's status and answer or error, the duration, the correlation id), every
// processing of an event (applied, parked, waiting, retried, dead-lettered) and every operator's action. It is what
// an operator reads to understand an order's story; the order itself stays the truth. Kept with a TTL (the
// settled event's) in the order's own log partition. Pure: the store writes and reads the entries.
import { maskPersonalData, maskText } from "../personal-data";
import { SETTLED_EVENT_TTL_DAYS, type AuditRecord } from "./model";

export type AttemptKind = "ax_call" | "processed" | "retried" | "dead_lettered" | "operator";

export interface AttemptLogEntry {
  order_id: string;
  at: string;
  kind: AttemptKind;
  /** Who: an operator's token name, or the adapter's part that acted ("worker"). */
  actor: string;
  /** What happened, in one line. */
  summary: string;
  webhook_id?: string;
  /** The API Gateway request id of the delivery that stored the event: ties this to the logs. */
  correlation_id?: string;
  /** An AX call: its endpoint, path, AX's HTTP status, its outcome code and how long it took. */
  endpoint?: string;
  path?: string;
  http_status?: number;
  outcome?: string;
  duration_ms?: number;
  /** The request body sent to AX, as JSON, personal data masked. */
  request?: string;
  /** AX's answer, or what went wrong, personal data masked. */
  answer?: string;
  /** Unix seconds when the entry goes (DynamoDB's TTL). */
  expires_at: number;
}

/** Writes attempt log entries (each its own item: writing one twice leaves two lines, so each is written once). */
export interface AttemptLog {
  recordAttempts(entries: readonly AttemptLogEntry[]): Promise<void>;
}

/** An operator's action as it is recorded: its audit entry, and the lines of each order's log it touches. */
export interface ActionRecords {
  audit: AuditRecord;
  log: AttemptLogEntry[];
}

/** Request and answer bodies are kept to this many characters (the entry stays far under DynamoDB's item size). */
export const MAX_BODY_CHARS = 16_000;

export const expiresAt = (at: string) => Math.floor(Date.parse(at) / 1000) + SETTLED_EVENT_TTL_DAYS * 86_400;

/** The log line of an operator's action on one order (written in the same transaction as the action). */
export function operatorEntry(
  audit: AuditRecord,
  orderId: string,
  summary: string,
  webhookId?: string,
): AttemptLogEntry {
  return {
    order_id: orderId,
    at: audit.at,
    kind: "operator",
    actor: audit.actor,
    summary,
    ...(webhookId !== undefined ? { webhook_id: webhookId } : {}),
    expires_at: expiresAt(audit.at),
  };
}

/** What an AX call was, as the AX client reports it (lib/ax/client.ts `AxCallInfo`). */
export interface AxCallReport {
  endpoint: string;
  path?: string;
  status?: number;
  outcome: string;
  durationMs: number;
  request?: unknown;
  answer?: string;
  error?: string;
}

/** Where an entry belongs: the event being worked on, and the delivery that stored it. */
export interface AttemptContext {
  order_id: string;
  webhook_id?: string | undefined;
  correlation_id?: string | undefined;
}

const ids = (context: AttemptContext) => ({
  order_id: context.order_id,
  ...(context.webhook_id !== undefined ? { webhook_id: context.webhook_id } : {}),
  ...(context.correlation_id !== undefined ? { correlation_id: context.correlation_id } : {}),
});

/** The log line of one AX call: its request and answer masked, what came of it in one line. */
export function axCallEntry(
  report: AxCallReport,
  context: AttemptContext,
  at: string,
  actor = "worker",
): AttemptLogEntry {
  const answered = report.status !== undefined ? `HTTP ${report.status}` : "no answer";
  const why = report.error ? `: ${maskText(report.error.slice(0, 500))}` : "";
  return {
    ...ids(context),
    at,
    kind: "ax_call",
    actor,
    summary: `AX ${report.endpoint} → ${answered}, ${report.outcome}${why}`,
    endpoint: report.endpoint,
    ...(report.path !== undefined ? { path: report.path } : {}),
    ...(report.status !== undefined ? { http_status: report.status } : {}),
    outcome: report.outcome,
    duration_ms: Math.round(report.durationMs),
    ...(report.request !== undefined ? { request: maskedBody(report.request) } : {}),
    ...(report.answer !== undefined && report.answer !== "" ? { answer: maskedBody(report.answer) } : {}),
    expires_at: expiresAt(at),
  };
}

/** The log line of one processing of an event by the worker: its outcome, or why it goes back to the queue. */
export function processingEntry(
  context: AttemptContext,
  at: string,
  what:
    | { kind: "processed"; status: string; reason?: string | undefined; detail?: string | undefined }
    | { kind: "retried" | "dead_lettered"; error: string; receiveCount: number },
): AttemptLogEntry {
  const summary =
    what.kind === "processed"
      ? `event ${context.webhook_id ?? ""} ${what.status === "failed" ? "parked" : what.status}${what.reason ? `: ${what.reason}` : ""}${what.detail ? ` (${what.detail.slice(0, 500)})` : ""}`
      : what.kind === "retried"
        ? `event ${context.webhook_id ?? ""} failed on receive ${what.receiveCount} and goes back to the queue: ${what.error}`
        : `event ${context.webhook_id ?? ""} failed on its last receive (${what.receiveCount}) and goes to the dead-letter queue: ${what.error}`;
  return { ...ids(context), at, kind: what.kind, actor: "worker", summary, expires_at: expiresAt(at) };
}

const clip = (text: string) => (text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}… (cut)` : text);

/**
 * A body for the log: JSON re-serialised with personal data masked, or masked text; cut to MAX_BODY_CHARS. The JSON
 * is kept compact (the console indents it to show it): indenting was about a quarter of an AX create's log line, which
 * every order keeps for 90 days.
 */
export function maskedBody(body: unknown): string {
  if (typeof body === "string") {
    try {
      return clip(JSON.stringify(maskPersonalData(JSON.parse(body) as unknown)));
    } catch {
      return clip(maskText(body));
    }
  }
  return clip(JSON.stringify(maskPersonalData(body)));
}
