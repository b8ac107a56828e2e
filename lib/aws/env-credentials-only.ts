// Bundled in place of @aws-sdk/credential-provider-node (serverless.yml `custom.esbuild.alias`). A Lambda has its
// credentials in its environment, so the SDK's default chain (SSO, STS, web identity, INI files, instance metadata:
// about 133 KB of every bundle) is never needed there; the clients get the environment's credentials instead.
import { fromEnv } from "@aws-sdk/credential-provider-env";

export const defaultProvider = (): ReturnType<typeof fromEnv> => fromEnv();
