// Imported first by the soak and the fuzzer: the adapter's own logs (retries are expected there) would drown their summaries.
process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";
