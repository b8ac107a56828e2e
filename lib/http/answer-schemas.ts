// The JSON answers every HTTP route shares, as valibot schemas: the OpenAPI document (lib/openapi) is generated
// from them, and the end-to-end test checks the real answers against that document.
import * as v from "valibot";

/** Every 4xx/5xx body: a stable code for programs, a sentence for people (never a stack trace). */
export function errorAnswerSchema<const Code extends string>(code: Code, description: string) {
  return v.pipe(v.object({ error: v.literal(code), message: v.string() }), v.description(description));
}

export const HealthAnswerSchema = v.pipe(
  v.object({ status: v.literal("ok") }),
  v.description("The function runs and the stack takes webhooks."),
);

/** The 503 every route answers when a dependency (DynamoDB, SQS, SSM) failed; the detail is only logged. */
export const UnavailableAnswerSchema = errorAnswerSchema(
  "unavailable",
  "The adapter could not take the request (a dependency failed); nothing was acknowledged: retry.",
);
