/**
 * Kubernetes version data through the Container Service API (@azure/arm-containerservice 25.x).
 * AKS offers versions per region, so the auditor asks once per location per run, not per
 * cluster: concurrent callers for the same location share one in-flight request. ARM calls go
 * through a per-subscription limiter; the optional per-cluster upgrade profile runs with bounded
 * concurrency.
 */
import { ContainerServiceClient, type ContainerServiceClientOptionalParams } from "@azure/arm-containerservice";
import type { TokenCredential } from "@azure/identity";
import type { VersionSource } from "../core/ports.js";
import type { AvailableMinor, LocationVersions, ScopeError } from "../core/types.js";
import { normalizeLocation, parseClusterId } from "./parse.js";
import { describeError, limiterPolicy, realClock, Semaphore, statusOf, SubscriptionLimiter, type Clock } from "./throttle.js";

export interface ContainerServiceSourceOptions {
  credential: TokenCredential;
  /** ARM endpoint (sovereign clouds, the fleet simulator); default https://management.azure.com. */
  endpoint?: string;
  /** PEM certificate(s) to trust in addition to the system store. */
  tlsCa?: string;
  /** Concurrent upgrade-profile reads across the fleet (default 8). */
  upgradeProfileConcurrency?: number;
  /** Concurrent ARM calls per subscription (default 4). */
  perSubscriptionConcurrency?: number;
  clock?: Partial<Clock>;
  /** Passed to the SDK's retry policy (tests shorten the delays). */
  retryOptions?: ContainerServiceClientOptionalParams["retryOptions"];
}

export interface UpgradeTarget {
  version: string;
  isPreview: boolean;
}

/** What `upgradeProfiles/default` says a cluster can move to. */
export interface ClusterUpgradeProfile {
  clusterId: string;
  controlPlane: { kubernetesVersion: string | null; upgrades: UpgradeTarget[] };
  agentPools: { name: string; kubernetesVersion: string | null; upgrades: UpgradeTarget[] }[];
}

export interface ContainerServiceStats {
  /** HTTP attempts, SDK retries included. */
  requests: number;
  throttled: number;
  versionCalls: number;
  upgradeProfileCalls: number;
}

export interface ContainerServiceVersionSource extends VersionSource {
  /** The cluster's upgrade profile, or null (and a recorded error) when it cannot be read. */
  upgradeProfile(clusterId: string, errors: ScopeError[]): Promise<ClusterUpgradeProfile | null>;
  readonly stats: ContainerServiceStats;
}

type Outcome = { ok: true; data: LocationVersions } | { ok: false; message: string };

function compareNumeric(a: string, b: string): number {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return 0;
}

type PipelinePolicy = NonNullable<ContainerServiceClientOptionalParams["additionalPolicies"]>[number]["policy"];

/**
 * ContainerServiceClient per subscription, made once: the SDK client is bound to one subscription,
 * and ARM throttles per subscription, so each gets its own client with the given per-retry policies.
 */
export function containerServiceClients(
  options: Pick<ContainerServiceSourceOptions, "credential" | "endpoint" | "tlsCa" | "retryOptions">,
  policies: readonly PipelinePolicy[],
): (subscriptionId: string) => ContainerServiceClient {
  const clients = new Map<string, ContainerServiceClient>();
  return (subscriptionId) => {
    const key = subscriptionId.toLowerCase();
    let client = clients.get(key);
    if (!client) {
      client = new ContainerServiceClient(options.credential, subscriptionId, {
        endpoint: options.endpoint ?? "https://management.azure.com",
        ...(options.tlsCa ? { tlsOptions: { ca: options.tlsCa } } : {}),
        ...(options.retryOptions ? { retryOptions: options.retryOptions } : {}),
        additionalPolicies: policies.map((policy) => ({ position: "perRetry" as const, policy })),
      });
      clients.set(key, client);
    }
    return client;
  };
}

export function createContainerServiceVersionSource(options: ContainerServiceSourceOptions): ContainerServiceVersionSource {
  const clock: Clock = { ...realClock, ...options.clock };
  const stats: ContainerServiceStats = { requests: 0, throttled: 0, versionCalls: 0, upgradeProfileCalls: 0 };
  const subscriptionLimiter = new SubscriptionLimiter(clock, options.perSubscriptionConcurrency ?? 4);
  const upgradeGate = new Semaphore(Math.max(1, options.upgradeProfileConcurrency ?? 8));
  const countingPolicy = limiterPolicy("aksAuditArmCounter", {
    before: async () => {
      stats.requests += 1;
    },
    after: (_headers, status) => {
      if (status === 429) stats.throttled += 1;
    },
  });

  // Version data is regional, so any subscription that can read the region will do.
  const clientFor = containerServiceClients(options, [subscriptionLimiter.policy(), countingPolicy]);

  const cache = new Map<string, { promise: Promise<Outcome>; reportedTo: WeakSet<ScopeError[]> }>();

  const fetchVersions = async (location: string, subscriptionId: string): Promise<Outcome> => {
    stats.versionCalls += 1;
    try {
      const result = await clientFor(subscriptionId).managedClusters.listKubernetesVersions(location);
      const minors: AvailableMinor[] = (result.values ?? [])
        .filter((v) => typeof v.version === "string" && v.version !== "")
        .map((v) => ({
          version: v.version!,
          isPreview: v.isPreview === true,
          isDefault: v.isDefault === true,
          supportPlans: [...(v.capabilities?.supportPlan ?? [])],
          patchVersions: Object.keys(v.patchVersions ?? {}).sort(compareNumeric),
        }))
        .sort((a, b) => compareNumeric(a.version, b.version));
      if (minors.length === 0) return { ok: false, message: `Container Service lists no Kubernetes versions for region ${location}` };
      return { ok: true, data: { location, minors } };
    } catch (e) {
      const status = statusOf(e);
      const what = status === 404 ? "has no Kubernetes version data for" : "could not list Kubernetes versions for";
      return { ok: false, message: `Container Service ${what} region ${location} (${describeError(e)})` };
    }
  };

  return {
    stats,

    async versionsFor(location, subscriptionId, errors) {
      const key = normalizeLocation(location);
      if (!key) {
        errors.push({ scope: `location:${location}`, message: "cluster has no location; version data not looked up" });
        return null;
      }
      let entry = cache.get(key);
      if (!entry) {
        entry = { promise: fetchVersions(key, subscriptionId), reportedTo: new WeakSet() };
        cache.set(key, entry);
      }
      const outcome = await entry.promise;
      if (outcome.ok) return outcome.data;
      // Many clusters share a region: report its failure once per run, not once per cluster.
      if (!entry.reportedTo.has(errors)) {
        entry.reportedTo.add(errors);
        errors.push({ scope: `location:${key}`, message: outcome.message });
      }
      return null;
    },

    async upgradeProfile(clusterId, errors) {
      const parts = parseClusterId(clusterId);
      if (!parts) {
        errors.push({ scope: `cluster:${clusterId}`, message: "not a managed cluster id; upgrade profile not read" });
        return null;
      }
      return upgradeGate.run(async () => {
        stats.upgradeProfileCalls += 1;
        try {
          const p = await clientFor(parts.subscriptionId).managedClusters.getUpgradeProfile(parts.resourceGroup, parts.name);
          const targets = (list: { kubernetesVersion?: string; isPreview?: boolean }[] | undefined): UpgradeTarget[] =>
            (list ?? []).filter((u) => u.kubernetesVersion).map((u) => ({ version: u.kubernetesVersion!, isPreview: u.isPreview === true }));
          return {
            clusterId,
            controlPlane: { kubernetesVersion: p.controlPlaneProfile?.kubernetesVersion ?? null, upgrades: targets(p.controlPlaneProfile?.upgrades) },
            agentPools: (p.agentPoolProfiles ?? []).map((pool) => ({
              name: pool.name ?? "",
              kubernetesVersion: pool.kubernetesVersion ?? null,
              upgrades: targets(pool.upgrades),
            })),
          };
        } catch (e) {
          errors.push({ scope: `cluster:${clusterId}`, message: `upgrade profile not read (${describeError(e)})` });
          return null;
        }
      });
    },
  };
}
