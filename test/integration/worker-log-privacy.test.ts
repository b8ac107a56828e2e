// No traveler's personal data in the worker's log lines: through the worker exactly as the Lambda builds it
// (functions/process-event.ts `workerDeps`), DynamoDB Local and the AX sandbox over loopback HTTP.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProcessEventHandler, workerDeps } from "../../functions/process-event";
import { readConfig } from "../../lib/config";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { startAxSandbox, type AxSandbox } from "../../local/ax-sandbox/server";
import { sampleOrderPlaced } from "../../local/samples";
import { freshTable } from "../support/dynamodb";
import { captureLogs } from "../support/logs";
import { sqsEvent, storeEvent } from "../support/worker";

describe("personal data and the worker's log lines", () => {
  let sandbox: AxSandbox;
  let store: DynamoStore;
  let worker: ReturnType<typeof createProcessEventHandler>;

  beforeAll(async () => {
    const table = await freshTable();
    store = new DynamoStore(table.doc, table.tableName);
    sandbox = await startAxSandbox({ port: 0 });
    const config = readConfig({
      TABLE_NAME: table.tableName,
      AX_BASE_URL: sandbox.url,
      AX_API_KEY: sandbox.apiKey,
      AX_CHANNEL_CODE: sandbox.channelCode,
    });
    worker = createProcessEventHandler(workerDeps(config, store));
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  /** The worker's JSON log lines while one stored event is processed. */
  const linesOf = async (orderId: string, before?: () => void) => {
    const message = await storeEvent(store, sampleOrderPlaced(orderId));
    before?.();
    const logs = captureLogs();
    try {
      await worker(sqsEvent(message));
    } finally {
      logs.restore();
    }
    return logs.lines
      .join("")
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  };

  it("an `AX call` line holds ids and codes, never the attempt log's requests of the event's earlier AX calls", async () => {
    // The sample order sells two product families: two AX creates, the second after the first's entry is gathered.
    const orderId = `PV-${randomUUID().slice(0, 8)}`;
    const lines = await linesOf(orderId);
    const axCalls = lines.filter((line) => line.message === "AX call");
    expect(axCalls).toHaveLength(2);
    for (const line of axCalls) {
      expect(line).not.toHaveProperty("attempts");
      expect(line).toMatchObject({ order_id: orderId, endpoint: "create", http_status: 201 });
      const text = JSON.stringify(line);
      expect(text).not.toContain("purchaser");
      expect(text).not.toContain("@example.com");
    }
    // The attempt log still has both calls, masked (what the console shows on demand).
    const entries = await store.listAttempts(orderId, 50);
    expect(entries.filter((entry) => entry.kind === "ax_call")).toHaveLength(2);
  });

  it("AX's JSON error answer that echoes the traveler is masked in the log line and in the attempt log's summary", async () => {
    const orderId = `PV-${randomUUID().slice(0, 8)}`;
    const lines = await linesOf(orderId, () =>
      sandbox.injectFault({
        endpoint: "create",
        channelOrderCode: orderId,
        productType: "tour",
        kind: "answer",
        status: 503,
        body: {
          detail: "temporarily unavailable",
          purchaser: { name: "Kim Minji", email: "minji@example.com", phone: "01012345678" },
        },
        times: 1,
      }),
    );
    const retried = lines.find((line) => line.message === "event will be retried");
    expect(retried).toBeDefined();
    const text = JSON.stringify(retried);
    expect(text).toContain("temporarily unavailable");
    for (const personal of ["Kim Minji", "minji@example.com", "01012345678"]) expect(text).not.toContain(personal);

    const entries = await store.listAttempts(orderId, 50);
    const call = entries.find((entry) => entry.kind === "ax_call" && entry.http_status === 503);
    expect(call?.answer).toContain("m••••@example.com");
    for (const personal of ["Kim Minji", "minji@example.com", "01012345678"]) {
      expect(call?.summary).not.toContain(personal);
      expect(call?.answer).not.toContain(personal);
    }
  });
});
