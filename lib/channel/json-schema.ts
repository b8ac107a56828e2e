// The JSON Schema (draft 2020-12) of the channel's events, generated from the valibot schemas so the published
// contract cannot drift from the code. Rules JSON Schema cannot state (ticket count = quantity, unique ids across
// the order, a real calendar day, not blank) are enforced by the valibot schemas and described in `description`s.
import { toJsonSchema, type ConversionConfig, type JsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";
import { OrderCancelledEventSchema, OrderPlacedEventSchema } from "./schemas";

/** Actions with no JSON Schema keyword: they stay valibot-only. */
const VALIBOT_ONLY_ACTIONS = new Set(["check", "raw_check", "transform"]);

function numericRequirement(action: { type: string }): number | undefined {
  return "requirement" in action && typeof action.requirement === "number" ? action.requirement : undefined;
}

const config: ConversionConfig = {
  target: "draft-2020-12",
  // Every pipe here starts with an object guard (`custom`) before the object schema; "output" converts from the
  // last schema of each pipe. No transform changes a type, so input and output documents are the same.
  typeMode: "output",
  errorMode: "throw",
  overrideAction({ valibotAction, jsonSchema }) {
    const action: { type: string } = valibotAction;
    if (VALIBOT_ONLY_ACTIONS.has(action.type)) return jsonSchema;
    // JSON Schema counts characters as code points, like valibot's code point actions.
    const count = numericRequirement(action);
    if (action.type === "min_code_points" && count !== undefined) return { ...jsonSchema, minLength: count };
    if (action.type === "max_code_points" && count !== undefined) return { ...jsonSchema, maxLength: count };
    // `\p{…}` classes need the `u` flag, which JSON Schema patterns (ECMA-262, Unicode-aware) assume.
    if (action.type === "regex" && "requirement" in action && action.requirement instanceof RegExp) {
      if (action.requirement.flags === "u") return { ...jsonSchema, pattern: action.requirement.source };
    }
    return undefined;
  },
};

/**
 * A valibot schema as a JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) without `$schema`, to embed in a
 * larger document such as the OpenAPI description.
 */
export function embeddedJsonSchema(schema: v.GenericSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = toJsonSchema(schema, config);
  return rest;
}

function eventJsonSchema(schema: v.GenericSchema, title: string, description: string): JsonSchema {
  const { $schema, ...rest } = toJsonSchema(schema, config);
  return { $schema, title, description, ...rest };
}

export const orderPlacedJsonSchema: JsonSchema = eventJsonSchema(
  OrderPlacedEventSchema,
  "order.placed",
  "An order placed on the channel, sent as POST /webhooks/orders signed per Standard Webhooks v1. Unknown fields inside `data` are ignored.",
);

export const orderCancelledJsonSchema: JsonSchema = eventJsonSchema(
  OrderCancelledEventSchema,
  "order.cancelled",
  "A cancellation of a whole order (neither item_ids nor ticket_ids), of items, or of tickets. Unknown fields inside `data` are ignored.",
);

/** Both event schemas by event type. */
export const channelEventJsonSchemas = {
  "order.placed": orderPlacedJsonSchema,
  "order.cancelled": orderCancelledJsonSchema,
} as const;
