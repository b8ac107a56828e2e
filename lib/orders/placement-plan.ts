// What a placement sends, item by item. An item that has an AX order, or a create call that may have reached AX
// (created, pending, uncertain), is booked: it is never sent again, whatever its mapping says now. Only the other
// items are planned, with the mappings of today; so a mapping edit applies to items not yet booked. Pure.
import type { OrderPlacedEvent } from "../channel/schemas";
import { planCreates, type CreatePlan, type ResolvedProduct } from "../ax/translate";
import type { AxOrderRecord, CreateAnswer, CreateCall, OrderRecord, ProductType } from "./model";
import type { ProductCatalog } from "./ports";

type PlacedOrder = OrderPlacedEvent["data"];

/** How an item is booked: it has an AX order, or a create call that may have reached AX covers it. */
export type BookingState = "ax_order" | "created" | "pending" | "uncertain";

export interface Booking {
  item_id: string;
  product_type: ProductType;
  state: BookingState;
  ax_order_code?: string;
}

/** The items that are booked, each with the family it was booked in. */
export function bookings(order: OrderRecord, axOrders: readonly AxOrderRecord[]): Map<string, Booking> {
  const booked = new Map<string, Booking>();
  for (const axOrder of axOrders)
    booked.set(axOrder.item_id, {
      item_id: axOrder.item_id,
      product_type: axOrder.product_type,
      state: "ax_order",
      ax_order_code: axOrder.ax_order_code,
    });
  for (const [type, call] of callEntries(order)) {
    if (call.state === "failed") continue;
    for (const itemId of call.item_ids)
      if (!booked.has(itemId)) booked.set(itemId, { item_id: itemId, product_type: type, state: call.state });
  }
  return booked;
}

export interface ItemClasses {
  booked: Map<string, Booking>;
  /** Items of a create AX refused, left as refused (not a replay): they keep their family and are not planned. */
  refused: Map<string, ProductType>;
  /** The items to plan now, in the order's order. */
  toPlan: string[];
}

/** Sorts the order's items into booked, refused (kept as such unless `replanRefused`), and to plan. */
export function classifyItems(
  order: OrderRecord,
  axOrders: readonly AxOrderRecord[],
  replanRefused: boolean,
): ItemClasses {
  const booked = bookings(order, axOrders);
  const refused = new Map<string, ProductType>();
  if (!replanRefused)
    for (const [type, call] of callEntries(order))
      if (call.state === "failed")
        for (const itemId of call.item_ids) if (!booked.has(itemId)) refused.set(itemId, type);
  const toPlan = (order.items ?? [])
    .map((item) => item.item_id)
    .filter((itemId) => !booked.has(itemId) && !refused.has(itemId));
  return { booked, refused, toPlan };
}

export interface HeldItems {
  product_type: ProductType;
  item_ids: string[];
  /** The state of the family's call they wait behind. */
  behind: "pending" | "uncertain";
}

export interface PlacementPlan {
  /** The creates to send now, one per family. */
  calls: CreatePlan[];
  /** Items whose family has a create that may have reached AX: they wait until it is resolved. */
  held: HeldItems[];
  /** Refused calls whose items are now all booked or planned elsewhere: their record goes. */
  dropCalls: ProductType[];
}

/**
 * Plans the `toPlan` items by their products (`products`: those items' products, resolved today). Items cancelled
 * before AX got them are not sent when every item of their family is cancelled.
 */
export function planPlacement(
  data: PlacedOrder,
  order: OrderRecord,
  classes: ItemClasses,
  products: ReadonlyMap<string, ResolvedProduct>,
): PlacementPlan {
  const fixed = new Map<string, ProductType>(classes.refused);
  for (const [itemId, booking] of classes.booked) fixed.set(itemId, booking.product_type);
  const cancelled = new Set(order.cancelled_before_ax?.items ?? []);
  const plan: PlacementPlan = { calls: [], held: [], dropCalls: [] };
  for (const create of planCreates(data, products, fixed)) {
    if (create.items.every((item) => cancelled.has(item.item_id))) continue;
    const current = order.create_calls[create.product_type];
    if (current?.state === "pending" || current?.state === "uncertain")
      plan.held.push({
        product_type: create.product_type,
        item_ids: create.items.map((item) => item.item_id),
        behind: current.state,
      });
    else plan.calls.push(create);
  }
  const covered = new Set([...classes.booked.keys(), ...plan.calls.flatMap((c) => c.items.map((i) => i.item_id))]);
  for (const [type, call] of callEntries(order)) {
    if (call.state !== "failed" || plan.calls.some((c) => c.product_type === type)) continue;
    if (call.item_ids.every((itemId) => covered.has(itemId))) plan.dropCalls.push(type);
  }
  return plan;
}

/** The products of these items: the `ax` block of the event, or today's mapping of the sku; `missing`: no mapping. */
export async function resolveProducts(
  catalog: ProductCatalog,
  data: PlacedOrder,
  itemIds: readonly string[],
): Promise<{ products: Map<string, ResolvedProduct>; missing: { item_id: string; sku: string }[] }> {
  const wanted = new Set(itemIds);
  const items = data.items.filter((item) => wanted.has(item.item_id));
  const products = new Map<string, ResolvedProduct>();
  const skus = items.flatMap((item) => (item.ax ? [] : [item.sku]));
  const mappings = skus.length > 0 ? await catalog.findMappings(skus) : new Map<string, ResolvedProduct>();
  const missing: { item_id: string; sku: string }[] = [];
  for (const item of items) {
    const product = item.ax ?? mappings.get(item.sku);
    if (product) products.set(item.item_id, product);
    else missing.push({ item_id: item.item_id, sku: item.sku ?? "" });
  }
  return { products, missing };
}

/** What an operator reads when skus have no mapping. */
export const unmappedDetail = (missing: readonly { item_id: string; sku: string }[]) =>
  `no product mapping for sku ${missing.map((m) => `${m.sku} (item ${m.item_id})`).join(", ")}; add it with \`npm run cli -- products add\` and replay the event`;

/** What a replay of a placement would do now: the same classification and plan as the worker's. */
export interface ReplanPreview {
  left_as_booked: Booking[];
  planned: { item_id: string; product_type: ProductType }[];
  /** Items whose family has a create that may have reached AX: planned once it is resolved. */
  waiting: { item_id: string; product_type: ProductType }[];
  /** Items with no mapping today (the replay parks the event again). */
  unmapped: { item_id: string; sku: string }[];
}

export async function previewReplan(
  catalog: ProductCatalog,
  data: PlacedOrder,
  order: OrderRecord | undefined,
  axOrders: readonly AxOrderRecord[],
): Promise<ReplanPreview> {
  const record: OrderRecord = order ?? {
    order_id: data.order_id,
    status: "pending",
    version: 0,
    create_calls: {},
    events: {},
    created_at: "",
    updated_at: "",
  };
  const withItems: OrderRecord = {
    ...record,
    items: record.items ?? data.items.map((item) => ({ item_id: item.item_id, ticket_ids: [] })),
  };
  const classes = classifyItems(withItems, axOrders, true);
  const preview: ReplanPreview = {
    left_as_booked: [...classes.booked.values()],
    planned: [],
    waiting: [],
    unmapped: [],
  };
  const resolved = await resolveProducts(catalog, data, classes.toPlan);
  preview.unmapped = resolved.missing;
  if (resolved.missing.length > 0) return preview;
  const plan = planPlacement(data, withItems, classes, resolved.products);
  for (const call of plan.calls)
    for (const item of call.items) preview.planned.push({ item_id: item.item_id, product_type: call.product_type });
  for (const held of plan.held)
    for (const itemId of held.item_ids) preview.waiting.push({ item_id: itemId, product_type: held.product_type });
  return preview;
}

/**
 * Settles the open calls: a `pending` call younger than the lease belongs to a worker calling AX right now
 * (`inProgress`); an older one is completed from AX's kept answer when there is one, else it becomes `uncertain`
 * (its worker stopped between sending and recording). An `uncertain` call whose answer turned up is completed too.
 */
export function settleOpenCalls(
  order: OrderRecord,
  answers: readonly CreateAnswer[],
  now: Date,
  leaseMs: number,
): { order: OrderRecord; created: AxOrderRecord[]; answersRecorded: string[]; inProgress?: ProductType } {
  let next = order;
  const created: AxOrderRecord[] = [];
  const answersRecorded: string[] = [];
  for (const [type, call] of callEntries(order)) {
    if (call.state !== "pending" && call.state !== "uncertain") continue;
    const answer = answers.find((a) => a.attempt_id === call.attempt_id && a.product_type === type);
    if (call.state === "pending" && now.getTime() - Date.parse(call.started_at) < leaseMs)
      return { order, created: [], answersRecorded: [], inProgress: type };
    if (answer) {
      const applied = applyAnswer(call, answer);
      next = withCall(next, type, applied.call);
      created.push(...applied.created);
      answersRecorded.push(answer.attempt_id);
    } else if (call.state === "pending") {
      // The worker that wrote this intent stopped without recording AX's answer anywhere: AX may have the order.
      next = withCall(next, type, {
        ...call,
        state: "uncertain",
        reason: "create_uncertain",
        detail:
          "an earlier attempt stopped after sending the create to AX and before recording its answer; reconcile it with the operations CLI",
      });
    }
  }
  return { order: next, created, answersRecorded };
}

/** The call as AX's answer says it ended (undefined: AX did not take it, the call is dropped), and its AX orders. */
export function applyAnswer(
  call: CreateCall,
  answer: CreateAnswer,
): { call: CreateCall | undefined; created: AxOrderRecord[] } {
  const { reason: _reason, detail: _detail, ...base } = call;
  switch (answer.outcome) {
    case "created":
      return { call: { ...base, state: "created" }, created: answer.ax_orders ?? [] };
    case "not_sent":
      return { call: undefined, created: [] };
    default:
      return {
        call: {
          ...base,
          state: answer.outcome,
          ...(answer.reason !== undefined ? { reason: answer.reason } : {}),
          ...(answer.detail !== undefined ? { detail: answer.detail } : {}),
        },
        created: [],
      };
  }
}

/** The order with a family's call replaced (undefined: removed). */
export function withCall(order: OrderRecord, type: ProductType, call: CreateCall | undefined): OrderRecord {
  const { [type]: _dropped, ...others } = order.create_calls;
  return { ...order, create_calls: call ? { ...others, [type]: call } : others };
}

function callEntries(order: OrderRecord): [ProductType, CreateCall][] {
  return Object.entries(order.create_calls) as [ProductType, CreateCall][];
}
