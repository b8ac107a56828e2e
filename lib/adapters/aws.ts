// What every AWS adapter takes from the configuration.
import type { AwsTimeouts } from "../aws-timeouts";
import type { AdapterConfig } from "../config";

export const awsTimeouts = (config: AdapterConfig): AwsTimeouts => ({
  connectMs: config.awsConnectTimeoutMs,
  requestMs: config.awsRequestTimeoutMs,
});
