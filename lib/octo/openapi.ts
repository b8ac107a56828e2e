// The OCTO supplier API's part of the OpenAPI document (docs/openapi.json, issue #20): every path with its request
// body (converted from the valibot schemas the API checks) and its answers. OCTO's own objects (Supplier, Product,
// Availability, Booking) are the standard's: they are named and linked here, not redefined (the tests check every
// answer against the standard's schemas in @octocloud/types). Dev-only: never bundled.
import * as v from "valibot";
import { embeddedJsonSchema } from "../channel/json-schema";
import type { OpenApiPathModule } from "../openapi/document";
import {
  AvailabilitySchema,
  CalendarSchema,
  CancelSchema,
  ConfirmSchema,
  ExtendSchema,
  ReserveSchema,
  UpdateSchema,
} from "./schemas";

const OCTO_SPEC = "https://github.com/octotravel/octo-api (src/openapi.yaml); types: npm @octocloud/types";
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const standard = (name: string, description: string) => ({
  type: "object",
  description: `OCTO's \`${name}\` object (${OCTO_SPEC}). ${description}`,
  additionalProperties: true,
});

const OctoErrorSchema = v.object({
  error: v.pipe(
    v.picklist([
      "INVALID_PRODUCT_ID",
      "INVALID_OPTION_ID",
      "INVALID_UNIT_ID",
      "INVALID_AVAILABILITY_ID",
      "INVALID_BOOKING_UUID",
      "BAD_REQUEST",
      "UNPROCESSABLE_ENTITY",
      "UNAUTHORIZED",
      "FORBIDDEN",
      "NOT_FOUND",
      "INTERNAL_SERVER_ERROR",
    ]),
    v.description("OCTO's error code"),
  ),
  errorMessage: v.pipe(v.string(), v.description("what is wrong, in plain English")),
  productId: v.optional(v.string()),
  optionId: v.optional(v.string()),
  unitId: v.optional(v.string()),
  availabilityId: v.optional(v.string()),
  uuid: v.optional(v.string()),
});

const json = (schema: unknown) => ({ "application/json": { schema } });
const body = (name: string) => ({ required: true, content: json(ref(name)) });
const ok = (description: string, schema: unknown) => ({ description, content: json(schema) });
const errors = {
  "400": ok(
    "OCTO's error: BAD_REQUEST (the body breaks the schema; the message names the field), INVALID_…_ID (an unknown id, named in the body), UNPROCESSABLE_ENTITY (sold out, closed, past a cut-off, a hold that expired, a change AX cannot make)",
    ref("OctoError"),
  ),
  "401": ok("UNAUTHORIZED: no `Authorization: Bearer <key>`", ref("OctoError")),
  "403": ok("FORBIDDEN: a key that is not (or no longer) a reseller's", ref("OctoError")),
  "503": ok("INTERNAL_SERVER_ERROR: AX or the table could not be reached; try again", ref("OctoError")),
};
const capabilities = {
  name: "Octo-Capabilities",
  in: "header",
  required: false,
  description: "Capabilities asked for; `octo/pricing` is applied (and echoed in the answer's header), others ignored.",
  schema: { type: "string" },
};
const uuidParameter = {
  name: "uuid",
  in: "path",
  required: true,
  description: "The booking's uuid (the reseller's, or the one the reservation answered)",
  schema: { type: "string" },
};
const booking = ok("The booking", ref("OctoBooking"));
const operation = (operationId: string, summary: string, rest: Record<string, unknown>) => ({
  tags: ["OCTO"],
  operationId,
  summary,
  security: [{ octoKey: [] }],
  parameters: [capabilities, ...((rest.parameters as unknown[] | undefined) ?? [])],
  ...rest,
  responses: { ...(rest.responses as Record<string, unknown>), ...errors },
});

export const octoPaths: OpenApiPathModule = {
  tags: [
    {
      name: "OCTO",
      description:
        "The OCTO 1.x supplier API: any OCTO reseller books AX products with a key of its own (docs/octo.md). Bookings are the reseller's alone; a confirmation is booked in AX exactly once, PENDING until AX's supplier confirms.",
    },
  ],
  paths: {
    "/octo/supplier": {
      get: operation("octoGetSupplier", "The supplier", {
        responses: { "200": ok("The supplier", ref("OctoSupplier")) },
      }),
    },
    "/octo/products": {
      get: operation("octoGetProducts", "Every product mapped from AX", {
        responses: { "200": ok("The products", { type: "array", items: ref("OctoProduct") }) },
      }),
    },
    "/octo/products/{id}": {
      get: operation("octoGetProduct", "One product", {
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": ok("The product", ref("OctoProduct")) },
      }),
    },
    "/octo/availability": {
      post: operation("octoAvailability", "Availabilities of an option: AX's stock less the live holds", {
        requestBody: body("OctoAvailabilityRequest"),
        responses: { "200": ok("One per slot", { type: "array", items: ref("OctoAvailability") }) },
      }),
    },
    "/octo/availability/calendar": {
      post: operation("octoAvailabilityCalendar", "One entry per day", {
        requestBody: body("OctoCalendarRequest"),
        responses: { "200": ok("One per day", { type: "array", items: ref("OctoAvailabilityCalendar") }) },
      }),
    },
    "/octo/bookings": {
      post: operation("octoReserve", "Reserve: ON_HOLD until confirmed or expired; the uuid is the idempotency key", {
        requestBody: body("OctoReserveRequest"),
        responses: { "200": booking },
      }),
      get: operation("octoListBookings", "The reseller's bookings by reference or date", {
        parameters: ["resellerReference", "supplierReference", "localDate", "localDateStart", "localDateEnd"].map(
          (name) => ({ name, in: "query", required: false, schema: { type: "string" } }),
        ),
        responses: { "200": ok("The bookings", { type: "array", items: ref("OctoBooking") }) },
      }),
    },
    "/octo/bookings/{uuid}": {
      get: operation("octoGetBooking", "One of the reseller's bookings", {
        parameters: [uuidParameter],
        responses: { "200": booking },
      }),
      patch: operation("octoUpdateBooking", "Change a reservation, or a confirmed booking's contact, notes or units", {
        parameters: [uuidParameter],
        requestBody: body("OctoUpdateRequest"),
        responses: { "200": booking },
      }),
    },
    "/octo/bookings/{uuid}/extend": {
      post: operation("octoExtend", "Hold a reservation longer", {
        parameters: [uuidParameter],
        requestBody: body("OctoExtendRequest"),
        responses: { "200": booking },
      }),
    },
    "/octo/bookings/{uuid}/confirm": {
      post: operation("octoConfirm", "Confirm: booked in AX exactly once; PENDING until AX's supplier confirms", {
        parameters: [uuidParameter],
        requestBody: body("OctoConfirmRequest"),
        responses: { "200": booking },
      }),
    },
    "/octo/bookings/{uuid}/cancel": {
      post: operation("octoCancel", "Cancel: a reservation here, a confirmed booking in AX", {
        parameters: [uuidParameter],
        requestBody: body("OctoCancelRequest"),
        responses: { "200": booking },
      }),
    },
  },
  components: {
    securitySchemes: {
      octoKey: { type: "http", scheme: "bearer", description: "A reseller's OCTO key (OCTO_RESELLER_KEYS)" },
    },
    schemas: {
      OctoError: embeddedJsonSchema(OctoErrorSchema),
      OctoReserveRequest: embeddedJsonSchema(ReserveSchema),
      OctoExtendRequest: embeddedJsonSchema(ExtendSchema),
      OctoConfirmRequest: embeddedJsonSchema(ConfirmSchema),
      OctoUpdateRequest: embeddedJsonSchema(UpdateSchema),
      OctoCancelRequest: embeddedJsonSchema(CancelSchema),
      OctoAvailabilityRequest: embeddedJsonSchema(AvailabilitySchema),
      OctoCalendarRequest: embeddedJsonSchema(CalendarSchema),
      OctoSupplier: standard("Supplier", "`endpoint` is this API's URL."),
      OctoProduct: standard(
        "Product",
        "Built from the operators' mapping: tours START_TIME, day tickets OPENING_HOURS; each unit is one AX option (`reference`).",
      ),
      OctoAvailability: standard("Availability", "`id` is the slot's local start with its offset."),
      OctoAvailabilityCalendar: standard("AvailabilityCalendar", ""),
      OctoBooking: standard(
        "Booking",
        "`supplierReference` is the AX channel order code; a unit item's `supplierReference` its AX ticket code.",
      ),
    },
  },
};
