// A real HTTP server on 127.0.0.1 that plays an AWS JSON-protocol service (SSM, SQS) for the signed requests of
// lib/aws/json-request.ts: it records each request and whether its SigV4 signature is valid for the known secret key,
// and answers what the test sets.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";

export const TEST_CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
export const TEST_REGION = "ap-northeast-2";

export interface ReceivedRequest {
  headers: IncomingMessage["headers"];
  /** The operation, from `X-Amz-Target` (`AmazonSQS.SendMessageBatch` → `SendMessageBatch`). */
  operation: string;
  body: string;
  input: unknown;
  signatureValid: boolean;
}

export type Answer = { status: number; body: unknown } | "hang-up";

/** Recomputes the request's SigV4 signature with the known secret key, at the time the request says. */
async function validSignature(request: IncomingMessage, body: string, service: string): Promise<boolean> {
  const amzDate = String(request.headers["x-amz-date"]);
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signer = new SignatureV4({ service, region: TEST_REGION, credentials: TEST_CREDENTIALS, sha256: Sha256 });
  const expected = await signer.sign(
    {
      method: "POST",
      protocol: "http:",
      hostname: "127.0.0.1",
      path: "/",
      query: {},
      headers: {
        host: String(request.headers.host),
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

export interface AwsJsonServer {
  endpoint: string;
  received: ReceivedRequest[];
  /** What the next requests get (the last answer repeats). */
  answer(...answers: Answer[]): void;
  close(): Promise<void>;
}

export async function startAwsJsonServer(service: string): Promise<AwsJsonServer> {
  const received: ReceivedRequest[] = [];
  let queue: Answer[] = [{ status: 200, body: {} }];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      void validSignature(request, body, service).then((signatureValid) => {
        received.push({
          headers: request.headers,
          operation: String(request.headers["x-amz-target"]).replace(/^.*\./, ""),
          body,
          input: JSON.parse(body) as unknown,
          signatureValid,
        });
        const answer = queue.length > 1 ? (queue.shift() as Answer) : (queue[0] as Answer);
        if (answer === "hang-up") {
          request.socket.destroy();
          return;
        }
        response.writeHead(answer.status, { "content-type": String(request.headers["content-type"]) });
        response.end(JSON.stringify(answer.body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answer: (...answers) => {
      queue = answers;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
