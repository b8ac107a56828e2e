// The packaged templates against issue 12 ("hardened for the open internet"): alarms that can actually notify, a
// throttled and access-logged public API, and concurrency that a webhook flood cannot take from the worker or
// the sync.
import { describe, expect, it } from "vitest";
import { METRIC, SERVICE_NAME } from "../../lib/observability/metrics";
import {
  PACKAGED_STAGES,
  asArray,
  asObject,
  loadTemplate,
  props,
  resource,
  resourcesOfType,
  str,
  target,
  type JsonObject,
  type PackagedStage,
  type Template,
} from "./template";

const templates = Object.fromEntries(PACKAGED_STAGES.map((stage) => [stage, loadTemplate(stage)])) as Record<
  PackagedStage,
  Template
>;

/** The functions by their name in serverless.yml. */
function functionsOf(template: Template, stage: string): Map<string, JsonObject> {
  return new Map(
    resourcesOfType(template, "AWS::Lambda::Function").map(([, fn]) => [
      str(fn.Properties?.FunctionName).replace(`${SERVICE_NAME}-${stage}-`, ""),
      fn.Properties ?? {},
    ]),
  );
}

/** The account's default concurrency limit, and the part of it AWS keeps unreserved. */
const ACCOUNT_CONCURRENCY = 1000;
const UNRESERVED_MINIMUM = 100;

describe.each(PACKAGED_STAGES)("the %s stage's template", (stage) => {
  const template = templates[stage];
  const fns = functionsOf(template, stage);

  it("encrypts the alarm topic with a customer-managed key CloudWatch may use (not alias/aws/sns)", () => {
    const topic = props(template, "AlarmTopic");
    expect(str(topic.KmsMasterKeyId)).not.toContain("alias/aws/");
    const keyId = target(topic.KmsMasterKeyId);
    expect(keyId).toBeDefined();
    const key = resource(template, keyId ?? "");
    expect(key.Type).toBe("AWS::KMS::Key");
    expect(key.Properties?.EnableKeyRotation).toBe(true);
    const statements = asArray(asObject(key.Properties?.KeyPolicy).Statement).map(asObject);
    const forCloudWatch = statements.filter(
      (statement) => asObject(statement.Principal).Service === "cloudwatch.amazonaws.com",
    );
    expect(forCloudWatch).toHaveLength(1);
    expect(forCloudWatch[0]?.Effect).toBe("Allow");
    expect(asArray(forCloudWatch[0]?.Action).sort()).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
    expect(asObject(asObject(forCloudWatch[0]?.Condition).StringEquals)["aws:SourceAccount"]).toEqual({
      Ref: "AWS::AccountId",
    });
    // The topic itself lets this account's CloudWatch alarms publish.
    const policy = resourcesOfType(template, "AWS::SNS::TopicPolicy").find(([, p]) =>
      asArray(p.Properties?.Topics).some((topicRef) => target(topicRef) === "AlarmTopic"),
    );
    const publish = asArray(asObject(policy?.[1].Properties?.PolicyDocument).Statement).map(asObject);
    expect(
      publish.some((s) => asObject(s.Principal).Service === "cloudwatch.amazonaws.com" && s.Action === "sns:Publish"),
    ).toBe(true);
  });

  it("alarms on refused signatures, from the metric the receiver publishes", () => {
    const alarms = resourcesOfType(template, "AWS::CloudWatch::Alarm").filter(
      ([, alarm]) => alarm.Properties?.MetricName === METRIC.signaturesRefused,
    );
    expect(alarms).toHaveLength(1);
    const alarm = alarms[0]?.[1].Properties ?? {};
    expect(alarm.Namespace).toBe(`AxChannelAdapter/${stage}`);
    expect(alarm.Dimensions).toEqual([{ Name: "service", Value: SERVICE_NAME }]);
    expect(alarm.Statistic).toBe("Sum");
    expect(asArray(alarm.AlarmActions).map(target)).toEqual(["AlarmTopic"]);
  });

  it("throttles the HTTP API's stage, the read API and the health check tighter than the webhooks", () => {
    const stageProps = props(template, "HttpApiStage");
    const defaults = asObject(stageProps.DefaultRouteSettings);
    const expected = stage === "prod" ? { rate: 100, burst: 200 } : { rate: 20, burst: 40 };
    expect(defaults).toEqual({ ThrottlingRateLimit: expected.rate, ThrottlingBurstLimit: expected.burst });
    const routes = asObject(stageProps.RouteSettings);
    const read = asObject(routes["GET /orders/{order_id}"]);
    expect(Number(read.ThrottlingRateLimit)).toBeLessThan(expected.rate);
    expect(asObject(routes["GET /health"]).ThrottlingRateLimit).toBeDefined();
  });

  it("throttles the admin API on its own (10/s, burst 20, one bucket for every method), with concurrency for its burst", () => {
    const routes = asObject(props(template, "HttpApiStage").RouteSettings);
    expect(routes["ANY /admin/{proxy+}"]).toEqual({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 });
    const routeKeys = resourcesOfType(template, "AWS::ApiGatewayV2::Route").map(([, r]) => str(r.Properties?.RouteKey));
    expect(routeKeys.filter((key) => key.includes("/admin/"))).toEqual(["ANY /admin/{proxy+}"]);
    // A burst is answered (or refused with a 429 by API Gateway), never met by a Lambda throttle: a 500 that pages.
    expect(Number(fns.get("adminApi")?.ReservedConcurrentExecutions)).toBeGreaterThanOrEqual(20);
    const consoleBurst = ["GET /console", "GET /console/{proxy+}"].map((key) => {
      const settings = asObject(routes[key]);
      expect(Number(settings.ThrottlingRateLimit), key).toBeLessThanOrEqual(10);
      return Number(settings.ThrottlingBurstLimit);
    });
    expect(Number(fns.get("console")?.ReservedConcurrentExecutions)).toBeGreaterThanOrEqual(
      consoleBurst.reduce((sum, burst) => sum + burst, 0),
    );
  });

  it("alarms on refused admin tokens, from the metric the admin API publishes", () => {
    const alarms = resourcesOfType(template, "AWS::CloudWatch::Alarm").filter(
      ([, alarm]) => alarm.Properties?.MetricName === METRIC.adminTokensRefused,
    );
    expect(alarms.map(([id]) => id)).toEqual(["AdminTokensRefusedAlarm"]);
    const alarm = alarms[0]?.[1].Properties ?? {};
    expect(alarm).toMatchObject({
      AlarmName: `${SERVICE_NAME}-${stage}-admin-tokens-refused`,
      Namespace: `AxChannelAdapter/${stage}`,
      Statistic: "Sum",
      Period: 300,
      Threshold: 20,
    });
    expect(alarm.Dimensions).toEqual([{ Name: "service", Value: SERVICE_NAME }]);
    expect(asArray(alarm.AlarmActions).map(target)).toEqual(["AlarmTopic"]);
  });

  it("writes an access log with no body, query string or header value", () => {
    const settings = asObject(props(template, "HttpApiStage").AccessLogSettings);
    expect(target(settings.DestinationArn)).toBe("HttpApiLogGroup");
    const format = str(settings.Format);
    expect(JSON.parse(format)).toMatchObject({ requestId: "$context.requestId", status: "$context.status" });
    expect(format).not.toMatch(/header|body|querystring|authorization|signature|\$input|\$request/i);
  });

  it("reserves concurrency so a webhook flood cannot starve the worker or the sync", () => {
    const reserved = (name: string) => Number(fns.get(name)?.ReservedConcurrentExecutions);
    const receiver = reserved("receiveWebhook");
    expect(receiver).toBe(stage === "prod" ? 50 : 10);
    // The worker keeps what its queue may use at most, and the sync its one run.
    const workerSource =
      resourcesOfType(template, "AWS::Lambda::EventSourceMapping").find(
        ([, mapping]) => target(mapping.Properties?.EventSourceArn) === "EventsQueue",
      )?.[1].Properties ?? {};
    expect(reserved("processEvent")).toBe(asObject(workerSource.ScalingConfig).MaximumConcurrency);
    expect(reserved("syncStatuses")).toBeGreaterThanOrEqual(1);
    // The outbox's forwarder (one per stream shard) and its sweeper keep theirs too.
    expect(reserved("forwardEvents")).toBeGreaterThanOrEqual(1);
    expect(reserved("sweepEvents")).toBeGreaterThanOrEqual(1);
    // Every function is capped, and together they leave the unreserved part AWS requires of a default account.
    const all = [...fns.keys()].map(reserved);
    expect(all.every((value) => Number.isInteger(value) && value > 0)).toBe(true);
    expect(all.reduce((sum, value) => sum + value, 0)).toBeLessThanOrEqual(ACCOUNT_CONCURRENCY - UNRESERVED_MINIMUM);
  });
});
