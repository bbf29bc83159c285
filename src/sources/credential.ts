/**
 * The identity the adapters use. In Azure that is the Function App's managed identity; on a
 * laptop it is `az login`; both come from DefaultAzureCredential. Tests and the local demo inject
 * a static credential so nothing ever probes the instance metadata endpoint (169.254.169.254).
 */
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";

export interface CredentialOptions {
  /** Use this credential as is (tests, the demo, callers with their own identity). */
  credential?: TokenCredential;
  /** Client id of a user-assigned managed identity (AZURE_CLIENT_ID is also honoured by the SDK). */
  managedIdentityClientId?: string;
  /** Restrict token requests to one tenant. */
  tenantId?: string;
}

export function createCredential(options: CredentialOptions = {}): TokenCredential {
  if (options.credential) return options.credential;
  return new DefaultAzureCredential({
    ...(options.managedIdentityClientId ? { managedIdentityClientId: options.managedIdentityClientId } : {}),
    ...(options.tenantId ? { tenantId: options.tenantId } : {}),
  });
}

/**
 * A credential that hands out a fixed token: for the fleet simulator, where the token only names
 * the principal (quota is counted per principal), and for tests. Never use it against Azure.
 */
export function createStaticCredential(token = "aks-audit-local"): TokenCredential {
  return {
    getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
}
