// The AX client against the AX sandbox over real loopback HTTP: every call, every answer shape, every error class.
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AxClient, type AxCallInfo, type AxClientOptions } from "../../lib/ax/client";
import {
  AxAuthError,
  AxError,
  AxNotFoundError,
  AxNotSentError,
  AxOutcomeUnknownError,
  AxRejectedError,
  AxRequestInvalidError,
  AxThrottledError,
  AxUnavailableError,
  AxUnexpectedResponseError,
  AxValidationError,
} from "../../lib/ax/errors";
import type { CreateOrderRequest } from "../../lib/ax/schemas";
import { connectAxSandbox } from "../../local/ax-sandbox/remote";
import { startAxSandbox, type AnswerShapeInput, type AxSandbox } from "../../local/ax-sandbox/server";

const OPTION_A = "d96b2ed4-12c5-4fb5-ae94-4f39b11ee980";
const OPTION_B = "d96b2ed4-12c5-4fb5-ae94-4f39b11ee981";

let sandbox: AxSandbox;
let client: AxClient;
let calls: AxCallInfo[];
const clients: AxClient[] = [];
let sequence = 0;

function newClient(options: Partial<AxClientOptions> = {}): AxClient {
  const created = new AxClient({
    baseUrl: sandbox.url,
    credentials: { apiKey: sandbox.apiKey, channelCode: sandbox.channelCode },
    timeoutMs: 2_000,
    onCall: (info) => calls.push(info),
    ...options,
  });
  clients.push(created);
  return created;
}

/** A create body with two option lines: A × 2 tickets, B × 1 ticket. */
function createBody(channelOrderCode = `CH-${++sequence}`): CreateOrderRequest {
  const person = { name: "Kim Minji", national_code: "82", phone: "01012345678", email: "minji@example.com" };
  return {
    options: [
      {
        channel_product_mapping_code: "af01c7c4-1637-46fb-b289-a090a9be0397",
        option_code: OPTION_A,
        quantity: 2,
        inventory_at: "2026-12-24T09:00:00Z",
        unit_selling_price: "2222",
        discount: "22",
        discount_method: "쿠폰 할인",
        amount_price: "2200",
        tickets: [
          { channel_code: `${channelOrderCode}-T1`, ...person },
          {
            channel_code: `${channelOrderCode}-T2`,
            ...person,
            name: "Lee Jun",
            additional: { english_name: "Lee Jun" },
          },
        ],
      },
      {
        channel_product_mapping_code: "af01c7c4-1637-46fb-b289-a090a9be0398",
        option_code: OPTION_B,
        quantity: 1,
        inventory_at: "2026-12-25T00:00:00Z",
        unit_selling_price: "1000.5",
        amount_price: "1000.5",
        tickets: [{ channel_code: `${channelOrderCode}-T3`, ...person }],
      },
    ],
    order: {
      channel_order_id: channelOrderCode,
      channel_order_code: channelOrderCode,
      purchased_at: "2026-11-25T10:41:25Z",
      sub_total: "5444.5",
      discount: "444",
      discount_method: "주문 전체 10% 할인",
      total: "5000.5",
      status: "New",
      is_voucher: true,
      currency: "KRW",
    },
    purchaser: { is_required_more_information: false, ...person, extra: "" },
    representative: person,
  };
}

async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** A TCP server that accepts connections and then does `onSocket` (say nothing, or hang up): no TLS, no HTTP. */
async function rawServer(onSocket: (socket: Socket) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** The call's failure, checked to be of class `type`. */
async function failureOf<T extends AxError>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => T,
): Promise<T> {
  const error = await failure(promise);
  if (!(error instanceof type)) throw new Error(`expected ${type.name}, got ${error.name}: ${error.message}`);
  return error;
}

async function failure(promise: Promise<unknown>): Promise<AxError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AxError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

beforeAll(async () => {
  sandbox = await startAxSandbox({ port: 0, apiKey: "test-key", channelCode: "test-channel" });
});

afterAll(async () => {
  for (const created of clients) created.close();
  await sandbox.stop();
});

beforeEach(() => {
  sandbox.reset();
  calls = [];
  client = newClient();
});

describe("AX calls (newest answer shape)", () => {
  it("creates one AX order per option and one ticket per unit, in request order", async () => {
    const body = createBody("CH-CREATE");

    const result = await client.createOrder("tour", body);

    const stored = sandbox.listOrders({ channelOrderCode: "CH-CREATE" });
    expect(stored).toHaveLength(2);
    expect(result.channel_order_code).toBe("CH-CREATE");
    expect(result.channel_order_status).toBe("New");
    expect(result.options.map((option) => [option.option_code, option.inventory_at, option.quantity])).toEqual([
      [OPTION_A, "2026-12-24T09:00:00Z", 2],
      [OPTION_B, "2026-12-25T00:00:00Z", 1],
    ]);
    for (const [index, option] of result.options.entries()) {
      const order = stored.find((candidate) => candidate.axOrderCode === option.ax_order_code);
      expect(order?.optionIndex).toBe(index);
      expect(option.ax_order_status).toBe("New");
      expect(option.tickets).toEqual(
        order?.tickets.map((ticket) => ({ ax_ticket_code: ticket.axTicketCode, ax_ticket_status: "New" })),
      );
    }
    expect(stored[0]?.tickets.map((ticket) => ticket.channelCode)).toEqual(["CH-CREATE-T1", "CH-CREATE-T2"]);
    expect(stored[0]?.request).toEqual(body);
    expect(sandbox.createCalls("CH-CREATE")).toBe(1);
    // The call is reported once, with what the order's attempt log keeps: the path, the body sent, AX's answer.
    expect(calls).toEqual([
      {
        endpoint: "create",
        path: "POST /v1/channel/orders/tour",
        status: 201,
        outcome: "ok",
        durationMs: expect.any(Number) as number,
        request: body,
        answer: expect.stringContaining('"ax_order_code"') as string,
      },
    ]);
  });

  it("sends the auth, channel and JSON headers on every call", async () => {
    const created = await client.createOrder("tour", createBody());
    const axOrderCode = created.options[0]?.ax_order_code ?? "";
    await client.getConfirmation("tour", axOrderCode);

    const requests = sandbox.requests();
    expect(requests.map((request) => request.endpoint)).toEqual(["create", "confirmation"]);
    for (const request of requests) {
      expect(request.headers).toMatchObject({
        authorization: "Token test-key",
        channel: "Code test-channel",
        "content-type": "application/json",
        accept: "application/json",
      });
    }
    expect(requests[0]?.path).toBe("/v1/channel/orders/tour");
    expect(requests[1]?.path).toBe(`/v1/channel/orders/tour/${axOrderCode}`);
  });

  it("reads the supplier's confirmation and comment", async () => {
    const created = await client.createOrder("tour", createBody());
    const axOrderCode = created.options[0]?.ax_order_code ?? "";
    expect(await client.getConfirmation("tour", axOrderCode)).toEqual([
      {
        channel_order_code: created.channel_order_code,
        ax_order_code: axOrderCode,
        ax_order_status: "New",
        comment: "",
      },
    ]);

    sandbox.setOrderStatus(axOrderCode, "Supplier confirm", "Supplier 확정");

    expect(await client.getConfirmation("tour", axOrderCode)).toEqual([
      {
        channel_order_code: created.channel_order_code,
        ax_order_code: axOrderCode,
        ax_order_status: "Supplier confirm",
        comment: "Supplier 확정",
      },
    ]);
  });

  it("cancels one AX order with all its tickets, and answers a repeated cancel with the same state", async () => {
    const created = await client.createOrder("day-ticket", createBody());
    const [first, second] = created.options;
    if (!first || !second) throw new Error("two options expected");

    const result = await client.cancelOrder("day-ticket", first.ax_order_code, {
      channel_status: "Traveler cancel",
      comment: "여행자의 개인 사정으로 인한 취소",
    });

    expect(result).toEqual({
      channel_order_code: created.channel_order_code,
      channel_order_status: "Traveler cancel",
      ax_order_code: first.ax_order_code,
      ax_order_status: "Traveler cancel",
    });
    expect(sandbox.getOrder(first.ax_order_code)?.tickets.map((ticket) => ticket.status)).toEqual([
      "Traveler canceled",
      "Traveler canceled",
    ]);
    expect(sandbox.getOrder(second.ax_order_code)?.status).toBe("New");
    const again = await client.cancelOrder("day-ticket", first.ax_order_code, { channel_status: "Unavoidable cancel" });
    expect(again.ax_order_status).toBe("Traveler cancel");
  });

  it("cancels one ticket and leaves the order's status and other tickets alone", async () => {
    const created = await client.createOrder("tour", createBody());
    const option = created.options[0];
    const [ticket, other] = option?.tickets ?? [];
    if (!option || !ticket || !other) throw new Error("two tickets expected");

    const result = await client.cancelTicket("tour", option.ax_order_code, ticket.ax_ticket_code, {
      status: "Traveler canceled",
    });

    expect(result).toEqual({
      channel_order_code: created.channel_order_code,
      ax_order_code: option.ax_order_code,
      ax_order_status: "New",
      ax_ticket_code: ticket.ax_ticket_code,
      ax_ticket_status: "Traveler canceled",
    });
    const stored = sandbox.getOrder(option.ax_order_code);
    expect(stored?.status).toBe("New");
    expect(stored?.tickets.map((t) => t.status)).toEqual(["Traveler canceled", "New"]);
  });

  it("keeps the product families apart: a tour order is not found under day-ticket", async () => {
    const created = await client.createOrder("tour", createBody());

    const error = await failure(client.getConfirmation("day-ticket", created.options[0]?.ax_order_code ?? ""));

    expect(error).toBeInstanceOf(AxNotFoundError);
  });

  it("URL-encodes path segments", async () => {
    const error = await failure(client.getConfirmation("tour", "a/b c?"));

    expect(error).toBeInstanceOf(AxNotFoundError);
    expect(error.axMessage).toBe("찾을 수 없습니다.");
    expect(sandbox.requests()[0]?.path).toBe("/v1/channel/orders/tour/a%2Fb%20c%3F");
  });

  it("calls a credentials provider before each call", async () => {
    let loads = 0;
    const providing = newClient({
      credentials: () => {
        loads += 1;
        return Promise.resolve({ apiKey: "test-key", channelCode: "test-channel" });
      },
    });

    const created = await providing.createOrder("tour", createBody());
    await providing.getConfirmation("tour", created.options[0]?.ax_order_code ?? "");

    expect(loads).toBe(2);
  });

  it("answers after an injected latency shorter than the timeout", async () => {
    sandbox.injectFault({ endpoint: "confirmation", kind: "latency", latencyMs: 150, times: 1 });
    const created = await client.createOrder("tour", createBody());

    const started = Date.now();
    const info = await client.getConfirmation("tour", created.options[0]?.ax_order_code ?? "");

    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(info[0]?.ax_order_status).toBe("New");
  });
});

describe("older AX answer shapes", () => {
  const shapes: [string, AnswerShapeInput][] = [
    ["legacy (old names, numeric statuses, wrapped)", "legacy"],
    ["newest names, numeric statuses, wrapped", { names: "newest", statuses: "numeric", envelope: "wrapped" }],
    ["old names, named statuses, all bare", { names: "legacy", statuses: "named", envelope: "bare" }],
  ];

  it.each(shapes)("reads %s into the same normalised results", async (_label, shape) => {
    sandbox.setAnswerShape(shape);

    const created = await client.createOrder("tour", createBody("CH-SHAPE"));
    const stored = sandbox.listOrders({ channelOrderCode: "CH-SHAPE" });
    const [first, second] = created.options;
    if (!first || !second) throw new Error("two options expected");
    expect(created.channel_order_status).toBe("New");
    expect(created.options.map((option) => option.ax_order_code)).toEqual(stored.map((order) => order.axOrderCode));
    expect(first).toMatchObject({ option_code: OPTION_A, inventory_at: "2026-12-24T09:00:00Z", quantity: 2 });
    expect(first.tickets.map((ticket) => ticket.ax_ticket_status)).toEqual(["New", "New"]);

    sandbox.setOrderStatus(second.ax_order_code, "Supplier reject", "재고 없음");
    expect(await client.getConfirmation("tour", second.ax_order_code)).toEqual([
      {
        channel_order_code: "CH-SHAPE",
        ax_order_code: second.ax_order_code,
        ax_order_status: "Supplier reject",
        comment: "재고 없음",
      },
    ]);

    const ticket = first.tickets[0];
    if (!ticket) throw new Error("a ticket expected");
    const ticketResult = await client.cancelTicket("tour", first.ax_order_code, ticket.ax_ticket_code, {
      status: "Traveler canceled",
    });
    expect(ticketResult).toMatchObject({
      ax_order_code: first.ax_order_code,
      ax_ticket_code: ticket.ax_ticket_code,
      ax_ticket_status: "Traveler canceled",
    });

    const cancelled = await client.cancelOrder("tour", first.ax_order_code, { channel_status: "Unavoidable cancel" });
    expect(cancelled).toMatchObject({
      channel_order_code: "CH-SHAPE",
      ax_order_code: first.ax_order_code,
      ax_order_status: "Unavoidable cancel",
    });
  });

  it("really answers in the legacy shape (not a test of nothing)", async () => {
    sandbox.setAnswerShape("legacy");
    const created = await client.createOrder("tour", createBody());
    const axOrderCode = created.options[0]?.ax_order_code ?? "";
    sandbox.setOrderStatus(axOrderCode, "Supplier confirm");

    const response = await fetch(`${sandbox.url}/v1/channel/orders/tour/${axOrderCode}`, {
      headers: { Authorization: "Token test-key", Channel: "Code test-channel" },
    });

    expect(await response.json()).toEqual({
      status_code: 200,
      data: [{ channel_order_code: created.channel_order_code, ax_order_code: axOrderCode, status: 3, comment: "" }],
    });
  });

  it("leaves the order status out of a ticket cancel in the oldest shape", async () => {
    sandbox.setAnswerShape("legacy");
    const created = await client.createOrder("tour", createBody());
    const option = created.options[0];
    const ticket = option?.tickets[0];
    if (!option || !ticket) throw new Error("a ticket expected");

    const result = await client.cancelTicket("tour", option.ax_order_code, ticket.ax_ticket_code, {
      status: "Traveler canceled",
    });

    expect(result.ax_order_status).toBeUndefined();
    expect(result.ax_ticket_status).toBe("Traveler canceled");
  });
});

describe("failures before the request was sent (retry_safe)", () => {
  it("a closed port is AxNotSentError", async () => {
    const port = await closedPort();
    const offline = newClient({ baseUrl: `http://127.0.0.1:${port}` });

    const error = await failure(offline.createOrder("tour", createBody()));

    expect(error).toBeInstanceOf(AxNotSentError);
    expect(error.disposition).toBe("retry_safe");
    expect(error.message).toContain("ECONNREFUSED");
    expect(calls.at(-1)).toMatchObject({ endpoint: "create", outcome: "ax_not_sent" });
    expect(calls.at(-1)?.status).toBeUndefined();
  });

  it("a name that does not resolve is AxNotSentError", async () => {
    const nowhere = newClient({ baseUrl: "http://ax-sandbox.invalid" });

    const error = await failure(nowhere.getConfirmation("tour", "x"));

    expect(error).toBeInstanceOf(AxNotSentError);
  });

  it("an https server that never completes the TLS handshake is AxNotSentError after the connect timeout", async () => {
    const silent = await rawServer(() => undefined);
    try {
      const tls = newClient({ baseUrl: silent.url, connectTimeoutMs: 200, timeoutMs: 2_000 });

      const started = Date.now();
      const error = await failure(tls.createOrder("tour", createBody()));

      expect(error).toBeInstanceOf(AxNotSentError);
      expect(error.message).toContain("no connection within 200 ms");
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await silent.close();
    }
  });

  it("an https server that hangs up during the TLS handshake is AxNotSentError", async () => {
    const rude = await rawServer((socket) => socket.destroy());
    try {
      const tls = newClient({ baseUrl: rude.url });

      const error = await failure(tls.getConfirmation("tour", "x"));

      expect(error).toBeInstanceOf(AxNotSentError);
      expect(error.disposition).toBe("retry_safe");
    } finally {
      await rude.close();
    }
  });

  it("credentials that cannot be loaded are AxNotSentError, and nothing reaches AX", async () => {
    const broken = newClient({ credentials: () => Promise.reject(new Error("SSM is down")) });

    const error = await failure(broken.createOrder("tour", createBody("CH-NOCREDS")));

    expect(error).toBeInstanceOf(AxNotSentError);
    expect(error.message).toContain("SSM is down");
    expect(sandbox.requests()).toEqual([]);
  });

  it("a body that breaks the AX schema is refused before sending (permanent)", async () => {
    const body = createBody("CH-INVALID");
    body.options[0]?.tickets.pop();

    const error = await failureOf(client.createOrder("tour", body), AxRequestInvalidError);

    expect(error.disposition).toBe("permanent");
    expect(error.fieldErrors).toEqual([
      { field: "options.0.tickets", messages: ["must hold exactly `quantity` tickets"] },
    ]);
    expect(sandbox.createCalls("CH-INVALID")).toBe(0);
  });

  it("429 is AxThrottledError with Retry-After in ms, and no order is created", async () => {
    sandbox.injectFault({ endpoint: "create", kind: "status", status: 429, retryAfterSeconds: 7, times: 1 });

    const error = await failure(client.createOrder("tour", createBody("CH-429")));

    expect(error).toBeInstanceOf(AxThrottledError);
    expect(error).toMatchObject({ disposition: "retry_safe", status: 429, retryAfterMs: 7000, reason: "ax_throttled" });
    expect(error.axMessage).toContain("throttled");
    expect(sandbox.listOrders({ channelOrderCode: "CH-429" })).toEqual([]);
    expect(sandbox.createCalls("CH-429")).toBe(1);
    // the fault was for one call only
    await client.createOrder("tour", createBody("CH-429"));
    expect(sandbox.listOrders({ channelOrderCode: "CH-429" })).toHaveLength(2);
  });

  it("503 is AxUnavailableError, with retryAfterMs when AX sends Retry-After", async () => {
    sandbox.injectFault({ endpoint: "any", kind: "status", status: 503, retryAfterSeconds: 30, times: 1 });
    sandbox.injectFault({ endpoint: "any", kind: "status", status: 503, times: 1 });

    const first = await failure(client.getConfirmation("tour", "x"));
    const second = await failureOf(client.getConfirmation("tour", "x"), AxUnavailableError);

    expect(first).toBeInstanceOf(AxUnavailableError);
    expect(first).toMatchObject({ disposition: "retry_safe", status: 503, retryAfterMs: 30_000 });
    expect(second.retryAfterMs).toBeUndefined();
    expect(second.axMessage).toMatch(/^an HTML page of \d+ bytes$/);
  });
});

describe("failures after the request was sent (outcome_unknown)", () => {
  it.each([500, 502, 504])("%i is AxOutcomeUnknownError", async (status) => {
    sandbox.injectFault({ endpoint: "create", kind: "status", status, times: 1 });

    const error = await failure(client.createOrder("tour", createBody()));

    expect(error).toBeInstanceOf(AxOutcomeUnknownError);
    expect(error).toMatchObject({ disposition: "outcome_unknown", status, reason: "ax_outcome_unknown" });
    expect(error.message).toContain(`HTTP ${status}`);
    expect(calls.at(-1)).toMatchObject({ endpoint: "create", status, outcome: "ax_outcome_unknown" });
  });

  it("an answer that never comes is AxOutcomeUnknownError after the timeout", async () => {
    const impatient = newClient({ timeoutMs: 300 });
    sandbox.injectFault({ endpoint: "create", kind: "hang", times: 1 });

    const started = Date.now();
    const error = await failure(impatient.createOrder("tour", createBody()));

    expect(error).toBeInstanceOf(AxOutcomeUnknownError);
    expect(error.status).toBeUndefined();
    expect(error.message).toContain("no complete answer within 300 ms");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("a per-call timeout overrides the client's", async () => {
    sandbox.injectFault({ endpoint: "confirmation", kind: "hang", times: 1 });

    const error = await failure(client.getConfirmation("tour", "x", { timeoutMs: 200 }));

    expect(error).toBeInstanceOf(AxOutcomeUnknownError);
    expect(error.message).toContain("200 ms");
  });

  it("a dropped connection is AxOutcomeUnknownError", async () => {
    sandbox.injectFault({ endpoint: "cancel_order", kind: "drop", times: 1 });

    const error = await failure(client.cancelOrder("tour", "x", { channel_status: "Traveler cancel" }));

    expect(error).toBeInstanceOf(AxOutcomeUnknownError);
    expect(error.endpoint).toBe("cancel_order");
    expect(error.message).toMatch(/after the request was sent/);
  });

  it.each([
    ["answers 500", { kind: "status", status: 500 }],
    ["drops the connection", { kind: "drop" }],
    ["never answers", { kind: "hang" }],
  ] as const)(
    "a create that AX processes and then %s leaves the order in AX while the client is told outcome_unknown",
    async (_label, fault) => {
      const impatient = newClient({ timeoutMs: 500 });
      sandbox.injectFault({
        endpoint: "create",
        channelOrderCode: "CH-LOST",
        afterProcessing: true,
        times: 1,
        ...fault,
      });

      const error = await failure(impatient.createOrder("tour", createBody("CH-LOST")));

      expect(error).toBeInstanceOf(AxOutcomeUnknownError);
      expect(error.disposition).toBe("outcome_unknown");
      expect(sandbox.listOrders({ channelOrderCode: "CH-LOST" })).toHaveLength(2);
      expect(sandbox.createCalls("CH-LOST")).toBe(1);
    },
  );

  it("faults match by channel order code: another order goes through", async () => {
    sandbox.injectFault({ endpoint: "create", channelOrderCode: "CH-BAD", kind: "status", status: 502 });

    await client.createOrder("tour", createBody("CH-GOOD"));
    const error = await failure(client.createOrder("tour", createBody("CH-BAD")));

    expect(sandbox.listOrders({ channelOrderCode: "CH-GOOD" })).toHaveLength(2);
    expect(error.status).toBe(502);
  });

  it("faults match by product family: the other family's create of the same order goes through", async () => {
    sandbox.injectFault({
      endpoint: "create",
      channelOrderCode: "CH-FAMILY",
      productType: "day-ticket",
      kind: "status",
      status: 502,
    });

    await client.createOrder("tour", createBody("CH-FAMILY"));
    const error = await failure(client.createOrder("day-ticket", createBody("CH-FAMILY")));

    expect(sandbox.listOrders({ channelOrderCode: "CH-FAMILY" }).map((o) => o.type)).toEqual(["tour", "tour"]);
    expect(error.status).toBe(502);
  });

  it("faults match by AX order code: only that order's calls fail", async () => {
    const created = await client.createOrder("tour", createBody());
    const [first, second] = created.options;
    if (!first || !second) throw new Error("two options expected");
    sandbox.injectFault({ endpoint: "any", axOrderCode: first.ax_order_code, kind: "status", status: 504 });

    const error = await failure(client.getConfirmation("tour", first.ax_order_code));
    const info = await client.getConfirmation("tour", second.ax_order_code);

    expect(error.status).toBe(504);
    expect(info[0]?.ax_order_code).toBe(second.ax_order_code);
  });

  it("a 201 whose body cannot be read is AxUnexpectedResponseError, and the order exists", async () => {
    sandbox.injectFault({
      endpoint: "create",
      kind: "answer",
      status: 201,
      body: { created: true },
      afterProcessing: true,
      times: 1,
    });

    const error = await failureOf(client.createOrder("tour", createBody("CH-ODD")), AxUnexpectedResponseError);

    expect(error).toMatchObject({ disposition: "outcome_unknown", status: 201, reason: "ax_unexpected_response" });
    expect(error).toMatchObject({ responseBytes: 16, responseKind: "json" });
    expect(sandbox.listOrders({ channelOrderCode: "CH-ODD" })).toHaveLength(2);
  });

  it("a 200 that is not JSON is AxUnexpectedResponseError", async () => {
    sandbox.injectFault({ endpoint: "confirmation", kind: "answer", status: 200, body: "<html>maintenance</html>" });

    const error = await failure(client.getConfirmation("tour", "x"));

    expect(error).toBeInstanceOf(AxUnexpectedResponseError);
    expect(error.message).toContain("not JSON");
    expect(error).toMatchObject({ responseBytes: 24, responseKind: "html" });
  });

  it("an error page that echoes the request reaches no error field, message or log: kind and size only", async () => {
    const echo = "<html><body>Bad request: purchaser Kim Minji, phone 01012345678</body></html>";
    sandbox.injectFault({ endpoint: "confirmation", kind: "answer", status: 502, body: echo, times: 1 });

    const error = await failure(client.getConfirmation("tour", "x"));

    const everything = JSON.stringify(Object.entries(error)) + error.message;
    expect(everything).not.toContain("Kim Minji");
    expect(everything).not.toContain("01012345678");
    expect(error.message).toContain(`AX said: an HTML page of ${echo.length} bytes`);
  });
});

describe("refusals (permanent)", () => {
  it("400 from AX is AxValidationError with DRF's field errors flattened", async () => {
    const unchecked = newClient({ validateRequests: false });
    const { options: _options, order, ...rest } = createBody();
    const body = { ...rest, order: { ...order, total: null, currency: "EUR" } } as unknown as CreateOrderRequest;

    const error = await failureOf(unchecked.createOrder("tour", body), AxValidationError);

    expect(error).toMatchObject({ disposition: "permanent", status: 400, reason: "ax_rejected" });
    expect(error.fieldErrors).toEqual([
      { field: "options", messages: ["이 필드는 필수 항목입니다."] },
      { field: "order.total", messages: ["이 필드는 null일 수 없습니다."] },
      { field: "order.currency", messages: ['"EUR"이 유효하지 않은 선택(choice)입니다.'] },
    ]);
    expect(error.message).toContain("options: 이 필드는 필수 항목입니다.");
    expect(error.message).not.toContain("minji@example.com");
  });

  it("400 for a nested list names the option and the field", async () => {
    const unchecked = newClient({ validateRequests: false });
    const body = createBody();
    body.options[1]?.tickets.push({ ...body.options[1].tickets[0], channel_code: "extra" } as never);
    (body.options[0] as unknown as Record<string, unknown>).unit_selling_price = 2222;

    const error = await failureOf(unchecked.createOrder("tour", body), AxValidationError);

    expect(error.fieldErrors).toEqual([
      { field: "options.0.unit_selling_price", messages: ["올바른 문자열이 아닙니다."] },
      { field: "options.1.tickets", messages: ["티켓 수(2)가 quantity(1)와 같아야 합니다."] },
    ]);
  });

  it("400 on a cancel with a status AX does not know", async () => {
    const unchecked = newClient({ validateRequests: false });
    const created = await unchecked.createOrder("tour", createBody());

    const error = await failureOf(
      unchecked.cancelOrder("tour", created.options[0]?.ax_order_code ?? "", {
        channel_status: "Cancelled" as "Traveler cancel",
      }),
      AxValidationError,
    );

    expect(error.fieldErrors).toEqual([
      { field: "channel_status", messages: ['"Cancelled"이 유효하지 않은 선택(choice)입니다.'] },
    ]);
  });

  it("a wrong API key is AxAuthError 403 with AX's message", async () => {
    const wrong = newClient({ credentials: { apiKey: "not-the-key", channelCode: "test-channel" } });

    const error = await failure(wrong.createOrder("tour", createBody("CH-403")));

    expect(error).toBeInstanceOf(AxAuthError);
    expect(error).toMatchObject({ disposition: "permanent", status: 403, reason: "ax_auth" });
    expect(error.axMessage).toBe("이 작업을 수행할 권한(permission)이 없습니다.");
    expect(sandbox.listOrders({ channelOrderCode: "CH-403" })).toEqual([]);
  });

  it("a wrong channel code is AxAuthError 403", async () => {
    const wrong = newClient({ credentials: { apiKey: "test-key", channelCode: "someone-else" } });

    const error = await failure(wrong.getConfirmation("tour", "x"));

    expect(error).toBeInstanceOf(AxAuthError);
    expect(error.status).toBe(403);
  });

  it("missing credentials are AxAuthError 401", async () => {
    const empty = newClient({ credentials: { apiKey: "", channelCode: "" } });

    const error = await failure(empty.getConfirmation("tour", "x"));

    expect(error).toBeInstanceOf(AxAuthError);
    expect(error.status).toBe(401);
    expect(error.axMessage).toBe("자격 인증데이터(authentication credentials)가 제공되지 않았습니다.");
  });

  it("unknown AX order and ticket codes are AxNotFoundError", async () => {
    const created = await client.createOrder("tour", createBody());
    const axOrderCode = created.options[0]?.ax_order_code ?? "";

    const errors = await Promise.all([
      failure(client.getConfirmation("tour", "00000000-0000-0000-0000-000000000000")),
      failure(
        client.cancelOrder("tour", "00000000-0000-0000-0000-000000000000", { channel_status: "Traveler cancel" }),
      ),
      failure(client.cancelTicket("tour", axOrderCode, "no-such-ticket", { status: "Traveler canceled" })),
    ]);

    for (const error of errors) {
      expect(error).toBeInstanceOf(AxNotFoundError);
      expect(error).toMatchObject({ disposition: "permanent", status: 404, reason: "ax_not_found" });
      expect(error.axMessage).toBe("찾을 수 없습니다.");
    }
    expect(errors.map((error) => error.endpoint)).toEqual(["confirmation", "cancel_order", "cancel_ticket"]);
  });

  it.each([409, 422])("%i is AxRejectedError", async (status) => {
    sandbox.injectFault({ endpoint: "cancel_ticket", kind: "status", status, times: 1 });

    const error = await failure(client.cancelTicket("tour", "x", "y", { status: "Traveler canceled" }));

    expect(error).toBeInstanceOf(AxRejectedError);
    expect(error).toMatchObject({ disposition: "permanent", status, reason: "ax_rejected" });
  });
});

describe("the sandbox's HTTP control API", () => {
  it("drives faults, the supplier and the order list from another process", async () => {
    const remote = connectAxSandbox(sandbox.url);
    await remote.injectFault({ endpoint: "create", kind: "status", status: 503, times: 1 });
    expect(await remote.listFaults()).toHaveLength(1);

    const error = await failure(client.createOrder("tour", createBody("CH-REMOTE")));
    const created = await client.createOrder("tour", createBody("CH-REMOTE"));
    const axOrderCode = created.options[0]?.ax_order_code ?? "";
    await remote.setOrderStatus(axOrderCode, "Supplier confirm", "ok");

    expect(error).toBeInstanceOf(AxUnavailableError);
    expect(await remote.createCalls("CH-REMOTE")).toBe(2);
    expect(await remote.listOrders({ channelOrderCode: "CH-REMOTE" })).toHaveLength(2);
    expect((await remote.getOrder(axOrderCode))?.status).toBe("Supplier confirm");
    expect(await remote.getOrder("unknown")).toBeUndefined();
    expect((await client.getConfirmation("tour", axOrderCode))[0]?.ax_order_status).toBe("Supplier confirm");
    await remote.reset();
    expect(sandbox.listOrders()).toEqual([]);
  });

  it("answers 405 for other methods and an HTML 404 for other paths", async () => {
    const headers = { Authorization: "Token test-key", Channel: "Code test-channel" };

    const notAllowed = await fetch(`${sandbox.url}/v1/channel/orders/tour`, { headers });
    // (The product list is served since the OCTO API, issue 20: another path AX does not have.)
    const nowhere = await fetch(`${sandbox.url}/v1/channel/vouchers/tour`, { headers });

    expect(notAllowed.status).toBe(405);
    expect(notAllowed.headers.get("allow")).toContain("POST");
    expect(nowhere.status).toBe(404);
    expect(nowhere.headers.get("content-type")).toContain("text/html");
  });
});
