// DynamoDB Local listens on 127.0.0.1 only (issue 12, finding 12): its own jar listens on every interface.
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDynamoDbLocal, type RunningDynamoDb } from "../../local/dynamodb/emulator";

/** The local addresses of this machine's listening TCP sockets on a port, from Linux's /proc/net/tcp{,6}. */
function listeningAddresses(port: number): string[] {
  const addresses: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const [, local = "", , state] = line.trim().split(/\s+/);
      const [hexAddress = "", hexPort = ""] = local.split(":");
      if (state === "0A" && Number.parseInt(hexPort, 16) === port) addresses.push(hexAddress);
    }
  }
  return addresses;
}

const LOOPBACK_V4 = "0100007F"; // 127.0.0.1, little-endian
const LOOPBACK_V4_MAPPED = "0000000000000000FFFF00000100007F"; // ::ffff:127.0.0.1

const reachable = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      resolve(false);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });

describe("DynamoDB Local", () => {
  let dynamodb: RunningDynamoDb;
  beforeAll(async () => {
    dynamodb = await startDynamoDbLocal();
  }, 60_000);
  afterAll(async () => {
    await dynamodb.stop();
  });

  it("listens on the loopback address only", () => {
    const addresses = listeningAddresses(dynamodb.port);
    if (addresses.length === 0) return; // not Linux: the connection test below still holds
    expect(addresses.every((address) => address === LOOPBACK_V4 || address === LOOPBACK_V4_MAPPED)).toBe(true);
  });

  it("answers on 127.0.0.1 and refuses this machine's other addresses", async () => {
    expect(await reachable("127.0.0.1", dynamodb.port)).toBe(true);
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((entry) => entry !== undefined && !entry.internal && entry.family === "IPv4")
      .map((entry) => entry?.address ?? "");
    for (const address of others) expect(await reachable(address, dynamodb.port), address).toBe(false);
  });
});
