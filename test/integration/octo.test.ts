// The OCTO supplier API's adapters against real services: the use cases on DynamoDB Local (conditional writes,
// transactions, the derived items) and the AX sandbox over loopback HTTP (its catalog read by the catalog client,
// its stock consumed by orders), and the worker placing a confirmation from the event the booking wrote.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AxCatalogClient } from "../../lib/ax/catalog-client";
import { AxNotFoundError } from "../../lib/ax/errors";
import { CachedAxCatalog } from "../../lib/octo/ax-catalog";
import { withBookingUpdates } from "../../lib/octo/booking-updates";
import { OctoError } from "../../lib/octo/errors";
import { octoConflicts } from "../../lib/octo/expiry-build";
import { OctoService, type OctoDeps } from "../../lib/octo/service";
import { systemClock, type Clock } from "../../lib/orders/ports";
import { DEFAULT_SYNC_SETTINGS } from "../../lib/orders/sync-schedule";
import { syncStatuses } from "../../lib/orders/sync-statuses";
import { OctoMappingStore, OctoStore } from "../../lib/store/octo-store";
import { SEED_PRODUCTS, SOLD_OUT_DAY_OFFSET } from "../../local/ax-sandbox/catalog";
import { AxClient } from "../../lib/ax/client";
import { startAxSandbox, type AxSandbox } from "../../local/ax-sandbox/server";
import { OCTO, TOUR_ID, expectOcto, sandboxMapping, seoulDate } from "../support/octo";
import { sqsEvent, startWorkerFixture, type WorkerFixture } from "../support/worker";

const KEY = { apiKey: "key", channelCode: "chan" };
const tour = SEED_PRODUCTS.find((product) => product.type === "tour") ?? SEED_PRODUCTS[0];
const options = { pricing: false };

async function expectOctoCode(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OctoError);
  expect((error as OctoError).code).toBe(code);
}

describe("the AX sandbox's catalog through the catalog client", () => {
  let sandbox: AxSandbox;
  let ax: AxCatalogClient;
  beforeAll(async () => {
    sandbox = await startAxSandbox(KEY);
    ax = new AxCatalogClient({ baseUrl: sandbox.url, credentials: KEY, timeoutMs: 5_000 });
  });
  afterAll(async () => {
    ax.close();
    await sandbox.stop();
  });

  it("reads a product's options, its prices and its inventory page by page, a sold-out date at 0", async () => {
    if (!tour) throw new Error("no seeded tour");
    const detail = await ax.getProductDetail("tour", tour.product_code);
    expect(detail.options.map((option) => option.option_code)).toEqual(
      tour.options.map((option) => option.option_code),
    );
    expect(detail.name).toBe(tour.product_name);
    const prices = await ax.getPrices("tour", tour.product_code);
    expect(prices[0]?.unit_price).toEqual({ USD: "45", KRW: "60000" });
    const first = await ax.getInventoryPage("tour", tour.product_code, { page: 1, pageSize: 10 });
    expect(first.last_page).toBe(false);
    expect(first.slots.filter((slot) => slot.option_code === tour.options[0]?.option_code)).toHaveLength(10);
    const catalog = new CachedAxCatalog(ax, 0, systemClock);
    const all = await catalog.inventory(
      sandboxMapping().find((product) => product.id === TOUR_ID) ?? (undefined as never),
    );
    const soldOut = all.filter((slot) => slot.date === seoulDate(SOLD_OUT_DAY_OFFSET));
    expect(soldOut.length).toBeGreaterThan(0);
    expect(soldOut.every((slot) => slot.remain_quantity === 0)).toBe(true);
    await expect(ax.getProductDetail("tour", randomUUID())).rejects.toBeInstanceOf(AxNotFoundError);
  });
});

describe("OCTO bookings on DynamoDB Local and the AX sandbox", () => {
  let fixture: WorkerFixture;
  let store: OctoStore;
  let service: OctoService;
  let clock: { now: () => Date } & Clock;
  let offsetMs = 0;

  beforeAll(async () => {
    fixture = await startWorkerFixture({ timeoutMs: 5_000, createLeaseMs: 30_000 });
    const orders = fixture.store;
    store = new OctoStore(orders.documentClient, orders.tableName, { placingGraceMs: 60_000 });
    const mappings = new OctoMappingStore(orders.documentClient, orders.tableName);
    for (const product of sandboxMapping()) await mappings.putProduct(product);
    clock = { now: () => new Date(Date.now() + offsetMs) };
    const deps: OctoDeps = {
      store,
      mappings,
      conflicts: octoConflicts,
      orders,
      catalog: new CachedAxCatalog(
        new AxCatalogClient({ baseUrl: fixture.sandbox.url, credentials: KEY, timeoutMs: 5_000 }),
        0,
        clock,
      ),
      clock,
      settings: {
        supplier: {
          id: "ax",
          name: "AX",
          endpoint: undefined,
          website: null,
          email: null,
          telephone: null,
          address: null,
        },
        contactFallback: { email: "desk@example.com", phone: "+82 2 000 0000", callingCode: "82" },
        holdDefaultMinutes: 30,
        holdMaxMinutes: 60,
        maxRangeDays: 93,
        mappingCacheMs: 0,
      },
    };
    service = new OctoService(deps);
  });
  afterAll(async () => {
    await fixture.sandbox.stop();
  });

  const slotOn = async (days: number) => {
    const list = await service.availability(
      { productId: TOUR_ID, optionId: "standard", localDate: seoulDate(days) },
      options,
    );
    const open = list.find((availability) => availability.available);
    if (!open) throw new Error("no open slot");
    return open;
  };
  const reserveBody = (availabilityId: string, uuid = randomUUID()) => ({
    uuid,
    productId: TOUR_ID,
    optionId: "standard",
    availabilityId,
    unitItems: [{ unitId: "adult" }, { unitId: "child" }],
  });

  it("reserves once per uuid, whatever the concurrency; another body on the uuid is refused", async () => {
    const slot = await slotOn(10);
    const body = reserveBody(slot.id);
    const answers = await Promise.allSettled(Array.from({ length: 5 }, () => service.reserve("acme", body, options)));
    const booked = answers.flatMap((answer) => (answer.status === "fulfilled" ? [answer.value] : []));
    expect(booked).toHaveLength(5);
    expect(new Set(booked.map((booking) => booking.supplierReference)).size).toBe(1);
    expectOcto(OCTO.booking, booked[0]);
    // The slot's two units are held once.
    expect((await slotOn(10)).vacancies).toBe(Number(slot.vacancies) - 1);
    await expectOctoCode(
      service.reserve("acme", { ...body, unitItems: [{ unitId: "adult" }] }, options),
      "INVALID_BOOKING_UUID",
    );
    // The same uuid is another booking for another reseller: keys are per reseller.
    const theirs = await service.reserve("other", body, options);
    expect(theirs.supplierReference).not.toBe(booked[0]?.supplierReference);
  });

  it("confirms into the order flow: an order.placed event the worker books in AX, tickets named by unit uuids", async () => {
    const slot = await slotOn(11);
    const reserved = await service.reserve("acme", reserveBody(slot.id), options);
    const confirmed = await service.confirm(
      "acme",
      reserved.uuid,
      { contact: { fullName: "Kim Min", phoneNumber: "+1 212 555 0100" }, resellerReference: "R-11" },
      options,
    );
    expect(confirmed.status).toBe("PENDING");
    const eventId = `octo.${confirmed.supplierReference}.placed`;
    const event = await fixture.store.getEvent(eventId);
    expect(event).toMatchObject({ type: "order.placed", order_id: confirmed.supplierReference, status: "queued" });
    const result = await fixture.worker(
      sqsEvent({ webhook_id: eventId, order_id: confirmed.supplierReference, requeue_seq: 0 }),
    );
    expect(result.batchItemFailures).toEqual([]);
    const axOrders = fixture.sandbox.listOrders({ channelOrderCode: confirmed.supplierReference });
    expect(axOrders.flatMap((axOrder) => axOrder.tickets.map((ticket) => ticket.channelCode)).sort()).toEqual(
      confirmed.unitItems.map((item) => item.uuid).sort(),
    );
    const request = axOrders[0]?.request as { purchaser: { national_code: string; email: string } };
    expect(request.purchaser).toMatchObject({ national_code: "1", email: "desk@example.com" });
    const read = expectOcto(OCTO.booking, await service.get("acme", reserved.uuid, options));
    expect(read.unitItems.every((item) => item.supplierReference !== null)).toBe(true);
    await expectOctoCode(service.get("other", reserved.uuid, options), "INVALID_BOOKING_UUID");
  });

  it("re-reads AX's stock at confirmation: what another channel sold meanwhile is not sold twice", async () => {
    const slot = await slotOn(12);
    const reserved = await service.reserve(
      "acme",
      { ...reserveBody(slot.id), unitItems: [{ unitId: "child" }, { unitId: "child" }] },
      options,
    );
    // Another channel buys all but one child place in AX directly (AX holds nothing for a reservation).
    const childCode = tour?.options[1]?.option_code ?? "";
    const left = Number(slot.vacancies);
    const ax = new AxClient({ baseUrl: fixture.sandbox.url, credentials: KEY });
    await ax.createOrder("tour", {
      options: [
        {
          channel_product_mapping_code: "other-channel",
          option_code: childCode,
          quantity: left - 1,
          inventory_at: new Date(Date.parse(slot.localDateTimeStart)).toISOString(),
          unit_selling_price: "30",
          amount_price: "30",
          tickets: Array.from({ length: left - 1 }, (_, n) => ({
            channel_code: `other-${n}`,
            name: "X",
            national_code: "82",
            phone: "1",
            email: "x@example.com",
          })),
        },
      ],
      order: {
        channel_order_id: "OTHER-1",
        channel_order_code: "OTHER-1",
        purchased_at: new Date().toISOString(),
        sub_total: "30",
        total: "30",
        status: "New",
        is_voucher: false,
        currency: "USD",
      },
      purchaser: {
        is_required_more_information: false,
        name: "X",
        national_code: "82",
        phone: "1",
        email: "x@example.com",
        extra: "",
      },
      representative: { name: "X", national_code: "82", phone: "1", email: "x@example.com" },
    });
    ax.close();
    await expectOctoCode(
      service.confirm("acme", reserved.uuid, { contact: { fullName: "A B" } }, options),
      "UNPROCESSABLE_ENTITY",
    );
    expect((await service.get("acme", reserved.uuid, options)).status).toBe("ON_HOLD");
  });

  it("expires holds past their time in the sweeper's pass, and only those", async () => {
    const slot = await slotOn(13);
    const soon = await service.reserve("acme", { ...reserveBody(slot.id), expirationMinutes: 1 }, options);
    const later = await service.reserve("acme", { ...reserveBody(slot.id), expirationMinutes: 45 }, options);
    await service.extend("acme", later.uuid, 50, options);
    offsetMs = 2 * 60_000;
    try {
      expect(await service.expireHolds()).toEqual({ expired: 1 });
      expect((await store.getBooking("acme", soon.uuid))?.state).toBe("expired");
      expect((await store.getBooking("acme", later.uuid))?.state).toBe("on_hold");
      // The later hold keeps one adult and one child: the option's vacancies are its tightest unit's.
      expect((await slotOn(13)).vacancies).toBe(Number(slot.vacancies) - 1);
    } finally {
      offsetMs = 0;
    }
  });

  it("adds a booking_update to a status change that moves the booking's OCTO status, and to no other", async () => {
    const slot = await slotOn(14);
    const reserved = await service.reserve("acme", reserveBody(slot.id), options);
    const confirmed = await service.confirm("acme", reserved.uuid, { contact: { fullName: "A B" } }, options);
    const eventId = `octo.${confirmed.supplierReference}.placed`;
    await fixture.worker(sqsEvent({ webhook_id: eventId, order_id: confirmed.supplierReference, requeue_seq: 0 }));
    const axOrders = fixture.sandbox.listOrders({ channelOrderCode: confirmed.supplierReference });
    const syncAx = new AxClient({ baseUrl: fixture.sandbox.url, credentials: KEY });
    const syncStore = withBookingUpdates(fixture.store, {
      bookings: store,
      urls: new Map([["acme", "https://acme.example/octo-webhooks"]]),
      clock: systemClock,
    });
    const sync = (order: "pending" | "confirm") => {
      for (const axOrder of axOrders)
        fixture.sandbox.setOrderStatus(
          axOrder.axOrderCode,
          order === "pending" ? "Supplier pending" : "Supplier confirm",
        );
      return syncStatuses(
        {
          store: syncStore,
          ax: syncAx,
          clock: systemClock,
          concurrency: 2,
          schedule: DEFAULT_SYNC_SETTINGS,
        },
        { deadline: Date.now() + 10_000 },
      );
    };
    const written = () => fixture.store.listNotificationsForOrder(confirmed.supplierReference);
    // New → Supplier pending: still PENDING for the reseller, nothing to tell.
    await sync("pending");
    expect(await written()).toEqual([]);
    // Both AX orders confirmed: the booking is CONFIRMED once, when the second one is (one webhook, not two).
    await sync("confirm");
    const updates = await written();
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ type: "booking_update", target: "acme", status: "pending" });
    const body = JSON.parse(updates[0]?.body ?? "{}") as { booking: unknown; webhook: unknown };
    expect(body.webhook).toMatchObject({ event: "booking_update", url: "https://acme.example/octo-webhooks" });
    expect(expectOcto(OCTO.booking, body.booking)).toMatchObject({ status: "CONFIRMED", uuid: reserved.uuid });
  });
});
