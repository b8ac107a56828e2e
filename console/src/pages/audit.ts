import { api, query, type AuditEntry, type Page } from "../api";
import { escapeText } from "../../../lib/text-safety";
import { field, h, text, time } from "../dom";
import { pagedTable, params, setParams, type View } from "../ui";

/** Audit text as stored, with any control or bidirectional character shown escaped (entries older than the check). */
const safe = (value: string | undefined) => text(escapeText(value ?? ""));

export async function auditPage(): Promise<View> {
  const day = params().get("day") ?? new Date().toISOString().slice(0, 10);
  const input = h("input", { type: "date", name: "day", value: day, id: "audit-day" });
  const form = h("form", { class: "filters" }, field("Day (UTC)", input), h("button", { type: "submit" }, "Show"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setParams("#/audit", { day: input.value });
  });
  const load = (cursor?: string) => api<Page<AuditEntry>>("GET", `/audit${query({ day, cursor })}`);
  return {
    title: "Audit log",
    content: [
      h("h1", {}, "Audit log"),
      form,
      pagedTable(["When", "Who", "Action", "On", "Detail", "Was"], await load(), load, (e) => [
        time(e.at),
        safe(e.actor),
        safe(e.action),
        safe(e.target),
        safe(e.detail),
        safe(e.old_value),
      ]),
    ],
  };
}
