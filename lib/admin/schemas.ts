// The admin API's request and response bodies (valibot): checked at the edge, described in the OpenAPI document
// (lib/admin/openapi.ts), and the types the use cases return.
import * as v from "valibot";
import { AX_TICKET_STATUSES } from "../ax/schemas";
import { ProductMappingSchema } from "./mapping-input";

const isoInstant = v.pipe(
  v.string(),
  v.isoTimestamp("must be an ISO 8601 instant, e.g. 2026-12-01T10:00:00Z"),
  v.description("ISO 8601 instant"),
  // Stored times are `toISOString()` strings: compare like with like (`…00Z` sorts after `…00.000Z`).
  v.transform((value) => new Date(value).toISOString()),
);
const optionalText = v.optional(v.pipe(v.string(), v.trim(), v.minLength(1)));

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
  cursor: v.optional(v.pipe(v.string(), v.minLength(1), v.description("`next_cursor` of the previous page"))),
};
const timeRange = { from: v.optional(isoInstant), to: v.optional(isoInstant) };

export const ORDER_STATUSES = ["pending", "placed", "partially_cancelled", "cancelled", "failed", "uncertain"] as const;

export const OrderSearchQuerySchema = v.object({
  status: v.optional(v.picklist(ORDER_STATUSES, `status must be one of ${ORDER_STATUSES.join(", ")}`)),
  id_prefix: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1))),
  ...timeRange,
  ...pageQuery,
});
export type OrderSearchQuery = v.InferOutput<typeof OrderSearchQuerySchema>;

export const ParkedQuerySchema = v.object({ reason: optionalText, ...timeRange, ...pageQuery });
export type ParkedQuery = v.InferOutput<typeof ParkedQuerySchema>;

export const PageQuerySchema = v.object(pageQuery);
export type PageQuery = v.InferOutput<typeof PageQuerySchema>;

export const MappingQuerySchema = v.object({ prefix: optionalText, ...pageQuery });
export type MappingQuery = v.InferOutput<typeof MappingQuerySchema>;

export const AuditQuerySchema = v.object({
  day: v.optional(v.pipe(v.string(), v.isoDate("day must be a date, e.g. 2026-12-01"))),
  ...pageQuery,
});
export type AuditQuery = v.InferOutput<typeof AuditQuerySchema>;

// ---- request bodies ---------------------------------------------------------------------------------------------

export const BulkReplayRequestSchema = v.object({
  reason: optionalText,
  ...timeRange,
  /** Without it the answer is the count only; with it, the count seen must still be the count now. */
  confirm_count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});
export type BulkReplayRequest = v.InferOutput<typeof BulkReplayRequestSchema>;

const nonEmpty = v.pipe(v.string(), v.trim(), v.minLength(1));
export const ReconcileRequestSchema = v.variant("kind", [
  v.object({
    kind: v.literal("attach"),
    ax_orders: v.pipe(
      v.array(
        // No order status: AX is asked, and its own status is recorded.
        v.object({
          item_id: nonEmpty,
          ax_order_code: nonEmpty,
          tickets: v.array(
            v.object({
              ticket_id: nonEmpty,
              ax_ticket_code: nonEmpty,
              /** AX reports no ticket statuses: as seen in AX's console (default New). */
              ax_ticket_status: v.optional(
                v.picklist(AX_TICKET_STATUSES, `ax_ticket_status must be one of ${AX_TICKET_STATUSES.join(", ")}`),
              ),
            }),
          ),
        }),
      ),
      v.minLength(1, "ax_orders is empty"),
    ),
  }),
  v.object({ kind: v.literal("resend") }),
]);
export type ReconcileRequest = v.InferOutput<typeof ReconcileRequestSchema>;

export const MappingBodySchema = v.omit(ProductMappingSchema, ["sku"]);
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

export const OrderDetailSchema = v.object({
  order_id: v.string(),
  status: v.string(),
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
    }),
  ),
  events: v.array(EventDetailSchema),
  notifications: v.array(NotificationSchema),
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
  count: v.number(),
  replayed: v.number(),
  confirmed: v.boolean(),
  message: v.string(),
});
export type BulkReplayResult = v.InferOutput<typeof BulkReplayResultSchema>;

export const WhoAmISchema = v.object({ name: v.string() });
