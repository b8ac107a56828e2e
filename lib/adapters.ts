// Builds the adapters (DynamoDB, SQS, AX) from the configuration: called once per Lambda container.
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { fromEnv } from "@aws-sdk/credential-provider-env";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { AxClient, type AxCallInfo } from "./ax/client";
import { awsClientSettings } from "./aws-timeouts";
import type { AdapterConfig } from "./config";
import { SqsEventQueue } from "./queue/sqs-queue";
import { DynamoStore } from "./store/dynamo-store";
import { AdminDynamoStore } from "./store/admin-store";

/** `clientConfig` overrides the SDK's defaults (the local stack passes DynamoDB Local's endpoint and credentials). */
export function buildStore(config: AdapterConfig, clientConfig: DynamoDBClientConfig = {}): DynamoStore {
  const endpoint = config.dynamodbEndpoint;
  // A Lambda's credentials are in its environment (the bundles carry no other provider: serverless.yml `alias`).
  const client = new DynamoDBClient({
    credentials: fromEnv(),
    ...awsClientSettings(awsTimeouts(config)),
    ...(endpoint ? { endpoint } : {}),
    ...clientConfig,
  });
  return new DynamoStore(
    DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    config.tableName,
  );
}

export function buildSqsClient(config: AdapterConfig): SQSClient {
  return new SQSClient({ credentials: fromEnv(), ...awsClientSettings(awsTimeouts(config)) });
}

export function buildQueue(config: AdapterConfig): SqsEventQueue {
  return new SqsEventQueue(buildSqsClient(config), config.queueUrl);
}

const awsTimeouts = (config: AdapterConfig) => ({
  connectMs: config.awsConnectTimeoutMs,
  requestMs: config.awsRequestTimeoutMs,
});

/** `onCall` sees the endpoint, outcome and duration of every AX call (the Lambda's metrics). */
export function buildAxClient(config: AdapterConfig, onCall?: (info: AxCallInfo) => void): AxClient {
  return new AxClient({
    ...(onCall ? { onCall } : {}),
    baseUrl: config.axBaseUrl,
    timeoutMs: config.axTimeoutMs,
    credentials: async () => ({
      apiKey: await config.secrets.get("AX_API_KEY"),
      channelCode: await config.secrets.get("AX_CHANNEL_CODE"),
    }),
  });
}

/** The store with the admin API's queries (issue #13): the same table and client settings as `buildStore`. */
export function buildAdminStore(config: AdapterConfig, clientConfig: DynamoDBClientConfig = {}): AdminDynamoStore {
  const store = buildStore(config, clientConfig);
  return new AdminDynamoStore(store.documentClient, config.tableName);
}
