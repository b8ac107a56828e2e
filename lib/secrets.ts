// Secrets at run time. In AWS each secret setting names an SSM Parameter Store SecureString (`<NAME>_PARAM`),
// read with decryption and cached for a few minutes, so a rotated value is picked up without a redeploy.
// Locally the plain `<NAME>` variable holds the value. (Powertools Parameters would do the same, but its newest
// release trails our Logger/Metrics version and would bundle a second copy of its commons package.)
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { awsClientSettings } from "./aws-timeouts";
import { ConfigError } from "./config-error";

export type SecretName =
  | "WEBHOOK_SECRET"
  | "ADMIN_TOKEN"
  /** The admin API's tokens, each with a name: `name:token name2:token2` (issue #13). */
  | "ADMIN_TOKENS"
  | "AX_API_KEY"
  | "AX_CHANNEL_CODE"
  /** `whsec_<base64 key>` the outbound `order.status_changed` webhooks are signed with (several: a rotation). */
  | "OUTBOUND_WEBHOOK_SECRET";

export const SECRET_CACHE_MS = 5 * 60_000;

export class SecretReader {
  private readonly cache = new Map<string, { value: string; expires: number }>();
  private ssm: SSMClient | undefined;

  constructor(
    private readonly env: Record<string, string | undefined>,
    private readonly maxAgeMs = SECRET_CACHE_MS,
    ssm?: SSMClient,
  ) {
    this.ssm = ssm;
  }

  async get(name: SecretName): Promise<string> {
    const parameter = this.env[`${name}_PARAM`]?.trim();
    if (!parameter) {
      const value = this.env[name]?.trim();
      if (!value) throw new ConfigError(`the secret ${name} is not set (set ${name}_PARAM to an SSM parameter name)`);
      return value;
    }
    const cached = this.cache.get(parameter);
    if (cached && cached.expires > Date.now()) return cached.value;
    // Fails within seconds when SSM does not answer (the caller answers 503), like every AWS client here.
    this.ssm ??= new SSMClient(awsClientSettings({ connectMs: 1_000, requestMs: 2_000 }));
    const { Parameter } = await this.ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
    const value = Parameter?.Value?.trim();
    if (!value) throw new ConfigError(`the SSM parameter ${parameter} (${name}) is empty`);
    this.cache.set(parameter, { value, expires: Date.now() + this.maxAgeMs });
    return value;
  }
}
