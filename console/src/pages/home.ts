import { api, type ActionResult, type Attention, type DeadLetterList } from "../api";
import { confirmButton, h, table, text, time } from "../dom";
import { act, link, orderLink, type View } from "../ui";

/** Counts stop at this many (the API reads no more to count): shown as "10,000 or more". */
const COUNT_CAP = 10_000;
const count = (n: number) => (n >= COUNT_CAP ? `${COUNT_CAP.toLocaleString()}+` : String(n));

export async function homePage(): Promise<View> {
  const [attention, deadLetters] = await Promise.all([
    api<Attention>("GET", "/attention"),
    api<DeadLetterList>("GET", "/dead-letters?limit=10"),
  ]);
  const card = (title: string, n: number, body: (Node | null)[], href?: string) =>
    h(
      "section",
      { class: `card ${n > 0 ? "attention" : "calm"}`, "aria-label": title },
      h("h2", {}, href ? link(href, title) : title, " ", h("span", { class: "count" }, count(n))),
      body,
    );
  const reasons = Object.entries(attention.parked_by_reason).sort((a, b) => b[1] - a[1]);
  const redrive: HTMLElement | null =
    deadLetters.count > 0
      ? confirmButton("Redrive the dead-letter queue", `Move ${deadLetters.count} message(s) back?`, () =>
          act(redrive ?? document.body, () => api<ActionResult>("POST", "/dead-letters/redrive")),
        )
      : null;
  return {
    title: "Needs a person",
    // What needs a person changes on its own: the page looks again every 30 seconds while nobody is using it.
    refreshMs: 30_000,
    content: [
      h("h1", {}, "Needs a person"),
      h("p", { class: "meta" }, "Updated ", time(new Date().toISOString()), " · refreshes every 30 seconds"),
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
                  reasons.map(([reason, n]) =>
                    h("li", {}, link(`#/events?reason=${encodeURIComponent(reason)}`, reason), `: ${count(n)}`),
                  ),
                ),
          ],
          "#/events",
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
          "#/events?status=waiting",
        ),
        card("Dead-letter messages", attention.dead_letters, [
          table(
            ["Webhook id", "Order", "Moved there"],
            deadLetters.items.map((m) => [text(m.webhook_id), orderLink(m.order_id), time(m.moved_at)]),
          ),
          deadLetters.count > deadLetters.items.length
            ? h("p", { class: "meta" }, `The first ${deadLetters.items.length} of ${deadLetters.count}.`)
            : null,
          redrive,
        ]),
        card(
          "Dead notifications",
          attention.dead_notifications,
          [h("p", {}, "Status webhooks the channel never took.")],
          "#/notifications",
        ),
      ),
    ],
  };
}
