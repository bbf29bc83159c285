/**
 * `aks-audit audit --from-file … --as-of …` on an `az graph query -o json` export shaped like the
 * documented CLUSTER_QUERY (projected columns), with a whole-resource row and a Flux v1
 * configuration row beside it: the judgement rules of issue #14 reach the printed report.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import type { AuditReport, Integration } from "../../src/core/report.js";

const home = mkdtempSync(path.join(tmpdir(), "aks-audit-judgement-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

let stdout = "";
beforeEach(() => {
  stdout = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());

const SUB = "7d1b2c3e-4f50-4a61-8b72-93a4b5c6d7e8";
const idOf = (name: string) => `/subscriptions/${SUB}/resourceGroups/rg-${name}/providers/Microsoft.ContainerService/managedClusters/${name}`;

/** One row as `az graph query` prints it for CLUSTER_QUERY. */
function projected(name: string, version: string, extra: Record<string, unknown> = {}) {
  return {
    id: idOf(name),
    name,
    type: "microsoft.containerservice/managedclusters",
    subscriptionId: SUB,
    resourceGroup: `rg-${name}`,
    location: "westeurope",
    tags: {},
    sku: { name: "Base", tier: "Standard" },
    kubernetesVersion: version,
    currentKubernetesVersion: version,
    supportPlan: "KubernetesOfficial",
    addonProfiles: {},
    agentPoolProfiles: [{ name: "system", mode: "System", orchestratorVersion: version, currentOrchestratorVersion: version, osType: "Linux", osSKU: "Ubuntu", type: "VirtualMachineScaleSets", count: 3 }],
    autoUpgradeProfile: { upgradeChannel: "none", nodeOSUpgradeChannel: "NodeImage" },
    networkDataplane: "azure",
    networkPlugin: "azure",
    networkPluginMode: "overlay",
    networkPolicy: "none",
    loadBalancerSku: "standard",
    podIdentityProfile: null,
    provisioningState: "Succeeded",
    powerState: "Running",
    ...extra,
  };
}

const rows = [
  // In platform support: 1.31 until 1.35 is GA (2026-03-01), when N-2 is 1.33.
  projected("aks-platform", "1.31.9", { workloadAutoScalerProfile: { keda: { enabled: true } } }),
  // Legacy networking and identity, an availability-set pool and a node image built 2025-08-01.
  projected("aks-legacy", "1.33.2", {
    networkPlugin: "kubenet",
    networkPluginMode: "",
    networkPolicy: "azure",
    loadBalancerSku: "basic",
    podIdentityProfile: { enabled: true },
    agentPoolProfiles: [
      { name: "system", mode: "System", orchestratorVersion: "1.33.2", currentOrchestratorVersion: "1.33.2", osType: "Linux", osSKU: "Ubuntu", type: "AvailabilitySet", nodeImageVersion: "AKSUbuntu-2204gen2containerd-202508.01.0", count: 2 },
      { name: "win19", mode: "User", orchestratorVersion: "1.33.2", currentOrchestratorVersion: "1.33.2", osType: "Windows", osSKU: "Windows2019", count: 1 },
    ],
  }),
  // A whole resource with a CBLMariner pool below 1.32 (Azure Linux 2.0).
  {
    id: idOf("aks-mariner"),
    name: "aks-mariner",
    type: "Microsoft.ContainerService/managedClusters",
    location: "westeurope",
    sku: { name: "Base", tier: "Free" },
    properties: {
      kubernetesVersion: "1.32.4",
      currentKubernetesVersion: "1.32.4",
      networkProfile: { networkPlugin: "azure", loadBalancerSku: "standard" },
      agentPoolProfiles: [
        { name: "system", mode: "System", orchestratorVersion: "1.32.4", currentOrchestratorVersion: "1.32.4", osType: "Linux", osSKU: "AzureLinux" },
        { name: "old", mode: "User", orchestratorVersion: "1.31.9", currentOrchestratorVersion: "1.31.9", osType: "Linux", osSKU: "CBLMariner" },
      ],
    },
  },
  // A Flux v1 configuration on aks-legacy and a preview-train extension on aks-mariner.
  { id: `${idOf("aks-legacy")}/providers/Microsoft.KubernetesConfiguration/sourceControlConfigurations/cluster-config`, type: "microsoft.kubernetesconfiguration/sourcecontrolconfigurations", name: "cluster-config" },
  {
    id: `${idOf("aks-mariner")}/providers/Microsoft.KubernetesConfiguration/extensions/flux`,
    name: "flux",
    type: "microsoft.kubernetesconfiguration/extensions",
    extensionType: "microsoft.flux",
    version: "",
    currentVersion: "1.18.0",
    releaseTrain: "preview",
    autoUpgradeMinorVersion: "true",
    provisioningState: "Succeeded",
  },
];

describe("aks-audit audit --from-file judges the rules of the facts", () => {
  it("platform support, cluster features, node OS and images, preview trains", async () => {
    const file = path.join(home, "graph.json");
    writeFileSync(file, JSON.stringify({ count: rows.length, data: rows, skip_token: null, total_records: rows.length }));
    expect(await main(["audit", "--from-file", file, "--as-of", "2026-02-01", "--format", "json", "--no-store", "--quiet"], { AKS_AUDIT_HOME: home })).toBe(0);
    const report = JSON.parse(stdout) as AuditReport;
    const find = (cluster: string, name: string): Integration => report.clusters.find((c) => c.name === cluster)!.integrations.find((i) => i.name === name)!;
    const text = (i: Integration) => i.reasons.join("\n");

    const platform = find("aks-platform", "kubernetes");
    expect(platform.stage).toBe("deprecated");
    const keda = find("aks-platform", "keda");
    expect(keda.deadlines.filter((d) => d.kind === "forced-upgrade").map((d) => d.date)).toEqual(["2026-03-01"]);
    expect(text(keda)).toMatch(/from 1\.31 to 1\.33/);

    const legacy = find("aks-legacy", "kubernetes");
    expect(legacy.severity).toBe("critical");
    const dates = legacy.deadlines.map((d) => `${d.date} ${d.kind}`);
    expect(dates).toEqual(expect.arrayContaining(["2028-03-31 retirement", "2025-09-30 retirement", "2025-09-30 end-of-support", "2025-05-24 end-of-support", "2026-09-30 end-of-support", "2028-09-30 end-of-support", "2027-06-30 end-of-support"]));
    expect(text(legacy)).toMatch(/Node pool "system" runs node image AKSUbuntu-2204gen2containerd-202508\.01\.0 built on 2025-08-01/);
    expect(text(legacy)).toMatch(/does not allow Windows2019 on 1\.33 or later/);

    const mariner = find("aks-mariner", "kubernetes");
    expect(text(mariner)).toMatch(/Node pool "old" uses Azure Linux 2\.0/);
    expect(text(mariner)).not.toMatch(/Node pool "system" uses Azure Linux 2\.0/);
    const flux = find("aks-mariner", "microsoft.flux");
    expect(flux.stage).toBe("preview");
  });
});
