// The one schema of every text field an operator types (the console, the admin API, the CLI).
import * as v from "valibot";
import { unsafeTextProblem } from "../text-safety";

/**
 * Text an operator types: trimmed, 1 to `max` characters, and no control, escape, NUL, bidirectional or line
 * separator character (lib/text-safety.ts): such text could forge a line of the audit log or reorder what is shown.
 */
export const operatorText = (name: string, max: number) =>
  v.pipe(
    v.string(`${name} must be text`),
    v.trim(),
    v.minLength(1, `${name} is empty`),
    v.maxLength(max, `${name} is longer than ${max} characters`),
    v.check(
      (value) => unsafeTextProblem(value) === undefined,
      (issue) => `${name} ${unsafeTextProblem(issue.input) ?? "is not plain text"}`,
    ),
  );
