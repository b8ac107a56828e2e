// Global setup of the `deploy` tests: packages the stages the tests read, once, the way `npm run package` does —
// with no AWS credentials, no AWS config and no instance metadata, so a step that needed AWS would fail here.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PACKAGE_ROOT, PACKAGED_STAGES } from "./template";

const ROOT = path.resolve(import.meta.dirname, "../..");
const OSLS = path.join(ROOT, "node_modules/osls/bin/serverless.js");
const TIMEOUT_MS = 120_000;

const AWS_CREDENTIALS =
  /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE|CONFIG_FILE|SHARED_CREDENTIALS_FILE)$/;

function offlineEnv(home: string): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !AWS_CREDENTIALS.test(name));
  // TMPDIR too: serverless-esbuild leaves each function's zip folder in the temporary directory (its scoped temp path
  // is never removed), about ten per stage and run; in `home` they go with it.
  return { ...Object.fromEntries(inherited), HOME: home, TMPDIR: home, AWS_EC2_METADATA_DISABLED: "true" };
}

function packageStage(stage: string, home: string): Promise<void> {
  const out = path.join(ROOT, PACKAGE_ROOT, stage);
  rmSync(out, { recursive: true, force: true });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OSLS, "package", "--stage", stage, "--package", out], {
      cwd: ROOT,
      env: offlineEnv(home),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`osls package --stage ${stage} failed (${signal ?? `exit ${code}`}):\n${output}`));
    });
  });
}

export default async function setup(): Promise<void> {
  mkdirSync(path.join(ROOT, PACKAGE_ROOT), { recursive: true });
  const home = mkdtempSync(path.join(tmpdir(), "osls-home-"));
  try {
    // One after the other: two esbuild runs on two cores gain little and share serverless-esbuild's work folder.
    for (const stage of PACKAGED_STAGES) await packageStage(stage, home);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
