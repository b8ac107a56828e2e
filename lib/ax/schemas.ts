// AX Cloud payloads (AX's channel API; docs/decisions.md says how its unclear points are read).
// Requests: strict valibot schemas in the newest field names, so the adapter never sends a body AX would refuse.
// Responses: tolerant parsers that accept every shape AX has documented (wrapped or bare envelope, current and
// legacy field names, named or numeric statuses, case variants) and return one normalised shape in the newest
// snake_case names.
import * as v from "valibot";
import { AxUnexpectedResponseError, type AxEndpoint, type AxFieldError } from "./errors";
import {
  AX_CANCEL_STATUSES,
  AX_CURRENCIES,
  AX_ORDER_STATUSES,
  AX_PRODUCT_TYPES,
  AX_TICKET_STATUSES,
  type AxOrderStatus,
  type AxTicketStatus,
} from "./vocabulary";

// ---------------------------------------------------------------------------------------------------------------
// Enumerations (./vocabulary)

export {
  AX_CANCEL_STATUSES,
  AX_CURRENCIES,
  AX_ORDER_STATUSES,
  AX_PRODUCT_TYPES,
  AX_TICKET_STATUSES,
  FINAL_ORDER_STATUSES,
  isFinalOrderStatus,
  type AxCancelStatus,
  type AxCurrency,
  type AxOrderStatus,
  type AxProductType,
  type AxTicketStatus,
} from "./vocabulary";
export const AxProductTypeSchema = v.picklist(AX_PRODUCT_TYPES);

// ---------------------------------------------------------------------------------------------------------------
// Requests

const requiredText = v.pipe(v.string(), v.nonEmpty("must not be empty"));

/** Money: a decimal string with up to 5 decimal places ("60000", "12.5"), never a binary float. */
export const AxMoneySchema = v.pipe(
  v.string(),
  v.regex(/^\d+(\.\d{1,5})?$/, "must be a decimal string with at most 5 decimal places"),
);

/** RFC 3339 in UTC with `Z`, e.g. `2026-12-24T09:00:00Z`, and a real calendar date. */
export const AxDatetimeSchema = v.pipe(
  v.string(),
  v.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/, "must be an RFC 3339 UTC datetime ending in Z"),
  v.check(isRealDatetime, "must be an existing date and time"),
);

const additionalSchema = v.record(v.string(), v.unknown());

export const AxTravelerSchema = v.object({
  name: requiredText,
  national_code: requiredText,
  phone: requiredText,
  email: requiredText,
  additional: v.optional(additionalSchema),
  extra: v.optional(v.string()),
});
export type AxTraveler = v.InferOutput<typeof AxTravelerSchema>;

/** A ticket is a traveler with the channel's id of the ticket. */
export const AxTicketSchema = v.object({
  /** The channel's own id of this ticket (not the `Channel: Code` header). */
  channel_code: requiredText,
  ...AxTravelerSchema.entries,
});
export type AxTicket = v.InferOutput<typeof AxTicketSchema>;

export const AxPurchaserSchema = v.object({
  is_required_more_information: v.boolean(),
  name: requiredText,
  national_code: requiredText,
  phone: requiredText,
  email: requiredText,
  additional: v.optional(additionalSchema),
  /** Required for the purchaser: send "" when there is nothing to say. */
  extra: v.string(),
});
export type AxPurchaser = v.InferOutput<typeof AxPurchaserSchema>;

export const AxOptionSchema = v.pipe(
  v.object({
    channel_product_mapping_code: requiredText,
    option_code: requiredText,
    quantity: v.pipe(v.number(), v.integer("must be an integer"), v.minValue(1, "must be at least 1")),
    inventory_at: AxDatetimeSchema,
    unit_selling_price: AxMoneySchema,
    discount: v.optional(AxMoneySchema),
    discount_method: v.optional(v.string()),
    amount_price: AxMoneySchema,
    tickets: v.array(AxTicketSchema),
  }),
  v.forward(
    v.partialCheck(
      [["quantity"], ["tickets"]],
      (option) => option.tickets.length === option.quantity,
      "must hold exactly `quantity` tickets",
    ),
    ["tickets"],
  ),
);
export type AxOption = v.InferOutput<typeof AxOptionSchema>;

export const AxOrderSchema = v.pipe(
  v.object({
    /** The field table's name for the channel's order id … */
    channel_order_id: requiredText,
    /** … and the name every AX example sends: both are sent, with the same value. */
    channel_order_code: requiredText,
    purchased_at: AxDatetimeSchema,
    purchase_requested_at: v.optional(AxDatetimeSchema),
    reserved_at: v.optional(AxDatetimeSchema),
    reservation_requested_at: v.optional(AxDatetimeSchema),
    sub_total: AxMoneySchema,
    discount_method: v.optional(v.string()),
    discount: v.optional(AxMoneySchema),
    total: AxMoneySchema,
    status: v.literal("New"),
    is_voucher: v.boolean(),
    comment: v.optional(v.string()),
    currency: v.picklist(AX_CURRENCIES),
  }),
  v.forward(
    v.partialCheck(
      [["channel_order_id"], ["channel_order_code"]],
      (order) => order.channel_order_id === order.channel_order_code,
      "must equal channel_order_id",
    ),
    ["channel_order_code"],
  ),
);
export type AxOrder = v.InferOutput<typeof AxOrderSchema>;

export const CreateOrderRequestSchema = v.object({
  options: v.pipe(v.array(AxOptionSchema), v.minLength(1, "must hold at least one option")),
  order: AxOrderSchema,
  purchaser: AxPurchaserSchema,
  /** The lead traveler; when there is none, the purchaser's data. */
  representative: AxTravelerSchema,
});
export type CreateOrderRequest = v.InferOutput<typeof CreateOrderRequestSchema>;

export const FullCancelRequestSchema = v.object({
  channel_status: v.picklist(AX_CANCEL_STATUSES),
  comment: v.optional(v.string()),
});
export type FullCancelRequest = v.InferOutput<typeof FullCancelRequestSchema>;

export const TicketCancelRequestSchema = v.object({
  /** Note the spelling: "Traveler canceled" for tickets, "Traveler cancel" for orders. */
  status: v.literal("Traveler canceled"),
  comment: v.optional(v.string()),
});
export type TicketCancelRequest = v.InferOutput<typeof TicketCancelRequestSchema>;

/**
 * Checks a request body against its schema. The field errors name the field and the broken rule, never the value
 * (request bodies carry personal data).
 */
export function validateAxRequest(schema: v.GenericSchema, body: unknown): AxFieldError[] {
  const result = v.safeParse(schema, body);
  if (result.success) return [];
  const byField = new Map<string, string[]>();
  for (const issue of result.issues) {
    const field = v.getDotPath(issue) ?? "(body)";
    const messages = byField.get(field) ?? [];
    messages.push(issueText(issue));
    byField.set(field, messages);
  }
  return [...byField].map(([field, messages]) => ({ field, messages }));
}

function issueText(issue: v.BaseIssue<unknown>): string {
  if (issue.kind === "schema") {
    if (issue.received === "undefined") return "is required";
    if (issue.received === "null") return "must not be null";
    return `must be ${issue.expected ?? issue.type}`;
  }
  // Our own validation messages never contain the value; valibot's defaults ("… but received "x"") do.
  return issue.message.includes("received") ? `fails the ${issue.type} rule` : issue.message;
}

function isRealDatetime(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!match) return true; // the format rule reports it
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Status normalisation

const orderStatusByKey = new Map<string, AxOrderStatus>(
  AX_ORDER_STATUSES.flatMap((status, index) => [
    [statusKey(status), status],
    [String(index + 1), status],
  ]),
);

const ticketStatusByKey = new Map<string, AxTicketStatus>([
  ...AX_TICKET_STATUSES.flatMap((status, index): [string, AxTicketStatus][] => [
    [statusKey(status), status],
    [String(index + 1), status],
  ]),
  ["not used", "New"],
  ["unused", "New"],
]);

/** Lower case, punctuation and typographic quotes dropped, "canceled"/"cancelled"/"confirmed"/"rejected" stemmed. */
function statusKey(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
    .replace(/\btraveller\b/g, "traveler")
    .replace(/\bcancell?ed\b/g, "cancel")
    .replace(/\bconfirmed\b/g, "confirm")
    .replace(/\brejected\b/g, "reject");
}

function statusInput(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return String(value);
  if (typeof value === "string") return statusKey(value);
  return undefined;
}

/** "Supplier confirm", "SUPPLIER CONFIRMED", 3 and "3" all give "Supplier confirm"; unknown values give undefined. */
export function normaliseOrderStatus(value: unknown): AxOrderStatus | undefined {
  const key = statusInput(value);
  return key === undefined ? undefined : orderStatusByKey.get(key);
}

/** "Traveler canceled", "Traveler Canceled", "traveler cancelled", 3 and "3" all give "Traveler canceled". */
export function normaliseTicketStatus(value: unknown): AxTicketStatus | undefined {
  const key = statusInput(value);
  return key === undefined ? undefined : ticketStatusByKey.get(key);
}

/**
 * An AX datetime in one canonical form for matching (`2026-12-24T09:00:00Z`, milliseconds kept only when not zero).
 * Accepts `Z` or an offset, a space instead of `T`, and no zone at all (AX's datetimes are UTC). Text that is no
 * datetime is returned trimmed and unchanged.
 */
export function normaliseAxDatetime(text: string): string {
  const trimmed = text.trim();
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(trimmed);
  if (!match) return trimmed;
  const [, date, time, zone] = match;
  let offset = (zone ?? "Z").toUpperCase();
  if (/^[+-]\d{4}$/.test(offset)) offset = `${offset.slice(0, 3)}:${offset.slice(3)}`;
  const millis = Date.parse(`${date ?? ""}T${time ?? ""}${offset}`);
  if (Number.isNaN(millis)) return trimmed;
  return new Date(millis).toISOString().replace(".000Z", "Z");
}

// ---------------------------------------------------------------------------------------------------------------
// Responses (normalised)

export interface AxTicketResult {
  ax_ticket_code: string;
  ax_ticket_status: AxTicketStatus;
}

export interface AxOptionResult {
  option_code: string;
  /** As AX sent it, in canonical form (see normaliseAxDatetime). */
  inventory_at: string;
  ax_order_code: string;
  ax_order_status: AxOrderStatus;
  /** AX's quantity; the number of tickets when AX did not send one. */
  quantity: number;
  /** In AX's order (the docs suggest: request order). Empty when AX sent none (the oldest versions). */
  tickets: AxTicketResult[];
}

export interface CreateOrderResult {
  channel_order_code: string;
  channel_order_status: AxOrderStatus;
  options: AxOptionResult[];
}

export interface ConfirmationEntry {
  channel_order_code?: string;
  ax_order_code: string;
  ax_order_status: AxOrderStatus;
  comment?: string;
}

/** The entries of a confirmation info answer: usually one, for the AX order asked about. */
export type ConfirmationInfo = ConfirmationEntry[];

export interface FullCancelResult {
  channel_order_code?: string;
  channel_order_status?: AxOrderStatus;
  ax_order_code: string;
  ax_order_status: AxOrderStatus;
  comment?: string;
}

export interface TicketCancelResult {
  channel_order_code?: string;
  ax_order_code: string;
  /** Absent in the oldest answer shape. */
  ax_order_status?: AxOrderStatus;
  ax_ticket_code: string;
  ax_ticket_status: AxTicketStatus;
}

const code = v.pipe(
  v.union([v.string(), v.number()], "must be a code"),
  v.transform((value) => String(value).trim()),
  v.nonEmpty("must not be empty"),
);

const optionalText = v.nullish(
  v.pipe(
    v.union([v.string(), v.number()]),
    v.transform((value) => String(value)),
  ),
);

/** A status in any of AX's forms (named, numeric, other spellings), read as its named form or refused. */
function statusSchema<Status>(kind: "order" | "ticket", normalise: (value: unknown) => Status | undefined) {
  return v.pipe(
    v.union([v.string(), v.number()], `must be a${kind === "order" ? "n" : ""} ${kind} status`),
    v.rawTransform<string | number, Status>(({ dataset, addIssue, NEVER }) => {
      const status = normalise(dataset.value);
      if (status !== undefined) return status;
      addIssue({ message: `unknown ${kind} status ${JSON.stringify(dataset.value)}` });
      return NEVER;
    }),
  );
}

const orderStatus = statusSchema("order", normaliseOrderStatus);
const ticketStatus = statusSchema("ticket", normaliseTicketStatus);

const quantity = v.pipe(
  v.union([v.number(), v.pipe(v.string(), v.regex(/^\s*\d+\s*$/))], "must be a whole number"),
  v.transform(Number),
  v.integer("must be a whole number"),
  v.minValue(0),
);

const datetimeText = v.pipe(v.string("must be a datetime"), v.transform(normaliseAxDatetime));

/** Copies each legacy key to its newest name when the newest name is absent. */
function aliases(map: Record<string, string>) {
  return v.transform((input: unknown): unknown => {
    if (!isPlainObject(input)) return input;
    const out: Record<string, unknown> = { ...input };
    for (const [legacy, newest] of Object.entries(map)) {
      if ((out[newest] === undefined || out[newest] === null) && out[legacy] !== undefined) out[newest] = out[legacy];
    }
    return out;
  });
}

const ticketResultSchema: v.GenericSchema<unknown, AxTicketResult> = v.pipe(
  v.unknown(),
  aliases({ ticket_code: "ax_ticket_code", ticket_status: "ax_ticket_status", status: "ax_ticket_status" }),
  v.object({ ax_ticket_code: code, ax_ticket_status: ticketStatus }),
);

const optionResultSchema: v.GenericSchema<unknown, AxOptionResult> = v.pipe(
  v.unknown(),
  aliases({ dc_code: "option_code", use_date: "inventory_at", status: "ax_order_status" }),
  v.object({
    option_code: code,
    inventory_at: datetimeText,
    ax_order_code: code,
    ax_order_status: orderStatus,
    quantity: v.nullish(quantity),
    tickets: v.nullish(v.array(ticketResultSchema)),
  }),
  v.transform((option) => {
    const tickets = option.tickets ?? [];
    return { ...option, quantity: option.quantity ?? tickets.length, tickets };
  }),
);

const createResultSchema: v.GenericSchema<unknown, CreateOrderResult> = v.pipe(
  v.unknown(),
  aliases({ depth_combinations: "options" }),
  v.object({
    channel_order_code: code,
    channel_order_status: orderStatus,
    options: v.pipe(v.array(optionResultSchema), v.minLength(1, "must hold at least one option")),
  }),
);

const confirmationEntrySchema = v.pipe(
  v.unknown(),
  aliases({ status: "ax_order_status", order_status: "ax_order_status" }),
  v.object({
    channel_order_code: optionalText,
    ax_order_code: v.nullish(code),
    ax_order_status: orderStatus,
    comment: optionalText,
  }),
);

const confirmationSchema = v.union([v.array(confirmationEntrySchema), confirmationEntrySchema]);

const fullCancelSchema = v.pipe(
  v.unknown(),
  aliases({ channel_status: "channel_order_status", ax_status: "ax_order_status", status: "ax_order_status" }),
  v.object({
    channel_order_code: optionalText,
    channel_order_status: v.nullish(orderStatus),
    ax_order_code: v.nullish(code),
    ax_order_status: v.nullish(orderStatus),
    /** The intermediate shape: `ax: [{ax_order_code, ax_order_status}]`. */
    ax: v.nullish(
      v.array(
        v.pipe(
          v.unknown(),
          aliases({ ax_status: "ax_order_status", status: "ax_order_status" }),
          v.object({ ax_order_code: code, ax_order_status: orderStatus }),
        ),
      ),
    ),
    comment: optionalText,
  }),
);

const ticketCancelSchema = v.pipe(
  v.unknown(),
  aliases({ ticket_code: "ax_ticket_code", ticket_status: "ax_ticket_status", ax_status: "ax_ticket_status" }),
  v.object({
    channel_order_code: optionalText,
    ax_order_code: v.nullish(code),
    ax_order_status: v.nullish(orderStatus),
    ax_ticket_code: v.nullish(code),
    ax_ticket_status: ticketStatus,
  }),
);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export interface ParseContext {
  endpoint: AxEndpoint;
  status?: number;
  /** The raw answer, kept (truncated) on the error for a person to read. */
  responseText?: string;
}

function unexpected(context: ParseContext, problem: string): AxUnexpectedResponseError {
  return new AxUnexpectedResponseError({
    endpoint: context.endpoint,
    ...(context.status === undefined ? {} : { status: context.status }),
    problem,
    ...(context.responseText === undefined ? {} : { responseText: context.responseText }),
  });
}

const payloadKeys = [
  "channel_order_code",
  "ax_order_code",
  "ax_order_status",
  "options",
  "depth_combinations",
  "ax_ticket_code",
  "ticket_code",
  "ax",
];

/**
 * Removes the `{"status_code": …, "data": …}` envelope when there is one (an object with `data` and none of the
 * payload's own keys). An envelope whose `status_code` is not 2xx is an unreadable answer.
 */
function unwrapEnvelope(body: unknown, context: ParseContext): unknown {
  if (!isPlainObject(body) || !("data" in body)) return body;
  if (payloadKeys.some((key) => key in body)) return body;
  const inner = body.status_code;
  const innerStatus = typeof inner === "number" ? inner : typeof inner === "string" ? Number(inner) : undefined;
  if (innerStatus !== undefined && !(innerStatus >= 200 && innerStatus < 300))
    throw unexpected(context, `the envelope says status_code ${String(inner)}`);
  return body.data;
}

function parse<T>(schema: v.GenericSchema<unknown, T>, body: unknown, context: ParseContext): T {
  const result = v.safeParse(schema, unwrapEnvelope(body, context));
  if (result.success) return result.output;
  const problems = result.issues
    .slice(0, 5)
    .map((issue) => `${v.getDotPath(issue) ?? "body"}: ${issueText(issue)}`)
    .join("; ");
  throw unexpected(context, problems);
}

type ResponseContext = Omit<ParseContext, "endpoint">;

/** Parses a create answer (201 or 200). Throws AxUnexpectedResponseError (outcome unknown) when it cannot. */
export function parseCreateOrderResponse(body: unknown, context: ResponseContext = {}): CreateOrderResult {
  return parse(createResultSchema, body, { ...context, endpoint: "create" });
}

/**
 * Parses a confirmation info answer: a list (or a single entry) of statuses. An entry without `ax_order_code` is
 * taken to be about the order asked for.
 */
export function parseConfirmationResponse(
  body: unknown,
  axOrderCode: string,
  context: ResponseContext = {},
): ConfirmationInfo {
  const parsed = parse(confirmationSchema, body, { ...context, endpoint: "confirmation" });
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  return entries.map((entry) => ({
    ...(entry.channel_order_code == null ? {} : { channel_order_code: entry.channel_order_code }),
    ax_order_code: entry.ax_order_code ?? axOrderCode,
    ax_order_status: entry.ax_order_status,
    ...(entry.comment == null ? {} : { comment: entry.comment }),
  }));
}

/** The entry about `axOrderCode` in a confirmation info answer. */
export function findConfirmation(info: ConfirmationInfo, axOrderCode: string): ConfirmationEntry | undefined {
  return info.find((entry) => entry.ax_order_code === axOrderCode);
}

/**
 * Parses a full cancel answer, newest (`ax_order_code`, `ax_order_status` at the top) or intermediate
 * (`ax: [{ax_order_code, ax_order_status}]`): the result is about `axOrderCode`.
 */
export function parseFullCancelResponse(
  body: unknown,
  axOrderCode: string,
  context: ResponseContext = {},
): FullCancelResult {
  const ctx: ParseContext = { ...context, endpoint: "cancel_order" };
  const parsed = parse(fullCancelSchema, body, ctx);
  let axCode = parsed.ax_order_code ?? undefined;
  let axStatus = parsed.ax_order_status ?? undefined;
  if (axStatus === undefined && parsed.ax) {
    const entry =
      parsed.ax.find((item) => item.ax_order_code === axOrderCode) ??
      (parsed.ax.length === 1 ? parsed.ax[0] : undefined);
    axCode = entry?.ax_order_code;
    axStatus = entry?.ax_order_status;
  }
  if (axStatus === undefined) throw unexpected(ctx, "ax_order_status: is required");
  axCode ??= axOrderCode;
  if (axCode !== axOrderCode) throw unexpected(ctx, "ax_order_code: is not the cancelled order's code");
  return {
    ...(parsed.channel_order_code == null ? {} : { channel_order_code: parsed.channel_order_code }),
    ...(parsed.channel_order_status == null ? {} : { channel_order_status: parsed.channel_order_status }),
    ax_order_code: axCode,
    ax_order_status: axStatus,
    ...(parsed.comment == null ? {} : { comment: parsed.comment }),
  };
}

/** Parses a ticket cancel answer (newest, or the oldest `ticket_code`/`ax_status` shape). */
export function parseTicketCancelResponse(
  body: unknown,
  codes: { axOrderCode: string; axTicketCode: string },
  context: ResponseContext = {},
): TicketCancelResult {
  const ctx: ParseContext = { ...context, endpoint: "cancel_ticket" };
  const parsed = parse(ticketCancelSchema, body, ctx);
  const axOrderCode = parsed.ax_order_code ?? codes.axOrderCode;
  const axTicketCode = parsed.ax_ticket_code ?? codes.axTicketCode;
  if (axOrderCode !== codes.axOrderCode) throw unexpected(ctx, "ax_order_code: is not the ticket's order code");
  if (axTicketCode !== codes.axTicketCode) throw unexpected(ctx, "ax_ticket_code: is not the cancelled ticket's code");
  return {
    ...(parsed.channel_order_code == null ? {} : { channel_order_code: parsed.channel_order_code }),
    ax_order_code: axOrderCode,
    ...(parsed.ax_order_status == null ? {} : { ax_order_status: parsed.ax_order_status }),
    ax_ticket_code: axTicketCode,
    ax_ticket_status: parsed.ax_ticket_status,
  };
}

/** The tolerant answer parser, for the catalog answers of ./catalog-schemas (issue #20). */
export const parseAxAnswer = parse;
export type AxResponseContext = ResponseContext;
