// OCTO `booking_update` webhooks (issue #20): when the status sync records a change of an AX order that belongs to
// an OCTO booking, and the booking's OCTO status moves with it (PENDING → CONFIRMED, → REJECTED, → CANCELLED …),
// the reseller's webhook is written in the same transaction as the change (the adapter's outbox of notifications)
// and sent by the same sender, with the same retries, signed per Standard Webhooks with the reseller's own secret.
// Hooked into the status sync by `withOctoBookingUpdates` only: the sync itself knows nothing of OCTO.
import { randomUUID } from "node:crypto";
import { readOctoConfig, type AdapterConfig } from "../config";
import { checkOutboundWebhookUrl } from "../config";
import type { NotificationRecord, OrderAggregate } from "../orders/model";
import type { DeliverDeps, SendResult, WebhookSender } from "../orders/notify";
import { mergeAxOrders } from "../orders/order-state";
import type { OrderCommit, Clock } from "../orders/ports";
import type { StatusSyncStore } from "../orders/sync-statuses";
import { OutboundWebhookSender } from "../outbound/webhook-sender";
import { bookingStatus, toOctoBooking, type OctoBookingRecord } from "./booking";
import { parseResellerSecrets, parseResellerUrls } from "./resellers";

export const BOOKING_UPDATE = "booking_update";

export interface BookingFinder {
  findBySupplierReference(reference: string): Promise<{ reseller: string; uuid: string } | undefined>;
  getBooking(reseller: string, uuid: string): Promise<OctoBookingRecord | undefined>;
}

/** The webhook body: the webhook's own description and the booking as OCTO's `Booking` (Ventrata's shape). */
export function bookingUpdateBody(input: { id: string; reseller: string; url: string; booking: unknown }) {
  return {
    webhook: { id: `webhook_${input.reseller}`, event: BOOKING_UPDATE, url: input.url },
    booking: input.booking,
  };
}

/**
 * The status sync's store, with the OCTO booking's `booking_update` added to each change of an OCTO order (and the
 * channel's `order.status_changed` left out: the channel never placed that order). A change that leaves the OCTO
 * status where it was (New → Supplier pending: still PENDING) sends nothing.
 */
export function withBookingUpdates(
  store: StatusSyncStore,
  octo: { bookings: BookingFinder; urls: ReadonlyMap<string, string>; clock: Clock; newId?: () => string },
): StatusSyncStore {
  const newId = octo.newId ?? (() => `msg_${randomUUID().replaceAll("-", "")}`);
  return {
    load: (orderId) => store.load(orderId),
    dueAxOrders: (cadence, ranges) => store.dueAxOrders(cadence, ranges),
    moveSync: (axOrder, cadence) => store.moveSync(axOrder, cadence),
    leaveSync: (axOrder, reason, at) => store.leaveSync(axOrder, reason, at),
    ...(store.moveLegacySyncItems ? { moveLegacySyncItems: store.moveLegacySyncItems.bind(store) } : {}),
    loadSyncCursor: () => store.loadSyncCursor(),
    saveSyncCursor: (cursor) => store.saveSyncCursor(cursor),
    commitStatusChange: async (change: OrderCommit, notifications: readonly NotificationRecord[]) => {
      const owner = await octo.bookings.findBySupplierReference(change.order.order_id);
      if (!owner) return store.commitStatusChange(change, notifications);
      const booking = await octo.bookings.getBooking(owner.reseller, owner.uuid);
      const url = octo.urls.get(owner.reseller);
      if (!booking || booking.state !== "confirmed" || url === undefined) return store.commitStatusChange(change, []);
      const before: OrderAggregate = await store.load(change.order.order_id);
      const after: OrderAggregate = {
        order: change.order,
        axOrders: mergeAxOrders(before.axOrders, change.axOrders ?? []),
      };
      const now = octo.clock.now();
      if (bookingStatus(booking, before, now) === bookingStatus(booking, after, now))
        return store.commitStatusChange(change, []);
      // The id the AX order's history already names, when the channel's notification was planned.
      const id = notifications[0]?.id ?? newId();
      const at = now.toISOString();
      const notification: NotificationRecord = {
        id,
        type: BOOKING_UPDATE,
        target: owner.reseller,
        order_id: change.order.order_id,
        item_id: change.axOrders?.[0]?.item_id ?? "",
        body: JSON.stringify(
          bookingUpdateBody({ id, reseller: owner.reseller, url, booking: toOctoBooking(booking, after, now) }),
        ),
        status: "pending",
        attempts: 0,
        created_at: at,
        next_attempt_at: at,
      };
      return store.commitStatusChange(change, [notification]);
    },
  };
}

/** Sends each notification where it belongs: `booking_update`s to their reseller, the others to the channel. */
export class RoutingWebhookSender implements WebhookSender {
  constructor(
    private readonly channel: WebhookSender | undefined,
    private readonly resellers: ReadonlyMap<string, WebhookSender>,
  ) {}

  /** The channel's secret must load (as before OCTO); a reseller's missing secret fails only its own sends. */
  async ready(): Promise<void> {
    await this.channel?.ready();
    await Promise.allSettled([...this.resellers.values()].map((sender) => sender.ready()));
  }

  send(notification: Parameters<WebhookSender["send"]>[0]): Promise<SendResult> {
    if (notification.type === BOOKING_UPDATE) {
      const sender = notification.target === undefined ? undefined : this.resellers.get(notification.target);
      if (!sender)
        return Promise.resolve({
          ok: false,
          error: `no booking_update URL is configured for reseller ${notification.target ?? "?"}`,
        });
      return sender.send(notification);
    }
    if (!this.channel) return Promise.resolve({ ok: false, error: "no outbound webhook URL is configured" });
    return this.channel.send(notification);
  }
}

/** The resellers' webhook senders from the configuration (OCTO_WEBHOOK_URLS, OCTO_WEBHOOK_SECRETS). */
export function resellerSenders(config: AdapterConfig, clock: Clock): Map<string, WebhookSender> {
  const urls = parseResellerUrls(readOctoConfig(config.env).webhookUrls, checkOutboundWebhookUrl);
  // Read at each delivery run (cached 5 minutes by the secret reader): a rotation is picked up without a deploy.
  const secretsOf = async (reseller: string) => {
    const found = parseResellerSecrets(await config.secrets.get("OCTO_WEBHOOK_SECRETS")).get(reseller);
    if (!found || found.length === 0)
      throw new Error(`no booking_update signing secret is configured for reseller ${reseller}`);
    return found.join(" ");
  };
  return new Map(
    [...urls].map(([reseller, url]): [string, WebhookSender] => [
      reseller,
      new OutboundWebhookSender({
        url,
        secret: () => secretsOf(reseller),
        timeoutMs: config.outboundWebhookTimeoutMs,
        clock,
      }),
    ]),
  );
}

/**
 * The status sync run's adapters with OCTO's `booking_update`s added, when any reseller has a webhook URL
 * (OCTO_WEBHOOK_URLS); unchanged otherwise. The one hook of OCTO into the status sync.
 */
export function withOctoBookingUpdates<
  Run extends { sync: { store: StatusSyncStore; clock: Clock }; deliver: DeliverDeps | undefined; reserveMs: number },
>(run: Run, config: AdapterConfig, outbox: DeliverDeps["outbox"], bookings: BookingFinder): Run {
  const resellers = resellerSenders(config, run.sync.clock);
  if (resellers.size === 0) return run;
  const urls = parseResellerUrls(readOctoConfig(config.env).webhookUrls, checkOutboundWebhookUrl);
  return {
    ...run,
    sync: { ...run.sync, store: withBookingUpdates(run.sync.store, { bookings, urls, clock: run.sync.clock }) },
    deliver: {
      outbox,
      clock: run.sync.clock,
      maxAttempts: config.outboundWebhookMaxAttempts,
      concurrency: config.syncConcurrency,
      ...run.deliver,
      sender: new RoutingWebhookSender(run.deliver?.sender, resellers),
    },
    reserveMs: Math.max(run.reserveMs, config.axTimeoutMs + config.outboundWebhookTimeoutMs + 5_000),
  };
}
