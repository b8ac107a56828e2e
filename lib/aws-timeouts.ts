// Timeouts for every AWS SDK client: without them a stalled DynamoDB (or SQS, or SSM) holds a request until the
// Lambda's own timeout, and a webhook's sender until it gives up. With them a call fails within seconds, is answered
// 503 (the sender retries) or retried by the queue.
export interface AwsTimeouts {
  connectMs: number;
  /** Per attempt: the socket may be idle this long before the attempt fails. */
  requestMs: number;
}

/** One retry after a timeout or a throttle: two attempts at most, so a call gives up after about 2 × requestMs. */
export function awsClientSettings(timeouts: AwsTimeouts): {
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
  maxAttempts: number;
} {
  return {
    // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes, and keeps waiting.
    requestHandler: {
      connectionTimeout: timeouts.connectMs,
      requestTimeout: timeouts.requestMs,
      throwOnRequestTimeout: true,
    },
    maxAttempts: 2,
  };
}
