// Serves the operators' console (/console): three static assets built by `npm run console:build`, compressed when
// the browser accepts it, with a strict Content-Security-Policy (no inline script or style, nothing third-party).
import { gzipSync } from "node:zlib";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export type ConsoleAssets = Record<string, string>;

/** Only this origin's script, style and API; no frames, no forms posting elsewhere, no plugins. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

const SECURITY_HEADERS = {
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "x-frame-options": "DENY",
};

function isPercentEncoded(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

interface Prepared {
  type: string;
  plain: string;
  gzip: string;
}

export function createConsoleHandler(assets: ConsoleAssets) {
  const prepared = new Map<string, Prepared>();
  for (const [name, content] of Object.entries(assets)) {
    const extension = name.split(".").pop() ?? "";
    prepared.set(name, {
      type: TYPES[extension] ?? "application/octet-stream",
      plain: content,
      gzip: gzipSync(content, { level: 9 }).toString("base64"),
    });
  }
  return (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const path = event.rawPath.replace(/^\/console\/?/, "");
    if (!isPercentEncoded(path))
      return Promise.resolve({
        statusCode: 400,
        headers: { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS },
        body: "the path is not valid percent-encoding",
      });
    const asset = prepared.get(path === "" ? "index.html" : path);
    if (!asset || event.requestContext.http.method !== "GET")
      return Promise.resolve({
        statusCode: 404,
        headers: { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS },
        body: "not found",
      });
    const acceptsGzip = /\bgzip\b/.test(event.headers["accept-encoding"] ?? event.headers["Accept-Encoding"] ?? "");
    return Promise.resolve({
      statusCode: 200,
      headers: {
        "content-type": asset.type,
        // The assets change with each deployment and are small: always revalidate rather than risk a stale mix.
        "cache-control": "no-cache",
        vary: "accept-encoding",
        ...SECURITY_HEADERS,
        ...(acceptsGzip ? { "content-encoding": "gzip" } : {}),
      },
      body: acceptsGzip ? asset.gzip : asset.plain,
      isBase64Encoded: acceptsGzip,
    });
  };
}
