import { api, ApiError, token } from "../api";
import { field, h, inlineError, sayNext } from "../dom";
import { errorText, type View } from "../ui";

export function loginPage(): View {
  const input = h("input", { type: "password", name: "token", autocomplete: "off", required: true, id: "token" });
  const button = h("button", { type: "submit" }, "Log in");
  const form = h(
    "form",
    { class: "card narrow" },
    h("h1", {}, "Log in"),
    h("p", {}, "Paste your admin token. It is kept in this browser tab only, and forgotten when the tab closes."),
    field("Admin token", input),
    button,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    token.set(input.value.trim());
    api<{ name: string }>("GET", "/whoami", undefined, true).then(
      (who) => {
        sayNext(`Logged in as ${who.name}`);
        location.hash = "#/";
      },
      (error: unknown) => {
        token.clear();
        inlineError(
          button,
          error instanceof ApiError && error.status === 401 ? "That token is not valid." : errorText(error),
        );
        input.select();
      },
    );
  });
  return { title: "Log in", content: [form], focus: input };
}
