// The channel's webhook events as valibot schemas: every rule of the contract (docs/contract.md,
// "Events", `order.placed`, `order.cancelled`) that can be checked on one event alone. Unknown fields
// are stripped (forward compatible). `parseChannelEvent` turns valibot's issues into the 400 body's
// `[{path, message}]`: one plain-English issue per path, the path dotted from the body's root.
import * as v from "valibot";
import { parseJsonOrUndefined } from "../json";

export const EVENT_TYPES = ["order.placed", "order.cancelled"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const CURRENCIES = ["KRW", "USD"] as const;
export type Currency = (typeof CURRENCIES)[number];

export const PRODUCT_TYPES = ["tour", "day-ticket"] as const;
export type ProductType = (typeof PRODUCT_TYPES)[number];

export const CANCEL_REASONS = ["traveler", "unavoidable"] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

/** The contract's limits, in one place (lengths count Unicode characters, as JSON Schema does). */
export const LIMITS = {
  idMaxChars: 128,
  freeTextMaxChars: 2000,
  moneyIntegerDigits: 15,
  moneyDecimals: 5,
  quantityMin: 1,
  quantityMax: 100,
  itemsMin: 1,
  itemsMax: 50,
  /** A contact field (`name`, `country_code`, `phone`, `email`): the longest e-mail address is 254 characters. */
  contactMaxChars: 254,
  /** A key of `additional`. */
  additionalKeyMaxChars: 128,
  /** Issues listed in a 400 `invalid_payload` answer; the rest are counted. */
  issuesMax: 50,
} as const;

/** The id the adapter gives ticket `n` (from 1) of an item that sends no `tickets`. */
export function defaultTicketId(itemId: string, n: number): string {
  return `${itemId}-${n}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Messages

/** A short, plain description of a JSON value for "got ..." in messages. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string": {
      if (value === "") return "an empty string";
      const chars = Array.from(value);
      const shown = chars.length > 40 ? `${chars.slice(0, 40).join("")}…` : value;
      return JSON.stringify(shown);
    }
    case "number":
      return `the number ${value}`;
    case "boolean":
      return String(value);
    case "undefined":
      return "nothing";
    default:
      return "an object";
  }
}

const got = (issue: { input: unknown }): string => `got ${describe(issue.input)}`;
const list = (values: readonly string[]): string => values.map((value) => `"${value}"`).join(", ");

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Guards an object schema: valibot's `object` would take an array as an object. */
const jsonObjectGuard = (what = "a JSON object") =>
  v.custom<Record<string, unknown>>(isJsonObject, (issue) => `must be ${what}, ${got(issue)}`);

const required = (): string => "is required";

const objectPathItem = (input: Record<string, unknown>, key: string): v.ObjectPathItem => ({
  type: "object",
  origin: "value",
  input,
  key,
  value: input[key],
});

/** A JSON object with these entries; unknown keys are ignored and stripped. */
function jsonObject<const TEntries extends v.ObjectEntries>(entries: TEntries) {
  return v.pipe(jsonObjectGuard(), v.object(entries, required));
}

const string = () => v.string((issue) => `must be a string, ${got(issue)}`);

/** Characters that are not printable: controls, invisible formatting marks, line/paragraph separators. */
const NON_PRINTABLE = /[\p{C}\p{Zl}\p{Zp}]/u;
const PRINTABLE = /^[^\p{C}\p{Zl}\p{Zp}]*$/u;

const isNotBlank = (value: string): boolean => value.trim() !== "";

function nonPrintableMessage(issue: { input: string }): string {
  const chars = Array.from(issue.input);
  const index = chars.findIndex((char) => NON_PRINTABLE.test(char));
  const codePoint = (chars[index] ?? "").codePointAt(0) ?? 0;
  const code = `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
  return `must contain only printable characters, found ${code} at position ${index + 1}`;
}

/** An id: 1–128 printable characters, not blank. */
const id = () =>
  v.pipe(
    string(),
    v.minCodePoints(1, `must not be empty (1 to ${LIMITS.idMaxChars} printable characters)`),
    v.maxCodePoints(
      LIMITS.idMaxChars,
      (issue) => `must be at most ${LIMITS.idMaxChars} characters, got ${issue.received}`,
    ),
    v.regex(PRINTABLE, nonPrintableMessage),
    v.check(isNotBlank, "must not be blank"),
  );

/** Has a character that is not white space: not empty once trimmed (JavaScript's `\s` is what `trim` removes). */
const NOT_BLANK = /\S/;

/** Control characters (NUL among them): never part of a name, a phone number or an address. */
const CONTROL = /\p{Cc}/u;
const NUL = "\u0000";

function controlMessage(issue: { input: string }): string {
  const index = Array.from(issue.input).findIndex((char) => CONTROL.test(char));
  const code = (Array.from(issue.input)[index] ?? "").codePointAt(0) ?? 0;
  return `must not contain control characters, found U+${code.toString(16).toUpperCase().padStart(4, "0")} at position ${index + 1}`;
}

/** A contact field: at most 254 characters, no control characters (NUL included). */
const contactRules = () =>
  [
    v.maxCodePoints(
      LIMITS.contactMaxChars,
      (issue: { received: string }) => `must be at most ${LIMITS.contactMaxChars} characters, got ${issue.received}`,
    ),
    v.check((value: string) => !CONTROL.test(value), controlMessage),
  ] as const;

/** A required contact field: not empty once trimmed. */
const requiredContact = () => v.pipe(string(), v.regex(NOT_BLANK, "must not be empty or blank"), ...contactRules());

/** A traveler's optional contact field: absent is fine (filled in later), blank is not. */
const optionalContact = () =>
  v.optional(
    v.pipe(
      string(),
      v.regex(NOT_BLANK, "must not be blank; leave it out to take it from the representative or the purchaser"),
      ...contactRules(),
    ),
  );

/** Free text (`comment`, `note`, `discount_method`, `additional` values): at most 2,000 characters, no NUL. */
const freeTextRules = () =>
  [
    v.maxCodePoints(
      LIMITS.freeTextMaxChars,
      (issue: { received: string }) => `must be at most ${LIMITS.freeTextMaxChars} characters, got ${issue.received}`,
    ),
    v.check((value: string) => !value.includes(NUL), "must not contain the NUL character (U+0000)"),
  ] as const;

const freeText = () => v.pipe(string(), ...freeTextRules());

/** Money: a non-negative decimal string, at most 15 integer digits and 5 decimals. */
export const MONEY_PATTERN = /^\d{1,15}(?:\.\d{1,5})?$/;

function moneyMessage(issue: { input: string }): string {
  const value = issue.input;
  const generic = `must be a non-negative decimal string such as "60000" or "12.5" (digits, optionally a dot and up to ${LIMITS.moneyDecimals} decimals), ${got(issue)}`;
  const parts = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(value);
  if (!parts) return generic;
  const [, sign = "", integer = "", decimals = ""] = parts;
  if (sign === "-" && /[1-9]/.test(value)) return `must not be negative, ${got(issue)}`;
  if (sign !== "") return generic;
  if (integer.length > LIMITS.moneyIntegerDigits)
    return `must have at most ${LIMITS.moneyIntegerDigits} integer digits, got ${integer.length}`;
  if (decimals.length > LIMITS.moneyDecimals)
    return `must have at most ${LIMITS.moneyDecimals} decimals, got ${decimals.length}`;
  return generic;
}

const money = () =>
  v.pipe(
    v.string((issue) =>
      typeof issue.input === "number"
        ? `money must be a decimal string such as "60000" or "12.5", not a JSON number (send "${String(issue.input)}")`
        : `money must be a decimal string such as "60000" or "12.5", ${got(issue)}`,
    ),
    v.regex(MONEY_PATTERN, moneyMessage),
  );

// Dates. RFC 3339 `date-time` (section 5.6): a full date, `T`, a time with optional fraction and an offset `Z` or
// ±hh:mm (the letters may be lower case). Leap seconds (`:60`) are refused: JavaScript dates cannot hold them.
export const DATE_TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
export const CALENDAR_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_OR_DATE_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}(?:[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;
const NO_OFFSET = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

function isRealDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

/** A calendar date `YYYY-MM-DD` that exists (2026-02-29 does not). */
export function isCalendarDate(value: string): boolean {
  const parts = CALENDAR_DATE_PATTERN.exec(value);
  return parts !== null && isRealDay(Number(parts[1]), Number(parts[2]), Number(parts[3]));
}

/** An RFC 3339 date-time with offset whose day, time and offset exist. */
export function isDateTime(value: string): boolean {
  const parts = DATE_TIME_PATTERN.exec(value);
  if (!parts) return false;
  // Unmatched groups (the offset when it is `Z`) are undefined.
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetHour = 0, offsetMinute = 0] = parts
    .slice(1)
    .map((part: string | undefined) => (part === undefined ? 0 : Number(part)));
  return (
    isRealDay(year, month, day) && hour <= 23 && minute <= 59 && second <= 59 && offsetHour <= 23 && offsetMinute <= 59
  );
}

const DATE_TIME_EXAMPLE = `such as "2026-11-23T08:59:41Z" or "2026-12-24T18:00:00+09:00"`;

function dateTimeShapeMessage(issue: { input: string }): string {
  return NO_OFFSET.test(issue.input)
    ? `must be an RFC 3339 date-time with an offset (Z or ±hh:mm) ${DATE_TIME_EXAMPLE}, ${got(issue)} (no offset)`
    : `must be an RFC 3339 date-time with an offset ${DATE_TIME_EXAMPLE}, ${got(issue)}`;
}

const dateTime = () =>
  v.pipe(
    string(),
    v.regex(DATE_TIME_PATTERN, dateTimeShapeMessage),
    v.check(isDateTime, (issue) => `must be a real date and time (no such day, time or offset), ${got(issue)}`),
    v.metadata({ format: "date-time" }),
  );

const DATE_EXAMPLES = `a calendar date such as "2026-12-25" or an RFC 3339 date-time with an offset such as "2026-12-24T18:00:00+09:00"`;

const itemDate = () =>
  v.pipe(
    string(),
    v.regex(DATE_OR_DATE_TIME_PATTERN, (issue) =>
      NO_OFFSET.test(issue.input)
        ? `must be ${DATE_EXAMPLES}, ${got(issue)} (a date-time needs an offset: Z or ±hh:mm)`
        : `must be ${DATE_EXAMPLES}, ${got(issue)}`,
    ),
    v.check(
      (value) => isCalendarDate(value) || isDateTime(value),
      (issue) => `must be a real date (no such day, time or offset), ${got(issue)}`,
    ),
    v.metadata({ anyOf: [{ format: "date" }, { format: "date-time" }] }),
  );

const quantityMessage = (issue: { input: unknown }): string =>
  `must be an integer from ${LIMITS.quantityMin} to ${LIMITS.quantityMax}, ${got(issue)}`;

const quantity = () =>
  v.pipe(
    v.number(quantityMessage),
    v.integer(quantityMessage),
    v.minValue(LIMITS.quantityMin, quantityMessage),
    v.maxValue(LIMITS.quantityMax, quantityMessage),
  );

/** Keys a JavaScript object cannot hold as plain data: refused, never silently dropped. */
export const RESERVED_KEYS = ["__proto__", "constructor", "prototype"] as const;

/** `additional` names none of RESERVED_KEYS (JSON.parse keeps `__proto__` as an own key; valibot would drop it). */
const reservedKeysCheck = v.rawCheck<Record<string, unknown>>(({ dataset, addIssue }) => {
  const value: unknown = dataset.value;
  if (!isJsonObject(value)) return;
  for (const key of RESERVED_KEYS)
    if (Object.hasOwn(value, key))
      addIssue({
        message: `"${key}" is a reserved name and cannot be an additional key; use another name`,
        path: [objectPathItem(value, key)],
      });
});

/** `additional`: a JSON object whose values are strings. */
const additional = () =>
  v.optional(
    v.pipe(
      jsonObjectGuard("a JSON object of strings"),
      reservedKeysCheck,
      v.record(
        v.pipe(
          v.string(),
          v.maxLength(LIMITS.additionalKeyMaxChars, `keys must be at most ${LIMITS.additionalKeyMaxChars} characters`),
        ),
        v.pipe(
          v.string((issue) => `must be a string (additional holds text values only), ${got(issue)}`),
          ...freeTextRules(),
        ),
      ),
    ),
  );

const picklist = <const T extends readonly string[]>(options: T) =>
  v.picklist(options, (issue) => `must be one of ${list(options)}, ${got(issue)}`);

// ---------------------------------------------------------------------------------------------------------------
// order.placed

/** A traveler: every field optional; missing contact fields come from the representative, else the purchaser. */
export const TravelerSchema = jsonObject({
  name: optionalContact(),
  country_code: optionalContact(),
  phone: optionalContact(),
  email: optionalContact(),
  additional: additional(),
  note: v.optional(freeText()),
});

export const PurchaserSchema = jsonObject({
  name: requiredContact(),
  country_code: requiredContact(),
  phone: requiredContact(),
  email: requiredContact(),
  additional: additional(),
  note: v.optional(freeText()),
});

export const TicketSchema = jsonObject({
  ticket_id: id(),
  traveler: v.optional(TravelerSchema),
});

export const AxProductSchema = jsonObject({
  product_type: picklist(PRODUCT_TYPES),
  mapping_code: id(),
  option_code: id(),
});

const placedItemEntries = v.object(
  {
    item_id: id(),
    ax: v.optional(AxProductSchema),
    sku: v.optional(id()),
    date: itemDate(),
    quantity: quantity(),
    unit_price: money(),
    discount: v.optional(money()),
    amount: money(),
    tickets: v.optional(
      v.pipe(
        v.array(TicketSchema, (issue) => `must be an array of tickets, ${got(issue)}`),
        v.description(
          "Exactly `quantity` entries; `ticket_id`s unique across the order. When omitted the adapter makes `quantity` tickets with ids `{item_id}-{n}` (n from 1).",
        ),
      ),
    ),
  },
  required,
);

type PlacedItemFields = v.InferOutput<typeof placedItemEntries>;
export type AxProduct = v.InferOutput<typeof AxProductSchema>;
/** An item names its AX product either by `ax` or by the channel's `sku` (looked up in the mapping table). */
export type PlacedItem = Omit<PlacedItemFields, "ax" | "sku"> &
  ({ ax: AxProduct; sku?: undefined } | { ax?: undefined; sku: string });

const isQuantity = (value: unknown): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= LIMITS.quantityMin && value <= LIMITS.quantityMax;

const arrayPathItem = (input: unknown[], key: number): v.ArrayPathItem => ({
  type: "array",
  origin: "value",
  input,
  key,
  value: input[key],
});

/** An item has `ax` or `sku`, not neither, not both. Runs even when other fields are broken. */
const productReferenceCheck = v.rawCheck<PlacedItemFields>(({ dataset, addIssue }) => {
  const item: unknown = dataset.value;
  if (!isJsonObject(item)) return;
  const hasAx = item.ax !== undefined;
  const hasSku = item.sku !== undefined;
  if (!hasAx && !hasSku)
    addIssue({
      message:
        'must name its AX product: give either "ax" (product_type, mapping_code, option_code) or "sku" (looked up in the product mapping table)',
    });
  else if (hasAx && hasSku) addIssue({ message: 'must give either "ax" or "sku", not both' });
});

/** `tickets`, when given, has exactly `quantity` entries. */
const ticketCountCheck = v.rawCheck<PlacedItemFields>(({ dataset, addIssue }) => {
  const item: unknown = dataset.value;
  if (!isJsonObject(item) || !Array.isArray(item.tickets) || !isQuantity(item.quantity)) return;
  if (item.tickets.length !== item.quantity)
    addIssue({
      message: `must have exactly ${item.quantity} ticket${item.quantity === 1 ? "" : "s"} (quantity is ${item.quantity}), got ${item.tickets.length}`,
      path: [objectPathItem(item, "tickets")],
    });
});

function toPlacedItem(item: PlacedItemFields): PlacedItem {
  const { ax, sku, ...rest } = item;
  if (ax !== undefined) return { ...rest, ax };
  if (sku !== undefined) return { ...rest, sku };
  // Unreachable: productReferenceCheck added an issue, and valibot skips transforms after an issue.
  throw new Error('an item without "ax" or "sku" passed validation');
}

export const PlacedItemSchema = v.pipe(
  jsonObjectGuard(),
  placedItemEntries,
  productReferenceCheck,
  ticketCountCheck,
  v.metadata({
    description: "Names its AX product by `ax` or by the channel's `sku` (exactly one of them).",
    oneOf: [{ required: ["ax"] }, { required: ["sku"] }],
  }),
  v.transform(toPlacedItem),
);

const placedDataEntries = v.object(
  {
    order_id: id(),
    placed_at: dateTime(),
    currency: picklist(CURRENCIES),
    subtotal: money(),
    discount: v.optional(money()),
    discount_method: v.optional(freeText()),
    total: money(),
    is_voucher: v.optional(
      v.boolean((issue) => `must be true or false, ${got(issue)}`),
      false,
    ),
    comment: v.optional(freeText()),
    purchaser: PurchaserSchema,
    representative: v.nullish(TravelerSchema),
    items: v.pipe(
      v.array(PlacedItemSchema, (issue) => `must be an array of items, ${got(issue)}`),
      v.minLength(LIMITS.itemsMin, "must have at least one item"),
      v.maxLength(
        LIMITS.itemsMax,
        (issue) => `must have at most ${LIMITS.itemsMax} items per order, got ${issue.received}`,
      ),
    ),
  },
  required,
);

type PlacedDataFields = v.InferOutput<typeof placedDataEntries>;

interface TicketIdOwner {
  path: string;
  itemId: string;
  n: number | undefined; // the ticket's number when the adapter makes its id (no `tickets` sent)
}

/** `item_id`s are unique; `ticket_id`s are unique across the order, counting the ids the adapter will make. */
const uniqueIdsCheck = v.rawCheck<PlacedDataFields>(({ dataset, addIssue }) => {
  const data: unknown = dataset.value;
  if (!isJsonObject(data) || !Array.isArray(data.items)) return;
  const items: unknown[] = data.items;
  const itemPaths = new Map<string, string>();
  const tickets = new Map<string, TicketIdOwner>();

  items.forEach((item, index) => {
    if (!isJsonObject(item) || typeof item.item_id !== "string") return;
    const itemId = item.item_id;
    const firstPath = itemPaths.get(itemId);
    if (firstPath === undefined) itemPaths.set(itemId, `data.items.${index}`);
    else
      addIssue({
        message: `must be unique within the order: "${itemId}" is also the item_id of ${firstPath}`,
        path: [objectPathItem(data, "items"), arrayPathItem(items, index), objectPathItem(item, "item_id")],
      });
  });

  // The adapter's own ids first, so that a channel ticket_id colliding with one is reported on the channel's side.
  items.forEach((item, index) => {
    if (!isJsonObject(item) || typeof item.item_id !== "string" || item.tickets !== undefined) return;
    if (!isQuantity(item.quantity)) return;
    for (let n = 1; n <= item.quantity; n++)
      tickets.set(defaultTicketId(item.item_id, n), { path: `data.items.${index}`, itemId: item.item_id, n });
  });

  items.forEach((item, index) => {
    if (!isJsonObject(item) || !Array.isArray(item.tickets)) return;
    const itemTickets: unknown[] = item.tickets;
    itemTickets.forEach((ticket, ticketIndex) => {
      if (!isJsonObject(ticket) || typeof ticket.ticket_id !== "string") return;
      const ticketId = ticket.ticket_id;
      const path = `data.items.${index}.tickets.${ticketIndex}`;
      const first = tickets.get(ticketId);
      if (first === undefined) {
        tickets.set(ticketId, { path, itemId: typeof item.item_id === "string" ? item.item_id : "", n: undefined });
        return;
      }
      addIssue({
        message:
          first.n === undefined
            ? `must be unique across the order: "${ticketId}" is also the ticket_id of ${first.path}`
            : `must be unique across the order: "${ticketId}" is the id the adapter gives ticket ${first.n} of item "${first.itemId}" (${first.path}), which sends no tickets`,
        path: [
          objectPathItem(data, "items"),
          arrayPathItem(items, index),
          objectPathItem(item, "tickets"),
          arrayPathItem(itemTickets, ticketIndex),
          objectPathItem(ticket, "ticket_id"),
        ],
      });
    });
  });
});

export const OrderPlacedDataSchema = v.pipe(jsonObjectGuard(), placedDataEntries, uniqueIdsCheck);

export const OrderPlacedEventSchema = v.object(
  {
    type: v.literal("order.placed"),
    timestamp: v.optional(dateTime()),
    data: OrderPlacedDataSchema,
  },
  required,
);

// ---------------------------------------------------------------------------------------------------------------
// order.cancelled

const idList = () =>
  v.pipe(
    v.array(id(), (issue) => `must be an array of ids, ${got(issue)}`),
    v.minLength(1, "must not be empty when present; leave both item_ids and ticket_ids out to cancel the whole order"),
  );

export const OrderCancelledDataSchema = jsonObject({
  order_id: id(),
  reason: v.optional(picklist(CANCEL_REASONS), "traveler"),
  comment: v.optional(freeText()),
  item_ids: v.optional(idList()),
  ticket_ids: v.optional(idList()),
});

export const OrderCancelledEventSchema = v.object(
  {
    type: v.literal("order.cancelled"),
    timestamp: v.optional(dateTime()),
    data: OrderCancelledDataSchema,
  },
  required,
);

// ---------------------------------------------------------------------------------------------------------------
// The envelope

export const ChannelEventSchema = v.pipe(
  v.custom<Record<string, unknown>>(isJsonObject, (issue) => `the event must be a JSON object, ${got(issue)}`),
  v.variant("type", [OrderPlacedEventSchema, OrderCancelledEventSchema], (issue) =>
    issue.input === undefined
      ? `is required: one of ${list(EVENT_TYPES)}`
      : `must be one of ${list(EVENT_TYPES)}, ${got(issue)}`,
  ),
);

export type Traveler = v.InferOutput<typeof TravelerSchema>;
export type Purchaser = v.InferOutput<typeof PurchaserSchema>;
export type PlacedTicket = v.InferOutput<typeof TicketSchema>;
export type OrderPlacedData = v.InferOutput<typeof OrderPlacedDataSchema>;
export type OrderPlacedEvent = v.InferOutput<typeof OrderPlacedEventSchema>;
export type OrderCancelledData = v.InferOutput<typeof OrderCancelledDataSchema>;
export type OrderCancelledEvent = v.InferOutput<typeof OrderCancelledEventSchema>;
export type ChannelEvent = v.InferOutput<typeof ChannelEventSchema>;

/** One broken rule, as the 400 `invalid_payload` body lists it. */
export interface ChannelEventIssue {
  /** Dotted from the body's root (`data.items.0.quantity`); `""` for the body itself. */
  path: string;
  message: string;
}

export type ParseChannelEventResult = { ok: true; event: ChannelEvent } | { ok: false; issues: ChannelEventIssue[] };

function dottedPath(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? []).map((item) => String(item.key)).join(".");
}

/**
 * Validates a parsed JSON body against the contract. On failure, lists one issue per path (the first rule broken
 * there), in document order as valibot found them.
 */
export function parseChannelEvent(value: unknown): ParseChannelEventResult {
  const oversized = oversizedLists(value);
  if (oversized.length > 0) return { ok: false, issues: oversized };
  const result = v.safeParse(ChannelEventSchema, value);
  if (result.success) return { ok: true, event: result.output };
  const issues = new Map<string, ChannelEventIssue>();
  for (const issue of result.issues) {
    const path = dottedPath(issue);
    if (!issues.has(path)) issues.set(path, { path, message: issue.message });
  }
  return { ok: false, issues: [...issues.values()] };
}

/** A stored event's raw body read back against the contract: the worker, a replay and a reconciliation. */
export const parseStoredEventBody = (body: string): ParseChannelEventResult =>
  parseChannelEvent(parseJsonOrUndefined(body));

/**
 * Lists longer than the contract allows, found before any of their entries is checked: an `items` list over the
 * limit is one issue (not one per item), and so is a `tickets` list over the largest quantity.
 */
function oversizedLists(value: unknown): ChannelEventIssue[] {
  if (!isJsonObject(value) || value.type !== "order.placed" || !isJsonObject(value.data)) return [];
  const items = value.data.items;
  if (!Array.isArray(items)) return [];
  if (items.length > LIMITS.itemsMax)
    return [
      { path: "data.items", message: `must have at most ${LIMITS.itemsMax} items per order, got ${items.length}` },
    ];
  const issues: ChannelEventIssue[] = [];
  items.forEach((item: unknown, index) => {
    if (isJsonObject(item) && Array.isArray(item.tickets) && item.tickets.length > LIMITS.quantityMax)
      issues.push({
        path: `data.items.${index}.tickets`,
        message: `must have at most ${LIMITS.quantityMax} tickets (the largest quantity), got ${item.tickets.length}`,
      });
  });
  return issues;
}

/** The longest path or message an answer repeats (a path can hold a key the sender chose). */
const ISSUE_TEXT_MAX_CHARS = 300;

const clip = (text: string): string =>
  text.length > ISSUE_TEXT_MAX_CHARS ? `${text.slice(0, ISSUE_TEXT_MAX_CHARS - 1)}…` : text;

/**
 * The issues of a 400 `invalid_payload` answer: at most 50, each path and message clipped to 300 characters (so
 * the answer stays far under 64 KiB); when more were found, `issues_truncated` and the full `issue_count`.
 */
export function boundedIssues(
  issues: readonly ChannelEventIssue[],
): { issues: ChannelEventIssue[] } | { issues: ChannelEventIssue[]; issues_truncated: true; issue_count: number } {
  const listed = issues
    .slice(0, LIMITS.issuesMax)
    .map((issue) => ({ path: clip(issue.path), message: clip(issue.message) }));
  return issues.length > LIMITS.issuesMax
    ? { issues: listed, issues_truncated: true, issue_count: issues.length }
    : { issues: listed };
}
