// The operators' console in a real browser (Debian's Chromium, driven by playwright-core) on the local stack: an
// operator's tasks done through the pages only, with the keyboard where it matters, and checked in the adapter's
// state and AX's. Set CONSOLE_SCREENSHOTS=1 to refresh the screenshots in docs/console/.
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { CONSOLE_CSP } from "../../lib/console/serve";
import { axOrderSk, orderPk } from "../../lib/store/keys";
import { sampleOrderPlaced } from "../../local/samples";
import { DEV_ADMIN_TOKEN, DEV_WEBHOOK_SECRET, startLocalStack, type LocalStack } from "../../local/stack";
import { captureLogs } from "../support/logs";
import { RECEIVER_SECRET, startReceiver, type Receiver } from "../support/receiver";
import { signedDelivery } from "../support/webhooks";

// Debian's Chromium here and in .ci/run; the deploy workflow's runner points this at its preinstalled Chrome.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === "1" ? resolve(import.meta.dirname, "../../docs/console") : "";

describe("the console in a browser", () => {
  const tableName = `e2e-console-${randomUUID()}`;
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
        TABLE_NAME: tableName,
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
    page = await browser.newPage({ viewport: DESKTOP });
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
  /** Opens a page of the console and waits until that page (not the one before it) is shown. */
  const go = async (hash: string) => {
    await page.goto(`${stack.url}/console#${hash}`);
    await shown(hash);
  };
  const shown = (hash: string) =>
    page.locator(`main[data-shown=${JSON.stringify(`#${hash}`)}]`).waitFor({ state: "attached" });
  const statusLine = () => page.locator("#status");
  /** At 1280 px, and at a phone's 390 px when `phone` (the docs show both); from the top, or from `at`. */
  const screenshot = async (name: string, phone = false, at?: Locator) => {
    if (!SCREENSHOTS) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    if (at) await at.evaluate((element) => (element as unknown as { scrollIntoView(): void }).scrollIntoView());
    else await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-1280.png`) });
    if (!phone) return;
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-390.png`), fullPage: true });
    await page.setViewportSize(DESKTOP);
  };
  /** Whether the page scrolls sideways (nothing may be wider than the window). */
  const scrollsSideways = () =>
    page.evaluate<boolean>("document.documentElement.scrollWidth > document.documentElement.clientWidth");
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

  it("shows no section and no log-out before login, and opens a section only after it", async () => {
    await page.goto(`${stack.url}/console#/orders`);
    await page.locator("main h1", { hasText: "Log in" }).waitFor();
    expect(await page.locator("#nav").isVisible()).toBe(false);
    expect(await page.getByRole("button", { name: "Log out" }).isVisible()).toBe(false);
    expect(await page.getByRole("link", { name: "Orders" }).count()).toBe(0);
  });

  it("logs in with the keyboard; the token stays in the tab's session storage only", async () => {
    await page.goto(`${stack.url}/console`);
    await page.locator("main h1", { hasText: "Log in" }).waitFor();
    await page.keyboard.type("wrong-token-123456");
    await page.keyboard.press("Enter");
    // The refusal is said where the operator acted, next to the button.
    await page.getByRole("alert").getByText("That token is not valid.").waitFor();
    await page.locator("#token").fill("");
    await page.keyboard.type(DEV_ADMIN_TOKEN);
    await page.keyboard.press("Enter");
    await page.locator("main h1", { hasText: "Needs a person" }).waitFor();
    await statusLine().getByText("Logged in as dev").waitFor();
    expect(await page.locator("#nav").isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Log out" }).isVisible()).toBe(true);
    expect(await page.evaluate('sessionStorage.getItem("ax-admin-token")')).toBe(DEV_ADMIN_TOKEN);
    expect(await page.evaluate("localStorage.length")).toBe(0);
    expect((await page.context().cookies()).length).toBe(0);
    await screenshot("home", true);
  });

  it("draws no frame around the page after a navigation, clears its message, and never covers a control with it", async () => {
    await go("/orders");
    await page.keyboard.press("Tab"); // the last interaction is the keyboard: the focus ring would show
    await go("/");
    expect(await page.evaluate('getComputedStyle(document.getElementById("main")).outlineStyle')).toBe("none");
    expect(await page.evaluate('getComputedStyle(document.getElementById("status")).position')).toBe("static");
    await page.evaluate('location.hash = "#/mappings"');
    await page.locator("main h1", { hasText: "Product mappings" }).waitFor();
    const sku = `MSG-${randomUUID().slice(0, 6)}`;
    const add = page.getByRole("form", { name: "Add a mapping" });
    await add.locator("input[name=sku]").fill(sku);
    await add.locator("input[name=mapping_code]").fill("m");
    await add.locator("input[name=option_code]").fill("o");
    await add.getByRole("button", { name: "Add" }).click();
    await statusLine().getByText(`Added ${sku}`).waitFor();
    await page.getByRole("link", { name: "Orders" }).click();
    await page.locator("main h1", { hasText: "Orders" }).waitFor();
    expect(await statusLine().textContent()).toBe("");
  });

  it("shows the latest navigation, even when an earlier page answers last", async () => {
    // The orders list answers slowly; the operator has moved on to the audit log meanwhile.
    await page.route("**/admin/orders?*", async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue();
    });
    await page.evaluate('location.hash = "#/orders?status=placed"');
    await page.evaluate('location.hash = "#/audit"');
    await page.locator("main h1", { hasText: "Audit log" }).waitFor();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await page.locator("main h1").textContent()).toBe("Audit log");
    await page.unroute("**/admin/orders?*");
  });

  it("says what is wrong with a search under its form, and keeps the form", async () => {
    await go("/orders?id_prefix=ab");
    await page.getByRole("alert").getByText("an id search needs at least 3 characters").waitFor();
    expect(await page.getByRole("search", { name: "Find an order" }).isVisible()).toBe(true);
  });

  it("finds an order by id and reads its AX codes", async () => {
    const orderId = newOrderId();
    await deliver(sampleOrderPlaced(orderId));
    const expected = axOrdersOf(orderId).map((o) => o.axOrderCode);
    expect(expected).toHaveLength(2);

    await go("/orders");
    // Any case: the channel's id is upper case, the operator types lower case.
    await page.locator("#order-search").fill(orderId.slice(0, 6).toLowerCase());
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
    await screenshot("order", true);
  });

  it("finds an order by an AX order code typed from AX's console, and by a traveler's e-mail in another case", async () => {
    const orderId = newOrderId();
    const payload = sampleOrderPlaced(orderId);
    const traveler = payload.data.items[0]?.tickets?.[1]?.traveler as { email: string } | undefined;
    if (!traveler) throw new Error("the sample has no second traveler");
    traveler.email = `jun.${orderId.toLowerCase()}@example.com`;
    await deliver(payload);
    const code = axOrdersOf(orderId)[0]?.axOrderCode ?? "";

    await go("/orders");
    await page.locator("#find-by").selectOption("ax_order_code");
    await page.locator("#order-search").fill(code.toUpperCase());
    await page.keyboard.press("Enter");
    await page.getByText(`Orders found by AX order code “${code.toUpperCase()}”: 1`).waitFor();
    await page.locator("tr", { hasText: orderId }).waitFor();
    await screenshot("orders-search", true);

    const { lines, restore } = captureLogs();
    try {
      await page.locator("#find-by").selectOption("email");
      await page.locator("#order-search").fill(`JUN.${orderId}@Example.com`);
      await page.keyboard.press("Enter");
      await page.getByText(`Orders found by traveler's e-mail “JUN.${orderId}@Example.com”: 1`).waitFor();
      await page.locator("tr", { hasText: orderId }).waitFor();
    } finally {
      restore();
    }
    // The e-mail searched for is in no log line of the adapter.
    expect(lines.join("").toLowerCase()).not.toContain(`${orderId.toLowerCase()}@example.com`);
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
    // Nothing is applied yet because its placement is parked: the order says so.
    await go(`/orders/${orderId}`);
    await page.locator("main h1 .badge", { hasText: "parked" }).waitFor();

    await go("/");
    await page.getByRole("link", { name: "unmapped_sku" }).click();
    const row = page.locator("tr", { hasText: webhookId });
    await row.waitFor();
    // What can help it is said with it: the mapping first, then a replay.
    await row.getByText("Add the missing product mapping").waitFor();

    await go("/mappings");
    const add = page.getByRole("form", { name: "Add a mapping" });
    await add.locator("input[name=sku]").fill(sku);
    await add.locator("select[name=product_type]").selectOption("day-ticket");
    await add.locator("input[name=mapping_code]").fill("map-x");
    await add.locator("input[name=option_code]").fill("opt-x");
    await add.getByRole("button", { name: "Add" }).click();
    await statusLine().getByText(`Added ${sku}`).waitFor();
    await page.locator("tr", { hasText: sku }).waitFor();

    await go("/events?reason=unmapped_sku");
    await page.locator("tr", { hasText: webhookId }).getByRole("button", { name: "Replay" }).click();
    await page.locator("tr", { hasText: webhookId }).getByRole("button", { name: "Confirm" }).click();
    await statusLine().getByText(`event ${webhookId} is replayed`).waitFor();
    await stack.settled();

    await go(`/orders/${orderId}`);
    await page.locator("main h1 .badge", { hasText: "placed" }).waitFor();
    expect(axOrdersOf(orderId)).toHaveLength(2);
  });

  it("lists parked events by a filter and replays all of them after a count, exactly those counted", async () => {
    const orders = [newOrderId(), newOrderId()];
    const skus = orders.map((orderId) => `BULK-${orderId}`);
    const webhookIds: string[] = [];
    for (const [index, orderId] of orders.entries()) {
      const payload = sampleOrderPlaced(orderId);
      const item = payload.data.items[1] as Record<string, unknown>;
      delete item.ax;
      item.sku = skus[index];
      webhookIds.push(await deliver(payload));
    }
    await go("/events");
    await page.locator("#events-reason").fill("unmapped_sku");
    await page.locator("select[name=type]").selectOption("order.placed");
    await page.getByRole("button", { name: "Filter" }).click();
    for (const webhookId of webhookIds) await page.locator("tr", { hasText: webhookId }).waitFor();
    await screenshot("events", true);
    // The cause is fixed (the mappings exist), then every matching event is replayed, after a count.
    for (const sku of skus)
      await stack.store.putMapping({ sku, product_type: "day-ticket", mapping_code: "m", option_code: "o" });
    await page.getByRole("button", { name: "Replay all matching…" }).click();
    await page.getByText("2 parked event(s) can be replayed.").waitFor();
    await page.getByRole("button", { name: "Replay these 2 event(s)" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await statusLine().getByText("2 parked event(s) replayed").waitFor();
    await stack.settled();
    for (const orderId of orders) expect(axOrdersOf(orderId)).toHaveLength(2);
  });

  it("shows an order's attempt log: a refused AX call with its request (masked) and AX's answer, in time order", async () => {
    const orderId = newOrderId();
    sandbox().injectFault({
      endpoint: "create",
      channelOrderCode: orderId,
      productType: "tour",
      kind: "answer",
      status: 400,
      body: { options: [{ date: ["This date is not on sale."] }] },
      times: 1,
    });
    await deliver(sampleOrderPlaced(orderId));

    await go(`/orders/${orderId}`);
    const refused = page.locator("li.entry-call", { hasText: "AX create → HTTP 400, ax_rejected" });
    await refused.waitFor();
    await refused.getByText("Request and answer").click();
    const exchange = refused.locator("details.exchange");
    await exchange.getByText("This date is not on sale.").waitFor();
    const request = await exchange.locator("pre").first().textContent();
    // The traveler's data is masked in the request kept; the AX product is not.
    expect(request).toContain("K•• M••••");
    expect(request).not.toContain("Kim Minji");
    expect(request).not.toContain("minji@example.com");
    expect(request).toContain("af01c7c4-1637-46fb-b289-a090a9be0397");
    // The log keeps the JSON compact; the console shows it indented.
    expect(request).toContain('\n  "options": [');
    // The accepted day-ticket call and the parking are there too, after the call that was refused.
    const titles = await page.locator("ol.timeline li .title").allTextContents();
    const refusedAt = titles.findIndex((t) => t.includes("AX create → HTTP 400"));
    const parkedAt = titles.findIndex((t) => t.includes("parked: ax_rejected"));
    expect(refusedAt).toBeGreaterThan(-1);
    expect(parkedAt).toBeGreaterThan(refusedAt);
    expect(titles.some((t) => t.includes("AX create → HTTP 201, ok"))).toBe(true);
    await screenshot("order-attempts", true, page.locator("h2", { hasText: "Story" }));
  });

  it("dismisses an unknown-item cancellation with a note, the one action offered for it, and audits it", async () => {
    const orderId = newOrderId();
    await deliver(sampleOrderPlaced(orderId));
    const cancel = await deliver({
      type: "order.cancelled",
      data: { order_id: orderId, item_ids: [`${orderId}-9`] },
    });
    await go("/events?reason=unknown_item");
    const row = page.locator("tr", { hasText: cancel });
    await row.getByText("no replay can apply it").waitFor();
    expect(await row.getByRole("button", { name: "Replay" }).count()).toBe(0);
    await row.getByRole("button", { name: "Dismiss…" }).click();
    await row.getByRole("button", { name: "Dismiss", exact: true }).click();
    // The note is required: the browser asks for it before anything is sent.
    expect(
      await row
        .getByRole("textbox")
        .evaluate((input) => (input as unknown as { validity: { valid: boolean } }).validity.valid),
    ).toBe(false);
    await row.getByRole("textbox").fill("the channel cancelled an item it never sold");
    await row.getByRole("button", { name: "Dismiss", exact: true }).click();
    await statusLine().getByText(`event ${cancel} is dismissed`).waitFor();

    await go(`/orders/${orderId}`);
    await page.locator("li.entry-event", { hasText: cancel }).locator(".badge", { hasText: "ignored" }).waitFor();
    await page
      .locator("li.entry-operator", { hasText: "dismissed by dev: the channel cancelled an item it never sold" })
      .waitFor();
    await go("/audit");
    await page.locator("tr", { hasText: "dismiss_event" }).filter({ hasText: cancel }).waitFor();
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
    await screenshot("reconcile", true);
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
    await screenshot("order-story", true);
  });

  it("polls an AX order again from its page once it has left the status sync, recorded in its story", async () => {
    const orderId = newOrderId();
    await deliver(sampleOrderPlaced(orderId));
    const tour = axOrdersOf(orderId).find((o) => o.type === "tour");
    if (!tour) throw new Error("the sandbox has no tour order");
    const itemId = `${orderId}-1`;
    // As the sync leaves it once its use date and grace passed (lib/store/status-sync-items.ts, leaveSyncUpdate).
    await stack.store.documentClient.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: orderPk(orderId), sk: axOrderSk(itemId) },
        UpdateExpression: "SET sync_left = :left REMOVE sync_due, sync_phase",
        ExpressionAttributeValues: { ":left": { at: new Date().toISOString(), reason: "past_use_date" } },
      }),
    );
    const polled = () =>
      sandbox()
        .requests()
        .filter((r) => r.endpoint === "confirmation" && r.path.endsWith(`/${tour.axOrderCode}`)).length;
    const before = polled();
    await stack.syncNow();
    expect(polled()).toBe(before);

    await go(`/orders/${orderId}`);
    const row = page.locator("tr", { hasText: itemId }).filter({ hasText: "stopped" });
    await row.getByText("its use date and grace passed").waitFor();
    await row.getByRole("button", { name: "Poll again" }).click();
    await row.getByRole("button", { name: "Confirm" }).click();
    await statusLine().getByText("is polled by the next status sync run").waitFor();

    const [axOrder] = (await stack.store.load(orderId)).axOrders.filter((o) => o.item_id === itemId);
    expect(axOrder?.sync_left).toBeUndefined();
    expect(Date.parse(axOrder?.sync_until ?? "")).toBeGreaterThan(Date.now());
    await stack.syncNow();
    expect(polled()).toBe(before + 1);
    await go(`/orders/${orderId}`);
    await page.locator("li.entry-operator", { hasText: "polled again by dev" }).waitFor();
  });

  it("refuses to save or remove a mapping someone changed since the page showed it, saying what it is now", async () => {
    const sku = `SEEN-${randomUUID().slice(0, 6)}`;
    const mapping = (option: string) => ({
      sku,
      product_type: "tour" as const,
      mapping_code: "m",
      option_code: option,
    });
    await stack.store.putMapping(mapping("o"));
    await go(`/mappings?prefix=${sku}`);
    const row = () => page.locator("tr", { hasText: sku });
    await row().waitFor();
    // Another operator (or an import) changes it while this page shows the old row.
    await stack.store.putMapping(mapping("o2"));
    await row().getByRole("button", { name: "Edit" }).click();
    await row().locator("input[name=mapping_code]").fill("m3");
    await row().getByRole("button", { name: "Save" }).click();
    await row()
      .getByRole("alert")
      .filter({ hasText: `changed since you read it (tour m / o): it is now tour m / o2; nothing was saved` })
      .waitFor();
    expect((await stack.store.findMappings([sku])).get(sku)).toEqual(mapping("o2"));

    // Shown again (the page loaded anew), the row is what is stored: saved.
    await page.reload();
    await shown(`/mappings?prefix=${sku}`);
    await row().getByRole("cell", { name: "o2", exact: true }).waitFor();
    await row().getByRole("button", { name: "Edit" }).click();
    await row().locator("input[name=mapping_code]").fill("m3");
    await row().getByRole("button", { name: "Save" }).click();
    await statusLine().getByText(`Saved ${sku}`).waitFor();
    expect((await stack.store.findMappings([sku])).get(sku)).toEqual({ ...mapping("o2"), mapping_code: "m3" });

    // The same for a removal.
    await row().getByRole("cell", { name: "m3", exact: true }).waitFor();
    await stack.store.putMapping(mapping("o4"));
    await row().getByRole("button", { name: "Remove" }).click();
    await row().getByRole("button", { name: "Confirm" }).click();
    await row().getByRole("alert").filter({ hasText: "it is now tour m / o4; nothing was removed" }).waitFor();
    expect((await stack.store.findMappings([sku])).has(sku)).toBe(true);
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

  it("pages every list to its end, the audit log included", async () => {
    for (let i = 0; i < 30; i++) {
      const answer = await fetch(`${stack.url}/admin/mappings`, {
        method: "POST",
        headers: { authorization: `Bearer ${DEV_ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          sku: `PAGE-${i}-${randomUUID().slice(0, 4)}`,
          product_type: "tour",
          mapping_code: "m",
          option_code: "o",
        }),
      });
      expect(answer.status, await answer.text()).toBe(201);
    }
    await go("/audit");
    const more = page.getByRole("button", { name: "More" });
    while (await more.isVisible()) {
      const before = await page.locator("tbody tr").count();
      await more.click();
      await expect
        .poll(async () => !(await more.isVisible()) || (await page.locator("tbody tr").count()) > before)
        .toBe(true);
    }
    expect(await page.locator("tbody tr").count()).toBeGreaterThanOrEqual(30);
    await screenshot("audit");
  });

  it("fits a phone's 390 px on every page: nothing scrolls sideways", async () => {
    await page.setViewportSize(PHONE);
    try {
      const orderId = newOrderId();
      await deliver(sampleOrderPlaced(orderId));
      for (const hash of [
        "/",
        "/orders",
        `/orders/${orderId}`,
        "/events",
        "/events?status=waiting",
        "/uncertain",
        "/notifications",
        "/mappings",
        "/audit",
      ]) {
        await go(hash);
        expect(await scrollsSideways(), hash).toBe(false);
      }
      await page.evaluate('sessionStorage.removeItem("ax-admin-token")');
      await go("/login");
      expect(await scrollsSideways(), "log in").toBe(false);
      await page.evaluate(`sessionStorage.setItem("ax-admin-token", ${JSON.stringify(DEV_ADMIN_TOKEN)})`);
    } finally {
      await page.setViewportSize(DESKTOP);
    }
  });

  it("loaded nothing from elsewhere, threw nothing, and met no Content-Security-Policy refusal", () => {
    expect(foreign).toEqual([]);
    expect(pageErrors).toEqual([]);
    // The 400, 401, 409 and 422 answers the flows asked for are logged by Chromium as failed loads; nothing else may be.
    const unexpected = consoleErrors.filter(
      (text) => !/^Failed to load resource: the server responded with a status of (400|401|404|409|422)\b/.test(text),
    );
    expect(unexpected).toEqual([]);
    expect(consoleErrors.some((text) => /Content Security Policy/i.test(text))).toBe(false);
  });
});
