import { api, query, type OrderRow, type Page } from "../api";
import { badge, field, h, text, time } from "../dom";
import { dayEnd, dayStart, errorText, orderLink, pagedTable, params, setParams, type View } from "../ui";

const STATUSES = ["", "pending", "placed", "partially_cancelled", "cancelled", "failed", "uncertain"];

/** What an order can be found by (each from an index or search entry of the admin API: docs/console.md). */
const LOOKUPS: [string, string, string][] = [
  ["id_prefix", "Order id starts with", "any case, 3 characters or more"],
  ["ax_order_code", "AX order code", "as AX's console shows it"],
  ["ax_ticket_code", "AX ticket code", "as AX's console shows it"],
  ["webhook_id", "Webhook id", "of one of its events"],
  ["sku", "Sku", "a product it sold"],
  ["email", "Traveler's e-mail", "the purchaser's or a traveler's, any case"],
  ["name", "Traveler's name", "full name, any case"],
];

export async function ordersPage(): Promise<View> {
  const current = params();
  const chosen = LOOKUPS.find(([name]) => current.has(name));
  const by = h(
    "select",
    { name: "by", id: "find-by" },
    LOOKUPS.map(([name, label]) =>
      h("option", { value: name, selected: name === (chosen?.[0] ?? "id_prefix") }, label),
    ),
  );
  const value = h("input", { name: "q", value: chosen ? (current.get(chosen[0]) ?? "") : "", id: "order-search" });
  const hint = h("small", {}, (chosen ?? LOOKUPS[0])?.[2] ?? "");
  by.addEventListener("change", () => {
    hint.textContent = LOOKUPS.find(([name]) => name === by.value)?.[2] ?? "";
  });
  const find = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Find an order" },
    field("Find by", by),
    h("label", { class: "field" }, h("span", {}, "Value"), value, hint),
    h("button", { type: "submit" }, "Find"),
  );
  find.addEventListener("submit", (event) => {
    event.preventDefault();
    setParams("#/orders", { [by.value]: value.value.trim() });
  });

  const status = h(
    "select",
    { name: "status" },
    STATUSES.map((s) => h("option", { value: s, selected: s === (current.get("status") ?? "") }, s || "any")),
  );
  const from = h("input", { type: "date", name: "from", value: current.get("from") ?? "" });
  const to = h("input", { type: "date", name: "to", value: current.get("to") ?? "" });
  const list = h(
    "form",
    { class: "filters", "aria-label": "List orders" },
    field("Status", status),
    field("From", from),
    field("To", to),
    h("button", { type: "submit" }, "List"),
  );
  list.addEventListener("submit", (event) => {
    event.preventDefault();
    setParams("#/orders", { status: status.value, from: from.value, to: to.value });
  });

  const search = chosen
    ? { [chosen[0]]: current.get(chosen[0]) ?? undefined }
    : {
        status: current.get("status") ?? undefined,
        from: dayStart(current.get("from")),
        to: dayEnd(current.get("to")),
      };
  const load = (cursor?: string) => api<Page<OrderRow>>("GET", `/orders${query({ ...search, cursor })}`);
  const results = h("div", { class: "results" });
  const searchedFor = chosen
    ? `found by ${chosen[1].replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase())} “${current.get(chosen[0]) ?? ""}”`
    : `by ${current.get("status") || "any status"}, newest first`;
  try {
    const first = await load();
    results.append(
      h(
        "p",
        { class: "meta", id: "results-for" },
        `Orders ${searchedFor}${first.next_cursor ? "" : `: ${first.items.length}`}`,
      ),
      pagedTable(["Order", "Status", "Created", "Total"], first, load, (o) => [
        orderLink(o.order_id),
        badge(o.shown_status ?? o.status),
        time(o.created_at),
        text(o.total ? `${o.total} ${o.currency ?? ""}` : ""),
      ]),
    );
  } catch (error) {
    // A search the API refuses (too short, too long, …) is said right under its form, which stays to be corrected.
    results.append(h("p", { class: "error", role: "alert" }, errorText(error)));
  }
  const or = h("p", { class: "or" }, "or");
  return {
    title: "Orders",
    content: chosen
      ? [h("h1", {}, "Orders"), find, results, or, list]
      : [h("h1", {}, "Orders"), find, or, list, results],
    focus: value,
  };
}
