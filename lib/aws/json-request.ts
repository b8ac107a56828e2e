// One operation of an AWS service's JSON protocol (SSM, SQS) as a SigV4-signed POST: the SDK's own signer and
// SHA-256, the credentials from the Lambda's environment. A service client would add its schemas, error classes and
// middleware stack to every bundle that holds it (SQS 23 KB, SSM 76 KB) for the few calls the adapter makes; what the
// client would add beyond the request is one retry, done here as the clients are set up (lib/aws-timeouts.ts).
import http from "node:http";
import https from "node:https";
import { fromEnv } from "@aws-sdk/credential-provider-env";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import * as v from "valibot";
import { parseJsonOrUndefined } from "../json";

type Credentials = ReturnType<typeof fromEnv>;

export interface AwsJsonServiceOptions {
  /** The signing name and endpoint prefix: `ssm`, `sqs`. */
  service: string;
  /** The `X-Amz-Target` prefix: `AmazonSSM`, `AmazonSQS`. */
  targetPrefix: string;
  /** `application/x-amz-json-<version>`: SSM speaks 1.1, SQS 1.0. */
  jsonVersion: "1.0" | "1.1";
  region: string;
  /** Default `https://<service>.<region>.amazonaws.com`. */
  endpoint?: string;
  credentials?: Credentials;
  /** Until the connection is up, then until the whole answer is read, per attempt. */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Attempts of a call AWS did not take (throttled, 5xx, a connection that failed or timed out). Default 2. */
  attempts?: number;
}

/** The service answered with an error: its `__type` without the namespace (`ParameterNotFound`, `QueueDoesNotExist`). */
export class AwsServiceError extends Error {
  constructor(
    readonly service: string,
    readonly operation: string,
    readonly type: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(`${service} ${operation} failed: ${type} (HTTP ${status})${detail ? `: ${detail}` : ""}`);
    this.name = "AwsServiceError";
  }

  /** Throttled or failed on AWS's side: the same call may be sent again. */
  get retryable(): boolean {
    return this.status >= 500 || /Throttl|RequestLimitExceeded|TooManyRequests/i.test(this.type);
  }
}

/** Calls one operation with its JSON input and answers its JSON output (an AwsServiceError otherwise). */
export type AwsJsonCall = (operation: string, input: Record<string, unknown>) => Promise<unknown>;

const ErrorSchema = v.object({
  __type: v.optional(v.string()),
  message: v.optional(v.string()),
  Message: v.optional(v.string()),
});

export function awsJsonService(options: AwsJsonServiceOptions): AwsJsonCall {
  const url = new URL(options.endpoint ?? `https://${options.service}.${options.region}.amazonaws.com`);
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: options.credentials ?? fromEnv(),
    sha256: Sha256,
  });
  const contentType = `application/x-amz-json-${options.jsonVersion}`;
  const timeouts = { connectMs: options.connectTimeoutMs ?? 1_000, requestMs: options.requestTimeoutMs ?? 2_000 };
  const attempts = Math.max(1, options.attempts ?? 2);
  // Kept-alive connections: a stream batch or a sweep sends several requests in a row.
  let agent: http.Agent | undefined;
  const transport = () => (url.protocol === "http:" ? http : https);
  const keptAlive = () => (agent ??= new (transport().Agent)({ keepAlive: true }));

  const once = async (operation: string, body: string): Promise<unknown> => {
    const signed = await signer.sign({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: "/",
      query: {},
      headers: {
        host: url.host,
        "content-type": contentType,
        "x-amz-target": `${options.targetPrefix}.${operation}`,
        "content-length": String(Buffer.byteLength(body)),
      },
      body,
    });
    const { status, text } = await post(transport(), keptAlive(), url, signed.headers, body, timeouts);
    if (status === 200) return parseJsonOrUndefined(text) ?? {};
    const failure = v.safeParse(ErrorSchema, parseJsonOrUndefined(text));
    const { __type = "UnknownError", message = "", Message = "" } = failure.success ? failure.output : {};
    throw new AwsServiceError(options.service, operation, __type.replace(/^.*#/, ""), status, message || Message);
  };

  return async (operation, input) => {
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(operation, body);
      } catch (error) {
        const again = error instanceof AwsServiceError ? error.retryable : error instanceof NotAnsweredError;
        if (!again || attempt >= attempts) throw error;
        // As the SDK's standard retry: a short, jittered pause.
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
      }
    }
  };
}

/** No answer: the connection failed or the time ran out (the request may or may not have been taken). */
export class NotAnsweredError extends Error {
  override name = "NotAnsweredError";
}

function post(
  transport: typeof http | typeof https,
  agent: http.Agent,
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeouts: { connectMs: number; requestMs: number },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      reject(new NotAnsweredError(`${url.host}: ${message}`));
    };
    const request = transport.request(url, { method: "POST", headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
      });
      response.on("error", (error) => {
        fail(error.message);
      });
    });
    const timer = setTimeout(() => {
      fail(`no answer within ${timeouts.connectMs + timeouts.requestMs} ms`);
    }, timeouts.connectMs + timeouts.requestMs);
    request.on("error", (error) => {
      fail(error.message);
    });
    request.end(body);
  });
}
