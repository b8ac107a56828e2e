import { ConditionalCheckFailedException, DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { tableDefinition } from "../../local/dynamodb/table";
import { freshTable, type TestTable } from "../support/dynamodb";

describe("DynamoDB Local", () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await freshTable();
  });

  it("creates the table from the definition serverless.yml deploys", async () => {
    const { Table } = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
    expect(Table?.KeySchema).toEqual(tableDefinition.KeySchema);
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(
      tableDefinition.GlobalSecondaryIndexes.map((index) => index.IndexName).sort(),
    );
  });

  it("rejects a duplicate conditional write", async () => {
    const put = () =>
      table.doc.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { pk: "EVENT#msg_1", sk: "EVENT" },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    await put();
    await expect(put()).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });
});
