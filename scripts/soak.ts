// `npm run soak -- [--orders N] [--duplicates 0.1] [--concurrent 0.05] [--early-cancels 0.1] [--faults 0.05]
//                  [--lost-answers 0.02] [--parallel 16]`
// N orders through the whole local stack (DynamoDB Local, the AX sandbox, the in-process FIFO queue), as a busy
// channel would send them: some delivered twice, some many times at once, some cancelled before they are placed,
// some meeting AX faults. Prints what was sent, what AX got, and what must be zero: duplicates and lost events.
import "../local/quiet-node20";
import "./quiet-logs";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { signWebhook } from "../lib/channel/signature";
import { sampleOrderPlaced } from "../local/samples";
import { DEV_WEBHOOK_SECRET, startLocalStack } from "../local/stack";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "1000" },
    duplicates: { type: "string", default: "0.1" },
    concurrent: { type: "string", default: "0.05" },
    "early-cancels": { type: "string", default: "0.1" },
    faults: { type: "string", default: "0.05" },
    "lost-answers": { type: "string", default: "0.02" },
    parallel: { type: "string", default: "16" },
  },
});
const orders = Number(values.orders);
const share = (name: keyof typeof values) => Number(values[name]);
const parallel = Number(values.parallel);

// A deterministic sequence, so two runs with the same settings send the same mix.
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};

const stack = await startLocalStack({ port: 0, queue: { baseDelayMs: 50, maxReceiveCount: 8 } });
const sandbox = stack.sandbox;
if (!sandbox) throw new Error("the soak needs the built-in AX sandbox (unset AX_BASE_URL)");
const acknowledged = new Set<string>();
const rejected = new Map<number, number>();

async function deliver(payload: unknown, webhookId = `msg_${randomUUID()}`, copies = 1): Promise<void> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    "content-type": "application/json",
    "webhook-id": webhookId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signWebhook({ secret: DEV_WEBHOOK_SECRET, webhookId, timestamp, body }),
  };
  const answers = await Promise.all(
    Array.from({ length: copies }, () => fetch(`${stack.url}/webhooks/orders`, { method: "POST", headers, body })),
  );
  for (const answer of answers) {
    if (answer.status === 202 || answer.status === 200) acknowledged.add(webhookId);
    else rejected.set(answer.status, (rejected.get(answer.status) ?? 0) + 1);
  }
}

const plan = Array.from({ length: orders }, (_, n) => ({
  orderId: `SOAK-${n}-${randomUUID().slice(0, 6)}`,
  duplicate: random() < share("duplicates"),
  concurrent: random() < share("concurrent"),
  earlyCancel: random() < share("early-cancels"),
  fault: random() < share("faults"),
  lostAnswer: random() < share("lost-answers"),
}));

const started = performance.now();
let next = 0;
async function lane(): Promise<void> {
  for (let index = next++; index < plan.length; index = next++) {
    const order = plan[index];
    if (!order) return;
    if (order.fault)
      sandbox?.injectFault({
        endpoint: "create",
        channelOrderCode: order.orderId,
        kind: "status",
        status: 503,
        times: 2,
      });
    if (order.lostAnswer)
      sandbox?.injectFault({
        endpoint: "create",
        channelOrderCode: order.orderId,
        kind: "status",
        status: 500,
        afterProcessing: true,
        times: 1,
      });
    const cancel = { type: "order.cancelled", data: { order_id: order.orderId, ticket_ids: [`${order.orderId}-1-2`] } };
    if (order.earlyCancel) await deliver(cancel);
    const webhookId = `msg_${randomUUID()}`;
    const placed = JSON.stringify(sampleOrderPlaced(order.orderId));
    await deliver(placed, webhookId, order.concurrent ? 5 : 1);
    // The channel's retry of the same event: same id, same bytes.
    if (order.duplicate) await deliver(placed, webhookId);
  }
}
await Promise.all(Array.from({ length: parallel }, () => lane()));
const sentMs = performance.now() - started;
await stack.settled();
const totalMs = performance.now() - started;

let axOrders = 0;
let duplicates = 0;
let uncertain = 0;
for (const order of plan) {
  const inAx = sandbox.listOrders({ channelOrderCode: order.orderId });
  axOrders += inAx.length;
  for (const type of ["tour", "day-ticket"]) duplicates += Math.max(0, inAx.filter((o) => o.type === type).length - 1);
  const { order: record } = await stack.store.load(order.orderId);
  if (record?.status === "uncertain") uncertain++;
}
let lost = 0;
let waiting = 0;
const parked = new Map<string, number>();
for (const webhookId of acknowledged) {
  const event = await stack.store.getEvent(webhookId);
  if (!event) lost++;
  else if (event.status === "queued") {
    if (event.reason === "waiting_for_placement") waiting++;
    else lost++;
  } else if (event.status === "failed") parked.set(event.reason ?? "?", (parked.get(event.reason ?? "?") ?? 0) + 1);
}
await stack.stop();

const rows: [string, string | number][] = [
  ["orders sent", orders],
  ["webhook deliveries acknowledged (distinct events)", acknowledged.size],
  [
    "deliveries answered otherwise (status: count)",
    [...rejected.entries()].map(([s, n]) => `${s}: ${n}`).join(", ") || 0,
  ],
  ["AX orders created", axOrders],
  ["duplicate AX orders (must be 0)", duplicates],
  ["events lost (must be 0)", lost],
  ["cancellations waiting for an uncertain create", waiting],
  ["orders uncertain (lost AX answers, waiting for reconciliation)", uncertain],
  ...[...parked.entries()].map(([reason, count]): [string, number] => [`events parked: ${reason}`, count]),
  ["dead letters", stack.queue.deadLetters.length],
  ["time to send (s)", (sentMs / 1000).toFixed(1)],
  ["time until every event settled (s)", (totalMs / 1000).toFixed(1)],
  ["orders per second", (orders / (totalMs / 1000)).toFixed(1)],
];
for (const [name, value] of rows) console.log(`${name.padEnd(66)} ${value}`);
process.exitCode = duplicates === 0 && lost === 0 ? 0 : 1;
