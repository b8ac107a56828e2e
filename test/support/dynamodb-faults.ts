// DynamoDB failing on purpose, as the deployed stage meets it: a client with the deployed timeouts (scaled down) and
// a middleware that makes chosen requests fail the way DynamoDB fails them (a throttle, a conflicting transaction,
// a 5xx), before they reach DynamoDB Local or after they landed there (the answer lost: a timeout).
import {
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { awsClientSettings } from "../../lib/aws-timeouts";
import { DynamoStore } from "../../lib/store/dynamo-store";
import { localClientConfig } from "../../local/dynamodb/emulator";

export type DynamoFault = "throttle" | "transaction_conflict" | "server_error" | "timeout_after_landing";

/** Decides, for each request (its command name and input), whether it fails and how. */
export type FaultRule = (command: string, input: Record<string, unknown>) => DynamoFault | undefined;

const metadata = { httpStatusCode: 400, requestId: "injected", attempts: 1, totalRetryDelay: 0 };

function faultError(fault: Exclude<DynamoFault, "timeout_after_landing">): Error {
  switch (fault) {
    case "throttle":
      return new ProvisionedThroughputExceededException({
        message: "The level of configured provisioned throughput for the table was exceeded (injected)",
        $metadata: metadata,
      });
    case "transaction_conflict":
      return new TransactionCanceledException({
        message:
          "Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]",
        $metadata: metadata,
        CancellationReasons: [{ Code: "None" }, { Code: "TransactionConflict", Message: "Transaction is ongoing" }],
      });
    case "server_error":
      return new InternalServerError({
        message: "Internal server error (injected)",
        $metadata: { ...metadata, httpStatusCode: 500 },
      });
  }
}

/** A timeout as the SDK's node handler reports it (the answer did not come within requestTimeout). */
function timeoutError(): Error {
  const error = new Error("Connection timed out after 300 ms (injected, after the write landed)");
  error.name = "TimeoutError";
  return error;
}

/** A store on `endpoint` whose requests meet `rule`'s faults; `requestMs` is the SDK's per-attempt timeout. */
export function faultyStore(
  endpoint: string,
  tableName: string,
  rule: FaultRule,
  requestMs = 2_000,
): { store: DynamoStore; faults: () => number } {
  const client = new DynamoDBClient({
    ...localClientConfig(endpoint),
    ...awsClientSettings({ connectMs: 1_000, requestMs }),
  });
  let injected = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const fault = rule(context.commandName ?? "", args.input as Record<string, unknown>);
      if (fault) injected++;
      if (fault && fault !== "timeout_after_landing") throw faultError(fault);
      const result = await next(args);
      if (fault === "timeout_after_landing") throw timeoutError();
      return result;
    },
    { step: "initialize", name: "injectedDynamoFaults" },
  );
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { store: new DynamoStore(doc, tableName), faults: () => injected };
}

/** Whether a TransactWriteItems or PutItem writes an order item whose create calls include one in `state`. */
export function writesCallIn(command: string, input: Record<string, unknown>, state: string): boolean {
  const items =
    command === "TransactWriteItemsCommand"
      ? ((input.TransactItems as { Put?: { Item?: Record<string, unknown> } }[] | undefined) ?? []).map(
          (entry) => entry.Put?.Item,
        )
      : command === "PutItemCommand"
        ? [input.Item as Record<string, unknown> | undefined]
        : [];
  return items.some((item) => {
    // The ORDER item keeps the order's record in `record` (lib/store/dynamo-store.ts).
    const record = (item?.record ?? {}) as { create_calls?: Record<string, { state?: string }> };
    return item?.sk === "ORDER" && Object.values(record.create_calls ?? {}).some((call) => call.state === state);
  });
}
