// The SQS adapters (the FIFO queue's sender) built from the configuration. Only the functions that send to the queue
// import this module.
import { SQSClient } from "@aws-sdk/client-sqs";
import { fromEnv } from "@aws-sdk/credential-provider-env";
import { awsClientSettings } from "../aws-timeouts";
import type { AdapterConfig } from "../config";
import { SqsEventQueue } from "../queue/sqs-queue";
import { awsTimeouts } from "./aws";

export function buildSqsClient(config: AdapterConfig): SQSClient {
  return new SQSClient({ credentials: fromEnv(), ...awsClientSettings(awsTimeouts(config)) });
}

export function buildQueue(config: AdapterConfig): SqsEventQueue {
  return new SqsEventQueue(buildSqsClient(config), config.queueUrl);
}
