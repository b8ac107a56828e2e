// The operators' console: hash routes, one function per page, each reading and acting through the admin API.
import {
  api,
  ApiError,
  query,
  token,
  type ActionResult,
  type Attention,
  type AuditEntry,
  type BulkReplayResult,
  type DeadLetterList,
  type EventRow,
  type ImportReport,
  type Mapping,
  type Notification,
  type OrderDetail,
  type OrderRow,
  type Page,
  type UncertainCreate,
} from "./api";
import { badge, confirmButton, field, h, say, show, table, text, time } from "./dom";

const link = (href: string, label: string) => h("a", { href }, label);
const orderLink = (orderId: string) => link(`#/orders/${encodeURIComponent(orderId)}`, orderId);
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs an action, reports its outcome in the status line, and redraws the page. */
async function act(action: () => Promise<{ message: string }>, then: () => void = route): Promise<void> {
  try {
    const result = await action();
    say(result.message);
    then();
  } catch (error) {
    say(errorText(error), "error");
  }
}

function params(): URLSearchParams {
  return new URLSearchParams(location.hash.split("?")[1] ?? "");
}

function setParams(path: string, values: Record<string, string>): void {
  location.hash = `${path}${query(values)}`;
}

/** A "More" button that appends the next page of a list. */
function more<T>(next: string | undefined, load: (cursor: string) => Promise<Page<T>>, append: (items: T[]) => void) {
  if (!next) return null;
  const button = h("button", { type: "button", class: "more" }, "More");
  let cursor = next;
  button.addEventListener("click", () => {
    void load(cursor).then(
      (page) => {
        append(page.items);
        if (page.next_cursor) cursor = page.next_cursor;
        else button.remove();
      },
      (error: unknown) => {
        say(errorText(error), "error");
      },
    );
  });
  return button;
}

function tbodyOf(element: HTMLElement): HTMLElement | null {
  return element.querySelector("tbody");
}

// ---- log in -----------------------------------------------------------------------------------------------------

function loginPage(): void {
  const input = h("input", { type: "password", name: "token", autocomplete: "off", required: true, id: "token" });
  const form = h(
    "form",
    { class: "card narrow" },
    h("h1", {}, "Log in"),
    h("p", {}, "Paste your admin token. It is kept in this browser tab only, and forgotten when the tab closes."),
    field("Admin token", input),
    h("button", { type: "submit" }, "Log in"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    token.set(input.value.trim());
    api<{ name: string }>("GET", "/whoami").then(
      (who) => {
        say(`Logged in as ${who.name}`);
        location.hash = "#/";
      },
      (error: unknown) => {
        token.clear();
        say(error instanceof ApiError && error.status === 401 ? "That token is not valid." : errorText(error), "error");
      },
    );
  });
  show(form);
  input.focus();
}

// ---- home: what needs a person ----------------------------------------------------------------------------------

async function homePage(): Promise<void> {
  const [attention, deadLetters] = await Promise.all([
    api<Attention>("GET", "/attention"),
    api<DeadLetterList>("GET", "/dead-letters?limit=10"),
  ]);
  const card = (title: string, count: number, body: (Node | null)[], href?: string) =>
    h(
      "section",
      { class: `card ${count > 0 ? "attention" : "calm"}`, "aria-label": title },
      h("h2", {}, href ? link(href, title) : title, " ", h("span", { class: "count" }, count)),
      body,
    );
  const reasons = Object.entries(attention.parked_by_reason).sort((a, b) => b[1] - a[1]);
  const redrive =
    deadLetters.count > 0
      ? confirmButton("Redrive the dead-letter queue", `Move ${deadLetters.count} message(s) back?`, () =>
          act(() => api<ActionResult>("POST", "/dead-letters/redrive")),
        )
      : null;
  show(
    h("h1", {}, "Needs a person"),
    h(
      "div",
      { class: "cards" },
      card(
        "Parked events",
        attention.parked,
        [
          reasons.length === 0
            ? h("p", {}, "None.")
            : h(
                "ul",
                {},
                reasons.map(([reason, count]) =>
                  h("li", {}, link(`#/parked?reason=${encodeURIComponent(reason)}`, reason), `: ${count}`),
                ),
              ),
        ],
        "#/parked",
      ),
      card(
        "Uncertain creates",
        attention.uncertain_creates,
        [h("p", {}, "AX may or may not have these orders: look in AX's console, then reconcile.")],
        "#/uncertain",
      ),
      card(
        "Events waiting too long",
        attention.waiting_too_long,
        [h("p", {}, `Queued for more than ${attention.waiting_threshold_minutes} minutes.`)],
        "#/parked?waiting=1",
      ),
      card("Dead-letter messages", attention.dead_letters, [
        table(
          ["Webhook id", "Order", "Moved there"],
          deadLetters.items.map((m) => [text(m.webhook_id), orderLink(m.order_id), time(m.moved_at)]),
        ),
        redrive,
      ]),
      card(
        "Dead notifications",
        attention.dead_notifications,
        [h("p", {}, "Status webhooks the channel never took.")],
        "#/notifications",
      ),
    ),
  );
}

// ---- orders -----------------------------------------------------------------------------------------------------

const STATUSES = ["", "pending", "placed", "partially_cancelled", "cancelled", "failed", "uncertain"];

async function ordersPage(): Promise<void> {
  const current = params();
  const idInput = h("input", { name: "id_prefix", value: current.get("id_prefix") ?? "", id: "order-search" });
  const status = h(
    "select",
    { name: "status" },
    STATUSES.map((s) => h("option", { value: s, selected: s === (current.get("status") ?? "") }, s || "any")),
  );
  const from = h("input", { type: "date", name: "from", value: current.get("from") ?? "" });
  const to = h("input", { type: "date", name: "to", value: current.get("to") ?? "" });
  const form = h(
    "form",
    { class: "filters", role: "search" },
    field("Order id starts with", idInput, "at least 3 characters"),
    field("Status", status),
    field("From", from),
    field("To", to),
    h("button", { type: "submit" }, "Search"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setParams("#/orders", {
      id_prefix: idInput.value.trim(),
      status: status.value,
      from: from.value,
      to: to.value,
    });
  });
  const search = {
    id_prefix: current.get("id_prefix") ?? undefined,
    status: current.get("status") ?? undefined,
    from: current.get("from") ? `${current.get("from") ?? ""}T00:00:00.000Z` : undefined,
    to: current.get("to") ? `${current.get("to") ?? ""}T23:59:59.999Z` : undefined,
  };
  const load = (cursor?: string) => api<Page<OrderRow>>("GET", `/orders${query({ ...search, cursor })}`);
  const row = (o: OrderRow) => [
    orderLink(o.order_id),
    badge(o.status),
    time(o.created_at),
    text(o.total ? `${o.total} ${o.currency ?? ""}` : ""),
  ];
  const page = await load();
  const results = table(["Order", "Status", "Created", "Total"], page.items.map(row));
  show(
    h("h1", {}, "Orders"),
    form,
    results,
    more(page.next_cursor, load, (items) =>
      tbodyOf(results)?.append(
        ...items.map((o) =>
          h(
            "tr",
            {},
            row(o).map((c) => h("td", {}, c)),
          ),
        ),
      ),
    ),
  );
  idInput.focus();
}

interface TimelineEntry {
  at: string;
  kind: string;
  title: Node[];
  body?: (Node | null)[];
}

function payloadBlock(summary: string, content: unknown): HTMLElement {
  return h(
    "details",
    {},
    h("summary", {}, summary),
    h("pre", {}, typeof content === "string" ? content : JSON.stringify(content, null, 2)),
  );
}

function attemptsTable(notification: Notification): HTMLElement {
  return table(
    ["Attempt at", "HTTP status", "Latency", "Error"],
    notification.delivery_attempts.map((a) => [
      time(a.at),
      text(a.http_status ?? "no answer"),
      text(`${a.latency_ms} ms`),
      text(a.error ?? ""),
    ]),
  );
}

function timeline(order: OrderDetail): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const event of order.events)
    entries.push({
      at: event.received_at,
      kind: "event",
      title: [text(`${event.type} received (${event.webhook_id}) → `), badge(event.status)],
      body: [
        event.reason ? h("p", {}, `${event.reason}: ${event.detail ?? ""}`) : null,
        payloadBlock("Payload", event.payload),
        event.status === "failed"
          ? confirmButton("Replay", "Replay this event?", () =>
              act(() => api<ActionResult>("POST", `/events/${encodeURIComponent(event.webhook_id)}/replay`)),
            )
          : null,
      ],
    });
  for (const call of order.create_calls)
    entries.push({
      at: call.started_at,
      kind: "ax",
      title: [text(`AX create call (${call.product_type}) for ${call.item_ids.join(", ")} → `), badge(call.state)],
      body: [
        call.reason ? h("p", {}, `${call.reason}: ${call.detail ?? ""}`) : null,
        call.state === "uncertain"
          ? link(`#/uncertain/${encodeURIComponent(order.order_id)}/${call.product_type}`, "Reconcile this create")
          : null,
      ],
    });
  for (const axOrder of order.ax_orders)
    for (const change of axOrder.history)
      entries.push({
        at: change.at,
        kind: "status",
        title: [
          text(`AX order ${axOrder.ax_order_code} (${axOrder.item_id}): ${change.from ? `${change.from} → ` : ""}`),
          badge(change.to),
          text(` (${change.source})`),
        ],
        ...(change.comment ? { body: [h("p", {}, change.comment)] } : {}),
      });
  for (const notification of order.notifications)
    entries.push({
      at: notification.created_at,
      kind: "notification",
      title: [
        text(`Notification ${notification.id} to the channel (${notification.item_id}) → `),
        badge(notification.status),
      ],
      body: [
        attemptsTable(notification),
        payloadBlock("Body", JSON.parse(notification.body) as unknown),
        notification.status === "dead" ? resendButton(notification) : null,
      ],
    });
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}

function resendButton(notification: Notification): HTMLElement {
  return confirmButton("Resend", "Send this notification again?", () =>
    act(() =>
      api<ActionResult>(
        "POST",
        `/orders/${encodeURIComponent(notification.order_id)}/notifications/${encodeURIComponent(notification.id)}/resend`,
      ),
    ),
  );
}

const SYNC_LEFT_REASONS: Record<string, string> = {
  past_use_date: "its use date and grace passed",
  tickets_settled: "every ticket used or cancelled",
};

function pollAgainButton(orderId: string, itemId: string): HTMLElement {
  return confirmButton("Poll again", "Ask AX about this AX order at the next status sync run?", () =>
    act(() =>
      api<ActionResult>(
        "POST",
        `/orders/${encodeURIComponent(orderId)}/ax-orders/${encodeURIComponent(itemId)}/poll-again`,
      ),
    ),
  );
}

async function orderPage(orderId: string): Promise<void> {
  const order = await api<OrderDetail>("GET", `/orders/${encodeURIComponent(orderId)}`);
  const axRows = order.ax_orders.flatMap((axOrder) =>
    (axOrder.tickets.length > 0 ? axOrder.tickets : [undefined]).map((ticket) => [
      text(axOrder.item_id),
      text(axOrder.product_type),
      h("code", { class: "ax-order-code" }, axOrder.ax_order_code),
      badge(axOrder.ax_order_status),
      text(ticket?.ticket_id ?? ""),
      h("code", { class: "ax-ticket-code" }, ticket?.ax_ticket_code ?? ""),
      ticket ? badge(ticket.ax_ticket_status) : text(""),
    ]),
  );
  show(
    h("h1", {}, "Order ", h("span", { class: "order-id" }, order.order_id), " ", badge(order.status)),
    h(
      "p",
      { class: "meta" },
      order.created_at ? ["Created ", time(order.created_at)] : "No order record yet (only events).",
      order.total ? ` · total ${order.total} ${order.currency ?? ""}` : "",
    ),
    h("h2", {}, "Items"),
    table(
      ["Item", "Tickets"],
      order.items.map((item) => [text(item.item_id), text(item.ticket_ids.join(", "))]),
    ),
    h("h2", {}, "AX create calls"),
    table(
      ["Family", "State", "Started", "Items", "Reason"],
      order.create_calls.map((call) => [
        text(call.product_type),
        badge(call.state),
        time(call.started_at),
        text(call.item_ids.join(", ")),
        text(call.reason ? `${call.reason}: ${call.detail ?? ""}` : ""),
      ]),
    ),
    h("h2", {}, "AX orders and tickets"),
    table(["Item", "Family", "AX order", "AX status", "Ticket", "AX ticket", "Ticket status"], axRows),
    h("h2", {}, "Status sync"),
    table(
      ["Item", "AX order", "Sync", "Since / until", ""],
      order.ax_orders.map((axOrder) => [
        text(axOrder.item_id),
        h("code", {}, axOrder.ax_order_code),
        badge(axOrder.sync.state),
        axOrder.sync.left_at
          ? h("span", {}, time(axOrder.sync.left_at), text(` (${SYNC_LEFT_REASONS[axOrder.sync.reason ?? ""] ?? ""})`))
          : axOrder.sync.until
            ? h("span", {}, text("kept until "), time(axOrder.sync.until))
            : text(""),
        axOrder.sync.state === "final" ? text("") : pollAgainButton(order.order_id, axOrder.item_id),
      ]),
    ),
    h("h2", {}, "Story"),
    h(
      "ol",
      { class: "timeline" },
      timeline(order).map((entry) =>
        h(
          "li",
          { class: `entry entry-${entry.kind}` },
          h("div", { class: "when" }, time(entry.at)),
          h("div", { class: "what" }, h("p", { class: "title" }, entry.title), entry.body ?? []),
        ),
      ),
    ),
  );
}

// ---- parked events ----------------------------------------------------------------------------------------------

async function parkedPage(): Promise<void> {
  const current = params();
  const waiting = current.get("waiting") === "1";
  const reason = h("input", { name: "reason", value: current.get("reason") ?? "", id: "parked-reason" });
  const from = h("input", { type: "date", name: "from", value: current.get("from") ?? "" });
  const to = h("input", { type: "date", name: "to", value: current.get("to") ?? "" });
  const form = h(
    "form",
    { class: "filters" },
    field("Reason", reason, "e.g. unmapped_sku"),
    field("From", from),
    field("To", to),
    h("button", { type: "submit" }, "Filter"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setParams("#/parked", { reason: reason.value.trim(), from: from.value, to: to.value });
  });
  const filter = {
    reason: current.get("reason") ?? undefined,
    from: current.get("from") ? `${current.get("from") ?? ""}T00:00:00.000Z` : undefined,
    to: current.get("to") ? `${current.get("to") ?? ""}T23:59:59.999Z` : undefined,
  };
  const load = (cursor?: string) =>
    api<Page<EventRow>>(
      "GET",
      waiting ? `/events/waiting${query({ cursor })}` : `/events/parked${query({ ...filter, cursor })}`,
    );
  const row = (e: EventRow) => [
    time(e.received_at),
    text(e.webhook_id),
    orderLink(e.order_id),
    text(e.type),
    text(e.reason ?? e.status),
    text(e.detail ?? ""),
    waiting
      ? text("")
      : confirmButton("Replay", "Replay it?", () =>
          act(() => api<ActionResult>("POST", `/events/${encodeURIComponent(e.webhook_id)}/replay`)),
        ),
  ];
  const page = await load();
  const list = table(["Received", "Webhook id", "Order", "Type", "Reason", "Detail", ""], page.items.map(row));
  const bulk = h("div", { class: "bulk" });
  const countButton = h("button", { type: "button" }, "Replay all matching…");
  countButton.addEventListener("click", () => {
    void api<BulkReplayResult>("POST", "/events/parked/replay", filter).then(
      (counted) => {
        bulk.replaceChildren(
          counted.count === 0
            ? h("p", {}, "No parked event matches.")
            : confirmButton(`Replay ${counted.count} event(s)`, `Replay all ${counted.count}?`, () =>
                act(() =>
                  api<BulkReplayResult>("POST", "/events/parked/replay", { ...filter, confirm_count: counted.count }),
                ),
              ),
        );
        bulk.querySelector("button")?.focus();
      },
      (error: unknown) => {
        say(errorText(error), "error");
      },
    );
  });
  bulk.append(countButton);
  show(
    h("h1", {}, waiting ? "Events waiting too long" : "Parked events"),
    waiting ? null : form,
    waiting ? null : bulk,
    list,
    more(page.next_cursor, load, (items) =>
      tbodyOf(list)?.append(
        ...items.map((e) =>
          h(
            "tr",
            {},
            row(e).map((c) => h("td", {}, c)),
          ),
        ),
      ),
    ),
  );
}

// ---- uncertain creates and the guided reconcile -----------------------------------------------------------------

async function uncertainPage(): Promise<void> {
  const page = await api<Page<UncertainCreate>>("GET", "/uncertain-creates?limit=100");
  show(
    h("h1", {}, "Uncertain creates"),
    h(
      "p",
      {},
      "An AX create call whose answer was lost: AX may have the order. Never send it again before looking in AX's console.",
    ),
    table(
      ["Order", "Family", "Started", "Items", "What happened", ""],
      page.items.map((c) => [
        orderLink(c.order_id),
        text(c.product_type),
        time(c.started_at),
        text(c.item_ids.join(", ")),
        text(c.detail ?? c.reason ?? ""),
        link(`#/uncertain/${encodeURIComponent(c.order_id)}/${c.product_type}`, "Reconcile"),
      ]),
    ),
  );
}

async function reconcilePage(orderId: string, productType: string): Promise<void> {
  const order = await api<OrderDetail>("GET", `/orders/${encodeURIComponent(orderId)}`);
  const call = order.create_calls.find((c) => c.product_type === productType);
  if (call?.state !== "uncertain") {
    show(
      h("h1", {}, "Reconcile"),
      h(
        "p",
        {},
        `The ${productType} create of order ${orderId} is ${call?.state ?? "not started"}: nothing to reconcile.`,
      ),
      orderLink(orderId),
    );
    return;
  }
  const items = order.items.filter((item) => call.item_ids.includes(item.item_id));
  const inputs = items.map((item) => ({
    item,
    order: h("input", {
      name: `ax-order-${item.item_id}`,
      required: true,
      "aria-label": `AX order code of ${item.item_id}`,
    }),
    tickets: item.ticket_ids.map((ticketId) => ({
      ticketId,
      input: h("input", {
        name: `ax-ticket-${ticketId}`,
        required: true,
        "aria-label": `AX ticket code of ${ticketId}`,
      }),
    })),
  }));
  const attach = h(
    "form",
    { class: "card" },
    h("h2", {}, "1. AX has it: attach its codes"),
    h(
      "p",
      {},
      `In AX's console, find the ${productType} order(s) created around `,
      time(call.started_at),
      ` for channel order ${orderId}. Copy each AX order code and ticket code here.`,
    ),
    inputs.map(({ item, order: orderInput, tickets }) =>
      h(
        "fieldset",
        {},
        h("legend", {}, `Item ${item.item_id}`),
        field("AX order code", orderInput),
        tickets.map(({ ticketId, input }) => field(`AX ticket code of ${ticketId}`, input)),
      ),
    ),
    h("button", { type: "submit" }, "Attach and finish the order"),
  );
  attach.addEventListener("submit", (event) => {
    event.preventDefault();
    void act(
      () =>
        api<ActionResult>("POST", `/orders/${encodeURIComponent(orderId)}/creates/${productType}/reconcile`, {
          kind: "attach",
          ax_orders: inputs.map(({ item, order: orderInput, tickets }) => ({
            item_id: item.item_id,
            ax_order_code: orderInput.value.trim(),
            tickets: tickets.map(({ ticketId, input }) => ({
              ticket_id: ticketId,
              ax_ticket_code: input.value.trim(),
            })),
          })),
        }),
      () => {
        location.hash = `#/orders/${encodeURIComponent(orderId)}`;
      },
    );
  });
  const sure = h("input", { type: "checkbox", name: "sure", id: "resend-sure" });
  const resend = h(
    "form",
    { class: "card" },
    h("h2", {}, "2. AX does not have it: send the create again"),
    h("p", {}, "Only when you searched AX's console and found no such order: otherwise the traveler is booked twice."),
    h("label", { class: "check" }, sure, " I looked in AX's console and it has no order for these items"),
    h("button", { type: "submit", class: "danger" }, "Send the create again"),
  );
  resend.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!sure.checked) {
      say("Tick the box first: you must have looked in AX's console.", "error");
      sure.focus();
      return;
    }
    void act(
      () =>
        api<ActionResult>("POST", `/orders/${encodeURIComponent(orderId)}/creates/${productType}/reconcile`, {
          kind: "resend",
        }),
      () => {
        location.hash = `#/orders/${encodeURIComponent(orderId)}`;
      },
    );
  });
  show(
    h("h1", {}, `Reconcile the ${productType} create of `, orderLink(orderId)),
    h("p", { class: "meta" }, `What happened: ${call.detail ?? call.reason ?? "the answer was lost"}`),
    attach,
    resend,
  );
  inputs[0]?.order.focus();
}

// ---- dead notifications -----------------------------------------------------------------------------------------

async function notificationsPage(): Promise<void> {
  const page = await api<Page<Notification>>("GET", "/notifications/dead?limit=100");
  show(
    h("h1", {}, "Dead notifications"),
    h("p", {}, "Status webhooks the channel did not take after every attempt. Resend once the channel is back."),
    page.items.length === 0
      ? h("p", { class: "empty" }, "Nothing here.")
      : page.items.map((n) =>
          h(
            "section",
            { class: "card", "aria-label": `Notification ${n.id}` },
            h("h2", {}, `Notification ${n.id} `, badge(n.status)),
            h("p", {}, "Order ", orderLink(n.order_id), ` · item ${n.item_id} · last error: ${n.last_error ?? "none"}`),
            attemptsTable(n),
            resendButton(n),
          ),
        ),
  );
}

// ---- product mappings -------------------------------------------------------------------------------------------

function mappingInputs(mapping?: Mapping) {
  return {
    sku: h("input", { name: "sku", value: mapping?.sku ?? "", required: true, readonly: mapping !== undefined }),
    product_type: h(
      "select",
      { name: "product_type" },
      ["tour", "day-ticket"].map((t) => h("option", { value: t, selected: mapping?.product_type === t }, t)),
    ),
    mapping_code: h("input", { name: "mapping_code", value: mapping?.mapping_code ?? "", required: true }),
    option_code: h("input", { name: "option_code", value: mapping?.option_code ?? "", required: true }),
  };
}

const valuesOf = (inputs: ReturnType<typeof mappingInputs>): Mapping => ({
  sku: inputs.sku.value.trim(),
  product_type: inputs.product_type.value,
  mapping_code: inputs.mapping_code.value.trim(),
  option_code: inputs.option_code.value.trim(),
});

async function mappingsPage(): Promise<void> {
  const current = params();
  const prefix = h("input", { name: "prefix", value: current.get("prefix") ?? "", id: "mapping-prefix" });
  const search = h(
    "form",
    { class: "filters", role: "search" },
    field("Sku starts with", prefix),
    h("button", { type: "submit" }, "Search"),
  );
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    setParams("#/mappings", { prefix: prefix.value.trim() });
  });

  const added = mappingInputs();
  const addForm = h(
    "form",
    { class: "card", "aria-label": "Add a mapping" },
    h("h2", {}, "Add a mapping"),
    h(
      "div",
      { class: "row" },
      field("Sku", added.sku),
      field("Family", added.product_type),
      field("Mapping code", added.mapping_code),
      field("Option code", added.option_code),
    ),
    h("button", { type: "submit" }, "Add"),
  );
  addForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void act(async () => {
      const mapping = await api<Mapping>("POST", "/mappings", valuesOf(added));
      return { message: `Added ${mapping.sku}` };
    });
  });

  const file = h("input", {
    type: "file",
    name: "file",
    accept: ".csv,.json,text/csv,application/json",
    id: "import-file",
  });
  const report = h("div", { class: "report" });
  const importForm = h(
    "form",
    { class: "card", "aria-label": "Import mappings" },
    h("h2", {}, "Import a CSV or JSON file"),
    h(
      "p",
      {},
      "CSV header: sku,product_type,mapping_code,option_code. Every row is checked before anything is written.",
    ),
    field("File", file),
    h("button", { type: "submit" }, "Check the file"),
    report,
  );
  importForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) {
      say("Choose a file first.", "error");
      return;
    }
    void chosen.text().then(async (content) => {
      const request = { format: chosen.name.toLowerCase().endsWith(".json") ? "json" : "csv", content };
      try {
        const checked = await api<ImportReport>("POST", "/mappings/import", { ...request, dry_run: true });
        report.replaceChildren(
          h("p", {}, `${checked.rows} row(s): ${checked.created} new, ${checked.updated} changed.`),
          confirmButton(`Import ${checked.rows} mapping(s)`, "Write them all?", () =>
            act(async () => {
              const done = await api<ImportReport>("POST", "/mappings/import", request);
              return { message: `Imported ${done.rows} mapping(s): ${done.created} new, ${done.updated} changed` };
            }),
          ),
        );
      } catch (error) {
        const body = error instanceof ApiError ? (error.body as Partial<ImportReport> | undefined) : undefined;
        report.replaceChildren(
          h("p", { class: "error" }, "Nothing was written. Fix these rows and check again:"),
          h(
            "ul",
            {},
            (body?.errors ?? [{ row: 0, message: errorText(error) }]).map((e) =>
              h("li", {}, e.row ? `Row ${e.row}: ${e.message}` : e.message),
            ),
          ),
        );
      }
    });
  });

  const load = (cursor?: string) =>
    api<Page<Mapping>>("GET", `/mappings${query({ prefix: current.get("prefix") ?? undefined, cursor })}`);
  const row = (m: Mapping): Node[] => {
    const edit = h("button", { type: "button" }, "Edit");
    edit.addEventListener("click", () => {
      const inputs = mappingInputs(m);
      const save = h("button", { type: "button" }, "Save");
      save.addEventListener("click", () => {
        void act(async () => {
          const { sku, ...rest } = valuesOf(inputs);
          await api<Mapping>("PUT", `/mappings/${encodeURIComponent(sku)}`, rest);
          return { message: `Saved ${sku}` };
        });
      });
      const tr = edit.closest("tr");
      tr?.replaceChildren(
        ...[text(m.sku), inputs.product_type, inputs.mapping_code, inputs.option_code, save].map((c) => h("td", {}, c)),
      );
      inputs.mapping_code.focus();
    });
    return [
      text(m.sku),
      text(m.product_type),
      text(m.mapping_code),
      text(m.option_code),
      h(
        "span",
        {},
        edit,
        confirmButton("Remove", `Remove ${m.sku}?`, () =>
          act(() => api<ActionResult>("DELETE", `/mappings/${encodeURIComponent(m.sku)}`)),
        ),
      ),
    ];
  };
  const page = await load();
  const list = table(["Sku", "Family", "Mapping code", "Option code", ""], page.items.map(row));
  show(
    h("h1", {}, "Product mappings"),
    search,
    list,
    more(page.next_cursor, load, (items) =>
      tbodyOf(list)?.append(
        ...items.map((m) =>
          h(
            "tr",
            {},
            row(m).map((c) => h("td", {}, c)),
          ),
        ),
      ),
    ),
    addForm,
    importForm,
  );
}

// ---- audit log --------------------------------------------------------------------------------------------------

async function auditPage(): Promise<void> {
  const day = params().get("day") ?? new Date().toISOString().slice(0, 10);
  const input = h("input", { type: "date", name: "day", value: day });
  const form = h("form", { class: "filters" }, field("Day (UTC)", input), h("button", { type: "submit" }, "Show"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setParams("#/audit", { day: input.value });
  });
  const page = await api<Page<AuditEntry>>("GET", `/audit${query({ day, limit: "100" })}`);
  show(
    h("h1", {}, "Audit log"),
    form,
    table(
      ["When", "Who", "Action", "On", "Detail"],
      page.items.map((e) => [time(e.at), text(e.actor), text(e.action), text(e.target), text(e.detail ?? "")]),
    ),
  );
}

// ---- routing ----------------------------------------------------------------------------------------------------

function route(): void {
  const path = location.hash.replace(/^#/, "").split("?")[0] ?? "";
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const nav = document.getElementById("nav");
  if (!token.get() || parts[0] === "login") {
    if (nav) nav.hidden = true;
    loginPage();
    return;
  }
  if (nav) {
    nav.hidden = false;
    for (const a of nav.querySelectorAll("a")) {
      const target = a.getAttribute("href")?.slice(2) ?? "";
      if ((parts[0] ?? "") === target) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
  }
  const [section, id, family] = parts;
  let page: Promise<void>;
  if (section === undefined) page = homePage();
  else if (section === "orders" && id) page = orderPage(id);
  else if (section === "orders") page = ordersPage();
  else if (section === "parked") page = parkedPage();
  else if (section === "uncertain" && id && family) page = reconcilePage(id, family);
  else if (section === "uncertain") page = uncertainPage();
  else if (section === "notifications") page = notificationsPage();
  else if (section === "mappings") page = mappingsPage();
  else if (section === "audit") page = auditPage();
  else {
    show(h("h1", {}, "Not found"), link("#/", "Back to what needs a person"));
    return;
  }
  page.catch((error: unknown) => {
    show(h("h1", {}, "Something went wrong"), h("p", { class: "error" }, errorText(error)));
  });
}

function logOutButton(): void {
  const who = document.getElementById("who");
  if (!who) return;
  const button = h("button", { type: "button", class: "link" }, "Log out");
  button.addEventListener("click", () => {
    token.clear();
    location.hash = "#/login";
  });
  who.replaceChildren(button);
}

window.addEventListener("hashchange", route);
logOutButton();
route();
