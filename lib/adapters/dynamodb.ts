// The order store built from the configuration: once per Lambda container. Only the functions that touch the table
// import this module (the admin API's store is in ./admin-store.ts, so that no other function bundles it).
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { fromEnv } from "@aws-sdk/credential-provider-env";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { awsClientSettings } from "../aws-timeouts";
import type { AdapterConfig } from "../config";
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
    config.syncSchedule,
  );
}
