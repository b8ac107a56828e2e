// The read API's view of one order: its AX orders and tickets, and every event received for it.
import * as v from "valibot";
import { AX_PRODUCT_TYPES, AxProductTypeSchema } from "../ax/schemas";
import {
  ORDER_STATUSES,
  type AxOrderRecord,
  type EventSummaryRow,
  type NotificationRecord,
  type OrderAggregate,
} from "./model";

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
      product_type: AxProductTypeSchema,
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
      product_type: AxProductTypeSchema,
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
            "why an event is ignored, failed (parked) or waiting: unmapped_sku, order_already_placed, order_cancelled, invalid_payload, unknown_item, unknown_ticket, ax_rejected, ax_auth, ax_not_found, ax_request_invalid, create_uncertain, waiting_for_placement",
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

export interface OrderReader {
  load(orderId: string): Promise<OrderAggregate>;
  listEventsForOrder(orderId: string): Promise<EventSummaryRow[]>;
  listNotificationsForOrder(orderId: string): Promise<NotificationRecord[]>;
}

/** The order's view, or undefined when the adapter has never heard of it. */
export async function readOrder(reader: OrderReader, orderId: string): Promise<OrderView | undefined> {
  const [aggregate, events, notifications] = await Promise.all([
    reader.load(orderId),
    reader.listEventsForOrder(orderId),
    reader.listNotificationsForOrder(orderId),
  ]);
  if (!aggregate.order && events.length === 0) return undefined;
  return {
    order_id: orderId,
    status: aggregate.order?.status ?? "pending",
    ax_orders: aggregate.axOrders.sort((a, b) => a.item_id.localeCompare(b.item_id)).map(axOrderView),
    create_calls: AX_PRODUCT_TYPES.flatMap((productType) => {
      const call = aggregate.order?.create_calls[productType];
      if (!call) return [];
      return [
        {
          product_type: productType,
          state: call.state,
          item_ids: call.item_ids,
          started_at: call.started_at,
          ...(call.reason !== undefined ? { reason: call.reason } : {}),
          ...(call.detail !== undefined ? { detail: call.detail } : {}),
        },
      ];
    }),
    events: events
      .sort((a, b) => a.received_at.localeCompare(b.received_at))
      .map((event) => ({
        webhook_id: event.webhook_id,
        type: event.type,
        status: event.status,
        received_at: event.received_at,
        ...(event.reason !== undefined ? { reason: event.reason } : {}),
        ...(event.detail !== undefined ? { detail: event.detail } : {}),
      })),
    notifications: notifications.map(notificationView),
  };
}

/** One AX order as operators and the read API show it: codes, statuses, tickets and its status history. */
export function axOrderView(axOrder: AxOrderRecord): OrderView["ax_orders"][number] {
  return {
    item_id: axOrder.item_id,
    product_type: axOrder.product_type,
    ax_order_code: axOrder.ax_order_code,
    ax_order_status: axOrder.ax_order_status,
    tickets: axOrder.tickets.map(({ ticket_id, ax_ticket_code, ax_ticket_status }) => ({
      ticket_id,
      ax_ticket_code,
      ax_ticket_status,
    })),
    history: axOrder.history,
  };
}

function notificationView(notification: NotificationRecord): OrderView["notifications"][number] {
  return {
    id: notification.id,
    type: notification.type,
    item_id: notification.item_id,
    status: notification.status,
    attempts: notification.attempts,
    created_at: notification.created_at,
    ...(notification.delivered_at !== undefined ? { delivered_at: notification.delivered_at } : {}),
    ...(notification.status === "pending" ? { next_attempt_at: notification.next_attempt_at } : {}),
    ...(notification.last_error !== undefined && notification.status !== "delivered"
      ? { last_error: notification.last_error }
      : {}),
  };
}
