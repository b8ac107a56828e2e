// The AX payload schemas, the tolerant answer parsers and the DRF error flattening: no network.
import { describe, expect, it } from "vitest";
import {
  AxAuthError,
  AxNotSentError,
  AxOutcomeUnknownError,
  AxRequestInvalidError,
  AxThrottledError,
  AxUnexpectedResponseError,
  AxValidationError,
  axMessageFrom,
  flattenDrfErrors,
  parseRetryAfter,
} from "../../lib/ax/errors";
import {
  CreateOrderRequestSchema,
  FullCancelRequestSchema,
  TicketCancelRequestSchema,
  findConfirmation,
  isFinalOrderStatus,
  normaliseAxDatetime,
  normaliseOrderStatus,
  normaliseTicketStatus,
  parseConfirmationResponse,
  parseCreateOrderResponse,
  parseFullCancelResponse,
  parseTicketCancelResponse,
  validateAxRequest,
  type CreateOrderRequest,
} from "../../lib/ax/schemas";

const AX_ORDER = "b9872ed4-12c5-4fb5-ae18-4f39b11ee912";
const AX_TICKET_1 = "827c0381-f41c-492b-bb0b-88229ff4d2ee";
const AX_TICKET_2 = "827c9283-f41c-492b-bb0b-88102ff4d8ee";
const OPTION = "d96b2ed4-12c5-4fb5-ae94-4f39b11ee980";

function validRequest(): CreateOrderRequest {
  const person = { name: "Kim Minji", national_code: "82", phone: "01012345678", email: "minji@example.com" };
  return {
    options: [
      {
        channel_product_mapping_code: "af01c7c4-1637-46fb-b289-a090a9be0397",
        option_code: OPTION,
        quantity: 2,
        inventory_at: "2026-12-24T09:00:00Z",
        unit_selling_price: "2222",
        discount: "22",
        amount_price: "2200",
        tickets: [
          { channel_code: "T-1", ...person },
          { channel_code: "T-2", ...person, additional: { english_name: "Kim Minji" } },
        ],
      },
    ],
    order: {
      channel_order_id: "CH-10001",
      channel_order_code: "CH-10001",
      purchased_at: "2026-11-25T10:41:25Z",
      sub_total: "4444",
      discount: "444",
      total: "4000",
      status: "New",
      is_voucher: true,
      currency: "KRW",
    },
    purchaser: { is_required_more_information: false, ...person, extra: "" },
    representative: person,
  };
}

const newestCreateAnswer = {
  channel_order_code: "CH-10001",
  channel_order_status: "New",
  options: [
    {
      option_code: OPTION,
      inventory_at: "2026-12-24T09:00:00Z",
      ax_order_code: AX_ORDER,
      ax_order_status: "New",
      quantity: 2,
      tickets: [
        { ax_ticket_code: AX_TICKET_1, ax_ticket_status: "New" },
        { ax_ticket_code: AX_TICKET_2, ax_ticket_status: "New" },
      ],
    },
  ],
};

const expectedCreateResult = {
  channel_order_code: "CH-10001",
  channel_order_status: "New",
  options: [
    {
      option_code: OPTION,
      inventory_at: "2026-12-24T09:00:00Z",
      ax_order_code: AX_ORDER,
      ax_order_status: "New",
      quantity: 2,
      tickets: [
        { ax_ticket_code: AX_TICKET_1, ax_ticket_status: "New" },
        { ax_ticket_code: AX_TICKET_2, ax_ticket_status: "New" },
      ],
    },
  ],
};

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("AX request schemas", () => {
  it("accept a complete create body in the newest names", () => {
    expect(validateAxRequest(CreateOrderRequestSchema, validRequest())).toEqual([]);
  });

  it("name each broken field with a dotted path and the rule, never the value", () => {
    const body = validRequest();
    const option = body.options[0];
    if (!option) throw new Error("fixture has an option");
    option.unit_selling_price = "12.123456";
    option.inventory_at = "2026-12-24 09:00:00";
    body.order.currency = "EUR" as "KRW";
    body.purchaser.email = undefined as unknown as string;

    const errors = validateAxRequest(CreateOrderRequestSchema, body);

    expect(errors).toEqual(
      expect.arrayContaining([
        { field: "options.0.unit_selling_price", messages: ["must be a decimal string with at most 5 decimal places"] },
        { field: "options.0.inventory_at", messages: ["must be an RFC 3339 UTC datetime ending in Z"] },
        { field: "order.currency", messages: ['must be ("KRW" | "USD")'] },
        { field: "purchaser.email", messages: ["is required"] },
      ]),
    );
    expect(JSON.stringify(errors)).not.toContain("12.123456");
    expect(JSON.stringify(errors)).not.toContain("EUR");
  });

  it("require exactly `quantity` tickets per option", () => {
    const body = validRequest();
    body.options[0]?.tickets.pop();

    expect(validateAxRequest(CreateOrderRequestSchema, body)).toEqual([
      { field: "options.0.tickets", messages: ["must hold exactly `quantity` tickets"] },
    ]);
  });

  it("require channel_order_code to equal channel_order_id, and status New", () => {
    const body = validRequest();
    body.order.channel_order_code = "CH-OTHER";
    (body.order as { status: string }).status = "Supplier pending";

    const fields = validateAxRequest(CreateOrderRequestSchema, body).map((error) => error.field);

    expect(fields).toContain("order.status");
    // the cross-field rule runs once the fields are valid on their own
    body.order.status = "New";
    expect(validateAxRequest(CreateOrderRequestSchema, body)).toEqual([
      { field: "order.channel_order_code", messages: ["must equal channel_order_id"] },
    ]);
  });

  it("reject calendar dates that do not exist and quantities below 1", () => {
    const body = validRequest();
    body.order.purchased_at = "2026-02-30T10:00:00Z";
    const option = body.options[0];
    if (!option) throw new Error("fixture has an option");
    option.quantity = 0;
    option.tickets = [];

    const errors = validateAxRequest(CreateOrderRequestSchema, body);

    expect(errors).toContainEqual({ field: "order.purchased_at", messages: ["must be an existing date and time"] });
    expect(errors).toContainEqual({ field: "options.0.quantity", messages: ["must be at least 1"] });
  });

  it("allow only the two cancel statuses and the ticket cancel spelling", () => {
    expect(validateAxRequest(FullCancelRequestSchema, { channel_status: "Traveler cancel" })).toEqual([]);
    expect(validateAxRequest(FullCancelRequestSchema, { channel_status: "Unavoidable cancel", comment: "x" })).toEqual(
      [],
    );
    expect(validateAxRequest(FullCancelRequestSchema, { channel_status: "New" })).toHaveLength(1);
    expect(validateAxRequest(TicketCancelRequestSchema, { status: "Traveler canceled" })).toEqual([]);
    expect(validateAxRequest(TicketCancelRequestSchema, { status: "Traveler cancel" })).toEqual([
      { field: "status", messages: ['must be "Traveler canceled"'] },
    ]);
  });
});

describe("status normalisation", () => {
  it.each([
    ["New", "New"],
    ["1", "New"],
    [2, "Supplier pending"],
    ["3", "Supplier confirm"],
    ["SUPPLIER CONFIRMED", "Supplier confirm"],
    ['”Supplier reject"', "Supplier reject"],
    ["supplier rejected", "Supplier reject"],
    ["Traveler cancel", "Traveler cancel"],
    ["Traveler Cancelled", "Traveler cancel"],
    [" 6 ", "Unavoidable cancel"],
  ])("reads the order status %j as %s", (input, expected) => {
    expect(normaliseOrderStatus(input)).toBe(expected);
  });

  it.each([["Confirmed"], ["7"], [0], [null], [true], [3.5]])("does not guess the order status %j", (input) => {
    expect(normaliseOrderStatus(input)).toBeUndefined();
  });

  it.each([
    ["New", "New"],
    ["1", "New"],
    ["Used", "Used"],
    [2, "Used"],
    ["Traveler canceled", "Traveler canceled"],
    ["Traveler Canceled", "Traveler canceled"],
    ["traveler cancelled", "Traveler canceled"],
    ["Traveler canceled”", "Traveler canceled"],
    ["3", "Traveler canceled"],
    ["4", "Supplier canceled"],
    ["Supplier Canceled", "Supplier canceled"],
  ])("reads the ticket status %j as %s", (input, expected) => {
    expect(normaliseTicketStatus(input)).toBe(expected);
  });

  it("does not read an order status number beyond 4 as a ticket status", () => {
    expect(normaliseTicketStatus("5")).toBeUndefined();
  });

  it("calls exactly the rejected and cancelled orders final", () => {
    expect(isFinalOrderStatus("Supplier reject")).toBe(true);
    expect(isFinalOrderStatus("Traveler cancel")).toBe(true);
    expect(isFinalOrderStatus("Unavoidable cancel")).toBe(true);
    expect(isFinalOrderStatus("New")).toBe(false);
    expect(isFinalOrderStatus("Supplier pending")).toBe(false);
    expect(isFinalOrderStatus("Supplier confirm")).toBe(false);
  });
});

describe("normaliseAxDatetime", () => {
  it.each([
    ["2026-12-24T09:00:00Z", "2026-12-24T09:00:00Z"],
    ["2026-12-24T09:00:00.000Z", "2026-12-24T09:00:00Z"],
    ["2026-12-24T09:00:00.250Z", "2026-12-24T09:00:00.250Z"],
    ["2026-12-24T18:00:00+09:00", "2026-12-24T09:00:00Z"],
    ["2026-12-24T18:00:00+0900", "2026-12-24T09:00:00Z"],
    ["2017-05-23 23:30:00", "2017-05-23T23:30:00Z"],
    ["2026-12-24T09:00Z", "2026-12-24T09:00:00Z"],
    ["tomorrow", "tomorrow"],
  ])("reads %s as %s", (input, expected) => {
    expect(normaliseAxDatetime(input)).toBe(expected);
  });
});

describe("parseCreateOrderResponse", () => {
  it("reads the newest bare answer", () => {
    expect(parseCreateOrderResponse(newestCreateAnswer)).toEqual(expectedCreateResult);
  });

  it("reads the newest answer wrapped in {status_code, data}", () => {
    expect(parseCreateOrderResponse({ status_code: 201, data: newestCreateAnswer })).toEqual(expectedCreateResult);
  });

  it("reads the legacy names, numeric statuses and a string quantity", () => {
    const legacy = {
      status_code: "201",
      data: {
        channel_order_code: "CH-10001",
        channel_order_status: "1",
        depth_combinations: [
          {
            dc_code: OPTION,
            use_date: "2026-12-24T09:00:00.000Z",
            ax_order_code: AX_ORDER,
            ax_order_status: "1",
            quantity: "2",
            tickets: [
              { ticket_code: AX_TICKET_1, ticket_status: "1" },
              { ticket_code: AX_TICKET_2, ticket_status: "New" },
            ],
          },
        ],
      },
    };

    expect(parseCreateOrderResponse(legacy)).toEqual(expectedCreateResult);
  });

  it("reads the oldest answer without tickets: no tickets, quantity 0", () => {
    const oldest = {
      channel_order_code: "CH-10001",
      channel_order_status: "1",
      depth_combinations: [
        { dc_code: OPTION, use_date: "2022-01-21T10:00:00.000Z", ax_order_code: AX_ORDER, ax_order_status: "1" },
      ],
    };

    const result = parseCreateOrderResponse(oldest);

    expect(result.options).toEqual([
      {
        option_code: OPTION,
        inventory_at: "2022-01-21T10:00:00Z",
        ax_order_code: AX_ORDER,
        ax_order_status: "New",
        quantity: 0,
        tickets: [],
      },
    ]);
  });

  it("drops fields it does not know", () => {
    const result = parseCreateOrderResponse({ ...newestCreateAnswer, extra_field: 1 });
    expect(Object.keys(result).sort()).toEqual(["channel_order_code", "channel_order_status", "options"]);
  });

  it("throws an outcome-unknown AxUnexpectedResponseError naming what is missing", () => {
    const broken = structuredClone(newestCreateAnswer) as { options: Record<string, unknown>[] };
    delete broken.options[0]?.ax_order_code;

    const error = caught(() => parseCreateOrderResponse(broken, { status: 201, responseText: "{…}" }));

    expect(error).toBeInstanceOf(AxUnexpectedResponseError);
    expect(error).toBeInstanceOf(AxOutcomeUnknownError);
    const unexpected = error as AxUnexpectedResponseError;
    expect(unexpected.disposition).toBe("outcome_unknown");
    expect(unexpected.reason).toBe("ax_unexpected_response");
    expect(unexpected.endpoint).toBe("create");
    expect(unexpected.status).toBe(201);
    expect(unexpected.message).toContain("options.0.ax_order_code: is required");
    expect(unexpected).toMatchObject({ responseBytes: 5, responseKind: "json" });
    expect(Object.values(unexpected).join(" ")).not.toContain("{…}");
  });

  it("refuses an unknown status instead of guessing", () => {
    const odd = structuredClone(newestCreateAnswer);
    const option = odd.options[0];
    if (!option) throw new Error("fixture has an option");
    option.ax_order_status = "Pending approval";

    expect(() => parseCreateOrderResponse(odd)).toThrow(/unknown order status "Pending approval"/);
  });

  it("refuses an envelope whose status_code is an error", () => {
    const error = caught(() => parseCreateOrderResponse({ status_code: 400, data: { options: ["bad"] } }));
    expect(error).toBeInstanceOf(AxUnexpectedResponseError);
    expect((error as Error).message).toContain("status_code 400");
  });

  it.each([[null], ["created"], [[]], [{ channel_order_code: "CH-1", channel_order_status: "New", options: [] }]])(
    "refuses %j",
    (body) => {
      expect(() => parseCreateOrderResponse(body)).toThrow(AxUnexpectedResponseError);
    },
  );
});

describe("parseConfirmationResponse", () => {
  it("reads the wrapped list in the newest names", () => {
    const body = {
      status_code: 200,
      data: [
        { channel_order_code: "CH-1", ax_order_code: AX_ORDER, ax_order_status: "Supplier confirm", comment: "확정" },
      ],
    };

    expect(parseConfirmationResponse(body, AX_ORDER)).toEqual([
      { channel_order_code: "CH-1", ax_order_code: AX_ORDER, ax_order_status: "Supplier confirm", comment: "확정" },
    ]);
  });

  it("reads the legacy `status` as a number, a bare single entry, and a null comment", () => {
    const body = { channel_order_code: "CH-1", ax_order_code: AX_ORDER, status: 4, comment: null };

    expect(parseConfirmationResponse(body, AX_ORDER)).toEqual([
      { channel_order_code: "CH-1", ax_order_code: AX_ORDER, ax_order_status: "Supplier reject" },
    ]);
  });

  it("takes an entry without ax_order_code to be about the order asked for", () => {
    const info = parseConfirmationResponse([{ status: "Supplier Confirm" }], AX_ORDER);

    expect(findConfirmation(info, AX_ORDER)?.ax_order_status).toBe("Supplier confirm");
    expect(findConfirmation(info, "other")).toBeUndefined();
  });

  it("throws AxUnexpectedResponseError for the confirmation endpoint when the status is missing", () => {
    const error = caught(() => parseConfirmationResponse({ status_code: 200, data: [{ comment: "x" }] }, AX_ORDER));
    expect(error).toBeInstanceOf(AxUnexpectedResponseError);
    expect((error as AxUnexpectedResponseError).endpoint).toBe("confirmation");
  });
});

describe("parseFullCancelResponse", () => {
  it("reads the newest answer", () => {
    const body = {
      channel_order_code: "CH-1",
      channel_order_status: "Traveler cancel",
      ax_order_code: AX_ORDER,
      ax_order_status: "Traveler cancel",
    };

    expect(parseFullCancelResponse(body, AX_ORDER)).toEqual(body);
  });

  it("reads the intermediate `ax: [{ax_order_code, ax_order_status}]` shape with numeric statuses", () => {
    const body = {
      status_code: 200,
      data: {
        channel_order_code: "CH-1",
        channel_order_status: "5",
        ax: [
          { ax_order_code: "other", ax_order_status: "1" },
          { ax_order_code: AX_ORDER, ax_order_status: "6" },
        ],
        comment: "여행자의 개인 사정으로 인한 취소",
      },
    };

    expect(parseFullCancelResponse(body, AX_ORDER)).toEqual({
      channel_order_code: "CH-1",
      channel_order_status: "Traveler cancel",
      ax_order_code: AX_ORDER,
      ax_order_status: "Unavoidable cancel",
      comment: "여행자의 개인 사정으로 인한 취소",
    });
  });

  it("refuses an answer about another AX order", () => {
    const body = { ax_order_code: "other", ax_order_status: "Traveler cancel" };
    expect(() => parseFullCancelResponse(body, AX_ORDER)).toThrow(/not the cancelled order's code/);
  });

  it("refuses an answer without any AX order status", () => {
    const error = caught(() => parseFullCancelResponse({ channel_order_code: "CH-1" }, AX_ORDER));
    expect(error).toBeInstanceOf(AxUnexpectedResponseError);
    expect((error as AxUnexpectedResponseError).endpoint).toBe("cancel_order");
  });
});

describe("parseTicketCancelResponse", () => {
  const codes = { axOrderCode: AX_ORDER, axTicketCode: AX_TICKET_1 };

  it("reads the newest answer", () => {
    const body = {
      channel_order_code: "CH-1",
      ax_order_status: "New",
      ax_order_code: AX_ORDER,
      ax_ticket_code: AX_TICKET_1,
      ax_ticket_status: "Traveler canceled",
    };

    expect(parseTicketCancelResponse(body, codes)).toEqual(body);
  });

  it("reads the oldest `ticket_code`/`ax_status` shape, with the old capitalisation", () => {
    const body = {
      status_code: 200,
      data: {
        channel_order_code: "CH-1",
        ax_order_code: AX_ORDER,
        ticket_code: AX_TICKET_1,
        ax_status: "Traveler Canceled",
      },
    };

    expect(parseTicketCancelResponse(body, codes)).toEqual({
      channel_order_code: "CH-1",
      ax_order_code: AX_ORDER,
      ax_ticket_code: AX_TICKET_1,
      ax_ticket_status: "Traveler canceled",
    });
  });

  it("refuses an answer about another ticket", () => {
    const body = { ax_order_code: AX_ORDER, ax_ticket_code: AX_TICKET_2, ax_ticket_status: "Traveler canceled" };
    const error = caught(() => parseTicketCancelResponse(body, codes));
    expect(error).toBeInstanceOf(AxUnexpectedResponseError);
    expect((error as AxUnexpectedResponseError).endpoint).toBe("cancel_ticket");
  });
});

describe("flattenDrfErrors", () => {
  it("reads a message keyed by field, as AX documents it", () => {
    expect(flattenDrfErrors({ depth_combinations: "이 필드는 null일 수 없습니다." })).toEqual([
      { field: "depth_combinations", messages: ["이 필드는 null일 수 없습니다."] },
    ]);
  });

  it("reads DRF's lists of messages", () => {
    expect(flattenDrfErrors({ options: ["이 필드는 필수 항목입니다."], order: ["a", "b"] })).toEqual([
      { field: "options", messages: ["이 필드는 필수 항목입니다."] },
      { field: "order", messages: ["a", "b"] },
    ]);
  });

  it("flattens nested objects and lists of objects to dotted paths, skipping the valid items", () => {
    const body = {
      options: [
        {},
        { tickets: ["티켓 수(1)가 quantity(2)와 같아야 합니다."], quantity: ["유효한 정수(integer)를 넣어주세요."] },
      ],
      order: { currency: ['"EUR"이 유효하지 않은 선택(choice)입니다.'] },
      purchaser: { additional: { english_name: ["x"] } },
    };

    expect(flattenDrfErrors(body)).toEqual([
      { field: "options.1.tickets", messages: ["티켓 수(1)가 quantity(2)와 같아야 합니다."] },
      { field: "options.1.quantity", messages: ["유효한 정수(integer)를 넣어주세요."] },
      { field: "order.currency", messages: ['"EUR"이 유효하지 않은 선택(choice)입니다.'] },
      // Not one of AX's sentences under a personal field: it may be the traveler's own value, echoed.
      { field: "purchaser.additional.english_name", messages: ["[1 characters]"] },
    ]);
  });

  it("masks what of a traveler AX's answer echoes: values under personal fields, e-mails and phones anywhere", () => {
    const body = {
      detail: "temporarily unavailable for minji@example.com, call 010-1234-5678",
      purchaser: {
        name: "Kim Minji",
        email: ["minji@example.com", "유효한 이메일 주소를 입력하십시오."],
        phone: "01012345678",
      },
    };

    expect(flattenDrfErrors(body)).toEqual([
      { field: "detail", messages: ["temporarily unavailable for m••••@example.com, call •••••••5678"] },
      { field: "purchaser.name", messages: ["[9 characters]"] },
      // AX's own sentence about the field is kept: it says what to fix, and holds nothing of the traveler.
      { field: "purchaser.email", messages: ["[17 characters]", "유효한 이메일 주소를 입력하십시오."] },
      { field: "purchaser.phone", messages: ["[11 characters]"] },
    ]);
    expect(JSON.stringify(flattenDrfErrors(body))).not.toMatch(/Kim|Minji|minji@|01012345678|1234-5678/);
  });

  it("keeps detail and message bodies under their own key", () => {
    expect(flattenDrfErrors({ detail: "찾을 수 없습니다." })).toEqual([
      { field: "detail", messages: ["찾을 수 없습니다."] },
    ]);
    expect(flattenDrfErrors({ message: "이 작업을 수행할 권한(permission)이 없습니다." })).toEqual([
      { field: "message", messages: ["이 작업을 수행할 권한(permission)이 없습니다."] },
    ]);
  });

  it("puts a top-level list or string under non_field_errors", () => {
    expect(flattenDrfErrors(["잘못된 요청입니다."])).toEqual([
      { field: "non_field_errors", messages: ["잘못된 요청입니다."] },
    ]);
    expect(flattenDrfErrors("잘못된 요청입니다.")).toEqual([
      { field: "non_field_errors", messages: ["잘못된 요청입니다."] },
    ]);
  });

  it("unwraps the Python ErrorDetail repr seen in AX's docs", () => {
    const body = {
      detail: "ErrorDetail(string='이 작업을 수행할 권한(permission)이 없습니다.', code='permission_denied')",
    };
    expect(flattenDrfErrors(body)).toEqual([
      { field: "detail", messages: ["이 작업을 수행할 권한(permission)이 없습니다."] },
    ]);
  });

  it("gives nothing for an empty body", () => {
    expect(flattenDrfErrors({})).toEqual([]);
    expect(flattenDrfErrors(null)).toEqual([]);
  });
});

describe("axMessageFrom", () => {
  it("takes AX's message from a JSON body, and only the kind and size of any other answer", () => {
    expect(axMessageFrom({ detail: "찾을 수 없습니다." }, "")).toBe("찾을 수 없습니다.");
    const echo = "<html><body><h1>Bad request</h1><p>name=Kim Minji, phone=01012345678</p></body></html>";
    expect(axMessageFrom(undefined, echo)).toBe(`an HTML page of ${echo.length} bytes`);
    expect(axMessageFrom(undefined, "upstream said: Kim Minji 01012345678")).toBe("a text answer of 36 bytes");
    expect(axMessageFrom(undefined, "   ")).toBeUndefined();
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates, and ignores anything else", () => {
    const now = Date.parse("2026-11-25T10:00:00Z");
    expect(parseRetryAfter("7", now)).toBe(7000);
    expect(parseRetryAfter("Wed, 25 Nov 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 25 Nov 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe("AX error classes", () => {
  it("say what the caller may do, in plain English with the endpoint, status and AX's message", () => {
    const throttled = new AxThrottledError({
      endpoint: "create",
      axMessage: "요청이 지연(throttled)되었습니다.",
      retryAfterMs: 2000,
    });
    expect(throttled.disposition).toBe("retry_safe");
    expect(throttled.status).toBe(429);
    expect(throttled.message).toBe(
      "AX create order call answered HTTP 429: throttled, not processed; retry after 2000 ms. AX said: 요청이 지연(throttled)되었습니다.",
    );

    const auth = new AxAuthError({
      endpoint: "cancel_ticket",
      status: 403,
      axMessage: "이 작업을 수행할 권한(permission)이 없습니다.",
    });
    expect(auth).toMatchObject({ disposition: "permanent", reason: "ax_auth", name: "AxAuthError" });
    expect(auth.message).toContain("ticket cancel");

    const notSent = new AxNotSentError("confirmation", "connection refused (ECONNREFUSED)");
    expect(notSent).toMatchObject({ disposition: "retry_safe", reason: "ax_not_sent", endpoint: "confirmation" });
    expect(notSent.status).toBeUndefined();
  });

  it("carry flattened field errors for a 400 and list them in the message", () => {
    const error = new AxValidationError({
      endpoint: "create",
      fieldErrors: flattenDrfErrors({ options: [{ tickets: ["티켓 수(1)가 quantity(2)와 같아야 합니다."] }] }),
    });
    expect(error).toMatchObject({ disposition: "permanent", reason: "ax_rejected", status: 400 });
    expect(error.message).toContain("options.0.tickets: 티켓 수(1)가 quantity(2)와 같아야 합니다.");
  });

  it("never put request values into a refused request's message", () => {
    const body = validRequest();
    body.purchaser.phone = "";
    body.representative.email = 42 as unknown as string;

    const error = new AxRequestInvalidError("create", validateAxRequest(CreateOrderRequestSchema, body));

    expect(error.disposition).toBe("permanent");
    expect(error.fieldErrors.map((fieldError) => fieldError.field).sort()).toEqual([
      "purchaser.phone",
      "representative.email",
    ]);
    expect(error.message).not.toContain("42");
    expect(error.message).not.toContain("minji@example.com");
  });
});
