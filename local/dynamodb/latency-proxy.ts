// A TCP proxy in front of DynamoDB Local that holds back DynamoDB's answers: a request reaches DynamoDB at once and
// is applied, but its answer arrives late. That is what a busy DynamoDB (or network) looks like to a client whose
// request timeout is shorter than the delay: the write landed, the client gave up, and the SDK's retry of the same
// conditional write then meets its own first attempt. The deployed stage's 2 s timeout meets this on a busy day;
// the soak and the tests inject it on purpose instead of waiting for a busy machine.
import { createServer, connect, type AddressInfo, type Socket } from "node:net";

export interface LatencyProxyOptions {
  /** DynamoDB's endpoint, e.g. http://127.0.0.1:8000. */
  upstream: string;
  /** The delay of one chunk of answer, asked per chunk (0: pass it on at once). */
  answerDelayMs?: () => number;
}

export interface LatencyProxy {
  /** The endpoint to give the client instead of `upstream`. */
  endpoint: string;
  /** Replaces the delay rule (e.g. slow answers for a while, then none). */
  setAnswerDelay(rule: () => number): void;
  /** Chunks of answer delayed so far. */
  delayedChunks(): number;
  close(): Promise<void>;
}

/** Every answer delayed by `delayMs` for a share `share` of connections' chunks, chosen by `random`. */
export function slowShare(share: number, delayMs: number, random: () => number = Math.random): () => number {
  return () => (random() < share ? delayMs : 0);
}

/** DynamoDB's busy spells: for `spellMs` of every `everyMs`, a share of answers held back `minMs` to `maxMs`. */
export interface SlowSpells {
  everyMs: number;
  spellMs: number;
  /** Share of answer chunks delayed during a spell (0–1). */
  share: number;
  minMs: number;
  maxMs: number;
}

/**
 * A delay rule for slow spells, timed from `startedAt`: quiet between spells, then for `spellMs` a share of the
 * answers late by `minMs`–`maxMs` (around and beyond a client's timeout, so some land in time and some do not).
 */
export function slowSpells(
  spells: SlowSpells,
  random: () => number = Math.random,
  now: () => number = Date.now,
  startedAt = now(),
): () => number {
  return () => {
    const intoCycle = (now() - startedAt) % spells.everyMs;
    if (intoCycle >= spells.spellMs || random() >= spells.share) return 0;
    return Math.round(spells.minMs + random() * (spells.maxMs - spells.minMs));
  };
}

export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const target = new URL(options.upstream);
  const upstreamPort = Number(target.port || 80);
  let rule = options.answerDelayMs ?? (() => 0);
  let delayed = 0;
  const sockets = new Set<Socket>();

  const server = createServer((client) => {
    const upstream = connect({ host: target.hostname, port: upstreamPort });
    sockets.add(client);
    sockets.add(upstream);
    // Requests go through untouched; answers keep their order: each chunk is written after the one before it, never
    // before its own time. (One timer per chunk did not keep the order: two chunks due in the same millisecond could
    // fire the wrong way round, and the client read the body before the headers — "Parse Error: Expected HTTP/".)
    client.pipe(upstream);
    let delivered: Promise<void> = Promise.resolve();
    upstream.on("data", (chunk: Buffer) => {
      const delay = rule();
      if (delay > 0) delayed++;
      const deliverAt = Date.now() + delay;
      delivered = delivered.then(async () => {
        const wait = deliverAt - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (!client.destroyed) client.write(chunk);
      });
    });
    const closeBoth = () => {
      // Let delayed chunks out before the client's side closes.
      void delivered.then(() => client.destroy());
      upstream.destroy();
    };
    upstream.on("end", closeBoth);
    upstream.on("error", closeBoth);
    client.on("error", () => upstream.destroy());
    client.on("close", () => {
      upstream.destroy();
      sockets.delete(client);
    });
    upstream.on("close", () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    setAnswerDelay: (next) => {
      rule = next;
    },
    delayedChunks: () => delayed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
