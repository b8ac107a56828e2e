// The SQS FIFO sender: one message group per channel order keeps its events in order.
import { createHash, randomUUID } from "node:crypto";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { EventQueue, QueuedEvent } from "../orders/ports";

/** SQS group and deduplication ids allow 1–128 ASCII letters, digits and punctuation; anything else is hashed. */
export function sqsSafeId(value: string): string {
  return /^[\x21-\x7e]{1,128}$/.test(value) ? value : createHash("sha256").update(value).digest("hex");
}

export class SqsEventQueue implements EventQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: QueuedEvent): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        MessageGroupId: sqsSafeId(message.order_id),
        // A replay must not be swallowed by SQS's 5-minute deduplication of the original delivery.
        MessageDeduplicationId: message.replay ? `replay-${randomUUID()}` : sqsSafeId(message.webhook_id),
      }),
    );
  }
}
