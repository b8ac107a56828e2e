// The floor issue 21's constraint sets for every function that touches the table: a Lambda handler that does nothing
// but read one item through the DynamoDB client the adapter uses (the issue keeps DynamoDB on the AWS SDK), built
// like lib/adapters/dynamodb.ts builds it and, like the functions, at the first invocation; bundled with the packaged
// options (scripts/bench/cold-start.ts). Its bundle and import are what no function of ours can go below without
// leaving the SDK.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { fromEnv } from "@aws-sdk/credential-provider-env";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";

let table: DynamoDBDocumentClient | undefined;

export const handler = async (event: { order_id?: string }): Promise<Record<string, unknown>> => {
  table ??= DynamoDBDocumentClient.from(new DynamoDBClient({ credentials: fromEnv(), maxAttempts: 1 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const key = { pk: `ORDER#${event.order_id ?? "CH-10001"}`, sk: "ORDER" };
  try {
    return (await table.send(new GetCommand({ TableName: process.env.TABLE_NAME ?? "floor", Key: key }))).Item ?? {};
  } catch (error) {
    return { error: error instanceof Error ? error.name : "failed" };
  }
};
