// Reading the packaged CloudFormation templates and function zips (written by package-stages.ts).
import { readFileSync } from "node:fs";
import path from "node:path";
import { zipEntries } from "../../scripts/zip";

export const PACKAGE_ROOT = ".cache/deploy-test";
/** `prod`, and a non-prod stage whose name appears nowhere in the configuration. */
export const PACKAGED_STAGES = ["prod", "qa-7"] as const;
export type PackagedStage = (typeof PACKAGED_STAGES)[number];

const ROOT = path.resolve(import.meta.dirname, "../..");

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Resource {
  Type: string;
  Properties?: JsonObject;
  DependsOn?: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Condition?: string;
}

export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, JsonObject>;
  Conditions?: JsonObject;
}

export function packageDir(stage: PackagedStage): string {
  return path.join(ROOT, PACKAGE_ROOT, stage);
}

export function loadTemplate(stage: PackagedStage): Template {
  return JSON.parse(
    readFileSync(path.join(packageDir(stage), "cloudformation-template-update-stack.json"), "utf8"),
  ) as Template;
}

export function resourcesOfType(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

export function resource(template: Template, name: string): Resource {
  const found = template.Resources[name];
  if (!found) throw new Error(`the template has no resource ${name}`);
  return found;
}

export function props(template: Template, name: string): JsonObject {
  return resource(template, name).Properties ?? {};
}

export const asObject = (value: Json | undefined): JsonObject =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};

export const asArray = (value: Json | undefined): Json[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** A value as text: strings as they are, anything else as JSON. */
export const str = (value: Json | undefined): string => (typeof value === "string" ? value : JSON.stringify(value));

/** The logical id an intrinsic points at: `{Ref: X}` or `{Fn::GetAtt: [X, attr]}`, or undefined. */
export function target(value: Json | undefined): string | undefined {
  const object = asObject(value);
  if (typeof object.Ref === "string") return object.Ref;
  const getAtt = object["Fn::GetAtt"];
  if (Array.isArray(getAtt) && typeof getAtt[0] === "string") return getAtt[0];
  return undefined;
}

/** One file of a zip archive (stored or deflated entries, as osls writes them). */
export function readZipEntry(zipFile: string, entryName: string): Buffer {
  const entry = zipEntries(zipFile).find((candidate) => candidate.name === entryName);
  if (!entry) throw new Error(`${zipFile} has no entry ${entryName}`);
  return entry.data();
}

/**
 * A value as CloudFormation would deploy it: each `Fn::If` on a condition that compares two literals (the stage's
 * settings are resolved when packaging) replaced by its chosen branch; `Ref: AWS::NoValue` becomes undefined.
 */
export function resolveConditions(template: Template, value: Json | undefined): Json | undefined {
  const ifArgs = asObject(value)["Fn::If"];
  if (Array.isArray(ifArgs) && typeof ifArgs[0] === "string") {
    const equals = asArray(asObject(template.Conditions?.[ifArgs[0]])["Fn::Equals"]);
    if (equals.length !== 2 || equals.some((side) => typeof side !== "string"))
      throw new Error(`condition ${ifArgs[0]} does not compare two literals`);
    return resolveConditions(template, equals[0] === equals[1] ? ifArgs[1] : ifArgs[2]);
  }
  if (target(value) === "AWS::NoValue") return undefined;
  return value;
}

/** AWS's managed policy that lets a function write X-Ray traces, as resources/iam.yml names it. */
export const XRAY_WRITE_POLICY = {
  "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":iam::aws:policy/AWSXRayDaemonWriteAccess"]],
};

/** One statement of an IAM policy document, with Action and Resource as lists. */
export interface PolicyStatement {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: Json[];
  Condition: JsonObject | undefined;
}

/** The statements of a policy document. */
export function policyStatements(document: Json | undefined): PolicyStatement[] {
  return asArray(asObject(document).Statement).map((raw) => {
    const statement = asObject(raw);
    return {
      Sid: str(statement.Sid),
      Effect: str(statement.Effect),
      Action: asArray(statement.Action).map(String),
      Resource: asArray(statement.Resource),
      Condition: statement.Condition === undefined ? undefined : asObject(statement.Condition),
    };
  });
}
