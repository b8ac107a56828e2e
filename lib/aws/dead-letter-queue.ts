// The stage's SQS dead-letter queue as operators see it: how many messages, the first ones, and a redrive that moves
// them all back to the queue they came from (SQS runs the move in the background).
import * as v from "valibot";
import type { DeadLetters } from "../admin/service";
import type { DeadLetterList } from "../admin/schemas";
import { parseJsonOrUndefined } from "../json";
import type { SqsApi } from "./sqs-api";

const MessageSchema = v.object({ webhook_id: v.string(), order_id: v.string() });
const AttributesOutput = v.object({ Attributes: v.optional(v.record(v.string(), v.string())) });
const ReceiveOutput = v.object({ Messages: v.optional(v.array(v.object({ Body: v.optional(v.string()) }))) });
const MoveTaskOutput = v.object({ TaskHandle: v.optional(v.string()) });

export class SqsDeadLetters implements DeadLetters {
  constructor(
    private readonly sqs: SqsApi,
    private readonly queueUrl: string,
  ) {}

  private async attribute(name: string): Promise<string | undefined> {
    const { Attributes } = v.parse(
      AttributesOutput,
      await this.sqs("GetQueueAttributes", { QueueUrl: this.queueUrl, AttributeNames: [name] }),
    );
    return Attributes?.[name];
  }

  async list(limit: number): Promise<DeadLetterList> {
    const count = Number((await this.attribute("ApproximateNumberOfMessages")) ?? 0);
    if (limit <= 0 || count === 0) return { count, items: [] };
    // A look, not a take: visibility 0 leaves them in the queue (the DLQ has no redrive policy of its own).
    const { Messages } = v.parse(
      ReceiveOutput,
      await this.sqs("ReceiveMessage", {
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: Math.min(10, limit),
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
      }),
    );
    const items = (Messages ?? []).flatMap((message) => {
      const parsed = v.safeParse(MessageSchema, parseJsonOrUndefined(message.Body ?? ""));
      return parsed.success ? [{ webhook_id: parsed.output.webhook_id, order_id: parsed.output.order_id }] : [];
    });
    return { count, items };
  }

  async redrive(): Promise<string> {
    const sourceArn = await this.attribute("QueueArn");
    if (!sourceArn) throw new Error(`no ARN for the dead-letter queue ${this.queueUrl}`);
    const { TaskHandle } = v.parse(MoveTaskOutput, await this.sqs("StartMessageMoveTask", { SourceArn: sourceArn }));
    return `move task ${TaskHandle ?? "?"} started: the messages go back to the queue`;
  }
}
