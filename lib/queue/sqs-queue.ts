// The SQS FIFO sender: one message group per channel order keeps its events in order.
import { createHash } from "node:crypto";
import * as v from "valibot";
import type { SqsApi } from "../aws/sqs-api";
import type { EventQueue, QueuedEvent } from "../orders/ports";
import { SQS_RETRY_BACKOFF, retryDelayMs, type BackoffPolicy } from "./backoff";

const sha256Hex = (value: string) => createHash("sha256").update(value, "utf8").digest("hex");

/** SQS group ids allow 1–128 ASCII letters, digits and punctuation; any other order id is hashed. */
export function messageGroupId(orderId: string): string {
  return /^[\x21-\x7e]{1,128}$/.test(orderId) ? orderId : sha256Hex(orderId);
}

/**
 * One deduplication id per (re)queueing of an event: always a hash, so that no webhook id can equal another's
 * deduplication id (a webhook id may be 256 characters, SQS allows 128), and a replay (a new `requeue_seq`) is never
 * swallowed by SQS's 5-minute deduplication of the first delivery.
 */
export function deduplicationId(message: Pick<QueuedEvent, "webhook_id" | "requeue_seq">): string {
  return sha256Hex(`${message.webhook_id}\n${message.requeue_seq}`);
}

const SQS_BATCH_LIMIT = 10;
const SendMessageBatchOutput = v.object({ Failed: v.optional(v.array(v.object({ Id: v.string() }))) });

export class SqsEventQueue implements EventQueue {
  constructor(
    private readonly sqs: SqsApi,
    private readonly queueUrl: string,
  ) {}

  async send(messages: readonly QueuedEvent[]): Promise<number> {
    let sent = 0;
    for (let start = 0; start < messages.length; start += SQS_BATCH_LIMIT) {
      const batch = messages.slice(start, start + SQS_BATCH_LIMIT);
      const { Failed } = v.parse(
        SendMessageBatchOutput,
        await this.sqs("SendMessageBatch", {
          QueueUrl: this.queueUrl,
          Entries: batch.map((message, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify(message),
            MessageGroupId: messageGroupId(message.order_id),
            MessageDeduplicationId: deduplicationId(message),
          })),
        }),
      );
      // Entries of one batch may fail on their own: everything from the first failure on counts as not sent, so the
      // caller retries them in their order.
      const firstFailed = Math.min(...(Failed ?? []).map((failure) => Number(failure.Id)));
      if (Number.isFinite(firstFailed)) return sent + firstFailed;
      sent += batch.length;
    }
    return sent;
  }
}

/**
 * Retries a failed message later: its visibility timeout becomes the backoff delay, so SQS hands it to a worker
 * again only then (instead of after the queue's whole visibility timeout).
 */
export class SqsRetryScheduler {
  constructor(
    private readonly sqs: SqsApi,
    private readonly queueUrl: string,
    private readonly policy: BackoffPolicy = SQS_RETRY_BACKOFF,
  ) {}

  async later(receiptHandle: string, receiveCount: number): Promise<number> {
    // SQS allows at most 12 hours; the policy stays far below.
    const seconds = Math.min(43_200, Math.ceil(retryDelayMs(receiveCount, this.policy) / 1000));
    await this.sqs("ChangeMessageVisibility", {
      QueueUrl: this.queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: seconds,
    });
    return seconds;
  }
}
