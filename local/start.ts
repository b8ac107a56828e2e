// `npm start`: the whole adapter locally, until Ctrl-C. `npm start -- --fresh` deletes the local data first;
// `npm start -- --in-memory` keeps nothing.
import "./quiet-node20";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LOCAL_TABLE_NAME, defaultDataDir, startLocalStack } from "./stack";

const args = new Set(process.argv.slice(2));
const inMemory = args.has("--in-memory");
if (args.has("--fresh")) rmSync(defaultDataDir, { recursive: true, force: true });
mkdirSync(defaultDataDir, { recursive: true });
const stateFile = join(defaultDataDir, "stack.json");

const log = (line: string) => {
  console.log(`[local] ${line}`);
};

try {
  const stack = await startLocalStack({ ...(inMemory ? {} : { dataDir: defaultDataDir }), log });
  writeFileSync(
    stateFile,
    JSON.stringify(
      {
        url: stack.url,
        dynamodbEndpoint: stack.dynamodbEndpoint,
        tableName: process.env.TABLE_NAME ?? LOCAL_TABLE_NAME,
        axUrl: stack.axUrl,
        pid: process.pid,
      },
      null,
      2,
    ),
  );
  console.log(`
  AX channel adapter — local stack is up

  Webhooks       POST ${stack.url}/webhooks/orders
  Read API       GET  ${stack.url}/orders/{order_id}   (Authorization: Bearer ${stack.adminToken})
  Health         GET  ${stack.url}/health
  Console             ${stack.url}/console   (log in with the admin token above, named "dev", or one of ADMIN_TOKENS)
  Admin API           ${stack.url}/admin/…   (same token; see docs/console.md)
  AX             ${stack.sandbox ? `${stack.axUrl}  (built-in AX sandbox; control at ${stack.axUrl}/__sandbox)` : `${stack.axUrl}  (AX_BASE_URL)`}
  DynamoDB Local ${stack.dynamodbEndpoint}  (${inMemory ? "in memory" : `data in ${defaultDataDir}; start fresh with npm start -- --fresh`})
  Webhook secret ${stack.webhookSecrets}
  Status sync    ${stack.syncIntervalMs > 0 ? `every ${stack.syncIntervalMs / 1000} s` : "on demand only"} (now: npm run cli -- sync run); order.status_changed → ${stack.outboundWebhookUrl ?? "none (set OUTBOUND_WEBHOOK_URL)"}

  Try it: npm run demo      Stop: Ctrl-C
`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping…`);
    rmSync(stateFile, { force: true });
    void stack.stop().then(() => {
      log("stopped");
      process.exit(0);
    });
  };
  process.on("SIGINT", () => {
    stop("SIGINT");
  });
  process.on("SIGTERM", () => {
    stop("SIGTERM");
  });
} catch (error) {
  console.error(`[local] could not start: ${(error as Error).message}`);
  process.exit(1);
}
