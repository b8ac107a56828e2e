// A small imitation of Django REST Framework serializer validation, with DRF's Korean messages, so the sandbox
// answers an invalid body the way AX does: 400 with errors keyed by field, nested objects as objects, lists of
// objects as lists (`{}` for the valid items). Written apart from lib/ax/schemas on purpose: the sandbox checks the
// adapter's requests with rules of its own, not with the adapter's code.

export type ErrorTree = string[] | { [field: string]: ErrorTree } | ErrorTree[];

export const messages = {
  required: "이 필드는 필수 항목입니다.", // This field is required.
  null: "이 필드는 null일 수 없습니다.", // This field may not be null.
  blank: "이 필드는 blank일 수 없습니다.", // This field may not be blank.
  string: "올바른 문자열이 아닙니다.", // Not a valid string.
  integer: "유효한 정수(integer)를 넣어주세요.", // A valid integer is required.
  number: "유효한 숫자를 넣어주세요.", // A valid number is required.
  decimals: (places: number) => `소수점 자릿수가 ${places} 이하인지 확인하십시오.`,
  minValue: (min: number) => `이 값이 ${min}보다 크거나 같은지 확인하십시오.`,
  boolean: (input: unknown) => `"${String(input)}"이 유효하지 않은 부울(boolean)입니다.`,
  choice: (input: unknown) => `"${String(input)}"이 유효하지 않은 선택(choice)입니다.`,
  datetime: "Datetime의 포멧이 잘못되었습니다. 이 형식들 중 한가지를 사용하세요: YYYY-MM-DDThh:mm[:ss[.uuuuuu]]Z.",
  list: (type: string) => `아이템 리스트가 예상되었으나 "${type}"를 받았습니다.`,
  emptyList: "이 리스트는 비워 둘 수 없습니다.", // This list may not be empty.
  object: (type: string) => `유효하지 않은 데이터. 딕셔너리(dictionary)대신 ${type}를 받았습니다.`,
  dict: (type: string) => `아이템 딕셔너리가 예상되었으나 "${type}" 타입을 받았습니다.`,
};

type Common = { optional?: boolean };
export type Field =
  | (Common & { type: "string"; allowBlank?: boolean; choices?: readonly string[] })
  | (Common & { type: "money" })
  | (Common & { type: "datetime" })
  | (Common & { type: "integer"; min?: number })
  | (Common & { type: "boolean" })
  | (Common & { type: "dict" })
  | (Common & {
      type: "object";
      fields: Record<string, Field>;
      /** Object-level rules, run only when every field is valid (DRF's `validate()`). */
      check?: (value: Record<string, unknown>) => Record<string, string[]> | undefined;
    })
  | (Common & { type: "list"; of: Field; allowEmpty?: boolean });

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Python's name of a JSON value's type, as DRF prints it. */
function pythonType(value: unknown): string {
  if (value === null) return "NoneType";
  if (Array.isArray(value)) return "list";
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  return "dict";
}

const moneyPattern = /^\d+(\.\d+)?$/;
const datetimePattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?Z$/;

function isDatetime(text: string): boolean {
  const match = datetimePattern.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match
    .slice(1)
    .map((part: string | undefined) => (part === undefined ? 0 : Number(part)));
  const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second));
  return (
    date.getUTCMonth() === (month ?? 1) - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  );
}

/** The errors of one value against its field, or undefined when it is valid. */
export function validate(value: unknown, field: Field): ErrorTree | undefined {
  if (value === null) return [messages.null];
  switch (field.type) {
    case "string":
      if (typeof value !== "string") return [messages.string];
      if (value.trim() === "" && !field.allowBlank) return [messages.blank];
      if (field.choices && !field.choices.includes(value)) return [messages.choice(value)];
      return undefined;
    case "money": {
      if (typeof value !== "string") return [messages.string];
      if (!moneyPattern.test(value)) return [messages.number];
      const decimals = value.split(".")[1]?.length ?? 0;
      return decimals > 5 ? [messages.decimals(5)] : undefined;
    }
    case "datetime":
      return typeof value === "string" && isDatetime(value) ? undefined : [messages.datetime];
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) return [messages.integer];
      return field.min !== undefined && value < field.min ? [messages.minValue(field.min)] : undefined;
    case "boolean":
      return typeof value === "boolean" ? undefined : [messages.boolean(value)];
    case "dict":
      return isObject(value) ? undefined : [messages.dict(pythonType(value))];
    case "object":
      return validateObject(value, field);
    case "list": {
      if (!Array.isArray(value)) return [messages.list(pythonType(value))];
      if (value.length === 0 && !field.allowEmpty) return [messages.emptyList];
      const items = value.map((item: unknown) => validate(item, field.of));
      if (items.every((item) => item === undefined)) return undefined;
      return items.map((item) => item ?? {});
    }
  }
}

function validateObject(
  value: unknown,
  field: Extract<Field, { type: "object" }>,
): { [field: string]: ErrorTree } | undefined {
  if (!isObject(value)) return { non_field_errors: [messages.object(pythonType(value))] };
  const errors: Record<string, ErrorTree> = {};
  for (const [name, child] of Object.entries(field.fields)) {
    const childValue = value[name];
    if (childValue === undefined) {
      if (!child.optional) errors[name] = [messages.required];
      continue;
    }
    const childErrors = validate(childValue, child);
    if (childErrors) errors[name] = childErrors;
  }
  if (Object.keys(errors).length === 0 && field.check) Object.assign(errors, field.check(value));
  return Object.keys(errors).length > 0 ? errors : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// AX's bodies

const text: Field = { type: "string" };
const optionalText: Field = { type: "string", optional: true, allowBlank: true };
const optionalDict: Field = { type: "dict", optional: true };

const person = {
  name: text,
  national_code: text,
  phone: text,
  email: text,
  additional: optionalDict,
  extra: optionalText,
};

const ticket: Field = { type: "object", fields: { channel_code: text, ...person } };

const option: Field = {
  type: "object",
  fields: {
    channel_product_mapping_code: text,
    option_code: text,
    quantity: { type: "integer", min: 1 },
    inventory_at: { type: "datetime" },
    unit_selling_price: { type: "money" },
    discount: { type: "money", optional: true },
    discount_method: optionalText,
    amount_price: { type: "money" },
    tickets: { type: "list", of: ticket },
  },
  check: (value) => {
    const tickets = value.tickets as unknown[];
    return tickets.length === value.quantity
      ? undefined
      : { tickets: [`티켓 수(${tickets.length})가 quantity(${String(value.quantity)})와 같아야 합니다.`] };
  },
};

const order: Field = {
  type: "object",
  fields: {
    channel_order_id: text,
    channel_order_code: text,
    purchased_at: { type: "datetime" },
    purchase_requested_at: { type: "datetime", optional: true },
    reserved_at: { type: "datetime", optional: true },
    reservation_requested_at: { type: "datetime", optional: true },
    sub_total: { type: "money" },
    discount_method: optionalText,
    discount: { type: "money", optional: true },
    total: { type: "money" },
    status: { type: "string", choices: ["New"] },
    is_voucher: { type: "boolean" },
    comment: optionalText,
    currency: { type: "string", choices: ["KRW", "USD"] },
  },
  check: (value) =>
    value.channel_order_id === value.channel_order_code
      ? undefined
      : { channel_order_code: ["channel_order_id와 같아야 합니다."] },
};

export const createOrderBody: Field = {
  type: "object",
  fields: {
    options: { type: "list", of: option },
    order,
    purchaser: {
      type: "object",
      fields: {
        is_required_more_information: { type: "boolean" },
        ...person,
        extra: { type: "string", allowBlank: true },
      },
    },
    representative: { type: "object", fields: person },
  },
};

export const fullCancelBody: Field = {
  type: "object",
  fields: {
    channel_status: { type: "string", choices: ["New", "Traveler cancel", "Unavoidable cancel"] },
    comment: optionalText,
  },
};

export const ticketCancelBody: Field = {
  type: "object",
  fields: {
    status: { type: "string", choices: ["Traveler canceled"] },
    comment: optionalText,
  },
};
