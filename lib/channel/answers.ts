// The answers of POST /webhooks/orders, as valibot schemas (the OpenAPI document is generated from them).
import * as v from "valibot";
import { errorAnswerSchema } from "../http/answer-schemas";

export const WebhookAcceptedSchema = v.pipe(
  v.object({ status: v.literal("accepted"), webhook_id: v.string() }),
  v.description("First delivery: the event is stored durably and will be applied, even if AX is down for days."),
);

export const WebhookDuplicateSchema = v.pipe(
  v.object({ status: v.literal("duplicate"), webhook_id: v.string() }),
  v.description("The same webhook-id with the same raw body was received before: nothing is done twice."),
);

export const ChannelEventIssueSchema = v.object({
  /** Dotted from the body's root (`data.items.0.quantity`); `""` for the body itself. */
  path: v.pipe(v.string(), v.description("Dotted path from the body's root, e.g. data.items.0.quantity.")),
  message: v.string(),
});

export const InvalidPayloadAnswerSchema = v.pipe(
  v.object({
    error: v.literal("invalid_payload"),
    message: v.string(),
    issues: v.pipe(v.array(ChannelEventIssueSchema), v.minLength(1)),
  }),
  v.description("JSON that breaks the schema or a rule of the contract: one issue per path."),
);

export const PayloadTooLargeAnswerSchema = errorAnswerSchema(
  "payload_too_large",
  "The body is larger than WEBHOOK_MAX_BYTES (256 KiB by default).",
);
export const InvalidSignatureAnswerSchema = errorAnswerSchema(
  "invalid_signature",
  "Missing or invalid signature, no matching secret, or a timestamp more than 5 minutes from now; the message names which.",
);
export const UnsupportedMediaTypeAnswerSchema = errorAnswerSchema(
  "unsupported_media_type",
  "The content type is not application/json.",
);
export const InvalidJsonAnswerSchema = errorAnswerSchema("invalid_json", "The body is not JSON.");
export const WebhookIdConflictAnswerSchema = errorAnswerSchema(
  "webhook_id_conflict",
  "This webhook-id was received before with a different body: a new event needs a new webhook-id.",
);
