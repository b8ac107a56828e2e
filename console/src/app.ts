// The operators' console: hash routes, one file per page (console/src/pages), each reading and acting through the
// admin API.
import { token } from "./api";
import { h, show } from "./dom";
import { auditPage } from "./pages/audit";
import { homePage } from "./pages/home";
import { loginPage } from "./pages/login";
import { mappingsPage } from "./pages/mappings";
import { notificationsPage } from "./pages/notifications";
import { orderPage } from "./pages/order";
import { ordersPage } from "./pages/orders";
import { parkedPage } from "./pages/parked";
import { reconcilePage, uncertainPage } from "./pages/uncertain";
import { errorText, link, setRedraw } from "./ui";

function route(): void {
  const path = location.hash.replace(/^#/, "").split("?")[0] ?? "";
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const nav = document.getElementById("nav");
  if (!token.get() || parts[0] === "login") {
    if (nav) nav.hidden = true;
    loginPage();
    return;
  }
  if (nav) {
    nav.hidden = false;
    for (const a of nav.querySelectorAll("a")) {
      const target = a.getAttribute("href")?.slice(2) ?? "";
      if ((parts[0] ?? "") === target) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
  }
  const [section, id, family] = parts;
  let page: Promise<void>;
  if (section === undefined) page = homePage();
  else if (section === "orders" && id) page = orderPage(id);
  else if (section === "orders") page = ordersPage();
  else if (section === "parked") page = parkedPage();
  else if (section === "uncertain" && id && family) page = reconcilePage(id, family);
  else if (section === "uncertain") page = uncertainPage();
  else if (section === "notifications") page = notificationsPage();
  else if (section === "mappings") page = mappingsPage();
  else if (section === "audit") page = auditPage();
  else {
    show(h("h1", {}, "Not found"), link("#/", "Back to what needs a person"));
    return;
  }
  page.catch((error: unknown) => {
    show(h("h1", {}, "Something went wrong"), h("p", { class: "error" }, errorText(error)));
  });
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

setRedraw(route);
window.addEventListener("hashchange", route);
logOutButton();
route();
