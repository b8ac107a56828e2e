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
  str,
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

describe.each(PACKAGED_STAGES)("trace sampling on the %s stage", (stage) => {
  const template = loadTemplate(stage);
  const rules = resourcesOfType(template, "AWS::XRay::SamplingRule");

  it(
    stage === "prod"
      ? "samples 1 % of the stage's functions' invocations with no reservoir (X-Ray's default: 1 a second and 5 %)"
      : "has a sampling rule only for when tracing is turned on (5 %, 1 a second), and it is off",
    () => {
      expect(rules).toHaveLength(1);
      const [[, rule] = ["", {}]] = rules;
      const condition = asArray(asObject(template.Conditions?.[String(rule.Condition)])["Fn::Equals"]);
      expect(condition[0] === condition[1]).toBe(expected[stage] === "Active");
      const sampling = asObject(asObject(rule.Properties).SamplingRule);
      expect(sampling).toMatchObject({
        RuleName: `ax-${stage}`,
        ServiceName: `ax-channel-adapter-${stage}-*`,
        FixedRate: stage === "prod" ? 0.01 : 0.05,
        ReservoirSize: stage === "prod" ? 0 : 1,
      });
      expect(str(sampling.RuleName).length).toBeLessThanOrEqual(32);
      // The rule names every function of the stage: they are all named after it.
      for (const [id, fn] of functions) expect(str(fn.Properties?.FunctionName), id).toMatch(/^ax-channel-adapter-/);
    },
  );
  const functions = resourcesOfType(template, "AWS::Lambda::Function");
});
