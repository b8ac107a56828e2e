// The operations CLI against a real table in DynamoDB Local.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../local/cli/main";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { freshTable, type TestTable } from "../support/dynamodb";

describe("npm run cli -- products …", () => {
  let table: TestTable;
  let env: Record<string, string>;
  const run = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await runCli(args, (line) => lines.push(line), env);
    return { code, out: lines.join("\n") };
  };

  beforeAll(async () => {
    table = await freshTable();
    env = { TABLE_NAME: table.tableName, AWS_ENDPOINT_URL_DYNAMODB: table.endpoint };
  });

  it("adds, lists, imports and removes mappings, which the worker's catalog then finds", async () => {
    expect(await run("products", "add", "TOUR-1", "tour", "map-1", "opt-1")).toMatchObject({ code: 0 });
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    const file = join(dir, "products.csv");
    writeFileSync(
      file,
      "sku,product_type,mapping_code,option_code\nDAY-1,day-ticket,map-2,opt-2\nDAY-2,day-ticket,map-3,opt-3\n",
    );
    expect(await run("products", "import", file)).toEqual({ code: 0, out: `imported 2 mapping(s) from ${file}` });

    const listed = await run("products", "list");
    expect(listed.out.split("\n")).toEqual([
      "sku,product_type,mapping_code,option_code",
      "DAY-1,day-ticket,map-2,opt-2",
      "DAY-2,day-ticket,map-3,opt-3",
      "TOUR-1,tour,map-1,opt-1",
    ]);

    expect(await run("products", "remove", "DAY-2")).toEqual({ code: 0, out: "removed DAY-2" });
    expect(await run("products", "remove", "DAY-2")).toEqual({ code: 0, out: "no mapping for DAY-2" });
    const catalog = new DynamoStore(table.doc, table.tableName);
    const found = await catalog.findMappings(["TOUR-1", "DAY-1", "DAY-2"]);
    expect([...found.keys()].sort()).toEqual(["DAY-1", "TOUR-1"]);
  });

  it("refuses a bad mapping before writing anything", async () => {
    await expect(run("products", "add", "X", "boat", "m", "o")).rejects.toThrow(/product_type/);
    expect((await run("products", "list")).out).not.toContain("X,boat");
  });

  it("prints the usage for an unknown command, with a non-zero exit code", async () => {
    const answer = await run("nonsense");
    expect(answer.code).toBe(2);
    expect(answer.out).toContain("usage: npm run cli");
  });
});
