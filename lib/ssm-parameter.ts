// Reads one SSM parameter (GetParameter, decrypted) with a SigV4-signed POST of SSM's JSON protocol: the SDK's own
// signer and hash, the credentials from the Lambda's environment. The SSM client would add about 76 KB to every
// bundle (its schema and error registrations) for this one call; BENCHMARKS.md compares the two.
import https from "node:https";
import http from "node:http";
import { fromEnv } from "@aws-sdk/credential-provider-env";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import * as v from "valibot";
import { parseJsonOrUndefined } from "./json";

export type ParameterReader = (name: string) => Promise<string | undefined>;

export interface SsmParameterReaderOptions {
  region: string;
  /** SSM's endpoint; default `https://ssm.<region>.amazonaws.com` (AWS_ENDPOINT_URL_SSM overrides it). */
  endpoint?: string;
  credentials?: ReturnType<typeof fromEnv>;
  timeoutMs?: number;
}

/** SSM answered with an error (its `__type`, e.g. ParameterNotFound, AccessDeniedException); no value in it. */
export class SsmError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(`SSM GetParameter failed: ${type} (HTTP ${status}): ${message}`);
    this.name = "SsmError";
  }
}

export function ssmParameterReader(options: SsmParameterReaderOptions): ParameterReader {
  const url = new URL(options.endpoint ?? `https://ssm.${options.region}.amazonaws.com`);
  const signer = new SignatureV4({
    service: "ssm",
    region: options.region,
    credentials: options.credentials ?? fromEnv(),
    sha256: Sha256,
  });
  const timeoutMs = options.timeoutMs ?? 5_000;

  return async (name) => {
    const body = JSON.stringify({ Name: name, WithDecryption: true });
    const signed = await signer.sign({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: "/",
      query: {},
      headers: {
        host: url.host,
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AmazonSSM.GetParameter",
        "content-length": String(Buffer.byteLength(body)),
      },
      body,
    });
    const { status, text } = await post(url, signed.headers, body, timeoutMs);
    if (status !== 200) {
      const failure = v.safeParse(SsmErrorSchema, parseJsonOrUndefined(text));
      const { __type = "UnknownError", message = "", Message = "" } = failure.success ? failure.output : {};
      throw new SsmError(__type.replace(/^.*#/, ""), status, message || Message);
    }
    const answer = v.safeParse(GetParameterAnswerSchema, parseJsonOrUndefined(text));
    if (!answer.success) throw new SsmError("InvalidAnswer", status, "the answer is not a GetParameter result");
    return answer.output.Parameter?.Value;
  };
}

const GetParameterAnswerSchema = v.object({ Parameter: v.optional(v.object({ Value: v.optional(v.string()) })) });
const SsmErrorSchema = v.object({
  __type: v.optional(v.string()),
  message: v.optional(v.string()),
  Message: v.optional(v.string()),
});

function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const transport = url.protocol === "http:" ? http : https;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method: "POST", headers, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
      );
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error(`SSM did not answer within ${timeoutMs} ms`)));
    request.on("error", reject);
    request.end(body);
  });
}
