// Text an operator types is stored and printed again (the audit log, the CLI, the console): it must not be able to
// start a new line, move the cursor, recolour a terminal or reorder what is shown around it. Such characters are
// refused where text comes in, and shown escaped wherever text goes out (entries written before this was checked).
// No Node or DOM dependency: the console bundles this file too.

/**
 * Control characters (C0 with NUL, newline and escape; DEL; C1), the bidirectional controls (embeddings, overrides,
 * isolates, the implicit marks) and the Unicode line and paragraph separators.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "gu");

const NAMES: Record<string, string> = {
  "\u0000": "NUL",
  "\n": "a line break",
  "\r": "a carriage return",
  "\t": "a tab",
  "\u001B": "an escape character",
};

/** Why this text may not be stored, or undefined when it may. */
export function unsafeTextProblem(value: string): string | undefined {
  const found = UNSAFE.exec(value);
  if (!found) return undefined;
  const char = found[0];
  const code = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
  const kind =
    NAMES[char] ??
    (/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u.test(char)
      ? "a bidirectional control"
      : /[\u2028\u2029]/u.test(char)
        ? "a line separator"
        : "a control character");
  return `must not contain ${kind} (${code}, at character ${Array.from(value.slice(0, found.index)).length + 1})`;
}

/** The text with every unsafe character shown as `\u{…}`, so it prints on one line, in order, uncoloured. */
export function escapeText(value: string): string {
  return value.replace(UNSAFE_ALL, (char) => `\\u{${(char.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`);
}

/** What JSON.stringify leaves raw in strings (it escapes C0 itself; its own line breaks are layout). */
const UNSAFE_IN_JSON = /[\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/gu;

/** JSON text (indented) whose strings hold no raw unsafe character: each is written as a `\uXXXX` escape. */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    UNSAFE_IN_JSON,
    (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
  );
}
