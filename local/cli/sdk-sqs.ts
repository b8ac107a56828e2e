// The SQS operations of lib/aws/sqs-api.ts through the AWS SDK's client, for the CLI: run on a person's machine, it
// takes the SDK's whole credential chain (profiles, SSO), which the Lambdas' signed requests do without.
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import type { SqsApi } from "../../lib/aws/sqs-api";

export function sdkSqsApi(client: SQSClient = new SQSClient({})): SqsApi {
  // The inputs are the API's own shapes, as lib/ code builds them; SQS checks them.
  return (operation, input) => {
    const given = input as never;
    switch (operation) {
      case "SendMessageBatch":
        return client.send(new SendMessageBatchCommand(given));
      case "ChangeMessageVisibility":
        return client.send(new ChangeMessageVisibilityCommand(given));
      case "GetQueueAttributes":
        return client.send(new GetQueueAttributesCommand(given));
      case "ReceiveMessage":
        return client.send(new ReceiveMessageCommand(given));
      case "StartMessageMoveTask":
        return client.send(new StartMessageMoveTaskCommand(given));
    }
  };
}
