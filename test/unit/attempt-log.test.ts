// What an order's attempt log keeps of an AX call: the request and answer with names, e-mails, phones and free text
// masked (enough to tell travelers apart, not to name one), cut to a size; one line per call, saying what came of it.
import { describe, expect, it } from "vitest";
import { axCallEntry, maskedBody, processingEntry, MAX_BODY_CHARS } from "../../lib/orders/attempt-log";
import { maskPersonalData } from "../../lib/personal-data";

const at = "2026-12-01T10:00:00.000Z";

describe("the attempt log", () => {
  it("masks names, e-mails, phones and free text by their keys, and leaves the rest", () => {
    expect(
      maskPersonalData({
        channel_order_code: "CH-1",
        purchaser: {
          name: "Kim Minji",
          email: "minji@example.com",
          phone: "01012345678",
          country_code: "82",
          extra: "Vegetarian",
        },
        tickets: [{ name: "Lee Jun", english_name: "Jun Lee", email: "jun@example.com" }],
        comment: "Anniversary trip",
        additional: { passport: "M1234567" },
        total: "162000",
      }),
    ).toEqual({
      channel_order_code: "CH-1",
      purchaser: {
        name: "K•• M••••",
        email: "m••••@example.com",
        phone: "•••••••5678",
        country_code: "82",
        extra: "[10 characters]",
      },
      tickets: [{ name: "L•• J••", english_name: "J•• L••", email: "j••@example.com" }],
      comment: "[16 characters]",
      additional: { passport: "[masked]" },
      total: "162000",
    });
  });

  it("masks e-mails and phone numbers in an answer that is not JSON, and cuts a long body", () => {
    expect(maskedBody("<html>contact minji@example.com or +82 10 1234 5678</html>")).toBe(
      "<html>contact m••••@example.com or ••••••••5678</html>",
    );
    const long = maskedBody("x".repeat(MAX_BODY_CHARS + 10));
    expect(long.endsWith("… (cut)")).toBe(true);
    expect(long.length).toBeLessThan(MAX_BODY_CHARS + 20);
  });

  it("makes one line per AX call: what came of it, its timing and ids, its bodies masked", () => {
    const entry = axCallEntry(
      {
        endpoint: "create",
        path: "POST /v1/channel/orders/tour",
        status: 400,
        outcome: "ax_rejected",
        durationMs: 12.4,
        request: { purchaser: { name: "Kim Minji" } },
        answer: '{"options":[{"date":["not on sale"]}]}',
        error: "AX create order call answered HTTP 400: refused.",
      },
      { order_id: "CH-1", webhook_id: "msg_1", correlation_id: "req-1" },
      at,
    );
    expect(entry).toMatchObject({
      order_id: "CH-1",
      webhook_id: "msg_1",
      correlation_id: "req-1",
      kind: "ax_call",
      actor: "worker",
      summary: "AX create → HTTP 400, ax_rejected: AX create order call answered HTTP 400: refused.",
      http_status: 400,
      duration_ms: 12,
    });
    // Kept compact (the console indents it): every order keeps its create's line for 90 days.
    expect(entry.request).toBe('{"purchaser":{"name":"K•• M••••"}}');
    expect(entry.answer).toBe('{"options":[{"date":["not on sale"]}]}');
    expect(entry.expires_at).toBe(Date.parse(at) / 1000 + 90 * 86_400);
    expect(
      processingEntry({ order_id: "CH-1", webhook_id: "msg_1" }, at, {
        kind: "dead_lettered",
        error: "boom",
        receiveCount: 16,
      }).summary,
    ).toBe("event msg_1 failed on its last receive (16) and goes to the dead-letter queue: boom");
  });
});
