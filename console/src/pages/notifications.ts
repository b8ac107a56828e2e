import { api, query, type Notification, type Page } from "../api";
import { badge, h } from "../dom";
import { orderLink, pagedSections, type View } from "../ui";
import { attemptsTable, resendButton } from "./order";

export async function notificationsPage(): Promise<View> {
  const load = (cursor?: string) => api<Page<Notification>>("GET", `/notifications/dead${query({ cursor })}`);
  return {
    title: "Dead notifications",
    content: [
      h("h1", {}, "Dead notifications"),
      h("p", {}, "Status webhooks the channel did not take after every attempt. Resend once the channel is back."),
      pagedSections(await load(), load, (n) =>
        h(
          "section",
          { class: "card", "aria-label": `Notification ${n.id}` },
          h("h2", {}, `Notification ${n.id} `, badge(n.status)),
          h("p", {}, "Order ", orderLink(n.order_id), ` · item ${n.item_id} · last error: ${n.last_error ?? "none"}`),
          attemptsTable(n),
          resendButton(n),
        ),
      ),
    ],
  };
}
