// Which table the CLI works on: the running local stack by default, or the table named by TABLE_NAME
// (with the AWS SDK's usual credentials and region, e.g. for a deployed stage).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { localClientConfig } from "../dynamodb/emulator";
import { defaultDataDir } from "../stack";

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

export function openStore(env: Record<string, string | undefined> = process.env): DynamoStore {
  const tableName = env.TABLE_NAME;
  if (tableName) {
    const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB;
    const client = new DynamoDBClient(endpoint ? localClientConfig(endpoint) : {});
    return new DynamoStore(
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      tableName,
    );
  }
  const state = readLocalStackState();
  if (!state) throw new TargetError("no local stack is running (start it with `npm start`), and TABLE_NAME is not set");
  const client = new DynamoDBClient(localClientConfig(state.dynamodbEndpoint));
  return new DynamoStore(
    DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    state.tableName,
  );
}
