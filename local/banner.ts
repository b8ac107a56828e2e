// The banner `npm start` prints once the stack is up: URLs and how to use them.
import { DEV_ADMIN_TOKEN, DEV_WEBHOOK_SECRET, type LocalStack } from "./stack";

export type BannerFacts = Pick<
  LocalStack,
  "url" | "axUrl" | "dynamodbEndpoint" | "webhookSecrets" | "adminToken" | "syncIntervalMs" | "outboundWebhookUrl"
> & { sandbox: unknown; octoDevKey?: string | undefined };

/** It shows only the fixed dev credentials, never a secret the user set. */
export function banner(stack: BannerFacts, options: { inMemory: boolean; dataDir: string }): string {
  const token = stack.adminToken === DEV_ADMIN_TOKEN ? DEV_ADMIN_TOKEN : "<ADMIN_TOKEN>";
  const secret =
    stack.webhookSecrets === DEV_WEBHOOK_SECRET ? DEV_WEBHOOK_SECRET : "the one(s) in WEBHOOK_SECRET (not shown)";
  const ax = stack.sandbox
    ? `${stack.axUrl}  (built-in AX sandbox; control: ${stack.axUrl}/__sandbox/, see docs/sandbox.md)`
    : `${stack.axUrl}  (AX_BASE_URL)`;
  const data = options.inMemory ? "in memory" : `data in ${options.dataDir}; start fresh with npm start -- --fresh`;
  const sync = stack.syncIntervalMs > 0 ? `every ${stack.syncIntervalMs / 1000} s` : "on demand only";
  const outbound = stack.outboundWebhookUrl ?? "none (set OUTBOUND_WEBHOOK_URL and OUTBOUND_WEBHOOK_SECRET)";
  return `
  AX channel adapter — local stack is up

  Webhooks       POST ${stack.url}/webhooks/orders
  Read API       GET  ${stack.url}/orders/{order_id}   (Authorization: Bearer ${token})
  Health         GET  ${stack.url}/health
  Console             ${stack.url}/console   (log in with the admin token above, named "dev", or one of ADMIN_TOKENS)
  Admin API           ${stack.url}/admin/…   (same token; see docs/console.md)
  OCTO API            ${stack.url}/octo/…   (Authorization: Bearer ${stack.octoDevKey ?? "<a key of OCTO_RESELLER_KEYS>"}; docs/octo.md)
  AX             ${ax}
  DynamoDB Local ${stack.dynamodbEndpoint}  (${data})
  Webhook secret ${secret}
  Status sync    ${sync} (now: npm run cli -- sync run); order.status_changed → ${outbound}

  Try it: npm run demo      Stop: Ctrl-C
`;
}
