// OCTO request bodies as valibot schemas, checked at the edge: a body that breaks them is a BAD_REQUEST naming the
// field. Unknown fields are ignored (OCTO capabilities the adapter does not offer add their own). The rules OCTO
// answers with another code (a missing unitItems is UNPROCESSABLE_ENTITY, an unknown id INVALID_…_ID) are the use
// cases' to check.
import * as v from "valibot";
import { badRequest } from "./errors";
import { isLocalDate } from "./time";

const MAX_TEXT = 255;
const MAX_NOTES = 2000;
const MAX_UNIT_ITEMS = 100;

const NO_CONTROL = /^[^\p{Cc}]*$/u;
const str = (max = MAX_TEXT) =>
  v.pipe(
    v.string("must be a string"),
    v.maxLength(max, `must be at most ${max} characters`),
    v.regex(NO_CONTROL, "must not contain control characters"),
  );
const optionalText = (max = MAX_TEXT) => v.optional(v.nullable(str(max)));
const id = () => v.pipe(str(), v.minLength(1, "must not be empty"));
export const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const uuid = () => v.pipe(v.string("must be a string"), v.regex(UUID, "must be a UUID"));
const localDate = () => v.pipe(v.string("must be a string"), v.check(isLocalDate, "must be a date YYYY-MM-DD"));
const minutes = () =>
  v.pipe(v.number("must be a number"), v.integer("must be whole minutes"), v.minValue(1, "must be at least 1"));

export const ContactSchema = v.object({
  fullName: optionalText(),
  firstName: optionalText(),
  lastName: optionalText(),
  emailAddress: optionalText(),
  phoneNumber: optionalText(),
  locales: v.optional(v.nullable(v.pipe(v.array(str(35)), v.maxLength(20)))),
  postalCode: optionalText(),
  country: optionalText(),
  notes: optionalText(MAX_NOTES),
});
export type ContactInput = v.InferOutput<typeof ContactSchema>;

export const UnitItemSchema = v.object({
  uuid: v.optional(uuid()),
  unitId: id(),
  resellerReference: v.optional(v.nullable(str())),
  contact: v.optional(v.nullable(ContactSchema)),
});
export type UnitItemInput = v.InferOutput<typeof UnitItemSchema>;

const unitItems = () =>
  v.pipe(
    v.array(UnitItemSchema, "must be an array"),
    v.maxLength(MAX_UNIT_ITEMS, `must have at most ${MAX_UNIT_ITEMS} unit items`),
  );

export const ReserveSchema = v.object({
  uuid: v.optional(uuid()),
  productId: id(),
  optionId: id(),
  availabilityId: v.optional(id()),
  expirationMinutes: v.optional(minutes()),
  notes: optionalText(MAX_NOTES),
  unitItems: v.optional(v.nullable(unitItems())),
  resellerReference: v.optional(v.nullable(str())),
  contact: v.optional(v.nullable(ContactSchema)),
  currency: optionalText(3),
});
export type ReserveInput = v.InferOutput<typeof ReserveSchema>;

export const ExtendSchema = v.object({ expirationMinutes: v.optional(minutes()) });

export const ConfirmSchema = v.object({
  resellerReference: v.optional(v.nullable(str())),
  contact: v.optional(v.nullable(ContactSchema)),
  unitItems: v.optional(v.nullable(unitItems())),
  emailReceipt: v.optional(v.boolean("must be true or false")),
  notes: optionalText(MAX_NOTES),
});
export type ConfirmInput = v.InferOutput<typeof ConfirmSchema>;

export const UpdateSchema = v.object({
  resellerReference: v.optional(v.nullable(str())),
  productId: v.optional(id()),
  optionId: v.optional(id()),
  availabilityId: v.optional(id()),
  expirationMinutes: v.optional(minutes()),
  notes: optionalText(MAX_NOTES),
  emailReceipt: v.optional(v.boolean("must be true or false")),
  unitItems: v.optional(unitItems()),
  contact: v.optional(v.nullable(ContactSchema)),
});
export type UpdateInput = v.InferOutput<typeof UpdateSchema>;

export const CancelSchema = v.object({
  reason: optionalText(MAX_NOTES),
  force: v.optional(v.boolean("must be true or false")),
});

export const AvailabilitySchema = v.object({
  productId: id(),
  optionId: id(),
  localDate: v.optional(localDate()),
  localDateStart: v.optional(localDate()),
  localDateEnd: v.optional(localDate()),
  availabilityIds: v.optional(
    v.pipe(v.array(id(), "must be an array"), v.minLength(1, "must not be empty"), v.maxLength(500)),
  ),
  units: v.optional(v.array(v.object({ id: id(), quantity: v.pipe(v.number(), v.integer(), v.minValue(0)) }))),
  currency: optionalText(3),
});
export type AvailabilityInput = v.InferOutput<typeof AvailabilitySchema>;

export const CalendarSchema = v.object({
  productId: id(),
  optionId: id(),
  localDateStart: localDate(),
  localDateEnd: localDate(),
  units: v.optional(v.array(v.object({ id: id(), quantity: v.pipe(v.number(), v.integer(), v.minValue(0)) }))),
  currency: optionalText(3),
});
export type CalendarInput = v.InferOutput<typeof CalendarSchema>;

export const ListSchema = v.object({
  resellerReference: v.optional(id()),
  supplierReference: v.optional(id()),
  localDate: v.optional(localDate()),
  localDateStart: v.optional(localDate()),
  localDateEnd: v.optional(localDate()),
});
export type ListInput = v.InferOutput<typeof ListSchema>;

/** Parses a body or throws BAD_REQUEST naming the first few problems by their path. */
export function parseBody<TSchema extends v.GenericSchema>(schema: TSchema, body: unknown): v.InferOutput<TSchema> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badRequest("The request body must be a JSON object");
  const parsed = v.safeParse(schema, body);
  if (parsed.success) return parsed.output;
  const problems = parsed.issues
    .slice(0, 5)
    .map((issue) => `${v.getDotPath(issue) ?? "body"} ${issue.input === undefined ? "is required" : issue.message}`);
  throw badRequest(`The request is not valid: ${problems.join("; ")}`);
}
