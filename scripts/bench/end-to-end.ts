// The local stack measured from outside, as the channel uses it: signed `order.placed` webhooks POSTed over HTTP,
// and each order read back through the read API (GET /orders/{id}) until it is `placed`. Two runs: a steady one at a
// fixed number of webhooks in flight (throughput: orders placed per second, first POST to last `placed`), and a
// burst of many orders POSTed as fast as the receiver answers, after which every order must end `placed` — none
// `uncertain` (an AX create whose outcome the worker could not tell) while AX itself never failed.
import { performance } from "node:perf_hooks";
import { DEV_ADMIN_TOKEN, DEV_WEBHOOK_SECRET, startLocalStack, type LocalStack } from "../../local/stack";
import { sampleOrderPlaced } from "../../local/samples";
import { signedDelivery } from "../../test/support/webhooks";
import { percentile, runClosedLoop } from "./load";
import { channelOrderId } from "./worker";

export interface EndToEndSettings {
  steady: { orders: number; concurrency: number };
  burst: { orders: number; concurrency: number };
  /** How long to wait for the last order to be placed. */
  timeoutMs: number;
}

export interface EndToEndRun {
  orders: number;
  concurrency: number;
  /** From the first POST to the last order read back `placed`. */
  seconds: number;
  placedPerSecond: number;
  /** Time from POST to `placed` as seen by polling (50 ms apart), per order. */
  p50Ms: number;
  p99Ms: number;
  /** The receiver's answers. */
  accepted: number;
  rejected: Record<string, number>;
  /** Orders by final status (`placed` expected for all). */
  statuses: Record<string, number>;
}

export interface EndToEndResult {
  settings: EndToEndSettings;
  steady: EndToEndRun;
  burst: EndToEndRun;
}

const POLL_MS = 50;

async function drive(
  stack: LocalStack,
  orders: number,
  concurrency: number,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<EndToEndRun> {
  const ids = Array.from({ length: orders }, () => channelOrderId());
  const sentAt = new Map<string, number>();
  const rejected: Record<string, number> = {};
  let accepted = 0;
  const started = performance.now();
  await runClosedLoop(orders, concurrency, async (index) => {
    const orderId = ids[index] ?? "";
    const delivery = signedDelivery(sampleOrderPlaced(orderId), { secret: DEV_WEBHOOK_SECRET });
    sentAt.set(orderId, performance.now());
    const answer = await fetch(`${stack.url}/webhooks/orders`, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
    });
    await answer.arrayBuffer();
    if (answer.status === 202) accepted++;
    else rejected[String(answer.status)] = (rejected[String(answer.status)] ?? 0) + 1;
  });
  log(`end to end: ${orders} webhooks POSTed in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const statuses = new Map<string, string>();
  const latencies: number[] = [];
  let lastPlaced = started;
  const pending = new Set(ids);
  const deadline = performance.now() + timeoutMs;
  while (pending.size > 0 && performance.now() < deadline) {
    await runClosedLoop(pending.size, 16, async (index) => {
      const orderId = [...pending][index];
      if (!orderId) return;
      const answer = await fetch(`${stack.url}/orders/${encodeURIComponent(orderId)}`, {
        headers: { authorization: `Bearer ${DEV_ADMIN_TOKEN}` },
      });
      if (answer.status !== 200) {
        await answer.arrayBuffer();
        return;
      }
      const { status } = (await answer.json()) as { status: string };
      statuses.set(orderId, status);
      if (status !== "pending") {
        const now = performance.now();
        latencies.push(now - (sentAt.get(orderId) ?? now));
        if (status === "placed") lastPlaced = Math.max(lastPlaced, now);
      }
    });
    for (const [orderId, status] of statuses) if (status !== "pending") pending.delete(orderId);
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const byStatus: Record<string, number> = {};
  for (const orderId of ids) {
    const status = statuses.get(orderId) ?? "not readable";
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  }
  const seconds = (lastPlaced - started) / 1000;
  return {
    orders,
    concurrency,
    seconds,
    placedPerSecond: (byStatus.placed ?? 0) / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    accepted,
    rejected,
    statuses: byStatus,
  };
}

export async function benchEndToEnd(
  dynamodbEndpoint: string,
  settings: EndToEndSettings,
  log: (line: string) => void,
): Promise<EndToEndResult> {
  const stack = await startLocalStack({
    env: { AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint, TABLE_NAME: `bench-e2e-${process.pid}` },
    port: 0,
    syncIntervalMs: 0,
    log: () => undefined,
  });
  try {
    log(`end to end: warm-up`);
    await drive(stack, 50, 8, settings.timeoutMs, () => undefined);
    log(`end to end: steady, ${settings.steady.orders} orders at ${settings.steady.concurrency} in flight`);
    const steady = await drive(stack, settings.steady.orders, settings.steady.concurrency, settings.timeoutMs, log);
    log(`end to end: ${steady.placedPerSecond.toFixed(0)} orders placed per second`);
    log(`end to end: burst of ${settings.burst.orders} orders`);
    const burst = await drive(stack, settings.burst.orders, settings.burst.concurrency, settings.timeoutMs, log);
    log(`end to end: burst ${JSON.stringify(burst.statuses)}`);
    return { settings, steady, burst };
  } finally {
    await stack.stop();
  }
}
