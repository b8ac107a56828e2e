// `npm run soak -- [options]` (`--help` lists them). The local stack in a process of its own (local/child-stack.ts),
// with the deployed stage's timeouts, driven as a busy channel would drive it while things break: AX faults of every
// kind on creates, cancels and status calls; DynamoDB slow in spells (answers late while the writes land) and
// stopped for a while; the whole stack killed with `kill -9` mid-run and started again on the same data; and an
// operator acting through the admin API on orders the worker is busy with (scripts/soak/operator.ts). Then an
// operator's pass through the CLI reconciles every uncertain create, and an independent audit
// (scripts/soak/audit.ts) compares what AX holds with what the table says and with what the channel sent. Exits 1
// when a promise broke (duplicate, lost or stranded event, dead letter, an uncertain create nothing explains, a
// wrong code, amount or status, an operator's action answered wrongly), 0 otherwise.
import "../local/quiet-node20";
import "./quiet-logs";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { performance } from "node:perf_hooks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ProductType } from "../lib/orders/model";
import { DynamoStore } from "../lib/store/dynamo-store";
import type { SandboxOrder } from "../local/ax-sandbox/server";
import type { ChildStackOptions } from "../local/child-stack";
import { startChildStack } from "../local/child-stack-control";
import { runCli } from "../local/cli/main";
import { freePort, localClientConfig } from "../local/dynamodb/emulator";
import { DEV_AX_API_KEY, DEV_AX_CHANNEL_CODE } from "../local/stack";
import { Problems, auditEvents, auditOrders, explainUncertain, type UncertainFigures } from "./soak/audit";
import { Channel, sleep, type StackRef } from "./soak/channel";
import { OperatorTask } from "./soak/operator";
import { SoakUsageError, readSoakOptions, usage, type SoakOptions } from "./soak/options";
import { createMix, familyOf, leavesCreateUnknown, planOrder, ticketIdsOf, type PlannedOrder } from "./soak/plan";

let options: SoakOptions | undefined;
try {
  options = readSoakOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof SoakUsageError)) throw error;
  console.error(`soak: ${error.message}`);
  process.exit(2);
}
if (!options) {
  console.log(usage());
  process.exit(0);
}
const settings = options;
const mix = createMix(settings.seed);
const CRASH_AT = Math.floor(settings.orders * settings.crashAt);
const STALL_AT = Math.floor(settings.orders * settings.stallAt);

// ---- the stack and the channel ---------------------------------------------------------------------------

const dataDir = mkdtempSync(join(tmpdir(), "soak-"));
const [spellSeconds, everySeconds] = settings.slowSpells;
const childOptions: ChildStackOptions = {
  dataDir,
  port: await freePort(),
  syncIntervalMs: 30_000,
  env: {
    AX_TIMEOUT_MS: String(settings.axTimeoutMs),
    AWS_REQUEST_TIMEOUT_MS: String(settings.awsRequestTimeoutMs),
  },
  ...(settings.slowAnswers > 0 && spellSeconds > 0
    ? {
        dynamodbLatency: {
          everyMs: everySeconds * 1000,
          spellMs: spellSeconds * 1000,
          share: settings.slowAnswers,
          minMs: settings.slowMs[0],
          maxMs: settings.slowMs[1],
        },
      }
    : {}),
};
const stack: StackRef = { current: await startChildStack(childOptions), port: childOptions.port ?? 0, generation: 0 };
const channel = new Channel(stack);
const peakRss = { adapter: 0 };
/** DynamoDB answers the latency proxy held back, per stack process (read from its log). */
const delayedAnswers: number[] = [];
/** The stack's own log (its stderr), one file per stack process, kept for a post-mortem. */
const stackLogs: string[] = [];
const keepStackLog = () => {
  const file = join(tmpdir(), `${basename(dataDir)}-stack-${stackLogs.length + 1}.log`);
  writeFileSync(file, stack.current.log());
  stackLogs.push(file);
};
const readDelayedAnswers = () => {
  const counts = [...stack.current.log().matchAll(/DynamoDB answers delayed: (\d+)/g)];
  return Number(counts.at(-1)?.[1] ?? 0);
};

async function injectFaults(order: PlannedOrder): Promise<void> {
  const base = { channelOrderCode: order.orderId };
  const faults: Record<string, unknown>[] = [];
  const fault = order.createFault;
  if (fault) faults.push({ ...base, endpoint: "create", times: 1, ...fault });
  if (order.cancelFault)
    faults.push(
      { ...base, endpoint: "cancel_order", kind: "status", status: mix.pick([503, 502, 504]), times: 2 },
      {
        ...base,
        endpoint: "cancel_ticket",
        kind: mix.pick(["drop", "hang"]),
        afterProcessing: mix.chance(0.5),
        times: 1,
      },
    );
  if (order.statusFault)
    faults.push({
      ...base,
      endpoint: "confirmation",
      kind: mix.pick(["status", "drop", "hang"]),
      status: 503,
      times: 2,
    });
  for (const spec of faults) await channel.sandbox("faults", "POST", spec);
}

// ---- the run ---------------------------------------------------------------------------------------------

const plan = Array.from({ length: settings.orders }, (_, n) => planOrder(mix, n, settings.faults));
const started = performance.now();
let sent = 0;
let crashedAt: string | undefined;
let crashDone = false;
const restart = { done: false };
let stallDone = false;
const incidents: string[] = [];
const restartFailures: string[] = [];

async function crashAndRestart(): Promise<void> {
  crashedAt = new Date().toISOString();
  incidents.push(`kill -9 of the stack's process group (pid ${stack.current.ready.pid}) after ${sent} orders`);
  sampleMemory();
  delayedAnswers.push(readDelayedAnswers());
  stack.generation++;
  await stack.current.stopGroup("SIGKILL");
  keepStackLog();
  const restartedAt = performance.now();
  // As a developer would: start it again. A start that fails is a problem (the stack must restart on its data),
  // with its log, and the run goes on with the next attempt.
  for (let attempt = 1; ; attempt++) {
    try {
      stack.current = await startChildStack(childOptions);
      break;
    } catch (error) {
      // Its whole story (the child's log and its processes' states when it was given up) kept for a post-mortem.
      const file = join(tmpdir(), `${basename(dataDir)}-restart-attempt-${attempt}.log`);
      writeFileSync(file, (error as Error).message);
      restartFailures.push(`restart attempt ${attempt} failed (its log: ${file}): ${(error as Error).message}`);
      if (attempt >= 3) throw error;
    }
  }
  restart.done = true;
  const restartSeconds = (performance.now() - restartedAt) / 1000;
  // The start-up sweep runs once the stack takes webhooks again: this lane waits for it, the others send on.
  const swept = await stack.current.startupSweep;
  incidents.push(
    `restarted (taking webhooks) in ${restartSeconds.toFixed(1)} s; ` +
      (swept
        ? `its start-up sweep (${swept.requeued} events queued again) over ${swept.seconds.toFixed(1)} s later`
        : "its start-up sweep did not finish"),
  );
  if (!swept) restartFailures.push("the start-up sweep after the restart did not finish (see the stack's log)");
}

async function stallDynamoDb(): Promise<void> {
  const pid = Number(readFileSync(join(dataDir, "dynamodb", "dynamodb-local.pid"), "utf8"));
  incidents.push(`DynamoDB Local (pid ${pid}) stopped for ${settings.stallSeconds} s after ${sent} orders`);
  process.kill(pid, "SIGSTOP");
  await sleep(settings.stallSeconds * 1000);
  process.kill(pid, "SIGCONT");
}

async function sendOrder(order: PlannedOrder): Promise<void> {
  await injectFaults(order);
  const cancel = (data: Record<string, unknown>) => ({
    type: "order.cancelled",
    timestamp: new Date().toISOString(),
    data: { order_id: order.orderId, ...data },
  });
  if (order.earlyWholeCancel) await channel.deliver(cancel({ comment: "before placement" }), undefined, order.orderId);
  const placementId = `msg_${randomUUID()}`;
  const placing = order.concurrentCopies
    ? Promise.all(Array.from({ length: 4 }, () => channel.deliver(order.payload, placementId, order.orderId)))
    : channel.deliver(order.payload, placementId, order.orderId);
  const racing = order.concurrentTicketCancel
    ? channel.deliver(cancel({ ticket_ids: [`${order.orderId}-1-1`] }), undefined, order.orderId)
    : Promise.resolve();
  await Promise.all([placing, racing]);
  if (order.duplicate) await channel.deliver(order.payload, placementId, order.orderId); // the channel's retry
  if (order.replacement) await channel.deliver(order.payload, undefined, order.orderId); // a new id: ignored
  if (order.laterCancel) await channel.deliver(cancel(order.laterCancel), undefined, order.orderId);
}

async function lane(): Promise<void> {
  for (let index = sent++; index < plan.length; index = sent++) {
    if (!crashDone && index >= CRASH_AT && settings.crashAt < 1) {
      crashDone = true;
      await crashAndRestart();
    }
    if (!stallDone && index >= STALL_AT && settings.stallAt < 1 && settings.stallSeconds > 0) {
      stallDone = true;
      void stallDynamoDb();
    }
    const order = plan[index];
    if (order) await sendOrder(order);
  }
}

function sampleMemory(): void {
  try {
    const status = readFileSync(`/proc/${stack.current.ready.pid}/status`, "utf8");
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    if (hwm) peakRss.adapter = Math.max(peakRss.adapter, Number(hwm) * 1024);
  } catch {
    // the process is gone (restarting)
  }
}

const operator = new OperatorTask(channel, stack, randomUUID().slice(0, 6));
const progress = setInterval(() => {
  sampleMemory();
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  const { acknowledged, answers5xx, networkErrors } = channel.counters;
  console.log(
    `[soak ${seconds}s] orders sent ${Math.min(sent, settings.orders)}/${settings.orders}, events acknowledged ` +
      `${acknowledged}, 5xx ${answers5xx}, network errors ${networkErrors}, operator actions ${operator.ledger.actions.length}`,
  );
}, 10_000);

console.log(
  `[soak] ${settings.orders} orders, ${settings.parallel} senders, AX timeout ${settings.axTimeoutMs} ms, DynamoDB ` +
    `timeout ${settings.awsRequestTimeoutMs} ms per attempt, ${settings.operatorRounds} operator round(s), data in ${dataDir}`,
);
const sending = Promise.all(Array.from({ length: settings.parallel }, () => lane())).then(() => performance.now());
// The operator starts once the kill -9 is behind (a story it cuts proves nothing), while the lanes still send.
const operating = (async () => {
  while (settings.crashAt < 1 && !restart.done) await sleep(1_000);
  await operator.run(settings.operatorRounds);
})();
await Promise.all([sending, operating]);
const sentSeconds = ((await sending) - started) / 1000;
const operatorOrders = operator.ledger.orders;
const allOrders = [...plan, ...operatorOrders];

const directStore = () =>
  new DynamoStore(
    DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(stack.current.ready.dynamodbDirectEndpoint)), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    stack.current.ready.tableName,
  );

/** Waits until the table has no queued event that is not held for an uncertain create (or gives up). */
async function untilQuiet(label: string, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const queued = await directStore().listEventsByStatus("queued");
    const waiting = queued.filter((e) => e.reason !== "waiting_for_placement");
    console.log(
      `[soak] ${label}: ${waiting.length} event(s) still queued, ${queued.length - waiting.length} held for an uncertain create`,
    );
    if (waiting.length === 0) return 0;
    if (Date.now() > until) return waiting.length;
    await sleep(5_000);
  }
}

const strandedAfterRun = await untilQuiet("draining", 10 * 60_000);

// ---- the operator's pass: every uncertain create, reconciled through the CLI --------------------------------

const cliEnv = {
  ...process.env,
  TABLE_NAME: stack.current.ready.tableName,
  AWS_ENDPOINT_URL_DYNAMODB: stack.current.ready.dynamodbEndpoint,
  ADAPTER_URL: stack.current.ready.url,
  AX_BASE_URL: stack.current.ready.axUrl,
  AX_API_KEY: DEV_AX_API_KEY,
  AX_CHANNEL_CODE: DEV_AX_CHANNEL_CODE,
  ADMIN_TOKEN: stack.current.ready.adminToken,
};
const cli = async (...args: string[]) => {
  const out: string[] = [];
  try {
    const code = await runCli(args, (line) => out.push(line), cliEnv);
    return { code, out: out.join("\n") };
  } catch (error) {
    return { code: 2, out: `${out.join("\n")}${(error as Error).message}` };
  }
};
const allAx = async (): Promise<Map<string, SandboxOrder[]>> => {
  const list = (await (await channel.sandbox("orders", "GET")).json()) as SandboxOrder[];
  const byOrder = new Map<string, SandboxOrder[]>();
  for (const axOrder of list)
    byOrder.set(axOrder.channelOrderCode, [...(byOrder.get(axOrder.channelOrderCode) ?? []), axOrder]);
  return byOrder;
};

/**
 * A reconciliation through the CLI, tried again as a person would when AX could not be asked about the codes (the
 * plan's faults on AX's status calls are still on: each try uses one up).
 */
async function reconcileAsAPerson(kind: "attach" | "resend", ...args: string[]) {
  for (let attempt = 1; ; attempt++) {
    const result = await cli("reconcile", kind, ...args);
    if (result.code === 0 || !/AX could not be asked/.test(result.out) || attempt >= 5) return result;
    reconciled.askedAgain++;
    await sleep(1_000);
  }
}

const problems = new Problems();
const uncertain: UncertainFigures = { creates: 0, byFault: 0, byOperatorStory: 0, byCrash: 0, unexplained: [] };
const reconciled = { attached: 0, resent: 0, failed: 0, askedAgain: 0 };
{
  const store = directStore();
  const ax = await allAx();
  const workDir = mkdtempSync(join(tmpdir(), "soak-reconcile-"));
  for (const order of allOrders) {
    const { order: record } = await store.load(order.orderId);
    for (const [family, call] of Object.entries(record?.create_calls ?? {})) {
      if (call.state !== "uncertain") continue;
      uncertain.creates++;
      const why = explainUncertain(order, family as ProductType, call, crashedAt);
      if (why === "fault") uncertain.byFault++;
      else if (why === "story") uncertain.byOperatorStory++;
      else if (why === "crash") uncertain.byCrash++;
      else uncertain.unexplained.push(`${order.orderId} ${family} (intent written ${call.started_at})`);
      // The operator looks the order up in AX's console, by the channel's ticket ids.
      const familyItems = order.payload.data.items.filter((item) => familyOf(order, item) === family);
      const found = (ax.get(order.orderId) ?? []).filter((o) => o.type === family);
      let result;
      if (found.length > 0) {
        const file = join(workDir, `${order.orderId}-${family}.json`);
        const axOrders = found.map((axOrder) => ({
          item_id:
            familyItems.find((item) => ticketIdsOf(item).includes(axOrder.tickets[0]?.channelCode ?? ""))?.item_id ??
            "",
          ax_order_code: axOrder.axOrderCode,
          ax_order_status: axOrder.status,
          tickets: axOrder.tickets.map((ticket) => ({
            ticket_id: ticket.channelCode,
            ax_ticket_code: ticket.axTicketCode,
            ax_ticket_status: ticket.status,
          })),
        }));
        writeFileSync(file, JSON.stringify({ ax_orders: axOrders }));
        result = await reconcileAsAPerson("attach", order.orderId, family, file);
        if (result.code === 0) reconciled.attached++;
      } else {
        result = await reconcileAsAPerson("resend", order.orderId, family);
        if (result.code === 0) reconciled.resent++;
      }
      if (result.code !== 0) {
        reconciled.failed++;
        problems.add(`reconcile of ${order.orderId} ${family} through the CLI failed: ${result.out}`);
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
      await channel.sandbox(`orders/${axOrder.axOrderCode}/status`, "PUT", {
        status: "Supplier confirm",
        comment: "ok",
      });
  await channel.sandbox("faults", "DELETE");
  for (let run = 0; run < 50; run++) {
    const result = await cli("sync", "run");
    if (!/more are due/.test(result.out)) break;
  }
}
clearInterval(progress);
sampleMemory();
const totalSeconds = (performance.now() - started) / 1000;

// ---- the audit -----------------------------------------------------------------------------------------------

const store = directStore();
const orderFigures = await auditOrders(allOrders, await allAx(), store, problems);
const events = await auditEvents(channel.acknowledged.keys(), store, problems);
const deadLetters = (await (
  await fetch(`${stack.current.ready.url}/__local/dead-letters`, { headers: channel.adminHeaders() })
).json()) as unknown[];
if (deadLetters.length > 0) problems.add(`${deadLetters.length} dead letter(s)`);
for (const failure of restartFailures) problems.add(failure.slice(0, 4_000));
for (const create of uncertain.unexplained) problems.add(`uncertain create no injected fault explains: ${create}`);
const actions = operator.ledger.actions;
for (const action of actions.filter((a) => !a.ok))
  problems.add(
    `operator (${action.story}) ${action.orderId}: "${action.action}" must be ${action.expected}, answered ${action.status} ${action.message}`,
  );

delayedAnswers.push(readDelayedAnswers());
await stack.current.stop("SIGTERM");
keepStackLog();
if (!settings.keepData) rmSync(dataDir, { recursive: true, force: true });

const count = (predicate: (order: PlannedOrder) => boolean) => plan.filter(predicate).length;
const stories = [...operator.ledger.stories].map(([name, times]) => `${name} ${times}`).join(", ");
const rows: [string, string | number][] = [
  [
    "settings",
    `${settings.parallel} senders; AX timeout ${settings.axTimeoutMs} ms; DynamoDB ${settings.awsRequestTimeoutMs} ms per attempt; ` +
      `slow spells ${spellSeconds} s of every ${everySeconds} s, ${settings.slowAnswers * 100} % of answers ${settings.slowMs.join("-")} ms late`,
  ],
  ["orders (the channel's / the operator's)", `${settings.orders} / ${operatorOrders.length}`],
  ["events acknowledged (distinct webhook ids)", channel.acknowledged.size],
  ["deliveries sent (with the channel's retries)", channel.counters.deliveries],
  ["  answered 5xx / network errors (retried)", `${channel.counters.answers5xx} / ${channel.counters.networkErrors}`],
  ["DynamoDB answers held back by the slow spells (before / after the kill -9)", delayedAnswers.join(" / ")],
  ["AX orders (one per item)", orderFigures.axOrders],
  ["duplicate AX orders (must be 0)", orderFigures.duplicates],
  ["items missing in AX (must be 0)", orderFigures.missingInAx],
  ["events applied / ignored", `${events.applied} / ${events.ignored}`],
  ["events lost (must be 0)", events.lost],
  ["events failed (must be 0)", events.failed],
  ["events stranded (must be 0)", events.stranded],
  ["events still queued after sending / after reconciling", `${strandedAfterRun} / ${strandedAfterReconcile}`],
  ["dead letters (must be 0)", deadLetters.length],
  ["orders with an injected outcome-unknown create fault", count((o) => leavesCreateUnknown(o.createFault))],
  [
    "uncertain creates: total / injected fault / operator story / kill -9 / unexplained (must be 0)",
    `${uncertain.creates} / ${uncertain.byFault} / ${uncertain.byOperatorStory} / ${uncertain.byCrash} / ${uncertain.unexplained.length}`,
  ],
  [
    "reconciled through the CLI: attached / resent / failed (must be 0) / tried again (AX not answering)",
    `${reconciled.attached} / ${reconciled.resent} / ${reconciled.failed} / ${reconciled.askedAgain}`,
  ],
  ["operator stories", stories],
  [
    "operator actions: total / answered as they must / wrongly (must be 0)",
    `${actions.length} / ${actions.filter((a) => a.ok).length} / ${actions.filter((a) => !a.ok).length}`,
  ],
  [
    "  of which refusals that must be refused",
    `${actions.filter((a) => a.expected === "refused").length} (refused: ${actions.filter((a) => a.expected === "refused" && a.ok).length})`,
  ],
  ["cancellation checks against AX", orderFigures.cancellationsChecked],
  ["audit problems (must be 0)", problems.count],
  ["incidents", incidents.join("; ")],
  ["the stack's logs", stackLogs.join(", ")],
  ["restart attempts that failed (must be 0)", restartFailures.length],
  ["time to send (s)", sentSeconds.toFixed(0)],
  ["wall time (s)", totalSeconds.toFixed(0)],
  ["peak memory of the adapter process (MB)", (peakRss.adapter / 1024 / 1024).toFixed(0)],
  ["peak memory of this process (MB)", (process.resourceUsage().maxRSS / 1024).toFixed(0)],
];
for (const [name, value] of rows) console.log(`${name.padEnd(96)} ${value}`);
for (const note of [...operator.ledger.disturbed, ...operator.ledger.ambiguous]) console.log(`NOTE ${note}`);
if (problems.count > 0) {
  const file = join(tmpdir(), `${basename(dataDir)}-problems.txt`);
  writeFileSync(file, problems.all.join("\n"));
  for (const [kind, times] of problems.kinds()) console.log(`PROBLEMS ${String(times).padStart(6)} × ${kind}`);
  for (const text of problems.all.slice(0, 60)) console.log(`PROBLEM ${text}`);
  console.log(`every problem (${problems.count}) is in ${file}`);
}
process.exitCode = problems.count === 0 ? 0 : 1;
