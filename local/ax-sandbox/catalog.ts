// The AX sandbox's catalog (issue #20): AX's product list and detail, latest price and inventory endpoints, with
// seeded products of both families. Inventory is what AX's create consumes: a slot's remaining quantity is its
// stock minus the tickets of the AX orders created on it and not cancelled, so it follows the orders (and their
// journal) without being stored twice. One date of every option is sold out.
import { tzOffset } from "@date-fns/tz/tzOffset";

export interface SeedOption {
  option_code: string;
  option_name: string;
  price: { USD: string; KRW: string };
}

export interface SeedProduct {
  type: "tour" | "day-ticket";
  product_code: string;
  product_name: string;
  /** The supplier's time zone: inventory dates and start times are local to it. */
  time_zone: string;
  /** Tours only: the start times of every day. */
  start_times: string[];
  options: SeedOption[];
  /** Stock of each option per slot. */
  stock: number;
}

/** Days from today (in the product's time zone) that have inventory, and the one that is sold out. */
export const SEED_INVENTORY_DAYS = 60;
export const SOLD_OUT_DAY_OFFSET = 2;

export const SEED_PRODUCTS: readonly SeedProduct[] = [
  {
    type: "tour",
    product_code: "5b1e7a52-1c4f-4f63-9a57-3f0c9d6e2a10",
    product_name: "Seoul night walk",
    time_zone: "Asia/Seoul",
    start_times: ["10:00", "19:00"],
    stock: 200,
    options: [
      {
        option_code: "8f4d2c3e-6a1b-4e7f-9c2d-1a5b6c7d8e01",
        option_name: "Night walk - adult",
        price: { USD: "45.00", KRW: "60000" },
      },
      {
        option_code: "8f4d2c3e-6a1b-4e7f-9c2d-1a5b6c7d8e02",
        option_name: "Night walk - child",
        price: { USD: "30.00", KRW: "40000" },
      },
    ],
  },
  {
    type: "day-ticket",
    product_code: "c7a9e0d4-3b2f-4a18-8e6d-5f4c3b2a1d20",
    product_name: "Han river park day pass",
    time_zone: "Asia/Seoul",
    start_times: [],
    stock: 500,
    options: [
      {
        option_code: "2e9c7b5a-4d3f-4c1e-8b7a-6d5c4b3a2f01",
        option_name: "Day pass - adult",
        price: { USD: "25.00", KRW: "33000" },
      },
      {
        option_code: "2e9c7b5a-4d3f-4c1e-8b7a-6d5c4b3a2f02",
        option_name: "Day pass - child",
        price: { USD: "15.00", KRW: "20000" },
      },
    ],
  },
];

/** What the catalog needs to know of an AX order: its option, slot, tickets and whether it still holds stock. */
export interface StockUse {
  optionCode: string;
  inventoryAt: string;
  liveTickets: number;
}

interface Slot {
  date: string;
  start_time: string | undefined;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The calendar date `days` after today in `timeZone`. */
function localDate(timeZone: string, now: Date, days: number): string {
  const shifted = new Date(now.getTime() + tzOffset(timeZone, now) * 60_000 + days * 86_400_000);
  return `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}`;
}

/** The slot an order's `inventory_at` (UTC) falls on: for tours the local date and start time, for day tickets
 *  the date (AX's day tickets are sent as midnight UTC of the calendar date, docs/decisions.md). */
export function slotOf(product: SeedProduct, inventoryAt: string): Slot | undefined {
  const at = new Date(inventoryAt);
  if (Number.isNaN(at.getTime())) return undefined;
  if (product.type === "day-ticket") return { date: at.toISOString().slice(0, 10), start_time: undefined };
  const local = new Date(at.getTime() + tzOffset(product.time_zone, at) * 60_000);
  return {
    date: local.toISOString().slice(0, 10),
    start_time: `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`,
  };
}

export function findSeedOption(optionCode: string): { product: SeedProduct; option: SeedOption } | undefined {
  for (const product of SEED_PRODUCTS) {
    const option = product.options.find((candidate) => candidate.option_code === optionCode);
    if (option) return { product, option };
  }
  return undefined;
}

const slotKey = (optionCode: string, slot: Slot) => `${optionCode}@${slot.date}T${slot.start_time ?? ""}`;

/** Tickets taken per option and slot by the orders given. */
function usage(uses: Iterable<StockUse>): Map<string, number> {
  const used = new Map<string, number>();
  for (const use of uses) {
    const found = findSeedOption(use.optionCode);
    const slot = found ? slotOf(found.product, use.inventoryAt) : undefined;
    if (!slot) continue;
    const key = slotKey(use.optionCode, slot);
    used.set(key, (used.get(key) ?? 0) + use.liveTickets);
  }
  return used;
}

function slotsOf(product: SeedProduct, now: Date): Slot[] {
  return Array.from({ length: SEED_INVENTORY_DAYS }, (_, day) => localDate(product.time_zone, now, day)).flatMap(
    (date): Slot[] =>
      product.type === "tour"
        ? product.start_times.map((start_time) => ({ date, start_time }))
        : [{ date, start_time: undefined }],
  );
}

function stockOf(product: SeedProduct, slot: Slot, now: Date): number {
  return slot.date === localDate(product.time_zone, now, SOLD_OUT_DAY_OFFSET) ? 0 : product.stock;
}

/**
 * Whether a create can take `quantity` more tickets of this option on the slot of `inventoryAt`: `undefined` when
 * the option or slot is not the catalog's (other tests use made-up codes, which AX's stock does not concern).
 */
export function remainingStock(
  optionCode: string,
  inventoryAt: string,
  uses: Iterable<StockUse>,
  now = new Date(),
): number | undefined {
  const found = findSeedOption(optionCode);
  if (!found) return undefined;
  const slot = slotOf(found.product, inventoryAt);
  if (!slot) return undefined;
  const known = slotsOf(found.product, now).some(
    (candidate) => candidate.date === slot.date && candidate.start_time === slot.start_time,
  );
  if (!known) return undefined;
  return stockOf(found.product, slot, now) - (usage(uses).get(slotKey(optionCode, slot)) ?? 0);
}

export type CatalogRoute =
  | { kind: "product_list"; type: "tour" | "day-ticket" }
  | { kind: "product_detail" | "price" | "inventory"; type: "tour" | "day-ticket"; productCode: string };

/** The catalog paths (GET only): `/v1/channel/products/{type}[/{code}]`, `/price/{type}/{code}`, `/inventory/…`. */
export function catalogRoute(path: string): CatalogRoute | undefined {
  const match = /^\/v1\/channel\/(products|price|inventory)\/(tour|day-ticket)(?:\/([^/]+))?\/?$/.exec(path);
  if (!match) return undefined;
  const [, resource, type, code] = match as unknown as [string, string, "tour" | "day-ticket", string | undefined];
  if (code === undefined) return resource === "products" ? { kind: "product_list", type } : undefined;
  const productCode = decodeURIComponent(code);
  const kind = resource === "products" ? "product_detail" : resource === "price" ? "price" : "inventory";
  return { kind, type, productCode };
}

const NOT_FOUND = { detail: "찾을 수 없습니다." };

/** AX's answer to a catalog call: status and body. */
export function catalogAnswer(
  route: CatalogRoute,
  query: URLSearchParams,
  uses: Iterable<StockUse>,
  now = new Date(),
): { status: number; body: unknown } {
  const products = SEED_PRODUCTS.filter((product) => product.type === route.type);
  if (route.kind === "product_list")
    return {
      status: 200,
      body: {
        status_code: 200,
        products: products.map((product) => ({
          product_code: product.product_code,
          category: product.type === "tour" ? "Tour" : "Activity",
          product_listing_language: "English",
          product_name: product.product_name,
          departure_city: "South Korea - Seoul",
          transportation: "walking",
        })),
      },
    };
  const product = products.find((candidate) => candidate.product_code === route.productCode);
  if (!product) return { status: 404, body: NOT_FOUND };
  if (route.kind === "product_detail")
    return {
      status: 200,
      body: {
        status_code: 200,
        product_code: product.product_code,
        product_name: product.product_name,
        required_traveler_information: { english_name: false, chinese_name: false },
        contents: { product_name: product.product_name, main_country_and_city: "South Korea - Seoul" },
        options: product.options.map((option) => ({
          option_code: option.option_code,
          option_name: option.option_name,
        })),
      },
    };
  if (route.kind === "price")
    return {
      status: 200,
      body: {
        status_code: 200,
        prices: product.options.map((option) => ({
          option_code: option.option_code,
          unit_selling_price_usd: Number(option.price.USD),
          selling_price_per_person_usd: Number(option.price.USD),
          unit_selling_price_krw: Number(option.price.KRW),
          selling_price_per_person_krw: Number(option.price.KRW),
        })),
      },
    };
  const page = Math.max(1, Number(query.get("page") ?? "1") || 1);
  const pageSize = Math.min(1000, Math.max(1, Number(query.get("page_size") ?? "25") || 25));
  const slots = slotsOf(product, now);
  const used = usage(uses);
  const pageSlots = slots.slice((page - 1) * pageSize, page * pageSize);
  const weekday = (date: string) =>
    new Date(`${date}T00:00:00Z`).toLocaleDateString("en-US", { weekday: "long", timeZone: "UTC" });
  return {
    status: 200,
    body: {
      status_code: 200,
      count: slots.length,
      next: page * pageSize < slots.length ? `?page=${page + 1}&page_size=${pageSize}` : null,
      option_codes: Object.fromEntries(
        product.options.map((option) => [
          option.option_code,
          pageSlots.map((slot) => {
            const stock = stockOf(product, slot, now);
            const ordered = used.get(slotKey(option.option_code, slot)) ?? 0;
            return {
              inventory_code: `${option.option_code.slice(0, 8)}-${slot.date}${slot.start_time ? `-${slot.start_time}` : ""}`,
              date: slot.date,
              ...(slot.start_time ? { start_time: slot.start_time } : {}),
              day_of_the_week: weekday(slot.date),
              is_order: true,
              max_quantity: stock,
              min_quantity: 0,
              remain_quantity: Math.max(0, stock - ordered),
              ordered_quantity: ordered,
            };
          }),
        ]),
      ),
    },
  };
}
