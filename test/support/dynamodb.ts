// Each test file gets its own freshly created table in the shared DynamoDB Local.
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { localClientConfig } from "../../local/dynamodb/emulator";
import { createTable } from "../../local/dynamodb/table";

export interface TestTable {
  endpoint: string;
  tableName: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
}

export async function freshTable(): Promise<TestTable> {
  const endpoint = inject("dynamodbEndpoint");
  const client = new DynamoDBClient(localClientConfig(endpoint));
  const tableName = `test-${randomUUID()}`;
  await createTable(client, tableName);
  return { endpoint, tableName, client, doc: DynamoDBDocumentClient.from(client) };
}
