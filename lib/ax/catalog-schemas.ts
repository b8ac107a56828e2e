// AX's catalog answers the OCTO supplier API reads (issue #20): product detail, latest price, inventory
// availability (research file §3.6, §3.9, §3.10). AX documents these loosely (the product detail's option fields were
// never retrievable; prices came as floats and, earlier, as an object per option), so they are parsed tolerantly,
// the way docs/decisions.md reads them, and anything unreadable is an AxUnexpectedResponseError naming the field.
import * as v from "valibot";
import { parseAxAnswer, type AxResponseContext } from "./schemas";

/** AX marks empty values with the string "Void" (research file §1.3). */
const text = () =>
  v.pipe(
    v.union([v.string(), v.number()]),
    v.transform((value) => String(value)),
  );
const optionalText = () => v.optional(v.nullable(text()));
const isVoid = (value: string | null | undefined) => value == null || value.trim() === "" || value === "Void";

const DetailOptionSchema = v.object({
  option_code: optionalText(),
  dc_code: optionalText(),
  option_name: optionalText(),
  name: optionalText(),
  title: optionalText(),
});

const ProductDetailSchema = v.object({
  product_code: optionalText(),
  product_name: optionalText(),
  required_traveler_information: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
  contents: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
  options: v.array(DetailOptionSchema),
});

export interface AxProductOption {
  option_code: string;
  name: string | undefined;
}

export interface AxProductDetail {
  name: string | undefined;
  options: AxProductOption[];
  /** The traveler keys AX marks `true` (e.g. `english_name`): asked of every traveler (research file §3.6.1). */
  required_traveler_information: string[];
}

export function parseProductDetail(body: unknown, context: AxResponseContext = {}): AxProductDetail {
  const parsed = parseAxAnswer(ProductDetailSchema, body, { ...context, endpoint: "product_detail" });
  const contentName = parsed.contents?.product_name;
  const name = [parsed.product_name, typeof contentName === "string" ? contentName : undefined].find(
    (candidate) => !isVoid(candidate),
  );
  return {
    name: name ?? undefined,
    options: parsed.options.flatMap((option) => {
      const code = option.option_code ?? option.dc_code;
      if (isVoid(code)) return [];
      const optionName = [option.option_name, option.name, option.title].find((candidate) => !isVoid(candidate));
      return [{ option_code: code ?? "", name: optionName ?? undefined }];
    }),
    required_traveler_information: Object.entries(parsed.required_traveler_information ?? {})
      .filter(([, required]) => required === true || required === "true")
      .map(([key]) => key),
  };
}

/** A float or a decimal string; kept as the decimal text AX sent (money is never a binary float here). */
const decimal = () =>
  v.pipe(
    v.union([v.number(), v.pipe(v.string(), v.regex(/^\d+(?:\.\d+)?$/))]),
    v.transform((value) => String(value)),
  );

const PriceListSchema = v.object({
  prices: v.union([
    v.array(
      v.object({
        option_code: text(),
        unit_selling_price_usd: v.optional(v.nullable(decimal())),
        unit_selling_price_krw: v.optional(v.nullable(decimal())),
      }),
    ),
    // Older answers: an object keyed by option, `{currency: "1"|"2"|"KRW"|"USD", price}` (research file §3.9).
    v.record(v.string(), v.object({ currency: text(), price: decimal() })),
  ]),
});

/** One option's latest unit selling price, by currency (decimal strings). */
export interface AxOptionPrice {
  option_code: string;
  unit_price: Partial<Record<"USD" | "KRW", string>>;
}

const LEGACY_CURRENCIES: Record<string, "USD" | "KRW"> = { "1": "KRW", "2": "USD", KRW: "KRW", USD: "USD" };

export function parsePrices(body: unknown, context: AxResponseContext = {}): AxOptionPrice[] {
  const { prices } = parseAxAnswer(PriceListSchema, body, { ...context, endpoint: "price" });
  if (Array.isArray(prices))
    return prices.map((price) => ({
      option_code: price.option_code,
      unit_price: {
        ...(price.unit_selling_price_usd == null ? {} : { USD: price.unit_selling_price_usd }),
        ...(price.unit_selling_price_krw == null ? {} : { KRW: price.unit_selling_price_krw }),
      },
    }));
  return Object.entries(prices).flatMap(([optionCode, price]) => {
    const currency = LEGACY_CURRENCIES[price.currency];
    return currency ? [{ option_code: optionCode, unit_price: { [currency]: price.price } }] : [];
  });
}

const count = () => v.pipe(v.number(), v.integer(), v.minValue(0));
const InventoryEntrySchema = v.object({
  inventory_code: optionalText(),
  date: v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/)),
  start_time: v.optional(v.nullable(v.pipe(v.string(), v.regex(/^\d{2}:\d{2}(?::\d{2})?$/)))),
  is_order: v.optional(v.nullable(v.boolean())),
  max_quantity: v.optional(v.nullable(count())),
  remain_quantity: count(),
  ordered_quantity: v.optional(v.nullable(count())),
});

const InventoryPageSchema = v.object({
  option_codes: v.optional(v.record(v.string(), v.array(InventoryEntrySchema))),
  // The diff artifact `optionsoption_codes` (research file §3.10): an older key.
  options: v.optional(v.record(v.string(), v.array(InventoryEntrySchema))),
  next: v.optional(v.nullable(v.unknown())),
});

/** One inventory slot of one AX option: a date, and for tours a start time (local to the product). */
export interface AxInventorySlot {
  option_code: string;
  date: string;
  /** `HH:MM`; absent for day tickets. */
  start_time: string | undefined;
  on_sale: boolean;
  max_quantity: number | undefined;
  remain_quantity: number;
}

export interface AxInventoryPage {
  slots: AxInventorySlot[];
  /** Entries per option on this page, the most of any option: a full page means another may follow. */
  largest_option_page: number;
  /** AX said there is no next page (DRF's `next: null`); undefined when it did not say. */
  last_page: boolean | undefined;
}

export function parseInventoryPage(body: unknown, context: AxResponseContext = {}): AxInventoryPage {
  const parsed = parseAxAnswer(InventoryPageSchema, body, { ...context, endpoint: "inventory" });
  const byOption = parsed.option_codes ?? parsed.options ?? {};
  const slots = Object.entries(byOption).flatMap(([optionCode, entries]) =>
    entries.map((entry): AxInventorySlot => ({
      option_code: optionCode,
      date: entry.date,
      start_time: entry.start_time ? entry.start_time.slice(0, 5) : undefined,
      on_sale: entry.is_order ?? true,
      max_quantity: entry.max_quantity ?? undefined,
      remain_quantity: entry.remain_quantity,
    })),
  );
  return {
    slots,
    largest_option_page: Math.max(0, ...Object.values(byOption).map((entries) => entries.length)),
    last_page: parsed.next === undefined ? undefined : parsed.next === null,
  };
}
