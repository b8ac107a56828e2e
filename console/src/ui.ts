// What the pages share: what a page gives the router, links, the outcome of an action, the hash's query, and lists
// that page to their end.
import { query, type Page } from "./api";
import { clearInlineError, h, inlineError, row, say, sayNext, table } from "./dom";

/** What a page hands the router to show. */
export interface View {
  title: string;
  content: (Node | null)[];
  /** Where the keyboard focus goes after a navigation (default: the page itself). */
  focus?: HTMLElement;
  /** Shown again on its own this often (the home page), unless the operator is in the middle of something. */
  refreshMs?: number;
}

export const link = (href: string, label: string) => h("a", { href }, label);
export const orderLink = (orderId: string) => link(`#/orders/${encodeURIComponent(orderId)}`, orderId);
export const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Redraws the current page (set by the router). */
export let redraw: () => void = () => undefined;
export function setRedraw(fn: () => void): void {
  redraw = fn;
}

/**
 * Runs an action started from `where` (its button, its form): its success in the status line, then the page is
 * drawn again (or `navigateTo` is opened); its failure right after `where`, where the operator acted.
 */
export async function act(
  where: Element,
  action: () => Promise<{ message: string }>,
  after: { navigateTo?: string; redraw?: boolean } = {},
): Promise<void> {
  clearInlineError(where);
  try {
    const result = await action();
    if (after.navigateTo !== undefined) {
      sayNext(result.message);
      location.hash = after.navigateTo;
      return;
    }
    say(result.message);
    if (after.redraw !== false) redraw();
  } catch (error) {
    if (where.isConnected) inlineError(where, errorText(error));
  }
}

export function params(): URLSearchParams {
  return new URLSearchParams(location.hash.split("?")[1] ?? "");
}

export function setParams(path: string, values: Record<string, string>): void {
  location.hash = `${path}${query(values)}`;
}

/** A date input's day as the start or the end of that day in UTC (the API takes instants). */
export const dayStart = (day: string | null) => (day ? `${day}T00:00:00.000Z` : undefined);
export const dayEnd = (day: string | null) => (day ? `${day}T23:59:59.999Z` : undefined);

/** A "More" button that loads the next page and hands its items over, until the list's end (then it goes). */
function moreButton<T>(
  next: string | undefined,
  load: (cursor: string) => Promise<Page<T>>,
  append: (items: T[]) => void,
): HTMLButtonElement | null {
  if (!next) return null;
  const button = h("button", { type: "button", class: "more" }, "More");
  let cursor = next;
  button.addEventListener("click", () => {
    button.disabled = true;
    void act(
      button,
      async () => {
        const page = await load(cursor);
        append(page.items);
        if (page.next_cursor) cursor = page.next_cursor;
        else button.remove();
        return { message: `${page.items.length} more shown` };
      },
      { redraw: false },
    ).finally(() => {
      button.disabled = false;
    });
  });
  return button;
}

/**
 * A list that pages to its end: the first page as a table, then "More" for each next page (every list of the
 * console uses it or `pagedSections`, so none stops at its first page).
 */
export function pagedTable<T>(
  headers: readonly string[],
  first: Page<T>,
  load: (cursor: string) => Promise<Page<T>>,
  cells: (item: T) => Node[],
): HTMLElement {
  const wrapper = h("div", { class: "paged" }, table(headers, first.items.map(cells)));
  const more = moreButton(first.next_cursor, load, (items) => {
    const body = wrapper.querySelector("tbody");
    if (body) body.append(...items.map((item) => row(headers, cells(item))));
    else if (items.length > 0) wrapper.firstElementChild?.replaceWith(table(headers, items.map(cells)));
  });
  if (more) wrapper.append(more);
  return wrapper;
}

/** Sections (cards, not table rows) that page to their end: the dead notifications. */
export function pagedSections<T>(
  first: Page<T>,
  load: (cursor: string) => Promise<Page<T>>,
  section: (item: T) => HTMLElement,
): HTMLElement {
  const wrapper = h(
    "div",
    { class: "paged" },
    first.items.length === 0 ? h("p", { class: "empty" }, "Nothing here.") : first.items.map(section),
  );
  const more = moreButton(first.next_cursor, load, (items) => {
    more?.before(...items.map(section));
  });
  if (more) wrapper.append(more);
  return wrapper;
}
