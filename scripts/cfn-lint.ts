// Lints a packaged CloudFormation template with cfn-lint (the npm package) on a *current* resource specification.
// cfn-lint ships a 2019 specification, which knows neither FunctionResponseTypes nor DeletionProtectionEnabled; the
// one used here is built from @aws-cdk/aws-service-spec (AWS CDK's database of the CloudFormation registry schemas,
// republished weekly) and converted to the resource-specification format cfn-lint reads.
//
//   npx tsx scripts/cfn-lint.ts [template.json]      (default: .serverless/cloudformation-template-update-stack.json)
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { loadAwsServiceSpecSync } from "@aws-cdk/aws-service-spec";
import type { Property, PropertyType, SpecDatabase } from "@aws-cdk/service-spec-types";
import { validateJsonObject, type ValidationResult } from "cfn-lint";
import * as awsData from "cfn-lint/lib/awsData";

/** One property in cfn-lint's (CloudFormation's former) resource-specification format. */
interface SpecProperty {
  Documentation: string;
  Required?: boolean;
  UpdateType?: "Mutable" | "Immutable" | "Conditional";
  PrimitiveType?: string;
  Type?: string;
  PrimitiveItemType?: string;
  ItemType?: string;
}

interface Specification {
  ResourceSpecificationVersion: string;
  ResourceTypes: Record<
    string,
    { Documentation: string; Attributes: Record<string, SpecProperty>; Properties: Record<string, SpecProperty> }
  >;
  PropertyTypes: Record<string, { Documentation: string; Properties: Record<string, SpecProperty> }>;
}

const PRIMITIVES: Partial<Record<PropertyType["type"], string>> = {
  string: "String",
  number: "Double",
  integer: "Integer",
  boolean: "Boolean",
  json: "Json",
  "date-time": "Timestamp",
  null: "Json",
};

/** The type part of a property: a primitive, a property type, or a list or map of either. */
function typeOf(db: SpecDatabase, type: PropertyType): Omit<SpecProperty, "Documentation"> {
  const element = (inner: PropertyType): Pick<SpecProperty, "PrimitiveItemType" | "ItemType"> | undefined => {
    if (inner.type === "ref") return { ItemType: db.get("typeDefinition", inner.reference).name };
    if (inner.type === "tag") return { ItemType: "Tag" };
    const primitive = PRIMITIVES[inner.type];
    return primitive ? { PrimitiveItemType: primitive } : undefined;
  };
  switch (type.type) {
    case "ref":
      return { Type: db.get("typeDefinition", type.reference).name };
    case "tag":
      return { Type: "Tag" };
    case "array":
    case "map": {
      const item = element(type.element);
      // A list of lists (or of unions) has no form in this format: accept any JSON there.
      return item ? { Type: type.type === "array" ? "List" : "Map", ...item } : { PrimitiveType: "Json" };
    }
    case "union": {
      // KeySchema is [list of KeySchema, json]: the structured form is the one templates use. A policy document is
      // [json, string]: Json, which cfn-lint accepts as an object or a string of one.
      const structured = type.types.filter((member) => ["ref", "array", "map"].includes(member.type));
      if (structured.length === 1 && structured[0]) return typeOf(db, structured[0]);
      const first = type.types.some((member) => member.type === "json") ? undefined : type.types[0];
      return typeOf(db, first ?? { type: "json" });
    }
    default:
      return { PrimitiveType: PRIMITIVES[type.type] ?? "Json" };
  }
}

function propertyOf(db: SpecDatabase, property: Property): SpecProperty {
  const updateType =
    property.causesReplacement === "yes"
      ? "Immutable"
      : property.causesReplacement === "maybe"
        ? "Conditional"
        : "Mutable";
  return {
    Documentation: "",
    Required: property.required === true,
    UpdateType: updateType,
    ...typeOf(db, property.type),
  };
}

/** The whole current CloudFormation specification, in the format cfn-lint reads. */
export function currentSpecification(): Specification {
  const db = loadAwsServiceSpecSync();
  const spec: Specification = {
    ResourceSpecificationVersion: "aws-service-spec",
    ResourceTypes: {},
    PropertyTypes: {
      Tag: {
        Documentation: "",
        Properties: {
          Key: { Documentation: "", Required: true, PrimitiveType: "String", UpdateType: "Mutable" },
          Value: { Documentation: "", Required: true, PrimitiveType: "String", UpdateType: "Mutable" },
        },
      },
    },
  };
  for (const resource of db.all("resource")) {
    const type = resource.cloudFormationType;
    spec.ResourceTypes[type] = {
      Documentation: "",
      Attributes: Object.fromEntries(
        Object.entries(resource.attributes).map(([name, attribute]) => [
          name,
          { Documentation: "", ...typeOf(db, attribute.type) },
        ]),
      ),
      Properties: Object.fromEntries(
        Object.entries(resource.properties).map(([name, property]) => [name, propertyOf(db, property)]),
      ),
    };
    for (const { entity } of db.follow("usesType", resource)) {
      spec.PropertyTypes[`${type}.${entity.name}`] = {
        Documentation: "",
        Properties: Object.fromEntries(
          Object.entries(entity.properties).map(([name, property]) => [name, propertyOf(db, property)]),
        ),
      };
    }
  }
  return spec;
}

let installed = false;

/** Swaps cfn-lint's bundled specification for the current one (once per process). */
function useCurrentSpecification(): void {
  if (installed) return;
  const current = currentSpecification();
  const bundled = awsData.awsResources as Specification;
  bundled.ResourceSpecificationVersion = current.ResourceSpecificationVersion;
  bundled.ResourceTypes = current.ResourceTypes;
  bundled.PropertyTypes = current.PropertyTypes;
  installed = true;
}

export interface LintFinding {
  severity: "crit" | "warn" | "info";
  message: string;
  resource: string;
}

interface Template {
  Resources: Record<string, { Type: string }>;
}

/** Every finding of cfn-lint on the template, plus a resource type the specification does not know (which cfn-lint
 *  itself skips silently). */
export function lintTemplate(template: Template): LintFinding[] {
  useCurrentSpecification();
  const known = (awsData.awsResources as Specification).ResourceTypes;
  const findings: LintFinding[] = Object.entries(template.Resources)
    .filter(([, resource]) => !resource.Type.startsWith("Custom::") && !(resource.Type in known))
    .map(([name, resource]) => ({
      severity: "crit",
      message: `unknown resource type ${resource.Type}`,
      resource: `Resources > ${name}`,
    }));
  // Parameters are not guessed: the template must need none that the deploy does not set.
  const result: ValidationResult = validateJsonObject(structuredClone(template), { guessParameters: [] });
  for (const severity of ["crit", "warn", "info"] as const)
    for (const error of result.errors[severity])
      findings.push({ severity, message: error.message, resource: error.resource });
  return findings;
}

function main(): void {
  const file = process.argv[2] ?? ".serverless/cloudformation-template-update-stack.json";
  const template = JSON.parse(readFileSync(file, "utf8")) as Template;
  const findings = lintTemplate(template);
  for (const finding of findings) console.log(`${finding.severity}: ${finding.resource}: ${finding.message}`);
  const critical = findings.filter((finding) => finding.severity === "crit").length;
  console.log(
    `cfn-lint: ${Object.keys(template.Resources).length} resources, ${critical} errors, ${findings.length - critical} warnings`,
  );
  process.exitCode = critical > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main();
