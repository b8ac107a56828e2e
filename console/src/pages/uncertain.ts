import { api, type ActionResult, type OrderDetail, type Page, type UncertainCreate } from "../api";
import { field, h, say, show, table, text, time } from "../dom";
import { act, link, orderLink } from "../ui";

export async function uncertainPage(): Promise<void> {
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

export async function reconcilePage(orderId: string, productType: string): Promise<void> {
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
