// An in-process stand-in for SQS FIFO, for `npm start` and the end-to-end tests: one message group per order
// (in order, one at a time), groups in parallel, deduplication by id for 5 minutes, retries with exponential
// backoff and jitter, and a dead-letter list after `maxReceiveCount` receives — the behaviour the worker gets in AWS.
import { randomUUID } from "node:crypto";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { EventQueue, QueuedEvent } from "../lib/orders/ports";
import { retryDelayMs } from "../lib/queue/backoff";
import { sqsSafeId } from "../lib/queue/sqs-queue";

interface Pending {
  messageId: string;
  message: QueuedEvent;
  receiveCount: number;
  notBefore: number;
}

export interface DeadLetter {
  message: QueuedEvent;
  receiveCount: number;
  movedAt: string;
}

export interface LocalFifoQueueOptions {
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
  maxReceiveCount?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  dedupWindowMs?: number;
  log?: (line: string) => void;
}

export class LocalFifoQueue implements EventQueue {
  readonly deadLetters: DeadLetter[] = [];
  private readonly groups = new Map<string, Pending[]>();
  private readonly busy = new Set<string>();
  private readonly dedup = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly options: LocalFifoQueueOptions) {}

  send(message: QueuedEvent): Promise<void> {
    const now = Date.now();
    const dedupId = message.replay ? randomUUID() : sqsSafeId(message.webhook_id);
    const seen = this.dedup.get(dedupId);
    if (seen !== undefined && now - seen < (this.options.dedupWindowMs ?? 5 * 60_000)) return Promise.resolve();
    this.dedup.set(dedupId, now);
    const group = sqsSafeId(message.order_id);
    const list = this.groups.get(group) ?? [];
    list.push({ messageId: randomUUID(), message, receiveCount: 0, notBefore: now });
    this.groups.set(group, list);
    this.schedule(group, 0);
    return Promise.resolve();
  }

  /** Messages waiting or in flight. */
  get depth(): number {
    let count = 0;
    for (const list of this.groups.values()) count += list.length;
    return count;
  }

  /** Resolves once every message has been processed or dead-lettered. */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Moves dead letters back to their groups (an operator's redrive). Returns how many. */
  redrive(): number {
    const letters = this.deadLetters.splice(0);
    for (const letter of letters) {
      const group = sqsSafeId(letter.message.order_id);
      const list = this.groups.get(group) ?? [];
      list.push({ messageId: randomUUID(), message: letter.message, receiveCount: 0, notBefore: Date.now() });
      this.groups.set(group, list);
      this.schedule(group, 0);
    }
    return letters.length;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(group: string, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.deliver(group);
    }, delayMs);
    this.timers.add(timer);
  }

  private async deliver(group: string): Promise<void> {
    if (this.busy.has(group) || this.stopped) return;
    const head = this.groups.get(group)?.[0];
    if (!head) return;
    const wait = head.notBefore - Date.now();
    if (wait > 0) {
      this.schedule(group, wait);
      return;
    }
    this.busy.add(group);
    head.receiveCount += 1;
    let failed: boolean;
    try {
      const response = await this.options.handler(sqsEvent(head, group));
      failed = response.batchItemFailures.some((failure) => failure.itemIdentifier === head.messageId);
    } catch (error) {
      this.options.log?.(`worker threw: ${String(error)}`);
      failed = true;
    }
    this.busy.delete(group);
    const list = this.groups.get(group) ?? [];
    if (!failed || head.receiveCount >= (this.options.maxReceiveCount ?? 5)) {
      list.shift();
      if (failed) {
        this.deadLetters.push({
          message: head.message,
          receiveCount: head.receiveCount,
          movedAt: new Date().toISOString(),
        });
        this.options.log?.(
          `event ${head.message.webhook_id} moved to the dead-letter list after ${head.receiveCount} receives`,
        );
      }
    } else {
      head.notBefore =
        Date.now() +
        retryDelayMs(head.receiveCount, {
          baseMs: this.options.baseDelayMs ?? 200,
          maxMs: this.options.maxDelayMs ?? 30_000,
        });
    }
    if (list.length === 0) this.groups.delete(group);
    if (list.length > 0) this.schedule(group, 0);
    if (this.depth === 0) {
      const waiters = this.idleWaiters.splice(0);
      for (const resolve of waiters) resolve();
    }
  }
}

function sqsEvent(pending: Pending, group: string): SQSEvent {
  const now = String(Date.now());
  return {
    Records: [
      {
        messageId: pending.messageId,
        receiptHandle: pending.messageId,
        body: JSON.stringify(pending.message),
        attributes: {
          ApproximateReceiveCount: String(pending.receiveCount),
          SentTimestamp: now,
          SenderId: "local",
          ApproximateFirstReceiveTimestamp: now,
          MessageGroupId: group,
          MessageDeduplicationId: sqsSafeId(pending.message.webhook_id),
        },
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: "arn:aws:sqs:local:000000000000:events.fifo",
        awsRegion: "local",
      },
    ],
  };
}
