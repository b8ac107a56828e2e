// Builds the OCTO API's adapters from the configuration (once per Lambda container), beside lib/adapters.ts so
// that the OCTO wiring stays in files of its own.
import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { buildStore } from "../adapters";
import { AxCatalogClient } from "../ax/catalog-client";
import { readOctoConfig, type AdapterConfig } from "../config";
import { systemClock, type Clock } from "../orders/ports";

import { CachedAxCatalog } from "./ax-catalog";
import { parseResellerKeys } from "./resellers";
import { OctoService } from "./service";
import { OctoMappingStore, type OctoStore } from "../store/octo-store";
import { octoConflicts, octoStoreOn } from "./expiry-build";

export { octoStoreOn };

/** The longest span of one availability or list request. */
export const OCTO_MAX_RANGE_DAYS = 93;

export function buildOctoMappingStore(
  config: AdapterConfig,
  clientConfig: DynamoDBClientConfig = {},
): OctoMappingStore {
  return new OctoMappingStore(buildStore(config, clientConfig).documentClient, config.tableName);
}

export function buildOctoStore(config: AdapterConfig, clientConfig: DynamoDBClientConfig = {}): OctoStore {
  return octoStoreOn(buildStore(config, clientConfig), config);
}

export function buildOctoService(
  config: AdapterConfig,
  clientConfig: DynamoDBClientConfig = {},
  clock: Clock = systemClock,
): OctoService {
  const octo = readOctoConfig(config.env);
  return new OctoService({
    store: buildOctoStore(config, clientConfig),
    mappings: buildOctoMappingStore(config, clientConfig),
    conflicts: octoConflicts,
    orders: buildStore(config, clientConfig),
    catalog: new CachedAxCatalog(buildAxCatalogClient(config), octo.cacheMs, clock),
    clock,
    settings: {
      supplier: {
        id: octo.supplierId,
        name: octo.supplierName,
        endpoint: octo.endpoint,
        website: octo.website,
        email: octo.email,
        telephone: octo.telephone,
        address: null,
      },
      contactFallback: { email: octo.email, phone: octo.telephone, callingCode: octo.callingCode },
      holdDefaultMinutes: octo.holdDefaultMinutes,
      holdMaxMinutes: octo.holdMaxMinutes,
      maxRangeDays: OCTO_MAX_RANGE_DAYS,
      mappingCacheMs: octo.cacheMs,
    },
  });
}

/** The resellers' keys, read (from SSM in AWS, cached 5 minutes) and parsed on each call. */
export const resellerKeys = (config: AdapterConfig) => async () =>
  parseResellerKeys(await config.secrets.get("OCTO_RESELLER_KEYS"));

/** AX's catalog client, with the AX settings and credentials of every AX client (lib/adapters.ts). */
function buildAxCatalogClient(config: AdapterConfig): AxCatalogClient {
  return new AxCatalogClient({
    baseUrl: config.axBaseUrl,
    timeoutMs: config.axTimeoutMs,
    credentials: async () => ({
      apiKey: await config.secrets.get("AX_API_KEY"),
      channelCode: await config.secrets.get("AX_CHANNEL_CODE"),
    }),
  });
}
