// The read API's answer (GET /orders/{order_id}) as a valibot schema: the OpenAPI document is generated from it and
// the end-to-end tests check answers against it. Apart from lib/orders/read-order.ts, so that the read API's bundle
// does not carry it.
import * as v from "valibot";
import { AX_PRODUCT_TYPES } from "../ax/vocabulary";
import { ORDER_STATUSES } from "./model";

const timestamp = v.pipe(v.string(), v.description("RFC 3339 UTC"));

/** The read API's answer (GET /orders/{order_id}): the schema the OpenAPI document is generated from. */
export const OrderViewSchema = v.object({
  order_id: v.string(),
  status: v.pipe(
    v.picklist(ORDER_STATUSES),
    v.description(
      "pending: nothing applied yet; failed: AX refused the placement or part of it; uncertain: an AX create's outcome is unknown and waits for reconciliation.",
    ),
  ),
  ax_orders: v.array(
    v.object({
      item_id: v.string(),
      product_type: v.picklist(AX_PRODUCT_TYPES),
      ax_order_code: v.string(),
      ax_order_status: v.pipe(v.string(), v.description("AX's status, e.g. New, Supplier confirm, Traveler cancel")),
      tickets: v.array(v.object({ ticket_id: v.string(), ax_ticket_code: v.string(), ax_ticket_status: v.string() })),
      history: v.array(
        v.object({
          at: timestamp,
          from: v.optional(v.string()),
          to: v.string(),
          source: v.pipe(
            v.picklist(["create", "cancel", "sync"]),
            v.description("create: AX's create answer; cancel: the channel's cancellation; sync: read from AX"),
          ),
          comment: v.optional(v.string()),
          notification_id: v.optional(
            v.pipe(v.string(), v.description("the webhook-id of the order.status_changed that reports it")),
          ),
        }),
      ),
    }),
  ),
  /** One per product family: what became of its AX create call (an `uncertain` one waits for `reconcile`). */
  create_calls: v.array(
    v.object({
      product_type: v.picklist(AX_PRODUCT_TYPES),
      state: v.pipe(
        v.picklist(["pending", "created", "uncertain", "failed"]),
        v.description(
          "pending: being sent; uncertain: the outcome is unknown and it is never re-sent on its own (reconcile it); failed: AX refused it",
        ),
      ),
      item_ids: v.array(v.string()),
      started_at: timestamp,
      reason: v.optional(v.string()),
      detail: v.optional(v.string()),
    }),
  ),
  events: v.array(
    v.object({
      webhook_id: v.string(),
      type: v.picklist(["order.placed", "order.cancelled"]),
      status: v.picklist(["queued", "applied", "ignored", "failed"]),
      received_at: timestamp,
      reason: v.optional(
        v.pipe(
          v.string(),
          v.description(
            "why an event is ignored, failed (parked) or waiting: unmapped_sku, order_already_placed, order_cancelled, invalid_payload, unknown_item, unknown_ticket, ax_rejected, ax_auth, ax_not_found, ax_request_invalid, create_uncertain, waiting_for_placement, dismissed (an operator gave up on it; the note is in detail)",
          ),
        ),
      ),
      detail: v.optional(v.pipe(v.string(), v.description("the reason in plain words"))),
    }),
  ),
  /** Outbound `order.status_changed` webhooks about this order, oldest first. */
  notifications: v.array(
    v.object({
      id: v.pipe(v.string(), v.description("the webhook-id of every attempt")),
      type: v.pipe(
        v.picklist(["order.status_changed", "booking_update"]),
        v.description("`booking_update`: an OCTO reseller's webhook about the booking this order is (docs/octo.md)"),
      ),
      item_id: v.string(),
      status: v.picklist(["pending", "delivered", "dead"]),
      attempts: v.pipe(v.number(), v.integer(), v.minValue(0)),
      created_at: timestamp,
      delivered_at: v.optional(timestamp),
      next_attempt_at: v.optional(timestamp),
      last_error: v.optional(v.string()),
    }),
  ),
});
export type OrderView = v.InferOutput<typeof OrderViewSchema>;
