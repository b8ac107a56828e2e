import { api, type ActionResult, type Attention, type DeadLetterList } from "../api";
import { confirmButton, h, show, table, text, time } from "../dom";
import { act, link, orderLink } from "../ui";

export async function homePage(): Promise<void> {
  const [attention, deadLetters] = await Promise.all([
    api<Attention>("GET", "/attention"),
    api<DeadLetterList>("GET", "/dead-letters?limit=10"),
  ]);
  const card = (title: string, count: number, body: (Node | null)[], href?: string) =>
    h(
      "section",
      { class: `card ${count > 0 ? "attention" : "calm"}`, "aria-label": title },
      h("h2", {}, href ? link(href, title) : title, " ", h("span", { class: "count" }, count)),
      body,
    );
  const reasons = Object.entries(attention.parked_by_reason).sort((a, b) => b[1] - a[1]);
  const redrive =
    deadLetters.count > 0
      ? confirmButton("Redrive the dead-letter queue", `Move ${deadLetters.count} message(s) back?`, () =>
          act(() => api<ActionResult>("POST", "/dead-letters/redrive")),
        )
      : null;
  show(
    h("h1", {}, "Needs a person"),
    h(
      "div",
      { class: "cards" },
      card(
        "Parked events",
        attention.parked,
        [
          reasons.length === 0
            ? h("p", {}, "None.")
            : h(
                "ul",
                {},
                reasons.map(([reason, count]) =>
                  h("li", {}, link(`#/parked?reason=${encodeURIComponent(reason)}`, reason), `: ${count}`),
                ),
              ),
        ],
        "#/parked",
      ),
      card(
        "Uncertain creates",
        attention.uncertain_creates,
        [h("p", {}, "AX may or may not have these orders: look in AX's console, then reconcile.")],
        "#/uncertain",
      ),
      card(
        "Events waiting too long",
        attention.waiting_too_long,
        [h("p", {}, `Queued for more than ${attention.waiting_threshold_minutes} minutes.`)],
        "#/parked?waiting=1",
      ),
      card("Dead-letter messages", attention.dead_letters, [
        table(
          ["Webhook id", "Order", "Moved there"],
          deadLetters.items.map((m) => [text(m.webhook_id), orderLink(m.order_id), time(m.moved_at)]),
        ),
        redrive,
      ]),
      card(
        "Dead notifications",
        attention.dead_notifications,
        [h("p", {}, "Status webhooks the channel never took.")],
        "#/notifications",
      ),
    ),
  );
}
