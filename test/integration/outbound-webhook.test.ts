// The outbound sender against real HTTP endpoints on loopback that misbehave (issue 12, finding 5): answers are
// read up to a small cap and never decompressed, and a failed attempt's error holds no secret of the URL.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { readConfig } from "../../lib/config";
import { ANSWER_READ_MAX_BYTES, OutboundWebhookSender } from "../../lib/outbound/webhook-sender";
import { RECEIVER_SECRET } from "../support/receiver";

const clock = { now: () => new Date() };
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server whose answer the test writes; records the request headers and how many answer bytes it got out. */
async function endpoint(
  answer: (write: (chunk: Buffer) => boolean, end: () => void, setHeaders: (h: Record<string, string>) => void) => void,
) {
  const seen: { headers?: IncomingHttpHeaders } = {};
  const server = createServer((request, response) => {
    seen.headers = request.headers;
    request.resume();
    request.on("end", () => {
      answer(
        (chunk) => response.write(chunk),
        () => response.end(),
        (headers) => response.writeHead(200, headers),
      );
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, seen };
}

const sender = (url: string, timeoutMs = 3_000) =>
  new OutboundWebhookSender({ url, secret: () => Promise.resolve(RECEIVER_SECRET), timeoutMs, clock });

describe("OutboundWebhookSender", () => {
  it("asks for no compression and stops reading an endless answer after a few KiB", async () => {
    let written = 0;
    const { url, seen } = await endpoint((write, _end, setHeaders) => {
      setHeaders({ "content-type": "text/plain" });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        if (written > 512 * 1024 * 1024) return;
        written += chunk.length;
        if (write(chunk)) setImmediate(pump);
        else setTimeout(pump, 5);
      };
      pump();
    });
    const started = performance.now();
    const result = await sender(url).send({ id: "ntf_1", body: "{}" });
    expect(result).toEqual({ ok: true, status: 200 });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(seen.headers?.["accept-encoding"]).toBe("identity");
    expect(ANSWER_READ_MAX_BYTES).toBeLessThanOrEqual(8 * 1024);
  });

  it("never decompresses a compressed answer (a gzip bomb is a few KiB of bytes left unread)", async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const { url } = await endpoint((write, end, setHeaders) => {
      setHeaders({ "content-encoding": "gzip", "content-length": String(bomb.length) });
      write(bomb);
      end();
    });
    const before = process.memoryUsage().arrayBuffers;
    expect(await sender(url).send({ id: "ntf_2", body: "{}" })).toEqual({ ok: true, status: 200 });
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
  });

  it("stores an error that names a code, never the URL or what it holds", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const result = await sender(`http://127.0.0.1:${port}/hook?token=s3cr3t-in-the-query`).send({
      id: "n",
      body: "{}",
    });
    expect(result).toEqual({ ok: false, error: "connection failed (ECONNREFUSED)" });
  });
});

describe("OUTBOUND_WEBHOOK_URL", () => {
  const url = (value: string) => () => readConfig({ OUTBOUND_WEBHOOK_URL: value }).outboundWebhookUrl;

  it("must be https outside this machine", () => {
    expect(url("https://channel.example.com/hooks")()).toBe("https://channel.example.com/hooks");
    expect(url("http://channel.example.com/hooks")).toThrow(/must be an https URL \(plain http only to 127.0.0.1/);
    expect(url("http://127.0.0.1:8080/hooks")()).toBe("http://127.0.0.1:8080/hooks");
    expect(url("http://localhost:8080/hooks")()).toBe("http://localhost:8080/hooks");
  });

  it("refuses credentials in the URL, without repeating them", () => {
    for (const value of ["https://user:p4ssw0rd@channel.example.com/hooks", "https://p4ssw0rd@channel.example.com/"]) {
      let message = "";
      try {
        url(value)();
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/must not hold a user name or password/);
      expect(message).not.toContain("p4ssw0rd");
    }
  });
});
