// Reads one SSM parameter (GetParameter, decrypted) with a signed request of SSM's JSON protocol
// (lib/aws/json-request.ts): the SSM client would add about 76 KB to every bundle for this one call.
import type { fromEnv } from "@aws-sdk/credential-provider-env";
import * as v from "valibot";
import { AwsServiceError, awsJsonService } from "./aws/json-request";

export type ParameterReader = (name: string) => Promise<string | undefined>;

export interface SsmParameterReaderOptions {
  region: string;
  /** SSM's endpoint; default `https://ssm.<region>.amazonaws.com` (AWS_ENDPOINT_URL_SSM overrides it). */
  endpoint?: string;
  credentials?: ReturnType<typeof fromEnv>;
  /** Per attempt, once connected. */
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

const GetParameterAnswerSchema = v.object({ Parameter: v.optional(v.object({ Value: v.optional(v.string()) })) });

export function ssmParameterReader(options: SsmParameterReaderOptions): ParameterReader {
  const call = awsJsonService({
    service: "ssm",
    targetPrefix: "AmazonSSM",
    jsonVersion: "1.1",
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestTimeoutMs: options.timeoutMs ?? 5_000,
  });
  return async (name) => {
    let output: unknown;
    try {
      output = await call("GetParameter", { Name: name, WithDecryption: true });
    } catch (error) {
      if (error instanceof AwsServiceError) throw new SsmError(error.type, error.status, error.detail);
      throw error;
    }
    const answer = v.safeParse(GetParameterAnswerSchema, output);
    if (!answer.success) throw new SsmError("InvalidAnswer", 200, "the answer is not a GetParameter result");
    return answer.output.Parameter?.Value;
  };
}
