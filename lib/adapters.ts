// The adapters' builders, one module per service (lib/adapters/*), so that each function imports, and bundles, only
// its own. This module re-exports them all for the local tools and for code written before the split; a Lambda entry
// point (functions/*) imports the module it needs.
export { buildAxClient } from "./adapters/ax";
export { buildAdminStore } from "./adapters/admin-store";
export { buildStore } from "./adapters/dynamodb";
export { buildQueue, buildSqsClient } from "./adapters/sqs";
