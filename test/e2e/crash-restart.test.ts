// The local stack stopped under load, then started again on the same data, at the local and at the deployed
// DynamoDB timeouts. Ctrl-C (SIGINT to the stack's whole process group, as a terminal sends it: DynamoDB Local gets
// it too) lets every delivery in flight finish and record AX's answer: nothing ends uncertain. `kill -9` of the whole
// group cuts what was on the wire: only creates whose intent was written before the kill may end uncertain. Either
// way every acknowledged event is applied with no action by the channel or an operator, nothing is booked twice, and
// the stack starts again on its data, even when the killed stack is a zombie nobody reaped.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { signedWebhookHeaders } from "../../lib/channel/signature";
import type { OrderView } from "../../lib/orders/read-order";
import type { SandboxOrder } from "../../local/ax-sandbox/server";
import type { ChildStackReady } from "../../local/child-stack";
import { childStackScript, startChildStack, type ChildStack } from "../../local/child-stack-control";
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

async function deliverOrders(ready: ChildStackReady, count: number): Promise<string[]> {
  const secret = ready.webhookSecrets.split(" ")[0] ?? "";
  const ids = Array.from({ length: count }, () => `K-${randomUUID().slice(0, 8)}`);
  await Promise.all(
    ids.map(async (orderId) => {
      const body = JSON.stringify(sampleOrderPlaced(orderId));
      const webhookId = `msg_${randomUUID()}`;
      // The channel retries a 503 (a DynamoDB answer slower than the receiver's timeout on a loaded machine).
      for (let attempt = 1; ; attempt++) {
        const timestamp = Math.floor(Date.now() / 1000);
        const answer = await fetch(`${ready.url}/webhooks/orders`, {
          method: "POST",
          headers: signedWebhookHeaders({ secret, webhookId, timestamp, body }),
          body,
        });
        if (answer.status === 202 || answer.status === 200) return;
        expect(answer.status).toBe(503);
        if (attempt >= 20) throw new Error(`order ${orderId} never taken`);
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }),
  );
  return ids;
}

const admin = (ready: ChildStackReady) => ({ authorization: `Bearer ${ready.adminToken}` });

async function slowAx(stack: ChildStack, latencyMs: number): Promise<void> {
  const answer = await fetch(`${stack.ready.axUrl}/__sandbox/faults`, {
    method: "POST",
    headers: { "content-type": "application/json", ...admin(stack.ready) },
    body: JSON.stringify({ endpoint: "create", kind: "latency", latencyMs }),
  });
  expect(answer.status).toBe(201);
}

async function view(ready: ChildStackReady, orderId: string): Promise<OrderView> {
  const answer = await fetch(`${ready.url}/orders/${orderId}`, { headers: admin(ready) });
  return (await answer.json()) as OrderView;
}

async function inAx(ready: ChildStackReady, orderId: string): Promise<SandboxOrder[]> {
  const answer = await fetch(`${ready.axUrl}/__sandbox/orders?channel_order_code=${orderId}`, {
    headers: admin(ready),
  });
  return (await answer.json()) as SandboxOrder[];
}

/** Waits until no order of `ids` is `pending` any more. */
async function untilSettled(ready: ChildStackReady, ids: string[], timeoutMs = 120_000): Promise<OrderView[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const views = await Promise.all(ids.map((id) => view(ready, id)));
    if (views.every((v) => v.status !== "pending")) return views;
    if (Date.now() > until)
      throw new Error(`still pending: ${views.filter((v) => v.status === "pending").length} of ${ids.length}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Waits until AX has received creates for at least `count` of the orders: the workers are busy with AX. */
async function untilCreatesOnTheWire(ready: ChildStackReady, ids: string[], count: number): Promise<void> {
  for (let polls = 0; polls < 600; polls++) {
    const calls = await Promise.all(
      ids.map(async (id) => {
        const answer = await fetch(`${ready.axUrl}/__sandbox/create-calls/${id}`, { headers: admin(ready) });
        return ((await answer.json()) as { count: number }).count;
      }),
    );
    if (calls.filter((n) => n > 0).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("AX received no create");
}

// The deployed stage's DynamoDB timeout (2 s per attempt), and the local stack's own (10 s).
const TIMEOUTS: { name: string; env: Record<string, string> }[] = [
  { name: "the local timeouts", env: {} },
  { name: "the deployed timeouts", env: { AWS_REQUEST_TIMEOUT_MS: "2000" } },
];
const ORDERS = 40;

describe.each(TIMEOUTS)("stop and restart under load, at $name", { timeout: 300_000 }, ({ env }) => {
  it("Ctrl-C (SIGINT to the process group) lets every delivery in flight finish and record AX's answer: nothing uncertain", async () => {
    const dir = dataDir();
    const stack = await startChildStack({ dataDir: dir, env });
    await slowAx(stack, 400);
    const ids = await deliverOrders(stack.ready, ORDERS);
    await untilCreatesOnTheWire(stack.ready, ids, 5);
    expect(await stack.stopGroup("SIGINT")).toBe(0);
    expect(stack.log()).not.toMatch(/DynamoDB Local exited|ECONNREFUSED/);

    const restarted = await startChildStack({ dataDir: dir, env });
    const views = await untilSettled(restarted.ready, ids);
    expect(views.map((v) => v.status)).toEqual(ids.map(() => "placed"));
    for (const id of ids)
      expect((await inAx(restarted.ready, id)).map((o) => o.type).sort()).toEqual(["day-ticket", "tour"]);
    await restarted.stop("SIGTERM");
  });

  it("kill -9 of the process group: the restart applies every acknowledged order; no AX order twice; uncertain only where an intent was written before the kill", async () => {
    const dir = dataDir();
    const stack = await startChildStack({ dataDir: dir, env });
    await slowAx(stack, 400);
    const ids = await deliverOrders(stack.ready, ORDERS);
    await untilCreatesOnTheWire(stack.ready, ids, 5);
    const killedAt = new Date().toISOString();
    expect(await stack.stopGroup("SIGKILL")).toBeNull();

    const restarted = await startChildStack({ dataDir: dir, env });
    expect((await restarted.startupSweep)?.requeued).toBeGreaterThan(0);
    const views = await untilSettled(restarted.ready, ids);
    const uncertain: string[] = [];
    for (const [index, id] of ids.entries()) {
      const order = views[index];
      const axOrders = await inAx(restarted.ready, id);
      // Never two AX orders of one family: exactly once towards AX.
      expect(axOrders.filter((o) => o.type === "tour").length, id).toBeLessThanOrEqual(1);
      expect(axOrders.filter((o) => o.type === "day-ticket").length, id).toBeLessThanOrEqual(1);
      if (order?.status === "placed") expect(axOrders).toHaveLength(2);
      else expect(order?.status, id).toBe("uncertain");
      for (const call of order?.create_calls ?? []) {
        if (call.state !== "uncertain") continue;
        // Explained: the intent was written before the kill and AX's answer never recorded (a call that was on
        // the wire, or about to be), so AX may have it; nothing else is uncertain.
        expect(call.started_at < killedAt, `${id} ${call.product_type}`).toBe(true);
        expect(call.detail).toMatch(/stopped after sending the create to AX and before recording its answer/);
        uncertain.push(`${id} ${call.product_type}`);
      }
      // The sandbox kept its orders with the data: the table's AX codes are all known to AX after the restart.
      for (const axOrder of order?.ax_orders ?? [])
        expect(
          axOrders.map((o) => o.axOrderCode),
          id,
        ).toContain(axOrder.ax_order_code);
    }
    expect(uncertain.length).toBeLessThanOrEqual(10 * 2); // at most the worker's concurrency, one call per family
    console.log(`kill -9 with ${ORDERS} orders: ${uncertain.length} create(s) uncertain, each cut on the wire`);
    await restarted.stop("SIGTERM");
  });
});

/** The pid's state letter in /proc (Z: a zombie), or undefined when it is gone. */
function processState(pid: number): string | undefined {
  try {
    return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

/**
 * A stack whose parent never reaps it: `sh` starts the stack in the background and then becomes `sleep`, which
 * never waits for a child. Killed, the stack stays a zombie (pid still there, state Z) until the sleep ends.
 */
async function startUnreapedStack(dir: string): Promise<{ ready: ChildStackReady; parent: ChildProcess }> {
  const parent = spawn(
    "sh",
    [
      "-c",
      // Standard input passed on explicitly: a background job's would be /dev/null, and the stack stops at its end.
      'exec 3<&0; "$0" --import tsx "$1" "$2" 0<&3 & exec sleep 600',
      process.execPath,
      childStackScript,
      JSON.stringify({ dataDir: dir }),
    ],
    { stdio: ["pipe", "pipe", "ignore"], detached: true },
  );
  const line = await new Promise<string>((resolve) => {
    createInterface({ input: parent.stdout }).once("line", resolve);
  });
  return { ready: JSON.parse(line) as ChildStackReady, parent };
}

describe("the data lock", { timeout: 300_000 }, () => {
  it("a second stack on the same data refuses to start and names the running one", async () => {
    const dir = dataDir();
    const first = await startChildStack({ dataDir: dir });
    await expect(startChildStack({ dataDir: dir })).rejects.toThrow(
      new RegExp(`in use by a running stack \\(pid ${first.ready.pid}, started .*${first.ready.url}`),
    );
    await first.stop("SIGTERM");
  });

  it.skipIf(process.platform !== "linux")(
    "a stack killed and left a zombie (its parent never reaps it): the restart starts on its data",
    async () => {
      const dir = dataDir();
      const { ready, parent } = await startUnreapedStack(dir);
      try {
        const [orderId = ""] = await deliverOrders(ready, 1);
        await untilSettled(ready, [orderId]);
        process.kill(ready.pid, "SIGKILL");
        for (let polls = 0; processState(ready.pid) !== "Z" && polls < 100; polls++)
          await new Promise((resolve) => setTimeout(resolve, 50));
        expect(processState(ready.pid)).toBe("Z"); // it still answers kill(pid, 0)
        expect(() => process.kill(ready.pid, 0)).not.toThrow();

        const restarted = await startChildStack({ dataDir: dir });
        expect((await view(restarted.ready, orderId)).status).toBe("placed");
        await restarted.stop("SIGTERM");
      } finally {
        if (parent.pid !== undefined) process.kill(-parent.pid, "SIGKILL");
      }
    },
  );
});

describe("a start given up on", { timeout: 60_000 }, () => {
  it("says what each of the stack's processes was doing, then stops them all", async () => {
    const dir = dataDir();
    const error = await startChildStack({ dataDir: dir }, 1_500).then(
      () => new Error("the stack started within 1.5 s"),
      (thrown: unknown) => thrown as Error,
    );
    // e.g. "4242 4242 Sl 00:01 00:00:01 98304 node --import tsx …/child-stack.ts {…}"
    expect(error.message).toMatch(/did not start within 1500 ms; its processes then:\n\d+ \d+ \S+ .*child-stack\.ts/);
    expect(error.message).toMatch(/its log: /);
    // Stopped: the folder is free for the next start at once.
    const next = await startChildStack({ dataDir: dir });
    await next.stop("SIGTERM");
  });
});
