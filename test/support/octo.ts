// OCTO test helpers: every OCTO answer a test reads is checked against the official schemas of @octocloud/types
// (zod), and the operators' example mapping of the AX sandbox's products.
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import {
  zAvailability,
  zAvailabilityCalendar,
  zBooking,
  zErrorBadRequest,
  zErrorInvalidAvailabilityId,
  zErrorInvalidBookingUuid,
  zErrorInvalidOptionId,
  zErrorInvalidProductId,
  zErrorInvalidUnitId,
  zErrorUnprocessableEntity,
  zProduct,
  zSupplier,
} from "@octocloud/types";
import { parseMappingFile, type ProductMapping } from "../../lib/octo/mapping";
import { localDateOf } from "../../lib/octo/time";
import { SANDBOX_OCTO_MAPPING } from "../../local/octo";

interface ZodLike {
  safeParse(value: unknown): { success: boolean; error?: { issues: unknown } };
}

export const OCTO = {
  supplier: zSupplier,
  product: zProduct,
  availability: zAvailability,
  calendar: zAvailabilityCalendar,
  booking: zBooking,
  errors: {
    BAD_REQUEST: zErrorBadRequest,
    UNPROCESSABLE_ENTITY: zErrorUnprocessableEntity,
    INVALID_PRODUCT_ID: zErrorInvalidProductId,
    INVALID_OPTION_ID: zErrorInvalidOptionId,
    INVALID_UNIT_ID: zErrorInvalidUnitId,
    INVALID_AVAILABILITY_ID: zErrorInvalidAvailabilityId,
    INVALID_BOOKING_UUID: zErrorInvalidBookingUuid,
  },
} as const;

/** Fails the test, naming the schema's complaints, unless the value is what the official OCTO schema describes. */
export function expectOcto<T>(schema: ZodLike, value: T): T {
  const result = schema.safeParse(value);
  expect(result.success, JSON.stringify(result.error?.issues ?? null).slice(0, 2000)).toBe(true);
  return value;
}

/** Each element of a list checked against the schema. */
export function expectOctoList<T>(schema: ZodLike, values: T[]): T[] {
  expect(Array.isArray(values)).toBe(true);
  for (const value of values) expectOcto(schema, value);
  return values;
}

/** An OCTO error answer: the code asked for, its official schema, a message. */
export function expectOctoError(body: unknown, code: keyof typeof OCTO.errors) {
  expectOcto(OCTO.errors[code], body);
  expect(body).toMatchObject({ error: code, errorMessage: expect.any(String) as unknown });
}

/** The operators' example mapping: the AX sandbox's tour (`seoul-night-walk`) and day ticket (`han-river-day-pass`). */
export function sandboxMapping(): ProductMapping[] {
  return parseMappingFile(JSON.parse(readFileSync(SANDBOX_OCTO_MAPPING, "utf8")));
}

export const TOUR_ID = "seoul-night-walk";
export const DAY_ID = "han-river-day-pass";
/** The date `days` from today in Seoul, the sandbox products' time zone (its sold-out date is day 2). */
export const seoulDate = (days: number, now = new Date()) =>
  localDateOf(new Date(now.getTime() + days * 86_400_000), "Asia/Seoul");
