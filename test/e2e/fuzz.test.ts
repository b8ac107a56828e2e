// A small, seeded fuzz run inside `npm test` (`npm run fuzz` sends 10,000): signed, mutated webhook bodies and headers
// over loopback HTTP to the local stack, which must answer no 5xx, only 4xx bodies under 64 KiB that name their
// problem, and still serve afterwards.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { DEV_WEBHOOK_SECRET, startLocalStack, type LocalStack } from "../../local/stack";
import { MAX_4XX_BODY_BYTES, fuzzCases, healthAfter, runFuzz, warmUp } from "../../scripts/fuzz-cases";

describe("fuzzing the webhook endpoint", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({
      env: { AWS_ENDPOINT_URL_DYNAMODB: inject("dynamodbEndpoint"), TABLE_NAME: `e2e-fuzz-${randomUUID()}` },
      port: 0,
    });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it("300 seeded cases: no 5xx, every 4xx small and named, the stack healthy afterwards", async () => {
    await warmUp(stack.url, DEV_WEBHOOK_SECRET, 5);
    const cases = fuzzCases(300, 7, DEV_WEBHOOK_SECRET);
    const figures = await runFuzz(stack.url, cases, 8);

    expect(figures.failures).toEqual([]);
    expect(figures.cases).toBe(300);
    expect(Object.keys(figures.byStatus).every((status) => Number(status) < 500)).toBe(true);
    expect(figures.largest4xxBytes).toBeLessThanOrEqual(MAX_4XX_BODY_BYTES);
    // The mix reached every layer: accepted, refused for the signature, the size, and the body.
    for (const status of ["202", "400", "401", "413"]) expect(figures.byStatus[status], status).toBeGreaterThan(0);
    expect(await healthAfter(stack.url, DEV_WEBHOOK_SECRET)).toEqual({ health: 200, validWebhook: 202 });
  }, 120_000);
});
