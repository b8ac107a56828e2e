// The operators' OCTO mapping through the CLI, on a real table in DynamoDB Local, checked against the AX sandbox's
// product detail over loopback HTTP.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../local/cli/main";
import { SANDBOX_OCTO_MAPPING } from "../../local/octo";
import { DEV_AX_API_KEY, DEV_AX_CHANNEL_CODE } from "../../local/stack";
import { startAxSandbox, type AxSandbox } from "../../local/ax-sandbox/server";
import { freshTable } from "../support/dynamodb";

describe("npm run cli -- octo …", () => {
  let sandbox: AxSandbox;
  let env: Record<string, string>;
  const run = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await runCli(args, (line) => lines.push(line), env);
    return { code, out: lines.join("\n") };
  };

  beforeAll(async () => {
    const table = await freshTable();
    sandbox = await startAxSandbox({ apiKey: DEV_AX_API_KEY, channelCode: DEV_AX_CHANNEL_CODE });
    env = { TABLE_NAME: table.tableName, AWS_ENDPOINT_URL_DYNAMODB: table.endpoint, AX_BASE_URL: sandbox.url };
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it("imports a mapping whose units are options of their AX products, lists and removes it", async () => {
    expect(await run("octo", "import", SANDBOX_OCTO_MAPPING, "--dry-run")).toMatchObject({ code: 0 });
    expect((await run("octo", "list")).out).toBe("");
    expect(await run("octo", "import", SANDBOX_OCTO_MAPPING)).toEqual({
      code: 0,
      out: `imported 2 OCTO product(s) from ${SANDBOX_OCTO_MAPPING}`,
    });
    expect((await run("octo", "list")).out.split("\n")).toEqual([
      "han-river-day-pass  day-ticket c7a9e0d4-3b2f-4a18-8e6d-5f4c3b2a1d20  options: day (adult, child)",
      "seoul-night-walk  tour 5b1e7a52-1c4f-4f63-9a57-3f0c9d6e2a10  options: standard (adult, child)",
    ]);
    expect(await run("octo", "remove", "seoul-night-walk")).toEqual({
      code: 0,
      out: "removed OCTO product seoul-night-walk",
    });
    expect((await run("octo", "list")).out.split("\n")).toHaveLength(1);
  });

  it("refuses a mapping naming an option its AX product does not have, writing nothing", async () => {
    const mapping = JSON.parse(readFileSync(SANDBOX_OCTO_MAPPING, "utf8")) as {
      options: { units: { ax_option_code: string }[] }[];
    }[];
    const unit = mapping[0]?.options[0]?.units[0];
    if (unit) unit.ax_option_code = "not-an-ax-option";
    const file = join(mkdtempSync(join(tmpdir(), "octo-cli-")), "octo.json");
    writeFileSync(file, JSON.stringify(mapping));
    const before = (await run("octo", "list")).out;
    const refused = await run("octo", "import", file);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(
      "seoul-night-walk/standard/adult: not-an-ax-option is not an option of that AX product",
    );
    expect((await run("octo", "list")).out).toBe(before);
  });
});
