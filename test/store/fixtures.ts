/** Hand-built report-contract fixtures for the store tests (valid per src/core/report.ts). */
import { odata, type TableClient } from "@azure/data-tables";
import type { RunRecord } from "../../src/core/ports.js";
import { emptySummary, summarize, type ClusterReport, type Integration, type Severity, type SupportTier } from "../../src/core/report.js";
import type { IsoDate } from "../../src/core/types.js";
import { clusterKey, prefixRange } from "../../src/store/keys.js";
import { snapshotPartition, snapshotsPrefix } from "../../src/store/layout.js";

export const SUB = "00000000-0000-0000-0000-0000000000aa";

export function clusterId(name: string, resourceGroup = "rg-prod"): string {
  return `/subscriptions/${SUB}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`;
}

export function integration(name: string, severity: Severity, supportTier: SupportTier, extra: Partial<Integration> = {}): Integration {
  return {
    kind: supportTier === "unsupported" ? "open-source" : supportTier === "aks-extension" ? "extension" : "addon",
    name,
    version: "1.2.3",
    supportTier,
    stage: "ga",
    drift: severity === "ok" ? "current" : "minor-behind",
    deadlines:
      severity === "ok"
        ? []
        : [{ date: "2027-01-31", kind: "end-of-support", daysLeft: 40, source: "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions" }],
    severity,
    reasons: severity === "ok" ? [] : [`${name} is behind`],
    ...extra,
  };
}

export function cluster(name: string, integrations: Integration[], extra: Partial<ClusterReport> = {}): ClusterReport {
  return {
    id: clusterId(name),
    name,
    subscriptionId: SUB,
    resourceGroup: "rg-prod",
    location: "westeurope",
    kubernetesVersion: "1.31.2",
    supportPlan: "KubernetesOfficial",
    integrations: [integration("kubernetes", "ok", "aks-managed", { kind: "kubernetes", version: "1.31.2" }), ...integrations],
    errors: [],
    tags: { owner: "team-a", "cost-center": "42" },
    ...extra,
  };
}

export function runRecord(runId: string, asOf: IsoDate, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    runId,
    trigger: "timer",
    scope: { subscriptions: [], managementGroups: [], clusterIds: [] },
    asOf,
    startedAt: `${asOf}T06:00:00.000Z`,
    endedAt: null,
    status: "running",
    summary: emptySummary(),
    errors: [],
    catalogVersion: "2026.11.1",
    catalogCheckedAt: "2026-11-01",
    ...extra,
  };
}

export function finished(run: RunRecord, clusters: readonly ClusterReport[], extra: Partial<RunRecord> = {}): RunRecord {
  return { ...run, status: "succeeded", endedAt: run.startedAt.replace("06:00:00", "06:05:00"), summary: summarize(clusters, 60), ...extra };
}

/** One cluster's stored snapshot rows, read raw (for tests that tamper with them). */
export async function readChain(snapshots: TableClient, name: string) {
  const key = clusterKey(clusterId(name));
  const pk = snapshotPartition(key);
  const { low, high } = prefixRange(snapshotsPrefix(key) + "|");
  const rows: Record<string, unknown>[] = [];
  for await (const row of snapshots.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge ${low} and RowKey lt ${high}` } })) rows.push(row);
  return { pk, key, rows, link: (runId: string) => rows.find((r) => r["runId"] === runId)! };
}
