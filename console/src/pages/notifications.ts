import { api, type Notification, type Page } from "../api";
import { badge, h, show } from "../dom";
import { orderLink } from "../ui";
import { attemptsTable, resendButton } from "./order";

export async function notificationsPage(): Promise<void> {
  const page = await api<Page<Notification>>("GET", "/notifications/dead?limit=100");
  show(
    h("h1", {}, "Dead notifications"),
    h("p", {}, "Status webhooks the channel did not take after every attempt. Resend once the channel is back."),
    page.items.length === 0
      ? h("p", { class: "empty" }, "Nothing here.")
      : page.items.map((n) =>
          h(
            "section",
            { class: "card", "aria-label": `Notification ${n.id}` },
            h("h2", {}, `Notification ${n.id} `, badge(n.status)),
            h("p", {}, "Order ", orderLink(n.order_id), ` · item ${n.item_id} · last error: ${n.last_error ?? "none"}`),
            attemptsTable(n),
            resendButton(n),
          ),
        ),
  );
}
