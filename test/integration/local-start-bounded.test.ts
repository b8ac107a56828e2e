// The local stack's start never waits without end for DynamoDB: a DynamoDB Local whose JVM is busy takes the
// connection and answers nothing; each of the start's calls (and the readiness probe) is bounded and tried again.
import { createServer, type Server, type Socket } from "node:net";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { localClientConfig } from "../../local/dynamodb/emulator";

describe("the start-up's DynamoDB client", () => {
  let silent: Server | undefined;
  const held: Socket[] = [];
  afterEach(async () => {
    for (const socket of held.splice(0)) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  it("gives up on a DynamoDB that takes the connection and never answers, instead of waiting for good", async () => {
    // What DynamoDB Local looks like while its JVM is busy: the port listens, no answer comes.
    silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent?.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const client = new DynamoDBClient(
      localClientConfig(`http://127.0.0.1:${port}`, { connectMs: 500, requestMs: 300 }),
    );
    const started = Date.now();
    await expect(client.send(new ListTablesCommand({}))).rejects.toThrow(/timeout/i);
    expect(Date.now() - started).toBeLessThan(5_000); // two attempts of 300 ms, not the test's own timeout
    client.destroy();
  });
});
