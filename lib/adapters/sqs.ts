// The SQS adapters (the FIFO queue's sender, the retries' backoff, the dead-letter queue) built from the
// configuration, over signed requests of SQS's JSON protocol (no SQS client in the bundles). Only the functions that
// use the queue import this module.
import { awsJsonService } from "../aws/json-request";
import type { SqsApi } from "../aws/sqs-api";
import type { AdapterConfig } from "../config";
import { SqsEventQueue } from "../queue/sqs-queue";

/** SQS in the stage's region (AWS_ENDPOINT_URL_SQS points elsewhere), with the AWS clients' timeouts. */
export function buildSqsClient(config: AdapterConfig): SqsApi {
  const endpoint = config.sqsEndpoint;
  return awsJsonService({
    service: "sqs",
    targetPrefix: "AmazonSQS",
    jsonVersion: "1.0",
    region: config.awsRegion,
    ...(endpoint ? { endpoint } : {}),
    connectTimeoutMs: config.awsConnectTimeoutMs,
    requestTimeoutMs: config.awsRequestTimeoutMs,
  });
}

export function buildQueue(config: AdapterConfig): SqsEventQueue {
  return new SqsEventQueue(buildSqsClient(config), config.queueUrl);
}
