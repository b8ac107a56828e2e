// The sweeper's mark under the deployed stage's timeouts (scaled down): a mark that landed while DynamoDB's answer
// was lost is this sweeper's, so the stranded event is queued, not skipped until the next run.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { startLatencyProxy, type LatencyProxy } from "../../local/dynamodb/latency-proxy";
import { sampleOrderPlaced } from "../../local/samples";
import { freshTable, type TestTable } from "../support/dynamodb";
import { faultyStore } from "../support/dynamodb-faults";
import { storeEvent } from "../support/worker";

describe("the sweeper's mark", () => {
  let table: TestTable;
  let proxy: LatencyProxy;
  let plain: DynamoStore;
  beforeAll(async () => {
    table = await freshTable();
    proxy = await startLatencyProxy({ upstream: table.endpoint });
    plain = new DynamoStore(table.doc, table.tableName);
  });
  afterAll(async () => {
    await proxy.close();
  });

  const storedEvent = async () => {
    const message = await storeEvent(plain, sampleOrderPlaced(`M-${randomUUID().slice(0, 8)}`));
    const event = await plain.getEvent(message.webhook_id);
    if (!event) throw new Error("stored event missing");
    return event;
  };

  it("holds the event when its answer came too late and the SDK's retry met the mark it had landed", async () => {
    const event = await storedEvent();
    const slow = faultyStore(proxy.endpoint, table.tableName, () => undefined, 300).store;
    let chunks = 0;
    proxy.setAnswerDelay(() => (chunks++ === 0 ? 800 : 0));
    expect(await slow.markSwept(event, new Date())).toBe(true);
    proxy.setAnswerDelay(() => 0);
    expect(proxy.delayedChunks()).toBeGreaterThan(0);
    expect((await plain.getEvent(event.webhook_id))?.updated_at).not.toBe(event.updated_at);
  });

  it("holds the event when the mark landed and the answer timed out", async () => {
    const event = await storedEvent();
    const { store, faults } = faultyStore(table.endpoint, table.tableName, (command) =>
      command === "UpdateItemCommand" ? "timeout_after_landing" : undefined,
    );
    expect(await store.markSwept(event, new Date())).toBe(true);
    expect(faults()).toBe(1);
  });

  it("does not hold an event another sweeper marked first, and never shows the mark in the event", async () => {
    const event = await storedEvent();
    expect(await plain.markSwept(event, new Date())).toBe(true);
    expect(await plain.markSwept(event, new Date())).toBe(false);
    expect(await plain.getEvent(event.webhook_id)).not.toHaveProperty("swept_mark");
  });
});
