// `npm start` before it starts anything: flags, PORT, a busy port, settings that cannot work, and the banner and
// log lines it prints. The refusals are checked on the real command, which must stop before DynamoDB Local starts.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataInUse, lockDataDir } from "../../local/data-lock";
import { formatLogLine } from "../../local/pretty-logs";
import { DEV_ADMIN_TOKEN, DEV_WEBHOOK_SECRET } from "../../local/stack";
import { banner, type BannerFacts } from "../../local/banner";
import { checkLocalSettings, readFlags, readPort, StartError } from "../../local/start-options";

const ROOT = resolve(import.meta.dirname, "../..");
const DATA_DIR = join(ROOT, ".local-data");

function npmStart(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(resolve(ROOT, "node_modules/.bin/tsx"), ["local/start.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.trim() };
}

// Each case runs the real command (tsx compiles it first): seconds on a loaded machine, hence the timeout.
describe("npm start refuses, in one line and before starting anything", { timeout: 60_000 }, () => {
  let busy: Server;
  let busyPort = 0;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((done) => busy.listen(0, "127.0.0.1", done));
    const address = busy.address();
    busyPort = typeof address === "object" && address ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise<void>((done) => busy.close(() => done()));
  });

  it("an unknown flag, pointing at --help", () => {
    const run = npmStart(["--frsh"]);

    expect(run.status).toBe(2);
    expect(run.stderr).toBe("[local] could not start: Unknown option '--frsh'; `npm start -- --help` lists the flags");
  });

  it("lists the flags with --help, and exits 0", () => {
    const run = npmStart(["--help"]);

    expect(run.status).toBe(0);
    for (const flag of ["--fresh", "--in-memory", "--help"]) expect(run.stdout).toContain(flag);
  });

  it("a PORT that is not a port number", () => {
    const run = npmStart([], { PORT: "abc" });

    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      '[local] could not start: PORT must be a port number from 0 to 65535 (0: any free port), not "abc"',
    );
  });

  it.skipIf(dataInUse(DATA_DIR))("--fresh while another stack holds the data: nothing is deleted", async () => {
    // This test process plays the running stack: it holds the folder's lock.
    const lock = await lockDataDir(DATA_DIR);
    const marker = join(DATA_DIR, `kept-${process.pid}`);
    writeFileSync(marker, "data of the running stack");
    try {
      const run = npmStart(["--fresh"], { PORT: "0" });

      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`is in use by a running stack (pid ${process.pid}`);
      expect(existsSync(marker)).toBe(true);
    } finally {
      await lock.release();
      rmSync(marker, { force: true });
    }
  });

  it("a port in use, with a hint to set PORT", () => {
    const run = npmStart([], { PORT: String(busyPort) });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`port ${busyPort} on 127.0.0.1 is in use`);
    expect(run.stderr).toContain(`set PORT to another one, e.g. PORT=${busyPort + 1} npm start`);
    expect(run.stderr.split("\n")).toHaveLength(1);
  });
});

describe("the data lock", { timeout: 60_000 }, () => {
  it("is free again once release() resolves, even when nothing else keeps the process alive", () => {
    // The lock's keeper is a child process that never holds this one up: a release that waited for it unreferenced
    // ended the process (exit 13, an unsettled top-level await) before the lock was free, and hid any error.
    const script = [
      'import { mkdtempSync } from "node:fs";',
      'import { tmpdir } from "node:os";',
      'import { join } from "node:path";',
      `import { dataInUse, lockDataDir } from ${JSON.stringify(resolve(ROOT, "local/data-lock.ts"))};`,
      'const dir = mkdtempSync(join(tmpdir(), "lock-"));',
      "const lock = await lockDataDir(dir);",
      "await lock.release();",
      'console.log(dataInUse(dir) ? "still held" : "free");',
    ].join("\n");
    const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });

    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe("free");
  });
});

describe("start options", () => {
  it("reads the flags", () => {
    expect(readFlags(["--fresh", "--in-memory"])).toEqual({ fresh: true, inMemory: true, help: false });
    expect(readFlags(["-h"]).help).toBe(true);
    expect(() => readFlags(["extra"])).toThrow(StartError);
  });

  it("reads PORT: 3000 by default, 0 for any free port, nothing beyond 65535", () => {
    expect(readPort({})).toBe(3000);
    expect(readPort({ PORT: "0" })).toBe(0);
    expect(readPort({ PORT: " 4321 " })).toBe(4321);
    for (const bad of ["65536", "-1", "3e3", "12.5"]) expect(() => readPort({ PORT: bad })).toThrow(StartError);
  });

  it("asks for the outbound secret itself when only OUTBOUND_WEBHOOK_URL is set (no SSM locally)", () => {
    expect(() => checkLocalSettings({ OUTBOUND_WEBHOOK_URL: "http://127.0.0.1:9/hook" })).toThrow(
      /OUTBOUND_WEBHOOK_SECRET=whsec_/,
    );
    expect(() => checkLocalSettings({ OUTBOUND_WEBHOOK_URL: "http://127.0.0.1:9/hook" })).not.toThrow(/_PARAM|SSM/);
    expect(() =>
      checkLocalSettings({ OUTBOUND_WEBHOOK_URL: "http://127.0.0.1:9/hook", OUTBOUND_WEBHOOK_SECRET: "whsec_AA==" }),
    ).not.toThrow();
  });
});

describe("the banner", () => {
  const facts: BannerFacts = {
    url: "http://127.0.0.1:3000",
    axUrl: "http://127.0.0.1:4010",
    dynamodbEndpoint: "http://127.0.0.1:8000",
    webhookSecrets: DEV_WEBHOOK_SECRET,
    adminToken: DEV_ADMIN_TOKEN,
    syncIntervalMs: 60_000,
    outboundWebhookUrl: undefined,
    sandbox: {},
  };
  const options = { inMemory: true, dataDir: "/tmp/x" };

  it("shows the fixed dev credentials and the sandbox's control URL", () => {
    const text = banner(facts, options);

    expect(text).toContain(DEV_WEBHOOK_SECRET);
    expect(text).toContain(`Bearer ${DEV_ADMIN_TOKEN}`);
    expect(text).toContain("control: http://127.0.0.1:4010/__sandbox/");
  });

  it("never shows a secret or token the user set", () => {
    const text = banner(
      { ...facts, webhookSecrets: "whsec_c2VjcmV0LW9mLXRoZS11c2Vy", adminToken: "token-of-the-user" },
      options,
    );

    expect(text).not.toContain("whsec_c2VjcmV0LW9mLXRoZS11c2Vy");
    expect(text).not.toContain("token-of-the-user");
  });
});

describe("local log lines", () => {
  const record = {
    level: "INFO",
    message: "webhook answered",
    timestamp: "2026-12-01T10:55:54.593Z",
    service: "ax-channel-adapter",
    sampling_rate: 0,
    status: 202,
    webhook_id: "msg_1",
    reason: "two words",
  };

  it("are one readable line: time, level, message, then the keys that say something", () => {
    expect(formatLogLine(record, false)).toBe(
      '10:55:54.593 INFO  webhook answered status=202 webhook_id=msg_1 reason="two words"',
    );
  });

  it("render an error as its name, message and location", () => {
    const line = formatLogLine(
      {
        ...record,
        level: "ERROR",
        error: { name: "ConfigError", message: "no table", location: "x.ts:1", stack: "…" },
      },
      false,
    );

    expect(line).toContain('error="ConfigError: no table (x.ts:1)"');
    expect(line).not.toContain("stack");
  });

  it("are coloured for a terminal", () => {
    expect(formatLogLine(record, true)).toContain("\u001b[");
    expect(formatLogLine(record, false)).not.toContain("\u001b[");
  });
});
