// Errors of AX calls, classified by what the caller may do next:
//   retry_safe       AX did not process the request (never sent, 429, 503): repeat it, later.
//   outcome_unknown  the request reached AX and we do not know what happened (timeout after sending, reset,
//                    500/502/504, an unreadable 2xx): a create must NOT be repeated blindly; GET/PATCH may be.
//   permanent        AX refused the request (4xx): repeating it will fail the same way; park it with `reason`.
// Messages are plain English with the endpoint, the HTTP status and AX's own message. They never hold the request
// body, which carries personal data, nor what of it AX's answer echoes (masked: lib/personal-data.ts).

import { maskFieldMessage } from "../personal-data";

export type AxEndpoint =
  | "create"
  | "confirmation"
  | "cancel_order"
  | "cancel_ticket"
  // The catalog calls of the OCTO supplier API (issue #20): all GETs, safe to repeat.
  | "product_detail"
  | "price"
  | "inventory";

export type AxDisposition = "retry_safe" | "outcome_unknown" | "permanent";

/** A short code for logs, metrics and parked events. */
export type AxErrorReason =
  | "ax_not_sent"
  | "ax_throttled"
  | "ax_unavailable"
  | "ax_outcome_unknown"
  | "ax_unexpected_response"
  | "ax_request_invalid"
  | "ax_rejected"
  | "ax_auth"
  | "ax_not_found";

/** One field's messages from a DRF error body; nested fields use dotted paths (`options.0.tickets`). */
export interface AxFieldError {
  field: string;
  messages: string[];
}

const endpointLabels: Record<AxEndpoint, string> = {
  create: "create order",
  confirmation: "order confirmation info",
  cancel_order: "full cancel",
  cancel_ticket: "ticket cancel",
  product_detail: "product detail",
  price: "latest price",
  inventory: "inventory availability",
};

interface AxErrorInit {
  endpoint: AxEndpoint;
  status?: number;
  /** AX's own message text (from `detail`, `message` or the field errors), when it sent one. */
  axMessage?: string;
  cause?: unknown;
}

export abstract class AxError extends Error {
  abstract readonly disposition: AxDisposition;
  abstract readonly reason: AxErrorReason;
  readonly endpoint: AxEndpoint;
  readonly status?: number;
  readonly axMessage?: string;

  protected constructor(init: AxErrorInit, what: string) {
    const status = init.status === undefined ? "" : ` answered HTTP ${init.status}`;
    const said = init.axMessage ? ` AX said: ${init.axMessage}` : "";
    super(`AX ${endpointLabels[init.endpoint]} call${status}: ${what}.${said}`, { cause: init.cause });
    this.name = new.target.name;
    this.endpoint = init.endpoint;
    if (init.status !== undefined) this.status = init.status;
    if (init.axMessage) this.axMessage = init.axMessage;
  }
}

/** The request never left this process (connection refused, DNS failure, connect timeout, no credentials). */
export class AxNotSentError extends AxError {
  readonly disposition = "retry_safe";
  readonly reason = "ax_not_sent";
  constructor(endpoint: AxEndpoint, detail: string, cause?: unknown) {
    super({ endpoint, cause }, `the request was not sent (${detail}); it is safe to send it again`);
  }
}

/** 429: AX throttled the call without processing it. */
export class AxThrottledError extends AxError {
  readonly disposition = "retry_safe";
  readonly reason = "ax_throttled";
  readonly retryAfterMs?: number;
  constructor(init: AxErrorInit & { retryAfterMs?: number }) {
    super({ ...init, status: init.status ?? 429 }, `throttled, not processed${retryText(init.retryAfterMs)}`);
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }
}

/** 503 (and 408): AX or its load balancer did not process the call. */
export class AxUnavailableError extends AxError {
  readonly disposition = "retry_safe";
  readonly reason = "ax_unavailable";
  readonly retryAfterMs?: number;
  constructor(init: AxErrorInit & { status: number; retryAfterMs?: number }) {
    super(init, `unavailable, not processed${retryText(init.retryAfterMs)}`);
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }
}

/** The request reached AX and the outcome is unknown (timeout or reset after sending, 500/502/504). */
export class AxOutcomeUnknownError extends AxError {
  readonly disposition = "outcome_unknown";
  readonly reason: AxErrorReason = "ax_outcome_unknown";
  constructor(init: AxErrorInit & { detail: string }) {
    super(init, `${init.detail}; AX may or may not have processed the request`);
  }
}

/** What an answer's body looked like, for logs: never its text, which may echo a request's personal data. */
export type AnswerKind = "empty" | "json" | "html" | "text";

export function classifyAnswer(text: string): AnswerKind {
  const start = text.trimStart();
  if (start === "") return "empty";
  if (start.startsWith("{") || start.startsWith("[")) return "json";
  if (/^<(!doctype|html|head|body|\?xml)/i.test(start)) return "html";
  return "text";
}

/**
 * A 2xx (or unexpected 1xx/3xx) answer this adapter cannot read. For a create the outcome is unknown: AX may have
 * created the order (reconciliation finds it). The answer's text is not kept, only its size and kind: an answer that
 * echoes the request would put personal data in the logs.
 */
export class AxUnexpectedResponseError extends AxOutcomeUnknownError {
  override readonly reason = "ax_unexpected_response";
  readonly responseBytes: number;
  readonly responseKind: AnswerKind;
  constructor(init: Omit<AxErrorInit, "axMessage"> & { problem: string; responseText?: string }) {
    super({ ...init, detail: `the answer could not be read (${init.problem})` });
    const text = init.responseText ?? "";
    this.responseBytes = Buffer.byteLength(text, "utf8");
    this.responseKind = classifyAnswer(text);
  }
}

/**
 * The adapter refused to send a body that breaks the AX request schema: a bug in the translation, permanent.
 * `fieldErrors` name the fields and the rule, never the values.
 */
export class AxRequestInvalidError extends AxError {
  readonly disposition = "permanent";
  readonly reason = "ax_request_invalid";
  readonly fieldErrors: AxFieldError[];
  constructor(endpoint: AxEndpoint, fieldErrors: AxFieldError[]) {
    super({ endpoint }, `the request was not sent because it breaks the AX schema (${describeFields(fieldErrors)})`);
    this.fieldErrors = fieldErrors;
  }
}

/** 400: AX rejected a value. */
export class AxValidationError extends AxError {
  readonly disposition = "permanent";
  readonly reason = "ax_rejected";
  readonly fieldErrors: AxFieldError[];
  constructor(init: Omit<AxErrorInit, "status" | "axMessage"> & { status?: number; fieldErrors: AxFieldError[] }) {
    super(
      { ...init, status: init.status ?? 400, axMessage: describeFields(init.fieldErrors) },
      "AX rejected a value of the request",
    );
    this.fieldErrors = init.fieldErrors;
  }
}

/** 401/403: the API key or channel code is missing or wrong. */
export class AxAuthError extends AxError {
  readonly disposition = "permanent";
  readonly reason = "ax_auth";
  constructor(init: AxErrorInit & { status: number }) {
    super(init, "AX refused the credentials (check the API key and the channel code)");
  }
}

/** 404: AX does not know the order or ticket code (or the path). */
export class AxNotFoundError extends AxError {
  readonly disposition = "permanent";
  readonly reason = "ax_not_found";
  constructor(init: Omit<AxErrorInit, "status">) {
    super({ ...init, status: 404 }, "AX does not know this order or ticket");
  }
}

/** Any other 4xx (405, 409, 415, 422, …). */
export class AxRejectedError extends AxError {
  readonly disposition = "permanent";
  readonly reason = "ax_rejected";
  constructor(init: AxErrorInit & { status: number }) {
    super(init, "AX rejected the request");
  }
}

function retryText(retryAfterMs: number | undefined): string {
  return retryAfterMs === undefined ? "" : `; retry after ${retryAfterMs} ms`;
}

const messageKeys = new Set(["detail", "message", "non_field_errors"]);

function describeFields(fieldErrors: AxFieldError[]): string {
  if (fieldErrors.length === 0) return "no details";
  return fieldErrors
    .map(({ field, messages }) => (messageKeys.has(field) ? messages.join(" ") : `${field}: ${messages.join(" ")}`))
    .join("; ");
}

/**
 * Flattens a Django REST Framework error body into field errors:
 * `{"options": "m"}`, `{"options": ["m"]}`, `{"options": [{}, {"tickets": ["m"]}]}` → `options.1.tickets`,
 * `{"order": {"currency": ["m"]}}` → `order.currency`, `{"detail": "m"}` / `{"message": "m"}` → field `detail`/`message`,
 * a top-level list or string → field `non_field_errors`.
 */
export function flattenDrfErrors(body: unknown): AxFieldError[] {
  const out: AxFieldError[] = [];
  const walk = (value: unknown, path: string): void => {
    if (value === null || value === undefined) return;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      push(path, [cleanMessage(String(value))]);
      return;
    }
    if (Array.isArray(value)) {
      const scalars = value.filter((item) => item !== null && typeof item !== "object");
      if (scalars.length > 0)
        push(
          path,
          scalars.map((item) => cleanMessage(String(item))),
        );
      value.forEach((item: unknown, index) => {
        if (item !== null && typeof item === "object") walk(item, join(path, String(index)));
      });
      return;
    }
    if (typeof value === "object") {
      for (const [key, child] of Object.entries(value)) walk(child, join(path, key));
    }
  };
  const push = (path: string, said: string[]) => {
    const field = path === "" ? "non_field_errors" : path;
    // AX's messages go into log lines and parked events' reasons: what may echo a traveler is masked here, once.
    const messages = said.map((message) => maskFieldMessage(field, message));
    const existing = out.find((entry) => entry.field === field);
    if (existing) existing.messages.push(...messages);
    else out.push({ field, messages });
  };
  walk(body, "");
  return out;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** Strips a Python `ErrorDetail(string='…', code='…')` repr, seen in AX's docs, down to its text. */
function cleanMessage(text: string): string {
  const repr = /^ErrorDetail\(string=(['"])(.*)\1, code=(['"])[^'"]*\3\)$/s.exec(text.trim());
  return repr?.[2] ?? text;
}

/**
 * AX's own message from a JSON error body (`detail`, `message`, field errors). An answer that is not JSON (an HTML
 * error page, a proxy's text) is described by its kind and size only: its text may echo the request.
 */
export function axMessageFrom(body: unknown, text: string): string | undefined {
  if (body !== undefined) {
    const fields = flattenDrfErrors(body);
    if (fields.length > 0) return describeFields(fields);
  }
  const kind = classifyAnswer(text);
  if (kind === "empty") return undefined;
  const size = `${Buffer.byteLength(text, "utf8")} bytes`;
  return kind === "html"
    ? `an HTML page of ${size}`
    : kind === "json"
      ? `a JSON answer of ${size}`
      : `a text answer of ${size}`;
}

/** `Retry-After` in seconds or as an HTTP date → milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date) || !/[a-z]/i.test(trimmed)) return undefined;
  return Math.max(0, date - now);
}
