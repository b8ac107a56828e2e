// The soak's ways into the running stack, each surviving its restart: the channel's signed deliveries (retried on
// a network error or a 5xx until taken, as the channel does), the AX sandbox's control API, and the admin API.
import { randomUUID } from "node:crypto";
import { signedWebhookHeaders } from "../../lib/channel/signature";
import type { ChildStack } from "../../local/child-stack-control";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The stack running now (replaced by the restart after the kill -9). */
export interface StackRef {
  current: ChildStack;
  port: number;
  /** Moves on at each kill -9: what was set up in the sandbox before it (its faults) is gone. */
  generation: number;
}

export interface ChannelCounters {
  deliveries: number;
  retriedDeliveries: number;
  answers5xx: number;
  networkErrors: number;
  acknowledged: number;
}

export class Channel {
  readonly counters: ChannelCounters = {
    deliveries: 0,
    retriedDeliveries: 0,
    answers5xx: 0,
    networkErrors: 0,
    acknowledged: 0,
  };
  /** Every webhook id the adapter acknowledged, with its order. */
  readonly acknowledged = new Map<string, string>();

  constructor(private readonly stack: StackRef) {}

  private get secret(): string {
    return this.stack.current.ready.webhookSecrets.split(" ")[0] ?? "";
  }

  adminHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.stack.current.ready.adminToken}`, "content-type": "application/json" };
  }

  /** Sends one webhook as the channel does: re-signed and retried on a network error or a 5xx until it is taken. */
  async deliver(payload: unknown, webhookId = `msg_${randomUUID()}`, orderId = ""): Promise<string> {
    const body = JSON.stringify(payload);
    for (let attempt = 1; ; attempt++) {
      this.counters.deliveries++;
      if (attempt > 1) this.counters.retriedDeliveries++;
      const timestamp = Math.floor(Date.now() / 1000);
      try {
        const answer = await fetch(`http://127.0.0.1:${this.stack.port}/webhooks/orders`, {
          method: "POST",
          headers: signedWebhookHeaders({ secret: this.secret, webhookId, timestamp, body }),
          body,
          signal: AbortSignal.timeout(30_000),
        });
        await answer.arrayBuffer();
        if (answer.status === 202 || answer.status === 200) {
          if (!this.acknowledged.has(webhookId)) this.counters.acknowledged++;
          this.acknowledged.set(webhookId, orderId);
          return webhookId;
        }
        if (answer.status < 500) throw new RefusedWebhookError(`webhook ${webhookId} refused: ${answer.status}`);
        this.counters.answers5xx++;
      } catch (error) {
        if (error instanceof RefusedWebhookError) throw error;
        this.counters.networkErrors++;
      }
      if (attempt > 600) throw new Error(`webhook ${webhookId} never taken`);
      await sleep(Math.min(2_000, 100 * attempt));
    }
  }

  /** The AX sandbox's control API (retried while the stack restarts). */
  async sandbox(path: string, method: string, body?: unknown): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetch(`${this.stack.current.ready.axUrl}/__sandbox/${path}`, {
          method,
          headers: this.adminHeaders(),
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
      } catch (error) {
        if (attempt > 1_200) throw error;
        await sleep(500); // the stack is restarting
      }
    }
  }

  /**
   * One call of the admin API, as the console makes it. A refused connection (the stack restarting) is retried: the
   * request never arrived. Anything that did arrive is answered as it was, 5xx included.
   */
  async admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: AdminAnswer }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await fetch(`http://127.0.0.1:${this.stack.port}/admin${path}`, {
          method,
          headers: this.adminHeaders(),
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(60_000),
        });
        const text = await answer.text();
        let parsed: AdminAnswer = {};
        try {
          parsed = JSON.parse(text) as AdminAnswer;
        } catch {
          parsed = { message: text };
        }
        return { status: answer.status, body: parsed };
      } catch (error) {
        const refused = (error as { cause?: { code?: string } }).cause?.code === "ECONNREFUSED";
        if (!refused || attempt > 1_200) throw error;
        await sleep(500);
      }
    }
  }
}

export class RefusedWebhookError extends Error {}

/** An admin API answer: the fields the soak reads (the rest is passed through). */
export interface AdminAnswer {
  message?: string;
  error?: string;
  [field: string]: unknown;
}
