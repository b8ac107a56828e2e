// How DynamoDB Local counts the capacity of writes, next to the rule DynamoDB bills by (1 unit per started KB of each
// item written, twice that for an item written in a transaction). Index writes are left out: the table has none of
// these items' index keys.
import { randomUUID } from "node:crypto";
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { createTable } from "../../local/dynamodb/table";
import { NO_STREAM } from "./load";
import { DynamoCounter, countedDynamoClient } from "./sdk-boundary";

export interface CalibrationCase {
  write: string;
  /** The units DynamoDB's published rule gives. */
  rule: number;
  /** The units DynamoDB Local reported. */
  local: number;
}

export async function calibrateCapacity(endpoint: string): Promise<CalibrationCase[]> {
  const counter = new DynamoCounter();
  const client = countedDynamoClient(endpoint, counter);
  const tableName = `bench-calibration-${randomUUID().slice(0, 8)}`;
  await createTable(client, tableName, NO_STREAM);
  const doc = DynamoDBDocumentClient.from(client);
  // An item of exactly `bytes` by DynamoDB's size rule (attribute names + values; 53 bytes besides the filler).
  const item = (bytes: number) => ({ pk: `CAL#${randomUUID()}`, sk: "CAL", filler: "x".repeat(bytes - 53) });
  const cases: { write: string; rule: number; run: () => Promise<unknown> }[] = [
    {
      write: "PutItem of one 2,000-byte item",
      rule: 2,
      run: () => doc.send(new PutCommand({ TableName: tableName, Item: item(2000) })),
    },
    {
      write: "TransactWriteItems: one 100-byte Put",
      rule: 2,
      run: () =>
        doc.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: tableName, Item: item(100) } }] })),
    },
    {
      write: "TransactWriteItems: three 100-byte Puts",
      rule: 6,
      run: () =>
        doc.send(
          new TransactWriteCommand({
            TransactItems: [item(100), item(100), item(100)].map((Item) => ({ Put: { TableName: tableName, Item } })),
          }),
        ),
    },
    {
      write: "TransactWriteItems: one 2,000-byte Put",
      rule: 4,
      run: () =>
        doc.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: tableName, Item: item(2000) } }] })),
    },
    {
      write: "TransactWriteItems: two 900-byte Puts",
      rule: 4,
      run: () =>
        doc.send(
          new TransactWriteCommand({
            TransactItems: [item(900), item(900)].map((Item) => ({ Put: { TableName: tableName, Item } })),
          }),
        ),
    },
  ];
  const results: CalibrationCase[] = [];
  for (const entry of cases) {
    counter.reset();
    await entry.run();
    results.push({ write: entry.write, rule: entry.rule, local: counter.totals().wcu });
  }
  client.destroy();
  return results;
}
