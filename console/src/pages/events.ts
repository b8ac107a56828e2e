import { api, query, type BulkReplayResult, type EventRow, type Page } from "../api";
import { confirmButton, field, h, text, time } from "../dom";
import { act, dayEnd, dayStart, errorText, orderLink, pagedTable, params, setParams, type View } from "../ui";
import { eventActions } from "./order";

const STATUSES: [string, string][] = [
  ["failed", "parked"],
  ["waiting", "waiting too long"],
  ["queued", "in the queue"],
];
const TYPES = ["", "order.placed", "order.cancelled"];

export async function eventsPage(): Promise<View> {
  const current = params();
  const chosenStatus = current.get("status") ?? "failed";
  const status = h(
    "select",
    { name: "status", id: "events-status" },
    STATUSES.map(([value, label]) => h("option", { value, selected: value === chosenStatus }, label)),
  );
  const type = h(
    "select",
    { name: "type" },
    TYPES.map((t) => h("option", { value: t, selected: t === (current.get("type") ?? "") }, t || "any")),
  );
  const reason = h("input", { name: "reason", value: current.get("reason") ?? "", id: "events-reason" });
  const from = h("input", { type: "date", name: "from", value: current.get("from") ?? "" });
  const to = h("input", { type: "date", name: "to", value: current.get("to") ?? "" });
  const form = h(
    "form",
    { class: "filters", "aria-label": "Filter events" },
    field("Status", status),
    field("Type", type),
    field("Reason", reason, "e.g. unmapped_sku"),
    field("From", from),
    field("To", to),
    h("button", { type: "submit" }, "Filter"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setParams("#/events", {
      status: status.value,
      type: type.value,
      reason: reason.value.trim(),
      from: from.value,
      to: to.value,
    });
  });
  const filter = {
    type: current.get("type") ?? undefined,
    reason: current.get("reason") ?? undefined,
    from: dayStart(current.get("from")),
    to: dayEnd(current.get("to")),
  };
  const load = (cursor?: string) =>
    api<Page<EventRow>>("GET", `/events${query({ status: chosenStatus, ...filter, cursor })}`);
  const results = h("div", { class: "results" });
  try {
    const first = await load();
    results.append(
      pagedTable(["Received", "Webhook id", "Order", "Type", "Reason", "What can help", ""], first, load, (e) => [
        time(e.received_at),
        text(e.webhook_id),
        orderLink(e.order_id),
        text(e.type),
        text(e.reason ? `${e.reason}${e.detail ? `: ${e.detail}` : ""}` : e.status),
        text(e.hint),
        eventActions(e),
      ]),
    );
  } catch (error) {
    results.append(h("p", { class: "error", role: "alert" }, errorText(error)));
  }
  const title =
    chosenStatus === "failed"
      ? "Parked events"
      : chosenStatus === "waiting"
        ? "Events waiting too long"
        : "Events in the queue";
  return {
    title,
    content: [h("h1", {}, title), form, chosenStatus === "failed" ? bulkReplay(filter) : null, results],
    focus: status,
  };
}

/** Replays every parked event of the filter that a replay can help: the count first, then exactly those. */
function bulkReplay(filter: Record<string, string | undefined>): HTMLElement {
  const bulk = h("div", { class: "bulk" });
  const count = h("button", { type: "button" }, "Replay all matching…");
  count.addEventListener("click", () => {
    void act(
      count,
      async () => {
        const counted = await api<BulkReplayResult>("POST", "/events/replay", filter);
        const leftOut =
          counted.left_out > 0 ? ` ${counted.left_out} more match, but a replay cannot help their reason.` : "";
        const token = counted.confirm;
        const confirm: HTMLElement | null = token
          ? confirmButton(`Replay these ${counted.count} event(s)`, `Replay all ${counted.count}?`, () =>
              act(confirm ?? bulk, () =>
                api<BulkReplayResult>("POST", "/events/replay", { ...filter, confirm: token }),
              ),
            )
          : null;
        bulk.replaceChildren(
          h(
            "p",
            {},
            token
              ? `${counted.count} parked event(s) can be replayed.${leftOut}`
              : `No parked event here can be replayed.${leftOut}`,
          ),
          ...(confirm ? [confirm] : []),
        );
        confirm?.querySelector("button")?.focus();
        return { message: counted.message };
      },
      { redraw: false },
    );
  });
  bulk.append(count);
  return bulk;
}
