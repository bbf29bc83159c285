/**
 * The report contract, schemaVersion 1. Scripts, auditors, the HTTP API and stored snapshots
 * all share this shape: extend it, never rename or drop a field or an enum value.
 */
import type { IsoDate } from "./types.js";

export const SCHEMA_VERSION = 1 as const;

export const INTEGRATION_KINDS = ["kubernetes", "addon", "extension", "open-source"] as const;
export const SUPPORT_TIERS = ["aks-managed", "aks-extension", "unsupported"] as const;
export const STAGES = ["ga", "preview", "deprecated", "retired", "unknown"] as const;
export const DRIFTS = ["current", "patch-behind", "minor-behind", "out-of-support", "unknown"] as const;
export const DEADLINE_KINDS = ["end-of-support", "retirement", "breaking-change", "forced-upgrade"] as const;
export const SEVERITIES = ["ok", "info", "warning", "critical"] as const;

export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];
export type SupportTier = (typeof SUPPORT_TIERS)[number];
export type Stage = (typeof STAGES)[number];
export type Drift = (typeof DRIFTS)[number];
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];
export type Severity = (typeof SEVERITIES)[number];

/** Severity order, lowest first; used to pick the worst of several. */
export const SEVERITY_RANK: Record<Severity, number> = { ok: 0, info: 1, warning: 2, critical: 3 };

export interface Deadline {
  date: IsoDate;
  kind: DeadlineKind;
  /** Days from the report's asOf to `date`; negative when already passed. */
  daysLeft: number;
  /** URL of the public document the date comes from. */
  source: string;
}

/**
 * Integration names. `kubernetes` for the cluster itself; an extension's `extensionType`; an
 * open-source signature id; and for kind `addon`:
 * - the `addonProfiles` key as Azure returns it (`azurepolicy`, `omsagent`, `ingressApplicationGateway`);
 * - profile-based add-ons: `keda`, `vpa`, `istio`, `webAppRouting`, `azureMonitorMetrics`;
 * - AKS-managed capabilities switched on through cluster profiles (kind `addon`, tier `aks-managed`,
 *   no version; facts in src/catalog/data/features.json). Each is named by its own ARM key, a profile
 *   losing its `Profile` suffix; a capability that is a value of a setting is named for that value:
 *   `aiToolchainOperator` (aiToolchainOperatorProfile.enabled), `costAnalysis` (metricsProfile),
 *   `appMonitoring` (azureMonitorProfile), `imageCleaner`, `imageIntegrity`, `defender`
 *   (defender.securityMonitoring.enabled), `azureKeyVaultKms`, `workloadIdentity` (securityProfile),
 *   `nodeProvisioning` (nodeProvisioningProfile.mode not `Manual`), `diskCSIDriver`, `fileCSIDriver`,
 *   `blobCSIDriver`, `snapshotController` (storageProfile), `ciliumDataplane` (networkProfile.networkDataplane
 *   = `cilium`), `advancedNetworking` (networkProfile), `gatewayAPI` (ingressProfile.gatewayAPI.installation
 *   not `Disabled`), `appRoutingIstio` (ingressProfile.webAppRouting.gatewayAPIImplementations.appRoutingIstio.mode
 *   not `Disabled`), `oidcIssuer` (oidcIssuerProfile) and `aksAutomatic` (sku.name = `Automatic`).
 *   Container insights is always `omsagent`, whether the add-on profile or
 *   azureMonitorProfile.containerInsights (or both) turned it on; a reason says which.
 *   Any other profile object that reports `enabled: true` is listed under its own key with stage
 *   `unknown` and a reason quoting the field, never dropped.
 */
/*
 * How the fields are judged (src/core/classify, rules in README "How it judges"):
 * - `stage` `preview` also covers integrations on a preview Kubernetes minor and extensions on a
 *   `Preview`/`dev` release train; `deprecated` on `kubernetes` means platform support (N-3).
 * - `deadlines` of kind `forced-upgrade` are AKS-initiated: on a minor's end of support, or in platform
 *   support on the GA date of the minor that ends it (previews never carry one). Cluster-level retirements
 *   (kubenet, Azure NPM, Basic LB, availability sets, pod identity, Flux v1), node-OS retirements and node
 *   images past their age limit are deadlines of the `kubernetes` integration, each with a reason.
 * - `drift` `out-of-support` on add-ons and extensions also means the cluster's minor is out of support.
 */
export interface Integration {
  kind: IntegrationKind;
  name: string;
  version: string | null;
  supportTier: SupportTier;
  stage: Stage;
  drift: Drift;
  deadlines: Deadline[];
  severity: Severity;
  reasons: string[];
}

export interface ClusterReport {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  kubernetesVersion: string | null;
  supportPlan: string | null;
  integrations: Integration[];
  errors: string[];
  /** Extension (not in the v1 minimum): tags as Azure returned them, for routing and display. */
  tags?: Record<string, string>;
}

export interface ReportSummary {
  clusters: number;
  integrations: number;
  bySupportTier: Record<SupportTier, number>;
  bySeverity: Record<Severity, number>;
  inWindow: number;
}

export interface CatalogStamp {
  version: string;
  checkedAt: IsoDate;
  /** Extension: days from `checkedAt` to the report's asOf, when the run knew its CATALOG_MAX_AGE_DAYS. */
  ageDays?: number;
  /** Extension: the CATALOG_MAX_AGE_DAYS the run was judged against. */
  maxAgeDays?: number;
  /** Extension: true when `ageDays` exceeds `maxAgeDays`: announcements since `checkedAt` are missing. */
  stale?: boolean;
  /** Extension: present only when stale; says so in a sentence for the reader. */
  note?: string;
}

export interface AuditReport {
  schemaVersion: typeof SCHEMA_VERSION;
  runId: string;
  asOf: IsoDate;
  catalog: CatalogStamp;
  clusters: ClusterReport[];
  summary: ReportSummary;
  errors: { scope: string; message: string }[];
  /** Extension: where version data came from (live Container Service data or catalog only). */
  dataSources?: { versionData: "live" | "catalog-only" | "mixed"; notes: string[] };
}

/** ALERT_WINDOW_DAYS when nothing else says: breaking changes are announced about 60 days ahead. */
export const DEFAULT_WINDOW_DAYS = 60;

/** The worst severity among a cluster's integrations ("ok" for none). */
export function worstSeverity(cluster: Pick<ClusterReport, "integrations">): Severity {
  let worst: Severity = "ok";
  for (const i of cluster.integrations) if (SEVERITY_RANK[i.severity] > SEVERITY_RANK[worst]) worst = i.severity;
  return worst;
}

/** What a stored run record carries that the report contract repeats. */
export interface RunHeader {
  runId: string;
  asOf: IsoDate;
  catalogVersion: string;
  catalogCheckedAt: IsoDate;
  summary: ReportSummary;
  errors: { scope: string; message: string }[];
}

/** A stored run and (some of) its clusters as the report contract. */
export function reportOfRun(run: RunHeader, clusters: ClusterReport[], summary: ReportSummary = run.summary): AuditReport {
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: run.runId,
    asOf: run.asOf,
    catalog: { version: run.catalogVersion, checkedAt: run.catalogCheckedAt },
    clusters,
    summary,
    errors: run.errors,
  };
}

export function emptySummary(): ReportSummary {
  return {
    clusters: 0,
    integrations: 0,
    bySupportTier: { "aks-managed": 0, "aks-extension": 0, unsupported: 0 },
    bySeverity: { ok: 0, info: 0, warning: 0, critical: 0 },
    inWindow: 0,
  };
}

/** Adds one cluster's integrations to a running summary (so a sweep can summarise while streaming). */
export function addToSummary(summary: ReportSummary, cluster: ClusterReport, windowDays: number): void {
  summary.clusters += 1;
  for (const integration of cluster.integrations) {
    summary.integrations += 1;
    summary.bySupportTier[integration.supportTier] += 1;
    summary.bySeverity[integration.severity] += 1;
    if (integration.deadlines.some((d) => d.daysLeft >= 0 && d.daysLeft <= windowDays)) summary.inWindow += 1;
  }
}

export function summarize(clusters: readonly ClusterReport[], windowDays: number): ReportSummary {
  const summary = emptySummary();
  for (const cluster of clusters) addToSummary(summary, cluster, windowDays);
  return summary;
}

/** Adds every number of `b` into a copy of `a`, recursively (summaries are trees of counts). */
export function addCounts<T>(a: T, b: T): T {
  if (typeof a === "number" && typeof b === "number") return (a + b) as T;
  if (a && b && typeof a === "object" && typeof b === "object") {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = k in out ? addCounts(out[k], v) : v;
    return out as T;
  }
  return a;
}
