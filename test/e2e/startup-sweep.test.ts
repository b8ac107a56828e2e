// A restart on a big table: the start-up sweep (every event a killed stack left `queued`, queued again) runs in the
// background, as the sweeper runs beside the API in AWS. Before, the stack took no webhook until it was over: minutes
// on a soak's table, past the soak's patience for a restart.
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, describe, expect, inject, it } from "vitest";
import { buildStore } from "../../lib/adapters";
import { readConfig } from "../../lib/config";
import { localClientConfig } from "../../local/dynamodb/emulator";
import { createTable } from "../../local/dynamodb/table";
import { startAxSandbox } from "../../local/ax-sandbox/server";
import { sampleOrderPlaced } from "../../local/samples";
import { DEV_WEBHOOK_SECRET, startLocalStack, type LocalStack } from "../../local/stack";
import { storeEvent } from "../support/worker";
import { signedDelivery } from "../support/webhooks";

const STRANDED = 12;

/** What a killed stack leaves: events stored and acknowledged, that no worker will get (its queue died with it). */
async function leftByAKilledStack(count: number) {
  const endpoint = inject("dynamodbEndpoint");
  const tableName = `e2e-${randomUUID()}`;
  const client = new DynamoDBClient(localClientConfig(endpoint));
  await createTable(client, tableName);
  client.destroy();
  const store = buildStore(
    readConfig({ TABLE_NAME: tableName, AWS_REGION: "local", QUEUE_URL: "local" }),
    localClientConfig(endpoint),
  );
  const stranded: string[] = [];
  for (let n = 0; n < count; n++)
    stranded.push((await storeEvent(store, sampleOrderPlaced(`SWEEP-${randomUUID().slice(0, 8)}`))).webhook_id);
  return { endpoint, tableName, store, stranded };
}

describe("a restart with events left queued", { timeout: 180_000 }, () => {
  let stack: LocalStack | undefined;
  afterAll(async () => {
    await stack?.stop();
  });

  it("takes webhooks at once, queues the stranded events in the background, and applies every one", async () => {
    const { endpoint, tableName, store, stranded } = await leftByAKilledStack(STRANDED);

    // DynamoDB slow while the stack starts (each answer 250 ms late): the sweep's ~3 calls per event take seconds.
    let answerDelayMs = 250;
    const log: string[] = [];
    stack = await startLocalStack({
      env: { AWS_ENDPOINT_URL_DYNAMODB: endpoint, TABLE_NAME: tableName },
      port: 0,
      dynamodbAnswerDelay: () => answerDelayMs,
      log: (line) => log.push(line),
    });
    let sweptAt: number | undefined;
    void stack.startupSweep.then(() => (sweptAt = Date.now()));
    const readyAt = Date.now();

    // Ready before the sweep is over, and a webhook is taken meanwhile.
    const delivery = signedDelivery(sampleOrderPlaced(`SWEEP-NEW-${randomUUID().slice(0, 8)}`), {
      secret: DEV_WEBHOOK_SECRET,
    });
    const answer = await fetch(`${stack.url}/webhooks/orders`, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
    });
    expect(answer.status).toBe(202);
    expect(sweptAt, "the sweep was over before the stack took a webhook").toBeUndefined();

    const report = await stack.startupSweep;
    expect(sweptAt).toBeGreaterThan(readyAt);
    // (The table's stream, read from its start here, brings them to the worker too: whichever comes first.)
    expect(report?.requeued).toBeGreaterThan(0);
    for (const id of report?.requeuedIds ?? []) expect(stranded).toContain(id);
    expect(log.join("\n")).toMatch(/queued again \d+ event\(s\) left unapplied by the last stop \(start-up sweep: /);

    answerDelayMs = 0;
    await stack.settled();
    for (const webhookId of [...stranded, delivery.webhookId])
      expect((await store.getEvent(webhookId))?.status, webhookId).toBe("applied");
  });

  it("is not cut by answers later than the deployed 2 s timeout: it has a patient client of its own", async () => {
    await stack?.stop();
    stack = undefined;
    const { endpoint, tableName } = await leftByAKilledStack(3);
    // An AX of its own: the built-in sandbox's OCTO products would be mapped at start, by the adapter's own store.
    const ax = await startAxSandbox({ port: 0 });
    try {
      const log: string[] = [];
      // Every DynamoDB answer 2.3 s late: the adapter's store (2 s per attempt) gets none of them in time.
      stack = await startLocalStack({
        env: {
          AWS_ENDPOINT_URL_DYNAMODB: endpoint,
          TABLE_NAME: tableName,
          AWS_REQUEST_TIMEOUT_MS: "2000",
          AX_BASE_URL: ax.url,
        },
        port: 0,
        dynamodbAnswerDelay: () => 2_300,
        log: (line) => log.push(line),
      });
      const report = await stack.startupSweep;
      expect(report, log.join("\n")).toBeDefined();
      expect(report?.requeued).toBeGreaterThan(0);
      expect(log.join("\n")).not.toMatch(/start-up sweep (failed|gave up)/);
    } finally {
      await stack?.stop();
      stack = undefined;
      await ax.stop();
    }
  });
});
