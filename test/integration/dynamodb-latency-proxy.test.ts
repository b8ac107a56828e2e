// The latency proxy reproduces what the deployed 2 s timeout meets on a busy day: a write that lands while its
// answer comes too late, so the SDK's retry of the same conditional write fails against its own first attempt.
import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { connect, createServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsClientSettings } from "../../lib/aws-timeouts";
import { localClientConfig } from "../../local/dynamodb/emulator";
import { slowShare, slowSpells, startLatencyProxy, type LatencyProxy } from "../../local/dynamodb/latency-proxy";
import { freshTable, type TestTable } from "../support/dynamodb";

describe("DynamoDB latency proxy", () => {
  let table: TestTable;
  let proxy: LatencyProxy;
  beforeAll(async () => {
    table = await freshTable();
    proxy = await startLatencyProxy({ upstream: table.endpoint });
  });
  afterAll(async () => {
    await proxy.close();
  });

  const slowClient = () =>
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        ...localClientConfig(proxy.endpoint),
        ...awsClientSettings({ connectMs: 1_000, requestMs: 300 }),
      }),
    );

  it("delays the share of answers it is told to", () => {
    const draws = [0.1, 0.6, 0.2, 0.9];
    const rule = slowShare(0.5, 700, () => draws.shift() ?? 1);
    expect([rule(), rule(), rule(), rule()]).toEqual([700, 0, 700, 0]);
  });

  it("delays answers only during its slow spells, by a delay within the spell's range", () => {
    let clock = 0;
    const draws = [0.1, 0.5, 0.9, 0.1, 0.5];
    const rule = slowSpells(
      { everyMs: 1_000, spellMs: 200, share: 0.5, minMs: 1_500, maxMs: 3_500 },
      () => draws.shift() ?? 1,
      () => clock,
    );
    expect(rule()).toBe(2_500); // in the spell, drawn (0.1 < 0.5), then 1,500 + 0.5 × 2,000
    expect(rule()).toBe(0); // in the spell, not drawn (0.9)
    clock = 500;
    expect(rule()).toBe(0); // between spells: nothing drawn, nothing delayed
    clock = 1_100;
    expect(rule()).toBe(2_500); // the next spell
  });

  it("passes answers through unchanged when no delay is set", async () => {
    proxy.setAnswerDelay(() => 0);
    const doc = slowClient();
    await doc.send(new PutCommand({ TableName: table.tableName, Item: { pk: "FAST", sk: "A", n: 1 } }));
    const read = await doc.send(new GetCommand({ TableName: table.tableName, Key: { pk: "FAST", sk: "A" } }));
    expect(read.Item).toEqual({ pk: "FAST", sk: "A", n: 1 });
  });

  it("lets a write land while its answer misses the client's timeout, so the SDK's retry meets its own write", async () => {
    // The first answer is late (past the 300 ms timeout); the retry's answer is on time.
    let answers = 0;
    proxy.setAnswerDelay(() => (answers++ === 0 ? 800 : 0));
    const doc = slowClient();
    const write = doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { pk: "SLOW", sk: "A", token: "first" },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    await expect(write).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    proxy.setAnswerDelay(() => 0);
    const stored = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: { pk: "SLOW", sk: "A" } }));
    expect(stored.Item?.token).toBe("first");
    expect(proxy.delayedChunks()).toBeGreaterThan(0);
  });

  it("keeps an answer's chunks in order whatever their delays (a chunk never overtakes the one before it)", async () => {
    // An upstream that answers in 300 small chunks, each its own `data` event at the proxy.
    const upstream = createServer((socket) => {
      void (async () => {
        for (let n = 0; n < 300; n++) {
          socket.write(`${n},`);
          await new Promise((resolve) => setImmediate(resolve));
        }
        socket.end();
      })();
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const { port } = upstream.address() as AddressInfo;
    // Delays of 0–3 ms: chunks due in the same millisecond, which one timer per chunk delivered out of order.
    const jittery = await startLatencyProxy({
      upstream: `http://127.0.0.1:${port}`,
      answerDelayMs: () => Math.floor(Math.random() * 4),
    });
    try {
      const received = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(jittery.endpoint).port), "127.0.0.1");
        let text = "";
        socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
        socket.on("close", () => resolve(text));
        socket.on("error", reject);
      });
      expect(received).toBe(Array.from({ length: 300 }, (_, n) => `${n},`).join(""));
      expect(jittery.delayedChunks()).toBeGreaterThan(0);
    } finally {
      await jittery.close();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });
});
