import { api, query, type ActionResult, type BulkReplayResult, type EventRow, type Page } from "../api";
import { confirmButton, field, h, say, show, table, text, time } from "../dom";
import { act, errorText, more, orderLink, params, setParams, tbodyOf } from "../ui";

export async function parkedPage(): Promise<void> {
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
