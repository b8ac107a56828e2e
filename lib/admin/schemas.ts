// The admin API's request and response bodies (valibot): checked at the edge, described in the OpenAPI document
// (lib/admin/openapi.ts), and the types the use cases return.
import * as v from "valibot";
import { AX_TICKET_STATUSES } from "../ax/schemas";
import { ORDER_LOOKUPS, type OrderLookup } from "./lookups";
import { ProductMappingSchema } from "./mapping-input";
import { operatorText } from "./text-input";

const isoInstant = v.pipe(
  v.string(),
  v.isoTimestamp("must be an ISO 8601 instant, e.g. 2026-12-01T10:00:00Z"),
  v.description("ISO 8601 instant"),
  // Stored times are `toISOString()` strings: compare like with like (`…00Z` sorts after `…00.000Z`).
  v.transform((value) => new Date(value).toISOString()),
);

/** Longest text accepted in a query string (a search, a filter): longer is a 400 naming it, never a 5xx. */
export const QUERY_TEXT_MAX = 256;

const queryText = (name: string) => v.optional(operatorText(name, QUERY_TEXT_MAX));

// ---- query strings -----------------------------------------------------------------------------------------------

export const PAGE_LIMIT_DEFAULT = 25;
export const PAGE_LIMIT_MAX = 100;

const pageQuery = {
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+$/, "limit must be a whole number"),
      v.transform(Number),
      v.number(),
      v.minValue(1, "limit must be at least 1"),
      v.maxValue(PAGE_LIMIT_MAX, `limit must be at most ${PAGE_LIMIT_MAX}`),
    ),
  ),
  cursor: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1, "cursor is empty"),
      v.maxLength(4096, "cursor is not one this API gave out"),
      v.description("`next_cursor` of the previous page, with the same filters"),
    ),
  ),
};
const timeRange = { from: v.optional(isoInstant), to: v.optional(isoInstant) };

export const ORDER_STATUSES = ["pending", "placed", "partially_cancelled", "cancelled", "failed", "uncertain"] as const;

export const OrderSearchQuerySchema = v.object({
  status: v.optional(v.picklist(ORDER_STATUSES, `status must be one of ${ORDER_STATUSES.join(", ")}`)),
  ...timeRange,
  id_prefix: queryText("id_prefix"),
  ax_order_code: queryText("ax_order_code"),
  ax_ticket_code: queryText("ax_ticket_code"),
  webhook_id: queryText("webhook_id"),
  sku: queryText("sku"),
  email: queryText("email"),
  name: queryText("name"),
  ...pageQuery,
});
export type OrderSearchQuery = v.InferOutput<typeof OrderSearchQuerySchema>;

export const EVENT_LIST_STATUSES = ["failed", "queued", "waiting"] as const;
export const EVENT_TYPES = ["order.placed", "order.cancelled"] as const;

const eventFilter = {
  type: v.optional(v.picklist(EVENT_TYPES, `type must be one of ${EVENT_TYPES.join(", ")}`)),
  reason: queryText("reason"),
  ...timeRange,
};

export const EventListQuerySchema = v.object({
  status: v.optional(
    v.picklist(
      EVENT_LIST_STATUSES,
      `status must be one of ${EVENT_LIST_STATUSES.join(", ")} (failed: parked; waiting: queued for too long)`,
    ),
    "failed",
  ),
  ...eventFilter,
  ...pageQuery,
});
export type EventListQuery = v.InferOutput<typeof EventListQuerySchema>;

export const PageQuerySchema = v.object(pageQuery);
export type PageQuery = v.InferOutput<typeof PageQuerySchema>;

export const MappingQuerySchema = v.object({ prefix: queryText("prefix"), ...pageQuery });
export type MappingQuery = v.InferOutput<typeof MappingQuerySchema>;

export const AuditQuerySchema = v.object({
  day: v.optional(v.pipe(v.string(), v.isoDate("day must be a date, e.g. 2026-12-01"))),
  ...pageQuery,
});
export type AuditQuery = v.InferOutput<typeof AuditQuerySchema>;

// ---- request bodies ---------------------------------------------------------------------------------------------

export const BulkReplayRequestSchema = v.object({
  ...eventFilter,
  /**
   * Without it the answer is the count and a `confirm` token naming exactly the events counted; with it, those
   * events are replayed if they are still the ones that match (409 otherwise).
   */
  confirm: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+-[0-9a-f]{16}$/, "confirm must be the token a count answered, e.g. 3-0123456789abcdef"),
    ),
  ),
});
export type BulkReplayRequest = v.InferOutput<typeof BulkReplayRequestSchema>;

const code = (name: string) => operatorText(name, 128);
export const ReconcileRequestSchema = v.variant("kind", [
  v.object({
    kind: v.literal("attach"),
    ax_orders: v.pipe(
      v.array(
        // No order status: AX is asked, and its own status is recorded.
        v.object({
          item_id: code("item_id"),
          ax_order_code: code("ax_order_code"),
          tickets: v.array(
            v.object({
              ticket_id: code("ticket_id"),
              ax_ticket_code: code("ax_ticket_code"),
              /** AX reports no ticket statuses: as seen in AX's console (default New). */
              ax_ticket_status: v.optional(
                v.picklist(AX_TICKET_STATUSES, `ax_ticket_status must be one of ${AX_TICKET_STATUSES.join(", ")}`),
              ),
            }),
          ),
        }),
      ),
      v.minLength(1, "ax_orders is empty"),
      v.maxLength(50, "ax_orders has more than 50 entries"),
    ),
  }),
  v.object({ kind: v.literal("resend") }),
]);
export type ReconcileRequest = v.InferOutput<typeof ReconcileRequestSchema>;

export const DismissRequestSchema = v.object({
  /** Why the operator gives up on it (what the audit log and the order's story keep). */
  note: operatorText("note", 500),
});
export type DismissRequest = v.InferOutput<typeof DismissRequestSchema>;

const MappingValuesSchema = v.omit(ProductMappingSchema, ["sku"]);
/**
 * The mapping as the operator saw it (the console sends what it showed): the edit or removal is refused (409, naming
 * what it is now) if it changed since — two operators, or an import, do not silently undo each other's change.
 */
const SeenMappingSchema = v.optional(MappingValuesSchema);
/** What the edit route checks: the body with the sku of the path. */
export const MappingEditSchema = v.object({ ...ProductMappingSchema.entries, was: SeenMappingSchema });
export const MappingBodySchema = v.omit(MappingEditSchema, ["sku"]);
export const MappingRemovalSchema = v.optional(v.object({ was: SeenMappingSchema }), {});
export const NewMappingSchema = ProductMappingSchema;

export const ImportRequestSchema = v.object({
  format: v.picklist(["csv", "json"], 'format must be "csv" or "json"'),
  content: v.pipe(v.string(), v.minLength(1, "content is empty"), v.maxLength(1_000_000, "content is over 1 MB")),
  /** Check every row and report, without writing anything. */
  dry_run: v.optional(v.boolean()),
});
export type ImportRequest = v.InferOutput<typeof ImportRequestSchema>;

// ---- responses --------------------------------------------------------------------------------------------------

export const ErrorSchema = v.object({ error: v.string(), message: v.string() });

const page = <T extends v.GenericSchema>(item: T) =>
  v.object({ items: v.array(item), next_cursor: v.optional(v.string()) });

export const OrderRowSchema = v.object({
  order_id: v.string(),
  status: v.string(),
  /** `parked` for a `pending` order with a parked event (shown by the look-ups, which read the whole order). */
  shown_status: v.optional(v.literal("parked")),
  created_at: v.string(),
  updated_at: v.string(),
  currency: v.optional(v.string()),
  total: v.optional(v.string()),
});
export const OrderPageSchema = page(OrderRowSchema);
export type OrderRow = v.InferOutput<typeof OrderRowSchema>;

export const DeliveryAttemptSchema = v.object({
  at: v.string(),
  http_status: v.optional(v.number()),
  latency_ms: v.number(),
  error: v.optional(v.string()),
});

export const NotificationSchema = v.object({
  id: v.string(),
  type: v.string(),
  order_id: v.string(),
  item_id: v.string(),
  status: v.string(),
  attempts: v.number(),
  created_at: v.string(),
  next_attempt_at: v.string(),
  delivered_at: v.optional(v.string()),
  last_error: v.optional(v.string()),
  delivery_attempts: v.array(DeliveryAttemptSchema),
  resent: v.optional(v.array(v.object({ by: v.string(), at: v.string() }))),
  body: v.string(),
});
export const NotificationPageSchema = page(NotificationSchema);
export type NotificationView = v.InferOutput<typeof NotificationSchema>;

export const EventRowSchema = v.object({
  webhook_id: v.string(),
  type: v.string(),
  order_id: v.string(),
  status: v.string(),
  received_at: v.string(),
  updated_at: v.string(),
  attempts: v.number(),
  reason: v.optional(v.string()),
  detail: v.optional(v.string()),
  /** What can help it (lib/admin/triage.ts): the console offers these actions and no other. */
  actions: v.array(v.picklist(["replay", "reconcile", "dismiss"])),
  /** What the operator should know or do first, in plain words. */
  hint: v.string(),
});
export const EventPageSchema = page(EventRowSchema);
export type EventRow = v.InferOutput<typeof EventRowSchema>;
export const EventDetailSchema = v.object({ ...EventRowSchema.entries, payload: v.unknown() });
export type EventDetail = v.InferOutput<typeof EventDetailSchema>;

const StatusChangeSchema = v.object({
  at: v.string(),
  from: v.optional(v.string()),
  to: v.string(),
  source: v.string(),
  comment: v.optional(v.string()),
  notification_id: v.optional(v.string()),
});

export const CreateCallSchema = v.object({
  product_type: v.string(),
  state: v.string(),
  started_at: v.string(),
  item_ids: v.array(v.string()),
  reason: v.optional(v.string()),
  detail: v.optional(v.string()),
});

/** One line of an order's attempt log (lib/orders/attempt-log.ts). */
export const AttemptViewSchema = v.object({
  at: v.string(),
  kind: v.picklist(["ax_call", "processed", "retried", "dead_lettered", "operator"]),
  actor: v.string(),
  summary: v.string(),
  webhook_id: v.optional(v.string()),
  correlation_id: v.optional(v.string()),
  endpoint: v.optional(v.string()),
  path: v.optional(v.string()),
  http_status: v.optional(v.number()),
  outcome: v.optional(v.string()),
  duration_ms: v.optional(v.number()),
  /** The request sent to AX, personal data masked. */
  request: v.optional(v.string()),
  /** AX's answer or what went wrong, personal data masked. */
  answer: v.optional(v.string()),
});
export type AttemptView = v.InferOutput<typeof AttemptViewSchema>;

export const OrderDetailSchema = v.object({
  order_id: v.string(),
  status: v.string(),
  /** `parked` when nothing is applied yet (`pending`) because an event of the order is parked. */
  shown_status: v.optional(v.literal("parked")),
  version: v.optional(v.number()),
  created_at: v.optional(v.string()),
  updated_at: v.optional(v.string()),
  currency: v.optional(v.string()),
  total: v.optional(v.string()),
  items: v.array(v.object({ item_id: v.string(), ticket_ids: v.array(v.string()) })),
  create_calls: v.array(CreateCallSchema),
  ax_orders: v.array(
    v.object({
      item_id: v.string(),
      product_type: v.string(),
      ax_order_code: v.string(),
      ax_order_status: v.string(),
      tickets: v.array(v.object({ ticket_id: v.string(), ax_ticket_code: v.string(), ax_ticket_status: v.string() })),
      history: v.array(StatusChangeSchema),
      sync: v.pipe(
        v.object({
          state: v.picklist(["polled", "stopped", "final"]),
          until: v.optional(v.pipe(v.string(), v.description("kept in the sync at least until then (poll again)"))),
          left_at: v.optional(v.string()),
          reason: v.optional(v.picklist(["past_use_date", "tickets_settled"])),
        }),
        v.description(
          "The status sync: polled; stopped (its use date and grace passed, or its tickets are all used or cancelled: poll again brings it back); final (no status can follow)",
        ),
      ),
    }),
  ),
  events: v.array(EventDetailSchema),
  notifications: v.array(NotificationSchema),
  /** The order's attempt log, oldest first: AX calls, each processing of an event, operators' actions. */
  attempts: v.array(AttemptViewSchema),
  /** Older lines than these were left out. */
  attempts_truncated: v.optional(v.boolean()),
});
export type OrderDetail = v.InferOutput<typeof OrderDetailSchema>;

export const UncertainCreateSchema = v.object({
  order_id: v.string(),
  product_type: v.string(),
  started_at: v.string(),
  item_ids: v.array(v.string()),
  reason: v.optional(v.string()),
  detail: v.optional(v.string()),
});
export const UncertainPageSchema = page(UncertainCreateSchema);
export type UncertainCreate = v.InferOutput<typeof UncertainCreateSchema>;

export const DeadLetterSchema = v.object({
  webhook_id: v.string(),
  order_id: v.string(),
  /** When it reached the dead-letter queue, when known. */
  moved_at: v.optional(v.string()),
});
export const DeadLetterListSchema = v.object({
  count: v.number(),
  items: v.array(DeadLetterSchema),
});
export type DeadLetterList = v.InferOutput<typeof DeadLetterListSchema>;

export const AttentionSchema = v.object({
  parked_by_reason: v.record(v.string(), v.number()),
  parked: v.number(),
  uncertain_creates: v.number(),
  waiting_too_long: v.number(),
  waiting_threshold_minutes: v.number(),
  dead_letters: v.number(),
  dead_notifications: v.number(),
});
export type Attention = v.InferOutput<typeof AttentionSchema>;

export const MappingSchema = ProductMappingSchema;
export const MappingPageSchema = page(MappingSchema);

export const ImportReportSchema = v.object({
  rows: v.number(),
  created: v.number(),
  updated: v.number(),
  written: v.boolean(),
  errors: v.array(v.object({ row: v.number(), message: v.string() })),
});
export type ImportReport = v.InferOutput<typeof ImportReportSchema>;

export const AuditEntrySchema = v.object({
  at: v.string(),
  actor: v.string(),
  action: v.string(),
  target: v.string(),
  detail: v.optional(v.string()),
  /** What the action replaced or removed (an edited or removed mapping's previous value). */
  old_value: v.optional(v.string()),
});
export const AuditPageSchema = page(AuditEntrySchema);
export type AuditEntry = v.InferOutput<typeof AuditEntrySchema>;

const itemFamily = v.object({ item_id: v.string(), product_type: v.string() });
/** What a replay of a placement does with each item, as the order stands when it is replayed. */
export const ReplayPlanSchema = v.object({
  /** Items with an AX order, or a create that may have reached AX: never sent again, whatever their mapping. */
  left_as_booked: v.array(
    v.object({ ...itemFamily.entries, state: v.string(), ax_order_code: v.optional(v.string()) }),
  ),
  /** Items to be sent (again), in the family their mapping gives today. */
  planned: v.array(itemFamily),
  /** Items whose family has a create that may have reached AX: planned once it is reconciled. */
  waiting: v.array(itemFamily),
  /** Items whose sku has no mapping today: the replay parks the event again. */
  unmapped: v.array(v.object({ item_id: v.string(), sku: v.string() })),
});
export type ReplayPlan = v.InferOutput<typeof ReplayPlanSchema>;

export const ActionResultSchema = v.object({
  ok: v.literal(true),
  message: v.string(),
  /** A replay of a placement: what it does with each item. */
  plan: v.optional(ReplayPlanSchema),
});
export type ActionResult = v.InferOutput<typeof ActionResultSchema>;

export const BulkReplayResultSchema = v.object({
  /** Parked events that match the filter and that a replay can help. */
  count: v.number(),
  /** Matching events left out because replaying cannot help their reason (create_uncertain, unknown_item, …). */
  left_out: v.number(),
  /** Send it back as `confirm` to replay exactly these events (absent when there are none, or too many). */
  confirm: v.optional(v.string()),
  replayed: v.number(),
  confirmed: v.boolean(),
  message: v.string(),
});
export type BulkReplayResult = v.InferOutput<typeof BulkReplayResultSchema>;

export const WhoAmISchema = v.object({ name: v.string() });

export { ORDER_LOOKUPS, type OrderLookup };
