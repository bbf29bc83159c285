/**
 * What the fleet view can be narrowed by, as pure predicates. The store applies the cheap part to
 * a run-index row (subscription and resource group from the id, severity and tier from the row's
 * finding pairs) before it reads a cluster, and the rest to the cluster itself.
 */
import type { ClusterReport, Integration, Severity, SupportTier } from "./report.js";

export interface FleetFilter {
  severity?: Severity;
  supportTier?: SupportTier;
  /** Subscription GUID, lower case. */
  subscription?: string;
  /** Resource group name; Azure compares them case-insensitively, and so does this. */
  resourceGroup?: string;
  /** Free text, lower case: a substring of the cluster's name, id or a tag (`key=value`), or of an integration's name. */
  q?: string;
  /** Only integrations with a deadline from `deadlineFromDays` (default 0) to this many days after the run's asOf. */
  deadlineWithinDays?: number;
  deadlineFromDays?: number;
}

/** True when any filter is set, so the store knows it must look at rows rather than count them. */
export function isFiltered(filter: FleetFilter): boolean {
  return (
    filter.severity !== undefined ||
    filter.supportTier !== undefined ||
    filter.subscription !== undefined ||
    filter.resourceGroup !== undefined ||
    filter.q !== undefined ||
    filter.deadlineWithinDays !== undefined
  );
}

/** Filters that need the cluster's snapshot, not only its index row. */
export function needsCluster(filter: FleetFilter): boolean {
  return filter.q !== undefined || filter.deadlineWithinDays !== undefined;
}

const ARM_SCOPE = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\//i;

/**
 * Whether a run-index row (its cluster id and (severity, tier) finding pairs) can still match. A
 * false here is final; a true still has the cluster-level filters to pass.
 */
export function rowMayMatch(filter: FleetFilter, clusterId: string, findings: readonly [string, string][]): boolean {
  if (filter.subscription !== undefined || filter.resourceGroup !== undefined) {
    const m = ARM_SCOPE.exec(clusterId);
    if (!m) return false;
    if (filter.subscription !== undefined && m[1]!.toLowerCase() !== filter.subscription) return false;
    if (filter.resourceGroup !== undefined && m[2]!.toLowerCase() !== filter.resourceGroup.toLowerCase()) return false;
  }
  if (filter.severity === undefined && filter.supportTier === undefined) return true;
  return findings.some(
    ([severity, tier]) => (filter.severity === undefined || severity === filter.severity) && (filter.supportTier === undefined || tier === filter.supportTier),
  );
}

function deadlineInRange(filter: FleetFilter, integration: Integration): boolean {
  if (filter.deadlineWithinDays === undefined) return true;
  const from = filter.deadlineFromDays ?? 0;
  return integration.deadlines.some((d) => d.daysLeft >= from && d.daysLeft <= filter.deadlineWithinDays!);
}

/**
 * The cluster with only the integrations the filter keeps, or null when none is left (or the
 * cluster is outside the subscription / resource group). Text that matches the cluster's name, id
 * or a tag keeps all its integrations; otherwise it keeps those whose name holds it.
 */
export function filterCluster(filter: FleetFilter, cluster: ClusterReport): ClusterReport | null {
  if (filter.subscription !== undefined && cluster.subscriptionId.toLowerCase() !== filter.subscription) return null;
  if (filter.resourceGroup !== undefined && cluster.resourceGroup.toLowerCase() !== filter.resourceGroup.toLowerCase()) return null;
  const q = filter.q;
  const clusterText = q !== undefined && clusterTexts(cluster).some((text) => text.toLowerCase().includes(q));
  const keep = (i: Integration): boolean =>
    (filter.severity === undefined || i.severity === filter.severity) &&
    (filter.supportTier === undefined || i.supportTier === filter.supportTier) &&
    (q === undefined || clusterText || i.name.toLowerCase().includes(q)) &&
    deadlineInRange(filter, i);
  const narrowsIntegrations =
    filter.severity !== undefined || filter.supportTier !== undefined || (q !== undefined && !clusterText) || filter.deadlineWithinDays !== undefined;
  if (!narrowsIntegrations) return cluster;
  const integrations = cluster.integrations.filter(keep);
  return integrations.length > 0 ? { ...cluster, integrations } : null;
}

/** What free text is looked for in, at the cluster level. Tags are where teams write owners and notes. */
function clusterTexts(cluster: ClusterReport): string[] {
  return [cluster.name, cluster.id, ...Object.entries(cluster.tags ?? {}).map(([k, v]) => `${k}=${v}`)];
}
