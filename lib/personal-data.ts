// Travelers' personal data masked wherever text that may hold it leaves for a reader: the order's attempt log (AX's
// requests and answers), and AX's error messages, which become log lines and parked events' reasons. A name can be
// told only by the key it sits under; an e-mail address or a phone number also by its form, under any key.

const PERSON_KEYS = /^(name|english_name|representative_name)$/i;
const EMAIL_KEYS = /email/i;
const PHONE_KEYS = /phone|mobile|tel/i;
const FREE_TEXT_KEYS = /^(extra|note|comment|memo|additional)$/i;

const dots = (length: number) => "•".repeat(Math.max(1, Math.min(length, 8)));

/** "Kim Minji" → "K•• M••••": enough to tell two travelers apart, not enough to name one. */
function maskName(value: string): string {
  return value
    .split(/(\s+)/)
    .map((word) => (/^\s+$/.test(word) ? word : `${Array.from(word)[0] ?? ""}${dots(Array.from(word).length - 1)}`))
    .join("");
}

/** "minji@example.com" → "m••••@example.com". */
function maskEmail(value: string): string {
  const at = value.lastIndexOf("@");
  if (at < 1) return dots(value.length);
  return `${value[0] ?? ""}${dots(at - 1)}${value.slice(at)}`;
}

/** "01012345678" → "•••••••5678". */
const maskPhone = (value: string) => `${dots(value.length - 4)}${value.slice(-4)}`;

/**
 * Text of any origin with e-mail addresses and phone numbers masked. A phone number is nine or more digits, maybe
 * split by single spaces or dashes, standing alone: a date (eight digits), a UUID's or a code's digit groups (joined
 * to letters or dashes) are not one.
 */
export function maskText(text: string): string {
  return text
    .replace(/[^\s"'<>@]+@[^\s"'<>@]+\.[A-Za-z]{2,}/g, (email) => maskEmail(email))
    .replace(/(?<![\w-])\+?\d(?:[ -]?\d){8,}(?![\w-])/g, (digits) => maskPhone(digits.replace(/\D/g, "")));
}

/** Whether a field of this name holds a person's name, contact or free text (the last segment of a dotted path). */
export function isPersonalField(path: string): boolean {
  const key = path.split(".").pop() ?? "";
  return PERSON_KEYS.test(key) || EMAIL_KEYS.test(key) || PHONE_KEYS.test(key) || FREE_TEXT_KEYS.test(key);
}

function maskString(key: string, value: string): string {
  if (EMAIL_KEYS.test(key)) return maskEmail(value);
  if (PHONE_KEYS.test(key)) return maskPhone(value);
  if (PERSON_KEYS.test(key)) return maskName(value);
  if (FREE_TEXT_KEYS.test(key)) return value === "" ? "" : `[${Array.from(value).length} characters]`;
  return maskText(value);
}

/**
 * A JSON value with every name, e-mail, phone and free text masked (by its key), and every e-mail address and phone
 * number under any other key masked by its form; the rest as it is.
 */
export function maskPersonalData(value: unknown, key = ""): unknown {
  if (typeof value === "string") return maskString(key, value);
  if (Array.isArray(value)) return value.map((entry) => maskPersonalData(entry, key));
  if (value && typeof value === "object") {
    // Free text held as an object (the channel's `additional`): every value of it is masked.
    if (FREE_TEXT_KEYS.test(key)) return Object.fromEntries(Object.keys(value).map((name) => [name, "[masked]"]));
    return Object.fromEntries(Object.entries(value).map(([name, entry]) => [name, maskPersonalData(entry, name)]));
  }
  return value;
}

/**
 * AX's message about a field of a request, fit for a log line: a message about a personal field that is not one of
 * AX's sentences ("This field is required.") may be the value itself, echoed, and is told by its length only; any
 * other has its e-mail addresses and phone numbers masked.
 */
export function maskFieldMessage(field: string, message: string): string {
  const sentence = /^[^"'@]*[.!]$/.test(message.trim()) && message.trim().split(/\s+/).length >= 3;
  if (isPersonalField(field) && !sentence) return `[${Array.from(message).length} characters]`;
  return maskText(message);
}
