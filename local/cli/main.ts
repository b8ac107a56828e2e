// `npm run cli -- <command>`: the operations CLI (see README, "Operations CLI").
import "../quiet-node20";
import { readFileSync } from "node:fs";
import { readOrder } from "../../lib/orders/read-order";
import { MappingInputError, parseMappingFile, validateMapping } from "./products";
import { TargetError, openStore } from "./target";

const usage = `usage: npm run cli -- <command>

  products add <sku> <tour|day-ticket> <mapping_code> <option_code>
  products list
  products import <file.csv|file.json>     CSV header: sku,product_type,mapping_code,option_code
  products remove <sku>
  orders show <order_id>                    the order's mapping, statuses and events (as the read API)
  events list [queued|failed]               events still waiting, or parked with their reasons (default: failed)

Works on the running local stack, or on the table named by TABLE_NAME (AWS credentials and region as usual).`;

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
      const events = await store().listEventsByStatus(status);
      for (const e of events)
        out(
          `${e.received_at}  ${e.webhook_id}  ${e.type}  order ${e.order_id}  ${e.status}${e.reason ? `  ${e.reason}: ${e.detail ?? ""}` : ""}`,
        );
      out(`${events.length} ${status} event(s)`);
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
    if (error instanceof MappingInputError || error instanceof TargetError) {
      console.error(`error: ${error.message}`);
      process.exitCode = 2;
    } else throw error;
  }
}
