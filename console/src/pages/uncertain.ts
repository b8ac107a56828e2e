import { api, query, type Page, type UncertainCreate } from "../api";
import { h, text, time } from "../dom";
import { link, orderLink, pagedTable, type View } from "../ui";

export async function uncertainPage(): Promise<View> {
  const load = (cursor?: string) => api<Page<UncertainCreate>>("GET", `/uncertain-creates${query({ cursor })}`);
  return {
    title: "Uncertain creates",
    content: [
      h("h1", {}, "Uncertain creates"),
      h(
        "p",
        {},
        "An AX create call whose answer was lost: AX may have the order. Never send it again before looking in AX's console.",
      ),
      pagedTable(["Order", "Family", "Started", "Items", "What happened", ""], await load(), load, (c) => [
        orderLink(c.order_id),
        text(c.product_type),
        time(c.started_at),
        text(c.item_ids.join(", ")),
        text(c.detail ?? c.reason ?? ""),
        link(`#/uncertain/${encodeURIComponent(c.order_id)}/${c.product_type}`, "Reconcile"),
      ]),
    ],
  };
}
