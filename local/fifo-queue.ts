// An in-process stand-in for SQS FIFO, for `npm start` and the end-to-end tests: one message group per order
// (in order, one at a time), groups in parallel up to the same concurrency cap as the worker's in AWS, deduplication
// by id for 5 minutes, retries with exponential backoff and jitter, a dead-letter list after `maxReceiveCount`
// receives, and a stop that takes no new work and lets every delivery in flight finish.
// It keeps nothing on disk: after a crash, the local stack's start-up sweep queues every stored event that is still
// `queued` again (lib/orders/sweep-events.ts), so the table is the only record that matters.
import { randomUUID } from "node:crypto";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { EventQueue, QueuedEvent } from "../lib/orders/ports";
import { retryDelayMs } from "../lib/queue/backoff";
import { deduplicationId, messageGroupId } from "../lib/queue/sqs-queue";

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

/** The worker's concurrency cap in AWS (`maximumConcurrency` of its SQS event source). */
export const WORKER_CONCURRENCY = 10;

export interface LocalFifoQueueOptions {
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
  /** Receives before the dead-letter list; default 16, as the queue in AWS. */
  maxReceiveCount?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  dedupWindowMs?: number;
  /** Deliveries in flight at once (each is one message group's head). Default: WORKER_CONCURRENCY. */
  concurrency?: number;
  log?: (line: string) => void;
}

export class LocalFifoQueue implements EventQueue {
  readonly deadLetters: DeadLetter[] = [];
  private readonly groups = new Map<string, Pending[]>();
  private readonly busy = new Set<string>();
  /** Groups whose head is due, waiting for a free delivery slot, in the order they became due. */
  private readonly ready: string[] = [];
  private readonly dedup = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly options: LocalFifoQueueOptions) {}

  send(messages: readonly QueuedEvent[]): Promise<number> {
    if (this.stopped) return Promise.reject(new Error("the local queue is stopped"));
    const now = Date.now();
    const window = this.options.dedupWindowMs ?? 5 * 60_000;
    for (const message of messages) {
      const dedupId = deduplicationId(message);
      const seen = this.dedup.get(dedupId);
      if (seen !== undefined && now - seen < window) continue;
      this.dedup.set(dedupId, now);
      this.enqueue(message, now);
    }
    if (this.dedup.size > 100_000) for (const [id, at] of this.dedup) if (now - at >= window) this.dedup.delete(id);
    return Promise.resolve(messages.length);
  }

  /** Messages waiting or in flight. */
  get depth(): number {
    let count = 0;
    for (const list of this.groups.values()) count += list.length;
    return count;
  }

  /** Deliveries running now. */
  get running(): number {
    return this.busy.size;
  }

  /** Resolves once every message has been processed or dead-lettered. */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Moves dead letters back to their groups (an operator's redrive). Returns how many. */
  redrive(): number {
    const letters = this.deadLetters.splice(0);
    for (const letter of letters) this.enqueue(letter.message, Date.now());
    return letters.length;
  }

  /** Starts no delivery from now on and takes no message (a stopping stack); deliveries in flight carry on. */
  pause(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * Takes no new work and waits for every delivery in flight: a worker between AX's answer and its write must be
   * allowed to write, however long DynamoDB takes to answer. No deadline by default (`graceMs` bounds the wait for
   * a test); `onWait` hears how many still run, every `waitReportMs`. Returns how many were still running at the end.
   */
  async stop(
    options: { graceMs?: number; onWait?: (running: number) => void; waitReportMs?: number } = {},
  ): Promise<number> {
    this.pause();
    const graceMs = options.graceMs ?? Number.POSITIVE_INFINITY;
    if (this.inFlight.size === 0 || graceMs <= 0) return this.inFlight.size;
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => {
      if (Number.isFinite(graceMs)) graceTimer = setTimeout(resolve, graceMs);
    });
    const { onWait } = options;
    const reportTimer = onWait
      ? setInterval(() => {
          onWait(this.inFlight.size);
        }, options.waitReportMs ?? 5_000)
      : undefined;
    await Promise.race([Promise.allSettled([...this.inFlight]), graceOver]);
    clearTimeout(graceTimer);
    clearInterval(reportTimer);
    return this.inFlight.size;
  }

  private enqueue(message: QueuedEvent, now: number): void {
    const group = messageGroupId(message.order_id);
    const list = this.groups.get(group) ?? [];
    list.push({ messageId: randomUUID(), message, receiveCount: 0, notBefore: now });
    this.groups.set(group, list);
    if (list.length === 1) this.wake(group, 0);
  }

  /** The group's head is due after `delayMs`: then it waits for a free slot. */
  private wake(group: string, delayMs: number): void {
    if (this.stopped || this.timers.has(group)) return;
    if (delayMs <= 0) {
      this.makeReady(group);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(group);
      this.makeReady(group);
    }, delayMs);
    this.timers.set(group, timer);
  }

  private makeReady(group: string): void {
    if (!this.ready.includes(group)) this.ready.push(group);
    this.pump();
  }

  private pump(): void {
    const limit = this.options.concurrency ?? WORKER_CONCURRENCY;
    while (!this.stopped && this.busy.size < limit) {
      const group = this.ready.shift();
      if (group === undefined) return;
      if (this.busy.has(group)) continue;
      const head = this.groups.get(group)?.[0];
      if (!head) continue;
      const wait = head.notBefore - Date.now();
      if (wait > 0) {
        this.wake(group, wait);
        continue;
      }
      const delivery = this.deliver(group, head).finally(() => {
        this.inFlight.delete(delivery);
      });
      this.inFlight.add(delivery);
    }
  }

  private async deliver(group: string, head: Pending): Promise<void> {
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
    if (!failed || head.receiveCount >= (this.options.maxReceiveCount ?? 16)) {
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
    else {
      const next = list[0];
      this.wake(group, next ? next.notBefore - Date.now() : 0);
    }
    this.pump();
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
          MessageDeduplicationId: deduplicationId(pending.message),
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
