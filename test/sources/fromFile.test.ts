/**
 * Offline exports: what `az graph query -o json` and `az aks list -o json` print, written to a
 * temporary folder, read into domain records.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterRecord, ScopeError } from "../../src/core/types.js";
import { createFileFleetSource, FleetFileError, readFleetFile } from "../../src/sources/fromFile.js";
import { clusterIdOfExtension, parseClusterRow, parseExtensionRow } from "../../src/sources/parse.js";

const SUB_A = "1b2c3d4e-0000-4000-8000-00000000000a";
const SUB_B = "1b2c3d4e-0000-4000-8000-00000000000b";
const CLUSTER_A = `/subscriptions/${SUB_A}/resourceGroups/rg-payments-prod/providers/Microsoft.ContainerService/managedClusters/aks-payments-prod`;
const CLUSTER_B = `/subscriptions/${SUB_B}/resourceGroups/rg-web/providers/Microsoft.ContainerService/managedClusters/aks-web-dev`;

/** Rows as CLUSTER_QUERY / EXTENSION_QUERY project them, in `az graph query -o json`'s envelope. */
const graphExport = {
  count: 4,
  data: [
    {
      id: CLUSTER_A,
      name: "aks-payments-prod",
      type: "microsoft.containerservice/managedclusters",
      subscriptionId: SUB_A,
      resourceGroup: "rg-payments-prod",
      location: "westeurope",
      tags: { owner: "ana.silva@contoso.example", env: "prod" },
      sku: { name: "Base", tier: "Premium" },
      kubernetesVersion: "1.33",
      currentKubernetesVersion: "1.33.7",
      supportPlan: "AKSLongTermSupport",
      addonProfiles: { omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: "/x/law" } }, azurepolicy: { enabled: true, config: null } },
      agentPoolProfiles: [
        { name: "system", mode: "System", orchestratorVersion: "1.33", currentOrchestratorVersion: "1.33.7", nodeImageVersion: "AKSUbuntu-2204gen2containerd-202610.21.0", osType: "Linux", osSKU: "Ubuntu", count: 3 },
        { name: "user1", mode: "User", orchestratorVersion: "1.32.12", currentOrchestratorVersion: "1.32.12", osType: "Linux", osSKU: "AzureLinux", count: 5 },
      ],
      autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
      serviceMeshProfile: { mode: "Istio", istio: { revisions: ["asm-1-25", "asm-1-26"] } },
      workloadAutoScalerProfile: { keda: { enabled: true }, verticalPodAutoscaler: { enabled: false } },
      webAppRouting: { enabled: true },
      azureMonitorProfile: { metrics: { enabled: true } },
      oidcIssuerEnabled: true,
      workloadIdentityEnabled: true,
      provisioningState: "Succeeded",
      powerState: "Running",
    },
    {
      id: CLUSTER_B,
      name: "aks-web-dev",
      type: "microsoft.containerservice/managedclusters",
      subscriptionId: SUB_B,
      resourceGroup: "rg-web",
      location: "eastus",
      tags: null,
      sku: null,
      kubernetesVersion: null,
      currentKubernetesVersion: "1.31.9",
      supportPlan: null,
      addonProfiles: null,
      agentPoolProfiles: null,
      autoUpgradeProfile: null,
      serviceMeshProfile: null,
      workloadAutoScalerProfile: null,
      webAppRouting: null,
      azureMonitorProfile: null,
      oidcIssuerEnabled: null,
      workloadIdentityEnabled: null,
      provisioningState: "Succeeded",
      powerState: null,
    },
    {
      id: `${CLUSTER_A.toLowerCase()}/providers/Microsoft.KubernetesConfiguration/extensions/flux`,
      name: "flux",
      type: "microsoft.kubernetesconfiguration/extensions",
      extensionType: "microsoft.flux",
      version: "",
      currentVersion: "1.17.1",
      releaseTrain: "Stable",
      autoUpgradeMinorVersion: "true",
      provisioningState: "Succeeded",
    },
    {
      id: `${CLUSTER_B}/providers/Microsoft.KubernetesConfiguration/extensions/dapr`,
      name: "dapr",
      type: "microsoft.kubernetesconfiguration/extensions",
      extensionType: "Microsoft.Dapr",
      version: "1.14.4",
      currentVersion: "1.14.4",
      releaseTrain: "Stable",
      autoUpgradeMinorVersion: "false",
      provisioningState: "Succeeded",
    },
  ],
  skip_token: null,
  total_records: 4,
};

/** `resources | where type =~ 'microsoft.containerservice/managedclusters'`: whole resources, a bare array. */
const wholeResources = [
  {
    id: CLUSTER_A,
    name: "aks-payments-prod",
    type: "microsoft.containerservice/managedclusters",
    tenantId: "00000000-0000-0000-0000-0000000000aa",
    kind: "",
    location: "westeurope",
    resourceGroup: "rg-payments-prod",
    subscriptionId: SUB_A,
    managedBy: "",
    sku: { name: "Base", tier: "Standard" },
    plan: null,
    tags: { team: "payments" },
    identity: { type: "SystemAssigned" },
    zones: null,
    extendedLocation: null,
    properties: {
      provisioningState: "Succeeded",
      powerState: { code: "Stopped" },
      kubernetesVersion: "1.35.6",
      currentKubernetesVersion: "1.35.6",
      supportPlan: "KubernetesOfficial",
      agentPoolProfiles: [{ name: "nodepool1", mode: "System", count: 2, orchestratorVersion: "1.35.6", currentOrchestratorVersion: "1.35.6", osType: "Linux", osSKU: "AzureLinux" }],
      addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: "false" } }, httpApplicationRouting: { enabled: false, config: null } },
      autoUpgradeProfile: { upgradeChannel: "stable", nodeOSUpgradeChannel: "SecurityPatch" },
      oidcIssuerProfile: { enabled: false },
      securityProfile: { workloadIdentity: { enabled: false } },
      ingressProfile: { webAppRouting: { enabled: false } },
      serviceMeshProfile: { mode: "Disabled" },
    },
  },
  {
    id: `${CLUSTER_A}/providers/Microsoft.KubernetesConfiguration/extensions/backup`,
    name: "backup",
    type: "microsoft.kubernetesconfiguration/extensions",
    properties: { ExtensionType: "microsoft.dataprotection.kubernetes", AutoUpgradeMinorVersion: true, version: null, currentVersion: "1.0.2510-135", provisioningState: "Succeeded" },
  },
];

/** `az aks list -o json`: the CLI flattens `properties` and uses its own attribute casing. */
const aksList = [
  {
    aadProfile: null,
    addonProfiles: { omsagent: { config: { logAnalyticsWorkspaceResourceID: "/x/law" }, enabled: true, identity: { clientId: "c" } } },
    agentPoolProfiles: [
      { count: 3, currentOrchestratorVersion: "1.34.8", mode: "System", name: "nodepool1", nodeImageVersion: "AKSUbuntu-2204gen2containerd-202607.08.0", orchestratorVersion: "1.34", osSku: "Ubuntu", osType: "Linux", powerState: { code: "Running" } },
    ],
    autoUpgradeProfile: { nodeOsUpgradeChannel: "Unmanaged", upgradeChannel: null },
    azureMonitorProfile: null,
    azurePortalFqdn: "aks-web-dev-dns.portal.hcp.eastus.azmk8s.io",
    currentKubernetesVersion: "1.34.8",
    id: CLUSTER_B,
    ingressProfile: null,
    kubernetesVersion: "1.34",
    location: "East US",
    name: "aks-web-dev",
    oidcIssuerProfile: { enabled: true, issuerUrl: "https://eastus.oic.prod-aks.azure.com/x/y/" },
    powerState: { code: "Running" },
    provisioningState: "Succeeded",
    resourceGroup: "rg-web",
    securityProfile: { workloadIdentity: null },
    serviceMeshProfile: null,
    sku: { name: "Base", tier: "Free" },
    supportPlan: "KubernetesOfficial",
    tags: { owner: "Chloe Nguyen" },
    type: "Microsoft.ContainerService/ManagedClusters",
    workloadAutoScalerProfile: { keda: null, verticalPodAutoscaler: null },
  },
];

let dir: string;
const file = (name: string): string => path.join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "aks-audit-export-"));
  await writeFile(file("graph.json"), JSON.stringify(graphExport, null, 2));
  await writeFile(file("resources.json"), JSON.stringify(wholeResources));
  await writeFile(file("aks-list.json"), JSON.stringify(aksList, null, 2));
  await writeFile(file("extensions.json"), JSON.stringify({ data: graphExport.data.slice(2) }));
  await writeFile(file("no-id.json"), JSON.stringify([aksList[0], { name: "x", type: "Microsoft.ContainerService/ManagedClusters" }]));
  await writeFile(file("broken.json"), '{"data": [ {"id": "x" ');
  await writeFile(file("table.json"), JSON.stringify({ data: { columns: [], rows: [] } }));
  await writeFile(file("scalar.json"), "42");
  await writeFile(file("vms.json"), JSON.stringify([{ id: "/subscriptions/x/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/vm1", type: "microsoft.compute/virtualmachines" }]));
  await writeFile(file("partial.json"), JSON.stringify({ ...graphExport, skip_token: "ew0KICAiJGlkIjogIjEiLA0K" }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function byId(clusters: ClusterRecord[], id: string): ClusterRecord {
  return clusters.find((c) => c.id === id)!;
}

describe("reading a fleet export", () => {
  it("reads az graph query output of the documented query, clusters and extensions in one file", async () => {
    const { clusters, extensions, warnings } = await readFleetFile(file("graph.json"));
    expect(warnings).toEqual([]);
    expect(clusters.map((c) => c.id)).toEqual([CLUSTER_A, CLUSTER_B]);
    const a = byId(clusters, CLUSTER_A);
    expect(a).toMatchObject({
      name: "aks-payments-prod",
      subscriptionId: SUB_A,
      resourceGroup: "rg-payments-prod",
      location: "westeurope",
      skuTier: "Premium",
      skuName: "Base",
      kubernetesVersion: "1.33",
      currentKubernetesVersion: "1.33.7",
      supportPlan: "AKSLongTermSupport",
      upgradeChannel: "patch",
      nodeOSUpgradeChannel: "NodeImage",
      serviceMeshMode: "Istio",
      istioRevisions: ["asm-1-25", "asm-1-26"],
      kedaEnabled: true,
      vpaEnabled: false,
      webAppRoutingEnabled: true,
      azureMonitorMetricsEnabled: true,
      workloadIdentityEnabled: true,
      oidcIssuerEnabled: true,
      powerState: "Running",
      tags: { owner: "ana.silva@contoso.example", env: "prod" },
    });
    expect(a.addonProfiles).toEqual({ omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: "/x/law" } }, azurepolicy: { enabled: true, config: null } });
    expect(a.agentPools[1]).toEqual({ name: "user1", mode: "User", orchestratorVersion: "1.32.12", currentOrchestratorVersion: "1.32.12", nodeImageVersion: null, osType: "Linux", osSku: "AzureLinux", count: 5 });

    // Nulls stay unknown, never false.
    const b = byId(clusters, CLUSTER_B);
    expect(b).toMatchObject({ kubernetesVersion: null, skuTier: null, supportPlan: null, kedaEnabled: null, webAppRoutingEnabled: null, oidcIssuerEnabled: null, powerState: null, tags: {}, agentPools: [], addonProfiles: {}, istioRevisions: [] });

    expect(extensions).toEqual([
      { id: graphExport.data[2]!.id, clusterId: CLUSTER_A.toLowerCase(), name: "flux", extensionType: "microsoft.flux", version: null, currentVersion: "1.17.1", releaseTrain: "Stable", autoUpgradeMinorVersion: true, provisioningState: "Succeeded" },
      { id: graphExport.data[3]!.id, clusterId: CLUSTER_B, name: "dapr", extensionType: "microsoft.dapr", version: "1.14.4", currentVersion: "1.14.4", releaseTrain: "Stable", autoUpgradeMinorVersion: false, provisioningState: "Succeeded" },
    ]);
  });

  it("reads whole resources with nested properties, as a bare array, extension bags in any casing", async () => {
    const { clusters, extensions } = await readFleetFile(file("resources.json"));
    expect(clusters).toHaveLength(1);
    expect(clusters[0]).toMatchObject({
      skuTier: "Standard",
      kubernetesVersion: "1.35.6",
      powerState: "Stopped",
      upgradeChannel: "stable",
      nodeOSUpgradeChannel: "SecurityPatch",
      serviceMeshMode: "Disabled",
      webAppRoutingEnabled: false,
      oidcIssuerEnabled: false,
      workloadIdentityEnabled: false,
      kedaEnabled: null,
      azureMonitorMetricsEnabled: null,
    });
    expect(clusters[0]!.addonProfiles.httpApplicationRouting).toEqual({ enabled: false, config: null });
    expect(extensions[0]).toMatchObject({ extensionType: "microsoft.dataprotection.kubernetes", autoUpgradeMinorVersion: true, version: null, clusterId: CLUSTER_A });
  });

  it("reads az aks list output: flattened properties and the CLI's casing", async () => {
    const { clusters, extensions } = await readFleetFile(file("aks-list.json"), file("extensions.json"));
    expect(clusters).toHaveLength(1);
    expect(clusters[0]).toMatchObject({
      id: CLUSTER_B,
      subscriptionId: SUB_B,
      resourceGroup: "rg-web",
      location: "eastus",
      kubernetesVersion: "1.34",
      currentKubernetesVersion: "1.34.8",
      nodeOSUpgradeChannel: "Unmanaged",
      upgradeChannel: null,
      kedaEnabled: null,
      workloadIdentityEnabled: null,
      oidcIssuerEnabled: true,
      powerState: "Running",
      skuTier: "Free",
    });
    expect(clusters[0]!.agentPools[0]!.osSku).toBe("Ubuntu");
    expect(extensions.map((x) => x.name)).toEqual(["flux", "dapr"]);
  });

  it("names the file and the item when an export is malformed", async () => {
    await expect(readFleetFile(file("no-id.json"))).rejects.toThrow(new FleetFileError(file("no-id.json"), 'item 1: no "id"'));
    await expect(readFleetFile(file("no-id.json"))).rejects.toThrow('no-id.json: item 1: no "id"');
    await expect(readFleetFile(file("broken.json"))).rejects.toThrow(/^broken\.json: not valid JSON/);
    await expect(readFleetFile(file("table.json"))).rejects.toThrow(/^table\.json: "data" is a table/);
    await expect(readFleetFile(file("scalar.json"))).rejects.toThrow(/^scalar\.json: expected a JSON array/);
    await expect(readFleetFile(file("vms.json"))).rejects.toThrow(/^vms\.json: no AKS clusters or extensions in the file/);
    await expect(readFleetFile(file("missing.json"))).rejects.toThrow("missing.json: file not found");
    await expect(readFleetFile(file("graph.json"), file("missing.json"))).rejects.toBeInstanceOf(FleetFileError);
  });

  it("warns when an az graph export stopped at a skip token", async () => {
    const { warnings, clusters } = await readFleetFile(file("partial.json"));
    expect(clusters).toHaveLength(2);
    expect(warnings[0]).toMatch(/^partial\.json: the export is incomplete/);
  });

  it("serves an export as a FleetSource, filtered by subscription", async () => {
    const src = await createFileFleetSource(file("graph.json"), undefined, 1);
    const errors: ScopeError[] = [];
    const scope = { subscriptions: [SUB_A.toUpperCase()], managementGroups: [], clusterIds: [] };
    const extensions = [];
    for await (const x of src.extensions(scope, errors)) extensions.push(x);
    const pages: ClusterRecord[][] = [];
    for await (const page of src.clusterPages(scope, errors)) pages.push(page);
    expect(pages.map((p) => p.map((c) => c.id))).toEqual([[CLUSTER_A]]);
    expect(extensions.map((x) => x.name)).toEqual(["flux"]);
    expect(errors).toEqual([]);

    const mgErrors: ScopeError[] = [];
    for await (const page of src.clusterPages({ subscriptions: [], managementGroups: ["mg-x"], clusterIds: [] }, mgErrors)) expect(page).toHaveLength(1);
    expect(mgErrors.map((e) => e.scope)).toEqual(["managementGroups"]);
  });
});

describe("parsing single rows", () => {
  it("reports an unusable row instead of throwing", () => {
    expect(parseClusterRow(null)).toEqual({ ok: false, reason: "not a JSON object" });
    expect(parseClusterRow({ name: "x" })).toEqual({ ok: false, reason: 'no "id"' });
    expect(parseClusterRow({ id: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/x", type: "microsoft.web/sites" }).ok).toBe(false);
    expect(parseExtensionRow({ id: `${CLUSTER_A}/providers/Microsoft.KubernetesConfiguration/extensions/x`, properties: {} })).toMatchObject({ ok: false, reason: expect.stringMatching(/no extension type/) });
    // Wrong types inside a usable row become null, not an exception.
    const odd = parseClusterRow({ id: CLUSTER_A, type: "microsoft.containerservice/managedclusters", properties: { kubernetesVersion: 7, agentPoolProfiles: "nope", addonProfiles: [1], powerState: 3 } });
    expect(odd).toMatchObject({ ok: true, value: { kubernetesVersion: "7", agentPools: [], addonProfiles: {}, powerState: "3", location: "" } });
  });

  it("derives an extension's cluster from its id, keeping the casing", () => {
    expect(clusterIdOfExtension(`${CLUSTER_A}/providers/microsoft.kubernetesconfiguration/extensions/flux`)).toBe(CLUSTER_A);
    expect(clusterIdOfExtension(CLUSTER_A)).toBeNull();
  });
});
