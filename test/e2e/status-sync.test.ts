// Supplier decisions end to end: signed webhooks into the local stack, the sandbox confirming and rejecting, the sync
// (run by the CLI, or by the stack's own period), the read API over HTTP, and the channel's endpoint receiving
// signed `order.status_changed` webhooks.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { OrderView } from "../../lib/orders/read-order";
import { runCli } from "../../local/cli/main";
import { sampleOrderPlaced } from "../../local/samples";
import { DEV_ADMIN_TOKEN, DEV_WEBHOOK_SECRET, startLocalStack, type LocalStack } from "../../local/stack";
import { RECEIVER_SECRET, startReceiver, type Receiver } from "../support/receiver";
import { signedDelivery } from "../support/webhooks";

async function placeThrough(stack: LocalStack, orderId: string) {
  const delivery = signedDelivery(sampleOrderPlaced(orderId), { secret: DEV_WEBHOOK_SECRET });
  const answer = await fetch(`${stack.url}/webhooks/orders`, {
    method: "POST",
    headers: delivery.headers,
    body: delivery.body,
  });
  expect(answer.status).toBe(202);
  await stack.settled();
  const axOrders = stack.sandbox?.listOrders({ channelOrderCode: orderId }) ?? [];
  const code = (type: string) => axOrders.find((o) => o.type === type)?.axOrderCode ?? "";
  return { tour: code("tour"), day: code("day-ticket") };
}

async function readOrder(stack: LocalStack, orderId: string): Promise<OrderView> {
  const answer = await fetch(`${stack.url}/orders/${orderId}`, {
    headers: { authorization: `Bearer ${DEV_ADMIN_TOKEN}` },
  });
  expect(answer.status).toBe(200);
  return (await answer.json()) as OrderView;
}

const startStack = (receiver: Receiver, syncIntervalMs: number) =>
  startLocalStack({
    env: {
      AWS_ENDPOINT_URL_DYNAMODB: inject("dynamodbEndpoint"),
      TABLE_NAME: `e2e-sync-${randomUUID()}`,
      OUTBOUND_WEBHOOK_URL: receiver.url,
      OUTBOUND_WEBHOOK_SECRET: RECEIVER_SECRET,
    },
    port: 0,
    queue: { baseDelayMs: 20, maxReceiveCount: 5 },
    syncIntervalMs,
  });

describe("status sync end to end (run by the CLI)", () => {
  let receiver: Receiver;
  let stack: LocalStack;

  beforeAll(async () => {
    receiver = await startReceiver();
    stack = await startStack(receiver, 0);
  });
  afterAll(async () => {
    await stack.stop();
    await receiver.stop();
  });

  const cli = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await runCli(args, (line) => lines.push(line), { ADAPTER_URL: stack.url });
    return { code, lines };
  };

  it("the sandbox confirms one item and rejects the other: after `sync run` the read API shows both, and the channel got them signed", async () => {
    const orderId = `E2E-${randomUUID().slice(0, 8)}`;
    const { tour, day } = await placeThrough(stack, orderId);
    stack.sandbox?.setOrderStatus(tour, "Supplier confirm", "Meet at gate 3");
    stack.sandbox?.setOrderStatus(day, "Supplier reject", "No availability");

    const { code, lines } = await cli("sync", "run");
    expect(lines).toEqual([
      "polled 2 AX order(s): 2 changed, 0 unchanged, 0 skipped, 0 failed",
      "notifications: 2 delivered, 0 failed (retried later), 0 dead",
    ]);
    expect(code).toBe(0);

    const order = await readOrder(stack, orderId);
    expect(order.ax_orders.map((o) => [o.ax_order_code, o.ax_order_status])).toEqual([
      [tour, "Supplier confirm"],
      [day, "Supplier reject"],
    ]);
    expect(order.ax_orders.map((o) => o.history.at(-1))).toEqual([
      expect.objectContaining({ from: "New", to: "Supplier confirm", source: "sync", comment: "Meet at gate 3" }),
      expect.objectContaining({ from: "New", to: "Supplier reject", source: "sync", comment: "No availability" }),
    ]);
    const notifications = [...order.notifications].sort((a, b) => a.item_id.localeCompare(b.item_id));
    expect(notifications.map((n) => [n.item_id, n.type, n.status, n.attempts])).toEqual([
      [`${orderId}-1`, "order.status_changed", "delivered", 1],
      [`${orderId}-2`, "order.status_changed", "delivered", 1],
    ]);

    expect(receiver.received).toHaveLength(2);
    expect(receiver.received.every((r) => r.verification.ok)).toBe(true);
    const ids = receiver.received.map((r) => r.headers["webhook-id"]).sort();
    expect(ids).toEqual(order.notifications.map((n) => n.id).sort());
    const payloads = receiver.accepted() as {
      type: string;
      data: { ax_order_code: string; ax_order_status: string };
    }[];
    expect(payloads.map((p) => [p.type, p.data.ax_order_code, p.data.ax_order_status]).sort()).toEqual(
      [
        ["order.status_changed", tour, "Supplier confirm"],
        ["order.status_changed", day, "Supplier reject"],
      ].sort(),
    );

    // The rejected one is final: never asked again. The confirmed one, its use date weeks away, is asked once a day
    // at its turn (its phase): a run seconds later reads nothing (its turn falls in those seconds once in ~10,000).
    const since = stack.sandbox?.requests().length ?? 0;
    expect((await cli("sync", "run")).lines[0]).toBe(
      "polled 0 AX order(s): 0 changed, 0 unchanged, 0 skipped, 0 failed",
    );
    const asked = (stack.sandbox?.requests() ?? []).slice(since).filter((r) => r.endpoint === "confirmation");
    expect(asked.map((r) => r.path.split("/").at(-1))).toEqual([]);
    expect(receiver.received).toHaveLength(2);
  });
});

describe("status sync end to end (the stack's own period)", () => {
  let receiver: Receiver;
  let stack: LocalStack;

  beforeAll(async () => {
    receiver = await startReceiver();
    stack = await startStack(receiver, 100);
  });
  afterAll(async () => {
    await stack.stop();
    await receiver.stop();
  });

  it("picks up a supplier's decision without being asked, and delivers it", async () => {
    const orderId = `E2E-${randomUUID().slice(0, 8)}`;
    const { day } = await placeThrough(stack, orderId);
    stack.sandbox?.setOrderStatus(day, "Supplier confirm");
    await receiver.waitFor(1);
    expect(receiver.received[0]?.verification.ok).toBe(true);
    const order = await readOrder(stack, orderId);
    expect(order.ax_orders.find((o) => o.ax_order_code === day)?.ax_order_status).toBe("Supplier confirm");
  });
});
