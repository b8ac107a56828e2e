// The local stack's dev-only routes and its path handling, attacked as a web page the developer opens would
// (issue 12, finding 12): `/__local/*` and the AX sandbox's `/__sandbox/*` take only same-machine JSON calls that
// carry the admin token, and a malformed path is a 400, never the end of the stack.
import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { DEV_ADMIN_TOKEN, startLocalStack, type LocalStack } from "../../local/stack";

/** A raw HTTP request (fetch would refuse or rewrite some of these). */
function send(url: string, method: string, headers: Record<string, string>, body = "") {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const message = {
  webhook_id: "msg_forged",
  order_id: "EVIL-1",
  type: "order.placed",
  received_at: new Date().toISOString(),
  body: "{}",
};

describe("the local stack's dev-only routes", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({
      env: { AWS_ENDPOINT_URL_DYNAMODB: inject("dynamodbEndpoint"), TABLE_NAME: `e2e-dev-${randomUUID()}` },
      port: 0,
    });
  });
  afterAll(async () => {
    await stack.stop();
  });

  const auth = { authorization: `Bearer ${DEV_ADMIN_TOKEN}` };

  it("refuses the cross-origin text/plain POST a web page can send without a preflight", async () => {
    const answer = await send(
      `${stack.url}/__local/queue`,
      "POST",
      { origin: "https://evil.example", "content-type": "text/plain" },
      JSON.stringify(message),
    );
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ error: "forbidden" });
    expect(stack.queue.deadLetters).toEqual([]);
  });

  it("refuses a browser's cross-site fetch even with the token, and any call without the token", async () => {
    const crossSite = { ...auth, "sec-fetch-site": "cross-site", "content-type": "application/json" };
    expect((await send(`${stack.url}/__local/redrive`, "POST", crossSite, "{}")).status).toBe(403);
    const noToken = await send(`${stack.url}/__local/dead-letters`, "GET", {});
    expect(noToken.status).toBe(401);
    expect(JSON.parse(noToken.body)).toMatchObject({ error: "unauthorized" });
    expect((await send(`${stack.url}/__local/sync`, "POST", { authorization: "Bearer wrong" }, "{}")).status).toBe(401);
  });

  it("refuses a POST that is not JSON, even with the token", async () => {
    const answer = await send(`${stack.url}/__local/redrive`, "POST", { ...auth, "content-type": "text/plain" }, "{}");
    expect(answer.status).toBe(415);
  });

  it("takes the CLI's call: the token and JSON", async () => {
    const answer = await send(`${stack.url}/__local/dead-letters`, "GET", auth);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual([]);
    const redrive = await send(
      `${stack.url}/__local/redrive`,
      "POST",
      { ...auth, "content-type": "application/json" },
      "{}",
    );
    expect(redrive.status).toBe(200);
  });

  it("guards the AX sandbox's control routes the same way", async () => {
    const axUrl = stack.axUrl;
    const fault = JSON.stringify({ endpoint: "create", kind: "status", status: 500 });
    const fromPage = await send(
      `${axUrl}/__sandbox/faults`,
      "POST",
      { origin: "https://evil.example", "content-type": "text/plain" },
      fault,
    );
    expect(fromPage.status).toBe(403);
    expect((await send(`${axUrl}/__sandbox/reset`, "POST", { "content-type": "application/json" }, "{}")).status).toBe(
      401,
    );
    expect(stack.sandbox?.listFaults()).toEqual([]);
    const fromCli = await send(`${axUrl}/__sandbox/faults`, "GET", auth);
    expect(fromCli.status).toBe(200);
  });

  it("answers a path that is not valid percent-encoding with 400 and stays up", async () => {
    const answer = await send(`${stack.url}/orders/%E0%A4%A`, "GET", auth);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: "invalid_path" });
    expect((await fetch(`${stack.url}/health`)).status).toBe(200);
  });

  it("answers a request target that is no URL path with 400 and stays up", async () => {
    const { port } = new URL(stack.url);
    const answer = await new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "//[", method: "GET" }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(answer).toBe(400);
    expect((await fetch(`${stack.url}/health`)).status).toBe(200);
  });
});

describe("starting the local stack", () => {
  it("refuses a webhook secret whose key is under 24 bytes, naming the rule and not the secret", async () => {
    const short = `whsec_${Buffer.from("only-16-bytes!!!").toString("base64")}`;
    const starting = startLocalStack({
      env: {
        AWS_ENDPOINT_URL_DYNAMODB: inject("dynamodbEndpoint"),
        TABLE_NAME: `e2e-short-${randomUUID()}`,
        WEBHOOK_SECRET: short,
      },
      port: 0,
    });
    await expect(starting).rejects.toThrow(/webhook secret 1 of 1 is too short: its key is 16 bytes, at least 24/);
    await expect(starting).rejects.not.toThrow(short.slice(6));
  });
});
