/**
 * How the auditor reaches one cluster's Kubernetes API, with nothing but its own Azure identity:
 *
 *   1. `managedClusters.listClusterUserCredentials` (Container Service API, the real SDK client)
 *      gives the cluster's *user* kubeconfig, of which only the API server address and its CA are
 *      used. The kubeconfig's user section (an exec plugin, or a local account's token on clusters
 *      without Entra ID) is ignored: the auditor never borrows a cluster-local credential.
 *   2. A token for the AKS server application (`6dae42f8-…/.default`) from the same TokenCredential
 *      authenticates the list calls; Azure RBAC on the cluster decides what it may read.
 *
 * Failures are `KubeReadError`s with a reason the report can show. A stopped cluster is
 * unreachable without asking anything.
 */
import { ContainerServiceClient, type ContainerServiceClientOptionalParams } from "@azure/arm-containerservice";
import type { TokenCredential } from "@azure/core-auth";
import { KubeConfig } from "@kubernetes/client-node";
import type { ClusterRecord } from "../core/types.js";
import { KubeReadError, type KubeTarget } from "./kubernetes.js";
import { containerServiceClients } from "./containerService.js";
import { parseClusterId } from "./parse.js";
import { describeError, realClock, statusOf, SubscriptionLimiter } from "./throttle.js";

/** The Entra application every AKS API server accepts tokens for (AKS-managed Entra ID integration). */
export const AKS_SERVER_SCOPE = "6dae42f8-4368-4678-94ff-3960e28e3630/.default";

export interface ClusterAccessOptions {
  credential: TokenCredential;
  /** ARM endpoint (sovereign clouds, the fleet simulator); default https://management.azure.com. */
  endpoint?: string;
  /** PEM certificate(s) to trust for ARM in addition to the system store. */
  tlsCa?: string;
  /** Concurrent ARM calls per subscription (default 4). */
  perSubscriptionConcurrency?: number;
  retryOptions?: ContainerServiceClientOptionalParams["retryOptions"];
}

export interface ClusterAccess {
  /** Where and how to call the cluster's API server; throws KubeReadError when it cannot. */
  targetFor(cluster: ClusterRecord): Promise<KubeTarget>;
}

/** Server and CA of the kubeconfig's current (or only) cluster; null when there is none. */
export function apiServerOf(kubeconfigText: string): { server: string; caData: string | null; tlsServerName?: string } | null {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigText);
  const cluster = kc.getCurrentCluster() ?? kc.getClusters()[0] ?? null;
  if (!cluster?.server) return null;
  return { server: cluster.server, caData: cluster.caData ?? null, ...(cluster.tlsServerName ? { tlsServerName: cluster.tlsServerName } : {}) };
}

export function createClusterAccess(options: ClusterAccessOptions): ClusterAccess {
  const limiter = new SubscriptionLimiter(realClock, options.perSubscriptionConcurrency ?? 4);
  const clientFor = containerServiceClients(options, [limiter.policy("aksAuditAccessLimiter")]);

  const kubeconfigOf = async (cluster: ClusterRecord): Promise<string> => {
    const parts = parseClusterId(cluster.id);
    if (!parts) throw new KubeReadError(`"${cluster.id}" is not a managed cluster id`, "failed", false);
    try {
      const result = await clientFor(parts.subscriptionId).managedClusters.listClusterUserCredentials(parts.resourceGroup, parts.name);
      const value = result.kubeconfigs?.find((k) => k.value && k.value.length > 0)?.value;
      if (!value) throw new KubeReadError("Container Service returned no kubeconfig for the cluster", "failed", false);
      return Buffer.from(value).toString("utf8");
    } catch (error) {
      if (error instanceof KubeReadError) throw error;
      const status = statusOf(error);
      if (status === 401 || status === 403) {
        throw new KubeReadError(
          `the identity may not list the cluster's user credentials (${describeError(error)}); grant Azure Kubernetes Service Cluster User Role`,
          "forbidden",
          false,
        );
      }
      if (status === 404) throw new KubeReadError(`the cluster was not found by Container Service (${describeError(error)})`, "failed", false);
      // 429 and 5xx have been retried by the SDK already; network failures are worth a later attempt.
      throw new KubeReadError(`listing the cluster's user credentials failed (${describeError(error)})`, "failed", true);
    }
  };

  return {
    async targetFor(cluster) {
      if ((cluster.powerState ?? "").toLowerCase() === "stopped") {
        throw new KubeReadError("the cluster is stopped, so its API server does not answer", "unreachable", false);
      }
      const text = await kubeconfigOf(cluster);
      let server: ReturnType<typeof apiServerOf>;
      try {
        server = apiServerOf(text);
      } catch {
        // No detail on purpose: YAML parse errors quote the lines around the fault, and a
        // local-account kubeconfig carries a token there. Errors are stored and logged.
        throw new KubeReadError("the cluster's kubeconfig could not be read (it is not valid kubeconfig YAML)", "failed", false);
      }
      if (!server) throw new KubeReadError("the cluster's kubeconfig names no API server", "failed", false);
      let token: string;
      try {
        const access = await options.credential.getToken(AKS_SERVER_SCOPE);
        if (!access?.token) throw new Error("the credential returned no token");
        token = access.token;
      } catch (error) {
        // The identity's own token source failing (IMDS, Entra) says nothing about the cluster: retry.
        throw new KubeReadError(`no token for the AKS server application (${describeError(error)})`, "failed", true);
      }
      return { ...server, token };
    },
  };
}
