// Secrets from SSM without the SSM client: a real HTTP server on 127.0.0.1 plays SSM's JSON API, and checks that each
// request is a GetParameter with decryption, signed (SigV4) with the credentials from the environment.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SecretReader } from "../../lib/secrets";
import { SsmError, ssmParameterReader } from "../../lib/ssm-parameter";

const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const REGION = "ap-northeast-2";

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
  signatureValid: boolean;
}

/** Recomputes the request's SigV4 signature with the known secret key, at the time the request says. */
async function validSignature(request: IncomingMessage, body: string, host: string): Promise<boolean> {
  const amzDate = String(request.headers["x-amz-date"]);
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signer = new SignatureV4({ service: "ssm", region: REGION, credentials: CREDENTIALS, sha256: Sha256 });
  const expected = await signer.sign(
    {
      method: "POST",
      protocol: "http:",
      hostname: "127.0.0.1",
      path: "/",
      query: {},
      headers: {
        host,
        "content-type": String(request.headers["content-type"]),
        "x-amz-target": String(request.headers["x-amz-target"]),
        "content-length": String(Buffer.byteLength(body)),
      },
      body,
    },
    { signingDate },
  );
  return expected.headers.authorization === request.headers.authorization;
}

describe("SSM parameters by a signed request", () => {
  let server: Server;
  let endpoint: string;
  const received: Received[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        void validSignature(request, body, String(request.headers.host)).then((signatureValid) => {
          received.push({ headers: request.headers, body, signatureValid });
          response.writeHead(answer.status, { "content-type": "application/x-amz-json-1.1" });
          response.end(JSON.stringify(answer.body));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
  });

  const reader = () =>
    ssmParameterReader({ region: REGION, endpoint, credentials: () => Promise.resolve(CREDENTIALS) });

  it("asks GetParameter with decryption, signed for ssm in the region, and answers the value", async () => {
    answer = { status: 200, body: { Parameter: { Name: "/svc/prod/ax-api-key", Value: "s3cret", Version: 3 } } };
    expect(await reader()("/svc/prod/ax-api-key")).toBe("s3cret");
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.headers["x-amz-target"]).toBe("AmazonSSM.GetParameter");
    expect(request?.headers["content-type"]).toBe("application/x-amz-json-1.1");
    expect(JSON.parse(request?.body ?? "")).toEqual({ Name: "/svc/prod/ax-api-key", WithDecryption: true });
    expect(String(request?.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/ap-northeast-2\/ssm\/aws4_request, SignedHeaders=[^,]*x-amz-target/,
    );
    expect(request?.signatureValid).toBe(true);
  });

  it("turns SSM's error into an SsmError naming its type, without the parameter's value", async () => {
    answer = { status: 400, body: { __type: "com.amazonaws.ssm#ParameterNotFound", message: "not there" } };
    const failure = await reader()("/svc/prod/missing").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SsmError);
    expect(failure).toMatchObject({ type: "ParameterNotFound", status: 400 });
    expect(String(failure)).toContain("ParameterNotFound");
  });

  it("SecretReader reads `<NAME>_PARAM` from SSM once, then from its cache; an empty value is a clear error", async () => {
    answer = { status: 200, body: { Parameter: { Value: "  key-1  " } } };
    const secrets = new SecretReader({ AX_API_KEY_PARAM: "/svc/prod/ax-api-key" }, 60_000, reader());
    expect(await secrets.get("AX_API_KEY")).toBe("key-1");
    expect(await secrets.get("AX_API_KEY")).toBe("key-1");
    expect(received).toHaveLength(1);

    answer = { status: 200, body: { Parameter: { Value: " " } } };
    const empty = new SecretReader({ ADMIN_TOKEN_PARAM: "/svc/prod/admin-token" }, 60_000, reader());
    await expect(empty.get("ADMIN_TOKEN")).rejects.toThrow(/\/svc\/prod\/admin-token \(ADMIN_TOKEN\) is empty/);
  });

  it("SecretReader's own reader takes the region and AWS_ENDPOINT_URL_SSM from its environment", async () => {
    answer = { status: 200, body: { Parameter: { Value: "token" } } };
    const saved = { ...process.env };
    process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
    try {
      const secrets = new SecretReader({
        ADMIN_TOKEN_PARAM: "/svc/prod/admin-token",
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL_SSM: endpoint,
      });
      expect(await secrets.get("ADMIN_TOKEN")).toBe("token");
      expect(received[0]?.signatureValid).toBe(true);
      await expect(new SecretReader({ ADMIN_TOKEN_PARAM: "/x" }).get("ADMIN_TOKEN")).rejects.toThrow(/AWS_REGION/);
    } finally {
      process.env = saved;
    }
  });
});
