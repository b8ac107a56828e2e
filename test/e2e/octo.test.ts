// The OCTO supplier API end to end, as a reseller uses it: the local stack over HTTP, the AX sandbox as AX, the
// outbox placing confirmations, the status sync turning the supplier's decision into a signed booking_update at
// the reseller's endpoint. Every OCTO answer is checked against @octocloud/types.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../local/stack";
import { RECEIVER_SECRET, startReceiver, type Receiver } from "../support/receiver";
import { DAY_ID, OCTO, TOUR_ID, expectOcto, expectOctoError, expectOctoList, seoulDate } from "../support/octo";

const ACME_KEY = "acme-octo-key-0123456789";
const OTHER_KEY = "other-octo-key-0123456789";

interface Answer {
  status: number;
  body: Record<string, unknown> & { status?: string; uuid?: string; supplierReference?: string };
}

function client(stack: LocalStack, key: string | undefined) {
  return async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${stack.url}/octo${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Answer["body"] };
  };
}

const startStack = (env: Record<string, string>) =>
  startLocalStack({
    env: {
      AWS_ENDPOINT_URL_DYNAMODB: inject("dynamodbEndpoint"),
      TABLE_NAME: `e2e-octo-${randomUUID()}`,
      OCTO_RESELLER_KEYS: `acme:${ACME_KEY} other:${OTHER_KEY}`,
      OCTO_CACHE_MS: "0",
      ...env,
    },
    port: 0,
    queue: { baseDelayMs: 20, maxReceiveCount: 5 },
    syncIntervalMs: 0,
    sweepIntervalMs: 3_600_000,
  });

/** The first bookable evening tour a few days out (the sandbox's sold-out day is day 2). */
async function tourSlot(acme: ReturnType<typeof client>, days = 5): Promise<string> {
  const answer = await acme("POST", "/availability", {
    productId: TOUR_ID,
    optionId: "standard",
    localDate: seoulDate(days),
  });
  expect(answer.status).toBe(200);
  const list = expectOctoList(OCTO.availability, answer.body as unknown as { id: string; available: boolean }[]);
  const open = list.find((availability) => availability.available);
  if (!open) throw new Error("no open tour slot");
  return open.id;
}

describe("OCTO end to end: book, confirm in AX, hear back", () => {
  let receiver: Receiver;
  let stack: LocalStack;
  let acme: ReturnType<typeof client>;
  let other: ReturnType<typeof client>;

  beforeAll(async () => {
    receiver = await startReceiver();
    stack = await startStack({
      OCTO_WEBHOOK_URLS: `acme=${receiver.url}`,
      OCTO_WEBHOOK_SECRETS: `acme:${RECEIVER_SECRET}`,
    });
    acme = client(stack, ACME_KEY);
    other = client(stack, OTHER_KEY);
  });
  afterAll(async () => {
    await stack.stop();
    await receiver.stop();
  });

  it("reserve → confirm → AX order → supplier confirm → CONFIRMED and a signed booking_update", async () => {
    const availabilityId = await tourSlot(acme);
    const uuid = randomUUID();
    const reserved = await acme("POST", "/bookings", {
      uuid,
      productId: TOUR_ID,
      optionId: "standard",
      availabilityId,
      unitItems: [{ unitId: "adult" }, { unitId: "adult" }, { unitId: "child" }],
    });
    expect(reserved.status).toBe(200);
    expect(expectOcto(OCTO.booking, reserved.body).status).toBe("ON_HOLD");

    const confirmed = await acme("POST", `/bookings/${uuid}/confirm`, {
      resellerReference: "ACME-1",
      contact: { firstName: "Min", lastName: "Kim", emailAddress: "min@example.com", phoneNumber: "+82 10 1234 5678" },
    });
    expect(confirmed.status).toBe(200);
    const booking = expectOcto(OCTO.booking, confirmed.body) as unknown as {
      status: string;
      supplierReference: string;
      unitItems: { uuid: string }[];
    };
    expect(booking.status).toBe("PENDING");

    // The outbox places it: one AX order per unit type, one AX ticket per unit item, the uuids as channel codes.
    await stack.settled();
    const axOrders = stack.sandbox?.listOrders({ channelOrderCode: booking.supplierReference }) ?? [];
    expect(axOrders.map((axOrder) => axOrder.tickets.length).sort()).toEqual([1, 2]);
    expect(axOrders.flatMap((axOrder) => axOrder.tickets.map((ticket) => ticket.channelCode)).sort()).toEqual(
      booking.unitItems.map((item) => item.uuid).sort(),
    );

    // The supplier confirms in AX; the status sync hears it and tells the reseller.
    for (const axOrder of axOrders) stack.sandbox?.setOrderStatus(axOrder.axOrderCode, "Supplier confirm");
    await stack.syncNow();
    const read = await acme("GET", `/bookings/${uuid}`);
    expect(expectOcto(OCTO.booking, read.body).status).toBe("CONFIRMED");
    await receiver.waitFor(1);
    const delivery = receiver.received[0];
    expect(delivery?.verification.ok).toBe(true);
    const update = JSON.parse(delivery?.body ?? "{}") as {
      webhook: { event: string };
      booking: { uuid: string; status: string };
    };
    expect(update.webhook.event).toBe("booking_update");
    expect(expectOcto(OCTO.booking, update.booking)).toMatchObject({ uuid, status: "CONFIRMED" });
  });

  it("cancels a confirmed booking in AX", async () => {
    const availabilityId = await tourSlot(acme, 6);
    const reserved = await acme("POST", "/bookings", {
      productId: TOUR_ID,
      optionId: "standard",
      availabilityId,
      unitItems: [{ unitId: "adult" }],
    });
    const uuid = String(reserved.body.uuid);
    const confirmed = await acme("POST", `/bookings/${uuid}/confirm`, { contact: { fullName: "Ana Silva" } });
    await stack.settled();
    const cancelled = await acme("POST", `/bookings/${uuid}/cancel`, { reason: "Plans changed" });
    expect(cancelled.status).toBe(200);
    expect(expectOcto(OCTO.booking, cancelled.body)).toMatchObject({
      status: "CANCELLED",
      cancellation: { reason: "Plans changed" },
    });
    await stack.settled();
    const [axOrder] = stack.sandbox?.listOrders({ channelOrderCode: String(confirmed.body.supplierReference) }) ?? [];
    expect(axOrder?.status).toBe("Traveler cancel");
    expect(axOrder?.tickets.every((ticket) => ticket.status === "Traveler canceled")).toBe(true);
  });

  it("books one AX order for a uuid reserved and confirmed twice; another body on that uuid is refused", async () => {
    const availabilityId = await tourSlot(acme, 7);
    const uuid = randomUUID();
    const body = { uuid, productId: TOUR_ID, optionId: "standard", availabilityId, unitItems: [{ unitId: "adult" }] };
    const first = await acme("POST", "/bookings", body);
    const again = await acme("POST", "/bookings", body);
    expect(again.body).toEqual(first.body);
    const different = await acme("POST", "/bookings", { ...body, unitItems: [{ unitId: "child" }] });
    expect(different.status).toBe(400);
    expectOctoError(different.body, "INVALID_BOOKING_UUID");
    const contact = { contact: { fullName: "Lee Jun" } };
    const [one, two] = await Promise.all([
      acme("POST", `/bookings/${uuid}/confirm`, contact),
      acme("POST", `/bookings/${uuid}/confirm`, contact),
    ]);
    expect([one.status, two.status]).toEqual([200, 200]);
    await stack.settled();
    const reference = String(one.body.supplierReference);
    expect(stack.sandbox?.createCalls(reference)).toBe(1);
    expect(stack.sandbox?.listOrders({ channelOrderCode: reference })).toHaveLength(1);
  });

  it("keeps each reseller's bookings its own, and refuses a missing or unknown key", async () => {
    const availabilityId = await tourSlot(acme, 8);
    const reserved = await acme("POST", "/bookings", {
      productId: TOUR_ID,
      optionId: "standard",
      availabilityId,
      unitItems: [{ unitId: "adult" }],
      resellerReference: "ACME-SECRET",
    });
    const uuid = String(reserved.body.uuid);
    const read = await other("GET", `/bookings/${uuid}`);
    expect(read.status).toBe(400);
    expectOctoError(read.body, "INVALID_BOOKING_UUID");
    const unknown = await other("GET", `/bookings/${randomUUID()}`);
    // Exactly as a uuid nobody used, apart from the uuid itself.
    expect({ ...read.body, uuid: "", errorMessage: "" }).toEqual({ ...unknown.body, uuid: "", errorMessage: "" });
    expectOctoError((await other("POST", `/bookings/${uuid}/cancel`, {})).body, "INVALID_BOOKING_UUID");
    const bySupplier = await other("GET", `/bookings?supplierReference=${String(reserved.body.supplierReference)}`);
    expect(bySupplier.body).toEqual([]);
    expect((await other("GET", "/bookings?resellerReference=ACME-SECRET")).body).toEqual([]);
    expect((await acme("GET", "/bookings?resellerReference=ACME-SECRET")).body).toHaveLength(1);
    expect((await acme("GET", `/bookings/${uuid}`)).status).toBe(200);
    const noKey = await client(stack, undefined)("GET", `/bookings/${uuid}`);
    expect(noKey).toMatchObject({ status: 401, body: { error: "UNAUTHORIZED" } });
    const badKey = await client(stack, "not-a-key-of-anyone-0000")("GET", `/bookings/${uuid}`);
    expect(badKey).toMatchObject({ status: 403, body: { error: "FORBIDDEN" } });
  });

  it("answers OCTO's errors for unknown ids, a sold-out date and a bad body", async () => {
    expectOcto(OCTO.supplier, (await acme("GET", "/supplier")).body);
    expectOctoList(OCTO.product, (await acme("GET", "/products")).body as unknown as unknown[]);
    expectOctoError((await acme("GET", "/products/nope")).body, "INVALID_PRODUCT_ID");
    const soldOut = seoulDate(2);
    const days = await acme("POST", "/availability/calendar", {
      productId: DAY_ID,
      optionId: "day",
      localDateStart: soldOut,
      localDateEnd: soldOut,
    });
    expect(expectOctoList(OCTO.calendar, days.body as unknown as { status: string }[])[0]?.status).toBe("SOLD_OUT");
    const reserve = (unitItems: unknown, availabilityId = `${soldOut}T00:00:00+09:00`) =>
      acme("POST", "/bookings", { productId: DAY_ID, optionId: "day", availabilityId, unitItems });
    expectOctoError((await reserve([{ unitId: "adult" }])).body, "UNPROCESSABLE_ENTITY");
    expectOctoError((await reserve([{ unitId: "nope" }])).body, "INVALID_UNIT_ID");
    expectOctoError((await reserve([])).body, "UNPROCESSABLE_ENTITY");
    expectOctoError((await reserve([{ unitId: "adult" }], "tomorrow")).body, "INVALID_AVAILABILITY_ID");
    const bad = await acme("POST", "/bookings", { productId: 7 });
    expect(bad.status).toBe(400);
    expectOctoError(bad.body, "BAD_REQUEST");
    expect(String(bad.body.errorMessage)).toMatch(/productId/);
  });
});

describe("OCTO holds run out", () => {
  let stack: LocalStack;
  let acme: ReturnType<typeof client>;

  beforeAll(async () => {
    // Holds of 3 seconds at most, whatever a reseller asks.
    stack = await startStack({ OCTO_HOLD_MAX_MINUTES: "0.05" });
    acme = client(stack, ACME_KEY);
  });
  afterAll(async () => {
    await stack.stop();
  });

  it("reserve → expire → the units are available again, and the sweeper marks the booking EXPIRED", async () => {
    const availabilityId = await tourSlot(acme);
    const vacancies = async () => {
      const answer = await acme("POST", "/availability", {
        productId: TOUR_ID,
        optionId: "standard",
        availabilityIds: [availabilityId],
      });
      return Number(
        (expectOctoList(OCTO.availability, answer.body as unknown as { vacancies: number }[])[0] ?? {}).vacancies,
      );
    };
    const before = await vacancies();
    const reserved = await acme("POST", "/bookings", {
      productId: TOUR_ID,
      optionId: "standard",
      availabilityId,
      expirationMinutes: 30,
      unitItems: [{ unitId: "adult" }, { unitId: "adult" }],
    });
    const uuid = String(reserved.body.uuid);
    expect(await vacancies()).toBe(before - 2);
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(await vacancies()).toBe(before);
    expect(await stack.expireOctoHolds()).toEqual({ expired: 1 });
    expect(await stack.expireOctoHolds()).toEqual({ expired: 0 });
    const read = await acme("GET", `/bookings/${uuid}`);
    expect(expectOcto(OCTO.booking, read.body).status).toBe("EXPIRED");
    const late = await acme("POST", `/bookings/${uuid}/confirm`, { contact: { fullName: "Late Comer" } });
    expectOctoError(late.body, "UNPROCESSABLE_ENTITY");
  });
});
