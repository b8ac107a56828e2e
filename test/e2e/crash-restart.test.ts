// The local stack stopped under load, gently (SIGTERM, as Ctrl-C) and hard (kill -9), then started again on the same
// data: every acknowledged event is applied with no action by the channel or an operator, nothing is booked twice.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { signedWebhookHeaders } from "../../lib/channel/signature";
import type { OrderView } from "../../lib/orders/read-order";
import type { SandboxOrder } from "../../local/ax-sandbox/server";
import { startChildStack, type ChildStack } from "../../local/child-stack-control";
import { sampleOrderPlaced } from "../../local/samples";

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "stack-data-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function deliverOrders(stack: ChildStack, count: number): Promise<string[]> {
  const secret = stack.ready.webhookSecrets.split(" ")[0] ?? "";
  const ids = Array.from({ length: count }, () => `K-${randomUUID().slice(0, 8)}`);
  await Promise.all(
    ids.map(async (orderId) => {
      const body = JSON.stringify(sampleOrderPlaced(orderId));
      const webhookId = `msg_${randomUUID()}`;
      const timestamp = Math.floor(Date.now() / 1000);
      const answer = await fetch(`${stack.ready.url}/webhooks/orders`, {
        method: "POST",
        headers: signedWebhookHeaders({ secret, webhookId, timestamp, body }),
        body,
      });
      expect(answer.status).toBe(202);
    }),
  );
  return ids;
}

const admin = (stack: ChildStack) => ({ authorization: `Bearer ${stack.ready.adminToken}` });

async function slowAx(stack: ChildStack, latencyMs: number): Promise<void> {
  const answer = await fetch(`${stack.ready.axUrl}/__sandbox/faults`, {
    method: "POST",
    headers: { "content-type": "application/json", ...admin(stack) },
    body: JSON.stringify({ endpoint: "create", kind: "latency", latencyMs }),
  });
  expect(answer.status).toBe(201);
}

async function view(stack: ChildStack, orderId: string): Promise<OrderView> {
  const answer = await fetch(`${stack.ready.url}/orders/${orderId}`, { headers: admin(stack) });
  return (await answer.json()) as OrderView;
}

async function inAx(stack: ChildStack, orderId: string): Promise<SandboxOrder[]> {
  const answer = await fetch(`${stack.ready.axUrl}/__sandbox/orders?channel_order_code=${orderId}`, {
    headers: admin(stack),
  });
  return (await answer.json()) as SandboxOrder[];
}

/** Waits until no order of `ids` is `pending` any more. */
async function untilSettled(stack: ChildStack, ids: string[], timeoutMs = 60_000): Promise<OrderView[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const views = await Promise.all(ids.map((id) => view(stack, id)));
    if (views.every((v) => v.status !== "pending")) return views;
    if (Date.now() > until)
      throw new Error(`still pending: ${views.filter((v) => v.status === "pending").length} of ${ids.length}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("stop and restart under load", { timeout: 180_000 }, () => {
  it("Ctrl-C (SIGTERM) lets calls in flight finish; the restart applies the rest; nothing uncertain", async () => {
    const dir = dataDir();
    let stack = await startChildStack({ dataDir: dir });
    await slowAx(stack, 300);
    const ids = await deliverOrders(stack, 30);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await stack.stop("SIGTERM")).toBe(0);

    stack = await startChildStack({ dataDir: dir });
    const views = await untilSettled(stack, ids);
    expect(views.map((v) => v.status)).toEqual(ids.map(() => "placed"));
    for (const id of ids) expect((await inAx(stack, id)).map((o) => o.type).sort()).toEqual(["day-ticket", "tour"]);
    await stack.stop("SIGTERM");
  });

  it("kill -9 mid-run: the restart applies every acknowledged order; no AX order twice; uncertain only where a call was cut", async () => {
    const dir = dataDir();
    let stack = await startChildStack({ dataDir: dir });
    await slowAx(stack, 300);
    const ids = await deliverOrders(stack, 30);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await stack.stop("SIGKILL")).toBeNull();

    stack = await startChildStack({ dataDir: dir });
    expect(stack.ready.requeuedAtStart).toBeGreaterThan(0);
    const views = await untilSettled(stack, ids);
    let uncertain = 0;
    for (const [index, id] of ids.entries()) {
      const status = views[index]?.status;
      const axOrders = await inAx(stack, id);
      // Never two AX orders of one family: exactly once towards AX.
      expect(axOrders.filter((o) => o.type === "tour").length, id).toBeLessThanOrEqual(1);
      expect(axOrders.filter((o) => o.type === "day-ticket").length, id).toBeLessThanOrEqual(1);
      if (status === "placed") expect(axOrders).toHaveLength(2);
      else {
        // Only a create that was on the wire when the process died may be uncertain (its answer was lost).
        expect(status, id).toBe("uncertain");
        uncertain++;
      }
      // The sandbox kept its orders with the data: the table's AX codes are all known to AX after the restart.
      for (const axOrder of views[index]?.ax_orders ?? [])
        expect(
          axOrders.map((o) => o.axOrderCode),
          id,
        ).toContain(axOrder.ax_order_code);
    }
    expect(uncertain).toBeLessThanOrEqual(10 * 2); // at most the worker's concurrency, one call per family
    await stack.stop("SIGTERM");
  });

  it("a second stack on the same data refuses to start and names the running one", async () => {
    const dir = dataDir();
    const first = await startChildStack({ dataDir: dir });
    await expect(startChildStack({ dataDir: dir })).rejects.toThrow(
      new RegExp(`in use by a running stack \\(pid ${first.ready.pid}, started .*${first.ready.url}`),
    );
    await first.stop("SIGTERM");
  });
});
