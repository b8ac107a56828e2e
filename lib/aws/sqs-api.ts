// The few SQS operations the adapter makes, over SQS's JSON protocol (lib/aws/json-request.ts) in AWS; the local
// CLI, run with a person's credentials, passes the SDK client instead (local/cli/target.ts).
/** The SQS operations used: the FIFO sender, the retries' backoff, the operators' dead-letter queue. */
export type SqsOperation =
  "SendMessageBatch" | "ChangeMessageVisibility" | "GetQueueAttributes" | "ReceiveMessage" | "StartMessageMoveTask";

/** Sends one SQS operation with its input (the API's own field names) and answers its output (an AwsJsonCall). */
export type SqsApi = (operation: SqsOperation, input: Record<string, unknown>) => Promise<unknown>;
