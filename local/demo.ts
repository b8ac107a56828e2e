// `npm run demo`: sends a signed sample `order.placed` to the running local stack and prints the resulting mapping.
import "./quiet-node20";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSecrets, signedWebhookHeaders } from "../lib/channel/signature";
import { sampleOrderPlaced } from "./samples";
import { DEV_ADMIN_TOKEN, DEV_WEBHOOK_SECRET, defaultDataDir } from "./stack";

function stackUrl(): string {
  if (process.env.ADAPTER_URL) return process.env.ADAPTER_URL;
  try {
    const state = JSON.parse(readFileSync(join(defaultDataDir, "stack.json"), "utf8")) as { url: string };
    return state.url;
  } catch {
    return `http://127.0.0.1:${process.env.PORT ?? "3000"}`;
  }
}

const url = stackUrl();
const orderId = process.argv[2] ?? `DEMO-${Date.now()}`;
const body = JSON.stringify(sampleOrderPlaced(orderId));
const webhookId = `msg_${randomUUID()}`;
const timestamp = Math.floor(Date.now() / 1000);
const [secret] = parseSecrets(process.env.WEBHOOK_SECRET ?? DEV_WEBHOOK_SECRET);
if (!secret) throw new Error("no webhook secret");

try {
  const answer = await fetch(`${url}/webhooks/orders`, {
    method: "POST",
    headers: signedWebhookHeaders({ secret, webhookId, timestamp, body }),
    body,
  });
  console.log(`POST ${url}/webhooks/orders → ${answer.status} ${await answer.text()}`);
  if (answer.status !== 202) process.exit(1);

  const deadline = Date.now() + 20_000;
  for (;;) {
    const read = await fetch(`${url}/orders/${encodeURIComponent(orderId)}`, {
      headers: { authorization: `Bearer ${process.env.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN}` },
    });
    const view = (await read.json()) as { status?: string };
    if (view.status !== "pending" || Date.now() > deadline) {
      console.log(`GET ${url}/orders/${orderId} → ${read.status}`);
      console.log(JSON.stringify(view, null, 2));
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
} catch (error) {
  console.error(`could not reach the local stack at ${url} (is \`npm start\` running?): ${(error as Error).message}`);
  process.exit(1);
}
