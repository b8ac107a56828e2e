// The example deploy pipeline (.github/workflows/deploy.yml): valid against GitHub's workflow schema, running the
// README's test command, deploying with an OIDC role (no stored keys), prod only from a tag and behind its
// environment's approval.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { validateWorkflow } from "@action-validator/core";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = resolve(import.meta.dirname, "../..");
const source = readFileSync(resolve(ROOT, ".github/workflows/deploy.yml"), "utf8");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | boolean>;
}
interface Job {
  "runs-on"?: string;
  needs?: string;
  if?: string;
  environment?: string;
  permissions?: Record<string, string>;
  steps: Step[];
}
const workflow = parse(source) as { permissions: Record<string, string>; jobs: Record<string, Job> };
const job = (name: string): Job => {
  const found = workflow.jobs[name];
  if (!found) throw new Error(`no job ${name}`);
  return found;
};

describe("the deploy workflow", () => {
  it("is valid against the GitHub Actions workflow schema", () => {
    expect(validateWorkflow(source).errors).toEqual([]);
  });

  it("is checked by a validator that refuses a job without steps", () => {
    const broken = "on: push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    stepz: []\n";

    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it("runs the README's test command, the same as .ci/run", () => {
    const ci = readFileSync(resolve(ROOT, ".ci/run"), "utf8");
    const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");

    expect(job("test").steps.map((step) => step.run)).toContain("npm ci && npm test");
    expect(ci).toContain("npm ci && npm test");
    expect(readme).toContain("npm ci && npm test");
  });

  it("deploys only after the tests, from main (dev) or a version tag (prod, behind the environment's approval)", () => {
    const deploy = job("deploy");

    expect(deploy.needs).toBe("test");
    expect(deploy.if).toContain("github.ref == 'refs/heads/main'");
    expect(deploy.if).toContain("startsWith(github.ref, 'refs/tags/v')");
    expect(deploy.environment).toBe("${{ startsWith(github.ref, 'refs/tags/v') && 'prod' || 'dev' }}");
  });

  it("assumes a role with GitHub's OIDC token and stores no AWS keys", () => {
    const deploy = job("deploy");
    const credentials = deploy.steps.find((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));

    expect(deploy.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(workflow.permissions).toEqual({ contents: "read" });
    expect(credentials?.with?.["role-to-assume"]).toBe("${{ vars.AWS_DEPLOY_ROLE_ARN }}");
    expect(source).not.toMatch(/aws-access-key-id|aws-secret-access-key|secrets\.AWS/i);
  });

  it("packages before it has credentials, and deploys that package", () => {
    const names = job("deploy").steps.map((step) => step.name ?? step.uses ?? step.run);
    const packageStep = names.indexOf("package");

    expect(packageStep).toBeGreaterThan(-1);
    expect(packageStep).toBeLessThan(
      names.findIndex((name) => name?.startsWith("aws-actions/configure-aws-credentials")),
    );
    expect(job("deploy").steps.find((step) => step.name === "deploy")?.run).toContain("--package .serverless");
  });

  it("pins every action to a commit, saying which release it is", () => {
    const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
    const uses = steps.flatMap((step) => (step.uses ? [step.uses] : []));
    expect(uses.length).toBeGreaterThanOrEqual(6);
    for (const action of uses) expect(action).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    // The release of each pin, as a comment beside it (what a reader and Dependabot go by).
    for (const line of source.split("\n").filter((l) => /^\s*- uses: /.test(l)))
      expect(line).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    const dependabot = readFileSync(resolve(ROOT, ".github/dependabot.yml"), "utf8");
    expect(dependabot).toContain("package-ecosystem: github-actions");
  });

  it("runs no install script in a job that can obtain AWS credentials, nor keeps the checkout's token there", () => {
    for (const [name, j] of Object.entries(workflow.jobs)) {
      const installs = j.steps.flatMap((step) =>
        step.run && /\bnpm (ci|install|i)\b/.test(step.run) ? [step.run] : [],
      );
      if (j.permissions?.["id-token"] !== "write") continue;
      expect(installs.length, name).toBeGreaterThan(0);
      for (const run of installs) expect(run, name).toMatch(/--ignore-scripts/);
      const checkout = j.steps.find((step) => step.uses?.startsWith("actions/checkout@"));
      expect(checkout?.with?.["persist-credentials"], name).toBe(false);
    }
    // The job that runs install scripts holds no token that could reach AWS.
    expect(job("test").permissions?.["id-token"]).toBeUndefined();
  });

  it("uses the Node version of .nvmrc, the Lambda runtime's", () => {
    expect(readFileSync(resolve(ROOT, ".nvmrc"), "utf8").trim()).toBe("22");
    expect(readFileSync(resolve(ROOT, "serverless.yml"), "utf8")).toContain("runtime: nodejs22.x");
    for (const name of ["test", "deploy"]) {
      const setup = job(name).steps.find((step) => step.uses?.startsWith("actions/setup-node@"));
      expect(setup?.with?.["node-version-file"], name).toBe(".nvmrc");
    }
  });
});
