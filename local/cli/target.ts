// Which table the CLI works on: the running local stack by default, or the table named by TABLE_NAME
// (with the AWS SDK's usual credentials and region, e.g. for a deployed stage).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DeadLetterList } from "../../lib/admin/schemas";
import { deadLetterRow, type DeadLetters } from "../../lib/admin/service";
import { SqsDeadLetters } from "../../lib/aws/dead-letter-queue";
import { buildAxClient } from "../../lib/adapters";
import { AxClient } from "../../lib/ax/client";
import { readConfig } from "../../lib/config";
import type { QueuedEvent } from "../../lib/orders/ports";
import { AdminDynamoStore } from "../../lib/store/admin-store";
import { localClientConfig } from "../dynamodb/emulator";
import { devRouteHeaders } from "../http-gateway";
import { sdkSqsApi } from "./sdk-sqs";
import { DEV_ADMIN_TOKEN, DEV_AX_API_KEY, DEV_AX_CHANNEL_CODE, defaultDataDir } from "../stack";

/** The token the local stack's dev-only routes require: ADMIN_TOKEN as `npm start` had it, else the dev default. */
export const localAdminToken = (env: Record<string, string | undefined>): string =>
  env.ADMIN_TOKEN?.trim() || DEV_ADMIN_TOKEN;

export interface LocalStackState {
  url: string;
  dynamodbEndpoint: string;
  tableName: string;
  axUrl: string;
}

export function readLocalStackState(): LocalStackState | undefined {
  try {
    return JSON.parse(readFileSync(join(defaultDataDir, "stack.json"), "utf8")) as LocalStackState;
  } catch {
    return undefined;
  }
}

export class TargetError extends Error {}

export function openStore(env: Record<string, string | undefined> = process.env): AdminDynamoStore {
  const tableName = env.TABLE_NAME;
  if (tableName) {
    const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB;
    const client = new DynamoDBClient(endpoint ? localClientConfig(endpoint) : {});
    return new AdminDynamoStore(
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      tableName,
      readConfig(env).syncSchedule,
    );
  }
  const state = readLocalStackState();
  if (!state) throw new TargetError("no local stack is running (start it with `npm start`), and TABLE_NAME is not set");
  const client = new DynamoDBClient(localClientConfig(state.dynamodbEndpoint));
  return new AdminDynamoStore(
    DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    state.tableName,
    readConfig(env).syncSchedule,
  );
}

/** The local stack's in-process queue, reached over its dev-only `/__local/*` routes: its dead letters. */
export class LocalStackDeadLetters implements DeadLetters {
  constructor(
    private readonly url: string,
    private readonly adminToken: string,
  ) {}

  async list(limit: number): Promise<DeadLetterList> {
    const answer = await fetch(`${this.url}/__local/dead-letters`, { headers: devRouteHeaders(this.adminToken) });
    if (answer.status !== 200) throw new TargetError(`the local stack refused the list: ${answer.status}`);
    const letters = (await answer.json()) as { message: QueuedEvent; movedAt?: string }[];
    return { count: letters.length, items: letters.slice(0, limit).map(deadLetterRow) };
  }

  async redrive(): Promise<string> {
    const answer = await fetch(`${this.url}/__local/redrive`, {
      method: "POST",
      headers: devRouteHeaders(this.adminToken),
      body: "{}",
    });
    if (answer.status !== 200) throw new TargetError(`the local stack refused the redrive: ${answer.status}`);
    const { moved } = (await answer.json()) as { moved: number };
    return `${moved} message(s) moved back from the dead-letter queue`;
  }
}

/** The dead-letter queue: the stage's (DLQ_URL), or the running local stack's (ADAPTER_URL or stack.json). */
export function openDeadLetters(env: Record<string, string | undefined> = process.env): DeadLetters {
  const dlqUrl = env.DLQ_URL;
  if (dlqUrl) return new SqsDeadLetters(sdkSqsApi(), dlqUrl);
  const url = env.ADAPTER_URL ?? (env.TABLE_NAME ? undefined : readLocalStackState()?.url);
  if (!url)
    throw new TargetError(
      env.TABLE_NAME
        ? "set DLQ_URL to the stage's dead-letter queue URL"
        : "no local stack is running (start it with `npm start`), and DLQ_URL is not set",
    );
  return new LocalStackDeadLetters(url, localAdminToken(env));
}

/**
 * AX, asked about the AX orders an operator attaches: a stage's (AX_BASE_URL with AX_API_KEY and AX_CHANNEL_CODE, or
 * their `_PARAM` SSM names, as the stage's functions read them), or the running local stack's.
 */
export function openAx(env: Record<string, string | undefined> = process.env): AxClient {
  if (env.TABLE_NAME) {
    const config = readConfig(env);
    if (!env.AX_BASE_URL)
      throw new TargetError(
        "a reconciliation asks AX about the codes it attaches: set AX_BASE_URL, and AX_API_KEY and AX_CHANNEL_CODE (or AX_API_KEY_PARAM and AX_CHANNEL_CODE_PARAM, the stage's SSM parameters)",
      );
    return buildAxClient(config);
  }
  const state = readLocalStackState();
  if (!state) throw new TargetError("no local stack is running (start it with `npm start`), and TABLE_NAME is not set");
  return new AxClient({
    baseUrl: env.AX_BASE_URL ?? state.axUrl,
    credentials: {
      apiKey: env.AX_API_KEY ?? DEV_AX_API_KEY,
      channelCode: env.AX_CHANNEL_CODE ?? DEV_AX_CHANNEL_CODE,
    },
  });
}
