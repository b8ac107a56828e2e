// The admin API's store (issue #13), built from the configuration: the same table and client settings as the order
// store. Only the admin API imports this module.
import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import type { AdapterConfig } from "../config";
import { AdminDynamoStore } from "../store/admin-store";
import { buildStore } from "./dynamodb";

export function buildAdminStore(config: AdapterConfig, clientConfig: DynamoDBClientConfig = {}): AdminDynamoStore {
  const store = buildStore(config, clientConfig);
  return new AdminDynamoStore(store.documentClient, config.tableName, config.syncSchedule);
}
