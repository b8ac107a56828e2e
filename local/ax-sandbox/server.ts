// The AX sandbox: a dev-only imitation of AX Cloud's test environment (docs/sandbox.md) over real HTTP,
// with a control API to inject faults, switch to the legacy answer shape, play the supplier and inspect orders.
// Control: the in-process methods of the returned object, or the same over HTTP under /__sandbox/ (no AX auth).
// Never imported from lib/ or functions/.
import { randomUUID } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as v from "valibot";
import { createOrderBody, fullCancelBody, isObject, ticketCancelBody, validate, type ErrorTree } from "./drf";
import { refuseDevRequest } from "../http-gateway";
import { catalogAnswer, catalogRoute, remainingStock, type CatalogRoute, type StockUse } from "./catalog";

// ---------------------------------------------------------------------------------------------------------------
// Types of the control API

export const SANDBOX_ORDER_STATUSES = [
  "New",
  "Supplier pending",
  "Supplier confirm",
  "Supplier reject",
  "Traveler cancel",
  "Unavoidable cancel",
] as const;
export type SandboxOrderStatus = (typeof SANDBOX_ORDER_STATUSES)[number];
export const SANDBOX_TICKET_STATUSES = ["New", "Used", "Traveler canceled", "Supplier canceled"] as const;
export type SandboxTicketStatus = (typeof SANDBOX_TICKET_STATUSES)[number];
const FINAL_STATUSES: readonly SandboxOrderStatus[] = ["Supplier reject", "Traveler cancel", "Unavoidable cancel"];

export type SandboxEndpoint = "create" | "confirmation" | "cancel_order" | "cancel_ticket";

const endpointSchema = v.picklist(["create", "confirmation", "cancel_order", "cancel_ticket", "any"]);
const matchFields = {
  endpoint: endpointSchema,
  /** Only calls about this channel order (create: `order.channel_order_code`; others: the stored order's). */
  channelOrderCode: v.optional(v.string()),
  /** Only calls about this AX order (never matches a create, which has no AX code yet). */
  axOrderCode: v.optional(v.string()),
  /** Only calls on this product family's path (`tour` or `day-ticket`). */
  productType: v.optional(v.picklist(["tour", "day-ticket"])),
  /** For the next N matching calls; until cleared when absent. */
  times: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  /** Wait this long first (with `kind: "latency"` the call is then answered normally). */
  latencyMs: v.optional(v.pipe(v.number(), v.minValue(0))),
  /** Process the call (create and store the order, cancel, …) first, then fail: a lost answer. */
  afterProcessing: v.optional(v.boolean()),
};

export const FaultSpecSchema = v.variant("kind", [
  v.object({ ...matchFields, kind: v.literal("latency"), latencyMs: v.pipe(v.number(), v.minValue(0)) }),
  v.object({
    ...matchFields,
    kind: v.literal("status"),
    /** 429, 500, 502, 503, 504 have realistic bodies; any 4xx/5xx works. */
    status: v.pipe(v.number(), v.integer(), v.minValue(400), v.maxValue(599)),
    /** Sent as Retry-After (429 defaults to 1). */
    retryAfterSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  }),
  /** Never answer (until the client gives up or the sandbox stops). */
  v.object({ ...matchFields, kind: v.literal("hang") }),
  /** Destroy the connection without answering. */
  v.object({ ...matchFields, kind: v.literal("drop") }),
  /** Answer exactly this (e.g. a 201 with a body the client cannot read); a string body is sent as text/html. */
  v.object({
    ...matchFields,
    kind: v.literal("answer"),
    status: v.pipe(v.number(), v.integer(), v.minValue(200), v.maxValue(599)),
    body: v.unknown(),
  }),
]);
export type FaultSpec = v.InferOutput<typeof FaultSpecSchema>;
export type ActiveFault = FaultSpec & { id: string; remaining?: number };

export const AnswerShapeSchema = v.object({
  /** legacy: `depth_combinations`/`dc_code`/`use_date`/`ticket_code`/`ticket_status`, confirmation `status`,
   *  full cancel `ax: [...]`, ticket cancel `ticket_code`/`ax_status`. */
  names: v.picklist(["newest", "legacy"]),
  /** numeric: order "1"…"6", ticket "1"…"4" (confirmation: a JSON number). */
  statuses: v.picklist(["named", "numeric"]),
  /** default: create and cancels bare, confirmation wrapped; wrapped/bare: all answers. */
  envelope: v.picklist(["default", "wrapped", "bare"]),
});
export type AnswerShape = v.InferOutput<typeof AnswerShapeSchema>;
export const NEWEST_SHAPE: AnswerShape = { names: "newest", statuses: "named", envelope: "default" };
export const LEGACY_SHAPE: AnswerShape = { names: "legacy", statuses: "numeric", envelope: "wrapped" };
const AnswerShapeInputSchema = v.union([v.picklist(["newest", "legacy"]), v.partial(AnswerShapeSchema)]);
export type AnswerShapeInput = v.InferOutput<typeof AnswerShapeInputSchema>;

/** What GET /__sandbox/ lists: the control API (docs/sandbox.md has examples). */
const CONTROL_ENDPOINTS = [
  "GET /__sandbox/faults",
  "POST /__sandbox/faults",
  "DELETE /__sandbox/faults",
  "DELETE /__sandbox/faults/{id}",
  "GET /__sandbox/answer-shape",
  "PUT /__sandbox/answer-shape",
  "GET /__sandbox/orders?channel_order_code=…",
  "GET /__sandbox/orders/{ax_order_code}",
  "PUT /__sandbox/orders/{ax_order_code}/status",
  "PUT /__sandbox/orders/{ax_order_code}/tickets/{ax_ticket_code}/status",
  "GET /__sandbox/create-calls/{channel_order_code}",
  "GET /__sandbox/requests",
  "POST /__sandbox/reset",
];

export interface SandboxTicket {
  axTicketCode: string;
  /** The ticket's `channel_code` in the create request. */
  channelCode: string;
  status: SandboxTicketStatus;
}

export interface SandboxOrder {
  type: "tour" | "day-ticket";
  axOrderCode: string;
  channelOrderCode: string;
  /** The channel's status as last sent (create: order.status; full cancel: channel_status). */
  channelOrderStatus: string;
  status: SandboxOrderStatus;
  /** The supplier's comment (confirmation info). */
  comment: string;
  /** Position of this option in the create request. */
  optionIndex: number;
  optionCode: string;
  inventoryAt: string;
  quantity: number;
  tickets: SandboxTicket[];
  createdAt: string;
  /** The channel's comment of the last full cancel. */
  cancelComment?: string;
  /** The whole create request body as received. */
  request: unknown;
  /** Create calls received for this order's channel order code (including failed ones). */
  createCalls: number;
}

/** One request the sandbox received on the AX paths (the control API is not logged). */
export interface SandboxRequest {
  method: string;
  /** As received, still URL-encoded. */
  path: string;
  endpoint?: SandboxEndpoint;
  headers: Record<string, string>;
}

export interface AxSandboxControl {
  injectFault(spec: FaultSpec): ActiveFault;
  listFaults(): ActiveFault[];
  clearFault(id: string): boolean;
  clearFaults(): void;
  setAnswerShape(shape: AnswerShapeInput): AnswerShape;
  /** Plays the supplier (confirm, reject, …): the order's status and the comment confirmation info shows. */
  setOrderStatus(axOrderCode: string, status: SandboxOrderStatus, comment?: string): SandboxOrder;
  /** Plays the supplier on one ticket (e.g. "Used", "Supplier canceled"). */
  setTicketStatus(axOrderCode: string, axTicketCode: string, status: SandboxTicketStatus): SandboxOrder;
  listOrders(filter?: { channelOrderCode?: string }): SandboxOrder[];
  getOrder(axOrderCode: string): SandboxOrder | undefined;
  /** Create calls received with this channel order code, whatever their outcome. */
  createCalls(channelOrderCode: string): number;
  /** The requests received on the AX paths (the latest 10,000), oldest first. */
  requests(): SandboxRequest[];
  /** Forgets orders, counts, requests and faults, and goes back to the newest answer shape. */
  reset(): void;
}

export interface AxSandbox extends AxSandboxControl {
  /** Base URL for the AX client, e.g. http://127.0.0.1:PORT */
  url: string;
  port: number;
  apiKey: string;
  channelCode: string;
  stop(): Promise<void>;
}

export interface AxSandboxOptions {
  /** 0 (default): a free port. */
  port?: number;
  host?: string;
  apiKey?: string;
  channelCode?: string;
  /** The token the `/__sandbox/*` control routes require (the local stack's admin token); none: not required. */
  controlToken?: string;
  /**
   * Keep the sandbox's AX orders in this file (a journal of JSON lines, appended as each order changes), so that a
   * restarted local stack still knows every AX order its table refers to. In memory when absent.
   */
  dataFile?: string;
}

export class SandboxControlError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
    this.name = "SandboxControlError";
  }
}

// ---------------------------------------------------------------------------------------------------------------
// State

type StoredOrder = Omit<SandboxOrder, "createCalls">;

type JournalLine = { order: StoredOrder } | { calls: [string, number] } | { reset: true };

/** Appends every change of the orders to a file and reads it back at start. Synchronous: a change is on disk (in the
 *  OS's cache, which outlives a killed process) before AX's answer is sent, as AX's own database would have it. */
class SandboxJournal {
  constructor(private readonly file: string) {}

  load(state: SandboxState): void {
    if (!existsSync(this.file)) return;
    for (const line of readFileSync(this.file, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      let entry: JournalLine;
      try {
        entry = JSON.parse(line) as JournalLine;
      } catch {
        continue; // a line cut short by a crash: the change before it stands
      }
      if ("order" in entry) state.orders.set(entry.order.axOrderCode, entry.order);
      else if ("calls" in entry) state.calls.set(entry.calls[0], entry.calls[1]);
      else {
        state.orders.clear();
        state.calls.clear();
      }
    }
    // Compacted: one line per order and per count.
    const lines = [
      ...[...state.orders.values()].map((order) => JSON.stringify({ order })),
      ...[...state.calls].map((calls) => JSON.stringify({ calls })),
    ];
    writeFileSync(`${this.file}.tmp`, lines.map((line) => `${line}\n`).join(""));
    renameSync(`${this.file}.tmp`, this.file);
  }

  write(entry: JournalLine): void {
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
  }
}

class SandboxState implements AxSandboxControl {
  orders = new Map<string, StoredOrder>();
  calls = new Map<string, number>();
  faults: ActiveFault[] = [];
  shape: AnswerShape = { ...NEWEST_SHAPE };
  log: SandboxRequest[] = [];
  journal: SandboxJournal | undefined;

  /** Records a changed order (kept in the journal when there is one). */
  saveOrder(order: StoredOrder): void {
    this.orders.set(order.axOrderCode, order);
    this.journal?.write({ order });
  }

  countCreateCall(channelOrderCode: string): void {
    const count = this.createCalls(channelOrderCode) + 1;
    this.calls.set(channelOrderCode, count);
    this.journal?.write({ calls: [channelOrderCode, count] });
  }

  injectFault(spec: FaultSpec): ActiveFault {
    const parsed = v.safeParse(FaultSpecSchema, spec);
    if (!parsed.success) throw new SandboxControlError(400, `invalid fault: ${v.summarize(parsed.issues)}`);
    const fault: ActiveFault = {
      ...parsed.output,
      id: randomUUID(),
      ...(parsed.output.times === undefined ? {} : { remaining: parsed.output.times }),
    };
    this.faults.push(fault);
    return { ...fault };
  }

  listFaults(): ActiveFault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  clearFault(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((fault) => fault.id !== id);
    return this.faults.length < before;
  }

  clearFaults(): void {
    this.faults = [];
  }

  setAnswerShape(input: AnswerShapeInput): AnswerShape {
    const parsed = v.safeParse(AnswerShapeInputSchema, input);
    if (!parsed.success) throw new SandboxControlError(400, `invalid answer shape: ${v.summarize(parsed.issues)}`);
    const shape = parsed.output;
    this.shape =
      shape === "newest" ? { ...NEWEST_SHAPE } : shape === "legacy" ? { ...LEGACY_SHAPE } : { ...this.shape, ...shape };
    return { ...this.shape };
  }

  setOrderStatus(axOrderCode: string, status: SandboxOrderStatus, comment?: string): SandboxOrder {
    const order = this.mustFind(axOrderCode);
    if (!SANDBOX_ORDER_STATUSES.includes(status)) throw new SandboxControlError(400, `unknown order status ${status}`);
    order.status = status;
    if (comment !== undefined) order.comment = comment;
    this.saveOrder(order);
    return this.view(order);
  }

  setTicketStatus(axOrderCode: string, axTicketCode: string, status: SandboxTicketStatus): SandboxOrder {
    const order = this.mustFind(axOrderCode);
    const ticket = order.tickets.find((t) => t.axTicketCode === axTicketCode);
    if (!ticket) throw new SandboxControlError(404, `no ticket ${axTicketCode} in AX order ${axOrderCode}`);
    if (!SANDBOX_TICKET_STATUSES.includes(status))
      throw new SandboxControlError(400, `unknown ticket status ${status}`);
    ticket.status = status;
    this.saveOrder(order);
    return this.view(order);
  }

  listOrders(filter: { channelOrderCode?: string } = {}): SandboxOrder[] {
    return [...this.orders.values()]
      .filter((order) => filter.channelOrderCode === undefined || order.channelOrderCode === filter.channelOrderCode)
      .map((order) => this.view(order));
  }

  getOrder(axOrderCode: string): SandboxOrder | undefined {
    const order = this.orders.get(axOrderCode);
    return order ? this.view(order) : undefined;
  }

  createCalls(channelOrderCode: string): number {
    return this.calls.get(channelOrderCode) ?? 0;
  }

  requests(): SandboxRequest[] {
    return structuredClone(this.log);
  }

  record(request: SandboxRequest): void {
    this.log.push(request);
    if (this.log.length > 10_000) this.log.shift();
  }

  reset(): void {
    this.journal?.write({ reset: true });
    this.orders.clear();
    this.calls.clear();
    this.log = [];
    this.faults = [];
    this.shape = { ...NEWEST_SHAPE };
  }

  /** Takes the first fault that matches this call, counting it down. */
  takeFault(
    endpoint: SandboxEndpoint,
    channelOrderCode?: string,
    axOrderCode?: string,
    productType?: "tour" | "day-ticket",
  ): ActiveFault | undefined {
    const fault = this.faults.find(
      (f) =>
        (f.endpoint === "any" || f.endpoint === endpoint) &&
        (f.channelOrderCode === undefined || f.channelOrderCode === channelOrderCode) &&
        (f.axOrderCode === undefined || f.axOrderCode === axOrderCode) &&
        (f.productType === undefined || f.productType === productType),
    );
    if (!fault) return undefined;
    if (fault.remaining !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.clearFault(fault.id);
    }
    return { ...fault };
  }

  private mustFind(axOrderCode: string): StoredOrder {
    const order = this.orders.get(axOrderCode);
    if (!order) throw new SandboxControlError(404, `no AX order ${axOrderCode}`);
    return order;
  }

  private view(order: StoredOrder): SandboxOrder {
    return { ...structuredClone(order), createCalls: this.createCalls(order.channelOrderCode) };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// AX answers

const NOT_FOUND = { detail: "찾을 수 없습니다." };
const NO_CREDENTIALS = { detail: "자격 인증데이터(authentication credentials)가 제공되지 않았습니다." };
const NO_PERMISSION = { detail: "이 작업을 수행할 권한(permission)이 없습니다." };

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function orderStatusOut(status: SandboxOrderStatus, shape: AnswerShape, asNumber = false): string | number {
  if (shape.statuses === "named") return status;
  const n = SANDBOX_ORDER_STATUSES.indexOf(status) + 1;
  return asNumber ? n : String(n);
}

function ticketStatusOut(status: SandboxTicketStatus, shape: AnswerShape): string {
  return shape.statuses === "named" ? status : String(SANDBOX_TICKET_STATUSES.indexOf(status) + 1);
}

function envelope(data: unknown, status: number, shape: AnswerShape, wrappedByDefault: boolean): unknown {
  const wrap = shape.envelope === "wrapped" || (shape.envelope === "default" && wrappedByDefault);
  return wrap ? { status_code: status, data } : data;
}

function createAnswer(channelOrderCode: string, orders: StoredOrder[], shape: AnswerShape): unknown {
  const legacy = shape.names === "legacy";
  const options = orders.map((order) => ({
    [legacy ? "dc_code" : "option_code"]: order.optionCode,
    [legacy ? "use_date" : "inventory_at"]: order.inventoryAt,
    ax_order_code: order.axOrderCode,
    ax_order_status: orderStatusOut(order.status, shape),
    quantity: legacy ? String(order.quantity) : order.quantity,
    tickets: order.tickets.map((ticket) => ({
      [legacy ? "ticket_code" : "ax_ticket_code"]: ticket.axTicketCode,
      [legacy ? "ticket_status" : "ax_ticket_status"]: ticketStatusOut(ticket.status, shape),
    })),
  }));
  return envelope(
    {
      channel_order_code: channelOrderCode,
      channel_order_status: orderStatusOut("New", shape),
      [legacy ? "depth_combinations" : "options"]: options,
    },
    201,
    shape,
    false,
  );
}

function confirmationAnswer(order: StoredOrder, shape: AnswerShape): unknown {
  const entry = {
    channel_order_code: order.channelOrderCode,
    ax_order_code: order.axOrderCode,
    [shape.names === "legacy" ? "status" : "ax_order_status"]: orderStatusOut(order.status, shape, true),
    comment: order.comment,
  };
  return envelope([entry], 200, shape, true);
}

function fullCancelAnswer(order: StoredOrder, shape: AnswerShape): unknown {
  const channel = {
    channel_order_code: order.channelOrderCode,
    channel_order_status: order.channelOrderStatus,
  };
  const data =
    shape.names === "legacy"
      ? {
          ...channel,
          ax: [{ ax_order_code: order.axOrderCode, ax_order_status: orderStatusOut(order.status, shape) }],
          comment: order.cancelComment ?? "",
        }
      : { ...channel, ax_order_code: order.axOrderCode, ax_order_status: orderStatusOut(order.status, shape) };
  return envelope(data, 200, shape, false);
}

function ticketCancelAnswer(order: StoredOrder, ticket: SandboxTicket, shape: AnswerShape): unknown {
  const data =
    shape.names === "legacy"
      ? {
          channel_order_code: order.channelOrderCode,
          ax_order_code: order.axOrderCode,
          ticket_code: ticket.axTicketCode,
          ax_status: ticketStatusOut(ticket.status, shape),
        }
      : {
          channel_order_code: order.channelOrderCode,
          ax_order_code: order.axOrderCode,
          ax_order_status: orderStatusOut(order.status, shape),
          ax_ticket_code: ticket.axTicketCode,
          ax_ticket_status: ticketStatusOut(ticket.status, shape),
        };
  return envelope(data, 200, shape, false);
}

function faultAnswer(status: number, retryAfterSeconds: number | undefined): Answer {
  const retry = retryAfterSeconds ?? (status === 429 ? 1 : undefined);
  const headers: Record<string, string> = retry === undefined ? {} : { "Retry-After": String(retry) };
  const html = (title: string) => `<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`;
  switch (status) {
    case 429:
      return {
        status,
        headers,
        body: { detail: `요청이 지연(throttled)되었습니다. ${retry ?? 1}초 이후에 사용 가능합니다.` },
      };
    case 500:
      return { status, headers, body: html("Server Error (500)") };
    case 502:
      return { status, headers, body: html("502 Bad Gateway") };
    case 503:
      return { status, headers, body: html("503 Service Temporarily Unavailable") };
    case 504:
      return { status, headers, body: html("504 Gateway Time-out") };
    default:
      return { status, headers, body: { detail: `sandbox fault ${status}` } };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The server

interface Route {
  endpoint?: SandboxEndpoint;
  type: "tour" | "day-ticket";
  axOrderCode?: string;
  axTicketCode?: string;
  allow: string;
}

function route(method: string, path: string): Route | undefined {
  const match = /^\/v1\/channel\/orders\/([^/]+)(?:\/([^/]+)(?:\/tickets\/([^/]+))?)?\/?$/.exec(path);
  if (!match) return undefined;
  let type: string, axOrderCode: string | undefined, axTicketCode: string | undefined;
  try {
    [type, axOrderCode, axTicketCode] = match
      .slice(1)
      .map((part: string | undefined) => (part === undefined ? undefined : decodeURIComponent(part))) as [
      string,
      string | undefined,
      string | undefined,
    ];
  } catch {
    return undefined;
  }
  if (type !== "tour" && type !== "day-ticket") return undefined;
  if (axOrderCode === undefined)
    return { type, allow: "POST, OPTIONS", ...(method === "POST" ? { endpoint: "create" } : {}) };
  if (axTicketCode === undefined) {
    const endpoint = method === "GET" ? "confirmation" : method === "PATCH" ? "cancel_order" : undefined;
    return { type, axOrderCode, allow: "GET, PATCH, OPTIONS", ...(endpoint ? { endpoint } : {}) };
  }
  return {
    type,
    axOrderCode,
    axTicketCode,
    allow: "PATCH, OPTIONS",
    ...(method === "PATCH" ? { endpoint: "cancel_ticket" } : {}),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", reject);
  });
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.destroyed || res.writableEnded) return;
  const isText = typeof answer.body === "string";
  const payload = isText ? (answer.body as string) : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    "Content-Type": isText ? "text/html; charset=utf-8" : "application/json",
    "Content-Length": Buffer.byteLength(payload),
    ...answer.headers,
  });
  res.end(payload);
}

function authAnswer(req: IncomingMessage, apiKey: string, channelCode: string): Answer | undefined {
  const token = /^Token\s+(\S+)$/.exec(req.headers.authorization ?? "")?.[1];
  const channelHeader = req.headers.channel;
  const channel = /^Code\s+(\S+)$/.exec(Array.isArray(channelHeader) ? "" : (channelHeader ?? ""))?.[1];
  if (token === undefined || channel === undefined)
    return { status: 401, body: NO_CREDENTIALS, headers: { "WWW-Authenticate": "Token" } };
  if (token !== apiKey || channel !== channelCode) return { status: 403, body: NO_PERMISSION };
  return undefined;
}

type Parsed = { ok: true; value: unknown } | { ok: false; answer: Answer };

function parseJson(req: IncomingMessage, text: string): Parsed {
  const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
  if (text !== "" && contentType !== "application/json")
    return {
      ok: false,
      answer: { status: 415, body: { detail: `요청된 "${contentType}"가 지원되지 않는 미디어 형태입니다.` } },
    };
  if (text === "") return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return {
      ok: false,
      answer: { status: 400, body: { detail: `JSON parse error - ${error instanceof Error ? error.message : ""}` } },
    };
  }
}

function invalid(errors: ErrorTree): Answer {
  return { status: 400, body: errors };
}

export async function startAxSandbox(options: AxSandboxOptions = {}): Promise<AxSandbox> {
  const apiKey = options.apiKey ?? "sandbox-api-key";
  const channelCode = options.channelCode ?? "sandbox-channel";
  const host = options.host ?? "127.0.0.1";
  const state = new SandboxState();
  if (options.dataFile !== undefined) {
    state.journal = new SandboxJournal(options.dataFile);
    state.journal.load(state);
  }
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const handleCreate = (routeInfo: Route, body: unknown): Answer => {
    const errors = validate(body, createOrderBody);
    if (errors) return invalid(errors);
    const request = body as {
      options: { option_code: string; inventory_at: string; quantity: number; tickets: { channel_code: string }[] }[];
      order: { channel_order_code: string; status: string };
    };
    // AX's stock (issue #20): an option of the catalog cannot be sold past its slot's remaining quantity.
    const short = request.options.findIndex(
      (option) => (remainingStock(option.option_code, option.inventory_at, stockUses()) ?? Infinity) < option.quantity,
    );
    if (short >= 0) return invalid({ options: { [short]: { quantity: ["재고가 부족합니다."] } } });
    const createdAt = new Date().toISOString();
    const orders: StoredOrder[] = request.options.map((option, optionIndex) => ({
      type: routeInfo.type,
      axOrderCode: randomUUID(),
      channelOrderCode: request.order.channel_order_code,
      channelOrderStatus: request.order.status,
      status: "New",
      comment: "",
      optionIndex,
      optionCode: option.option_code,
      inventoryAt: option.inventory_at,
      quantity: option.quantity,
      tickets: option.tickets.map((ticket) => ({
        axTicketCode: randomUUID(),
        channelCode: ticket.channel_code,
        status: "New",
      })),
      createdAt,
      request: structuredClone(body),
    }));
    for (const order of orders) state.saveOrder(order);
    return { status: 201, body: createAnswer(request.order.channel_order_code, orders, state.shape) };
  };

  /** The stock every AX order still takes (cancelled and rejected orders and cancelled tickets give it back). */
  const stockUses = (): StockUse[] =>
    [...state.orders.values()].map((order) => ({
      optionCode: order.optionCode,
      inventoryAt: order.inventoryAt,
      liveTickets: FINAL_STATUSES.includes(order.status)
        ? 0
        : order.tickets.filter(
            (ticket) => ticket.status !== "Traveler canceled" && ticket.status !== "Supplier canceled",
          ).length,
    }));

  const handleCatalog = (req: IncomingMessage, res: ServerResponse, catalog: CatalogRoute, query: string) => {
    state.record({
      method: req.method ?? "",
      path: req.url ?? "",
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.join(", ") : (value ?? ""),
        ]),
      ),
    });
    const denied = authAnswer(req, apiKey, channelCode);
    if (denied) send(res, denied);
    else if (req.method !== "GET")
      send(res, {
        status: 405,
        body: { detail: `메소드(Method) "${req.method ?? ""}"는 허용되지 않습니다.` },
        headers: { Allow: "GET, OPTIONS" },
      });
    else send(res, catalogAnswer(catalog, new URLSearchParams(query), stockUses()));
  };

  const handleCancelOrder = (order: StoredOrder, body: unknown): Answer => {
    const errors = validate(body, fullCancelBody);
    if (errors) return invalid(errors);
    const { channel_status: channelStatus, comment } = body as { channel_status: SandboxOrderStatus; comment?: string };
    // Already final (cancelled or rejected), or "New" (not a cancel): answered with the current state.
    if (!FINAL_STATUSES.includes(order.status) && channelStatus !== "New") {
      order.status = channelStatus;
      order.channelOrderStatus = channelStatus;
      if (comment !== undefined) order.cancelComment = comment;
      for (const ticket of order.tickets)
        if (ticket.status !== "Traveler canceled" && ticket.status !== "Supplier canceled")
          ticket.status = "Traveler canceled";
      state.saveOrder(order);
    }
    return { status: 200, body: fullCancelAnswer(order, state.shape) };
  };

  const handleCancelTicket = (order: StoredOrder, axTicketCode: string, body: unknown): Answer => {
    const ticket = order.tickets.find((t) => t.axTicketCode === axTicketCode);
    if (!ticket) return { status: 404, body: NOT_FOUND };
    const errors = validate(body, ticketCancelBody);
    if (errors) return invalid(errors);
    if (ticket.status !== "Traveler canceled" && ticket.status !== "Supplier canceled") {
      ticket.status = "Traveler canceled";
      state.saveOrder(order);
    }
    return { status: 200, body: ticketCancelAnswer(order, ticket, state.shape) };
  };

  const handleAx = async (req: IncomingMessage, res: ServerResponse, routeInfo: Route, text: string) => {
    state.record({
      method: req.method ?? "",
      path: req.url ?? "",
      ...(routeInfo.endpoint ? { endpoint: routeInfo.endpoint } : {}),
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.join(", ") : (value ?? ""),
        ]),
      ),
    });
    const parsed = routeInfo.endpoint === "create" ? parseJson(req, text) : undefined;
    const createBody = parsed?.ok ? parsed.value : undefined;
    let channelOrderCode: string | undefined;
    if (routeInfo.endpoint === "create" && isObject(createBody) && isObject(createBody.order)) {
      const code = createBody.order.channel_order_code ?? createBody.order.channel_order_id;
      if (typeof code === "string") {
        channelOrderCode = code;
        state.countCreateCall(code);
      }
    } else if (routeInfo.axOrderCode !== undefined) {
      channelOrderCode = state.orders.get(routeInfo.axOrderCode)?.channelOrderCode;
    }
    const fault = routeInfo.endpoint
      ? state.takeFault(routeInfo.endpoint, channelOrderCode, routeInfo.axOrderCode, routeInfo.type)
      : undefined;
    if (fault?.latencyMs) await sleep(fault.latencyMs);
    const fail = (): void => {
      if (!fault || fault.kind === "latency") return;
      if (fault.kind === "hang") return; // keep the socket open, answer nothing
      if (fault.kind === "drop") {
        req.socket.destroy();
        return;
      }
      if (fault.kind === "answer") send(res, { status: fault.status, body: fault.body });
      else send(res, faultAnswer(fault.status, fault.retryAfterSeconds));
    };
    if (fault && fault.kind !== "latency" && !fault.afterProcessing) {
      fail();
      return;
    }

    const answer = ((): Answer => {
      const denied = authAnswer(req, apiKey, channelCode);
      if (denied) return denied;
      if (!routeInfo.endpoint) {
        const method = req.method ?? "";
        return {
          status: 405,
          body: { detail: `메소드(Method) "${method}"는 허용되지 않습니다.` },
          headers: { Allow: routeInfo.allow },
        };
      }
      if (routeInfo.endpoint === "create") {
        if (!parsed) return { status: 500, body: {} };
        return parsed.ok ? handleCreate(routeInfo, parsed.value) : parsed.answer;
      }
      const order = routeInfo.axOrderCode === undefined ? undefined : state.orders.get(routeInfo.axOrderCode);
      if (!order || order.type !== routeInfo.type) return { status: 404, body: NOT_FOUND };
      if (routeInfo.endpoint === "confirmation") return { status: 200, body: confirmationAnswer(order, state.shape) };
      const body = parseJson(req, text);
      if (!body.ok) return body.answer;
      if (routeInfo.endpoint === "cancel_order") return handleCancelOrder(order, body.value);
      return handleCancelTicket(order, routeInfo.axTicketCode ?? "", body.value);
    })();

    if (fault && fault.kind !== "latency") fail();
    else send(res, answer);
  };

  const handleControl = (req: IncomingMessage, res: ServerResponse, path: string, text: string) => {
    const reply = (status: number, body?: unknown) => {
      send(res, { status, body: body ?? {} });
    };
    const json = (): unknown => {
      try {
        return text === "" ? {} : (JSON.parse(text) as unknown);
      } catch {
        throw new SandboxControlError(400, "the body is not JSON");
      }
    };
    const method = req.method ?? "GET";
    const url = new URL(path, "http://sandbox");
    const parts = url.pathname
      .replace(/^\/__sandbox\/?/, "")
      .split("/")
      .filter((part) => part !== "")
      .map(decodeURIComponent);
    try {
      const [head, id, sub, ticketCode, tail] = parts;
      if (head === undefined && method === "GET") reply(200, { control: CONTROL_ENDPOINTS });
      else if (head === "reset" && method === "POST") {
        state.reset();
        reply(200, { reset: true });
      } else if (head === "faults" && id === undefined && method === "GET") reply(200, state.listFaults());
      else if (head === "faults" && id === undefined && method === "POST")
        reply(201, state.injectFault(json() as FaultSpec));
      else if (head === "faults" && id === undefined && method === "DELETE") {
        state.clearFaults();
        reply(200, { cleared: true });
      } else if (head === "faults" && id !== undefined && method === "DELETE") {
        if (!state.clearFault(id)) throw new SandboxControlError(404, `no fault ${id}`);
        reply(200, { cleared: true });
      } else if (head === "answer-shape" && method === "GET") reply(200, state.shape);
      else if (head === "answer-shape" && method === "PUT")
        reply(200, state.setAnswerShape(json() as AnswerShapeInput));
      else if (head === "orders" && id === undefined && method === "GET") {
        const channelOrderCode = url.searchParams.get("channel_order_code") ?? undefined;
        reply(200, state.listOrders(channelOrderCode === undefined ? {} : { channelOrderCode }));
      } else if (head === "orders" && id !== undefined && sub === undefined && method === "GET") {
        const order = state.getOrder(id);
        if (!order) throw new SandboxControlError(404, `no AX order ${id}`);
        reply(200, order);
      } else if (head === "orders" && id !== undefined && sub === "status" && method === "PUT") {
        const body = v.parse(
          v.object({ status: v.picklist(SANDBOX_ORDER_STATUSES), comment: v.optional(v.string()) }),
          json(),
        );
        reply(200, state.setOrderStatus(id, body.status, body.comment));
      } else if (
        head === "orders" &&
        id !== undefined &&
        sub === "tickets" &&
        ticketCode !== undefined &&
        tail === "status" &&
        method === "PUT"
      ) {
        const body = v.parse(v.object({ status: v.picklist(SANDBOX_TICKET_STATUSES) }), json());
        reply(200, state.setTicketStatus(id, ticketCode, body.status));
      } else if (head === "requests" && method === "GET") reply(200, state.requests());
      else if (head === "create-calls" && id !== undefined && method === "GET")
        reply(200, { channelOrderCode: id, count: state.createCalls(id) });
      else reply(404, { error: `no control endpoint ${method} ${url.pathname}` });
    } catch (error) {
      if (error instanceof SandboxControlError) reply(error.status, { error: error.message });
      else if (error instanceof v.ValiError)
        reply(400, { error: v.summarize((error as v.ValiError<v.GenericSchema>).issues) });
      else throw error;
    }
  };

  const server = createServer((req, res) => {
    const path = req.url ?? "/";
    const pathname = path.split("?")[0] ?? "/";
    readBody(req)
      .then(async (text) => {
        if (pathname === "/__sandbox" || pathname.startsWith("/__sandbox/")) {
          const refusal = refuseDevRequest(req, options.controlToken);
          if (refusal) send(res, { status: refusal.statusCode, body: refusal.body });
          else handleControl(req, res, path, text);
          return;
        }
        const catalog = catalogRoute(pathname);
        if (catalog) {
          handleCatalog(req, res, catalog, path.slice(pathname.length + 1));
          return;
        }
        const routeInfo = route(req.method ?? "GET", pathname);
        if (!routeInfo) {
          send(res, {
            status: 404,
            body: "<h1>Not Found</h1><p>The requested resource was not found on this server.</p>",
          });
          return;
        }
        await handleAx(req, res, routeInfo, text);
      })
      .catch((error: unknown) => {
        send(res, { status: 500, body: { error: error instanceof Error ? error.message : String(error) } });
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const stop = async (): Promise<void> => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    });
  };

  return {
    url: `http://${host}:${port}`,
    port,
    apiKey,
    channelCode,
    stop,
    injectFault: (spec) => state.injectFault(spec),
    listFaults: () => state.listFaults(),
    clearFault: (id) => state.clearFault(id),
    clearFaults: () => {
      state.clearFaults();
    },
    setAnswerShape: (shape) => state.setAnswerShape(shape),
    setOrderStatus: (axOrderCode, status, comment) => state.setOrderStatus(axOrderCode, status, comment),
    setTicketStatus: (axOrderCode, axTicketCode, status) => state.setTicketStatus(axOrderCode, axTicketCode, status),
    listOrders: (filter) => state.listOrders(filter),
    getOrder: (axOrderCode) => state.getOrder(axOrderCode),
    createCalls: (channelOrderCode) => state.createCalls(channelOrderCode),
    requests: () => state.requests(),
    reset: () => {
      state.reset();
    },
  };
}
