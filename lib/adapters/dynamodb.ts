// The DynamoDB adapters (the order store and the admin API's store) built from the configuration: once per Lambda
// container. Only the functions that touch the table import this module.
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { fromEnv } from "@aws-sdk/credential-provider-env";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { awsClientSettings } from "../aws-timeouts";
import type { AdapterConfig } from "../config";
import { AdminDynamoStore } from "../store/admin-store";
import { DynamoStore } from "../store/dynamo-store";
import { awsTimeouts } from "./aws";

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

/** The store with the admin API's queries (issue #13): the same table and client settings as `buildStore`. */
export function buildAdminStore(config: AdapterConfig, clientConfig: DynamoDBClientConfig = {}): AdminDynamoStore {
  const store = buildStore(config, clientConfig);
  return new AdminDynamoStore(store.documentClient, config.tableName);
}
