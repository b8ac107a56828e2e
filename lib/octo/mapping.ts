// The OCTO product mapping an operator sets up (docs/octo.md, "The mapping"): which AX product an OCTO product
// sells, how its AX options group into OCTO options and units (AX has one flat option per "depth combination", e.g.
// "night walk - adult"), and what AX does not say: the time zone, the cut-offs, instant confirmation, the tour length.
import * as v from "valibot";
import { AxProductTypeSchema } from "../ax/schemas";

const OCTO_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const id = (what: string) =>
  v.pipe(
    v.string(`${what} must be a string`),
    v.regex(OCTO_ID, `${what} must be 1-64 letters, digits or _ . : - (starting with a letter or digit)`),
  );
const text = (what: string) =>
  v.pipe(v.string(`${what} must be a string`), v.trim(), v.minLength(1, `${what} must not be empty`), v.maxLength(200));
const minutes = (what: string) =>
  v.pipe(v.number(`${what} must be a number`), v.integer(`${what} must be whole minutes`), v.minValue(0));
const LOCAL_TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$/;

export const UNIT_TYPES = [
  "ADULT",
  "YOUTH",
  "CHILD",
  "INFANT",
  "FAMILY",
  "SENIOR",
  "STUDENT",
  "MILITARY",
  "OTHER",
] as const;
export const CONTACT_FIELDS = [
  "firstName",
  "lastName",
  "emailAddress",
  "phoneNumber",
  "country",
  "notes",
  "locales",
  "allowMarketing",
  "postalCode",
] as const;
export type ContactFieldName = (typeof CONTACT_FIELDS)[number];

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const UnitMappingSchema = v.object({
  id: id("a unit id"),
  type: v.picklist(UNIT_TYPES, `a unit type must be one of ${UNIT_TYPES.join(", ")}`),
  /** The AX option ("depth combination") this unit is sold as: its price, its stock, its AX order. */
  ax_option_code: text("ax_option_code"),
  name: v.optional(text("a unit name")),
  min_age: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
  max_age: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 99),
});

const OptionMappingSchema = v.object({
  id: id("an option id"),
  name: v.optional(text("an option name")),
  default: v.optional(v.boolean(), false),
  units: v.pipe(v.array(UnitMappingSchema), v.minLength(1, "an option needs at least one unit")),
  /** Units of one booking, at most (OCTO `restrictions.maxUnits`); none: AX's stock is the only limit. */
  max_units: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});

export const ProductMappingSchema = v.pipe(
  v.object({
    id: id("the product id"),
    product_type: AxProductTypeSchema,
    ax_product_code: text("ax_product_code"),
    /** AX's `channel_product_mapping_code` of this product (from AX's product registration). */
    mapping_code: text("mapping_code"),
    name: v.optional(text("the product name")),
    time_zone: v.pipe(v.string(), v.check(isTimeZone, "time_zone must be an IANA time zone such as Asia/Seoul")),
    currency: v.picklist(["KRW", "USD"], "currency must be KRW or USD"),
    /** AX's supplier confirms on its own: bookings are CONFIRMED at once (docs/octo.md, "What PENDING means"). */
    instant_confirmation: v.optional(v.boolean(), false),
    /** No booking closer than this to the start (OCTO `utcCutoffAt`). */
    booking_cutoff_minutes: v.optional(minutes("booking_cutoff_minutes"), 0),
    /** No cancellation closer than this to the start (OCTO `cancellationCutoff`). */
    cancellation_cutoff_minutes: v.optional(minutes("cancellation_cutoff_minutes"), 1440),
    /** Tours: how long one lasts (its `localDateTimeEnd`). */
    duration_minutes: v.optional(v.pipe(minutes("duration_minutes"), v.minValue(1)), 120),
    /** Day tickets: when the place is open. */
    opening_hours: v.optional(
      v.array(
        v.object({
          from: v.pipe(v.string(), v.regex(LOCAL_TIME, "opening hours are HH:MM")),
          to: v.pipe(v.string(), v.regex(LOCAL_TIME, "opening hours are HH:MM")),
        }),
      ),
      [{ from: "09:00", to: "18:00" }],
    ),
    required_contact_fields: v.optional(v.array(v.picklist(CONTACT_FIELDS)), ["firstName", "lastName"]),
    options: v.pipe(v.array(OptionMappingSchema), v.minLength(1, "a product needs at least one option")),
  }),
  v.check((product) => {
    const options = product.options.map((option) => option.id);
    return new Set(options).size === options.length;
  }, "option ids must be unique within a product"),
  v.check(
    (product) =>
      product.options.every((option) => new Set(option.units.map((unit) => unit.id)).size === option.units.length),
    "unit ids must be unique within an option",
  ),
);

export type ProductMapping = v.InferOutput<typeof ProductMappingSchema>;
export type OptionMapping = ProductMapping["options"][number];
export type UnitMapping = OptionMapping["units"][number];

/** Parses a mapping file's JSON (one product or a list of them); throws a plain message naming each problem. */
export function parseMappingFile(json: unknown): ProductMapping[] {
  const entries: unknown[] = Array.isArray(json) ? json : [json];
  const problems: string[] = [];
  const products: ProductMapping[] = [];
  entries.forEach((entry, index) => {
    const parsed = v.safeParse(ProductMappingSchema, entry);
    if (parsed.success) products.push(parsed.output);
    else
      for (const issue of parsed.issues.slice(0, 10))
        problems.push(
          `product ${index + 1}: ${v.getDotPath(issue) ?? "the product"}: ${issue.input === undefined ? "is required" : issue.message}`,
        );
  });
  if (problems.length > 0) throw new Error(problems.slice(0, 20).join("; "));
  const ids = products.map((product) => product.id);
  if (new Set(ids).size !== ids.length) throw new Error("product ids must be unique in a mapping file");
  return products;
}

/** The option a request names, and the default option (the one marked, else the first). */
export const defaultOption = (product: ProductMapping): OptionMapping =>
  product.options.find((option) => option.default) ?? (product.options[0] as OptionMapping);
