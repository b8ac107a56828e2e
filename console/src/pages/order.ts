import { api, type ActionResult, type Attempt, type EventRow, type Notification, type OrderDetail } from "../api";
import { badge, confirmButton, h, table, text, time } from "../dom";
import { act, link, type View } from "../ui";

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

export function attemptsTable(notification: Notification): HTMLElement {
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

export function resendButton(notification: Notification): HTMLElement {
  const button: HTMLElement = confirmButton("Resend", "Send this notification again?", () =>
    act(button, () =>
      api<ActionResult>(
        "POST",
        `/orders/${encodeURIComponent(notification.order_id)}/notifications/${encodeURIComponent(notification.id)}/resend`,
      ),
    ),
  );
  return button;
}

const SYNC_LEFT_REASONS: Record<string, string> = {
  past_use_date: "its use date and grace passed",
  tickets_settled: "every ticket used or cancelled",
};

/** "Poll again": the next status sync run asks AX about the AX order, and keeps it in the sync for another grace. */
function pollAgainButton(orderId: string, itemId: string): HTMLElement {
  const button: HTMLElement = confirmButton(
    "Poll again",
    "Ask AX about this AX order at the next status sync run?",
    () =>
      act(button, () =>
        api<ActionResult>(
          "POST",
          `/orders/${encodeURIComponent(orderId)}/ax-orders/${encodeURIComponent(itemId)}/poll-again`,
        ),
      ),
  );
  return button;
}

/** "Dismiss…" opens a note (required: it is what the audit log and the order's story keep), then dismisses. */
function dismissButton(event: EventRow): HTMLElement {
  const wrapper = h("span", { class: "dismiss" });
  const open = h("button", { type: "button" }, "Dismiss…");
  open.addEventListener("click", () => {
    const note = h("input", {
      name: "note",
      required: true,
      maxlength: 500,
      "aria-label": `Why event ${event.webhook_id} is dismissed`,
      placeholder: "why it can be left alone",
    });
    const submit = h("button", { type: "submit", class: "danger" }, "Dismiss");
    const cancel = h("button", { type: "button" }, "Cancel");
    const form = h("form", { class: "inline-form", "aria-label": `Dismiss ${event.webhook_id}` }, note, submit, cancel);
    cancel.addEventListener("click", () => {
      wrapper.replaceChildren(open);
      open.focus();
    });
    form.addEventListener("submit", (submitted) => {
      submitted.preventDefault();
      void act(submit, () =>
        api<ActionResult>("POST", `/events/${encodeURIComponent(event.webhook_id)}/dismiss`, {
          note: note.value.trim(),
        }),
      );
    });
    wrapper.replaceChildren(form);
    note.focus();
  });
  wrapper.append(open);
  return wrapper;
}

/** A logged body as it reads best: JSON indented (the log keeps it compact), anything else (text, a cut body) as is. */
function indented(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body) as unknown, null, 2);
  } catch {
    return body;
  }
}

/** One line of the order's attempt log; an AX call shows its request and answer on demand. */
function attemptEntry(attempt: Attempt): TimelineEntry {
  const detail = [
    attempt.duration_ms !== undefined ? `${attempt.duration_ms} ms` : "",
    attempt.correlation_id ? `correlation id ${attempt.correlation_id}` : "",
    attempt.kind === "operator" || attempt.actor === "worker" ? "" : `by ${attempt.actor}`,
  ].filter(Boolean);
  return {
    at: attempt.at,
    kind: attempt.kind === "ax_call" ? "call" : attempt.kind === "operator" ? "operator" : "attempt",
    title: [
      text(attempt.summary),
      attempt.http_status !== undefined ? text(" ") : text(""),
      attempt.outcome && attempt.outcome !== "ok" ? badge(attempt.outcome) : text(""),
    ],
    body: [
      detail.length > 0 ? h("p", { class: "meta" }, detail.join(" · ")) : null,
      attempt.request !== undefined || attempt.answer !== undefined
        ? h(
            "details",
            { class: "exchange" },
            h("summary", {}, `Request and answer${attempt.path ? ` (${attempt.path})` : ""}`),
            h("p", { class: "meta" }, "Request (names, e-mails and phones masked)"),
            h("pre", {}, attempt.request === undefined ? "(no body)" : indented(attempt.request)),
            h(
              "p",
              { class: "meta" },
              `Answer${attempt.http_status !== undefined ? ` (HTTP ${attempt.http_status})` : ""}`,
            ),
            h("pre", {}, attempt.answer === undefined ? "(no answer)" : indented(attempt.answer)),
          )
        : null,
    ],
  };
}

/**
 * The actions that can help an event (the API says which), each where the event is shown. `uncertain` lists the
 * families whose create is uncertain (on the order's page); elsewhere "reconcile" opens the order.
 */
export function eventActions(event: EventRow, uncertain?: readonly string[]): HTMLElement {
  const actions = h("span", { class: "actions" });
  for (const action of event.actions) {
    if (action === "replay") {
      const replay: HTMLElement = confirmButton("Replay", "Replay this event?", () =>
        act(replay, () => api<ActionResult>("POST", `/events/${encodeURIComponent(event.webhook_id)}/replay`)),
      );
      actions.append(replay);
    } else if (action === "dismiss") {
      actions.append(dismissButton(event));
    } else {
      const order = encodeURIComponent(event.order_id);
      if (uncertain === undefined) actions.append(link(`#/orders/${order}`, "Open the order to reconcile it"));
      else
        for (const family of uncertain)
          actions.append(link(`#/uncertain/${order}/${family}`, `Reconcile the ${family} create`));
    }
  }
  return actions;
}

function timeline(order: OrderDetail): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const uncertainFamilies = order.create_calls.filter((c) => c.state === "uncertain").map((c) => c.product_type);
  for (const event of order.events)
    entries.push({
      at: event.received_at,
      kind: "event",
      title: [text(`${event.type} received (${event.webhook_id}) → `), badge(event.status)],
      body: [
        event.reason ? h("p", {}, `${event.reason}: ${event.detail ?? ""}`) : null,
        event.hint ? h("p", { class: "hint" }, event.hint) : null,
        payloadBlock("Payload", event.payload),
        event.actions.length > 0 ? eventActions(event, uncertainFamilies) : null,
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
        ...(notification.resent ?? []).map((resent) => h("p", {}, "Resent by ", resent.by, " at ", time(resent.at))),
        payloadBlock("Body", JSON.parse(notification.body) as unknown),
        notification.status === "dead" ? resendButton(notification) : null,
      ],
    });
  entries.push(...order.attempts.map(attemptEntry));
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}

export async function orderPage(orderId: string): Promise<View> {
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
  const title = h(
    "h1",
    {},
    "Order ",
    h("span", { class: "order-id" }, order.order_id),
    " ",
    badge(order.shown_status ?? order.status),
  );
  return {
    title: `Order ${order.order_id}`,
    content: [
      title,
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
        ["Family", "State", "Started", "Items", "Reason", ""],
        order.create_calls.map((call) => [
          text(call.product_type),
          badge(call.state),
          time(call.started_at),
          text(call.item_ids.join(", ")),
          text(call.reason ? `${call.reason}: ${call.detail ?? ""}` : ""),
          call.state === "uncertain"
            ? link(`#/uncertain/${encodeURIComponent(order.order_id)}/${call.product_type}`, "Reconcile")
            : text(""),
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
            ? h(
                "span",
                {},
                time(axOrder.sync.left_at),
                text(` (${SYNC_LEFT_REASONS[axOrder.sync.reason ?? ""] ?? ""})`),
              )
            : axOrder.sync.until
              ? h("span", {}, text("kept until "), time(axOrder.sync.until))
              : text(""),
          axOrder.sync.state === "final" ? text("") : pollAgainButton(order.order_id, axOrder.item_id),
        ]),
      ),
      h("h2", {}, "Story"),
      h(
        "p",
        { class: "meta" },
        "Every event, AX call, status change, notification and operator's action, oldest first.",
        order.attempts_truncated ? " The oldest lines of the attempt log are left out." : "",
      ),
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
    ],
  };
}
