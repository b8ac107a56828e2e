// What the pages share: links, the outcome of an action, the hash's query, and "More" buttons for long lists.
import { query, type Page } from "./api";
import { h, say } from "./dom";

export const link = (href: string, label: string) => h("a", { href }, label);
export const orderLink = (orderId: string) => link(`#/orders/${encodeURIComponent(orderId)}`, orderId);
export const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Redraws the current page (set by the router). */
export let redraw: () => void = () => undefined;
export function setRedraw(fn: () => void): void {
  redraw = fn;
}

/** Runs an action, reports its outcome in the status line, and redraws the page. */
export async function act(action: () => Promise<{ message: string }>, then: () => void = redraw): Promise<void> {
  try {
    const result = await action();
    say(result.message);
    then();
  } catch (error) {
    say(errorText(error), "error");
  }
}

export function params(): URLSearchParams {
  return new URLSearchParams(location.hash.split("?")[1] ?? "");
}

export function setParams(path: string, values: Record<string, string>): void {
  location.hash = `${path}${query(values)}`;
}

/** A "More" button that appends the next page of a list. */
export function more<T>(
  next: string | undefined,
  load: (cursor: string) => Promise<Page<T>>,
  append: (items: T[]) => void,
) {
  if (!next) return null;
  const button = h("button", { type: "button", class: "more" }, "More");
  let cursor = next;
  button.addEventListener("click", () => {
    void load(cursor).then(
      (page) => {
        append(page.items);
        if (page.next_cursor) cursor = page.next_cursor;
        else button.remove();
      },
      (error: unknown) => {
        say(errorText(error), "error");
      },
    );
  });
  return button;
}

export function tbodyOf(element: HTMLElement): HTMLElement | null {
  return element.querySelector("tbody");
}
