// A few DOM helpers instead of a framework: the console is a handful of forms and tables, rebuilt on each
// navigation, so a virtual DOM would add weight without removing code. Text is always set as text (never HTML).

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | ((event: Event) => void) | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** Replaces the content of the main region and moves the focus there (for keyboard and screen reader users). */
export function show(...children: (Child | Child[])[]): void {
  const main = document.getElementById("main");
  if (!main) return;
  main.replaceChildren(
    ...children
      .flat()
      .filter((c): c is Node | string => c !== null && c !== undefined && c !== false)
      .map((c) => (typeof c === "number" ? String(c) : c)),
  );
  main.focus();
}

export function say(message: string, kind: "ok" | "error" = "ok"): void {
  const status = document.getElementById("status");
  if (!status) return;
  status.className = kind;
  status.textContent = message;
}

export function field(label: string, input: HTMLElement, hint?: string): HTMLLabelElement {
  return h("label", { class: "field" }, h("span", {}, label), input, hint ? h("small", {}, hint) : null);
}

export function table(headers: string[], rows: Node[][], caption?: string): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty" }, "Nothing here.");
  return h(
    "table",
    {},
    caption ? h("caption", {}, caption) : null,
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        headers.map((header) => h("th", { scope: "col" }, header)),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((cells) =>
        h(
          "tr",
          {},
          cells.map((cell) => h("td", {}, cell)),
        ),
      ),
    ),
  );
}

export const text = (value: string | number | undefined) =>
  document.createTextNode(value === undefined ? "" : String(value));

export function badge(value: string): HTMLElement {
  return h("span", { class: `badge badge-${value.replace(/[^a-z_-]/gi, "")}` }, value);
}

export function time(iso: string | undefined): Node {
  if (!iso) return text("");
  const date = new Date(iso);
  return h("time", { datetime: iso, title: iso }, Number.isNaN(date.getTime()) ? iso : date.toLocaleString());
}

/** A button that asks for a second click before it acts (no modal dialog: keyboard and tests stay simple). */
export function confirmButton(label: string, question: string, action: () => Promise<void>): HTMLElement {
  const wrapper = h("span", { class: "confirm" });
  const ask = h("button", { type: "button" }, label);
  ask.addEventListener("click", () => {
    const yes = h("button", { type: "button", class: "danger" }, "Confirm");
    const no = h("button", { type: "button" }, "Cancel");
    const restore = () => {
      wrapper.replaceChildren(ask);
      ask.focus();
    };
    no.addEventListener("click", restore);
    yes.addEventListener("click", () => {
      yes.disabled = true;
      void action().finally(() => {
        if (wrapper.isConnected) restore();
      });
    });
    wrapper.replaceChildren(h("span", {}, question), yes, no);
    yes.focus();
  });
  wrapper.append(ask);
  return wrapper;
}
