// Secrets at run time. In AWS each secret setting names an SSM Parameter Store SecureString (`<NAME>_PARAM`),
// read with decryption and cached for a few minutes, so a rotated value is picked up without a redeploy.
// Locally the plain `<NAME>` variable holds the value. (Powertools Parameters would do the same, but it
// wraps the SSM client, the 76 KB this avoids: lib/ssm-parameter.ts signs the one call itself.)
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { ConfigError } from "./config-error";
import { ssmParameterReader, type ParameterReader } from "./ssm-parameter";

export type SecretName =
  | "WEBHOOK_SECRET"
  | "ADMIN_TOKEN"
  /** The admin API's tokens, each with a name: `name:token name2:token2` (issue #13). */
  | "ADMIN_TOKENS"
  | "AX_API_KEY"
  | "AX_CHANNEL_CODE"
  /** `whsec_<base64 key>` the outbound `order.status_changed` webhooks are signed with (several: a rotation). */
  | "OUTBOUND_WEBHOOK_SECRET"
  /** OCTO resellers' bearer keys, `name:key` pairs (issue #20). */
  | "OCTO_RESELLER_KEYS"
  /** OCTO resellers' `booking_update` signing secrets, `name:whsec_…` pairs. */
  | "OCTO_WEBHOOK_SECRETS";

export const SECRET_CACHE_MS = 5 * 60_000;

// A key of this process only: the digests compared below mean nothing outside it.
const comparisonKey = randomBytes(32);

/** A fixed-size (32-byte) digest of a secret, whatever its length. */
export function secretDigest(value: string): Buffer {
  return createHmac("sha256", comparisonKey).update(value, "utf8").digest();
}

/**
 * Whether a presented secret equals the expected one, in a time that depends on neither's content nor on whether
 * their lengths match: both are reduced to 32-byte digests first, then compared in constant time.
 */
export function secretsEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(secretDigest(presented), secretDigest(expected));
}

export class SecretReader {
  private readonly cache = new Map<string, { value: string; expires: number }>();
  private ssm: ParameterReader | undefined;

  constructor(
    private readonly env: Record<string, string | undefined>,
    private readonly maxAgeMs = SECRET_CACHE_MS,
    ssm?: ParameterReader,
  ) {
    this.ssm = ssm;
  }

  async get(name: SecretName): Promise<string> {
    const parameter = this.env[`${name}_PARAM`]?.trim();
    if (!parameter) {
      const value = this.env[name]?.trim();
      if (!value)
        throw new ConfigError(
          `the secret ${name} is not set: set ${name} (in AWS, ${name}_PARAM names the SSM parameter that holds it)`,
        );
      return value;
    }
    const cached = this.cache.get(parameter);
    if (cached && cached.expires > Date.now()) return cached.value;
    this.ssm ??= this.defaultReader();
    const value = (await this.ssm(parameter))?.trim();
    if (!value) throw new ConfigError(`the SSM parameter ${parameter} (${name}) is empty`);
    this.cache.set(parameter, { value, expires: Date.now() + this.maxAgeMs });
    return value;
  }

  private defaultReader(): ParameterReader {
    const region = this.env.AWS_REGION?.trim();
    if (!region) throw new ConfigError("AWS_REGION is not set (needed to read secrets from SSM)");
    const endpoint = this.env.AWS_ENDPOINT_URL_SSM?.trim();
    // Fails within seconds when SSM does not answer (the caller answers 503), like every AWS client here.
    return ssmParameterReader({ region, ...(endpoint ? { endpoint } : {}), timeoutMs: 2_000 });
  }
}
