// The SQS FIFO sender: one message group per channel order keeps its events in order.
import { createHash, randomUUID } from "node:crypto";
import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { EventQueue, QueuedEvent } from "../orders/ports";
import { SQS_RETRY_BACKOFF, retryDelayMs, type BackoffPolicy } from "./backoff";

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

/**
 * Retries a failed message later: its visibility timeout becomes the backoff delay, so SQS hands it to a worker
 * again only then (instead of after the queue's whole visibility timeout).
 */
export class SqsRetryScheduler {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly policy: BackoffPolicy = SQS_RETRY_BACKOFF,
  ) {}

  async later(receiptHandle: string, receiveCount: number): Promise<number> {
    // SQS allows at most 12 hours; the policy stays far below.
    const seconds = Math.min(43_200, Math.ceil(retryDelayMs(receiveCount, this.policy) / 1000));
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
    return seconds;
  }
}
