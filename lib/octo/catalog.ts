// OCTO products, options and units (pure): built from the operator's mapping, with the tours' start times taken from
// AX's inventory and, when `octo/pricing` is asked for, the units' prices from AX's latest price.
import type { AxOptionPrice } from "../ax/catalog-schemas";
import type { OptionMapping, ProductMapping, UnitMapping } from "./mapping";

export interface OctoPricing {
  original: number;
  retail: number;
  net: number | null;
  currency: string;
  currencyPrecision: number;
  includedTaxes: never[];
}

/** Minor units of the currencies AX sells in. */
export const CURRENCY_PRECISION: Record<"KRW" | "USD", number> = { KRW: 0, USD: 2 };

/**
 * A decimal price times a quantity, in minor units (OCTO's integers), rounded half up: "45.5" USD → 4550. Exact, in
 * BigInt (big.js would do it too, but this runs in the status sync's bundle for the booking_update body).
 */
export function toMinorUnits(decimal: string, currency: "KRW" | "USD", quantity = 1): number {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(decimal.trim());
  if (!match) throw new Error(`not a decimal price: ${decimal}`);
  const precision = CURRENCY_PRECISION[currency];
  // One digit more than the precision, to round on.
  const digits = `${match[1] ?? "0"}${(match[2] ?? "").padEnd(precision + 1, "0").slice(0, precision + 1)}`;
  const rest = (match[2] ?? "").slice(precision + 1);
  let scaled = BigInt(digits) * BigInt(quantity);
  if (quantity !== 1 && /[1-9]/.test(rest)) {
    // Digits past the rounding one matter once multiplied: scale the whole decimal instead.
    const whole = `${match[1] ?? "0"}${match[2] ?? ""}`;
    const exact = BigInt(whole) * BigInt(quantity);
    const shift = BigInt(10) ** BigInt((match[2] ?? "").length - precision - 1);
    scaled = exact / shift;
  }
  return Number((scaled + BigInt(5)) / BigInt(10));
}

const SCALE = 5;

/** Σ price × quantity of decimal strings (up to 5 decimals, AX's money), exactly, as a decimal string. */
export function sumDecimals(lines: readonly { price: string; quantity: number }[]): string {
  let total = BigInt(0);
  for (const line of lines) {
    const [whole = "0", fraction = ""] = line.price.split(".");
    total += BigInt(`${whole}${fraction.padEnd(SCALE, "0").slice(0, SCALE)}`) * BigInt(line.quantity);
  }
  const digits = total.toString().padStart(SCALE + 1, "0");
  const fraction = digits.slice(-SCALE).replace(/0+$/, "");
  return `${digits.slice(0, -SCALE)}${fraction ? `.${fraction}` : ""}`;
}

export function pricingOf(price: string, currency: "KRW" | "USD", quantity = 1): OctoPricing {
  const amount = toMinorUnits(price, currency, quantity);
  return {
    original: amount,
    retail: amount,
    net: null,
    currency,
    currencyPrecision: CURRENCY_PRECISION[currency],
    includedTaxes: [],
  };
}

/** The unit price of an AX option in the product's currency, or undefined when AX gives none. */
export function unitPrice(
  prices: readonly AxOptionPrice[] | undefined,
  axOptionCode: string,
  currency: "KRW" | "USD",
): string | undefined {
  return prices?.find((price) => price.option_code === axOptionCode)?.unit_price[currency];
}

/** `1440` → `{amount: 1, unit: "day"}`: the largest whole unit. */
export function cutoffOf(minutes: number): { text: string; amount: number; unit: "minute" | "hour" | "day" } {
  const [amount, unit] =
    minutes > 0 && minutes % 1440 === 0
      ? [minutes / 1440, "day" as const]
      : minutes > 0 && minutes % 60 === 0
        ? [minutes / 60, "hour" as const]
        : [minutes, "minute" as const];
  return { text: `${amount} ${unit}${amount === 1 ? "" : "s"}`, amount, unit };
}

export interface CatalogExtras {
  /** Tours: the start times AX's inventory has (`HH:MM`). */
  startTimes?: readonly string[];
  /** Set when `octo/pricing` was asked for. */
  prices?: readonly AxOptionPrice[];
  pricing: boolean;
}

function octoUnit(product: ProductMapping, unit: UnitMapping, extras: CatalogExtras) {
  const price = unitPrice(extras.prices, unit.ax_option_code, product.currency);
  return {
    id: unit.id,
    internalName: unit.name ?? unit.type.charAt(0) + unit.type.slice(1).toLowerCase(),
    reference: unit.ax_option_code,
    type: unit.type,
    restrictions: {
      minAge: unit.min_age,
      maxAge: unit.max_age,
      idRequired: false,
      minQuantity: null,
      maxQuantity: null,
      paxCount: 1,
      accompaniedBy: [],
    },
    requiredContactFields: [],
    ...(extras.pricing ? { pricingFrom: price === undefined ? [] : [pricingOf(price, product.currency)] } : {}),
  };
}

export function octoOption(product: ProductMapping, option: OptionMapping, extras: CatalogExtras) {
  const cutoff = cutoffOf(product.cancellation_cutoff_minutes);
  const fallbackDefault = product.options[0]?.id === option.id && !product.options.some((other) => other.default);
  return {
    id: option.id,
    default: option.default || fallbackDefault,
    internalName: option.name ?? option.id,
    reference: null,
    // A day ticket's availability starts at 00:00 (its id); the official types want at least one start time, where
    // the validator would like none for OPENING_HOURS (a warning, docs/octo.md).
    availabilityLocalStartTimes: product.product_type === "tour" ? [...(extras.startTimes ?? [])].sort() : ["00:00"],
    cancellationCutoff: cutoff.text,
    cancellationCutoffAmount: cutoff.amount,
    cancellationCutoffUnit: cutoff.unit,
    requiredContactFields: product.required_contact_fields,
    restrictions: { minUnits: 1, maxUnits: option.max_units ?? null },
    units: option.units.map((unit) => octoUnit(product, unit, extras)),
  };
}

export function octoProduct(product: ProductMapping, extras: CatalogExtras) {
  const tour = product.product_type === "tour";
  return {
    id: product.id,
    internalName: product.name ?? product.id,
    reference: product.ax_product_code,
    locale: "en",
    timeZone: product.time_zone,
    allowFreesale: false,
    instantConfirmation: product.instant_confirmation,
    instantDelivery: true,
    availabilityRequired: true,
    availabilityType: tour ? ("START_TIME" as const) : ("OPENING_HOURS" as const),
    deliveryFormats: ["QRCODE" as const],
    deliveryMethods: ["VOUCHER" as const],
    // The traveler's name is on the supplier's list: AX issues no voucher of its own (docs/octo.md).
    redemptionMethod: "MANIFEST" as const,
    options: product.options.map((option) => octoOption(product, option, extras)),
    ...(extras.pricing
      ? { defaultCurrency: product.currency, availableCurrencies: [product.currency], pricingPer: "UNIT" as const }
      : {}),
  };
}

export type OctoProduct = ReturnType<typeof octoProduct>;
export type OctoOption = ReturnType<typeof octoOption>;
