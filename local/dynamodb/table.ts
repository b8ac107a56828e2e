// Creates the adapter's table from resources/table.json, the same definition serverless.yml deploys.
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import definition from "../../resources/table.json";

export const tableDefinition = definition;

export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { TimeToLiveSpecification: _ttl, ...shape } = definition;
  const input = {
    ...shape,
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
