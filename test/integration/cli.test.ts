// The operations CLI against a real table in DynamoDB Local.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { newOrder } from "../../lib/orders/order-state";
import { AdminDynamoStore } from "../../lib/store/admin-store";
import { sampleOrderPlaced } from "../../local/samples";
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
    expect(await run("products", "import", file)).toEqual({
      code: 0,
      out: `imported 2 mapping(s) from ${file}: 2 new, 0 changed`,
    });

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

  it("indexes orders stored before search entries existed, so a look-up finds them", async () => {
    const store = new AdminDynamoStore(table.doc, table.tableName);
    const orderId = `OLD-${randomUUID().slice(0, 6)}`;
    const body = JSON.stringify(sampleOrderPlaced(orderId));
    const at = new Date().toISOString();
    await store.putEvent({
      webhook_id: `msg_${randomUUID()}`,
      type: "order.placed",
      order_id: orderId,
      body,
      body_sha256: createHash("sha256").update(body).digest("hex"),
      status: "applied",
      received_at: at,
      updated_at: at,
      attempts: 1,
    });
    await store.commit({
      order: { ...newOrder(orderId, new Date(at)), status: "placed", version: 1 },
      expectedVersion: undefined,
    });
    const byEmail = () => store.searchOrders({ email: "JUN@example.com", limit: 25 }, new Date());
    expect((await byEmail()).items.map((o) => o.order_id)).not.toContain(orderId);
    const answer = await run("search", "reindex");
    expect(answer.code).toBe(0);
    expect(answer.out).toMatch(/^reindexed \d+ order\(s\): \d+ search entries written$/);
    expect((await byEmail()).items.map((o) => o.order_id)).toContain(orderId);
  });

  it("refuses a bad mapping before writing anything", async () => {
    await expect(run("products", "add", "X", "boat", "m", "o")).rejects.toThrow(/product_type/);
    expect((await run("products", "list")).out).not.toContain("X,boat");
  });

  it("prints the usage for an unknown command, with a non-zero exit code and a hint", async () => {
    const answer = await run("nonsense");
    expect(answer.code).toBe(2);
    expect(answer.out).toContain("usage: npm run cli");
    expect((await run("prodcts", "list")).out).toContain('error: unknown command "prodcts"; did you mean "products"?');
    expect((await run("products", "lst")).out).toContain('did you mean "products list"?');
  });

  it("answers --help for the whole CLI and for each command with exit code 0", async () => {
    expect(await run("--help")).toMatchObject({ code: 0, out: expect.stringContaining("products import") as string });
    const help = await run("events", "replay", "--help");
    expect(help.code).toBe(0);
    expect(help.out).toContain("usage: npm run cli -- events replay");
    expect(help.out).toContain("--confirm <value>");
  });

  it("refuses an unknown flag, naming it and where to look", async () => {
    expect(await run("products", "list", "--jsn")).toEqual({
      code: 2,
      out: "error: Unknown option '--jsn' (npm run cli -- products list --help)",
    });
    expect((await run("products", "remove")).code).toBe(2);
  });

  it("prints lists as JSON with --json", async () => {
    await run("products", "add", "JSON-1", "tour", "m", "o");
    const listed = await run("products", "list", "--json", "--prefix", "JSON-");
    expect(JSON.parse(listed.out)).toEqual([
      { sku: "JSON-1", product_type: "tour", mapping_code: "m", option_code: "o" },
    ]);
    expect(JSON.parse((await run("events", "list", "--json")).out)).toEqual([]);
    expect(JSON.parse((await run("audit", "list", "--json")).out)).toContainEqual(
      expect.objectContaining({
        action: "add_mapping",
        target: "JSON-1",
        actor: expect.stringMatching(/^cli/) as string,
      }),
    );
  });

  it("says plainly what is wrong with a file: missing, wrong CSV header, bad rows and duplicate skus", async () => {
    await expect(run("products", "import", "/no/such/products.csv")).rejects.toThrow(
      "cannot read /no/such/products.csv: no such file",
    );
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    const header = join(dir, "header.csv");
    writeFileSync(header, "sku,type,mapping_code,option_code\nA,tour,m,o\n");
    await expect(run("products", "import", header)).rejects.toThrow(
      `${header}: the CSV header must be sku,product_type,mapping_code,option_code; missing: product_type; unknown: type`,
    );
    const rows = join(dir, "rows.csv");
    writeFileSync(
      rows,
      "sku,product_type,mapping_code,option_code\nDUP-1,tour,m,o\nDUP-2,boat,m,o\nDUP-1,tour,m2,o2\n",
    );
    expect(await run("products", "import", rows)).toEqual({
      code: 1,
      out: [
        `${rows} line 3: product_type must be "tour" or "day-ticket"`,
        `${rows} line 4: sku DUP-1 is also on row 2`,
        "nothing imported: 2 of 3 row(s) need fixing",
      ].join("\n"),
    });
    expect((await run("products", "list", "--prefix", "DUP-")).out).toBe("sku,product_type,mapping_code,option_code");
  });
});
