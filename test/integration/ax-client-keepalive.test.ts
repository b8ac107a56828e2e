// A kept-alive socket that the server closed while idle: a GET or PATCH on it fails before AX read anything, and
// the client sends it again on a fresh connection instead of reporting an unknown outcome.
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AxClient } from "../../lib/ax/client";

describe("AxClient on a stale kept-alive connection", () => {
  let server: Server;
  let url: string;
  const perSocket = new Map<Socket, number>();
  let answered = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const count = (perSocket.get(request.socket) ?? 0) + 1;
      perSocket.set(request.socket, count);
      // The second request on a connection meets a server that has just closed it.
      if (count === 2) {
        request.socket.destroy();
        return;
      }
      answered++;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          channel_order_code: "CH-1",
          channel_order_status: "Traveler cancel",
          ax_order_code: "ax-1",
          ax_order_status: "Traveler cancel",
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("re-sends a PATCH whose reused socket was closed, and gets AX's answer", async () => {
    const client = new AxClient({ baseUrl: url, credentials: { apiKey: "k", channelCode: "c" }, timeoutMs: 2000 });
    const body = { channel_status: "Traveler cancel" as const };
    await client.cancelOrder("tour", "ax-1", body);
    const second = await client.cancelOrder("tour", "ax-1", body);
    expect(second.ax_order_status).toBe("Traveler cancel");
    expect(answered).toBe(2);
    expect([...perSocket.values()].sort()).toEqual([1, 2]);
    client.close();
  });
});
