// `npm run fuzz -- [--cases 10000] [--seed 12] [--parallel 16]`: signed, mutated webhook bodies and headers sent to
// the local stack over loopback HTTP (in-memory DynamoDB Local, the AX sandbox), checking that none gets a 5xx,
// that every 4xx body is at most 64 KiB and names its problem, and that the stack still serves afterwards. Prints
// its figures; exits 1 when any of these promises is broken.
import "../local/quiet-node20";
import "./quiet-logs";
import { parseArgs } from "node:util";
import { DEV_WEBHOOK_SECRET, startLocalStack } from "../local/stack";
import { fuzzCases, healthAfter, runFuzz, warmUp } from "./fuzz-cases";

const { values } = parseArgs({
  options: {
    cases: { type: "string", default: "10000" },
    seed: { type: "string", default: "12" },
    parallel: { type: "string", default: "16" },
  },
});
const count = Number(values.cases);
const seed = Number(values.seed);

const stack = await startLocalStack({ port: 0, env: { ...process.env, WEBHOOK_SECRET: DEV_WEBHOOK_SECRET } });
let exitCode = 1;
try {
  await warmUp(stack.url, DEV_WEBHOOK_SECRET);
  const cases = fuzzCases(count, seed, DEV_WEBHOOK_SECRET);
  console.log(`fuzz: ${cases.length} cases (seed ${seed}) against ${stack.url}, ${values.parallel} at a time`);
  const figures = await runFuzz(stack.url, cases, Number(values.parallel));
  const after = await healthAfter(stack.url, DEV_WEBHOOK_SECRET);
  const statuses = Object.entries(figures.byStatus)
    .map(([status, n]) => `${status}: ${n}`)
    .join(", ");
  const kinds = Object.entries(figures.byKind)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
  const fiveHundreds = Object.entries(figures.byStatus)
    .filter(([status]) => Number(status) >= 500)
    .reduce((sum, [, n]) => sum + n, 0);
  console.log(`sent      ${figures.cases} in ${(figures.durationMs / 1000).toFixed(1)} s`);
  console.log(`answers   ${statuses}`);
  console.log(`bodies    ${kinds}`);
  console.log(`5xx       ${fiveHundreds}`);
  console.log(`largest 4xx body  ${figures.largest4xxBytes} bytes (limit 65536)`);
  console.log(`broken promises   ${figures.failures.length}`);
  for (const failure of figures.failures.slice(0, 20))
    console.log(`  ${failure.status} ${failure.kind}: ${failure.problem}`);
  console.log(`after     GET /health ${after.health}, a valid webhook ${after.validWebhook}`);
  const healthy = after.health === 200 && after.validWebhook === 202;
  exitCode = figures.failures.length === 0 && healthy && figures.cases === count ? 0 : 1;
  console.log(exitCode === 0 ? "fuzz: every promise held" : "fuzz: FAILED");
} finally {
  await stack.stop();
}
process.exit(exitCode);
