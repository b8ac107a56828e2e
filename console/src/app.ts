// The operators' console: hash routes, one file per page (console/src/pages), each reading and acting through the
// admin API. The router shows a page only if it is still the latest navigation, keeps the sections out of sight
// until the operator has logged in, and redraws a page that refreshes on its own when nobody is using it.
import { ApiError, token } from "./api";
import { clearStatus, h } from "./dom";
import { auditPage } from "./pages/audit";
import { eventsPage } from "./pages/events";
import { homePage } from "./pages/home";
import { loginPage } from "./pages/login";
import { mappingsPage } from "./pages/mappings";
import { notificationsPage } from "./pages/notifications";
import { orderPage } from "./pages/order";
import { ordersPage } from "./pages/orders";
import { reconcilePage } from "./pages/reconcile";
import { uncertainPage } from "./pages/uncertain";
import { errorText, link, setRedraw, type View } from "./ui";

/** Bumped by every navigation: a page that finishes loading after a newer one started is dropped. */
let navigation = 0;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;

function pageFor(parts: string[]): (() => Promise<View>) | undefined {
  const [section, id, family] = parts;
  if (section === undefined) return homePage;
  if (section === "orders" && id) return () => orderPage(id);
  if (section === "orders") return ordersPage;
  if (section === "events") return eventsPage;
  if (section === "uncertain" && id && family) return () => reconcilePage(id, family);
  if (section === "uncertain") return uncertainPage;
  if (section === "notifications") return notificationsPage;
  if (section === "mappings") return mappingsPage;
  if (section === "audit") return auditPage;
  return undefined;
}

function setChrome(loggedIn: boolean, section: string): void {
  const nav = document.getElementById("nav");
  const who = document.getElementById("who");
  if (nav) nav.hidden = !loggedIn;
  if (who) who.hidden = !loggedIn;
  for (const a of nav?.querySelectorAll("a") ?? []) {
    if ((a.getAttribute("href")?.slice(2) ?? "") === section) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

function render(view: View, moveFocus: boolean): void {
  const main = document.getElementById("main");
  if (!main) return;
  main.replaceChildren(...view.content.filter((node): node is Node => node !== null));
  main.removeAttribute("aria-busy");
  // Which navigation this content belongs to (what the browser tests wait for).
  main.dataset.shown = location.hash;
  document.title = `${view.title} · AX adapter console`;
  if (moveFocus) (view.focus ?? main).focus();
}

/** The operator is in the middle of something on the page: a refresh would throw it away. */
function busy(): boolean {
  const main = document.getElementById("main");
  const active = document.activeElement;
  const typing =
    active instanceof HTMLInputElement || active instanceof HTMLSelectElement || active instanceof HTMLTextAreaElement;
  return (typing && main?.contains(active) === true) || main?.querySelector(".confirm .danger") !== null;
}

async function route(options: { navigated: boolean } = { navigated: true }): Promise<void> {
  clearTimeout(refreshTimer);
  const current = ++navigation;
  if (options.navigated) clearStatus();
  const path = location.hash.replace(/^#/, "").split("?")[0] ?? "";
  let parts: string[];
  try {
    parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    parts = ["not-found"];
  }
  if (parts[0] === "parked") {
    // The parked events page became the events list (with the same filters).
    location.replace(`#/events${location.hash.includes("?") ? `?${location.hash.split("?")[1] ?? ""}` : ""}`);
    return;
  }
  if (!token.get() || parts[0] === "login") {
    setChrome(false, "");
    render(loginPage(), true);
    return;
  }
  setChrome(true, parts[0] ?? "");
  const page = pageFor(parts);
  if (!page) {
    render(
      { title: "Not found", content: [h("h1", {}, "Not found"), link("#/", "Back to what needs a person")] },
      true,
    );
    return;
  }
  document.getElementById("main")?.setAttribute("aria-busy", "true");
  let view: View;
  try {
    view = await page();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return; // the API helper went to the log-in page
    view = {
      title: "Could not load",
      content: [
        h("h1", {}, "This page could not be loaded"),
        h("p", { class: "error", role: "alert" }, errorText(error)),
        h("button", { type: "button", onclick: () => void route() }, "Try again"),
      ],
    };
  }
  if (current !== navigation) return; // a newer navigation started meanwhile: it wins
  render(view, options.navigated);
  if (view.refreshMs) scheduleRefresh(current, view.refreshMs);
}

/** Draws the page again in `ms`, or looks again later while the operator is using it or the tab is hidden. */
function scheduleRefresh(current: number, ms: number): void {
  refreshTimer = setTimeout(() => {
    if (current !== navigation) return;
    if (document.hidden || busy()) scheduleRefresh(current, ms);
    else void route({ navigated: false });
  }, ms);
}

function logOutButton(): void {
  const who = document.getElementById("who");
  if (!who) return;
  const button = h("button", { type: "button", class: "link" }, "Log out");
  button.addEventListener("click", () => {
    token.clear();
    location.hash = "#/login";
  });
  who.replaceChildren(button);
}

setRedraw(() => void route({ navigated: false }));
window.addEventListener("hashchange", () => void route());
logOutButton();
void route();
