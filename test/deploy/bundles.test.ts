// The packaged function bundles run: each zip holds its handler as an ES module that Node loads, and the webhook
// receiver, run from its zip in a fresh Node process, answers a bad signature with 401, writes a JSON log line
// with the Lambda context, and an EMF line for the rejection. The bundles stay small (no credential chain, no SSM
// client, no event streams), load no source map at run time, and their traces decode with the map in the zip.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { decodeStack, loadSourceMap } from "../../scripts/decode-stack";
import { loadTemplate, packageDir, readZipEntry, resourcesOfType } from "./template";

const run = promisify(execFile);
const work = mkdtempSync(path.join(tmpdir(), "ax-bundles-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Writes one function's handler module out of its zip (it is a single bundled file: it imports nothing beside). */
function extract(functionName: string, entry: string): string {
  const file = path.join(work, `${functionName}.mjs`);
  writeFileSync(file, readZipEntry(path.join(packageDir("prod"), `${functionName}.zip`), entry));
  return file;
}

/** Runs `handler(event, context)` of a bundle in a child Node process; returns its answer and its stdout lines. */
async function invoke(bundle: string, event: unknown, env: Record<string, string>) {
  const driver = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
    const context = {
      functionName: "ax-channel-adapter-prod-fn", functionVersion: "$LATEST", memoryLimitInMB: "512",
      invokedFunctionArn: "arn:aws:lambda:ap-northeast-2:123456789012:function:fn", awsRequestId: "req-1",
      getRemainingTimeInMillis: () => 10000,
    };
    const answer = await handler(${JSON.stringify(event)}, context);
    process.stdout.write("ANSWER " + JSON.stringify(answer) + "\\n");
  `;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", driver], {
    env: { PATH: process.env.PATH ?? "", AWS_REGION: "ap-northeast-2", ...env },
    timeout: 20_000,
  });
  const lines = stdout.split("\n").filter(Boolean);
  const answerLine = lines.find((line) => line.startsWith("ANSWER "));
  return {
    answer: answerLine ? (JSON.parse(answerLine.slice(7)) as { statusCode: number; body: string }) : undefined,
    json: lines.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe("the packaged bundles (prod)", () => {
  it("hold each handler as an ES module Node can load", async () => {
    for (const [fn, entry] of [
      ["receiveWebhook", "functions/receive-webhook.mjs"],
      ["processEvent", "functions/process-event.mjs"],
      ["getOrder", "functions/get-order.mjs"],
      ["adminApi", "functions/admin-api.mjs"],
      ["console", "functions/console.mjs"],
      ["health", "functions/health.mjs"],
      ["octoApi", "functions/octo-api.mjs"],
    ] as const) {
      const bundle = extract(fn, entry);
      const { stdout } = await run(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); process.stdout.write(typeof m.handler);`,
        ],
        { timeout: 20_000 },
      );
      expect(stdout, fn).toBe("function");
    }
  });

  it("answer the health check", async () => {
    const { answer } = await invoke(extract("health", "functions/health.mjs"), {}, {});
    expect(answer?.statusCode).toBe(200);
  });

  it("refuse an unsigned webhook with 401, a JSON log line and an EMF rejection, touching no AWS service", async () => {
    const body = JSON.stringify({ type: "order.placed", data: { purchaser: { email: "someone@example.com" } } });
    const { answer, json } = await invoke(
      extract("receiveWebhook", "functions/receive-webhook.mjs"),
      {
        version: "2.0",
        rawPath: "/webhooks/orders",
        headers: { "content-type": "application/json", "webhook-id": "msg_unsigned" },
        body,
        isBase64Encoded: false,
        requestContext: { http: { method: "POST", path: "/webhooks/orders" }, requestId: "api-1" },
      },
      {
        TABLE_NAME: "ax-channel-adapter-prod",
        QUEUE_URL: "https://sqs.ap-northeast-2.amazonaws.com/123456789012/q.fifo",
        // A plain secret instead of WEBHOOK_SECRET_PARAM, so that no SSM call is made.
        WEBHOOK_SECRET: "whsec_ZGV2LXNlY3JldC1mb3ItdGhlLWF4LWFkYXB0ZXItMzI=",
        POWERTOOLS_SERVICE_NAME: "ax-channel-adapter",
        POWERTOOLS_METRICS_NAMESPACE: "AxChannelAdapter/prod",
        POWERTOOLS_LOG_LEVEL: "INFO",
        AWS_EC2_METADATA_DISABLED: "true",
      },
    );
    expect(answer?.statusCode).toBe(401);

    const log = json.find((line) => line.message === "webhook answered");
    expect(log).toMatchObject({
      level: "INFO",
      service: "ax-channel-adapter",
      function_request_id: "req-1",
      outcome: "rejected",
      reason: "invalid_signature",
    });
    const emf = json.find((line) => "_aws" in line);
    expect(emf).toMatchObject({ WebhooksRejected: 1, reason: "invalid_signature", service: "ax-channel-adapter" });
    // Nothing of the body reaches the logs.
    expect(JSON.stringify(json)).not.toContain("someone@example.com");
  });

  const FUNCTIONS = [
    ["receiveWebhook", "functions/receive-webhook.mjs"],
    ["processEvent", "functions/process-event.mjs"],
    ["getOrder", "functions/get-order.mjs"],
    ["syncStatuses", "functions/sync-statuses.mjs"],
    ["forwardEvents", "functions/forward-events.mjs"],
    ["sweepEvents", "functions/sweep-events.mjs"],
    ["health", "functions/health.mjs"],
    ["octoApi", "functions/octo-api.mjs"],
  ] as const;

  it("carry neither the SDK's default credential chain, nor the SSM client, nor its event streams", () => {
    // Strings only those parts hold: web identity / container / SSO / credential_process providers, SSM's errors,
    // the event stream headers.
    const markers = [
      "AWS_WEB_IDENTITY_TOKEN_FILE",
      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
      "sso_start_url",
      "credential_process",
      "ParameterNotFound",
      ":event-type",
    ];
    for (const [fn, entry] of FUNCTIONS) {
      const code = readFileSync(extract(fn, entry), "utf8");
      for (const marker of markers) expect(code.includes(marker), `${fn} holds ${marker}`).toBe(false);
    }
  });

  it("stay within their size: 300 KB each (the aim), the worker over it until the change BENCHMARKS.md names", () => {
    // KB = 1,024 bytes, the minified bundle alone. The worker keeps the SQS client for its retries' backoff; it is
    // held here to its size today so that it does not grow: 339 KB with the operators' index attributes of the
    // store, 341 KB with issue 18's item-by-item plan, AX's kept answers and the retries of the writes after AX.
    // OCTO (issue #20): the status sync carries the booking view of its booking_update webhooks and the bookings'
    // store (289 → 303 KB), the sweeper the bookings' store for the expiry of holds (293 → 300.3 KB), and the OCTO
    // API its use cases, views and the AX catalog client (312 KB).
    const limitKb: Record<string, number> = { processEvent: 342, syncStatuses: 304, sweepEvents: 301, octoApi: 313 };
    for (const [fn, entry] of FUNCTIONS) {
      const kb = readZipEntry(path.join(packageDir("prod"), `${fn}.zip`), entry).length / 1024;
      expect(kb, fn).toBeLessThanOrEqual(limitKb[fn] ?? 300);
    }
  });

  it("load no source map at run time, keep it in the zip, and a trace from the bundle decodes to the sources", async () => {
    for (const [, fn] of resourcesOfType(loadTemplate("prod"), "AWS::Lambda::Function")) {
      const variables = (fn.Properties?.Environment as { Variables?: Record<string, string> } | undefined)?.Variables;
      expect(variables?.NODE_OPTIONS ?? "").not.toContain("--enable-source-maps");
    }
    const zip = path.join(packageDir("prod"), "getOrder.zip");
    const bundle = extract("getOrder", "functions/get-order.mjs");
    // The handler without TABLE_NAME fails in the configuration: a stack trace through the minified bundle.
    const driver = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
      try { await handler({}, { getRemainingTimeInMillis: () => 1000 }); } catch (error) { process.stdout.write(error.stack); }
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", driver], {
      env: { PATH: process.env.PATH ?? "", AWS_REGION: "ap-northeast-2" },
      timeout: 20_000,
    });
    expect(stdout).toMatch(/getOrder\.mjs:\d+:\d+/);
    expect(stdout).not.toContain("lib/config.ts");
    const decoded = decodeStack(stdout, loadSourceMap(zip));
    expect(decoded).toMatch(/\(lib\/config\.ts:\d+:\d+\)/);
    expect(decoded).toMatch(/functions\/get-order\.ts:\d+:\d+/);
  });
});
