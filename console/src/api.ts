// The admin API from the browser: the token lives in this tab's sessionStorage only (gone when the tab closes; no
// cookie, so no cross-site request can carry it), and is sent as a bearer token to this origin.

const KEY = "ax-admin-token";

export const token = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (value: string) => {
    sessionStorage.setItem(KEY, value);
  },
  clear: () => {
    sessionStorage.removeItem(KEY);
  },
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/**
 * Calls the admin API. A 401 means the token is gone or revoked: it is forgotten and the log-in page opened, except
 * for the log-in check itself (`loggingIn`), which says so where the token was typed.
 */
export async function api<T>(method: string, path: string, body?: unknown, loggingIn = false): Promise<T> {
  const answer = await fetch(`/admin${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token.get() ?? ""}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    credentials: "omit",
    cache: "no-store",
  });
  const json: unknown = await answer.json().catch(() => undefined);
  if (answer.status === 401 && !loggingIn) {
    token.clear();
    location.hash = "#/login";
  }
  if (!answer.ok) {
    const message =
      json && typeof json === "object" && "message" in json ? String(json.message) : `HTTP ${answer.status}`;
    throw new ApiError(answer.status, message, json);
  }
  return json as T;
}

export function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) search.set(name, value);
  const text = search.toString();
  return text ? `?${text}` : "";
}

// ---- the shapes the console reads (the admin API's response schemas) --------------------------------------------

export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

export interface Attention {
  parked_by_reason: Record<string, number>;
  parked: number;
  uncertain_creates: number;
  waiting_too_long: number;
  waiting_threshold_minutes: number;
  dead_letters: number;
  dead_notifications: number;
}

export interface OrderRow {
  order_id: string;
  status: string;
  shown_status?: "parked";
  created_at: string;
  updated_at: string;
  currency?: string;
  total?: string;
}

export interface EventRow {
  webhook_id: string;
  type: string;
  order_id: string;
  status: string;
  received_at: string;
  updated_at: string;
  attempts: number;
  reason?: string;
  detail?: string;
  /** What can help it (the admin API's triage): the console offers these and no other action. */
  actions: ("replay" | "reconcile" | "dismiss")[];
  hint: string;
  payload?: unknown;
}

export interface DeliveryAttempt {
  at: string;
  http_status?: number;
  latency_ms: number;
  error?: string;
}

export interface Notification {
  id: string;
  order_id: string;
  item_id: string;
  status: string;
  attempts: number;
  created_at: string;
  next_attempt_at: string;
  delivered_at?: string;
  last_error?: string;
  delivery_attempts: DeliveryAttempt[];
  resent?: { by: string; at: string }[];
  body: string;
}

export interface StatusChange {
  at: string;
  from?: string;
  to: string;
  source: string;
  comment?: string;
}

export interface Attempt {
  at: string;
  kind: "ax_call" | "processed" | "retried" | "dead_lettered" | "operator";
  actor: string;
  summary: string;
  webhook_id?: string;
  correlation_id?: string;
  endpoint?: string;
  path?: string;
  http_status?: number;
  outcome?: string;
  duration_ms?: number;
  request?: string;
  answer?: string;
}

export interface OrderDetail {
  order_id: string;
  status: string;
  shown_status?: "parked";
  created_at?: string;
  currency?: string;
  total?: string;
  items: { item_id: string; ticket_ids: string[] }[];
  create_calls: {
    product_type: string;
    state: string;
    started_at: string;
    item_ids: string[];
    reason?: string;
    detail?: string;
  }[];
  ax_orders: {
    item_id: string;
    product_type: string;
    ax_order_code: string;
    ax_order_status: string;
    tickets: { ticket_id: string; ax_ticket_code: string; ax_ticket_status: string }[];
    history: StatusChange[];
    /** The status sync: polled, stopped (poll again brings it back), or final. */
    sync: { state: "polled" | "stopped" | "final"; until?: string; left_at?: string; reason?: string };
  }[];
  events: EventRow[];
  notifications: Notification[];
  attempts: Attempt[];
  attempts_truncated?: boolean;
}

export interface UncertainCreate {
  order_id: string;
  product_type: string;
  started_at: string;
  item_ids: string[];
  reason?: string;
  detail?: string;
}

export interface Mapping {
  sku: string;
  product_type: string;
  mapping_code: string;
  option_code: string;
}

export interface ImportReport {
  rows: number;
  created: number;
  updated: number;
  written: boolean;
  errors: { row: number; message: string }[];
}

export interface ActionResult {
  ok: true;
  message: string;
}

export interface BulkReplayResult {
  count: number;
  left_out: number;
  confirm?: string;
  replayed: number;
  confirmed: boolean;
  message: string;
}

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  target: string;
  detail?: string;
  old_value?: string;
}

export interface DeadLetterList {
  count: number;
  items: { webhook_id: string; order_id: string; moved_at?: string }[];
}
