import { api, query, type OrderRow, type Page } from "../api";
import { badge, field, h, show, table, text, time } from "../dom";
import { more, orderLink, params, setParams, tbodyOf } from "../ui";

const STATUSES = ["", "pending", "placed", "partially_cancelled", "cancelled", "failed", "uncertain"];

export async function ordersPage(): Promise<void> {
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
