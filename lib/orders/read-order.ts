// The read API's view of one order: its AX orders and tickets, and every event received for it.
import type { AxOrderRecord, EventSummaryRow, NotificationRecord, OrderAggregate } from "./model";
import { AX_PRODUCT_TYPES } from "../ax/vocabulary";
import type { OrderView } from "./order-view";

export type { OrderView } from "./order-view";

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
