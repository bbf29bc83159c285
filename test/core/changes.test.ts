import { describe, expect, it } from "vitest";
import { changesBetween, diffClusterReports } from "../../src/core/changes.js";
import type { ClusterReport, Integration } from "../../src/core/report.js";

function integration(kind: Integration["kind"], name: string, version: string | null, severity: Integration["severity"] = "ok"): Integration {
  return { kind, name, version, supportTier: "aks-managed", stage: "ga", drift: "current", deadlines: [], severity, reasons: [] };
}

function cluster(integrations: Integration[]): ClusterReport {
  return {
    id: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
    name: "aks1",
    subscriptionId: "00000000-0000-0000-0000-000000000001",
    resourceGroup: "rg",
    location: "westeurope",
    kubernetesVersion: "1.30.4",
    supportPlan: "KubernetesOfficial",
    integrations,
    errors: [],
  };
}

describe("cluster changes", () => {
  it("reports integrations added and removed, versions moved and severities changed", () => {
    const older = cluster([integration("kubernetes", "kubernetes", "1.30.4"), integration("addon", "azurepolicy", null), integration("extension", "flux", "1.9.0")]);
    const newer = cluster([
      integration("kubernetes", "kubernetes", "1.31.1", "warning"),
      integration("extension", "flux", "1.9.0"),
      integration("open-source", "ingress-nginx", "1.11.2", "critical"),
    ]);
    expect(diffClusterReports(older, newer)).toEqual([
      { type: "integration-removed", kind: "addon", name: "azurepolicy", from: null, to: null },
      { type: "version-changed", kind: "kubernetes", name: "kubernetes", from: "1.30.4", to: "1.31.1" },
      { type: "severity-changed", kind: "kubernetes", name: "kubernetes", from: "ok", to: "warning" },
      { type: "integration-added", kind: "open-source", name: "ingress-nginx", from: null, to: "1.11.2" },
    ]);
  });

  it("matches add-on names case-insensitively, so a casing change is not a removal", () => {
    expect(diffClusterReports(cluster([integration("addon", "azurePolicy", null)]), cluster([integration("addon", "azurepolicy", null)]))).toEqual([]);
  });

  it("diffs consecutive snapshots newest first and leaves out pairs without change", () => {
    const a = cluster([integration("extension", "flux", "1.8.0")]);
    const b = cluster([integration("extension", "flux", "1.9.0")]);
    const diffs = changesBetween([
      { runId: "r3", asOf: "2026-11-17", cluster: b },
      { runId: "r2", asOf: "2026-11-10", cluster: b },
      { runId: "r1", asOf: "2026-11-03", cluster: a },
    ]);
    expect(diffs).toEqual([
      {
        fromRunId: "r1",
        fromAsOf: "2026-11-03",
        toRunId: "r2",
        toAsOf: "2026-11-10",
        changes: [{ type: "version-changed", kind: "extension", name: "flux", from: "1.8.0", to: "1.9.0" }],
      },
    ]);
    expect(changesBetween([])).toEqual([]);
  });
});
