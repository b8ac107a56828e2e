// Which table the CLI works on: the running local stack by default, or the table named by TABLE_NAME
// (with the AWS SDK's usual credentials and region, e.g. for a deployed stage).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { DeadLetters } from "../../lib/admin/service";
import { SqsDeadLetters } from "../../lib/aws/dead-letter-queue";
import type { EventQueue, QueuedEvent } from "../../lib/orders/ports";
import { SqsEventQueue } from "../../lib/queue/sqs-queue";
import { AdminDynamoStore } from "../../lib/store/admin-store";
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

export function openStore(env: Record<string, string | undefined> = process.env): AdminDynamoStore {
  const tableName = env.TABLE_NAME;
  if (tableName) {
    const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB;
    const client = new DynamoDBClient(endpoint ? localClientConfig(endpoint) : {});
    return new AdminDynamoStore(
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      tableName,
    );
  }
  const state = readLocalStackState();
  if (!state) throw new TargetError("no local stack is running (start it with `npm start`), and TABLE_NAME is not set");
  const client = new DynamoDBClient(localClientConfig(state.dynamodbEndpoint));
  return new AdminDynamoStore(
    DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    state.tableName,
  );
}

/** The local stack's in-process queue, reached over its dev-only `/__local/*` routes. */
export class LocalStackQueue implements EventQueue {
  constructor(private readonly url: string) {}

  async send(message: QueuedEvent): Promise<void> {
    const answer = await fetch(`${this.url}/__local/queue`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(message),
    });
    if (answer.status !== 202)
      throw new TargetError(`the local stack refused the message: ${answer.status} ${await answer.text()}`);
  }

  async deadLetters(): Promise<{ message: QueuedEvent }[]> {
    const answer = await fetch(`${this.url}/__local/dead-letters`);
    if (answer.status !== 200) throw new TargetError(`the local stack refused the list: ${answer.status}`);
    return (await answer.json()) as { message: QueuedEvent }[];
  }

  async redrive(): Promise<number> {
    const answer = await fetch(`${this.url}/__local/redrive`, { method: "POST" });
    if (answer.status !== 200) throw new TargetError(`the local stack refused the redrive: ${answer.status}`);
    return ((await answer.json()) as { moved: number }).moved;
  }
}

/** Where replays go: the stage's SQS queue (QUEUE_URL), or the running local stack (ADAPTER_URL or stack.json). */
export function openQueue(env: Record<string, string | undefined> = process.env): EventQueue {
  const queueUrl = env.QUEUE_URL;
  if (queueUrl) return new SqsEventQueue(new SQSClient({}), queueUrl);
  return new LocalStackQueue(localStackUrl(env, "QUEUE_URL"));
}

/** The stage's dead-letter queue (DLQ_URL), or the running local stack's dead-letter list. */
export function openDeadLetters(env: Record<string, string | undefined> = process.env): DeadLetters {
  const dlqUrl = env.DLQ_URL;
  if (dlqUrl) return new SqsDeadLetters(new SQSClient({}), dlqUrl);
  if (env.QUEUE_URL) throw new TargetError("set DLQ_URL to the stage's dead-letter queue URL");
  const queue = new LocalStackQueue(localStackUrl(env, "DLQ_URL"));
  return {
    list: async (limit) => {
      const letters = await queue.deadLetters();
      return {
        count: letters.length,
        items: letters.slice(0, limit).map(({ message }) => ({
          webhook_id: message.webhook_id,
          order_id: message.order_id,
          type: message.type,
          received_at: message.received_at,
        })),
      };
    },
    redrive: async () => `${await queue.redrive()} message(s) moved back from the dead-letter queue`,
  };
}

function localStackUrl(env: Record<string, string | undefined>, stageSetting: string): string {
  const url = env.ADAPTER_URL ?? readLocalStackState()?.url;
  if (!url)
    throw new TargetError(`no local stack is running (start it with \`npm start\`), and ${stageSetting} is not set`);
  return url;
}
