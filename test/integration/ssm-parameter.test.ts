// Secrets from SSM without the SSM client: a real HTTP server on 127.0.0.1 plays SSM's JSON API, and checks that each
// request is a GetParameter with decryption, signed (SigV4) with the credentials from the environment.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SecretReader } from "../../lib/secrets";
import { SsmError, ssmParameterReader } from "../../lib/ssm-parameter";
import { startAwsJsonServer, TEST_CREDENTIALS, TEST_REGION, type AwsJsonServer } from "../support/aws-json-server";

describe("SSM parameters by a signed request", () => {
  let ssm: AwsJsonServer;

  beforeAll(async () => {
    ssm = await startAwsJsonServer("ssm");
  });
  afterAll(() => ssm.close());
  beforeEach(() => {
    ssm.received.length = 0;
  });

  const reader = () =>
    ssmParameterReader({
      region: TEST_REGION,
      endpoint: ssm.endpoint,
      credentials: () => Promise.resolve(TEST_CREDENTIALS),
    });

  it("asks GetParameter with decryption, signed for ssm in the region, and answers the value", async () => {
    ssm.answer({ status: 200, body: { Parameter: { Name: "/svc/prod/ax-api-key", Value: "s3cret", Version: 3 } } });
    expect(await reader()("/svc/prod/ax-api-key")).toBe("s3cret");
    expect(ssm.received).toHaveLength(1);
    const [request] = ssm.received;
    expect(request?.headers["x-amz-target"]).toBe("AmazonSSM.GetParameter");
    expect(request?.headers["content-type"]).toBe("application/x-amz-json-1.1");
    expect(request?.input).toEqual({ Name: "/svc/prod/ax-api-key", WithDecryption: true });
    expect(String(request?.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/ap-northeast-2\/ssm\/aws4_request, SignedHeaders=[^,]*x-amz-target/,
    );
    expect(request?.signatureValid).toBe(true);
  });

  it("turns SSM's error into an SsmError naming its type, without the parameter's value", async () => {
    ssm.answer({ status: 400, body: { __type: "com.amazonaws.ssm#ParameterNotFound", message: "not there" } });
    const failure = await reader()("/svc/prod/missing").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SsmError);
    expect(failure).toMatchObject({ type: "ParameterNotFound", status: 400 });
    expect(String(failure)).toContain("ParameterNotFound");
    // A refusal is not retried.
    expect(ssm.received).toHaveLength(1);
  });

  it("asks once more when SSM throttles, as the SDK's client would", async () => {
    ssm.answer(
      { status: 400, body: { __type: "com.amazonaws.ssm#ThrottlingException", message: "Rate exceeded" } },
      { status: 200, body: { Parameter: { Value: "v" } } },
    );
    expect(await reader()("/svc/prod/x")).toBe("v");
    expect(ssm.received).toHaveLength(2);
  });

  it("SecretReader reads `<NAME>_PARAM` from SSM once, then from its cache; an empty value is a clear error", async () => {
    ssm.answer({ status: 200, body: { Parameter: { Value: "  key-1  " } } });
    const secrets = new SecretReader({ AX_API_KEY_PARAM: "/svc/prod/ax-api-key" }, 60_000, reader());
    expect(await secrets.get("AX_API_KEY")).toBe("key-1");
    expect(await secrets.get("AX_API_KEY")).toBe("key-1");
    expect(ssm.received).toHaveLength(1);

    ssm.answer({ status: 200, body: { Parameter: { Value: " " } } });
    const empty = new SecretReader({ ADMIN_TOKEN_PARAM: "/svc/prod/admin-token" }, 60_000, reader());
    await expect(empty.get("ADMIN_TOKEN")).rejects.toThrow(/\/svc\/prod\/admin-token \(ADMIN_TOKEN\) is empty/);
  });

  it("SecretReader's own reader takes the region and AWS_ENDPOINT_URL_SSM from its environment", async () => {
    ssm.answer({ status: 200, body: { Parameter: { Value: "token" } } });
    const saved = { ...process.env };
    process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
    try {
      const secrets = new SecretReader({
        ADMIN_TOKEN_PARAM: "/svc/prod/admin-token",
        AWS_REGION: TEST_REGION,
        AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      });
      expect(await secrets.get("ADMIN_TOKEN")).toBe("token");
      expect(ssm.received[0]?.signatureValid).toBe(true);
      await expect(new SecretReader({ ADMIN_TOKEN_PARAM: "/x" }).get("ADMIN_TOKEN")).rejects.toThrow(/AWS_REGION/);
    } finally {
      process.env = saved;
    }
  });
});
