// `npm run octo:validate` against a stand-in for the OCTO validator's backend on loopback: it sends the OCTO URL and
// key, passes on a run with no failed scenario, and exits 1 on a failed scenario or an answer it cannot read.
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const flow = (name: string, results: string[]) => ({
  name,
  scenarios: results.map((validationResult, n) => ({
    name: `${name} ${n}`,
    validationResult,
    errors:
      validationResult === "SUCCESS"
        ? []
        : [{ type: validationResult === "FAILED" ? "CRITICAL" : "WARNING", message: "m" }],
  })),
});

describe("npm run octo:validate", () => {
  let server: Server;
  let url: string;
  let answer: { status: number; body: string } = { status: 200, body: "[]" };
  const requests: unknown[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        requests.push({ path: request.url, body: JSON.parse(body) as unknown });
        response.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
  });

  const script = (...args: string[]) =>
    run("npx", [
      "tsx",
      "scripts/octo-validate.ts",
      "--validator",
      url,
      "--octo",
      "http://127.0.0.1:3999/octo",
      "--key",
      "k-0123456789abcdef",
      ...args,
    ]).then(
      (done) => ({ code: 0, out: done.stdout }),
      (error: unknown) => {
        const failed = error as { code: number; stdout: string; stderr: string };
        return { code: failed.code, out: failed.stdout + failed.stderr };
      },
    );

  it("passes a run with warnings only, having sent the OCTO URL and key", async () => {
    answer = {
      status: 200,
      body: JSON.stringify([flow("Get Suppliers", ["SUCCESS"]), flow("Booking Confirmation", ["WARNING", "SUCCESS"])]),
    };
    const result = await script();
    expect(result.code).toBe(0);
    expect(result.out).toContain("2 flows, 3 scenarios, 0 failed, 1 warnings");
    expect(requests.at(-1)).toEqual({
      path: "/supplier/validate",
      body: {
        backend: { endpoint: "http://127.0.0.1:3999/octo", headers: { Authorization: "Bearer k-0123456789abcdef" } },
      },
    });
  });

  it("fails on a failed scenario, and on an answer that is not the validator's", async () => {
    answer = { status: 200, body: JSON.stringify([flow("Get Products", ["SUCCESS", "FAILED"])]) };
    const failed = await script();
    expect(failed.code).toBe(1);
    expect(failed.out).toContain("FAILED Get Products 1: [CRITICAL] m");
    answer = { status: 500, body: '{"error":"INTERNAL_SERVER_ERROR"}' };
    expect((await script()).code).toBe(1);
  });

  it("points at nothing but this machine", async () => {
    const result = await run("npx", [
      "tsx",
      "scripts/octo-validate.ts",
      "--validator",
      "https://validator.example",
    ]).catch((error: unknown) => error);
    expect(result).toMatchObject({ code: 1, stderr: expect.stringContaining("must be on this machine") as unknown });
  });
});
