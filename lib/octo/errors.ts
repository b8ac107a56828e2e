// OCTO's error answers (docs.octo.travel, "Errors"): HTTP 400 with `{error, errorMessage}` and, for an unknown id,
// the id in question; 401/403 for keys. One class, thrown by the use cases and mapped to an answer by the router.

export type OctoErrorCode =
  | "INVALID_PRODUCT_ID"
  | "INVALID_OPTION_ID"
  | "INVALID_UNIT_ID"
  | "INVALID_AVAILABILITY_ID"
  | "INVALID_BOOKING_UUID"
  | "BAD_REQUEST"
  | "UNPROCESSABLE_ENTITY"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "INTERNAL_SERVER_ERROR";

export class OctoError extends Error {
  constructor(
    readonly code: OctoErrorCode,
    message: string,
    readonly status = 400,
    /** Fields OCTO adds for the code, e.g. `{productId}` for INVALID_PRODUCT_ID. */
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
    this.name = "OctoError";
  }

  get body(): Record<string, string> {
    return { error: this.code, errorMessage: this.message, ...this.extra };
  }
}

export const invalidProductId = (productId: string) =>
  new OctoError("INVALID_PRODUCT_ID", `The productId "${productId}" is not a product of this supplier`, 400, {
    productId,
  });
export const invalidOptionId = (optionId: string) =>
  new OctoError("INVALID_OPTION_ID", `The optionId "${optionId}" is not an option of this product`, 400, {
    optionId,
  });
export const invalidUnitId = (unitId: string) =>
  new OctoError("INVALID_UNIT_ID", `The unitId "${unitId}" is not a unit of this option`, 400, { unitId });
export const invalidAvailabilityId = (availabilityId: string, why = "is not an availability of this option") =>
  new OctoError("INVALID_AVAILABILITY_ID", `The availabilityId "${availabilityId}" ${why}`, 400, { availabilityId });
export const invalidBookingUuid = (uuid: string, why = "is not a booking of yours") =>
  new OctoError("INVALID_BOOKING_UUID", `The uuid "${uuid}" ${why}`, 400, { uuid });
export const badRequest = (message: string) => new OctoError("BAD_REQUEST", message);
export const unprocessable = (message: string) => new OctoError("UNPROCESSABLE_ENTITY", message);

/** AX could not be asked (down, throttling, refusing our key): the reseller may try again; never a 500. */
export const axUnavailable = (what: string) =>
  new OctoError("INTERNAL_SERVER_ERROR", `AX could not be reached for ${what}; try again in a moment`, 503);
