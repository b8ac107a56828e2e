import { api, ApiError, token } from "../api";
import { field, h, say, show } from "../dom";
import { errorText } from "../ui";

export function loginPage(): void {
  const input = h("input", { type: "password", name: "token", autocomplete: "off", required: true, id: "token" });
  const form = h(
    "form",
    { class: "card narrow" },
    h("h1", {}, "Log in"),
    h("p", {}, "Paste your admin token. It is kept in this browser tab only, and forgotten when the tab closes."),
    field("Admin token", input),
    h("button", { type: "submit" }, "Log in"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    token.set(input.value.trim());
    api<{ name: string }>("GET", "/whoami").then(
      (who) => {
        say(`Logged in as ${who.name}`);
        location.hash = "#/";
      },
      (error: unknown) => {
        token.clear();
        say(error instanceof ApiError && error.status === 401 ? "That token is not valid." : errorText(error), "error");
      },
    );
  });
  show(form);
  input.focus();
}
