// Runs the AX sandbox on its own: `PORT=4010 npx tsx local/ax-sandbox/main.ts` (PORT 0 or unset: a free port).
// AX_API_KEY and AX_CHANNEL_CODE set the credentials it accepts (defaults: sandbox-api-key / sandbox-channel);
// SANDBOX_CONTROL_TOKEN, when set, is required by the control routes. Web pages are refused either way.
import { startAxSandbox } from "./server";

const port = Number(process.env.PORT ?? "0");
if (!Number.isInteger(port) || port < 0 || port > 65535)
  throw new Error(`PORT must be a port number, not ${String(process.env.PORT)}`);

const sandbox = await startAxSandbox({
  port,
  ...(process.env.AX_API_KEY ? { apiKey: process.env.AX_API_KEY } : {}),
  ...(process.env.AX_CHANNEL_CODE ? { channelCode: process.env.AX_CHANNEL_CODE } : {}),
  // The token its /__sandbox/* control routes then require (Authorization: Bearer …).
  ...(process.env.SANDBOX_CONTROL_TOKEN ? { controlToken: process.env.SANDBOX_CONTROL_TOKEN } : {}),
});
console.log(`AX sandbox listening on ${sandbox.url}`);
console.log(`  headers: Authorization: Token ${sandbox.apiKey}   Channel: Code ${sandbox.channelCode}`);
console.log(`  control: ${sandbox.url}/__sandbox/ (faults, answer-shape, orders, create-calls, reset)`);

const shutdown = () => {
  void sandbox.stop().then(() => process.exit(0));
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
