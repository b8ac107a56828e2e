// The pipeline cannot become account admin: every role of a stage carries the stage's permissions boundary
// (bootstrap/deploy-access.yml), the boundary allows what the functions need and no more, and the deploy role may
// make roles only with that boundary, never remove or widen it, and pass roles to Lambda only.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { lintTemplate } from "../../scripts/cfn-lint";
import {
  PACKAGED_STAGES,
  asArray,
  asObject,
  loadTemplate,
  resourcesOfType,
  str,
  policyStatements,
  type Json,
  type JsonObject,
  type Template,
} from "./template";

const bootstrap = parse(
  readFileSync(path.resolve(import.meta.dirname, "../../bootstrap/deploy-access.yml"), "utf8"),
) as Template & { Parameters: JsonObject };

const statementsOf = (document: Json | undefined) =>
  policyStatements(document).map((statement) => ({ ...statement, Condition: statement.Condition ?? {} }));
const resourceOf = (name: string): JsonObject => asObject(bootstrap.Resources[name]?.Properties);
const boundary = statementsOf(resourceOf("PermissionsBoundary").PolicyDocument);
const deploy = statementsOf(asObject(asArray(resourceOf("DeployRole").Policies)[0]).PolicyDocument);
/** A policy's action pattern (`sqs:Send*`) matches an action. */
const covers = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i").test(action);

describe("the deploy access bootstrap (bootstrap/deploy-access.yml)", () => {
  it("passes cfn-lint, with every parameter defaulted", () => {
    expect(lintTemplate(bootstrap)).toEqual([]);
    for (const [name, parameter] of Object.entries(bootstrap.Parameters))
      expect(asObject(parameter).Default, name).toBeDefined();
  });

  it("names the boundary the stage's roles carry", () => {
    expect(resourceOf("PermissionsBoundary").ManagedPolicyName).toEqual({
      "Fn::Sub": "ax-channel-adapter-${Stage}-boundary",
    });
  });

  it("lets the deploy role create and change roles only with the stage's boundary, and attach only the tracing policy", () => {
    const roleWrites = [
      "iam:CreateRole",
      "iam:PutRolePolicy",
      "iam:DeleteRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:AttachRolePolicy",
      "iam:DetachRolePolicy",
    ];
    for (const action of roleWrites) {
      const allowing = deploy.filter((s) => s.Effect === "Allow" && s.Action.some((a) => covers(a, action)));
      expect(allowing.length, action).toBeGreaterThan(0);
      for (const statement of allowing)
        expect(
          asObject(statement.Condition.StringEquals)["iam:PermissionsBoundary"],
          `${action} in ${statement.Sid}`,
        ).toEqual({
          Ref: "PermissionsBoundary",
        });
    }
    const attach = deploy.find((s) => s.Action.includes("iam:AttachRolePolicy"));
    expect(asObject(attach?.Condition.ArnEquals)["iam:PolicyARN"]).toEqual({
      "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess",
    });
  });

  it("denies removing a role's boundary, creating a role without it, and editing the boundary itself", () => {
    const denied = deploy.filter((s) => s.Effect === "Deny");
    const denies = (action: string) => denied.filter((s) => s.Action.includes(action));
    expect(denies("iam:DeleteRolePermissionsBoundary")[0]?.Resource).toEqual(["*"]);
    expect(denies("iam:CreateRole")[0]?.Condition).toEqual({
      StringNotEquals: { "iam:PermissionsBoundary": { Ref: "PermissionsBoundary" } },
    });
    for (const action of ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:SetDefaultPolicyVersion"])
      expect(denies(action)[0]?.Resource, action).toEqual([{ Ref: "PermissionsBoundary" }]);
  });

  it("passes roles to Lambda only, holds no wildcard action, and no IAM action outside the stage's roles", () => {
    const passRole = deploy.filter((s) => s.Action.includes("iam:PassRole"));
    expect(passRole.map((s) => s.Condition)).toEqual([
      { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } },
    ]);
    for (const statement of [...deploy, ...boundary])
      for (const action of statement.Action) expect(action, statement.Sid).toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
    for (const statement of deploy.filter((s) => s.Effect === "Allow" && s.Action.some((a) => a.startsWith("iam:"))))
      expect(statement.Resource, statement.Sid).toEqual([
        { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/ax-channel-adapter-${Stage}-*" },
      ]);
  });

  it("trusts only the repository's jobs of one GitHub environment", () => {
    const trust = statementsOf(resourceOf("DeployRole").AssumeRolePolicyDocument);
    expect(trust).toHaveLength(1);
    expect(trust[0]?.Action).toEqual(["sts:AssumeRoleWithWebIdentity"]);
    expect(asObject(trust[0]?.Condition.StringEquals)).toEqual({
      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": {
        "Fn::Sub": "repo:${GitHubRepository}:environment:${GitHubEnvironment}",
      },
    });
  });
});

describe.each(PACKAGED_STAGES)("the %s stage's roles", (stage) => {
  const template = loadTemplate(stage);
  const roles = resourcesOfType(template, "AWS::IAM::Role");

  it("each carry the stage's permissions boundary", () => {
    expect(roles.length).toBeGreaterThan(5);
    for (const [id, role] of roles)
      expect(role.Properties?.PermissionsBoundary, id).toEqual({
        "Fn::Sub": `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/ax-channel-adapter-${stage}-boundary`,
      });
  });

  it("need nothing the boundary does not allow", () => {
    const allowed = boundary.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action);
    for (const [id, role] of roles)
      for (const policy of asArray(role.Properties?.Policies))
        for (const statement of statementsOf(asObject(policy).PolicyDocument))
          for (const action of statement.Action)
            expect(
              allowed.some((pattern) => covers(pattern, action)),
              `${id}: ${action}`,
            ).toBe(true);
    // The boundary's resources are the stage's; "*" only where AWS allows nothing narrower, under a condition.
    for (const statement of boundary)
      for (const resourceArn of statement.Resource)
        if (resourceArn === "*")
          expect(["Tracing", "DecryptParametersThroughSsm"], statement.Sid).toContain(statement.Sid);
        else expect(str(asObject(resourceArn)["Fn::Sub"]), statement.Sid).toMatch(/ax-channel-adapter[-/]\$\{Stage\}/);
  });
});
