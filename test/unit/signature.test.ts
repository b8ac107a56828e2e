// Standard Webhooks v1 verification (docs/contract.md, "Signatures"), no network.
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  TIMESTAMP_TOLERANCE_SECONDS,
  WebhookSecretError,
  parseSecrets,
  signWebhook,
  verifyWebhook,
} from "../../lib/channel/signature";

// Secrets in the Standard Webhooks form; the first is the one of the Standard Webhooks test vectors.
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET = `whsec_${Buffer.from("another secret of 24 byte").toString("base64")}`;
const ROTATED_SECRET = `whsec_${Buffer.from("the new secret, rotated in!").toString("base64")}`;

const NOW = new Date("2026-11-23T09:00:00Z");
const NOW_SECONDS = NOW.getTime() / 1000;
const WEBHOOK_ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
const BODY = '{"type":"order.cancelled","data":{"order_id":"CH-10001","comment":"Änderung 변경"}}';

// A type alias, not an interface: it must be assignable to `Record<string, string | undefined>`.
type SignedHeaders = {
  "content-type": string;
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
};

function signedHeaders(
  options: { secret?: string; timestamp?: number; body?: string; webhookId?: string } = {},
): SignedHeaders {
  const timestamp = options.timestamp ?? NOW_SECONDS;
  const webhookId = options.webhookId ?? WEBHOOK_ID;
  return {
    "content-type": "application/json",
    "webhook-id": webhookId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signWebhook({
      secret: options.secret ?? SECRET,
      webhookId,
      timestamp,
      body: options.body ?? BODY,
    }),
  };
}

function expectRefused(result: ReturnType<typeof verifyWebhook>, message: RegExp | string): void {
  if (result.ok) throw new Error("expected the delivery to be refused, it was accepted");
  if (typeof message === "string") expect(result.message).toBe(message);
  else expect(result.message).toMatch(message);
}

describe("signWebhook", () => {
  it("matches the Standard Webhooks test vector", () => {
    const signature = signWebhook({
      secret: SECRET,
      webhookId: "msg_p5jXN8AQM9LWM0D4loKWxJek",
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
    });

    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("is the base64 HMAC-SHA256 over `{id}.{timestamp}.{body}` keyed with the decoded secret", () => {
    const key = Buffer.from(SECRET.slice("whsec_".length), "base64");
    const expected = createHmac("sha256", key).update(`${WEBHOOK_ID}.${NOW_SECONDS}.${BODY}`, "utf8").digest("base64");

    expect(signWebhook({ secret: SECRET, webhookId: WEBHOOK_ID, timestamp: NOW_SECONDS, body: BODY })).toBe(
      `v1,${expected}`,
    );
  });

  it("refuses a timestamp that is not whole seconds", () => {
    expect(() => signWebhook({ secret: SECRET, webhookId: WEBHOOK_ID, timestamp: 1.5, body: BODY })).toThrow(
      RangeError,
    );
  });
});

describe("verifyWebhook", () => {
  it("accepts a valid signature and returns the webhook id and timestamp", () => {
    const result = verifyWebhook(BODY, signedHeaders(), [SECRET], NOW);

    expect(result).toEqual({ ok: true, webhookId: WEBHOOK_ID, timestamp: NOW_SECONDS });
  });

  it("accepts the Standard Webhooks test vector", () => {
    const headers = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    };

    expect(verifyWebhook('{"test": 2432232314}', headers, [SECRET], new Date(1614265330_000)).ok).toBe(true);
  });

  it("verifies the raw bytes, even bytes that are not UTF-8 (no lossy decoding first)", () => {
    const bytes = Buffer.concat([Buffer.from('{"note":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    const headers = signedHeaders({ body: "" });
    headers["webhook-signature"] = signWebhook({
      secret: SECRET,
      webhookId: WEBHOOK_ID,
      timestamp: NOW_SECONDS,
      body: bytes,
    });

    expect(verifyWebhook(bytes, headers, [SECRET], NOW).ok).toBe(true);
    // The same bytes decoded to text (invalid bytes become U+FFFD) are another body.
    expectRefused(verifyWebhook(bytes.toString("utf8"), headers, [SECRET], NOW), /no signature matched/);
  });

  it("signs the timestamp header's text as sent: a 0-prefixed timestamp is its own signed content", () => {
    const padded = `0${NOW_SECONDS}`;
    const key = Buffer.from(SECRET.slice("whsec_".length), "base64");
    const overPadded = createHmac("sha256", key).update(`${WEBHOOK_ID}.${padded}.${BODY}`).digest("base64");
    const headers = { ...signedHeaders(), "webhook-timestamp": padded };

    expect(verifyWebhook(BODY, { ...headers, "webhook-signature": `v1,${overPadded}` }, [SECRET], NOW)).toEqual({
      ok: true,
      webhookId: WEBHOOK_ID,
      timestamp: NOW_SECONDS,
    });
    // A signature over the unpadded text does not cover the padded header.
    expectRefused(verifyWebhook(BODY, headers, [SECRET], NOW), /no signature matched/);
  });

  it("accepts only the canonical base64 text of a signature", () => {
    const good = signedHeaders()["webhook-signature"].slice("v1,".length);
    const digest = Buffer.from(good, "base64");
    // The last character of 44 carries 2 unused bits: flipping one keeps the same bytes under a lax decoder.
    const last = good.at(-2) ?? "A";
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const strayBits = `${good.slice(0, -2)}${alphabet[alphabet.indexOf(last) ^ 1] ?? "A"}=`;
    expect(Buffer.from(strayBits, "base64").equals(digest)).toBe(true);
    const variants = [
      good.replace(/=+$/, ""), // padding left out
      strayBits,
      digest.toString("base64url"),
      `${good.slice(0, 20)}\n${good.slice(20)}`,
    ];
    for (const variant of variants)
      expectRefused(
        verifyWebhook(BODY, { ...signedHeaders(), "webhook-signature": `v1,${variant}` }, [SECRET], NOW),
        /malformed webhook-signature header/,
      );
    expect(verifyWebhook(BODY, { ...signedHeaders(), "webhook-signature": `v1,${good}` }, [SECRET], NOW).ok).toBe(true);
  });

  it("accepts a signature of the second active secret (rotation)", () => {
    const headers = signedHeaders({ secret: ROTATED_SECRET });

    expect(verifyWebhook(BODY, headers, [SECRET, ROTATED_SECRET], NOW).ok).toBe(true);
    expectRefused(verifyWebhook(BODY, headers, [SECRET], NOW), "no signature matched any active secret");
  });

  it("refuses a tampered body, even by one byte", () => {
    const headers = signedHeaders();

    expectRefused(verifyWebhook(BODY.replace("CH-10001", "CH-10002"), headers, [SECRET], NOW), /no signature matched/);
    expectRefused(verifyWebhook(`${BODY} `, headers, [SECRET], NOW), /no signature matched/);
  });

  it("checks the raw body bytes, not an equivalent JSON", () => {
    const reformatted = JSON.stringify(JSON.parse(BODY), null, 2);

    expectRefused(verifyWebhook(reformatted, signedHeaders(), [SECRET], NOW), /no signature matched/);
  });

  it("refuses a tampered webhook-id or timestamp (both are signed)", () => {
    const headers = signedHeaders();

    expectRefused(
      verifyWebhook(BODY, { ...headers, "webhook-id": "msg_other" }, [SECRET], NOW),
      "no signature matched any active secret",
    );
    expectRefused(
      verifyWebhook(BODY, { ...headers, "webhook-timestamp": String(NOW_SECONDS + 1) }, [SECRET], NOW),
      "no signature matched any active secret",
    );
  });

  it("refuses a signature made with a secret that is not active, without revealing any secret", () => {
    const result = verifyWebhook(BODY, signedHeaders({ secret: OTHER_SECRET }), [SECRET, ROTATED_SECRET], NOW);

    expectRefused(result, "no signature matched any active secret");
    const text = JSON.stringify(result);
    for (const secret of [SECRET, ROTATED_SECRET, OTHER_SECRET]) expect(text).not.toContain(secret.slice(6, 16));
  });

  it("accepts timestamps up to 5 minutes old or ahead", () => {
    for (const timestamp of [NOW_SECONDS - TIMESTAMP_TOLERANCE_SECONDS, NOW_SECONDS + TIMESTAMP_TOLERANCE_SECONDS])
      expect(verifyWebhook(BODY, signedHeaders({ timestamp }), [SECRET], NOW).ok).toBe(true);
  });

  it("refuses a stale timestamp (more than 5 minutes old), even correctly signed", () => {
    const timestamp = NOW_SECONDS - TIMESTAMP_TOLERANCE_SECONDS - 1;

    expectRefused(
      verifyWebhook(BODY, signedHeaders({ timestamp }), [SECRET], NOW),
      "webhook-timestamp is too old: 301 seconds before now, more than the 300 allowed",
    );
  });

  it("refuses a future timestamp (more than 5 minutes ahead), even correctly signed", () => {
    const timestamp = NOW_SECONDS + 3600;

    expectRefused(
      verifyWebhook(BODY, signedHeaders({ timestamp }), [SECRET], NOW),
      "webhook-timestamp is too new: 3600 seconds in the future, more than the 300 allowed",
    );
  });

  it("uses the clock when no `now` is given", () => {
    const timestamp = Math.floor(Date.now() / 1000);

    expect(verifyWebhook(BODY, signedHeaders({ timestamp }), [SECRET]).ok).toBe(true);
    expectRefused(verifyWebhook(BODY, signedHeaders(), [SECRET]), /too old/);
  });

  it("accepts when any one of several entries matches", () => {
    const good = signedHeaders()["webhook-signature"];
    const wrong = signedHeaders({ secret: OTHER_SECRET })["webhook-signature"];
    const headers = { ...signedHeaders(), "webhook-signature": `${wrong} ${good} v1,${"A".repeat(43)}=` };

    expect(verifyWebhook(BODY, headers, [SECRET], NOW).ok).toBe(true);
  });

  it("ignores entries of other versions, and refuses when only those are present", () => {
    const good = signedHeaders()["webhook-signature"];
    const digest = good.slice("v1,".length);

    expect(verifyWebhook(BODY, { ...signedHeaders(), "webhook-signature": `v1a,xyz ${good}` }, [SECRET], NOW).ok).toBe(
      true,
    );
    expectRefused(
      verifyWebhook(BODY, { ...signedHeaders(), "webhook-signature": `v2,${digest} v1a,${digest}` }, [SECRET], NOW),
      'webhook-signature has no "v1,<base64 HMAC-SHA256>" entry (other versions are not accepted)',
    );
  });

  it.each([
    ["a bare digest", "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="],
    ["a digest that is not base64", "v1,not*base64!"],
    ["a digest of the wrong length", `v1,${Buffer.from("short").toString("base64")}`],
    ["a comma only", ","],
  ])("refuses a malformed signature header: %s", (_what, header) => {
    expectRefused(
      verifyWebhook(BODY, { ...signedHeaders(), "webhook-signature": header }, [SECRET], NOW),
      'malformed webhook-signature header: expected space-separated entries "v1,<canonical base64 HMAC-SHA256>"',
    );
  });

  it.each(["webhook-id", "webhook-timestamp", "webhook-signature"])("refuses a missing %s header", (name) => {
    const headers: Record<string, string | undefined> = { ...signedHeaders(), [name]: undefined };

    expectRefused(verifyWebhook(BODY, headers, [SECRET], NOW), `missing header ${name}`);
    expectRefused(verifyWebhook(BODY, { ...signedHeaders(), [name]: "  " }, [SECRET], NOW), `missing header ${name}`);
  });

  it("names every missing header at once", () => {
    expectRefused(
      verifyWebhook(BODY, { "content-type": "application/json" }, [SECRET], NOW),
      "missing headers webhook-id, webhook-timestamp, webhook-signature",
    );
  });

  it.each(["1763888400abc", "-1763888400", "1763888400.5", "2026-11-23T09:00:00Z"])(
    "refuses a webhook-timestamp that is not Unix seconds: %s",
    (timestamp) => {
      expectRefused(
        verifyWebhook(BODY, { ...signedHeaders(), "webhook-timestamp": timestamp }, [SECRET], NOW),
        "webhook-timestamp must be the sending time in Unix seconds (digits only)",
      );
    },
  );

  it("throws, as the adapter's own fault, when no secret is active", () => {
    expect(() => verifyWebhook(BODY, signedHeaders(), [], NOW)).toThrow(WebhookSecretError);
  });

  it("verifies whatever the body, id and secret (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary" }),
        fc.stringMatching(/^msg_[A-Za-z0-9]{1,30}$/),
        fc.uint8Array({ minLength: 24, maxLength: 64 }),
        fc.integer({ min: -TIMESTAMP_TOLERANCE_SECONDS, max: TIMESTAMP_TOLERANCE_SECONDS }),
        (body, webhookId, key, skew) => {
          const secret = `whsec_${Buffer.from(key).toString("base64")}`;
          const headers = signedHeaders({ secret, body, webhookId, timestamp: NOW_SECONDS + skew });
          const verified = verifyWebhook(body, headers, [OTHER_SECRET, secret], NOW);
          const tampered = verifyWebhook(`${body}x`, headers, [OTHER_SECRET, secret], NOW);
          return verified.ok && verified.webhookId === webhookId && !tampered.ok;
        },
      ),
      { numRuns: 200 },
    );
  }, 30_000); // generous: property runs on a shared, loaded machine
});

describe("parseSecrets", () => {
  it("reads one secret, or several separated by spaces", () => {
    expect(parseSecrets(SECRET)).toEqual([SECRET]);
    expect(parseSecrets(`  ${SECRET}   ${ROTATED_SECRET}\n`)).toEqual([SECRET, ROTATED_SECRET]);
  });

  it("refuses an empty setting", () => {
    expect(() => parseSecrets("   ")).toThrow(
      'no webhook secret is set: expected one or more "whsec_<base64 key>" separated by spaces',
    );
  });

  it.each([
    ["without the whsec_ prefix", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", /it must start with "whsec_"$/],
    ["with nothing after the prefix", "whsec_", /must be a non-empty standard base64 key$/],
    ["with characters outside base64", "whsec_MfKQ9r8G-KYqrTwjU_PD8ILPZ", /must be a non-empty standard base64 key$/],
    ["with broken padding", "whsec_abc", /is not valid base64 \(check its length and padding\)$/],
    [
      "with a key under 24 bytes",
      `whsec_${Buffer.from("x").toString("base64")}`,
      /is too short: its key is 1 bytes, at least 24/,
    ],
    ["with a 23-byte key", `whsec_${Buffer.alloc(23, 7).toString("base64")}`, /is too short: its key is 23 bytes/],
  ])("names the malformed entry (%s) by position, never by value", (_what, bad, message) => {
    let error: unknown;
    try {
      parseSecrets(`${SECRET} ${bad}`);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(WebhookSecretError);
    const text = (error as Error).message;
    expect(text).toMatch(/^webhook secret 2 of 2 is (malformed|too short): /);
    expect(text).toMatch(message);
    expect(text).not.toContain(bad.replace("whsec_", "").slice(0, 6) || "\u0000");
  });
});
