// A real HTTP endpoint on loopback that plays the channel receiving the adapter's outbound webhooks: it records every
// delivery, checks its Standard Webhooks signature with the adapter's own verifier, and answers what the test says.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyWebhook, type WebhookVerification } from "../../lib/channel/signature";

export const RECEIVER_SECRET = "whsec_Y2hhbm5lbC1zaWRlLXNlY3JldC1mb3Itc3RhdHVzLWV2ZW50cw==";

export interface ReceivedWebhook {
  headers: Record<string, string | undefined>;
  body: string;
  verification: WebhookVerification;
  answered: number | "hang";
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** What the next deliveries get, in order; afterwards `fallback` (default 200). */
  answers: (number | "hang")[];
  fallback: number | "hang";
  /** The time signatures are checked against (tests that move a clock move this too). */
  now: () => Date;
  /** The payloads verified and answered 2xx. */
  accepted(): unknown[];
  /** Resolves once `count` deliveries were received. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startReceiver(secret = RECEIVER_SECRET): Promise<Receiver> {
  const hanging: ServerResponse[] = [];
  const receiver: Receiver = {
    url: "",
    received: [],
    answers: [],
    fallback: 200,
    now: () => new Date(),
    accepted: () =>
      receiver.received
        .filter((r) => r.verification.ok && typeof r.answered === "number" && r.answered < 300)
        .map((r) => JSON.parse(r.body) as unknown),
    waitFor: async (count, timeoutMs = 5_000) => {
      const until = Date.now() + timeoutMs;
      while (receiver.received.length < count) {
        if (Date.now() > until) throw new Error(`only ${receiver.received.length} of ${count} webhooks arrived`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(request.headers))
        headers[name] = Array.isArray(value) ? value.join(",") : value;
      const answered = receiver.answers.shift() ?? receiver.fallback;
      receiver.received.push({
        headers,
        body,
        verification: verifyWebhook(body, headers, [secret], receiver.now()),
        answered,
      });
      if (answered === "hang") {
        hanging.push(response);
        return;
      }
      response.writeHead(answered, { "content-type": "application/json" }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/channel/webhooks`;
  return receiver;
}
