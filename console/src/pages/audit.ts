import { api, query, type AuditEntry, type Page } from "../api";
import { field, h, show, table, text, time } from "../dom";
import { params, setParams } from "../ui";

export async function auditPage(): Promise<void> {
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
