// `npm run soak -- [--orders 10000] [--faults 0.2] [--parallel 24] [--crash-at 0.4] [--stall-at 0.7] ...`
// The local stack in a process of its own (local/child-stack.ts) driven as a busy channel drives it, while things
// break: AX faults of every kind on creates, cancels and status calls; DynamoDB Local stopped for a while; the whole
// stack killed with `kill -9` mid-run and started again on the same data. Then an operator's pass through the CLI
// reconciles every uncertain create, and an independent audit compares what AX holds with what the table says and
// with what the channel sent. Exits 1 when a promise broke (duplicate, lost or stranded event, dead letter, an
// uncertain create no injected fault explains, a wrong code, amount or status), 0 otherwise.
import "../local/quiet-node20";
import "./quiet-logs";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import Big from "big.js";
import { signedWebhookHeaders } from "../lib/channel/signature";
import type { ProductType } from "../lib/orders/model";
import { DynamoStore } from "../lib/store/dynamo-store";
import type { SandboxOrder } from "../local/ax-sandbox/server";
import { startChildStack, type ChildStack } from "../local/child-stack-control";
import { runCli } from "../local/cli/main";
import { freePort, localClientConfig } from "../local/dynamodb/emulator";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "10000" },
    faults: { type: "string", default: "0.2" },
    parallel: { type: "string", default: "24" },
    "crash-at": { type: "string", default: "0.4" },
    "stall-at": { type: "string", default: "0.7" },
    "stall-seconds": { type: "string", default: "8" },
    "ax-timeout-ms": { type: "string", default: "2000" },
    seed: { type: "string", default: "42" },
    "keep-data": { type: "boolean", default: false },
  },
});
const ORDERS = Number(values.orders);
const FAULTS = Number(values.faults);
const PARALLEL = Number(values.parallel);
const CRASH_AT = Math.floor(ORDERS * Number(values["crash-at"]));
const STALL_AT = Math.floor(ORDERS * Number(values["stall-at"]));
const STALL_SECONDS = Number(values["stall-seconds"]);

// A deterministic mix: two runs with the same settings send the same orders, faults and races.
let seed = Number(values.seed);
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const chance = (p: number) => random() < p;
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

// ---- the plan ----------------------------------------------------------------------------------------------

type CreateFault =
  | { kind: "status"; status: 503 | 429; times: number }
  | { kind: "status"; status: 502 | 504 | 500; afterProcessing?: boolean }
  | { kind: "drop" | "hang"; afterProcessing?: boolean };
interface PlannedOrder {
  orderId: string;
  currency: "KRW" | "USD";
  payload: Record<string, unknown> & { data: PlacedData };
  createFault?: CreateFault;
  cancelFault: boolean;
  statusFault: boolean;
  duplicate: boolean;
  concurrentCopies: boolean;
  replacement: boolean;
  earlyWholeCancel: boolean;
  concurrentTicketCancel: boolean;
  laterCancel?: { item_ids?: string[]; ticket_ids?: string[]; reason?: "unavoidable" };
  supplierConfirms: boolean;
}
interface PlacedItem {
  item_id: string;
  ax: { product_type: ProductType; mapping_code: string; option_code: string };
  date: string;
  quantity: number;
  unit_price: string;
  amount: string;
  tickets?: { ticket_id: string; traveler: { name: string } }[];
}
interface PlacedData {
  order_id: string;
  currency: string;
  subtotal: string;
  discount: string;
  total: string;
  items: PlacedItem[];
}

const money = (currency: string, units: number) =>
  currency === "KRW" ? String(units * 1000) : (units / 100).toFixed(2);

function planOrder(n: number): PlannedOrder {
  const orderId = `SOAK-${n}-${randomUUID().slice(0, 6)}`;
  const currency = chance(0.7) ? "KRW" : "USD";
  const tourQuantity = 1 + Math.floor(random() * 3);
  const tourPrice = money(currency, 10 + Math.floor(random() * 90));
  const items: PlacedItem[] = [
    {
      item_id: `${orderId}-1`,
      ax: { product_type: "tour", mapping_code: "map-tour", option_code: "opt-tour" },
      date: "2026-12-24T18:00:00+09:00",
      quantity: tourQuantity,
      unit_price: tourPrice,
      amount: tourPrice,
      tickets: Array.from({ length: tourQuantity }, (_, t) => ({
        ticket_id: `${orderId}-1-${t + 1}`,
        traveler: { name: `Traveler ${t + 1}` },
      })),
    },
  ];
  if (chance(0.7)) {
    const price = money(currency, 5 + Math.floor(random() * 50));
    items.push({
      item_id: `${orderId}-2`,
      ax: { product_type: "day-ticket", mapping_code: "map-day", option_code: "opt-day" },
      date: "2026-12-25",
      quantity: 1 + Math.floor(random() * 2),
      unit_price: price,
      amount: price,
    });
  }
  const subtotal = items.reduce((sum, item) => sum.plus(Big(item.unit_price).times(item.quantity)), Big(0));
  const discount = subtotal.times(pick([0, 0.05, 0.1, 0.15])).round(currency === "KRW" ? 0 : 2, Big.roundDown);
  const data: PlacedData = {
    order_id: orderId,
    currency,
    subtotal: subtotal.toFixed(),
    discount: discount.toFixed(),
    total: subtotal.minus(discount).toFixed(),
    items,
  };
  const payload = {
    type: "order.placed",
    timestamp: new Date().toISOString(),
    data: {
      ...data,
      placed_at: "2026-11-23T08:59:41Z",
      purchaser: { name: "Kim Minji", country_code: "82", phone: "01012345678", email: "minji@example.com" },
    },
  };
  const faulty = chance(FAULTS);
  const laterCancelKind = chance(0.25) ? pick(["ticket", "item", "whole"] as const) : undefined;
  const secondTicket = tourQuantity >= 2 ? `${orderId}-1-2` : undefined;
  const laterCancel =
    laterCancelKind === "whole"
      ? { reason: "unavoidable" as const }
      : laterCancelKind === "item" && items.length > 1
        ? { item_ids: [`${orderId}-2`] }
        : laterCancelKind === "ticket" && secondTicket
          ? { ticket_ids: [secondTicket] }
          : undefined;
  const earlyWholeCancel = chance(0.05);
  const concurrentTicketCancel = chance(0.05);
  return {
    orderId,
    currency,
    payload,
    ...(faulty && chance(0.6) ? { createFault: pickCreateFault() } : {}),
    cancelFault: faulty && chance(0.5),
    statusFault: faulty && chance(0.5),
    duplicate: chance(0.1),
    concurrentCopies: chance(0.03),
    replacement: chance(0.03),
    earlyWholeCancel,
    concurrentTicketCancel,
    ...(laterCancel ? { laterCancel } : {}),
    supplierConfirms: !earlyWholeCancel && !concurrentTicketCancel && !laterCancel && chance(0.05),
  };
}

function pickCreateFault(): CreateFault {
  return pick<CreateFault>([
    { kind: "status", status: 503, times: 2 },
    { kind: "status", status: 429, times: 1 },
    { kind: "status", status: 502 },
    { kind: "status", status: 504 },
    { kind: "status", status: 500, afterProcessing: true },
    { kind: "status", status: 502, afterProcessing: true },
    { kind: "drop" },
    { kind: "drop", afterProcessing: true },
    { kind: "hang" },
    { kind: "hang", afterProcessing: true },
  ]);
}

/** Faults after which AX's create outcome is unknown to the adapter: the create may be `uncertain`. */
const leavesCreateUnknown = (fault: CreateFault | undefined) =>
  fault !== undefined && !(fault.kind === "status" && (fault.status === 503 || fault.status === 429));

// ---- the stack and the channel ---------------------------------------------------------------------------

const dataDir = mkdtempSync(join(tmpdir(), "soak-"));
const port = await freePort();
const childOptions = {
  dataDir,
  port,
  syncIntervalMs: 30_000,
  env: { AX_TIMEOUT_MS: values["ax-timeout-ms"] },
};
let stack: ChildStack = await startChildStack(childOptions);
const secret = stack.ready.webhookSecrets.split(" ")[0] ?? "";
const adminHeaders = () => ({ authorization: `Bearer ${stack.ready.adminToken}`, "content-type": "application/json" });
const counters = { deliveries: 0, retriedDeliveries: 0, answers5xx: 0, networkErrors: 0, acknowledged: 0 };
const acknowledged = new Map<string, string>(); // webhook id → order id
const peakRss = { adapter: 0 };

/** Sends one webhook as the channel does: re-signed and retried on a network error or a 5xx until it is taken. */
async function deliver(payload: unknown, webhookId = `msg_${randomUUID()}`, orderId = ""): Promise<string> {
  const body = JSON.stringify(payload);
  for (let attempt = 1; ; attempt++) {
    counters.deliveries++;
    if (attempt > 1) counters.retriedDeliveries++;
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const answer = await fetch(`http://127.0.0.1:${port}/webhooks/orders`, {
        method: "POST",
        headers: signedWebhookHeaders({ secret, webhookId, timestamp, body }),
        body,
        signal: AbortSignal.timeout(30_000),
      });
      await answer.arrayBuffer();
      if (answer.status === 202 || answer.status === 200) {
        if (!acknowledged.has(webhookId)) counters.acknowledged++;
        acknowledged.set(webhookId, orderId);
        return webhookId;
      }
      if (answer.status < 500) throw new Error(`webhook ${webhookId} refused: ${answer.status}`);
      counters.answers5xx++;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("webhook ")) throw error;
      counters.networkErrors++;
    }
    if (attempt > 600) throw new Error(`webhook ${webhookId} never taken`);
    await sleep(Math.min(2_000, 100 * attempt));
  }
}

async function control(path: string, method: string, body?: unknown): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(`${stack.ready.axUrl}/__sandbox/${path}`, {
        method,
        headers: adminHeaders(),
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      if (attempt > 100) throw error;
      await sleep(200); // the stack is restarting
    }
  }
}

async function injectFaults(order: PlannedOrder): Promise<void> {
  const base = { channelOrderCode: order.orderId };
  const faults: Record<string, unknown>[] = [];
  const fault = order.createFault;
  if (fault) faults.push({ ...base, endpoint: "create", times: 1, ...fault });
  if (order.cancelFault)
    faults.push(
      { ...base, endpoint: "cancel_order", kind: "status", status: pick([503, 502, 504]), times: 2 },
      { ...base, endpoint: "cancel_ticket", kind: pick(["drop", "hang"]), afterProcessing: chance(0.5), times: 1 },
    );
  if (order.statusFault)
    faults.push({ ...base, endpoint: "confirmation", kind: pick(["status", "drop", "hang"]), status: 503, times: 2 });
  for (const spec of faults) await control("faults", "POST", spec);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the run ---------------------------------------------------------------------------------------------

const plan = Array.from({ length: ORDERS }, (_, n) => planOrder(n));
const started = performance.now();
let sent = 0;
let crashedAt: string | undefined;
let crashDone = false;
let stallDone = false;
const incidents: string[] = [];

async function crashAndRestart(): Promise<void> {
  crashedAt = new Date().toISOString();
  incidents.push(`kill -9 of the stack (pid ${stack.ready.pid}) after ${sent} orders`);
  sampleMemory();
  await stack.stop("SIGKILL");
  const restartedAt = performance.now();
  stack = await startChildStack(childOptions);
  incidents.push(
    `restarted in ${((performance.now() - restartedAt) / 1000).toFixed(1)} s; ${stack.ready.requeuedAtStart} events queued again at start`,
  );
}

async function stallDynamoDb(): Promise<void> {
  const pid = Number(readFileSync(join(dataDir, "dynamodb", "dynamodb-local.pid"), "utf8"));
  incidents.push(`DynamoDB Local (pid ${pid}) stopped for ${STALL_SECONDS} s after ${sent} orders`);
  process.kill(pid, "SIGSTOP");
  await sleep(STALL_SECONDS * 1000);
  process.kill(pid, "SIGCONT");
}

async function sendOrder(order: PlannedOrder): Promise<void> {
  await injectFaults(order);
  const cancel = (data: Record<string, unknown>) => ({
    type: "order.cancelled",
    timestamp: new Date().toISOString(),
    data: { order_id: order.orderId, ...data },
  });
  if (order.earlyWholeCancel) await deliver(cancel({ comment: "before placement" }), undefined, order.orderId);
  const placementId = `msg_${randomUUID()}`;
  const placing = order.concurrentCopies
    ? Promise.all(Array.from({ length: 4 }, () => deliver(order.payload, placementId, order.orderId)))
    : deliver(order.payload, placementId, order.orderId);
  const racing = order.concurrentTicketCancel
    ? deliver(cancel({ ticket_ids: [`${order.orderId}-1-1`] }), undefined, order.orderId)
    : Promise.resolve();
  await Promise.all([placing, racing]);
  if (order.duplicate) await deliver(order.payload, placementId, order.orderId); // the channel's retry
  if (order.replacement) await deliver(order.payload, undefined, order.orderId); // a new id: ignored
  if (order.laterCancel) await deliver(cancel(order.laterCancel), undefined, order.orderId);
}

async function lane(): Promise<void> {
  for (let index = sent++; index < plan.length; index = sent++) {
    if (!crashDone && index >= CRASH_AT) {
      crashDone = true;
      await crashAndRestart();
    }
    if (!stallDone && index >= STALL_AT) {
      stallDone = true;
      void stallDynamoDb();
    }
    const order = plan[index];
    if (order) await sendOrder(order);
  }
}

function sampleMemory(): void {
  try {
    const status = readFileSync(`/proc/${stack.ready.pid}/status`, "utf8");
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    if (hwm) peakRss.adapter = Math.max(peakRss.adapter, Number(hwm) * 1024);
  } catch {
    // the process is gone (restarting)
  }
}

const progress = setInterval(() => {
  sampleMemory();
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(
    `[soak ${seconds}s] orders sent ${Math.min(sent, ORDERS)}/${ORDERS}, events acknowledged ${counters.acknowledged}, ` +
      `5xx ${counters.answers5xx}, network errors ${counters.networkErrors}`,
  );
}, 10_000);

await Promise.all(Array.from({ length: PARALLEL }, () => lane()));
const sentSeconds = (performance.now() - started) / 1000;

const ddb = () =>
  new DynamoStore(
    DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(stack.ready.dynamodbEndpoint)), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    stack.ready.tableName,
  );

/** Waits until the table has no queued event that is not held for an uncertain create (or gives up). */
async function untilQuiet(label: string, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const store = ddb();
    const waiting = (await store.listEventsByStatus("queued")).filter((e) => e.reason !== "waiting_for_placement");
    const held = await heldOnUncertain(store);
    console.log(`[soak] ${label}: ${waiting.length} event(s) still queued, ${held} held for an uncertain create`);
    if (waiting.length === 0) return 0;
    if (Date.now() > until) return waiting.length;
    await sleep(5_000);
  }
}

async function heldOnUncertain(store: DynamoStore): Promise<number> {
  return (await store.listEventsByStatus("queued")).filter((e) => e.reason === "waiting_for_placement").length;
}

const strandedAfterRun = await untilQuiet("draining", 10 * 60_000);

// ---- the operator's pass: every uncertain create, reconciled through the CLI --------------------------------

const cliEnv = {
  ...process.env,
  TABLE_NAME: stack.ready.tableName,
  AWS_ENDPOINT_URL_DYNAMODB: stack.ready.dynamodbEndpoint,
  ADAPTER_URL: stack.ready.url,
};
const cli = async (...args: string[]) => {
  const out: string[] = [];
  const code = await runCli(args, (line) => out.push(line), cliEnv);
  return { code, out: out.join("\n") };
};
const allAx = async (): Promise<Map<string, SandboxOrder[]>> => {
  const list = (await (await control("orders", "GET")).json()) as SandboxOrder[];
  const byOrder = new Map<string, SandboxOrder[]>();
  for (const axOrder of list)
    byOrder.set(axOrder.channelOrderCode, [...(byOrder.get(axOrder.channelOrderCode) ?? []), axOrder]);
  return byOrder;
};

const uncertain = { creates: 0, explainedByFault: 0, explainedByCrash: 0, unexplained: [] as string[] };
const reconciled = { attached: 0, resent: 0, failed: 0 };
{
  const store = ddb();
  const ax = await allAx();
  const workDir = mkdtempSync(join(tmpdir(), "soak-reconcile-"));
  for (const order of plan) {
    const { order: record } = await store.load(order.orderId);
    for (const [family, call] of Object.entries(record?.create_calls ?? {})) {
      if (call.state !== "uncertain") continue;
      uncertain.creates++;
      if (leavesCreateUnknown(order.createFault)) uncertain.explainedByFault++;
      else if (crashedAt !== undefined && call.started_at <= crashedAt) uncertain.explainedByCrash++;
      else uncertain.unexplained.push(`${order.orderId} ${family}`);
      // The operator looks the order up in AX's console.
      const found = (ax.get(order.orderId) ?? []).filter((o) => o.type === family);
      let result;
      if (found.length > 0) {
        const file = join(workDir, `${order.orderId}-${family}.json`);
        const familyItems = order.payload.data.items.filter((item) => item.ax.product_type === family);
        const axOrders = found.map((axOrder) => ({
          item_id: familyItems[axOrder.optionIndex]?.item_id ?? "",
          ax_order_code: axOrder.axOrderCode,
          ax_order_status: axOrder.status,
          tickets: axOrder.tickets.map((ticket) => ({
            ticket_id: ticket.channelCode,
            ax_ticket_code: ticket.axTicketCode,
            ax_ticket_status: ticket.status,
          })),
        }));
        writeFileSync(file, JSON.stringify({ ax_orders: axOrders }));
        result = await cli("reconcile", "attach", order.orderId, family, file);
        if (result.code === 0) reconciled.attached++;
      } else {
        result = await cli("reconcile", "resend", order.orderId, family);
        if (result.code === 0) reconciled.resent++;
      }
      if (result.code !== 0) {
        reconciled.failed++;
        console.log(`[soak] reconcile of ${order.orderId} ${family} failed: ${result.out}`);
      }
    }
  }
  rmSync(workDir, { recursive: true, force: true });
}
const strandedAfterReconcile = await untilQuiet("after the reconciliations", 5 * 60_000);

// ---- the supplier decides, the sync reports it ------------------------------------------------------------

{
  const ax = await allAx();
  for (const order of plan.filter((o) => o.supplierConfirms))
    for (const axOrder of ax.get(order.orderId) ?? [])
      await control(`orders/${axOrder.axOrderCode}/status`, "PUT", { status: "Supplier confirm", comment: "ok" });
  await control("faults", "DELETE");
  for (let run = 0; run < 50; run++) {
    const result = await cli("sync", "run");
    if (!/more are due/.test(result.out)) break;
  }
}
clearInterval(progress);
sampleMemory();
const totalSeconds = (performance.now() - started) / 1000;

// ---- the audit: what AX holds, against the table, against what was sent -----------------------------------

const problems: string[] = [];
const problem = (text: string) => {
  if (problems.length < 50) problems.push(text);
  else if (problems.length === 50) problems.push("… (more)");
};
const audit = { axOrders: 0, duplicates: 0, missingInAx: 0, cancellationsChecked: 0, eventsChecked: 0 };
const store = ddb();
const ax = await allAx();
const decimals = (currency: string) => (currency === "KRW" ? 0 : 2);

for (const order of plan) {
  const inAx = ax.get(order.orderId) ?? [];
  const { order: record, axOrders } = await store.load(order.orderId);
  const items = order.payload.data.items;
  const families = [...new Set(items.map((item) => item.ax.product_type))];
  // Exactly one AX create per family: one AX order per item, never two.
  for (const item of items) {
    const family = item.ax.product_type;
    const familyItems = items.filter((i) => i.ax.product_type === family);
    const matches = inAx.filter((o) => o.type === family && familyItems[o.optionIndex]?.item_id === item.item_id);
    audit.axOrders += Math.min(matches.length, 1);
    if (matches.length > 1) {
      audit.duplicates += matches.length - 1;
      problem(`${item.item_id}: ${matches.length} AX orders`);
    }
    const axOrder = matches[0];
    if (!axOrder) {
      audit.missingInAx++;
      problem(`${item.item_id}: not in AX`);
      continue;
    }
    const mine = axOrders.find((o) => o.item_id === item.item_id);
    if (mine?.ax_order_code !== axOrder.axOrderCode) problem(`${item.item_id}: table code ≠ AX code`);
    if (axOrder.quantity !== item.quantity) problem(`${item.item_id}: AX quantity ${axOrder.quantity}`);
    const ticketIds = item.tickets?.map((t) => t.ticket_id) ?? familyTicketIds(item);
    if (JSON.stringify(axOrder.tickets.map((t) => t.channelCode)) !== JSON.stringify(ticketIds))
      problem(`${item.item_id}: AX tickets ${axOrder.tickets.map((t) => t.channelCode).join(",")}`);
    for (const ticket of axOrder.tickets) {
      const kept = mine?.tickets.find((t) => t.ticket_id === ticket.channelCode);
      if (kept?.ax_ticket_code !== ticket.axTicketCode) problem(`${ticket.channelCode}: table ticket code ≠ AX's`);
      if (kept && kept.ax_ticket_status !== ticket.status)
        problem(`${ticket.channelCode}: table says ${kept.ax_ticket_status}, AX ${ticket.status}`);
    }
    if (mine && mine.ax_order_status !== axOrder.status)
      problem(`${item.item_id}: table says ${mine.ax_order_status}, AX ${axOrder.status}`);
  }
  // The split of the order's money between the families' creates, computed here independently.
  const weights = families.map((family) =>
    items
      .filter((item) => item.ax.product_type === family)
      .reduce((sum, item) => sum.plus(Big(item.unit_price).times(item.quantity)), Big(0)),
  );
  for (const field of ["subtotal", "discount", "total"] as const) {
    const expected = split(order.payload.data[field], weights, decimals(order.currency));
    families.forEach((family, index) => {
      const request = inAx.find((o) => o.type === family)?.request as { order?: Record<string, string> } | undefined;
      const axField = field === "subtotal" ? "sub_total" : field;
      const got = request?.order?.[axField];
      if (got !== undefined && !Big(got).eq(expected[index] ?? "-1"))
        problem(`${order.orderId} ${family} ${axField}: AX got ${got}, expected ${expected[index] ?? "?"}`);
    });
  }
  // Cancellations, as the channel asked for them, against AX and the table.
  const cancelledItems = new Set<string>();
  const cancelledTickets = new Set<string>();
  const whole =
    order.earlyWholeCancel ||
    (order.laterCancel !== undefined && !order.laterCancel.item_ids && !order.laterCancel.ticket_ids);
  if (whole) for (const item of items) cancelledItems.add(item.item_id);
  for (const id of order.laterCancel?.item_ids ?? []) cancelledItems.add(id);
  for (const id of order.laterCancel?.ticket_ids ?? []) cancelledTickets.add(id);
  if (order.concurrentTicketCancel) cancelledTickets.add(`${order.orderId}-1-1`);
  for (const axOrder of inAx) {
    const item = items.filter((i) => i.ax.product_type === axOrder.type)[axOrder.optionIndex];
    if (!item) continue;
    audit.cancellationsChecked++;
    const fullCancel = cancelledItems.has(item.item_id);
    if (fullCancel && !["Traveler cancel", "Unavoidable cancel"].includes(axOrder.status))
      problem(`${item.item_id}: cancelled by the channel, AX says ${axOrder.status}`);
    if (!fullCancel && ["Traveler cancel", "Unavoidable cancel"].includes(axOrder.status))
      problem(`${item.item_id}: AX says ${axOrder.status}, the channel cancelled no such thing`);
    for (const ticket of axOrder.tickets) {
      const cancelled = fullCancel || cancelledTickets.has(ticket.channelCode);
      if (cancelled !== (ticket.status === "Traveler canceled"))
        problem(`${ticket.channelCode}: AX ticket ${ticket.status}, channel cancelled: ${String(cancelled)}`);
    }
    if (order.supplierConfirms && axOrder.status !== "Supplier confirm") problem(`${item.item_id}: not confirmed`);
  }
  const anyCancelled = cancelledItems.size > 0 || cancelledTickets.size > 0;
  const allItemsCancelled = items.every(
    (item) =>
      cancelledItems.has(item.item_id) ||
      (item.tickets !== undefined && item.tickets.every((t) => cancelledTickets.has(t.ticket_id))),
  );
  const expectedStatus = allItemsCancelled ? "cancelled" : anyCancelled ? "partially_cancelled" : "placed";
  if (record?.status !== expectedStatus)
    problem(`${order.orderId}: table status ${record?.status}, expected ${expectedStatus}`);
}

function familyTicketIds(item: PlacedItem): string[] {
  return Array.from({ length: item.quantity }, (_, n) => `${item.item_id}-${n + 1}`);
}

function split(value: string, weights: Big[], places: number): string[] {
  if (weights.length === 1) return [value];
  const sum = weights.reduce((a, b) => a.plus(b), Big(0));
  let left = Big(value);
  return weights.map((weight, index) => {
    if (index === weights.length - 1) return left.toFixed();
    const part = Big(value).times(weight).div(sum).round(places, Big.roundHalfUp);
    left = left.minus(part);
    return part.toFixed();
  });
}

// Every acknowledged event is settled: applied, or ignored for a reason the channel caused (a re-placement).
const events = { applied: 0, ignored: 0, failed: 0, stranded: 0, lost: 0 };
for (const [webhookId] of acknowledged) {
  audit.eventsChecked++;
  const event = await store.getEvent(webhookId);
  if (!event) {
    events.lost++;
    problem(`event ${webhookId}: acknowledged but not stored`);
  } else if (event.status === "applied") events.applied++;
  else if (event.status === "ignored") events.ignored++;
  else if (event.status === "failed") {
    events.failed++;
    problem(`event ${webhookId}: failed ${event.reason ?? ""} ${event.detail ?? ""}`);
  } else {
    events.stranded++;
    problem(`event ${webhookId}: still queued (${event.reason ?? "no reason"}) after the run`);
  }
}
const deadLetters = (await (
  await fetch(`${stack.ready.url}/__local/dead-letters`, { headers: adminHeaders() })
).json()) as unknown[];
if (deadLetters.length > 0) problem(`${deadLetters.length} dead letter(s)`);
for (const order of uncertain.unexplained) problem(`uncertain create no injected fault explains: ${order}`);

await stack.stop("SIGTERM");
if (!values["keep-data"]) rmSync(dataDir, { recursive: true, force: true });

const injectedUnknown = plan.filter((o) => leavesCreateUnknown(o.createFault)).length;
const rows: [string, string | number][] = [
  ["orders", ORDERS],
  ["events acknowledged (distinct webhook ids)", acknowledged.size],
  ["deliveries sent (with the channel's retries)", counters.deliveries],
  ["  answered 5xx / network errors (retried)", `${counters.answers5xx} / ${counters.networkErrors}`],
  ["AX orders (one per item)", audit.axOrders],
  ["duplicate AX orders (must be 0)", audit.duplicates],
  ["items missing in AX (must be 0)", audit.missingInAx],
  ["events applied / ignored", `${events.applied} / ${events.ignored}`],
  ["events lost (must be 0)", events.lost],
  ["events failed (must be 0)", events.failed],
  ["events stranded (must be 0)", events.stranded],
  ["events still queued after sending / after reconciling", `${strandedAfterRun} / ${strandedAfterReconcile}`],
  ["dead letters (must be 0)", deadLetters.length],
  ["orders with an injected outcome-unknown create fault", injectedUnknown],
  [
    "uncertain creates: total / by injected fault / by the kill -9 / unexplained (must be 0)",
    `${uncertain.creates} / ${uncertain.explainedByFault} / ${uncertain.explainedByCrash} / ${uncertain.unexplained.length}`,
  ],
  [
    "reconciled by the operator: attached / resent / failed",
    `${reconciled.attached} / ${reconciled.resent} / ${reconciled.failed}`,
  ],
  ["cancellation checks against AX", audit.cancellationsChecked],
  ["audit problems (must be 0)", problems.length],
  ["incidents", incidents.join("; ")],
  ["time to send (s)", sentSeconds.toFixed(0)],
  ["wall time (s)", totalSeconds.toFixed(0)],
  ["peak memory of the adapter process (MB)", (peakRss.adapter / 1024 / 1024).toFixed(0)],
  ["peak memory of this process (MB)", (process.resourceUsage().maxRSS / 1024).toFixed(0)],
];
for (const [name, value] of rows) console.log(`${name.padEnd(90)} ${value}`);
for (const text of problems) console.log(`PROBLEM ${text}`);
process.exitCode = problems.length === 0 ? 0 : 1;
