// The operators' console in a real browser (Debian's Chromium, driven by playwright-core) on the local stack: an
// operator's tasks done through the pages only, with the keyboard where it matters, and checked in the adapter's
// state and AX's. Set CONSOLE_SCREENSHOTS=1 to refresh the screenshots in docs/console/.
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CONSOLE_CSP } from "../../lib/console/serve";
import { sampleOrderPlaced } from "../../local/samples";
import { DEV_ADMIN_TOKEN, DEV_WEBHOOK_SECRET, startLocalStack, type LocalStack } from "../../local/stack";
import { RECEIVER_SECRET, startReceiver, type Receiver } from "../support/receiver";
import { signedDelivery } from "../support/webhooks";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === "1" ? resolve(import.meta.dirname, "../../docs/console") : "";

describe("the console in a browser", () => {
  let stack: LocalStack;
  let receiver: Receiver;
  let browser: Browser;
  /** What beforeAll started, stopped in reverse even if it failed half-way. */
  const started: (() => Promise<void>)[] = [];
  let page: Page;
  /** Requests the page made to anything but the adapter, its script errors, and what it logged as errors. */
  const foreign: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
    receiver = await startReceiver();
    started.push(() => receiver.stop());
    stack = await startLocalStack({
      env: {
        AWS_ENDPOINT_URL_DYNAMODB: inject("dynamodbEndpoint"),
        TABLE_NAME: `e2e-console-${randomUUID()}`,
        OUTBOUND_WEBHOOK_URL: receiver.url,
        OUTBOUND_WEBHOOK_SECRET: RECEIVER_SECRET,
        OUTBOUND_WEBHOOK_MAX_ATTEMPTS: "1",
      },
      port: 0,
      queue: { baseDelayMs: 10, maxReceiveCount: 4 },
      syncIntervalMs: 0,
    });
    started.push(() => stack.stop());
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--headless",
      ],
    });
    started.push(() => browser.close());
    page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
    page.on("request", (request) => {
      if (!request.url().startsWith(stack.url)) foreign.push(request.url());
    });
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => pageErrors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    for (const stop of started.reverse()) await stop();
  });

  const sandbox = () => {
    if (!stack.sandbox) throw new Error("no sandbox");
    return stack.sandbox;
  };
  const newOrderId = () => `C-${randomUUID().slice(0, 8)}`;
  const deliver = async (payload: unknown) => {
    const delivery = signedDelivery(payload, { secret: DEV_WEBHOOK_SECRET });
    const answer = await fetch(`${stack.url}/webhooks/orders`, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
    });
    expect(answer.status).toBe(202);
    await stack.settled();
    return delivery.webhookId;
  };
  const go = async (hash: string) => {
    await page.goto(`${stack.url}/console#${hash}`);
    await page.locator("main h1").first().waitFor();
  };
  const statusLine = () => page.locator("#status");
  const screenshot = async (name: string) => {
    if (!SCREENSHOTS) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  };
  const axOrdersOf = (orderId: string) => sandbox().listOrders({ channelOrderCode: orderId });

  it("is served with a strict Content-Security-Policy, compressed, and small", async () => {
    const answer = await fetch(`${stack.url}/console/app.js`, { headers: { "accept-encoding": "gzip" } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain("unsafe-inline");
    expect(answer.headers.get("content-encoding")).toBe("gzip");
    const html = await (await fetch(`${stack.url}/console`)).text();
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline script
    expect(html).not.toMatch(/https?:\/\//); // nothing third-party
  });

  it("logs in with the keyboard; the token stays in the tab's session storage only", async () => {
    await page.goto(`${stack.url}/console`);
    await page.locator("main h1", { hasText: "Log in" }).waitFor();
    await page.keyboard.type("wrong-token-123456");
    await page.keyboard.press("Enter");
    await statusLine().getByText("That token is not valid.").waitFor();
    await page.locator("#token").fill("");
    await page.keyboard.type(DEV_ADMIN_TOKEN);
    await page.keyboard.press("Enter");
    await page.locator("main h1", { hasText: "Needs a person" }).waitFor();
    await statusLine().getByText("Logged in as dev").waitFor();
    expect(await page.evaluate('sessionStorage.getItem("ax-admin-token")')).toBe(DEV_ADMIN_TOKEN);
    expect(await page.evaluate("localStorage.length")).toBe(0);
    expect((await page.context().cookies()).length).toBe(0);
    await screenshot("login-home");
  });

  it("finds an order by id and reads its AX codes", async () => {
    const orderId = newOrderId();
    await deliver(sampleOrderPlaced(orderId));
    const expected = axOrdersOf(orderId).map((o) => o.axOrderCode);
    expect(expected).toHaveLength(2);

    await go("/orders");
    await page.locator("#order-search").fill(orderId.slice(0, 6));
    await page.keyboard.press("Enter");
    await page.getByRole("link", { name: orderId }).click();
    await page.locator("main h1 .order-id", { hasText: orderId }).waitFor();
    await page.locator("main h1 .badge", { hasText: "placed" }).waitFor();
    const codes = await page.locator(".ax-order-code").allTextContents();
    expect(new Set(codes)).toEqual(new Set(expected));
    const ticketCodes = await page.locator(".ax-ticket-code").allTextContents();
    expect(ticketCodes).toEqual(
      expect.arrayContaining(axOrdersOf(orderId).flatMap((o) => o.tickets.map((t) => t.axTicketCode))),
    );
    await screenshot("order");
  });

  it("adds the missing mapping and replays a parked unmapped_sku event until the order is placed", async () => {
    const orderId = newOrderId();
    const payload = sampleOrderPlaced(orderId);
    const item = payload.data.items[1] as Record<string, unknown>;
    delete item.ax;
    const sku = `SKU-${orderId}`;
    item.sku = sku;
    const webhookId = await deliver(payload);
    expect(axOrdersOf(orderId)).toHaveLength(0);

    await go("/");
    await page.getByRole("link", { name: "unmapped_sku" }).click();
    const row = page.locator("tr", { hasText: webhookId });
    await row.waitFor();
    await screenshot("parked");

    await go("/mappings");
    const add = page.getByRole("form", { name: "Add a mapping" });
    await add.locator("input[name=sku]").fill(sku);
    await add.locator("select[name=product_type]").selectOption("day-ticket");
    await add.locator("input[name=mapping_code]").fill("map-x");
    await add.locator("input[name=option_code]").fill("opt-x");
    await add.getByRole("button", { name: "Add" }).click();
    await statusLine().getByText(`Added ${sku}`).waitFor();
    await page.locator("tr", { hasText: sku }).waitFor();

    await go("/parked?reason=unmapped_sku");
    await page.locator("tr", { hasText: webhookId }).getByRole("button", { name: "Replay" }).click();
    await page.locator("tr", { hasText: webhookId }).getByRole("button", { name: "Confirm" }).click();
    await statusLine().getByText(`event ${webhookId} is replayed`).waitFor();
    await stack.settled();

    await go(`/orders/${orderId}`);
    await page.locator("main h1 .badge", { hasText: "placed" }).waitFor();
    expect(axOrdersOf(orderId)).toHaveLength(2);
  });

  it("reconciles an uncertain create by typing the AX codes found in AX's console", async () => {
    const orderId = newOrderId();
    // AX creates the order but the answer is lost (a 500 after processing): the create is uncertain.
    sandbox().injectFault({
      endpoint: "create",
      channelOrderCode: orderId,
      kind: "status",
      status: 500,
      afterProcessing: true,
      times: 1,
    });
    await deliver(sampleOrderPlaced(orderId));
    const tour = axOrdersOf(orderId).find((o) => o.type === "tour");
    if (!tour) throw new Error("the sandbox has no tour order");

    await go("/uncertain");
    await page.locator("tr", { hasText: orderId }).getByRole("link", { name: "Reconcile" }).click();
    await page.locator("main h1", { hasText: "Reconcile the tour create" }).waitFor();
    await page.getByLabel(`AX order code of ${orderId}-1`).fill(tour.axOrderCode);
    for (const ticket of tour.tickets)
      await page.getByLabel(`AX ticket code of ${ticket.channelCode}`).fill(ticket.axTicketCode);
    await screenshot("reconcile");
    await page.getByRole("button", { name: "Attach and finish the order" }).click();
    await statusLine().getByText(`attached the AX codes to the tour create of ${orderId}`).waitFor();
    await stack.settled();

    await go(`/orders/${orderId}`);
    await page.locator("main h1 .badge", { hasText: "placed" }).waitFor();
    expect(await page.locator(".ax-order-code").allTextContents()).toContain(tour.axOrderCode);
    expect(axOrdersOf(orderId).filter((o) => o.type === "tour")).toHaveLength(1);
  });

  it("resends a dead notification once the channel is back, and shows every attempt", async () => {
    const orderId = newOrderId();
    await deliver(sampleOrderPlaced(orderId));
    const tour = axOrdersOf(orderId).find((o) => o.type === "tour");
    if (!tour) throw new Error("the sandbox has no tour order");
    receiver.fallback = 503;
    sandbox().setOrderStatus(tour.axOrderCode, "Supplier confirm");
    // A loaded machine may need more than one run to poll it (a run stops at its time budget).
    for (let run = 0; run < 5 && (await stack.store.listNotificationsForOrder(orderId)).length === 0; run++)
      await stack.syncNow();
    expect((await stack.store.listNotificationsForOrder(orderId)).map((n) => n.status)).toEqual(["dead"]);

    await go("/notifications");
    const card = page.locator("section.card", { hasText: orderId });
    await card.locator("td", { hasText: "HTTP 503" }).first().waitFor();
    await screenshot("notifications");
    await card.getByRole("button", { name: "Resend" }).click();
    await card.getByRole("button", { name: "Confirm" }).click();
    await statusLine().getByText("is due again").waitFor();

    receiver.fallback = 200;
    for (
      let run = 0;
      run < 5 && (await stack.store.listNotificationsForOrder(orderId))[0]?.status !== "delivered";
      run++
    )
      await stack.syncNow();
    await go(`/orders/${orderId}`);
    const entry = page.locator("li.entry-notification");
    await entry.locator(".title .badge", { hasText: "delivered" }).waitFor();
    expect(await entry.locator("tbody tr td:nth-child(2)").allTextContents()).toEqual(["503", "200"]);
    await screenshot("order-story");
  });

  it("imports mappings from a CSV file: rows checked first, then written", async () => {
    await go("/mappings");
    const form = page.getByRole("form", { name: "Import mappings" });
    await form.locator("input[type=file]").setInputFiles({
      name: "products.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("sku,product_type,mapping_code,option_code\nCSV-1,tour,m,o\nCSV-1,boat,m,o\n"),
    });
    await form.getByRole("button", { name: "Check the file" }).click();
    await form.getByText("Row 3: product_type must be").waitFor();
    await form.locator("input[type=file]").setInputFiles({
      name: "products.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("sku,product_type,mapping_code,option_code\nCSV-1,tour,m,o\nCSV-2,day-ticket,m2,o2\n"),
    });
    await form.getByRole("button", { name: "Check the file" }).click();
    await form.getByRole("button", { name: "Import 2 mapping(s)" }).click();
    await form.getByRole("button", { name: "Confirm" }).click();
    await statusLine().getByText("Imported 2 mapping(s): 2 new, 0 changed").waitFor();
    expect((await stack.store.findMappings(["CSV-1", "CSV-2"])).size).toBe(2);
    await go("/mappings");
    await screenshot("mappings");
  });

  it("loaded nothing from elsewhere, threw nothing, and met no Content-Security-Policy refusal", () => {
    expect(foreign).toEqual([]);
    expect(pageErrors).toEqual([]);
    // The 401 and 422 answers the flows asked for are logged by Chromium as failed loads; nothing else may be.
    const unexpected = consoleErrors.filter(
      (text) => !/^Failed to load resource: the server responded with a status of (401|404|422)\b/.test(text),
    );
    expect(unexpected).toEqual([]);
    expect(consoleErrors.some((text) => /Content Security Policy/i.test(text))).toBe(false);
  });
});
