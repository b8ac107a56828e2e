// POSTs outbound notifications to the channel, signed per Standard Webhooks v1 (the same scheme the adapter
// checks on what it receives): `webhook-id` (the notification's id, the same on every attempt), `webhook-timestamp`
// (this attempt's time) and `webhook-signature` (one `v1,<base64>` per active secret, space-separated, so the channel
// can rotate its secret). 2xx is delivered; any other answer, a timeout or a network error is a failed attempt.
//
// The channel's endpoint is not trusted with our memory: node:http (not fetch) so that nothing is decompressed,
// `accept-encoding: identity`, no redirects followed, and at most ANSWER_READ_MAX_BYTES of the answer read before
// the connection is dropped (only its status matters). An attempt's error names a status or an error code, never
// the URL or a message that could carry it.
import http from "node:http";
import https from "node:https";
import { parseSecrets, signWebhook } from "../channel/signature";
import type { Clock } from "../orders/ports";
import type { SendResult, WebhookSender } from "../orders/notify";

export interface OutboundWebhookOptions {
  /** Checked by the configuration: https (http to loopback only), no credentials. */
  url: string;
  /** The `whsec_…` setting (several separated by spaces during a rotation). */
  secret: () => Promise<string>;
  timeoutMs: number;
  clock: Clock;
}

const USER_AGENT = "ax-channel-adapter";
/** How much of an answer is read at most; the rest is never received. */
export const ANSWER_READ_MAX_BYTES = 4 * 1024;

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
    const body = Buffer.from(notification.body, "utf8");
    const { timeoutMs } = this.options;

    return new Promise<SendResult>((resolve) => {
      let settled = false;
      let request: http.ClientRequest | undefined;
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request?.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => {
        finish({ ok: false, error: `no answer within ${timeoutMs} ms` });
      }, timeoutMs);
      const byStatus = (status: number): SendResult =>
        status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: `HTTP ${status}` };

      try {
        const url = new URL(this.options.url);
        const transport = url.protocol === "https:" ? https : http;
        request = transport.request(url, {
          method: "POST",
          agent: false,
          headers: {
            "content-type": "application/json",
            "content-length": body.length,
            "accept-encoding": "identity",
            "user-agent": USER_AGENT,
            "webhook-id": notification.id,
            "webhook-timestamp": String(timestamp),
            "webhook-signature": signature,
          },
        });
      } catch (error) {
        finish({ ok: false, error: describe(error) });
        return;
      }
      request.on("response", (response) => {
        const result = byStatus(response.statusCode ?? 0);
        let read = 0;
        response.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read >= ANSWER_READ_MAX_BYTES) finish(result);
        });
        response.on("end", () => {
          finish(result);
        });
        response.on("error", () => {
          finish(result);
        });
      });
      request.on("error", (error) => {
        finish({ ok: false, error: describe(error) });
      });
      request.end(body);
    });
  }
}

/** An error as a code only: messages of network errors can repeat the URL (and whatever it holds). */
function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string" && /^[A-Z0-9_]+$/.test(code)) return `connection failed (${code})`;
  return `connection failed (${error instanceof Error ? error.name : "unknown error"})`;
}
