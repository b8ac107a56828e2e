// The HTTP client of the AX Cloud channel API (docs/decisions.md: how AX's unclear points are read).
// - No retries: the caller decides, because a create repeated after an unknown outcome can create a second order.
// - Every failure is an AxError whose `disposition` says what the caller may do (see ./errors).
// - node:http/node:https rather than fetch, to tell "never sent" (refused, DNS, connect timeout, TLS handshake)
//   from "sent, then lost" (timeout or reset after the request was written): only the first is safe to repeat.
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import type * as v from "valibot";
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
  axMessageFrom,
  flattenDrfErrors,
  parseRetryAfter,
  type AxEndpoint,
  type AxErrorReason,
} from "./errors";
import {
  CreateOrderRequestSchema,
  FullCancelRequestSchema,
  TicketCancelRequestSchema,
  parseConfirmationResponse,
  parseCreateOrderResponse,
  parseFullCancelResponse,
  parseTicketCancelResponse,
  validateAxRequest,
  type AxProductType,
  type ConfirmationInfo,
  type CreateOrderRequest,
  type CreateOrderResult,
  type FullCancelRequest,
  type FullCancelResult,
  type TicketCancelRequest,
  type TicketCancelResult,
} from "./schemas";

export interface AxCredentials {
  apiKey: string;
  channelCode: string;
}

/** What one call did, for metrics: `outcome` is "ok" or the error's reason. */
export interface AxCallInfo {
  endpoint: AxEndpoint;
  status?: number;
  outcome: "ok" | AxErrorReason;
  durationMs: number;
}

export interface AxClientOptions {
  /** `https://prod.ax-cloud.com`, `https://test.ax-cloud.com`, or a sandbox's `http://127.0.0.1:PORT`. */
  baseUrl: string;
  /** Fixed credentials, or a provider called before each call (it should cache, e.g. SSM with a max age). */
  credentials: AxCredentials | (() => Promise<AxCredentials>);
  /** Whole call, from start to the last byte of the answer. Default 10 000 ms. */
  timeoutMs?: number;
  /** Until the connection (and TLS handshake) is up; failing here means "not sent". Default min(5 000, timeoutMs). */
  connectTimeoutMs?: number;
  /** Called once per call with its outcome; its errors are ignored. */
  onCall?: (info: AxCallInfo) => void;
  /** Check request bodies against the AX schemas before sending (default true; tests switch it off). */
  validateRequests?: boolean;
}

export interface AxCallOptions {
  /** Overrides the client's timeoutMs for this call (e.g. capped at a Lambda's remaining time). */
  timeoutMs?: number;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

const BASE_PATH = "/v1/channel";
const MAX_RESPONSE_BYTES = 1_000_000;

export class AxClient {
  private readonly baseUrl: URL;
  private readonly credentials: () => Promise<AxCredentials>;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly onCall: ((info: AxCallInfo) => void) | undefined;
  private readonly validateRequests: boolean;
  /** Keep-alive connections for GET/PATCH (safe to repeat). A create always opens a fresh connection, so that a
   *  server closing an idle kept-alive socket can never turn a create into "outcome unknown". */
  private readonly agent: http.Agent;

  constructor(options: AxClientOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new Error(`AX base URL must be http:// or https://, not ${url.protocol}`);
    this.baseUrl = url;
    const { credentials } = options;
    this.credentials = typeof credentials === "function" ? credentials : () => Promise.resolve(credentials);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? Math.min(5_000, this.timeoutMs);
    this.onCall = options.onCall;
    this.validateRequests = options.validateRequests ?? true;
    this.agent = url.protocol === "https:" ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  /** POST /orders/{type}: one AX order per option, one AX ticket per unit. Expects 201 (200 accepted). */
  async createOrder(
    type: AxProductType,
    body: CreateOrderRequest,
    options: AxCallOptions = {},
  ): Promise<CreateOrderResult> {
    return this.call("create", "POST", [type], options, CreateOrderRequestSchema, body, (response) =>
      parseCreateOrderResponse(response.body, response.context),
    );
  }

  /** GET /orders/{type}/{ax_order_code}: the AX order's status (the supplier's confirm or reject) and comment. */
  async getConfirmation(
    type: AxProductType,
    axOrderCode: string,
    options: AxCallOptions = {},
  ): Promise<ConfirmationInfo> {
    return this.call("confirmation", "GET", [type, axOrderCode], options, undefined, undefined, (response) =>
      parseConfirmationResponse(response.body, axOrderCode, response.context),
    );
  }

  /** PATCH /orders/{type}/{ax_order_code}: cancels one AX order (one option line) with all its tickets. */
  async cancelOrder(
    type: AxProductType,
    axOrderCode: string,
    body: FullCancelRequest,
    options: AxCallOptions = {},
  ): Promise<FullCancelResult> {
    return this.call("cancel_order", "PATCH", [type, axOrderCode], options, FullCancelRequestSchema, body, (response) =>
      parseFullCancelResponse(response.body, axOrderCode, response.context),
    );
  }

  /** PATCH /orders/{type}/{ax_order_code}/tickets/{ax_ticket_code}: cancels one ticket (a partial cancel). */
  async cancelTicket(
    type: AxProductType,
    axOrderCode: string,
    axTicketCode: string,
    body: TicketCancelRequest,
    options: AxCallOptions = {},
  ): Promise<TicketCancelResult> {
    return this.call(
      "cancel_ticket",
      "PATCH",
      [type, axOrderCode, "tickets", axTicketCode],
      options,
      TicketCancelRequestSchema,
      body,
      (response) => parseTicketCancelResponse(response.body, { axOrderCode, axTicketCode }, response.context),
    );
  }

  /** The path under /v1/channel of an endpoint's resource: the orders here (the catalog client adds its own). */
  protected resourceOf(_endpoint: AxEndpoint): string {
    return "orders";
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  protected async call<T>(
    endpoint: AxEndpoint,
    method: "GET" | "POST" | "PATCH",
    segments: string[],
    options: AxCallOptions & { query?: Record<string, string> },
    schema: v.GenericSchema | undefined,
    body: unknown,
    parse: (response: { body: unknown; context: { status: number; responseText: string } }) => T,
  ): Promise<T> {
    const started = performance.now();
    let status: number | undefined;
    try {
      if (schema && this.validateRequests) {
        const fieldErrors = validateAxRequest(schema, body);
        if (fieldErrors.length > 0) throw new AxRequestInvalidError(endpoint, fieldErrors);
      }
      let credentials: AxCredentials;
      try {
        credentials = await this.credentials();
      } catch (error) {
        throw new AxNotSentError(endpoint, `the AX credentials could not be loaded: ${errorText(error)}`, error);
      }
      const response = await this.send(endpoint, method, segments, credentials, body, options);
      status = response.status;
      const result = interpret(endpoint, response, parse);
      this.report({ endpoint, status, outcome: "ok", durationMs: performance.now() - started });
      return result;
    } catch (error) {
      const axError =
        error instanceof AxError
          ? error
          : new AxOutcomeUnknownError({ endpoint, detail: `unexpected failure: ${errorText(error)}`, cause: error });
      this.report({
        endpoint,
        ...(axError.status === undefined ? {} : { status: axError.status }),
        outcome: axError.reason,
        durationMs: performance.now() - started,
      });
      throw axError;
    }
  }

  private report(info: AxCallInfo): void {
    try {
      this.onCall?.(info);
    } catch {
      // a metrics hook must never change the outcome of a call
    }
  }

  private send(
    endpoint: AxEndpoint,
    method: "GET" | "POST" | "PATCH",
    segments: string[],
    credentials: AxCredentials,
    body: unknown,
    options: AxCallOptions & { freshConnection?: boolean; query?: Record<string, string> },
  ): Promise<RawResponse> {
    const url = new URL(this.baseUrl.href);
    url.pathname = `${url.pathname.replace(/\/+$/, "")}${BASE_PATH}/${this.resourceOf(endpoint)}/${segments.map(encodeURIComponent).join("/")}`;
    url.search = options.query ? new URLSearchParams(options.query).toString() : "";
    url.hash = "";
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), "utf8");
    const headers: http.OutgoingHttpHeaders = {
      Authorization: `Token ${credentials.apiKey}`,
      Channel: `Code ${credentials.channelCode}`,
      "Content-Type": "application/json",
      Accept: "application/json",
      ...(payload ? { "Content-Length": payload.length } : {}),
    };
    const isHttps = url.protocol === "https:";
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const connectTimeoutMs = Math.min(this.connectTimeoutMs, timeoutMs);
    // A create never rides on a reused socket: see `agent`.
    const agent = method === "POST" || options.freshConnection === true ? false : this.agent;

    return new Promise<RawResponse>((resolve, reject) => {
      let connected = false;
      let settled = false;
      let status: number | undefined;
      const timers: NodeJS.Timeout[] = [];
      let request: http.ClientRequest | undefined;

      const finish = (outcome: { error: AxError } | { response: RawResponse }) => {
        if (settled) return;
        settled = true;
        for (const timer of timers) clearTimeout(timer);
        if ("error" in outcome) {
          request?.destroy();
          reject(outcome.error);
        } else resolve(outcome.response);
      };
      const failure = (error: unknown, what: string): AxError => {
        if (!connected) return new AxNotSentError(endpoint, `${what}: ${errorText(error)}`, error);
        if (status !== undefined && status >= 400) return classifyStatus(endpoint, { status, headers: {}, text: "" });
        return new AxOutcomeUnknownError({
          endpoint,
          ...(status === undefined ? {} : { status }),
          detail: `${what} after the request was sent (${errorText(error)})`,
          cause: error,
        });
      };

      try {
        const send = isHttps ? https.request : http.request;
        request = send(url, { method, headers, agent });
      } catch (error) {
        // invalid header characters, unsupported options: nothing left this process
        finish({ error: new AxNotSentError(endpoint, `the request could not be built: ${errorText(error)}`, error) });
        return;
      }
      const req = request;

      timers.push(
        setTimeout(() => {
          if (!connected)
            finish({ error: failure(new Error(`no connection within ${connectTimeoutMs} ms`), "connect timeout") });
        }, connectTimeoutMs),
        setTimeout(() => {
          const error = new Error(`no complete answer within ${timeoutMs} ms`);
          finish({ error: failure(error, "timeout") });
        }, timeoutMs),
      );

      const markConnected = () => {
        connected = true;
      };
      req.once("socket", (socket: Socket) => {
        if (req.reusedSocket) markConnected();
        else if (isHttps) socket.once("secureConnect", markConnected);
        else if (socket.connecting) socket.once("connect", markConnected);
        else markConnected();
      });
      req.on("error", (error) => {
        // A kept-alive socket the server closed while idle fails before any answer: AX never read the request.
        // Node's documented remedy is to send it again on a fresh connection (GET and PATCH only; see `agent`).
        if (req.reusedSocket && status === undefined && !settled && isStaleSocketError(error)) {
          settled = true;
          for (const timer of timers) clearTimeout(timer);
          this.send(endpoint, method, segments, credentials, body, { ...options, freshConnection: true }).then(
            resolve,
            reject,
          );
          return;
        }
        finish({ error: failure(error, "connection failed") });
      });
      req.on("response", (res) => {
        status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            finish({
              error: failure(new Error(`answer larger than ${MAX_RESPONSE_BYTES} bytes`), "reading the answer"),
            });
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => {
          finish({
            response: { status: status ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") },
          });
        });
        res.on("aborted", () => {
          finish({ error: failure(new Error("the answer was cut off"), "reading the answer") });
        });
        res.on("error", (error) => {
          finish({ error: failure(error, "reading the answer") });
        });
      });
      req.end(payload);
    });
  }
}

function interpret<T>(
  endpoint: AxEndpoint,
  response: RawResponse,
  parse: (response: { body: unknown; context: { status: number; responseText: string } }) => T,
): T {
  const { status, text } = response;
  if (status < 200 || status >= 300) throw classifyStatus(endpoint, response);
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    throw new AxUnexpectedResponseError({ endpoint, status, problem: "the body is not JSON", responseText: text });
  }
  return parse({ body, context: { status, responseText: text } });
}

/** Maps a non-2xx answer to its error class. */
function classifyStatus(endpoint: AxEndpoint, response: RawResponse): AxError {
  const { status, text } = response;
  let body: unknown;
  try {
    body = text === "" ? undefined : (JSON.parse(text) as unknown);
  } catch {
    body = undefined;
  }
  const axMessage = axMessageFrom(body, text);
  const said = axMessage === undefined ? {} : { axMessage };
  const retryAfterMs = parseRetryAfter(response.headers["retry-after"]);
  const retry = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (status === 400) {
    const fieldErrors = body === undefined ? [] : flattenDrfErrors(body);
    return new AxValidationError({
      endpoint,
      fieldErrors:
        fieldErrors.length > 0 || axMessage === undefined ? fieldErrors : [{ field: "detail", messages: [axMessage] }],
    });
  }
  if (status === 401 || status === 403) return new AxAuthError({ endpoint, status, ...said });
  if (status === 404) return new AxNotFoundError({ endpoint, ...said });
  if (status === 429) return new AxThrottledError({ endpoint, status, ...said, ...retry });
  if (status === 503 || status === 408) return new AxUnavailableError({ endpoint, status, ...said, ...retry });
  if (status >= 400 && status < 500) return new AxRejectedError({ endpoint, status, ...said });
  if (status >= 500)
    return new AxOutcomeUnknownError({ endpoint, status, ...said, detail: "AX failed while handling the request" });
  return new AxUnexpectedResponseError({
    endpoint,
    status,
    problem: `HTTP ${status} was not expected`,
    responseText: text,
  });
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}

function isStaleSocketError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === "ECONNRESET" || code === "EPIPE";
}
