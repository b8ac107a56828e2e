// Builds the OCTO API's adapters from the configuration (once per Lambda container), beside lib/adapters.ts so
// that the OCTO wiring stays in files of its own.
import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { buildAxClient, buildStore } from "../adapters";
import type { AdapterConfig } from "../config";
import { systemClock, type Clock } from "../orders/ports";

import { CachedAxCatalog } from "./ax-catalog";
import { parseResellerKeys } from "./resellers";
import { OctoService } from "./service";
import type { OctoStore } from "../store/octo-store";
import { octoConflicts, octoStoreOn } from "./expiry-build";

export { octoStoreOn };

/** The longest span of one availability or list request. */
export const OCTO_MAX_RANGE_DAYS = 93;

export function buildOctoStore(config: AdapterConfig, clientConfig: DynamoDBClientConfig = {}): OctoStore {
  return octoStoreOn(buildStore(config, clientConfig), config);
}

export function buildOctoService(
  config: AdapterConfig,
  clientConfig: DynamoDBClientConfig = {},
  clock: Clock = systemClock,
): OctoService {
  const octo = config.octo;
  return new OctoService({
    store: buildOctoStore(config, clientConfig),
    conflicts: octoConflicts,
    orders: buildStore(config, clientConfig),
    catalog: new CachedAxCatalog(buildAxClient(config), octo.cacheMs, clock),
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
