// `npm run cli -- <command>`: the operations CLI (docs/operations.md, "The CLI"; docs/console.md). Every operation is the admin API's use case
// (lib/admin/service.ts), run here on the stage's table with the caller's AWS credentials, or on the local stack.
import "../quiet-node20";
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import * as v from "valibot";
import * as admin from "../../lib/admin/service";
import { formatOfFile } from "../../lib/admin/mapping-input";
import {
  BulkReplayRequestSchema,
  DismissRequestSchema,
  EVENT_LIST_STATUSES,
  EventListQuerySchema,
  ORDER_LOOKUPS,
  ORDER_STATUSES,
  OrderSearchQuerySchema,
  type EventRow,
} from "../../lib/admin/schemas";
import { ConfigError, readConfig } from "../../lib/config";
import { escapeText, safeJson } from "../../lib/text-safety";
import { systemClock } from "../../lib/orders/ports";
import { ReconcileError } from "../../lib/orders/reconcile";
import { runStatusSync } from "../status-sync";
import { MappingInputError, parseAttachment, validateMapping } from "./products";
import { OctoMappingError, octoImport, octoList, octoRemove } from "./octo";
import { reindexSearch } from "./search";
import { TargetError, localAdminToken, openAx, openDeadLetters, openStore, readLocalStackState } from "./target";

type Env = Record<string, string | undefined>;
type Out = (line: string) => void;
/** parseArgs' options, each with a line of help. */
type Options = Record<string, { type: "string" | "boolean"; description?: string }>;
type Values = Record<string, string | boolean | undefined>;

/** A mistake in how the CLI was called: said in one line with a hint, exit code 2. */
export class UsageError extends Error {}

export interface Command {
  /** e.g. "products add" */
  name: string;
  args: string;
  summary: string;
  options?: Options;
  /** How many positionals, at least and at most. */
  positionals: [number, number];
  run(context: Context): Promise<number>;
}

interface Context {
  args: string[];
  values: Values;
  out: Out;
  env: Env;
  deps: () => admin.AdminDeps;
  actor: string;
}

const json = { json: { type: "boolean", description: "print JSON instead of lines" } } as const;
const pageOptions = { limit: { type: "string" }, cursor: { type: "string" } } as const;
const timeRange = { from: { type: "string" }, to: { type: "string" } } as const;
const str = (values: Values, name: string): string | undefined => {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
};

/** Reads a file an operator named, saying plainly what is wrong with it (not a stack trace). */
function readOperatorFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : (error as Error).message;
    throw new MappingInputError(`cannot read ${file}: ${why}`);
  }
}

/** Every page of a list (the CLI prints whole lists; the API hands them out a page at a time). */
async function allPages<T>(load: (cursor: string | undefined) => Promise<admin.Page<T>>, max = 10_000): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await load(cursor);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

const eventLine = (e: EventRow) =>
  `${e.received_at}  ${e.webhook_id}  ${e.type}  order ${e.order_id}  ${e.status}${e.reason ? `  ${e.reason}: ${e.detail ?? ""}` : ""}${e.actions.length > 0 ? `  [can: ${e.actions.join(", ")}]` : ""}`;

/** Prints a list as JSON (--json) or one line per item: a stored text can never start a line or colour one. */
function printList<T>(context: Context, items: T[], header: string | undefined, line: (item: T) => string) {
  if (context.values.json) {
    context.out(safeJson(items));
    return;
  }
  if (header) context.out(header);
  for (const item of items) context.out(escapeText(line(item)));
}

function productType(value: string | undefined): "tour" | "day-ticket" {
  if (value === "tour" || value === "day-ticket") return value;
  throw new UsageError(`the product family must be tour or day-ticket, not ${value ?? "nothing"}`);
}

export const commands: Command[] = [
  {
    name: "products add",
    args: "<sku> <tour|day-ticket> <mapping_code> <option_code>",
    summary: "map a channel sku to an AX product (refused if the sku is mapped: use products edit)",
    positionals: [4, 4],
    run: async ({ args, deps, actor, out }) => {
      const [sku, product_type, mapping_code, option_code] = args;
      const mapping = validateMapping({ sku, product_type, mapping_code, option_code }, "products add");
      await admin.addMapping(deps(), actor, mapping);
      out(`added ${mapping.sku} → ${mapping.product_type} ${mapping.mapping_code} / ${mapping.option_code}`);
      return 0;
    },
  },
  {
    name: "products edit",
    args: "<sku> <tour|day-ticket> <mapping_code> <option_code>",
    summary: "change the AX product of a mapped sku",
    positionals: [4, 4],
    run: async ({ args, deps, actor, out }) => {
      const [sku, product_type, mapping_code, option_code] = args;
      const mapping = validateMapping({ sku, product_type, mapping_code, option_code }, "products edit");
      await admin.editMapping(deps(), actor, mapping);
      out(`changed ${mapping.sku} → ${mapping.product_type} ${mapping.mapping_code} / ${mapping.option_code}`);
      return 0;
    },
  },
  {
    name: "products list",
    args: "",
    summary: "every mapping, by sku (CSV lines, or --json)",
    options: { ...json, prefix: { type: "string", description: "only skus starting with this" } },
    positionals: [0, 0],
    run: async (context) => {
      const prefix = str(context.values, "prefix");
      const mappings = await allPages((cursor) => admin.listMappings(context.deps(), { prefix, limit: 100, cursor }));
      printList(
        context,
        mappings,
        "sku,product_type,mapping_code,option_code",
        (m) => `${m.sku},${m.product_type},${m.mapping_code},${m.option_code}`,
      );
      return 0;
    },
  },
  {
    name: "products import",
    args: "<file.csv|file.json>",
    summary:
      "add or change mappings from a file (CSV header sku,product_type,mapping_code,option_code); every row is checked first, nothing is written if one is wrong",
    options: { "dry-run": { type: "boolean", description: "check and report, write nothing" } },
    positionals: [1, 1],
    run: async ({ args, values, deps, actor, out }) => {
      const file = args[0] ?? "";
      const format = formatOfFile(file);
      const content = readOperatorFile(file);
      let report;
      try {
        report = await admin.importMappings(deps(), actor, { format, content, dry_run: values["dry-run"] === true });
      } catch (error) {
        if (error instanceof admin.AdminInputError) throw new MappingInputError(`${file}: ${error.message}`);
        throw error;
      }
      const where = format === "csv" ? "line" : "entry";
      for (const error of report.errors) out(`${file} ${where} ${error.row}: ${error.message}`);
      if (report.errors.length > 0) {
        out(`nothing imported: ${report.errors.length} of ${report.rows} row(s) need fixing`);
        return 1;
      }
      out(
        `${report.written ? "imported" : "would import"} ${report.rows} mapping(s) from ${file}: ${report.created} new, ${report.updated} changed`,
      );
      return 0;
    },
  },
  {
    name: "products remove",
    args: "<sku>",
    summary: "remove a mapping",
    positionals: [1, 1],
    run: async ({ args, deps, actor, out }) => {
      const sku = args[0] ?? "";
      try {
        await admin.removeMapping(deps(), actor, sku);
        out(`removed ${sku}`);
      } catch (error) {
        if (!(error instanceof admin.NotFoundError)) throw error;
        out(`no mapping for ${sku}`);
      }
      return 0;
    },
  },
  {
    name: "orders list",
    args: "",
    summary: "orders by status and time (newest first), or found by one look-up (id prefix in any case, AX code, …)",
    options: {
      ...json,
      ...timeRange,
      ...pageOptions,
      status: { type: "string", description: ORDER_STATUSES.join("|") },
      "id-prefix": { type: "string", description: "the start of the channel order id, any case, 3 characters or more" },
      "ax-order-code": { type: "string", description: "an AX order code" },
      "ax-ticket-code": { type: "string", description: "an AX ticket code" },
      "webhook-id": { type: "string", description: "the webhook-id of one of its events" },
      sku: { type: "string", description: "a sku it sold" },
      email: { type: "string", description: "a traveler's or the purchaser's e-mail, any case" },
      name: { type: "string", description: "a traveler's or the purchaser's full name, any case" },
    },
    positionals: [0, 0],
    run: async (context) => {
      const query = v.parse(
        OrderSearchQuerySchema,
        Object.fromEntries(
          ["status", "from", "to", "limit", "cursor", ...ORDER_LOOKUPS]
            .map((name) => [name, str(context.values, name.replaceAll("_", "-"))])
            .filter(([, value]) => value !== undefined),
        ),
      );
      const page = await admin.searchOrders(context.deps(), query);
      if (context.values.json) context.out(safeJson(page));
      else {
        for (const o of page.items)
          context.out(
            escapeText(
              `${o.created_at}  ${o.order_id}  ${o.status}${o.total ? `  ${o.total} ${o.currency ?? ""}` : ""}`,
            ),
          );
        if (page.next_cursor) context.out(`more: --cursor ${page.next_cursor}`);
      }
      return 0;
    },
  },
  {
    name: "orders show",
    args: "<order_id>",
    summary: "one order: items, create calls, AX orders and tickets, events with payloads, notifications (JSON)",
    positionals: [1, 1],
    run: async ({ args, deps, out }) => {
      try {
        out(safeJson(await admin.orderDetail(deps(), args[0] ?? "")));
        return 0;
      } catch (error) {
        if (!(error instanceof admin.NotFoundError)) throw error;
        out(`no order ${args[0] ?? ""}`);
        return 1;
      }
    },
  },
  {
    name: "events list",
    args: "[failed|queued|waiting]",
    summary:
      "parked events with their reasons and what can help them (default), events in the queue, or queued for too long",
    options: {
      ...json,
      ...timeRange,
      type: { type: "string", description: "order.placed|order.cancelled" },
      reason: { type: "string" },
    },
    positionals: [0, 1],
    run: async (context) => {
      const status = context.args[0] ?? "failed";
      if (!(EVENT_LIST_STATUSES as readonly string[]).includes(status))
        throw new UsageError(`events list takes ${EVENT_LIST_STATUSES.join(", ")}, not ${status}`);
      const filter = v.parse(EventListQuerySchema, {
        status,
        ...Object.fromEntries(
          ["type", "reason", "from", "to"]
            .map((name) => [name, str(context.values, name)])
            .filter(([, value]) => value !== undefined),
        ),
      });
      const events = await allPages((cursor) => admin.listEvents(context.deps(), { ...filter, limit: 100, cursor }));
      printList(context, events, undefined, eventLine);
      if (!context.values.json)
        context.out(
          `${events.length} ${status === "failed" ? "parked" : status} event(s)${filter.reason ? ` with reason ${filter.reason}` : ""}`,
        );
      return 0;
    },
  },
  {
    name: "events show",
    args: "<webhook_id>",
    summary: "one event with its payload (JSON)",
    positionals: [1, 1],
    run: async ({ args, deps, out }) => {
      out(safeJson(await admin.eventDetailOf(deps(), args[0] ?? "")));
      return 0;
    },
  },
  {
    name: "events replay",
    args: "<webhook_id>… | --all [--type T] [--reason R] [--from T] [--to T] [--confirm TOKEN]",
    summary:
      "replay parked events once the cause is fixed; --all counts those a replay can help and prints a token, --confirm <token> replays exactly them",
    options: {
      ...timeRange,
      all: { type: "boolean" },
      type: { type: "string" },
      reason: { type: "string" },
      confirm: { type: "string" },
    },
    positionals: [0, 1000],
    run: async ({ args, values, deps, actor, out }) => {
      if (values.all) {
        if (args.length > 0) throw new UsageError("events replay takes webhook ids or --all, not both");
        const flags = ["type", "reason", "from", "to"]
          .map((name) => [name, str(values, name)] as const)
          .filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
        const request = v.parse(BulkReplayRequestSchema, {
          ...Object.fromEntries(flags),
          ...(str(values, "confirm") !== undefined ? { confirm: str(values, "confirm") } : {}),
        });
        const result = await admin.replayMatching(deps(), actor, request);
        if (!result.confirmed && result.confirm) {
          const again = ["--all", ...flags.map(([name, value]) => `--${name} ${value}`)].join(" ");
          out(
            escapeText(
              `${result.count} parked event(s) can be replayed${result.left_out ? ` (${result.left_out} left out: a replay cannot help their reason)` : ""}; to replay exactly these: npm run cli -- events replay ${again} --confirm ${result.confirm}`,
            ),
          );
        } else out(escapeText(result.message));
        return 0;
      }
      if (args.length === 0) throw new UsageError("events replay needs webhook ids, or --all");
      let replayed = 0;
      for (const webhookId of args) {
        try {
          out(escapeText(`replaying: ${(await admin.replayEvent(deps(), actor, webhookId)).message}`));
          replayed++;
        } catch (error) {
          if (!(error instanceof admin.NotFoundError || error instanceof admin.ConflictError)) throw error;
          out(escapeText(error.message));
        }
      }
      out(`${replayed} event(s) sent for replay`);
      return replayed === args.length ? 0 : 1;
    },
  },
  {
    name: "events dismiss",
    args: "<webhook_id> --note <why>",
    summary:
      "give up on a parked event no replay can help (a cancellation naming what the order does not have), saying why",
    options: { note: { type: "string", description: "why it can be left alone (kept in the audit log)" } },
    positionals: [1, 1],
    run: async ({ args, values, deps, actor, out }) => {
      const note = str(values, "note");
      if (note === undefined) throw new UsageError("events dismiss needs --note <why>: the audit log keeps it");
      const request = v.parse(DismissRequestSchema, { note });
      out(escapeText((await admin.dismissEvent(deps(), actor, args[0] ?? "", request)).message));
      return 0;
    },
  },
  {
    name: "uncertain list",
    args: "",
    summary: "AX create calls whose outcome is unknown",
    options: json,
    positionals: [0, 0],
    run: async (context) => {
      const creates = await allPages((cursor) => admin.listUncertain(context.deps(), { limit: 100, cursor }));
      printList(
        context,
        creates,
        undefined,
        (c) =>
          `${c.started_at}  order ${c.order_id}  ${c.product_type}  items ${c.item_ids.join(",")}  ${c.detail ?? ""}`,
      );
      return 0;
    },
  },
  {
    name: "reconcile attach",
    args: "<order_id> <tour|day-ticket> <file.json>",
    summary:
      'attach the AX codes found in AX\'s console to an uncertain create: {"ax_orders": [{item_id, ax_order_code, tickets: [{ticket_id, ax_ticket_code}]}]}',
    positionals: [3, 3],
    run: async ({ args, deps, actor, out }) => {
      const [orderId = "", family, file = ""] = args;
      const axOrders = parseAttachment(file, readOperatorFile(file));
      out(
        (await admin.reconcile(deps(), actor, orderId, productType(family), { kind: "attach", ax_orders: axOrders }))
          .message,
      );
      return 0;
    },
  },
  {
    name: "reconcile resend",
    args: "<order_id> <tour|day-ticket>",
    summary: "decide AX does not have it: send the uncertain create again, once",
    positionals: [2, 2],
    run: async ({ args, deps, actor, out }) => {
      const [orderId = "", family] = args;
      out((await admin.reconcile(deps(), actor, orderId, productType(family), { kind: "resend" })).message);
      return 0;
    },
  },
  {
    name: "notifications list",
    args: "",
    summary: "dead notifications (the channel never took them), with every attempt",
    options: json,
    positionals: [0, 0],
    run: async (context) => {
      const dead = await allPages((cursor) => admin.listDeadNotifications(context.deps(), { limit: 100, cursor }));
      printList(
        context,
        dead,
        undefined,
        (n) => `${n.created_at}  ${n.id}  order ${n.order_id}  ${n.attempts} attempt(s)  last: ${n.last_error ?? ""}`,
      );
      return 0;
    },
  },
  {
    name: "orders poll-again",
    args: "<order_id> <item_id>",
    summary:
      "poll an AX order again: the next status sync run asks AX, and it stays in the sync for another grace (SYNC_GRACE_MS)",
    positionals: [2, 2],
    run: async ({ args, deps, actor, out }) => {
      out((await admin.pollAgain(deps(), actor, args[0] ?? "", args[1] ?? "")).message);
      return 0;
    },
  },
  {
    name: "notifications resend",
    args: "<order_id> <notification_id>",
    summary: "send a dead notification again (its attempts start over)",
    positionals: [2, 2],
    run: async ({ args, deps, actor, out }) => {
      out((await admin.resendNotification(deps(), actor, args[0] ?? "", args[1] ?? "")).message);
      return 0;
    },
  },
  {
    name: "queue list",
    args: "",
    summary: "the dead-letter queue: how many messages, and the first ones",
    options: json,
    positionals: [0, 0],
    run: async (context) => {
      const list = await admin.listDeadLetters(context.deps(), { limit: 10 });
      if (context.values.json) context.out(safeJson(list));
      else {
        for (const m of list.items) context.out(`${m.moved_at ?? ""}  ${m.webhook_id}  order ${m.order_id}`.trim());
        context.out(`${list.count} message(s) in the dead-letter queue`);
      }
      return 0;
    },
  },
  {
    name: "queue redrive",
    args: "",
    summary: "move the dead-letter queue's messages back to the queue",
    positionals: [0, 0],
    run: async ({ deps, actor, out }) => {
      out((await admin.redriveDeadLetters(deps(), actor)).message);
      return 0;
    },
  },
  {
    name: "audit list",
    args: "",
    summary: "operators' actions of one UTC day (default today): who, what, when",
    options: { ...json, day: { type: "string", description: "YYYY-MM-DD" } },
    positionals: [0, 0],
    run: async (context) => {
      const day = str(context.values, "day");
      if (day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(day))
        throw new UsageError("--day takes a date, e.g. 2026-12-01");
      const entries = await allPages((cursor) => admin.listAudit(context.deps(), { day, limit: 100, cursor }));
      printList(
        context,
        entries,
        undefined,
        (e) =>
          `${e.at}  ${e.actor}  ${e.action}  ${e.target}  ${e.detail ?? ""}${e.old_value ? `  (was ${e.old_value})` : ""}`,
      );
      return 0;
    },
  },
  {
    name: "search reindex",
    args: "",
    summary:
      "write the search entries of orders stored before they existed (once, after upgrading); by creation time, default the last 12 months",
    options: { ...timeRange },
    positionals: [0, 0],
    run: async ({ values, env, out }) => {
      const now = new Date();
      const range = v.parse(OrderSearchQuerySchema, {
        from: str(values, "from") ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 12, 1)).toISOString(),
        to: str(values, "to") ?? now.toISOString(),
      });
      const report = await reindexSearch(openStore(env), { from: range.from ?? "", to: range.to ?? "" }, (soFar) => {
        out(`${soFar.orders} order(s), ${soFar.entries} entries so far`);
      });
      out(`reindexed ${report.orders} order(s): ${report.entries} search entries written`);
      return 0;
    },
  },
  {
    name: "sync run",
    args: "",
    summary: "poll AX for the open orders' statuses now, then send due notifications",
    positionals: [0, 0],
    run: async ({ env, out }) => {
      // Locally: ask the running stack, so that the run uses its settings (AX, outbound webhook). A stage's table:
      // run here with the stage's settings from the environment, as the function has them.
      const stackUrl = env.ADAPTER_URL ?? (env.TABLE_NAME ? undefined : readLocalStackState()?.url);
      if (!stackUrl && !env.TABLE_NAME)
        throw new TargetError("no local stack is running (start it with `npm start`), and TABLE_NAME is not set");
      const report = await runStatusSync(
        stackUrl ? { stackUrl, adminToken: localAdminToken(env) } : { table: openStore(env), env },
      ).catch((error: unknown) => {
        throw error instanceof ConfigError ? new TargetError(error.message) : error; // a missing setting, named
      });
      const { sync, notifications } = report;
      out(
        `polled ${sync.polled} AX order(s): ${sync.changed} changed, ${sync.unchanged} unchanged, ${sync.skipped} skipped, ${sync.failed} failed` +
          (sync.due_left ? ` (more are due: stopped by ${sync.stopped_by ?? "budget"})` : ""),
      );
      for (const error of sync.errors) out(`  ${error.order_id} ${error.item_id}: ${error.reason}: ${error.detail}`);
      out(
        notifications
          ? `notifications: ${notifications.delivered} delivered, ${notifications.failed} failed (retried later), ${notifications.dead} dead`
          : "notifications: no outbound webhook is configured",
      );
      return sync.failed > 0 || (notifications?.dead ?? 0) > 0 ? 1 : 0;
    },
  },
  // ---- OCTO supplier API (issue #20): the operators' OCTO product mapping ----
  {
    name: "octo list",
    args: "",
    summary: "the OCTO products mapped to AX products (docs/octo.md)",
    options: json,
    positionals: [0, 0],
    run: ({ env, out, values }) => octoList(env, out, values.json === true),
  },
  {
    name: "octo import",
    args: "<file.json>",
    summary:
      "add or change OCTO products from a mapping file (docs/examples/octo-products.json); all checked first, against AX too when it can be reached",
    options: { "dry-run": { type: "boolean", description: "check and report, write nothing" } },
    positionals: [1, 1],
    run: ({ args, env, out, values }) => octoImport(env, out, args[0] ?? "", values["dry-run"] === true),
  },
  {
    name: "octo remove",
    args: "<product id>",
    summary: "remove an OCTO product (its bookings keep the mapping they were made with)",
    positionals: [1, 1],
    run: ({ args, env, out }) => octoRemove(env, out, args[0] ?? ""),
  },
];

const TARGET_NOTE =
  "Works on the running local stack, or on a stage: TABLE_NAME, and DLQ_URL for the dead-letter queue (AWS credentials and region as usual).";

export const usage = () =>
  [
    "usage: npm run cli -- <command> [options]   (npm run cli -- <command> --help for one command)",
    "",
    ...commands.map((c) => `  ${`${c.name} ${c.args}`.trim()}\n      ${c.summary}`),
    "",
    TARGET_NOTE,
  ].join("\n");

function commandHelp(command: Command): string {
  const options = Object.entries({ ...command.options, help: { type: "boolean" as const } }).map(([name, spec]) => {
    const described = spec as { type: string; description?: string };
    return `  --${name}${described.type === "string" ? " <value>" : ""}${described.description ? `   ${described.description}` : ""}`;
  });
  return [
    `usage: npm run cli -- ${`${command.name} ${command.args}`.trim()}`,
    "",
    command.summary,
    "",
    "options:",
    ...options,
    "",
    TARGET_NOTE,
  ].join("\n");
}

/** The closest known word, for a "did you mean" hint. */
function closest(word: string, candidates: string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0] ?? 0;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j] ?? 0;
        row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length] ?? Infinity;
  };
  const ranked = candidates.map((c) => ({ c, d: distance(word, c) })).sort((a, b) => a.d - b.d);
  const best = ranked[0];
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.c : undefined;
}

function cliActor(env: Env): string {
  if (env.ADMIN_ACTOR) return env.ADMIN_ACTOR;
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}

export async function runCli(args: string[], out: Out, env: Env = process.env): Promise<number> {
  const [first, second, ...rest] = args;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") {
    out(usage());
    return 0;
  }
  const command = commands.find((c) => c.name === `${first} ${second ?? ""}`);
  if (!command) {
    const groups = [...new Set(commands.map((c) => c.name.split(" ")[0] ?? ""))];
    const inGroup = commands.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name);
    const hint = groups.includes(first)
      ? second === undefined || second.startsWith("-")
        ? `${first} takes one of: ${inGroup.map((n) => n.split(" ")[1]).join(", ")}`
        : `unknown command "${first} ${second}"${closest(`${first} ${second}`, inGroup) ? `; did you mean "${closest(`${first} ${second}`, inGroup) ?? ""}"?` : ""}`
      : `unknown command "${first}"${closest(first, groups) ? `; did you mean "${closest(first, groups) ?? ""}"?` : ""}`;
    out(`error: ${hint}`);
    out(usage());
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        ...Object.fromEntries(Object.entries(command.options ?? {}).map(([name, { type }]) => [name, { type }])),
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    out(`error: ${message} (npm run cli -- ${command.name} --help)`);
    return 2;
  }
  if (parsed.values.help) {
    out(commandHelp(command));
    return 0;
  }
  const [min, max] = command.positionals;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    out(
      `error: ${command.name} takes ${command.args.trim() || "no arguments"} (npm run cli -- ${command.name} --help)`,
    );
    return 2;
  }
  // The dead-letter queue is opened when an operation first needs it: nothing else needs DLQ_URL.
  let deps: admin.AdminDeps | undefined;
  let deadLetters: ReturnType<typeof openDeadLetters> | undefined;
  let ax: ReturnType<typeof openAx> | undefined;
  return command.run({
    args: parsed.positionals,
    values: parsed.values,
    out,
    env,
    actor: cliActor(env),
    deps: () =>
      (deps ??= {
        store: openStore(env),
        ax: { getConfirmation: (type, code) => (ax ??= openAx(env)).getConfirmation(type, code) },
        deadLetters: {
          list: (limit) => (deadLetters ??= openDeadLetters(env)).list(limit),
          redrive: () => (deadLetters ??= openDeadLetters(env)).redrive(),
        },
        clock: systemClock,
        waitingTooLongMs: readConfig(env).waitingTooLongMs,
        syncGraceMs: readConfig(env).syncSchedule.graceMs,
      }),
  });
}

/** The errors an operator can fix, said in one line (exit 2); anything else is a bug and keeps its stack trace. */
const OPERATOR_ERRORS = [
  UsageError,
  OctoMappingError,
  MappingInputError,
  TargetError,
  ReconcileError,
  admin.AdminInputError,
  admin.ConflictError,
  admin.NotFoundError,
  v.ValiError,
];

if (import.meta.url === `file://${process.argv[1] ?? ""}`) {
  try {
    process.exitCode = await runCli(process.argv.slice(2), (line) => {
      console.log(line);
    });
  } catch (error) {
    if (OPERATOR_ERRORS.some((kind) => error instanceof kind)) {
      console.error(`error: ${(error as Error).message}`);
      process.exitCode = 2;
    } else throw error;
  }
}
