// Fuzzing the webhook endpoint over real HTTP: signed deliveries whose bodies and headers are mutated the ways an
// attacker or a broken sender would (fast-check, seeded, so a run can be repeated), checked against the promises of
// the contract: never a 5xx, every 4xx body at most 64 KiB and naming its problem. Used by `npm run fuzz` and, with
// fewer cases, by the end-to-end tests.
import { createHmac } from "node:crypto";
import { request } from "node:http";
import fc from "fast-check";
import { signedWebhookHeaders } from "../lib/channel/signature";
import { sampleOrderPlaced } from "../local/samples";

export const MAX_4XX_BODY_BYTES = 64 * 1024;

/** One request as sent: the body's bytes and the headers (values Node's HTTP client can put on the wire). */
export interface FuzzCase {
  kind: string;
  body: Buffer;
  headers: Record<string, string>;
}

export interface FuzzFigures {
  cases: number;
  byStatus: Record<string, number>;
  byKind: Record<string, number>;
  /** Promises broken: a 5xx, a 4xx body over 64 KiB or not naming its problem, a connection that failed. */
  failures: { kind: string; status: number; problem: string }[];
  largest4xxBytes: number;
  durationMs: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const placed = (orderId: string): Json => JSON.parse(JSON.stringify(sampleOrderPlaced(orderId))) as Json;
const cancelled = (orderId: string): Json => ({
  type: "order.cancelled",
  data: { order_id: orderId, reason: "traveler", item_ids: [`${orderId}-1`] },
});

/** Every path of a JSON value (dotted), the root included. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(value)) return here.concat(...value.map((item, index) => paths(item, [...prefix, index])));
  if (value !== null && typeof value === "object")
    return here.concat(...Object.entries(value).map(([key, item]) => paths(item, [...prefix, key])));
  return here;
}

function setAt(root: Json, path: (string | number)[], replacement: Json | undefined): Json {
  if (path.length === 0) return replacement ?? null;
  const copy = structuredClone(root);
  let node: Json = copy;
  for (const key of path.slice(0, -1)) node = (node as Record<string, Json>)[key] as Json;
  const last = path.at(-1) ?? "";
  if (replacement === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else Reflect.deleteProperty(node as Record<string, Json>, last);
  } else (node as Record<string, Json>)[last] = replacement;
  return copy;
}

/** Text as a header value Node sends: its UTF-8 bytes as latin1 characters (so a bidi mark still gets through). */
const asHeaderValue = (text: string): string =>
  Buffer.from(text, "utf8")
    .toString("latin1")
    .replace(/[^\t\x20-\x7e\x80-\xff]/g, "");

// Values that broke parsers and validators elsewhere: long, invisible, reserved, numeric edge cases.
const nastyStrings = fc.constantFrom(
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u202Eevil",
  "\uFEFF",
  "\uD800",
  "__proto__",
  "constructor",
  "x".repeat(3000),
  "１２３",
  "1e309",
  "-0",
  "NaN",
  "<script>alert(1)</script>",
  "%E0%A4%A",
  "../../etc/passwd",
);
const nastyJson: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  nastyStrings,
  fc.constantFrom<Json>(1e308, -1, 0.1, 101, 2 ** 53 + 1, true, null, [], {}, { __proto__: "x" } as Json),
  fc.integer({ min: 51, max: 20_000 }).map((length): Json => Array.from({ length }, () => ({}))),
  fc
    .integer({ min: 1, max: 200 })
    .map((length): Json => Object.fromEntries(Array.from({ length }, (_, n) => [`k${n}`, n]))),
);

interface Draft {
  kind: string;
  payload: Json | Buffer;
  webhookId?: string;
  timestamp?: string;
  contentType?: string;
  /** How the signature header is made from the good one. */
  signature?: "good" | "tampered" | "non_canonical" | "other_version" | "garbage" | "missing" | "extra_entries";
}

function bodyDraft(orderId: string): fc.Arbitrary<Draft> {
  const base = fc.constantFrom(placed(orderId), cancelled(orderId));
  return fc.oneof(
    base.map((payload): Draft => ({ kind: "valid", payload })),
    fc.tuple(base, fc.nat(), nastyJson).map(([payload, pick, value]): Draft => {
      const all = paths(payload);
      return { kind: "value_replaced", payload: setAt(payload, all[pick % all.length] ?? [], value) };
    }),
    fc.tuple(base, fc.nat()).map(([payload, pick]): Draft => {
      const all = paths(payload).filter((path) => path.length > 0);
      return { kind: "key_removed", payload: setAt(payload, all[pick % all.length] ?? [], undefined) };
    }),
    fc.tuple(base, fc.nat(), nastyStrings, nastyJson).map(([payload, pick, key, value]): Draft => {
      const objects = paths(payload).filter((path) => {
        let node: Json = payload;
        for (const step of path) node = (node as Record<string, Json>)[step] as Json;
        return node !== null && typeof node === "object" && !Array.isArray(node);
      });
      const at = objects[pick % objects.length] ?? [];
      const text = JSON.stringify(payload);
      // Insert the key in the text: JSON.parse makes `__proto__` an own key, as a sender's body would.
      const target = JSON.stringify(
        at.reduce<Json>((node, step) => (node as Record<string, Json>)[step] as Json, payload),
      );
      const injected = text.replace(
        target,
        `${target.slice(0, -1)}${target.length > 2 ? "," : ""}${JSON.stringify(key)}:${JSON.stringify(value)}}`,
      );
      return { kind: "key_added", payload: Buffer.from(injected, "utf8") };
    }),
    fc.tuple(base, fc.nat()).map(([payload, cut]): Draft => {
      const text = Buffer.from(JSON.stringify(payload));
      return { kind: "truncated", payload: text.subarray(0, cut % text.length) };
    }),
    fc
      .uint8Array({ minLength: 0, maxLength: 2048 })
      .map((bytes): Draft => ({ kind: "random_bytes", payload: Buffer.from(bytes) })),
    fc
      .tuple(base, fc.constantFrom([0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf]))
      .map(([payload, bytes]): Draft => {
        const text = JSON.stringify(payload);
        const at = text.indexOf("CH-") >= 0 ? text.indexOf("CH-") : 1;
        return {
          kind: "bad_utf8",
          payload: Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bytes), Buffer.from(text.slice(at))]),
        };
      }),
    fc.integer({ min: 1, max: 100_000 }).map((depth): Draft => ({
      kind: "deep_nesting",
      payload: Buffer.from(`${"[".repeat(depth)}${"]".repeat(depth)}`),
    })),
    fc.integer({ min: 256 * 1024 - 64, max: 300 * 1024 }).map((size): Draft => ({
      kind: "oversized",
      payload: Buffer.concat([
        Buffer.from('{"type":"order.placed","pad":"'),
        Buffer.alloc(size, 0x61),
        Buffer.from('"}'),
      ]),
    })),
  );
}

const headerDraft = fc.record(
  {
    webhookId: fc.oneof(
      fc.string({ unit: "grapheme", minLength: 0, maxLength: 40 }),
      fc.string({ unit: "binary", minLength: 1, maxLength: 20 }),
      fc.integer({ min: 200, max: 3000 }).map((length) => "m".repeat(length)),
      nastyStrings,
    ),
    timestamp: fc.oneof(
      fc.constantFrom("0", "-1", "1e9", "1.7e9", "0x65", " ", "99999999999999999999999", "NaN"),
      fc.string({ maxLength: 12 }),
    ),
    contentType: fc.constantFrom(
      "text/plain",
      "application/json; charset=iso-8859-1",
      "application/json; charset=utf-16",
      "application/json;charset=UTF-8",
      "Application/JSON",
      "application/x-www-form-urlencoded",
      "",
      "application/json; boundary=x",
    ),
    signature: fc.constantFrom("tampered", "non_canonical", "other_version", "garbage", "missing", "extra_entries"),
  },
  { requiredKeys: [] },
);

/**
 * The cases of a run: three in four signed with good headers (so their bodies get past the signature to the deeper
 * checks), one in four with some headers broken.
 */
export function fuzzCases(count: number, seed: number, secret: string): FuzzCase[] {
  const drafts = fc.sample(
    fc
      .tuple(fc.uuid(), fc.nat())
      .chain(([uuid, n]) =>
        fc.tuple(
          bodyDraft(`FZ-${uuid.slice(0, 8)}-${n % 1000}`),
          fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: headerDraft, weight: 1 }),
        ),
      ),
    { seed, numRuns: count },
  );
  const now = Math.floor(Date.now() / 1000);
  return drafts.map(([draft, headerChanges], index) => {
    const body = Buffer.isBuffer(draft.payload) ? draft.payload : Buffer.from(JSON.stringify(draft.payload), "utf8");
    const changes = headerChanges ?? {};
    const webhookId = asHeaderValue(changes.webhookId ?? `msg_fuzz_${seed}_${index}`);
    const timestamp = asHeaderValue(changes.timestamp ?? String(now));
    const signedId = webhookId.trim();
    const signedTimestamp = timestamp.trim();
    // Signed over the header texts as sent (a malformed timestamp is still signed, to reach its own check).
    const good = `v1,${hmacOver(secret, signedId, signedTimestamp, body)}`;
    const signature = signatureFor(changes.signature ?? "good", good);
    const headers: Record<string, string> = {
      "content-type": changes.contentType ?? "application/json",
      "webhook-id": webhookId,
      "webhook-timestamp": timestamp,
      ...(signature === undefined ? {} : { "webhook-signature": signature }),
    };
    const changed = Object.keys(changes);
    return { kind: [draft.kind, ...changed].join("+"), body, headers };
  });
}

/** The base64 HMAC over the header texts as sent and the body's bytes (what `signWebhook` does for a number). */
function hmacOver(secret: string, webhookId: string, timestamp: string, body: Buffer): string {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  return createHmac("sha256", key).update(`${webhookId}.${timestamp}.`).update(body).digest("base64");
}

function signatureFor(how: NonNullable<Draft["signature"]>, good: string): string | undefined {
  const digest = good.slice("v1,".length);
  switch (how) {
    case "good":
      return good;
    case "tampered": {
      const bytes = Buffer.from(digest, "base64");
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      return `v1,${bytes.toString("base64")}`;
    }
    case "non_canonical":
      return `v1,${digest.replace(/=+$/, "")}`;
    case "other_version":
      return `v2,${digest}`;
    case "garbage":
      return "v1,!!!! ,,, v1";
    case "missing":
      return undefined;
    case "extra_entries":
      return `v1a,xyz ${"v1,AAAA ".repeat(50)}${good}`;
  }
}

function post(url: string, fuzzCase: FuzzCase): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/webhooks/orders`,
      { method: "POST", headers: { ...fuzzCase.headers, "content-length": String(fuzzCase.body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(fuzzCase.body);
  });
}

/** Why a 4xx body breaks the contract, or undefined. */
function problemOf4xx(body: Buffer): string | undefined {
  if (body.length > MAX_4XX_BODY_BYTES) return `a 4xx body of ${body.length} bytes`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return "a 4xx body that is not JSON";
  }
  if (typeof parsed !== "object" || parsed === null) return "a 4xx body that is not an object";
  const answer = parsed as { error?: unknown; message?: unknown; issues?: unknown };
  if (typeof answer.error !== "string" || answer.error === "") return "a 4xx body without `error`";
  const named =
    (typeof answer.message === "string" && answer.message !== "") ||
    (Array.isArray(answer.issues) && answer.issues.length > 0);
  return named ? undefined : "a 4xx body that names no problem (no message, no issues)";
}

/** Sends every case to `url` (the adapter's base URL), `parallel` at a time, and checks every answer. */
export async function runFuzz(url: string, cases: readonly FuzzCase[], parallel = 16): Promise<FuzzFigures> {
  const figures: FuzzFigures = { cases: 0, byStatus: {}, byKind: {}, failures: [], largest4xxBytes: 0, durationMs: 0 };
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const fuzzCase = cases[next++];
      if (!fuzzCase) break;
      figures.cases++;
      figures.byKind[fuzzCase.kind.split("+")[0] ?? fuzzCase.kind] =
        (figures.byKind[fuzzCase.kind.split("+")[0] ?? fuzzCase.kind] ?? 0) + 1;
      let answer: { status: number; body: Buffer };
      try {
        answer = await post(url, fuzzCase);
      } catch (error) {
        figures.failures.push({ kind: fuzzCase.kind, status: 0, problem: `no answer: ${(error as Error).message}` });
        continue;
      }
      figures.byStatus[answer.status] = (figures.byStatus[answer.status] ?? 0) + 1;
      if (answer.status >= 500) figures.failures.push({ kind: fuzzCase.kind, status: answer.status, problem: "a 5xx" });
      else if (answer.status >= 400) {
        figures.largest4xxBytes = Math.max(figures.largest4xxBytes, answer.body.length);
        const problem = problemOf4xx(answer.body);
        if (problem) figures.failures.push({ kind: fuzzCase.kind, status: answer.status, problem });
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  figures.durationMs = Math.round(performance.now() - started);
  return figures;
}

/** Sends one valid, signed `order.placed`; answers the status. */
async function sendValid(url: string, secret: string, label: string): Promise<number> {
  const webhookId = `msg_${label}_${Date.now()}_${Math.random().toString(36).slice(2)}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify(sampleOrderPlaced(`FZ-${label}-${timestamp}`));
  const answer = await fetch(`${url}/webhooks/orders`, {
    method: "POST",
    headers: signedWebhookHeaders({ secret, webhookId, timestamp, body }),
    body,
  });
  await answer.arrayBuffer();
  return answer.status;
}

/**
 * Valid deliveries, one at a time, before the run: a just-started DynamoDB Local (a cold JVM) can take longer than
 * the store's request timeout on its first writes, which is the emulator warming up, not what is fuzzed.
 */
export async function warmUp(url: string, secret: string, count = 20): Promise<void> {
  for (let n = 0; n < count; n++) await sendValid(url, secret, "warmup");
}

/** The stack still serves after the run: the health check, and a valid signed webhook accepted. */
export async function healthAfter(url: string, secret: string): Promise<{ health: number; validWebhook: number }> {
  const health = (await fetch(`${url}/health`)).status;
  return { health, validWebhook: await sendValid(url, secret, "after") };
}
