// GET /orders/{order_id}: the admin token's comparison and the token store's failures (issue 12, finding 9).
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createGetOrderHandler } from "../../functions/get-order";
import { SecretReader, secretDigest, secretsEqual } from "../../lib/secrets";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { freshTable } from "../support/dynamodb";
import { apiEvent } from "../support/webhooks";

const TOKEN = "the-admin-token-of-this-test-0123456789";

const request = (authorization?: string) =>
  apiEvent("GET", "/orders/NONE", {
    headers: authorization === undefined ? {} : { authorization },
    pathParameters: { order_id: "NONE" },
  });

describe("the admin token comparison", () => {
  it("compares 32-byte digests, whatever the lengths presented", () => {
    for (const value of ["", "x", TOKEN, "y".repeat(100_000)]) expect(secretDigest(value)).toHaveLength(32);
    expect(secretsEqual(TOKEN, TOKEN)).toBe(true);
    expect(secretsEqual(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(secretsEqual(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(secretsEqual("", TOKEN)).toBe(false);
  });
});

describe("GET /orders/{order_id}", () => {
  let store: DynamoStore;
  beforeAll(async () => {
    const table = await freshTable();
    store = new DynamoStore(table.doc, table.tableName);
  });

  it("401 for a missing or wrong token, whatever its length; 404 past the token for an unknown order", async () => {
    const handler = createGetOrderHandler({ reader: store, adminToken: () => Promise.resolve(TOKEN) });
    for (const authorization of [undefined, "Bearer x", `Bearer ${TOKEN}x`, `Bearer ${"a".repeat(TOKEN.length)}`])
      expect((await handler(request(authorization))).statusCode).toBe(401);
    expect((await handler(request(`Bearer ${TOKEN}`))).statusCode).toBe(404);
  });

  it("503, never a 500, when the token cannot be read", async () => {
    const handler = createGetOrderHandler({
      reader: store,
      adminToken: () => Promise.reject(new Error("SSM unreachable")),
    });
    const answer = await handler(request(`Bearer ${TOKEN}`));
    expect(answer.statusCode).toBe(503);
    expect(JSON.parse(answer.body ?? "{}")).toEqual({
      error: "unavailable",
      message: "the adapter could not take the request; please retry",
    });
  });

  describe("with SSM not answering", () => {
    let server: Server;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      // Accepts connections and never answers: the SSM client's own timeouts must end the wait.
      server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      vi.stubEnv("AWS_ENDPOINT_URL_SSM", `http://127.0.0.1:${port}`);
      vi.stubEnv("AWS_REGION", "ap-northeast-2");
      vi.stubEnv("AWS_ACCESS_KEY_ID", "test");
      vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
    });
    afterAll(async () => {
      vi.unstubAllEnvs();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it("answers 503 within a few seconds", async () => {
      const secrets = new SecretReader({ ADMIN_TOKEN_PARAM: "/ax-channel-adapter/test/admin-token" });
      const handler = createGetOrderHandler({ reader: store, adminToken: () => secrets.get("ADMIN_TOKEN") });
      const started = performance.now();
      const answer = await handler(request(`Bearer ${TOKEN}`));
      expect(answer.statusCode).toBe(503);
      expect(performance.now() - started).toBeLessThan(8_000);
    }, 20_000);
  });
});
