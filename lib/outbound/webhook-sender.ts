// POSTs outbound notifications to the channel, signed per Standard Webhooks v1 (the same scheme the adapter
// checks on what it receives): `webhook-id` (the notification's id, the same on every attempt), `webhook-timestamp`
// (this attempt's time) and `webhook-signature` (one `v1,<base64>` per active secret, space-separated, so the channel
// can rotate its secret). 2xx is delivered; any other answer, a timeout or a network error is a failed attempt.
import { parseSecrets, signWebhook } from "../channel/signature";
import type { Clock } from "../orders/ports";
import type { SendResult, WebhookSender } from "../orders/notify";

export interface OutboundWebhookOptions {
  url: string;
  /** The `whsec_…` setting (several separated by spaces during a rotation). */
  secret: () => Promise<string>;
  timeoutMs: number;
  clock: Clock;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

const USER_AGENT = "ax-channel-adapter";

export class OutboundWebhookSender implements WebhookSender {
  private secrets: string[] | undefined;

  constructor(private readonly options: OutboundWebhookOptions) {}

  /** Reads and checks the secrets (a malformed one throws a WebhookSecretError that never shows its value). */
  async ready(): Promise<void> {
    this.secrets = parseSecrets(await this.options.secret());
  }

  async send(notification: { id: string; body: string }): Promise<SendResult> {
    if (!this.secrets) await this.ready();
    const secrets = this.secrets ?? [];
    const timestamp = Math.floor(this.options.clock.now().getTime() / 1000);
    const signature = secrets
      .map((secret) => signWebhook({ secret, webhookId: notification.id, timestamp, body: notification.body }))
      .join(" ");
    const send = this.options.fetch ?? fetch;
    try {
      const answer = await send(this.options.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": USER_AGENT,
          "webhook-id": notification.id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signature,
        },
        body: notification.body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      // The answer's body is not needed; reading it frees the connection.
      await answer.arrayBuffer().catch(() => undefined);
      if (answer.status >= 200 && answer.status < 300) return { ok: true, status: answer.status };
      return { ok: false, status: answer.status, error: `HTTP ${answer.status}` };
    } catch (error) {
      return { ok: false, error: describe(error, this.options.timeoutMs) };
    }
  }
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string") return `connection failed (${cause.code})`;
  return `connection failed (${error instanceof Error ? error.message : String(error)})`;
}
