// Creates the adapter's table from resources/table.json, the same definition serverless.yml deploys.
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTableCommand,
  type CreateTableCommandInput,
  type UpdateTableCommandInput,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import definition from "../../resources/table.json";

export const tableDefinition = definition;

/**
 * `stream: false` for a table nothing reads the stream of (the benchmarks): DynamoDB Local's stream bookkeeping grows
 * with every write it has kept, and slows every later write of the whole emulator; in AWS a stream costs a write
 * nothing.
 */
export async function createTable(
  client: DynamoDBClient,
  tableName: string,
  options: { stream?: boolean } = {},
): Promise<void> {
  const { TimeToLiveSpecification: _ttl, StreamSpecification: stream, ...shape } = definition;
  const input = {
    ...shape,
    // CloudFormation's form has no StreamEnabled (a view type means enabled); the DynamoDB API's needs it.
    ...(options.stream === false ? {} : { StreamSpecification: { StreamEnabled: true, ...stream } }),
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
  } as CreateTableCommandInput;
  try {
    await client.send(new CreateTableCommand(input));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    return; // kept from an earlier run (npm start keeps its data)
  }
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

/**
 * The table's stream ARN, turning the stream on for a table kept in .local-data from before the outbox (the whole
 * table is then read once from its start: what was applied before is settled, and the worker does nothing with it).
 */
export async function ensureStream(client: DynamoDBClient, tableName: string): Promise<string> {
  const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (described.Table?.StreamSpecification?.StreamEnabled === true && described.Table.LatestStreamArn)
    return described.Table.LatestStreamArn;
  const { TableDescription } = await client.send(
    new UpdateTableCommand({
      TableName: tableName,
      StreamSpecification: {
        StreamEnabled: true,
        ...definition.StreamSpecification,
      } as UpdateTableCommandInput["StreamSpecification"],
    }),
  );
  const arn = TableDescription?.LatestStreamArn;
  if (!arn) throw new Error(`table ${tableName} has no stream after turning it on`);
  return arn;
}
