// The benchmarks' two SDK middlewares: one counts DynamoDB requests and the capacity they consume (it asks every
// request for `ReturnConsumedCapacity: "TOTAL"`, which DynamoDB Local answers), the other answers SQS at the client
// boundary — after the request is serialized and signed, before any network — with the answer SQS would give, which
// the SDK then deserializes and checks (MD5 of the body) as usual.
import { createHash, randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { localClientConfig } from "../../local/dynamodb/emulator";

interface Consumed {
  CapacityUnits?: number;
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

export interface CommandCount {
  requests: number;
  capacityUnits: number;
  /** Items the requests returned (a Query's or a BatchGetItem's), or wrote. */
  items: number;
}

/**
 * DynamoDB requests by command (`PutItemCommand`, `QueryCommand`, …), their consumed capacity units, the items they
 * returned, and the units each global secondary index took in single requests (DynamoDB Local reports those as
 * DynamoDB bills them; not in transactions).
 */
export class DynamoCounter {
  readonly byCommand = new Map<string, CommandCount>();
  readonly byIndex = new Map<string, number>();

  reset(): void {
    this.byCommand.clear();
    this.byIndex.clear();
  }

  record(command: string, consumed: unknown, items = 0): void {
    const entries = Array.isArray(consumed) ? (consumed as Consumed[]) : consumed ? [consumed as Consumed] : [];
    const units = entries.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
    // DynamoDB Local's per-index figures of a transaction are not DynamoDB's (replayTransactions measures those).
    if (command !== "TransactWriteItemsCommand")
      for (const entry of entries)
        for (const [index, used] of Object.entries(entry.GlobalSecondaryIndexes ?? {}))
          this.byIndex.set(index, (this.byIndex.get(index) ?? 0) + (used.CapacityUnits ?? 0));
    const count = this.byCommand.get(command) ?? { requests: 0, capacityUnits: 0, items: 0 };
    count.requests++;
    count.capacityUnits += units;
    count.items += items;
    this.byCommand.set(command, count);
  }

  /** Items returned by reads (Query, GetItem, BatchGetItem), over all of them. */
  itemsRead(): number {
    let items = 0;
    for (const [command, count] of this.byCommand) if (READ_COMMANDS.has(command)) items += count.items;
    return items;
  }

  totals(): { requests: number; reads: number; writes: number; rcu: number; wcu: number } {
    let reads = 0;
    let writes = 0;
    let rcu = 0;
    let wcu = 0;
    for (const [command, count] of this.byCommand) {
      if (READ_COMMANDS.has(command)) {
        reads += count.requests;
        rcu += count.capacityUnits;
      } else {
        writes += count.requests;
        wcu += count.capacityUnits;
      }
    }
    return { requests: reads + writes, reads, writes, rcu, wcu };
  }
}

const READ_COMMANDS = new Set([
  "GetItemCommand",
  "QueryCommand",
  "ScanCommand",
  "BatchGetItemCommand",
  "TransactGetItemsCommand",
]);

/** A DynamoDB client for DynamoDB Local whose every request is counted by `counter`. */
export function countedDynamoClient(endpoint: string, counter: DynamoCounter): DynamoDBClient {
  const client = new DynamoDBClient(localClientConfig(endpoint));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = "INDEXES";
      const result = await next(args);
      const output = result.output as {
        ConsumedCapacity?: unknown;
        Count?: number;
        Item?: unknown;
        Responses?: Record<string, unknown[]>;
      };
      const items =
        output.Count ??
        (output.Item ? 1 : 0) +
          Object.values(output.Responses ?? {}).reduce((sum, list) => sum + (Array.isArray(list) ? list.length : 0), 0);
      counter.record(context.commandName ?? "?", output.ConsumedCapacity, items);
      return result;
    },
    { step: "initialize", name: "benchCountDynamoRequests" },
  );
  return client;
}

const utf8 = new TextDecoder();

export const BENCH_QUEUE_URL =
  "https://sqs.ap-northeast-2.amazonaws.com/123456789012/ax-channel-adapter-bench-events.fifo";

/**
 * A real SQSClient (region, credentials, SigV4 signing, JSON protocol) whose requests never leave the process:
 * the innermost middleware answers `SendMessage` as SQS does, and the SDK's deserializer and MD5 check run on it.
 */
export function answeredSqsClient(): { client: SQSClient; sent: () => number; reset: () => void } {
  let sent = 0;
  const client = new SQSClient({
    region: "ap-northeast-2",
    credentials: { accessKeyId: "AKIABENCHMARK0000000", secretAccessKey: "bench-secret-access-key" },
  });
  client.middlewareStack.add(
    (_next, context) => (args) => {
      if (context.commandName !== "SendMessageCommand")
        throw new Error(`the benchmark answers only SendMessage, not ${String(context.commandName)}`);
      sent++;
      const request = args.request as { body?: unknown };
      const body =
        typeof request.body === "string"
          ? request.body
          : request.body instanceof Uint8Array
            ? utf8.decode(request.body)
            : "";
      const { MessageBody = "" } = JSON.parse(body) as { MessageBody?: string };
      const answer = JSON.stringify({
        MessageId: randomUUID(),
        MD5OfMessageBody: createHash("md5").update(MessageBody, "utf8").digest("hex"),
        SequenceNumber: String(Date.now()) + "000000",
      });
      return Promise.resolve({
        response: {
          statusCode: 200,
          reason: "OK",
          headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": randomUUID() },
          body: Buffer.from(answer, "utf8"),
        },
        output: undefined as never,
      });
    },
    { step: "deserialize", priority: "low", name: "benchAnswerSqs" },
  );
  return {
    client,
    sent: () => sent,
    reset: () => {
      sent = 0;
    },
  };
}

/** What the writes of one transaction consume when each is made alone (DynamoDB Local counts those as billed). */
export interface TransactionReplay {
  /** Table units, summed over the transaction's items. */
  table: number;
  /** Index units (global secondary indexes), summed over the transaction's items. */
  indexes: number;
  /** The same by index name. */
  byIndex: Record<string, number>;
}

type DocInput = Record<string, unknown>;
interface ShadowCapacity {
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

/**
 * Before each TransactWriteItems goes out, replays its writes one by one on a shadow table of the same shape, each
 * item first set to its current state in the real table, with `ReturnConsumedCapacity: "INDEXES"`: DynamoDB Local
 * counts single writes as DynamoDB bills them (index writes included), which it does not for transactions.
 * `client` must be used through a DynamoDBDocumentClient (the input is seen before marshalling). Not for timing.
 */
export function replayTransactions(
  client: DynamoDBClient,
  endpoint: string,
  shadowTable: string,
  onReplay: (replay: TransactionReplay) => void,
): () => void {
  const plain = new DynamoDBClient(localClientConfig(endpoint));
  const doc = DynamoDBDocumentClient.from(plain, { marshallOptions: { removeUndefinedValues: true } });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "TransactWriteItemsCommand") {
        const replay: TransactionReplay = { table: 0, indexes: 0, byIndex: {} };
        const items = ((args.input as { TransactItems?: DocInput[] }).TransactItems ?? []) as Record<
          string,
          DocInput | undefined
        >[];
        for (const item of items) {
          const [kind, write] = Object.entries(item)[0] ?? [];
          if (!kind || !write || kind === "ConditionCheck") continue;
          const { ReturnValuesOnConditionCheckFailure: _r, TableName, ...rest } = write;
          const key =
            kind === "Put"
              ? { pk: (write.Item as DocInput).pk, sk: (write.Item as DocInput).sk }
              : (write.Key as DocInput);
          const { Item } = await doc.send(
            new GetCommand({ TableName: String(TableName), Key: key, ConsistentRead: true }),
          );
          if (Item) await doc.send(new PutCommand({ TableName: shadowTable, Item }));
          else await doc.send(new DeleteCommand({ TableName: shadowTable, Key: key }));
          const shadow = { ...rest, TableName: shadowTable, ReturnConsumedCapacity: "INDEXES" as const };
          const output =
            kind === "Put"
              ? await doc.send(new PutCommand(shadow as ConstructorParameters<typeof PutCommand>[0]))
              : kind === "Update"
                ? await doc.send(new UpdateCommand(shadow as ConstructorParameters<typeof UpdateCommand>[0]))
                : await doc.send(new DeleteCommand(shadow as ConstructorParameters<typeof DeleteCommand>[0]));
          const consumed: ShadowCapacity | undefined = output.ConsumedCapacity;
          replay.table += consumed?.Table?.CapacityUnits ?? 0;
          for (const [index, used] of Object.entries(consumed?.GlobalSecondaryIndexes ?? {})) {
            replay.indexes += used.CapacityUnits ?? 0;
            replay.byIndex[index] = (replay.byIndex[index] ?? 0) + (used.CapacityUnits ?? 0);
          }
        }
        onReplay(replay);
      }
      return next(args);
    },
    { step: "initialize", name: "benchReplayTransactions" },
  );
  return () => {
    plain.destroy();
  };
}
