// Which table the CLI works on: the running local stack by default, or the table named by TABLE_NAME
// (with the AWS SDK's usual credentials and region, e.g. for a deployed stage).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { GetQueueAttributesCommand, SQSClient, StartMessageMoveTaskCommand } from "@aws-sdk/client-sqs";
import { DynamoStore } from "../../lib/store/dynamo-store";
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

export function openStore(env: Record<string, string | undefined> = process.env): DynamoStore {
  const tableName = env.TABLE_NAME;
  if (tableName) {
    const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB;
    const client = new DynamoDBClient(endpoint ? localClientConfig(endpoint) : {});
    return new DynamoStore(
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      tableName,
    );
  }
  const state = readLocalStackState();
  if (!state) throw new TargetError("no local stack is running (start it with `npm start`), and TABLE_NAME is not set");
  const client = new DynamoDBClient(localClientConfig(state.dynamodbEndpoint));
  return new DynamoStore(
    DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    state.tableName,
  );
}

/** The local stack's in-process queue, reached over its dev-only `/__local/*` routes: its dead letters. */
export class LocalStackDeadLetters {
  constructor(private readonly url: string) {}

  async redrive(): Promise<number> {
    const answer = await fetch(`${this.url}/__local/redrive`, { method: "POST" });
    if (answer.status !== 200) throw new TargetError(`the local stack refused the redrive: ${answer.status}`);
    return ((await answer.json()) as { moved: number }).moved;
  }
}

/** The dead-letter queue to redrive: the stage's (DLQ_URL), or the running local stack's (ADAPTER_URL or stack.json). */
export function openDeadLetters(env: Record<string, string | undefined> = process.env): {
  redrive(): Promise<number | string>;
} {
  const dlqUrl = env.DLQ_URL;
  if (dlqUrl) {
    const sqs = new SQSClient({});
    return {
      redrive: async () => {
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }),
        );
        const sourceArn = Attributes?.QueueArn;
        if (!sourceArn) throw new TargetError(`no ARN for ${dlqUrl}`);
        // Moves every message back to the queue it came from; SQS runs the move in the background.
        const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn }));
        return `move task ${TaskHandle ?? "?"} started`;
      },
    };
  }
  const url = env.ADAPTER_URL ?? (env.TABLE_NAME ? undefined : readLocalStackState()?.url);
  if (!url)
    throw new TargetError(
      env.TABLE_NAME
        ? "set DLQ_URL to the stage's dead-letter queue URL to redrive it"
        : "no local stack is running (start it with `npm start`), and DLQ_URL is not set",
    );
  return new LocalStackDeadLetters(url);
}
