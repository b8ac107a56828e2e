// Failure handling end to end: the local stack with AX faults injected in the sandbox, and the operations CLI
// parking, replaying, reconciling and redriving — nothing lost after a 2xx, nothing booked twice.
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { OrderView } from "../../lib/orders/read-order";
import { runCli } from "../../local/cli/main";
import { sampleOrderPlaced } from "../../local/samples";
import {
  DEV_ADMIN_TOKEN,
  DEV_AX_API_KEY,
  DEV_AX_CHANNEL_CODE,
  DEV_WEBHOOK_SECRET,
  startLocalStack,
  type LocalStack,
} from "../../local/stack";
import { signedDelivery } from "../support/webhooks";

describe("failures end to end", () => {
  let stack: LocalStack;
  let cliEnv: Record<string, string>;
  const tableName = `e2e-failures-${randomUUID()}`;

  beforeAll(async () => {
    stack = await startLocalStack({
      env: { AWS_ENDPOINT_URL_DYNAMODB: inject("dynamodbEndpoint"), TABLE_NAME: tableName, AX_TIMEOUT_MS: "2000" },
      port: 0,
      queue: { baseDelayMs: 10, maxReceiveCount: 4 },
    });
    cliEnv = {
      TABLE_NAME: tableName,
      AWS_ENDPOINT_URL_DYNAMODB: inject("dynamodbEndpoint"),
      ADAPTER_URL: stack.url,
      // A reconciliation asks AX about the codes it attaches: the stage's AX, here the stack's sandbox.
      AX_BASE_URL: stack.axUrl,
      AX_API_KEY: DEV_AX_API_KEY,
      AX_CHANNEL_CODE: DEV_AX_CHANNEL_CODE,
    };
  });
  afterAll(async () => {
    await stack.stop();
  });
  beforeEach(() => {
    sandbox().clearFaults();
  });

  const sandbox = () => {
    if (!stack.sandbox) throw new Error("no sandbox");
    return stack.sandbox;
  };
  const newOrderId = () => `F-${randomUUID().slice(0, 8)}`;
  const deliver = async (payload: unknown) => {
    const delivery = signedDelivery(payload, { secret: DEV_WEBHOOK_SECRET });
    const answer = await fetch(`${stack.url}/webhooks/orders`, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
    });
    expect(answer.status).toBe(202);
    return delivery.webhookId;
  };
  const view = async (orderId: string) =>
    (await (
      await fetch(`${stack.url}/orders/${orderId}`, { headers: { authorization: `Bearer ${DEV_ADMIN_TOKEN}` } })
    ).json()) as OrderView;
  const cli = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await runCli(args, (line) => lines.push(line), cliEnv);
    return { code, out: lines.join("\n") };
  };
  const axOrdersOf = (orderId: string) => sandbox().listOrders({ channelOrderCode: orderId });

  it("AX down for a while (503 storm), then back: every order goes through, exactly once", async () => {
    sandbox().injectFault({ endpoint: "create", kind: "status", status: 503, times: 5 });
    sandbox().injectFault({ endpoint: "create", kind: "status", status: 429, retryAfterSeconds: 0, times: 2 });
    const orderIds = [newOrderId(), newOrderId(), newOrderId()];
    for (const orderId of orderIds) await deliver(sampleOrderPlaced(orderId));
    await stack.settled();
    for (const orderId of orderIds) {
      expect((await view(orderId)).status).toBe("placed");
      expect(axOrdersOf(orderId)).toHaveLength(2);
    }
    expect(stack.queue.deadLetters).toEqual([]);
  });

  it("a create that hangs past the timeout ends uncertain and is not sent again by itself", async () => {
    const orderId = newOrderId();
    sandbox().injectFault({
      endpoint: "create",
      channelOrderCode: orderId,
      kind: "hang",
      afterProcessing: true,
      times: 1,
    });
    await deliver(sampleOrderPlaced(orderId));
    await stack.settled();
    const order = await view(orderId);
    expect(order.status).toBe("uncertain");
    expect(order.events[0]).toMatchObject({ status: "failed", reason: "create_uncertain" });
    expect(axOrdersOf(orderId).filter((o) => o.type === "tour")).toHaveLength(1);
    expect((await cli("events", "list", "failed", "--reason", "create_uncertain")).out).toContain(orderId);
  });

  it("reconcile attach: the AX codes found in AX's console complete the order, and a waiting cancel follows", async () => {
    const orderId = newOrderId();
    sandbox().injectFault({
      endpoint: "create",
      channelOrderCode: orderId,
      kind: "status",
      status: 500,
      afterProcessing: true,
      times: 1,
    });
    await deliver(sampleOrderPlaced(orderId));
    await stack.settled();
    const cancelId = await deliver({
      type: "order.cancelled",
      data: { order_id: orderId, item_ids: [`${orderId}-2`] },
    });
    await stack.settled();
    expect((await view(orderId)).events.find((e) => e.webhook_id === cancelId)?.status).toBe("queued");

    const tour = axOrdersOf(orderId).find((o) => o.type === "tour");
    const file = join(mkdtempSync(join(tmpdir(), "reconcile-")), "tour.json");
    writeFileSync(
      file,
      JSON.stringify({
        ax_orders: [
          {
            item_id: `${orderId}-1`,
            ax_order_code: tour?.axOrderCode,
            tickets: tour?.tickets.map((t) => ({ ticket_id: t.channelCode, ax_ticket_code: t.axTicketCode })),
          },
        ],
      }),
    );
    expect((await cli("reconcile", "attach", orderId, "tour", file)).code).toBe(0);
    await stack.settled();

    const after = await view(orderId);
    expect(after.status).toBe("partially_cancelled");
    expect(after.ax_orders.find((o) => o.item_id === `${orderId}-1`)?.ax_order_code).toBe(tour?.axOrderCode);
    expect(after.events.map((e) => e.status)).toEqual(["applied", "applied"]);
    expect(axOrdersOf(orderId).filter((o) => o.type === "tour")).toHaveLength(1);
    expect(axOrdersOf(orderId).find((o) => o.type === "day-ticket")?.status).toBe("Traveler cancel");
  });

  it("reconcile resend: an operator who knows AX lacks the order sends it again, once", async () => {
    const orderId = newOrderId();
    // AX never processed it: the answer hangs before AX stores anything.
    sandbox().injectFault({ endpoint: "create", channelOrderCode: orderId, kind: "hang", times: 1 });
    await deliver(sampleOrderPlaced(orderId));
    await stack.settled();
    expect((await view(orderId)).status).toBe("uncertain");
    expect(axOrdersOf(orderId).filter((o) => o.type === "tour")).toHaveLength(0);

    expect((await cli("reconcile", "resend", orderId, "tour")).code).toBe(0);
    await stack.settled();
    expect((await view(orderId)).status).toBe("placed");
    expect(axOrdersOf(orderId).filter((o) => o.type === "tour")).toHaveLength(1);
    // Once created, it is no longer uncertain: a second resend is refused and sends nothing.
    await expect(cli("reconcile", "resend", orderId, "tour")).rejects.toThrow(/created, not uncertain/);
    await stack.settled();
    expect(axOrdersOf(orderId).filter((o) => o.type === "tour")).toHaveLength(1);
  });

  it("an unmapped sku is parked, then replayed once the mapping exists", async () => {
    const orderId = newOrderId();
    const payload = sampleOrderPlaced(orderId);
    const item = payload.data.items[1] as Record<string, unknown>;
    delete item.ax;
    item.sku = `SKU-${orderId}`;
    const webhookId = await deliver(payload);
    await stack.settled();
    expect((await cli("events", "list")).out).toContain(
      `${webhookId}  order.placed  order ${orderId}  failed  unmapped_sku`,
    );
    expect(axOrdersOf(orderId)).toHaveLength(0);

    await cli("products", "add", `SKU-${orderId}`, "day-ticket", "map-x", "opt-x");
    // Count first, then confirm the count.
    expect((await cli("events", "list", "failed", "--reason", "unmapped_sku")).out).toContain(webhookId);
    expect((await cli("events", "replay", "--all", "--reason", "unmapped_sku")).out).toBe(
      "1 parked event(s) match; to replay them: npm run cli -- events replay --all --reason unmapped_sku --confirm 1",
    );
    expect((await cli("events", "replay", "--all", "--reason", "unmapped_sku", "--confirm", "1")).out).toBe(
      "1 parked event(s) replayed: 2 item(s) to be sent, 0 already booked left as they are",
    );
    await stack.settled();
    expect((await view(orderId)).status).toBe("placed");
    expect(axOrdersOf(orderId)).toHaveLength(2);
    expect((await cli("events", "replay", webhookId)).out).toContain(
      `event ${webhookId} is applied: only parked (failed) or waiting (queued) events are replayed`,
    );
  });

  it("a message that keeps failing reaches the dead-letter list and is redriven once AX is back", async () => {
    const orderId = newOrderId();
    sandbox().injectFault({ endpoint: "create", channelOrderCode: orderId, kind: "status", status: 503 });
    await deliver(sampleOrderPlaced(orderId));
    await stack.settled();
    expect(stack.queue.deadLetters.map((d) => d.message.order_id)).toContain(orderId);
    expect((await view(orderId)).events[0]?.status).toBe("queued");

    sandbox().clearFaults();
    expect((await cli("queue", "redrive")).out).toMatch(/^\d+ message\(s\) moved back/);
    await stack.settled();
    expect((await view(orderId)).status).toBe("placed");
    expect(axOrdersOf(orderId)).toHaveLength(2);
  });
});
