// The stage's SQS dead-letter queue as operators see it: how many messages, the first ones, and a redrive that moves
// them all back to the queue they came from (SQS runs the move in the background).
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import * as v from "valibot";
import type { DeadLetters } from "../admin/service";
import type { DeadLetterList } from "../admin/schemas";
import { parseJsonOrUndefined } from "../json";

const MessageSchema = v.object({ webhook_id: v.string(), order_id: v.string() });

export class SqsDeadLetters implements DeadLetters {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async list(limit: number): Promise<DeadLetterList> {
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
    );
    const count = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
    if (limit <= 0 || count === 0) return { count, items: [] };
    // A look, not a take: visibility 0 leaves them in the queue (the DLQ has no redrive policy of its own).
    const { Messages } = await this.sqs.send(
      new ReceiveMessageCommand({
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
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ["QueueArn"] }),
    );
    const sourceArn = Attributes?.QueueArn;
    if (!sourceArn) throw new Error(`no ARN for the dead-letter queue ${this.queueUrl}`);
    const { TaskHandle } = await this.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn }));
    return `move task ${TaskHandle ?? "?"} started: the messages go back to the queue`;
  }
}
