// `npm run cli -- <command>`: the operations CLI (see README, "Operations CLI").
import "../quiet-node20";
import { readFileSync } from "node:fs";
import { readOrder } from "../../lib/orders/read-order";
import { systemClock } from "../../lib/orders/ports";
import { ReplayError, replayEvent } from "../../lib/orders/replay";
import { ReconcileError, reconcileCreate, type Resolution } from "../../lib/orders/reconcile";
import { MappingInputError, parseAttachment, parseMappingFile, validateMapping } from "./products";
import { TargetError, openDeadLetters, openStore, readLocalStackState } from "./target";
import { runStatusSync } from "../status-sync";
import { ConfigError } from "../../lib/config";

const usage = `usage: npm run cli -- <command>

  products add <sku> <tour|day-ticket> <mapping_code> <option_code>
  products list
  products import <file.csv|file.json>     CSV header: sku,product_type,mapping_code,option_code
  products remove <sku>
  orders show <order_id>                    the order's mapping, statuses and events (as the read API)
  events list [queued|failed] [--reason R]  events still waiting, or parked with their reasons (default: failed)
  events replay <webhook_id>… | --all [--reason R]
                                            queue parked (or waiting) events again, once the cause is fixed
  reconcile attach <order_id> <tour|day-ticket> <file.json>
                                            attach the AX codes found in AX's console to an uncertain create
  reconcile resend <order_id> <tour|day-ticket>
                                            decide AX does not have it: send the uncertain create again
  queue redrive                             move the dead-letter queue's messages back to the queue
  sync run                                  poll AX for the open orders' statuses now, then send due notifications

Works on the running local stack, or on a stage: TABLE_NAME, and DLQ_URL for a redrive (AWS credentials and region as usual).`;

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

export async function runCli(
  args: string[],
  out: (line: string) => void,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const [group, command, ...rest] = args;
  let opened: ReturnType<typeof openStore> | undefined;
  const store = () => (opened ??= openStore(env));
  switch (`${group ?? ""} ${command ?? ""}`) {
    case "products add": {
      const [sku, product_type, mapping_code, option_code] = rest;
      const mapping = validateMapping({ sku, product_type, mapping_code, option_code }, "products add");
      await store().putMapping(mapping);
      out(`added ${mapping.sku} → ${mapping.product_type} ${mapping.mapping_code} / ${mapping.option_code}`);
      return 0;
    }
    case "products list": {
      const mappings = await store().listMappings();
      out("sku,product_type,mapping_code,option_code");
      for (const m of mappings) out(`${m.sku},${m.product_type},${m.mapping_code},${m.option_code}`);
      return 0;
    }
    case "products import": {
      const [file] = rest;
      if (!file) throw new MappingInputError("products import needs a file name");
      const mappings = parseMappingFile(file, readFileSync(file, "utf8"));
      for (const mapping of mappings) await store().putMapping(mapping);
      out(`imported ${mappings.length} mapping(s) from ${file}`);
      return 0;
    }
    case "products remove": {
      const [sku] = rest;
      if (!sku) throw new MappingInputError("products remove needs a sku");
      out((await store().deleteMapping(sku)) ? `removed ${sku}` : `no mapping for ${sku}`);
      return 0;
    }
    case "orders show": {
      const [orderId] = rest;
      if (!orderId) throw new MappingInputError("orders show needs an order id");
      const view = await readOrder(store(), orderId);
      if (!view) {
        out(`no order ${orderId}`);
        return 1;
      }
      out(JSON.stringify(view, null, 2));
      return 0;
    }
    case "events list": {
      const status = rest[0] === "queued" ? "queued" : "failed";
      const reason = option(rest, "--reason");
      const events = (await store().listEventsByStatus(status)).filter((e) => !reason || e.reason === reason);
      for (const e of events)
        out(
          `${e.received_at}  ${e.webhook_id}  ${e.type}  order ${e.order_id}  ${e.status}${e.reason ? `  ${e.reason}: ${e.detail ?? ""}` : ""}`,
        );
      out(`${events.length} ${status} event(s)${reason ? ` with reason ${reason}` : ""}`);
      return 0;
    }
    case "events replay": {
      const all = rest.includes("--all");
      const reason = option(rest, "--reason");
      const ids = all ? undefined : rest.filter((arg) => !arg.startsWith("--") && arg !== reason);
      if (!all && (!ids || ids.length === 0)) throw new MappingInputError("events replay needs webhook ids, or --all");
      const wanted = all
        ? (await store().listEventsByStatus("failed"))
            .filter((e) => !reason || e.reason === reason)
            .map((e) => e.webhook_id)
        : (ids ?? []);
      // Each goes back through the outbox: the table's stream queues it, as it queued the event the first time.
      let replayed = 0;
      for (const webhookId of wanted) {
        try {
          const event = await replayEvent({ events: store(), clock: systemClock }, webhookId, "cli");
          out(`replaying ${event.webhook_id} (${event.type}, order ${event.order_id})`);
          replayed++;
        } catch (error) {
          if (!(error instanceof ReplayError)) throw error;
          out(`not replayed: ${error.message}`);
        }
      }
      out(`${replayed} event(s) queued for replay`);
      return replayed === wanted.length ? 0 : 1;
    }
    case "reconcile attach":
    case "reconcile resend": {
      const [orderId, productType, file] = rest;
      if (!orderId || (productType !== "tour" && productType !== "day-ticket"))
        throw new MappingInputError(`reconcile ${command ?? ""} needs <order_id> <tour|day-ticket>`);
      let resolution: Resolution = { kind: "resend" };
      if (command === "attach") {
        if (!file) throw new MappingInputError("reconcile attach needs a JSON file with the AX codes (see README)");
        resolution = { kind: "attach", axOrders: parseAttachment(file, readFileSync(file, "utf8")) };
      }
      const result = await reconcileCreate({ orders: store(), clock: systemClock }, orderId, productType, resolution);
      await replayEvent({ events: store(), clock: systemClock }, result.replayWebhookId, "cli").catch(
        (error: unknown) => {
          throw error instanceof ReplayError ? new ReconcileError(`reconciled, but ${error.message}`) : error;
        },
      );
      out(
        command === "attach"
          ? `attached the AX codes to the ${productType} create of ${orderId}; its placement is replayed to finish it`
          : `the ${productType} create of ${orderId} will be sent again: its placement is replayed`,
      );
      return 0;
    }
    case "sync run": {
      // Locally: ask the running stack, so that the run uses its settings (AX, outbound webhook). A stage's table:
      // run here with the stage's settings from the environment, as the function has them.
      const stackUrl = env.ADAPTER_URL ?? (env.TABLE_NAME ? undefined : readLocalStackState()?.url);
      if (!stackUrl && !env.TABLE_NAME)
        throw new TargetError("no local stack is running (start it with `npm start`), and TABLE_NAME is not set");
      const report = await runStatusSync(stackUrl ? { stackUrl } : { table: store(), env }).catch((error: unknown) => {
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
    }
    case "queue redrive": {
      const moved = await openDeadLetters(env).redrive();
      out(typeof moved === "number" ? `${moved} message(s) moved back from the dead-letter queue` : moved);
      return 0;
    }
    default:
      out(usage);
      return group === undefined || group === "help" ? 0 : 2;
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ""}`) {
  try {
    process.exitCode = await runCli(process.argv.slice(2), (line) => {
      console.log(line);
    });
  } catch (error) {
    if (
      error instanceof MappingInputError ||
      error instanceof TargetError ||
      error instanceof ReconcileError ||
      error instanceof ReplayError
    ) {
      console.error(`error: ${error.message}`);
      process.exitCode = 2;
    } else throw error;
  }
}
