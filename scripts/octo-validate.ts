// Drives an already-running OCTO validator backend (octotravel/validator, started by its own README with its
// Postgres; docs/octo.md says how) against the local stack's OCTO API, prints every flow and each scenario that is
// not a plain success, and exits 1 on any failed scenario or an answer it cannot read. Both URLs must be on this
// machine: the validator is pointed at nothing else.
//
//   npm run octo:validate -- --validator http://127.0.0.1:13000 [--octo http://127.0.0.1:3000/octo] [--key KEY]
import { parseArgs } from "node:util";
import * as v from "valibot";
import { DEV_OCTO_KEY } from "../local/octo";

const ScenarioSchema = v.object({
  name: v.string(),
  validationResult: v.picklist(["SUCCESS", "WARNING", "FAILED"]),
  errors: v.array(v.object({ type: v.string(), message: v.string() })),
});
const ResultSchema = v.array(v.object({ name: v.string(), scenarios: v.array(ScenarioSchema) }));

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

function loopbackUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${what} must be a URL, got ${JSON.stringify(value)}`);
  }
  if (!LOOPBACK.has(url.hostname)) throw new Error(`${what} must be on this machine (127.0.0.1), got ${url.hostname}`);
  return value.replace(/\/+$/, "");
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      validator: { type: "string" },
      octo: { type: "string", default: `http://127.0.0.1:${process.env.PORT ?? "3000"}/octo` },
      key: { type: "string", default: process.env.OCTO_KEY ?? DEV_OCTO_KEY },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help || !values.validator) {
    console.log(
      "usage: npm run octo:validate -- --validator http://127.0.0.1:PORT [--octo http://127.0.0.1:3000/octo] [--key KEY]",
    );
    return values.help ? 0 : 2;
  }
  const validator = loopbackUrl(values.validator, "--validator");
  const octo = loopbackUrl(values.octo, "--octo");
  const started = Date.now();
  const response = await fetch(`${validator}/supplier/validate`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ backend: { endpoint: octo, headers: { Authorization: `Bearer ${values.key}` } } }),
    signal: AbortSignal.timeout(300_000),
  });
  const text = await response.text();
  let parsed: v.SafeParseResult<typeof ResultSchema>;
  try {
    parsed = v.safeParse(ResultSchema, JSON.parse(text));
  } catch {
    console.error(`the validator answered HTTP ${response.status} with no JSON: ${text.slice(0, 300)}`);
    return 1;
  }
  if (!parsed.success) {
    console.error(`the validator answered HTTP ${response.status}, not a list of flows: ${text.slice(0, 500)}`);
    return 1;
  }
  let scenarios = 0;
  let failed = 0;
  let warnings = 0;
  for (const flow of parsed.output) {
    const counts = { SUCCESS: 0, WARNING: 0, FAILED: 0 };
    for (const scenario of flow.scenarios) counts[scenario.validationResult]++;
    console.log(
      `${flow.name}: ${flow.scenarios.length} scenarios, ${counts.FAILED} failed, ${counts.WARNING} warnings`,
    );
    for (const scenario of flow.scenarios.filter((s) => s.validationResult !== "SUCCESS"))
      for (const error of scenario.errors)
        console.log(`  ${scenario.validationResult} ${scenario.name}: [${error.type}] ${error.message}`);
    scenarios += flow.scenarios.length;
    failed += counts.FAILED;
    warnings += counts.WARNING;
  }
  console.log(
    `\n${parsed.output.length} flows, ${scenarios} scenarios, ${failed} failed, ${warnings} warnings (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  return failed === 0 && parsed.output.length > 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
