// Lambda active tracing is a per-stage setting (param `tracing`): on in prod, off elsewhere unless a deploy asks for
// it; a traced function's role may write to X-Ray, which Lambda requires before it accepts active tracing.
import { describe, expect, it } from "vitest";
import {
  PACKAGED_STAGES,
  asArray,
  asObject,
  loadTemplate,
  props,
  resolveConditions,
  resourcesOfType,
  target,
  XRAY_WRITE_POLICY,
} from "./template";

const expected = { prod: "Active", "qa-7": "PassThrough" } as const;

describe.each(PACKAGED_STAGES)("tracing on the %s stage", (stage) => {
  const template = loadTemplate(stage);
  const functions = resourcesOfType(template, "AWS::Lambda::Function");

  it(`sets every function's tracing mode to ${expected[stage]}`, () => {
    expect(functions.length).toBeGreaterThan(0);
    for (const [id, fn] of functions) expect(asObject(fn.Properties?.TracingConfig).Mode, id).toBe(expected[stage]);
  });

  it(
    stage === "prod"
      ? "lets every function's role write traces, with AWS's managed X-Ray write policy only"
      : "gives no role a managed policy",
    () => {
      for (const [id, fn] of functions) {
        const role = target(fn.Properties?.Role) ?? "";
        const managed = asArray(resolveConditions(template, props(template, role).ManagedPolicyArns));
        if (expected[stage] === "Active") {
          expect(managed, id).toEqual([XRAY_WRITE_POLICY]);
        } else expect(managed, id).toEqual([]);
      }
    },
  );
});
