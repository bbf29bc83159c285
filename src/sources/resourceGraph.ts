/**
 * The fleet inventory through Azure Resource Graph (@azure/arm-resourcegraph 5.x, api 2024-04-01).
 *
 * - Streams: one page (up to 1000 rows) in memory at a time, `$skipToken` followed to the end.
 * - Quota: reads `x-ms-user-quota-remaining` / `-resets-after` on every answer and waits before
 *   the service has to refuse; a 429 with Retry-After is retried by the SDK, one without is
 *   retried here once the quota window has moved on.
 * - Partial failure: a scope that is refused (403/404) or a page that still fails after retries
 *   becomes a ScopeError and the sweep moves on to the next batch; a refused batch of several
 *   subscriptions is split until the refused ones are isolated, so the others are still read.
 * - Three queries per scope, each paged on its own: clusters, extensions, and Flux v1 source control
 *   configurations (one fleet-wide query, not one per cluster; a fleet without any costs one page).
 */
import { ResourceGraphClient, type ResourceGraphClientOptionalParams } from "@azure/arm-resourcegraph";
import type { TokenCredential } from "@azure/identity";
import type { FleetSource } from "../core/ports.js";
import { armIdKey, type AuditScope, type ClusterRecord, type ExtensionRecord, type ScopeError } from "../core/types.js";
import { clusterIdOfSourceControl, parseClusterRow, parseExtensionRow } from "./parse.js";
import { describeError, isTransientNetworkError, limiterPolicy, QuotaLimiter, realClock, statusOf, timeoutPolicy, type Clock } from "./throttle.js";

/**
 * Clusters: only what classification needs. `id` is projected because Resource Graph pages stably
 * only when it is in the output. Profiles are projected whole (they are small) so absent fields
 * stay distinguishable from false.
 */
export const CLUSTER_QUERY = [
  "resources",
  "| where type =~ 'microsoft.containerservice/managedclusters'",
  "| project id, name, type, subscriptionId, resourceGroup, location, tags, sku,",
  "    kubernetesVersion = properties.kubernetesVersion,",
  "    currentKubernetesVersion = properties.currentKubernetesVersion,",
  "    supportPlan = properties.supportPlan,",
  "    addonProfiles = properties.addonProfiles,",
  "    agentPoolProfiles = properties.agentPoolProfiles,",
  "    autoUpgradeProfile = properties.autoUpgradeProfile,",
  "    serviceMeshProfile = properties.serviceMeshProfile,",
  "    workloadAutoScalerProfile = properties.workloadAutoScalerProfile,",
  "    webAppRouting = properties.ingressProfile.webAppRouting,",
  "    azureMonitorProfile = properties.azureMonitorProfile,",
  "    aiToolchainOperatorProfile = properties.aiToolchainOperatorProfile,",
  "    metricsProfile = properties.metricsProfile,",
  "    securityProfile = properties.securityProfile,",
  "    storageProfile = properties.storageProfile,",
  "    nodeProvisioningProfile = properties.nodeProvisioningProfile,",
  "    ingressProfile = properties.ingressProfile,",
  "    hostedSystemProfile = properties.hostedSystemProfile,",
  "    networkDataplane = properties.networkProfile.networkDataplane,",
  "    advancedNetworking = properties.networkProfile.advancedNetworking,",
  "    networkPlugin = properties.networkProfile.networkPlugin,",
  "    networkPluginMode = properties.networkProfile.networkPluginMode,",
  "    networkPolicy = properties.networkProfile.networkPolicy,",
  "    loadBalancerSku = properties.networkProfile.loadBalancerSku,",
  "    podIdentityProfile = properties.podIdentityProfile,",
  "    enablePodSecurityPolicy = properties.enablePodSecurityPolicy,",
  "    oidcIssuerEnabled = properties.oidcIssuerProfile.enabled,",
  "    workloadIdentityEnabled = properties.securityProfile.workloadIdentity.enabled,",
  "    provisioningState = properties.provisioningState,",
  "    powerState = properties.powerState.code",
].join("\n");

/**
 * Extensions. Resource Graph's samples read this bag in PascalCase (`properties.ExtensionType`)
 * while ARM returns camelCase, and property access in KQL is case-sensitive, so each field takes
 * whichever spelling is present.
 */
export const EXTENSION_QUERY = [
  "kubernetesconfigurationresources",
  "| where type =~ 'microsoft.kubernetesconfiguration/extensions'",
  "| project id, name, type,",
  "    extensionType = coalesce(tostring(properties.extensionType), tostring(properties.ExtensionType)),",
  "    version = coalesce(tostring(properties.version), tostring(properties.Version)),",
  "    currentVersion = coalesce(tostring(properties.currentVersion), tostring(properties.CurrentVersion)),",
  "    releaseTrain = coalesce(tostring(properties.releaseTrain), tostring(properties.ReleaseTrain)),",
  "    autoUpgradeMinorVersion = coalesce(tostring(properties.autoUpgradeMinorVersion), tostring(properties.AutoUpgradeMinorVersion)),",
  "    provisioningState = coalesce(tostring(properties.provisioningState), tostring(properties.ProvisioningState))",
].join("\n");

/**
 * Flux v1 configurations (`Microsoft.KubernetesConfiguration/sourceControlConfigurations`, retired):
 * only their ids are needed, since each cluster's count feeds the Flux v1 end of support. Separate
 * from EXTENSION_QUERY although the table is the same, so a failure here costs only this judgement.
 */
export const SOURCE_CONTROL_QUERY = [
  "kubernetesconfigurationresources",
  "| where type =~ 'microsoft.kubernetesconfiguration/sourcecontrolconfigurations'",
  "| project id, name, type",
].join("\n");

export interface ResourceGraphProgress {
  kind: "clusters" | "extensions" | "sourceControlConfigurations";
  scope: string;
  page: number;
  rows: number;
  totalRecords: number | null;
}

export interface ResourceGraphSourceOptions {
  credential: TokenCredential;
  /** ARM endpoint (sovereign clouds, the fleet simulator); default https://management.azure.com. */
  endpoint?: string;
  /** PEM certificate(s) to trust in addition to the system store (the simulator's self-signed cert). */
  tlsCa?: string;
  /** `$top`, 1–1000 (default 1000). */
  pageSize?: number;
  /** Subscriptions per request when a list is given (default 300, under the guidance's limit). */
  subscriptionBatchSize?: number;
  onProgress?: (progress: ResourceGraphProgress) => void;
  /** Injectable clock, for tests and benchmarks. */
  clock?: Partial<Clock>;
  /** Read the quota headers and wait before being refused (default true; off only to measure the naive way). */
  respectQuota?: boolean;
  /** Attempts per page on top of the SDK's own retries (default 4). */
  maxAttempts?: number;
  /** First back-off when a retry has no better hint (default 1000 ms, doubling, capped at 30 s). */
  retryBaseMs?: number;
  /** Passed to the SDK's retry policy (tests shorten the delays). */
  retryOptions?: ResourceGraphClientOptionalParams["retryOptions"];
  /**
   * Longest wait for one answer (default 60 s). The SDK sets no timeout, so a page that never
   * comes back would hold the sweep until the function itself times out; a timed-out page is
   * retried like a dropped connection.
   */
  requestTimeoutMs?: number;
}

export interface ResourceGraphSourceStats {
  /** HTTP attempts, SDK retries included. */
  requests: number;
  pages: number;
  rows: number;
  /** 429 answers received. */
  throttled: number;
  /** Page retries made by this adapter (after the SDK gave up). */
  retries: number;
  /** Time spent waiting for the quota window before sending. */
  quotaWaitMs: number;
}

export interface ResourceGraphFleetSource extends FleetSource {
  readonly stats: ResourceGraphSourceStats;
}

type QueryScope = { subscriptions?: string[]; managementGroups?: string[] };
/**
 * Told which scope a stream could not (fully) read; `refused` when Resource Graph denied the scope,
 * which it does for every query, so that scope's clusters are missing from the run as well.
 */
type Gap = (scope: QueryScope, refused?: boolean) => void;

interface FluxV1Index {
  /** Configurations per cluster (armIdKey). */
  counts: Map<string, number>;
  /** True when part of a tenant- or group-wide answer is missing, so no cluster's "none" can be trusted. */
  everywhere: boolean;
  /** Lower-cased subscriptions whose configurations were not read. */
  subscriptions: Set<string>;
  /** Whether any gap is not a refusal (those are reported once, as the refused scope). */
  failed: boolean;
}

/** Sets the cluster's count; false when it stays unknown because its part of the query failed. */
function attachFluxV1(cluster: ClusterRecord, index: FluxV1Index): boolean {
  const found = index.counts.get(armIdKey(cluster.id));
  // A configuration that was read is a finding even when other pages failed; a zero needs a complete read.
  if (found) cluster.fluxV1Configurations = found;
  else if (!index.everywhere && !index.subscriptions.has(cluster.subscriptionId.toLowerCase())) cluster.fluxV1Configurations = 0;
  return cluster.fluxV1Configurations !== undefined;
}

class PageFailure extends Error {
  constructor(
    readonly failure: unknown,
    readonly page: number,
  ) {
    super(describeError(failure));
  }
}

function scopeLabel(scope: QueryScope): string {
  const list = (noun: string, items: string[]): string =>
    items.length === 1 ? `${noun}:${items[0]}` : `${noun}s:${items[0]}…(+${items.length - 1})`;
  if (scope.subscriptions?.length) return list("subscription", scope.subscriptions);
  if (scope.managementGroups?.length) return list("managementGroup", scope.managementGroups);
  return "tenant";
}

function toQueryScope(scope: AuditScope): QueryScope {
  if (scope.subscriptions.length > 0) return { subscriptions: scope.subscriptions };
  if (scope.managementGroups.length > 0) return { managementGroups: scope.managementGroups };
  return {};
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function createResourceGraphFleetSource(options: ResourceGraphSourceOptions): ResourceGraphFleetSource {
  const clock: Clock = { ...realClock, ...options.clock };
  const pageSize = Math.min(1000, Math.max(1, options.pageSize ?? 1000));
  const batchSize = Math.max(1, options.subscriptionBatchSize ?? 300);
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const respectQuota = options.respectQuota !== false;
  const requestTimeoutMs = Math.max(1, options.requestTimeoutMs ?? 60_000);
  const stats: ResourceGraphSourceStats = { requests: 0, pages: 0, rows: 0, throttled: 0, retries: 0, quotaWaitMs: 0 };
  const limiter = new QuotaLimiter(clock);
  // Set when any answer says a tenant or group query saw more subscriptions than it covers.
  let subscriptionLimitHit = false;
  const limitReported = new WeakSet<ScopeError[]>();

  const client = new ResourceGraphClient(options.credential, {
    endpoint: options.endpoint ?? "https://management.azure.com",
    ...(options.tlsCa ? { tlsOptions: { ca: options.tlsCa } } : {}),
    ...(options.retryOptions ? { retryOptions: options.retryOptions } : {}),
    additionalPolicies: [
      { position: "perRetry", policy: timeoutPolicy(requestTimeoutMs) },
      {
        // Per retry: the SDK's own 429/5xx retries also wait for quota and report their headers.
        position: "perRetry",
        policy: limiterPolicy("aksAuditResourceGraphQuota", {
          before: async () => {
            stats.requests += 1;
            if (respectQuota) {
              const before = limiter.stats.waitedMs;
              await limiter.acquire();
              stats.quotaWaitMs += limiter.stats.waitedMs - before;
            }
          },
          after: (headers, status) => {
            if (status === 429) stats.throttled += 1;
            if (headers.get("x-ms-tenant-subscription-limit-hit")?.toLowerCase() === "true") subscriptionLimitHit = true;
            limiter.observe(headers);
          },
        }),
      },
    ],
  });

  /** Subscriptions and groups refused during this run, so the second sweep does not ask again. */
  const refusedByRun = new WeakMap<ScopeError[], Set<string>>();
  const refused = (errors: ScopeError[]): Set<string> => {
    let set = refusedByRun.get(errors);
    if (!set) {
      set = new Set();
      refusedByRun.set(errors, set);
    }
    return set;
  };

  const backoff = (attempt: number): number => Math.min(30_000, retryBaseMs * 2 ** (attempt - 1));

  async function fetchPage(query: string, scope: QueryScope, skipToken: string | undefined, page: number) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.resources({
          query,
          ...(scope.subscriptions ? { subscriptions: scope.subscriptions } : {}),
          ...(scope.managementGroups ? { managementGroups: scope.managementGroups } : {}),
          options: { top: pageSize, ...(skipToken ? { skipToken } : {}), resultFormat: "objectArray" },
        });
      } catch (e) {
        const status = statusOf(e);
        const retryable = status === 429 || status === 408 || (status !== undefined && status >= 500) || isTransientNetworkError(e);
        if (!retryable || attempt >= maxAttempts) throw new PageFailure(e, page);
        stats.retries += 1;
        // After a 429 the limiter already knows when the window moves on and will hold the next
        // attempt until then; without that hint (or for 5xx) back off exponentially.
        const quotaHint = status === 429 && respectQuota ? limiter.pendingResetMs() : null;
        if (quotaHint === null) await clock.sleep(backoff(attempt));
      }
    }
  }

  /**
   * One query over one scope, page by page. The next page is requested as soon as its token is
   * known, while the caller works on the current one, so quota waits overlap with the caller's
   * work; at most two pages are held. Throws PageFailure when a page cannot be read.
   */
  async function* pages(kind: ResourceGraphProgress["kind"], query: string, scope: QueryScope, errors: ScopeError[], gap?: Gap): AsyncGenerator<unknown[]> {
    const request = (skipToken: string | undefined, page: number) => {
      const p = fetchPage(query, scope, skipToken, page);
      p.catch(() => undefined); // awaited below; this only keeps a failed prefetch from counting as unhandled
      return p;
    };
    let page = 1;
    let pending: ReturnType<typeof request> | null = request(undefined, page);
    while (pending) {
      const response = await pending;
      pending = null;
      const rows: unknown[] = Array.isArray(response.data) ? response.data : [];
      if (!Array.isArray(response.data)) {
        gap?.(scope);
        errors.push({ scope: scopeLabel(scope), message: `Resource Graph ${kind} page ${page}: answer had no row array (resultFormat must be objectArray)` });
      }
      stats.pages += 1;
      stats.rows += rows.length;
      if (subscriptionLimitHit && !limitReported.has(errors)) {
        limitReported.add(errors);
        errors.push({
          scope: scopeLabel(scope),
          message: `Resource Graph answered for only the first 10,000 subscriptions this identity can see (x-ms-tenant-subscription-limit-hit); clusters in the others are missing from this run — list the subscriptions in AUDIT_SUBSCRIPTIONS (they are queried in batches) or narrow AUDIT_MANAGEMENT_GROUPS`,
        });
      }
      options.onProgress?.({ kind, scope: scopeLabel(scope), page, rows: rows.length, totalRecords: typeof response.totalRecords === "number" ? response.totalRecords : null });
      if (response.resultTruncated === "true") {
        // Never silently: a truncated answer means clusters are missing from this run.
        gap?.(scope);
        errors.push({
          scope: scopeLabel(scope),
          message: `Resource Graph truncated the ${kind} result on page ${page} (${rows.length} of ${response.totalRecords ?? "?"} rows, no continuation token); the rest of this scope is missing from the run`,
        });
      } else if (response.skipToken) {
        page += 1;
        pending = request(response.skipToken, page);
      }
      yield rows;
    }
  }

  /** A scope's pages; a refused multi-subscription batch is split to find who refused. */
  async function* sweepBatch(kind: ResourceGraphProgress["kind"], query: string, scope: QueryScope, errors: ScopeError[], gap?: Gap): AsyncGenerator<unknown[]> {
    let yielded = 0;
    try {
      for await (const rows of pages(kind, query, scope, errors, gap)) {
        yielded += 1;
        yield rows;
      }
    } catch (e) {
      if (!(e instanceof PageFailure)) throw e;
      const status = statusOf(e.failure);
      const items = scope.subscriptions ?? scope.managementGroups ?? [];
      const denial = status === 403 || status === 404;
      if (denial && yielded === 0 && items.length > 1) {
        const mid = Math.ceil(items.length / 2);
        const key = scope.subscriptions ? "subscriptions" : "managementGroups";
        yield* sweepBatch(kind, query, { [key]: items.slice(0, mid) }, errors, gap);
        yield* sweepBatch(kind, query, { [key]: items.slice(mid) }, errors, gap);
        return;
      }
      gap?.(scope, denial && yielded === 0);
      if (denial && yielded === 0 && items.length === 1) {
        // The cluster and extension streams run side by side and may both meet the refusal first.
        const key = items[0]!.toLowerCase();
        if (!refused(errors).has(key)) {
          refused(errors).add(key);
          errors.push({ scope: scopeLabel(scope), message: `Resource Graph refused the scope (${e.message}); its clusters and extensions are not in this run` });
        }
        return;
      }
      const kept = yielded > 0 ? `; ${yielded} earlier page(s) of this scope were kept` : "";
      errors.push({ scope: scopeLabel(scope), message: `Resource Graph ${kind} page ${e.page} failed after retries (${e.message})${kept}; the sweep went on with the next scope` });
    }
  }

  async function* sweep(kind: ResourceGraphProgress["kind"], query: string, scope: AuditScope, errors: ScopeError[], gap?: Gap): AsyncGenerator<unknown[]> {
    const skip = refused(errors);
    if (scope.subscriptions.length > 0) {
      const all = [...new Set(scope.subscriptions.map((s) => s.trim()).filter(Boolean))];
      const skipped = all.filter((s) => skip.has(s.toLowerCase()));
      if (skipped.length > 0) gap?.({ subscriptions: skipped }, true);
      const subs = all.filter((s) => !skip.has(s.toLowerCase()));
      for (const batch of chunk(subs, batchSize)) yield* sweepBatch(kind, query, { subscriptions: batch }, errors, gap);
    } else if (scope.managementGroups.length > 0) {
      const groups = [...new Set(scope.managementGroups)].filter((g) => !skip.has(g.toLowerCase()));
      if (groups.length < scope.managementGroups.length) gap?.({ managementGroups: scope.managementGroups }, true);
      if (groups.length > 0) yield* sweepBatch(kind, query, { managementGroups: groups }, errors, gap);
    } else {
      yield* sweepBatch(kind, query, {}, errors, gap);
    }
  }

  /**
   * Flux v1 configurations per cluster, read once for the whole scope. Where the query could not be
   * read (a failed page, a refused subscription), clusters keep `fluxV1Configurations` unset: not
   * looked at, rather than a wrong "none".
   */
  async function readFluxV1(scope: AuditScope, errors: ScopeError[]): Promise<FluxV1Index> {
    const index: FluxV1Index = { counts: new Map(), everywhere: false, subscriptions: new Set(), failed: false };
    const gap: Gap = (missing, refusal) => {
      if (!refusal) index.failed = true;
      if (missing.subscriptions?.length) for (const s of missing.subscriptions) index.subscriptions.add(s.toLowerCase());
      else index.everywhere = true; // a tenant or management-group page: which subscriptions it held is unknown
    };
    try {
      for await (const rows of sweep("sourceControlConfigurations", SOURCE_CONTROL_QUERY, scope, errors, gap)) {
        for (const row of rows) {
          const clusterId = clusterIdOfSourceControl(row);
          if (!clusterId) {
            errors.push({ scope: "source-control-row", message: "unusable Flux v1 configuration row skipped: its id does not name a cluster's sourceControlConfigurations" });
            continue;
          }
          const key = armIdKey(clusterId);
          index.counts.set(key, (index.counts.get(key) ?? 0) + 1);
        }
      }
    } catch (e) {
      // Whatever went wrong here, the clusters are still swept; only the Flux v1 judgement is lost.
      index.everywhere = true;
      index.failed = true;
      errors.push({ scope: scopeLabel(toQueryScope(scope)), message: `Resource Graph sourceControlConfigurations query failed (${describeError(e)})` });
    }
    return index;
  }

  return {
    stats,
    async *extensions(scope, errors): AsyncIterable<ExtensionRecord> {
      for await (const rows of sweep("extensions", EXTENSION_QUERY, scope, errors)) {
        for (const row of rows) {
          const parsed = parseExtensionRow(row);
          if (parsed.ok) yield parsed.value;
          else errors.push({ scope: "extension-row", message: `unusable extension row skipped: ${parsed.reason}` });
        }
      }
    },
    async *clusterPages(scope, errors): AsyncIterable<ClusterRecord[]> {
      // Read beside the cluster pages (it shares their quota) and awaited before the first page is
      // handed out. It never rejects: its failures are recorded in `errors` and leave the counts unset.
      const fluxV1 = readFluxV1(scope, errors);
      let unknown = 0;
      for await (const rows of sweep("clusters", CLUSTER_QUERY, scope, errors)) {
        const page: ClusterRecord[] = [];
        for (const row of rows) {
          const parsed = parseClusterRow(row);
          if (parsed.ok) page.push(parsed.value);
          else errors.push({ scope: "cluster-row", message: `unusable cluster row skipped: ${parsed.reason}` });
        }
        const index = await fluxV1;
        for (const cluster of page) if (!attachFluxV1(cluster, index) && index.failed) unknown += 1;
        yield page;
      }
      // Said once, after the clusters, so it counts only clusters that are in the run (a refusal is
      // reported as the refused scope, and a sweep that read no clusters needs no Flux v1 note).
      if (unknown > 0) {
        errors.push({ scope: scopeLabel(toQueryScope(scope)), message: `Flux v1 source control configurations could not be read for ${unknown} cluster(s); their Flux v1 end of support is not judged in this run (configurations that were read still are)` });
      }
    },
  };
}
