// The EMF lines the functions write: the alarms of resources/monitoring.yml read these names and dimensions.
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { emfMetrics, METRIC, SERVICE_NAME, type AdapterMetrics } from "../../lib/observability/metrics";
import { DynamoStore } from "../../lib/store/dynamo-store";

interface EmfLine {
  _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [key: string]: unknown;
}

let lines: EmfLine[];
let warnings: string[];
let metrics: AdapterMetrics;

beforeEach(() => {
  lines = [];
  warnings = [];

  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line) as EmfLine);
    return true;
  });
  metrics = emfMetrics(powertools());
});

afterEach(() => {
  vi.restoreAllMocks();
});

const definition = (line: EmfLine) => line._aws.CloudWatchMetrics[0];

/** Powertools Metrics as the functions make it, its own warnings (written to the log in Lambda) caught here. */
function powertools(): Metrics {
  const ignore = () => undefined;
  return new Metrics({
    namespace: "AxChannelAdapter/test",
    serviceName: SERVICE_NAME,
    logger: { debug: ignore, info: ignore, error: ignore, warn: (message: unknown) => warnings.push(String(message)) },
  });
}

describe("EMF metrics", () => {
  it("counts AX calls and AX errors for the error-rate alarm, per endpoint and outcome, with latency", () => {
    metrics.axCalled({ endpoint: "create", status: 503, outcome: "ax_unavailable", durationMs: 120 });

    expect(lines).toHaveLength(2);
    const [counts, latency] = lines;
    if (!counts || !latency) throw new Error("two lines expected");
    // One extra dimension set per line: no key in two sets (Powertools warns of each such key, at every publish).
    expect(definition(counts)).toEqual({
      Namespace: "AxChannelAdapter/test",
      Dimensions: [["service"], ["service", "endpoint", "outcome"]],
      Metrics: [
        { Name: METRIC.axCalls, Unit: "Count" },
        { Name: METRIC.axCallErrors, Unit: "Count" },
      ],
    });
    expect(counts).toMatchObject({
      service: SERVICE_NAME,
      endpoint: "create",
      outcome: "ax_unavailable",
      AxCalls: 1,
      AxCallErrors: 1,
    });
    expect(definition(latency)).toMatchObject({
      Dimensions: [["service"], ["service", "endpoint"]],
      Metrics: [{ Name: METRIC.axCallLatency, Unit: "Milliseconds" }],
    });
    expect(latency).toMatchObject({ AxCallLatency: 120, endpoint: "create" });
    expect(warnings).toEqual([]);
  });

  it("batched (a sync run, a worker's batch), adds a thousand AX calls up into a few lines written at flush", () => {
    const batched = emfMetrics(powertools(), { batched: true });
    for (let i = 0; i < 1_000; i++)
      batched.axCalled({
        endpoint: "confirmation",
        status: i % 100 === 0 ? 503 : 200,
        outcome: i % 100 === 0 ? "ax_unavailable" : "ok",
        durationMs: 100 + (i % 50),
      });
    expect(lines).toHaveLength(0);
    batched.flush?.();
    // One line per endpoint and outcome, one for the latencies (a uniform sample of 100: EMF's limit per line).
    expect(lines).toHaveLength(3);
    const calls = lines.filter((line) => "AxCalls" in line);
    expect(calls.map((line) => [line.outcome, line.AxCalls, line.AxCallErrors])).toEqual([
      ["ax_unavailable", 10, 10],
      ["ok", 990, 0],
    ]);
    const latency = lines.find((line) => "AxCallLatency" in line);
    expect(latency?.AxCallLatency).toHaveLength(100);
    expect((latency?.AxCallLatency as number[]).every((ms) => ms >= 100 && ms < 150)).toBe(true);
    expect(warnings).toEqual([]);
    batched.flush?.();
    expect(lines).toHaveLength(3);
  });

  it("does not count AX refusing a request (400, 404) as an AX error", () => {
    metrics.axCalled({ endpoint: "create", status: 400, outcome: "ax_rejected", durationMs: 80 });
    metrics.axCalled({ endpoint: "confirmation", status: 200, outcome: "ok", durationMs: 50 });
    expect(lines.filter((line) => "AxCalls" in line).map((line) => line.AxCallErrors)).toEqual([0, 0]);
  });

  it("counts webhooks accepted, duplicate and rejected by reason", () => {
    metrics.webhookAnswered({ outcome: "accepted" });
    metrics.webhookAnswered({ outcome: "duplicate" });
    metrics.webhookAnswered({ outcome: "rejected", reason: "invalid_signature" });
    metrics.webhookFailed();

    expect(lines.map((line) => definition(line)?.Metrics[0]?.Name)).toEqual([
      METRIC.webhooksAccepted,
      METRIC.webhooksDuplicate,
      METRIC.webhooksRejected,
      METRIC.signaturesRefused,
      METRIC.webhooksFailed,
    ]);
    const rejected = lines[2];
    expect(rejected && definition(rejected)?.Dimensions).toEqual([["service"], ["service", "reason"]]);
    expect(rejected).toMatchObject({ reason: "invalid_signature", WebhooksRejected: 1 });
    // The refused-signature alarm's series: the service dimension alone.
    const refused = lines[3];
    expect(refused && definition(refused)?.Dimensions).toEqual([["service"]]);
    expect(refused).toMatchObject({ WebhookSignaturesRefused: 1 });
  });

  it("counts parked events by reason, and an uncertain create twice: parked and uncertain", () => {
    metrics.eventProcessed({ status: "failed", reason: "unmapped_sku" });
    metrics.eventProcessed({ status: "failed", reason: "create_uncertain" });
    metrics.eventProcessed({ status: "applied" });
    metrics.eventProcessed({ status: "failed", reason: "ax_rejected", alreadySettled: true });

    expect(lines.map((line) => definition(line)?.Metrics[0]?.Name)).toEqual([
      METRIC.eventsParked,
      METRIC.eventsParked,
      METRIC.createsUncertain,
      METRIC.eventsApplied,
    ]);
    expect(lines[0]).toMatchObject({ reason: "unmapped_sku", EventsParked: 1 });
    expect(lines[2] && definition(lines[2])?.Dimensions).toEqual([["service"]]);
  });

  it("counts refused admin tokens under the service alone (the alarm's series) and by reason", () => {
    metrics.adminTokenRefused("unknown");

    expect(lines).toHaveLength(1);
    expect(definition(lines[0] as EmfLine)).toEqual({
      Namespace: "AxChannelAdapter/test",
      Dimensions: [["service"], ["service", "reason"]],
      Metrics: [{ Name: METRIC.adminTokensRefused, Unit: "Count" }],
    });
    expect(lines[0]).toMatchObject({ service: SERVICE_NAME, reason: "unknown", AdminTokensRefused: 1 });
  });
});

describe("the table's TTL", () => {
  it("is on the attribute the store sets when an event is settled", async () => {
    const table = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../resources/table.json"), "utf8")) as {
      TimeToLiveSpecification: { AttributeName: string };
    };
    const sent: { UpdateExpression?: string }[] = [];
    const doc = {
      send: (command: { input: { UpdateExpression?: string } }) => {
        sent.push(command.input);
        return Promise.resolve({});
      },
    } as unknown as DynamoDBDocumentClient;

    await new DynamoStore(doc, "table").setEventStatus({ webhook_id: "msg_1", status: "applied" }, new Date());

    expect(sent[0]?.UpdateExpression).toContain(`${table.TimeToLiveSpecification.AttributeName} = :`);
  });
});
