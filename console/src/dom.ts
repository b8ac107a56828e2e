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

let clearTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * The status line, under the header (it pushes the page down, never covers a control): a success, cleared after a
 * few seconds or at the next navigation. Errors are shown where the action was (`inlineError`), not here.
 */
export function say(message: string): void {
  const status = document.getElementById("status");
  if (!status) return;
  clearTimeout(clearTimer);
  status.textContent = message;
  clearTimer = setTimeout(clearStatus, 8_000);
}

let next: string | undefined;

/** A message for the page the operator is being sent to (a navigation clears what was said before it). */
export function sayNext(message: string): void {
  next = message;
}

/** Clears the status line at a navigation, or shows what was said for the new page. */
export function clearStatus(): void {
  const status = document.getElementById("status");
  if (status) status.textContent = "";
  if (next !== undefined) say(next);
  next = undefined;
}

/** Shows an error right after `where` (a form, a button, a list), replacing the one shown there before. */
export function inlineError(where: Element, message: string): void {
  clearInlineError(where);
  const error = h("p", { class: "error inline-error", role: "alert" }, message);
  where.after(error);
}

export function clearInlineError(where: Element): void {
  const next = where.nextElementSibling;
  if (next?.classList.contains("inline-error")) next.remove();
}

export function field(label: string, input: HTMLElement, hint?: string): HTMLLabelElement {
  return h("label", { class: "field" }, h("span", {}, label), input, hint ? h("small", {}, hint) : null);
}

/** A table row whose cells carry their column's name (the narrow layout shows it beside each value). */
export function row(headers: readonly string[], cells: readonly Node[]): HTMLTableRowElement {
  return h(
    "tr",
    {},
    cells.map((cell, index) => h("td", { "data-label": headers[index] ?? "" }, cell)),
  );
}

export function table(headers: readonly string[], rows: readonly Node[][], caption?: string): HTMLElement {
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
      rows.map((cells) => row(headers, cells)),
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
