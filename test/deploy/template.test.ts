// The packaged CloudFormation templates (`npm run package -- --stage <stage>`, done offline by package-stages.ts):
// cfn-lint on the current specification, then the promises of issue #5, checked on what would be deployed.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../lib/config";
import { METRIC, SERVICE_NAME } from "../../lib/observability/metrics";
import { DEAD_LETTER_RETENTION_MS, MAX_RECEIVES, SQS_RETRY_BACKOFF } from "../../lib/queue/backoff";
import { lintTemplate } from "../../scripts/cfn-lint";
import {
  PACKAGED_STAGES,
  asArray,
  asObject,
  loadTemplate,
  props,
  resource,
  resolveConditions,
  resourcesOfType,
  str,
  target,
  type Json,
  type JsonObject,
  policyStatements,
  type PackagedStage,
  type PolicyStatement,
  type Template,
  XRAY_WRITE_POLICY,
} from "./template";

const SERVICE = "ax-channel-adapter";
const tableDefinition = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, "../../resources/table.json"), "utf8"),
) as JsonObject;
const templates = Object.fromEntries(PACKAGED_STAGES.map((stage) => [stage, loadTemplate(stage)])) as Record<
  PackagedStage,
  Template
>;
const prod = templates.prod;

/** The functions, by their name in serverless.yml (from FunctionName `<service>-<stage>-<name>`). */
function functions(template: Template, stage: string): Map<string, { id: string; props: JsonObject }> {
  return new Map(
    resourcesOfType(template, "AWS::Lambda::Function").map(([id, fn]) => {
      const name = str(fn.Properties?.FunctionName).replace(`${SERVICE}-${stage}-`, "");
      return [name, { id, props: fn.Properties ?? {} }];
    }),
  );
}

function environment(fn: { props: JsonObject }): JsonObject {
  return asObject(asObject(fn.props.Environment).Variables);
}

type Statement = PolicyStatement;

/** Every statement of a role's inline policies. */
function statements(template: Template, roleId: string): Statement[] {
  return asArray(props(template, roleId).Policies).flatMap((policy) =>
    policyStatements(asObject(policy).PolicyDocument),
  );
}

const actionsOf = (list: Statement[]) => new Set(list.flatMap((statement) => statement.Action));

/** The SSM parameter names a statement list allows reading, from `arn:...:parameter/<name>` in an Fn::Sub. */
function readableParameters(list: Statement[]): string[] {
  return list
    .filter((statement) => statement.Action.includes("ssm:GetParameter"))
    .flatMap((statement) => statement.Resource)
    .map((resourceArn) => str(asObject(resourceArn)["Fn::Sub"]))
    .map((arn) => /:parameter(\/.+)$/.exec(arn)?.[1] ?? `not a parameter ARN: ${arn}`);
}

function roleOf(template: Template, fn: { props: JsonObject }): string {
  const roleId = target(fn.props.Role);
  if (!roleId) throw new Error("the function's role is not a role of this template");
  return roleId;
}

describe.each(PACKAGED_STAGES)("the %s stage's template", (stage) => {
  const template = templates[stage];
  const fns = functions(template, stage);

  it("passes cfn-lint on the current CloudFormation resource specification", () => {
    expect(lintTemplate(template)).toEqual([]);
  });

  it("routes the webhook receiver, the read API and the health check through the HTTP API", () => {
    const routes = Object.fromEntries(
      resourcesOfType(template, "AWS::ApiGatewayV2::Route").map(([, route]) => {
        const join = asArray(asObject(route.Properties?.Target)["Fn::Join"]);
        const integration = target(asArray(join[1])[1]);
        const fnId = integration ? target(props(template, integration).IntegrationUri) : undefined;
        return [str(route.Properties?.RouteKey), fnId];
      }),
    );
    expect(routes).toEqual({
      "POST /webhooks/orders": fns.get("receiveWebhook")?.id,
      "GET /orders/{order_id}": fns.get("getOrder")?.id,
      "GET /health": fns.get("health")?.id,
      "ANY /admin/{proxy+}": fns.get("adminApi")?.id,
      "GET /console": fns.get("console")?.id,
      "GET /console/{proxy+}": fns.get("console")?.id,
      "GET /octo/{proxy+}": fns.get("octoApi")?.id,
      "POST /octo/{proxy+}": fns.get("octoApi")?.id,
      "PATCH /octo/{proxy+}": fns.get("octoApi")?.id,
    });
    expect(props(template, "HttpApiIntegrationReceiveWebhook").PayloadFormatVersion).toBe("2.0");
  });

  it("feeds the worker from a FIFO queue with a bounded dead-letter queue and partial batch failures", () => {
    const queue = props(template, "EventsQueue");
    const dlq = props(template, "EventsDeadLetterQueue");
    const worker = fns.get("processEvent");
    expect(queue.FifoQueue).toBe(true);
    expect(dlq.FifoQueue).toBe(true);
    const redrive = asObject(queue.RedrivePolicy);
    expect(target(redrive.deadLetterTargetArn)).toBe("EventsDeadLetterQueue");
    // The worker marks an event dead-lettered on its message's last receive: it must know the queue's count.
    expect(redrive.maxReceiveCount).toBe(MAX_RECEIVES);
    expect(Number(queue.VisibilityTimeout)).toBeGreaterThanOrEqual(6 * Number(worker?.props.Timeout));
    // The dead-letter queue keeps a message as long as SQS allows (14 days), as long as the sweeper expects: it
    // queues a dead-lettered event again a day before its message expires there.
    expect(dlq.MessageRetentionPeriod).toBe(1_209_600);
    expect(Number(dlq.MessageRetentionPeriod) * 1000).toBe(DEAD_LETTER_RETENTION_MS);
    expect(queue.MessageRetentionPeriod).toBe(1_209_600);
    // A tried event untouched this long has no live message: longer than the longest backoff plus a worker's hold.
    expect(readConfig({}).sweepTriedStrandedAfterMs).toBeGreaterThan(
      SQS_RETRY_BACKOFF.maxMs + Number(queue.VisibilityTimeout) * 1000,
    );

    const mappings = resourcesOfType(template, "AWS::Lambda::EventSourceMapping").map(([, m]) => m.Properties ?? {});
    const mapping = mappings.find((m) => target(m.EventSourceArn) === "EventsQueue") ?? {};
    expect(target(mapping.FunctionName)).toBe(worker?.id);
    expect(mapping.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(Number(mapping.BatchSize)).toBeLessThanOrEqual(10);
    expect(asObject(mapping.ScalingConfig).MaximumConcurrency).toBe(10);
    // The stream consumer and the sweeper queue to this queue; the receiver does not know it.
    expect(target(environment(fns.get("forwardEvents") ?? { props: {} }).QUEUE_URL)).toBe("EventsQueue");
    expect(target(environment(fns.get("sweepEvents") ?? { props: {} }).QUEUE_URL)).toBe("EventsQueue");
    expect(environment(fns.get("receiveWebhook") ?? { props: {} }).QUEUE_URL).toBeUndefined();
  });

  it("queues stored events from the table's stream (the outbox), in order, and sweeps what it missed", () => {
    const table = props(template, "OrdersTable");
    expect(table.StreamSpecification).toEqual(tableDefinition.StreamSpecification);
    expect(asObject(table.StreamSpecification).StreamViewType).toBe("NEW_AND_OLD_IMAGES");
    const forwarder = fns.get("forwardEvents");
    const stream = resourcesOfType(template, "AWS::Lambda::EventSourceMapping")
      .map(([, m]) => m.Properties ?? {})
      .find((m) => target(m.FunctionName) === forwarder?.id);
    if (!stream) throw new Error("no stream event source for forwardEvents");
    // The stream's ARN of this stage's table.
    expect(asArray(asObject(stream.EventSourceArn)["Fn::GetAtt"])).toEqual(["OrdersTable", "StreamArn"]);
    expect(stream.StartingPosition).toBe("TRIM_HORIZON");
    expect(stream.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(stream.BisectBatchOnFunctionError).not.toBe(true); // a retry starts at the failed record, in order
    const filters = asArray(asObject(stream.FilterCriteria).Filters).map(
      (f) => JSON.parse(str(asObject(f).Pattern)) as unknown,
    );
    expect(filters).toEqual([{ dynamodb: { NewImage: { sk: { S: ["EVENT"] }, status: { S: ["queued"] } } } }]);
    // The sweeper runs on a schedule.
    const sweeper = fns.get("sweepEvents");
    const rules = resourcesOfType(template, "AWS::Events::Rule").filter(([, rule]) =>
      asArray(rule.Properties?.Targets).some((t) => target(asObject(asObject(t).Arn)) === sweeper?.id),
    );
    expect(rules.map(([, rule]) => rule.Properties?.ScheduleExpression)).toEqual(["rate(5 minutes)"]);
    expect(Number(environment(sweeper ?? { props: {} }).SWEEP_STRANDED_AFTER_MS)).toBe(600_000);
    // It reads the waiting events by state, and an order's events (one waiting behind a retried one is not stranded).
    const sweeperQueries = statements(template, roleOf(template, sweeper ?? { id: "", props: {} }))
      .filter((statement) => statement.Action.includes("dynamodb:Query"))
      .flatMap((statement) => statement.Resource)
      .map((resourceArn) => /\/index\/(.+)$/.exec(str(asObject(resourceArn)["Fn::Sub"]))?.[1])
      .filter((name): name is string => name !== undefined);
    expect(sweeperQueries.sort()).toEqual(["eventsByOrder", "eventsByState"]);
  });

  it("alarms on stranded events, on unfinished ones until they are finished, and on the stream consumer's lag", () => {
    const alarm = (id: string) => props(template, id);
    // Any event the sweeper had to queue again: every one of them is at least 10 minutes old by its own receipt.
    expect(alarm("StrandedEventsAlarm")).toMatchObject({
      MetricName: METRIC.oldestStrandedEventAge,
      Statistic: "Maximum",
      Threshold: 600,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    expect(Number(alarm("StrandedEventsAlarm").Threshold) * 1000).toBeLessThanOrEqual(
      Number(environment(fns.get("sweepEvents") ?? { props: {} }).SWEEP_STRANDED_AFTER_MS),
    );
    // Raised while an event is unfinished an hour after its receipt (the metric grows with the event's age), through
    // a period without a sweep, and notified when it clears.
    expect(alarm("UnfinishedEventsAlarm")).toMatchObject({
      AlarmName: `${SERVICE}-${stage}-events-unfinished`,
      Namespace: `AxChannelAdapter/${stage}`,
      MetricName: METRIC.oldestUnfinishedEventAge,
      Statistic: "Maximum",
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 1,
      Threshold: 3600,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
    });
    expect(asArray(alarm("UnfinishedEventsAlarm").AlarmActions).map(target)).toEqual(["AlarmTopic"]);
    expect(asArray(alarm("UnfinishedEventsAlarm").OKActions).map(target)).toEqual(["AlarmTopic"]);
    expect(alarm("OutboxLagAlarm")).toMatchObject({ Namespace: "AWS/Lambda", MetricName: "IteratorAge" });
    expect(target(asObject(asArray(alarm("OutboxLagAlarm").Dimensions)[0]).Value)).toBe(fns.get("forwardEvents")?.id);
  });

  it("defines the table once, from resources/table.json, on demand, with point-in-time recovery and TTL", () => {
    const table = props(template, "OrdersTable");
    for (const key of ["AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "TimeToLiveSpecification"])
      expect(table[key], key).toEqual(tableDefinition[key]);
    expect(table.BillingMode).toBe("PAY_PER_REQUEST");
    expect(asObject(table.PointInTimeRecoverySpecification).PointInTimeRecoveryEnabled).toBe(true);
    expect(asObject(table.TimeToLiveSpecification)).toMatchObject({ Enabled: true });
    expect(resourcesOfType(template, "AWS::DynamoDB::Table")).toHaveLength(1);
    for (const fn of fns.values()) {
      const tableName = environment(fn).TABLE_NAME;
      if (tableName !== undefined) expect(target(tableName)).toBe("OrdersTable");
    }
  });

  it("gives every function a role of its own", () => {
    expect(resourcesOfType(template, "AWS::IAM::Role")).toHaveLength(fns.size);
    const roles = [...fns.values()].map((fn) => roleOf(template, fn));
    expect(new Set(roles).size).toBe(fns.size);
    for (const role of roles) expect(resource(template, role).Type).toBe("AWS::IAM::Role");
    // No shared execution role made by the framework.
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it("allows no wildcard action and no resource outside the stage's table, queue, logs and parameters", () => {
    const ownResources = new Set(Object.keys(template.Resources));
    for (const [name, fn] of fns) {
      const roleId = roleOf(template, fn);
      const list = statements(template, roleId);
      // No managed policy, except AWS's X-Ray write policy on a stage with active tracing (tracing.test.ts).
      const managed = asArray(resolveConditions(template, props(template, roleId).ManagedPolicyArns));
      expect(
        managed.filter((arn) => JSON.stringify(arn) !== JSON.stringify(XRAY_WRITE_POLICY)),
        name,
      ).toEqual([]);
      for (const statement of list) {
        expect(statement.Effect, name).toBe("Allow");
        for (const action of statement.Action) expect(action, name).toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
        for (const resourceArn of statement.Resource) {
          expect(resourceArn, name).not.toBe("*");
          const sub = asObject(resourceArn)["Fn::Sub"];
          if (typeof sub === "string") {
            // Fn::Sub: a parameter of this stage, or an index of this stage's table.
            expect(sub, name).toMatch(
              new RegExp(
                `^(arn:\\$\\{AWS::Partition\\}:ssm:\\$\\{AWS::Region\\}:\\$\\{AWS::AccountId\\}:parameter/${SERVICE}/${stage}/[a-z-]+|\\$\\{OrdersTable\\.Arn\\}/index/[A-Za-z]+)$`,
              ),
            );
          } else {
            expect(ownResources.has(target(resourceArn) ?? ""), `${name}: ${JSON.stringify(resourceArn)}`).toBe(true);
          }
        }
      }
    }
  });

  it("lets the admin API act on the table through its indexes and on the dead-letter queue, with the admin tokens only", () => {
    const adminApi = fns.get("adminApi");
    if (!adminApi) throw new Error("no adminApi function");
    const list = statements(template, roleOf(template, adminApi));
    expect([...actionsOf(list)].sort()).toEqual(
      [
        "dynamodb:BatchGetItem",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage",
        "sqs:SendMessage",
        "sqs:StartMessageMoveTask",
        "ssm:GetParameter",
      ].sort(),
    );
    // It deletes product mappings, and nothing else: DeleteItem only on items whose key starts with SKU#, and no
    // BatchWriteItem (whose deletes would bypass that).
    const deleting = list.filter((statement) =>
      statement.Action.some((a) => /Delete|BatchWrite/.test(a) && a.startsWith("dynamodb:")),
    );
    expect(deleting.map((statement) => statement.Action)).toEqual([["dynamodb:DeleteItem"]]);
    expect(deleting[0]?.Condition).toEqual({ "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["SKU#*"] } });
    expect(deleting[0]?.Resource.map(target)).toEqual(["OrdersTable"]);
    // The admin tokens, and AX's credentials: a reconciliation asks AX about the AX orders it attaches.
    expect(readableParameters(list).sort()).toEqual([
      `/${SERVICE}/${stage}/admin-tokens`,
      `/${SERVICE}/${stage}/ax-api-key`,
      `/${SERVICE}/${stage}/ax-channel-code`,
    ]);
    // Every index it queries exists in the table (the AX-code index among them); no scan anywhere.
    const indexes = new Set(asArray(tableDefinition.GlobalSecondaryIndexes).map((i) => str(asObject(i).IndexName)));
    const queried = list
      .filter((statement) => statement.Action.includes("dynamodb:Query"))
      .flatMap((statement) => statement.Resource)
      .map((resourceArn) => /\/index\/(.+)$/.exec(str(asObject(resourceArn)["Fn::Sub"]))?.[1])
      .filter((name): name is string => name !== undefined);
    expect(queried.length).toBeGreaterThanOrEqual(8);
    expect(queried).toContain("byAxOrder");
    for (const index of queried) expect(indexes.has(index), index).toBe(true);
    expect(actionsOf(list).has("dynamodb:Scan")).toBe(false);
    // It sends only to the queue a redrive moves messages back to, and reads only the dead-letter queue.
    for (const statement of list.filter((s) => s.Action.some((a) => a.startsWith("sqs:"))))
      expect(statement.Resource.map(target)).toEqual([
        statement.Action.includes("sqs:SendMessage") ? "EventsQueue" : "EventsDeadLetterQueue",
      ]);
    expect(target(environment(adminApi).DLQ_URL)).toBe("EventsDeadLetterQueue");
    expect(environment(adminApi).AX_BASE_URL).toBe(environment(fns.get("processEvent") ?? adminApi).AX_BASE_URL);
  });

  it("lets the status sync read its cursor and query its due index (and the one it moves AX orders out of)", () => {
    const sync = fns.get("syncStatuses");
    if (!sync) throw new Error("no syncStatuses function");
    const list = statements(template, roleOf(template, sync));
    expect(actionsOf(list).has("dynamodb:GetItem")).toBe(true);
    const queried = list
      .filter((statement) => statement.Action.includes("dynamodb:Query"))
      .flatMap((statement) => statement.Resource)
      .map((resourceArn) => /\/index\/(.+)$/.exec(str(asObject(resourceArn)["Fn::Sub"]))?.[1])
      .filter((name): name is string => name !== undefined);
    expect(queried.sort()).toEqual(["openOrders", "outbox", "syncDue"]);
    const indexes = new Set(asArray(tableDefinition.GlobalSecondaryIndexes).map((i) => str(asObject(i).IndexName)));
    for (const index of queried) expect(indexes.has(index), index).toBe(true);
  });

  it("serves the console from a function that may only write its logs", () => {
    const consoleFn = fns.get("console");
    if (!consoleFn) throw new Error("no console function");
    expect([...actionsOf(statements(template, roleOf(template, consoleFn)))].sort()).toEqual([
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]);
    expect(Object.keys(environment(consoleFn)).filter((name) => name.endsWith("_PARAM"))).toEqual([]);
  });

  it("lets the receiver store events (no queue permission), and read only the webhook secrets", () => {
    const receiver = fns.get("receiveWebhook");
    if (!receiver) throw new Error("no receiveWebhook function");
    const list = statements(template, roleOf(template, receiver));
    expect([...actionsOf(list)].sort()).toEqual(
      ["dynamodb:PutItem", "logs:CreateLogStream", "logs:PutLogEvents", "ssm:GetParameter"].sort(),
    );
    expect(readableParameters(list)).toEqual([`/${SERVICE}/${stage}/webhook-secrets`]);
    expect(environment(receiver).AX_BASE_URL).toBeUndefined();
  });

  it("lets the worker read what it uses and nothing of the receiver's or the read API's", () => {
    const worker = fns.get("processEvent");
    if (!worker) throw new Error("no processEvent function");
    const list = statements(template, roleOf(template, worker));
    const actions = actionsOf(list);
    expect(actions).toContain("sqs:ReceiveMessage");
    expect(actions).toContain("sqs:DeleteMessage");
    expect(actions).not.toContain("sqs:SendMessage");
    // It writes search entries and attempt log lines in batches, and only those (a batch could otherwise delete any
    // item).
    const batches = list.filter((statement) => statement.Action.includes("dynamodb:BatchWriteItem"));
    expect(batches.map((statement) => statement.Action)).toEqual([["dynamodb:BatchWriteItem"]]);
    expect(batches[0]?.Condition).toEqual({
      "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["FIND#*", "LOG#*"] },
    });
    // AX's kept answer to a create is deleted in the transaction that records it.
    expect(actions).toContain("dynamodb:DeleteItem");
    expect(readableParameters(list).sort()).toEqual([
      `/${SERVICE}/${stage}/ax-api-key`,
      `/${SERVICE}/${stage}/ax-channel-code`,
    ]);
  });

  it("lets each function read exactly the secret parameters its environment names", () => {
    for (const [name, fn] of fns) {
      const named = Object.entries(environment(fn))
        .filter(([key]) => key.endsWith("_PARAM"))
        .map(([, value]) => str(value));
      for (const parameter of named) expect(parameter, name).toMatch(new RegExp(`^/${SERVICE}/${stage}/[a-z-]+$`));
      expect(readableParameters(statements(template, roleOf(template, fn))).sort(), name).toEqual(named.sort());
    }
  });

  it("puts no secret value in any function's environment", () => {
    // Each variable is a reference, a parameter *name*, or one of these settings; secrets are only read from SSM.
    const settings = new Set([
      "NODE_OPTIONS",
      "POWERTOOLS_SERVICE_NAME",
      "POWERTOOLS_METRICS_NAMESPACE",
      "POWERTOOLS_LOG_LEVEL",
      "AX_BASE_URL",
      "OUTBOUND_WEBHOOK_URL",
      "SYNC_BUDGET_MS",
      "SYNC_CONCURRENCY",
      "SWEEP_STRANDED_AFTER_MS",
      // The OCTO supplier API (issue #20): URLs and the supplier's public contact, no secret.
      "OCTO_WEBHOOK_URLS",
      "OCTO_SUPPLIER_NAME",
      "OCTO_SUPPLIER_EMAIL",
      "OCTO_SUPPLIER_TELEPHONE",
      "OCTO_SUPPLIER_CALLING_CODE",
    ]);
    const secrets = [
      "WEBHOOK_SECRET",
      "ADMIN_TOKEN",
      "AX_API_KEY",
      "AX_CHANNEL_CODE",
      "OUTBOUND_WEBHOOK_SECRET",
      "OCTO_RESELLER_KEYS",
      "OCTO_WEBHOOK_SECRETS",
    ];
    for (const [name, fn] of fns) {
      for (const [key, value] of Object.entries(environment(fn))) {
        expect(secrets, `${name}.${key}`).not.toContain(key);
        if (typeof value !== "string") expect(target(value), `${name}.${key}`).toBeDefined();
        else if (key.endsWith("_PARAM")) expect(value, `${name}.${key}`).toMatch(/^\/[a-z0-9/-]+$/);
        else expect(settings.has(key), `${name}.${key} is not a known setting`).toBe(true);
      }
    }
    expect(JSON.stringify(template)).not.toMatch(/whsec_|Bearer |dev-admin-token/);
  });

  it("derives every name from the service and the stage", () => {
    const named: [string, Json | undefined][] = [
      ["table", props(template, "OrdersTable").TableName],
      ["queue", props(template, "EventsQueue").QueueName],
      ["dead-letter queue", props(template, "EventsDeadLetterQueue").QueueName],
      ["alarm topic", props(template, "AlarmTopic").TopicName],
      ["dashboard", props(template, "Dashboard").DashboardName],
      ...[...fns].map(([name, fn]): [string, Json | undefined] => [name, fn.props.FunctionName]),
      ...resourcesOfType(template, "AWS::CloudWatch::Alarm").map(([id, alarm]): [string, Json | undefined] => [
        id,
        alarm.Properties?.AlarmName,
      ]),
    ];
    for (const [what, value] of named) expect(str(value), what).toContain(`${SERVICE}-${stage}`);
    const other = PACKAGED_STAGES.find((name) => name !== stage) ?? "";
    // As a word: `product_type` (an index's attribute) is no stage name.
    expect(JSON.stringify(template)).not.toMatch(new RegExp(`\\b${other}\\b`));
  });

  it("sends every alarm to the stage's SNS topic and watches what issue #5 names", () => {
    const alarms = resourcesOfType(template, "AWS::CloudWatch::Alarm").map(([id, alarm]) => ({
      id,
      props: alarm.Properties ?? {},
    }));
    for (const alarm of alarms) {
      expect(asArray(alarm.props.AlarmActions).map(target), alarm.id).toEqual(["AlarmTopic"]);
      expect(alarm.props.TreatMissingData, alarm.id).toBe("notBreaching");
    }
    const metricsOf = (props: JsonObject): JsonObject[] =>
      props.MetricName !== undefined
        ? [props]
        : asArray(props.Metrics)
            .map((query) => asObject(asObject(asObject(query).MetricStat).Metric))
            .filter((metric) => metric.MetricName !== undefined);
    const watching = (namespace: string, metricName: string) =>
      alarms.filter((alarm) =>
        metricsOf(alarm.props).some((metric) => metric.Namespace === namespace && metric.MetricName === metricName),
      );

    // Dead-letter queue not empty.
    const dlq = watching("AWS/SQS", "ApproximateNumberOfMessagesVisible");
    expect(dlq).toHaveLength(1);
    expect(target(asObject(asArray(dlq[0]?.props.Dimensions)[0]).Value)).toBe("EventsDeadLetterQueue");

    // The adapter's own metrics, in the namespace and with the dimension the functions publish.
    const namespace = str(environment(fns.get("processEvent") ?? { props: {} }).POWERTOOLS_METRICS_NAMESPACE);
    expect(namespace).toContain(stage);
    for (const fn of fns.values()) expect(environment(fn).POWERTOOLS_METRICS_NAMESPACE).toBe(namespace);
    for (const metricName of [METRIC.eventsParked, METRIC.createsUncertain, METRIC.axCalls, METRIC.axCallErrors]) {
      const found = watching(namespace, metricName);
      expect(found, metricName).toHaveLength(1);
      const metric = metricsOf(found[0]?.props ?? {}).find((m) => m.MetricName === metricName) ?? {};
      expect(asArray(metric.Dimensions), metricName).toEqual([{ Name: "service", Value: SERVICE_NAME }]);
    }
    const errorRate = watching(namespace, METRIC.axCalls)[0]?.props ?? {};
    expect(asArray(errorRate.Metrics).map((query) => asObject(query).Expression)).toContain(
      "IF(calls >= 5, 100 * errors / calls, 0)",
    );

    // Lambda errors and throttles of every function.
    for (const metricName of ["Errors", "Throttles"]) {
      const found = watching("AWS/Lambda", metricName);
      expect(found, metricName).toHaveLength(1);
      const watched = metricsOf(found[0]?.props ?? {}).map((metric) =>
        target(asObject(asArray(metric.Dimensions)[0]).Value),
      );
      expect(watched.sort(), metricName).toEqual([...fns.values()].map((fn) => fn.id).sort());
    }

    // API 5xx.
    const api = watching("AWS/ApiGateway", "5xx");
    expect(api).toHaveLength(1);
    expect(target(asObject(asArray(api[0]?.props.Dimensions)[0]).Value)).toBe("HttpApi");
    expect(props(template, "AlarmTopic").TopicName).toBe(`${SERVICE}-${stage}-alarms`);
  });

  it("has a dashboard whose body is valid JSON showing every alarm", () => {
    const body = str(asObject(props(template, "Dashboard").DashboardBody)["Fn::Sub"]);
    const parsed = JSON.parse(body.replace(/\$\{([^}]+)\}/g, "$1")) as { widgets: JsonObject[] };
    const alarmWidget = parsed.widgets.find((widget) => widget.type === "alarm");
    const shown = asArray(asObject(alarmWidget?.properties).alarms).map((arn) => str(arn).replace(".Arn", ""));
    expect(shown.sort()).toEqual(
      resourcesOfType(template, "AWS::CloudWatch::Alarm")
        .map(([id]) => id)
        .sort(),
    );

    // Every metric of the adapter's namespace that it charts is one the code publishes.
    const namespace = `AxChannelAdapter/${stage}`;
    const charted: string[] = [];
    for (const widget of parsed.widgets) {
      let previous: Json[] = [];
      for (const row of asArray(asObject(widget.properties).metrics).map(asArray)) {
        const first = row[0];
        if (typeof first === "string") {
          // "." repeats the previous row's value; "..." repeats everything before the last dimension value.
          const resolved =
            first === "..."
              ? [...previous.slice(0, -1), ...row.slice(1)]
              : row.map((cell, i) => (cell === "." ? previous[i] : cell) ?? null);
          if (resolved[0] === namespace) charted.push(str(resolved[1]));
          previous = resolved;
        } else {
          const search = /SEARCH\('\{([^,]+),[^}]*\} MetricName="(\w+)"/.exec(str(asObject(first).expression));
          if (search?.[1] === namespace && search[2]) charted.push(search[2]);
        }
      }
    }
    const published = new Set<string>(Object.values(METRIC));
    expect(charted.length).toBeGreaterThan(10);
    for (const name of charted) expect(published.has(name), name).toBe(true);
  });
});

describe("per-stage settings", () => {
  const settings = (stage: PackagedStage) => {
    const template = templates[stage];
    const fns = functions(template, stage);
    const worker = fns.get("processEvent") ?? { id: "", props: {} };
    return {
      axBaseUrl: environment(worker).AX_BASE_URL,
      logLevels: new Set([...fns.values()].map((fn) => environment(fn).POWERTOOLS_LOG_LEVEL)),
      retention: new Set(
        resourcesOfType(template, "AWS::Logs::LogGroup").map(([, group]) => group.Properties?.RetentionInDays),
      ),
      table: resource(template, "OrdersTable"),
    };
  };

  it("calls AX's production host from prod only, with INFO logs kept 90 days", () => {
    const prodSettings = settings("prod");
    expect(prodSettings.axBaseUrl).toBe("https://prod.ax-cloud.com");
    expect(prodSettings.logLevels).toEqual(new Set(["INFO"]));
    expect(prodSettings.retention).toEqual(new Set([90]));
  });

  it("calls AX's test host from any other stage, with DEBUG logs kept 14 days", () => {
    const other = settings("qa-7");
    expect(other.axBaseUrl).toBe("https://test.ax-cloud.com");
    expect(other.logLevels).toEqual(new Set(["DEBUG"]));
    expect(other.retention).toEqual(new Set([14]));
  });

  it("protects and retains the table on prod only", () => {
    const prodTable = settings("prod").table;
    expect(prodTable.Properties?.DeletionProtectionEnabled).toBe(true);
    expect(prodTable.DeletionPolicy).toBe("Retain");
    expect(prodTable.UpdateReplacePolicy).toBe("Retain");
    const otherTable = settings("qa-7").table;
    expect(otherTable.Properties?.DeletionProtectionEnabled).toBe(false);
    expect(otherTable.DeletionPolicy).toBe("Delete");
  });

  it("publishes the webhook URL as a stack output", () => {
    expect(prod.Outputs?.HttpApiUrl).toBeDefined();
  });
});
