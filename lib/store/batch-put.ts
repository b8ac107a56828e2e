// Puts many items, 25 a request (DynamoDB's BatchWriteItem limit), asking again for what DynamoDB left unprocessed.
import { BatchWriteCommand, type BatchWriteCommandOutput, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

type Item = Record<string, unknown>;

const BATCH_SIZE = 25;
const ROUNDS = 10;

export async function batchPut(doc: DynamoDBDocumentClient, tableName: string, items: readonly Item[]): Promise<void> {
  for (let start = 0; start < items.length; start += BATCH_SIZE) {
    let requests: { PutRequest?: { Item: Item | undefined } }[] | undefined = items
      .slice(start, start + BATCH_SIZE)
      .map((item) => ({ PutRequest: { Item: item } }));
    for (let round = 0; requests && requests.length > 0; round++) {
      if (round >= ROUNDS) throw new Error(`DynamoDB left ${requests.length} item(s) unprocessed ${ROUNDS} times`);
      const result: BatchWriteCommandOutput = await doc.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = result.UnprocessedItems?.[tableName];
    }
  }
}
