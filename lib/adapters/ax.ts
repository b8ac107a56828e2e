// The AX client built from the configuration (its credentials read from the secrets when a call needs them). Only
// the functions that call AX import this module.
import { AxClient, type AxCallInfo } from "../ax/client";
import type { AdapterConfig } from "../config";

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
