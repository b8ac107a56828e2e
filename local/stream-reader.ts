// The local stack's reader of DynamoDB Local's stream: what Lambda's event source mapping does in AWS. It hands the
// records of the table's stream to the same consumer (functions/forward-events.ts) in order, shard by shard, and keeps
// its position in a file beside the data, so a restart carries on where it stopped (and a crash re-reads at most the
// last batch, which the queue's deduplication and the worker's idempotency absorb).
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record as StreamApiRecord,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";

type Image = NonNullable<NonNullable<DynamoDBRecord["dynamodb"]>["NewImage"]>;
type ApiImage = NonNullable<NonNullable<StreamApiRecord["dynamodb"]>["NewImage"]>;

export interface StreamReaderOptions {
  client: DynamoDBStreamsClient;
  streamArn: string;
  /** Where the position is kept; undefined = in memory (an in-memory table starts empty anyway). */
  checkpointFile: string | undefined;
  consumer: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
  log?: (line: string) => void;
  /** Pause between polls of a shard that had nothing new. */
  idleMs?: number;
}

interface ShardCursor {
  iterator: string | undefined;
  /** Sequence number of the last record handed over successfully. */
  last: string | undefined;
}

export class LocalStreamReader {
  private readonly shards = new Map<string, ShardCursor>();
  private readonly positions: Record<string, string>;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** Records handed to the consumer since start (for tests and the banner). */
  forwarded = 0;
  private cycle = 0;
  private caughtUpWaiters: { registeredInCycle: number; resolve: () => void }[] = [];

  constructor(private readonly options: StreamReaderOptions) {
    this.positions = readPositions(options.checkpointFile);
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling; resolves once the batch being handed over (if any) is done. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    for (const waiter of this.caughtUpWaiters.splice(0)) waiter.resolve();
  }

  private async run(): Promise<void> {
    let lastDescribe = 0;
    while (this.running) {
      try {
        if (Date.now() - lastDescribe > 5_000 || this.shards.size === 0) {
          await this.discoverShards();
          lastDescribe = Date.now();
        }
        this.cycle++;
        let handed = 0;
        for (const [shardId, cursor] of this.shards) handed += await this.pollShard(shardId, cursor);
        if (handed === 0) {
          this.resolveCaughtUp();
          await this.pause(this.options.idleMs ?? 100);
        }
      } catch (error) {
        this.options.log?.(`stream reader: ${(error as Error).message}; retrying`);
        await this.pause(1_000);
      }
    }
  }

  /** Resolves after a whole pass over the stream, begun after this call, found nothing new. */
  caughtUp(): Promise<void> {
    return new Promise((resolve) => {
      this.caughtUpWaiters.push({ registeredInCycle: this.cycle, resolve });
      this.wakeUp?.();
    });
  }

  private resolveCaughtUp(): void {
    const ready = this.caughtUpWaiters.filter((waiter) => waiter.registeredInCycle < this.cycle);
    this.caughtUpWaiters = this.caughtUpWaiters.filter((waiter) => waiter.registeredInCycle >= this.cycle);
    for (const waiter of ready) waiter.resolve();
  }

  private async discoverShards(): Promise<void> {
    let startAfter: string | undefined;
    do {
      const { StreamDescription } = await this.options.client.send(
        new DescribeStreamCommand({ StreamArn: this.options.streamArn, ExclusiveStartShardId: startAfter }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        const shardId = shard.ShardId;
        if (!shardId || this.shards.has(shardId) || this.positions[`closed:${shardId}`]) continue;
        this.shards.set(shardId, { iterator: undefined, last: this.positions[shardId] });
      }
      startAfter = StreamDescription?.LastEvaluatedShardId;
    } while (startAfter);
  }

  private async iteratorFor(shardId: string, cursor: ShardCursor): Promise<string | undefined> {
    const { ShardIterator } = await this.options.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.options.streamArn,
        ShardId: shardId,
        ...(cursor.last
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: cursor.last }
          : { ShardIteratorType: "TRIM_HORIZON" }),
      }),
    );
    return ShardIterator;
  }

  /** Hands one page of the shard's new records to the consumer; returns how many were handed over. */
  private async pollShard(shardId: string, cursor: ShardCursor): Promise<number> {
    cursor.iterator ??= await this.iteratorFor(shardId, cursor);
    if (!cursor.iterator) return 0;
    let page;
    try {
      page = await this.options.client.send(new GetRecordsCommand({ ShardIterator: cursor.iterator, Limit: 500 }));
    } catch (error) {
      if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
        cursor.iterator = undefined;
        return 0;
      }
      throw error;
    }
    const records = (page.Records ?? []).map(toLambdaRecord);
    if (records.length > 0) {
      const answer = await this.options.consumer({ Records: records });
      const failedAt = answer.batchItemFailures[0]?.itemIdentifier;
      const failedIndex =
        failedAt === undefined ? records.length : records.findIndex((r) => r.dynamodb?.SequenceNumber === failedAt);
      const handed = records.slice(0, Math.max(0, failedIndex));
      const lastHanded = handed.at(-1)?.dynamodb?.SequenceNumber;
      if (lastHanded) cursor.last = lastHanded;
      this.forwarded += handed.length;
      if (failedAt !== undefined) {
        // Read again from the first record not handed over, after a pause (the consumer's queue is stopping, say).
        cursor.iterator = undefined;
        this.savePositions(shardId, cursor);
        await this.pause(500);
        return handed.length;
      }
    }
    cursor.iterator = page.NextShardIterator;
    if (!cursor.iterator) {
      // The shard is closed and read to its end: its children carry on.
      this.shards.delete(shardId);
      this.positions[`closed:${shardId}`] = "1";
    }
    // Written when the position moved (an idle poll, ten a second, writes nothing).
    if (records.length > 0 || !cursor.iterator) this.savePositions(shardId, cursor);
    return records.length;
  }

  private savePositions(shardId: string, cursor: ShardCursor): void {
    if (cursor.last) this.positions[shardId] = cursor.last;
    const file = this.options.checkpointFile;
    if (!file) return;
    writeFileSync(`${file}.tmp`, JSON.stringify(this.positions));
    renameSync(`${file}.tmp`, file); // atomic: a crash leaves the old position or the new one, never half a file
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function readPositions(file: string | undefined): Record<string, string> {
  if (!file || !existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  } catch {
    return {}; // unreadable: read the stream from its start (what was forwarded before is deduplicated or settled)
  }
}

/** The stream API's record in the shape Lambda hands to a stream consumer (strings and numbers only: all it reads). */
function toLambdaRecord(record: StreamApiRecord): DynamoDBRecord {
  const change = record.dynamodb;
  return {
    ...(record.eventName ? { eventName: record.eventName } : {}),
    eventSource: "aws:dynamodb",
    dynamodb: {
      ...(change?.SequenceNumber ? { SequenceNumber: change.SequenceNumber } : {}),
      ...(change?.NewImage ? { NewImage: toLambdaImage(change.NewImage) } : {}),
      ...(change?.OldImage ? { OldImage: toLambdaImage(change.OldImage) } : {}),
    },
  };
}

function toLambdaImage(image: ApiImage): Image {
  const converted: Image = {};
  for (const [name, value] of Object.entries(image)) {
    if (value.S !== undefined) converted[name] = { S: value.S };
    else if (value.N !== undefined) converted[name] = { N: value.N };
    else if (value.BOOL !== undefined) converted[name] = { BOOL: value.BOOL };
  }
  return converted;
}
