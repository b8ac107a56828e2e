import { api, type ActionResult, type OrderDetail } from "../api";
import { field, h, inlineError, time } from "../dom";
import { act, orderLink, type View } from "../ui";

export async function reconcilePage(orderId: string, productType: string): Promise<View> {
  const order = await api<OrderDetail>("GET", `/orders/${encodeURIComponent(orderId)}`);
  const call = order.create_calls.find((c) => c.product_type === productType);
  if (call?.state !== "uncertain") {
    return {
      title: "Reconcile",
      content: [
        h("h1", {}, "Reconcile"),
        h(
          "p",
          {},
          `The ${productType} create of order ${orderId} is ${call?.state ?? "not started"}: nothing to reconcile.`,
        ),
        orderLink(orderId),
      ],
    };
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
  const attachButton = h("button", { type: "submit" }, "Attach and finish the order");
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
    attachButton,
  );
  attach.addEventListener("submit", (event) => {
    event.preventDefault();
    void act(
      attachButton,
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
      { navigateTo: `#/orders/${encodeURIComponent(orderId)}` },
    );
  });
  const sure = h("input", { type: "checkbox", name: "sure", id: "resend-sure" });
  const resendButton = h("button", { type: "submit", class: "danger" }, "Send the create again");
  const resend = h(
    "form",
    { class: "card" },
    h("h2", {}, "2. AX does not have it: send the create again"),
    h("p", {}, "Only when you searched AX's console and found no such order: otherwise the traveler is booked twice."),
    h("label", { class: "check" }, sure, " I looked in AX's console and it has no order for these items"),
    resendButton,
  );
  resend.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!sure.checked) {
      inlineError(resendButton, "Tick the box first: you must have looked in AX's console.");
      sure.focus();
      return;
    }
    void act(
      resendButton,
      () =>
        api<ActionResult>("POST", `/orders/${encodeURIComponent(orderId)}/creates/${productType}/reconcile`, {
          kind: "resend",
        }),
      { navigateTo: `#/orders/${encodeURIComponent(orderId)}` },
    );
  });
  return {
    title: `Reconcile ${orderId}`,
    content: [
      h("h1", {}, `Reconcile the ${productType} create of `, orderLink(orderId)),
      h("p", { class: "meta" }, `What happened: ${call.detail ?? call.reason ?? "the answer was lost"}`),
      attach,
      resend,
    ],
    ...(inputs[0] ? { focus: inputs[0].order } : {}),
  };
}
