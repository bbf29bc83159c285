/**
 * AKS-managed capabilities from cluster profiles, one by one: enabled (listed as an aks-managed
 * add-on with its catalog stage), disabled and absent (not listed), preview (best-effort, info),
 * unknown to the catalog (kept, stage unknown), and the dated events the catalog holds.
 * Bodies are ARM managed-cluster resources, read by the same parser an export goes through.
 */
import { describe, expect, it } from "vitest";
import { CatalogError, loadBundledCatalog, mergeCatalog, parseCatalogOverride } from "../../src/catalog/load.js";
import type { Catalog, FeatureEntry } from "../../src/catalog/schema.js";
import { classifyCluster } from "../../src/core/classify.js";
import type { Integration } from "../../src/core/report.js";
import type { ClusterRecord } from "../../src/core/types.js";
import { parseClusterRow } from "../../src/sources/parse.js";

const bundled = loadBundledCatalog();
const ID = "/subscriptions/7a8b9c0d-0000-4000-8000-000000000001/resourceGroups/rg-apps/providers/Microsoft.ContainerService/managedClusters/aks-apps";
const asOf = "2026-12-02";

type Props = Record<string, unknown>;

/** A managed cluster as ARM returns it, on a supported minor, with `extra` merged into its properties. */
function body(extra: Props = {}, top: Props = {}, location = "westeurope"): Props {
  return {
    id: ID,
    name: "aks-apps",
    type: "Microsoft.ContainerService/managedClusters",
    location,
    sku: { name: "Base", tier: "Standard" },
    properties: {
      provisioningState: "Succeeded",
      kubernetesVersion: "1.36",
      currentKubernetesVersion: "1.36.1",
      agentPoolProfiles: [{ name: "system", mode: "System", count: 3, orchestratorVersion: "1.36.1", currentOrchestratorVersion: "1.36.1", osType: "Linux", osSKU: "AzureLinux" }],
      networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", loadBalancerSku: "standard" },
      ...extra,
    },
    ...top,
  };
}

function record(resource: Props): ClusterRecord {
  const parsed = parseClusterRow(resource);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

function run(resource: Props, catalog: Catalog = bundled, when = asOf): Integration[] {
  return classifyCluster({ cluster: record(resource), extensions: [], openSource: [], versions: null }, catalog, { asOf: when, windowDays: 60 }).integrations;
}

const named = (list: Integration[], name: string) => list.filter((i) => i.name === name);
const text = (i: Integration) => i.reasons.join("\n");

interface Case {
  name: string;
  stage: "ga" | "preview";
  on: Props;
  off: Props;
  /** Top-level fields (sku) rather than properties. */
  top?: boolean;
}

const CASES: Case[] = [
  { name: "aiToolchainOperator", stage: "ga", on: { aiToolchainOperatorProfile: { enabled: true } }, off: { aiToolchainOperatorProfile: { enabled: false } } },
  { name: "costAnalysis", stage: "ga", on: { metricsProfile: { costAnalysis: { enabled: true } } }, off: { metricsProfile: { costAnalysis: { enabled: false } } } },
  {
    name: "appMonitoring",
    stage: "ga",
    on: { azureMonitorProfile: { appMonitoring: { autoInstrumentation: { enabled: false }, openTelemetryMetrics: { enabled: true, httpPort: 0, grpcPort: 0 } } } },
    off: { azureMonitorProfile: { appMonitoring: { autoInstrumentation: { enabled: false }, openTelemetryMetrics: { enabled: false }, openTelemetryLogsAndTraces: { enabled: false } } } },
  },
  { name: "imageCleaner", stage: "ga", on: { securityProfile: { imageCleaner: { enabled: true, intervalHours: 48 } } }, off: { securityProfile: { imageCleaner: { enabled: false, intervalHours: 48 } } } },
  { name: "imageIntegrity", stage: "preview", on: { securityProfile: { imageIntegrity: { enabled: true } } }, off: { securityProfile: { imageIntegrity: { enabled: false } } } },
  {
    name: "defender",
    stage: "ga",
    on: { securityProfile: { defender: { logAnalyticsWorkspaceResourceId: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law", securityMonitoring: { enabled: true } } } },
    off: { securityProfile: { defender: { securityMonitoring: { enabled: false } } } },
  },
  {
    name: "azureKeyVaultKms",
    stage: "ga",
    on: { securityProfile: { azureKeyVaultKms: { enabled: true, keyId: "https://kv.vault.azure.net/keys/k/1", keyVaultNetworkAccess: "Public" } } },
    off: { securityProfile: { azureKeyVaultKms: { enabled: false } } },
  },
  { name: "workloadIdentity", stage: "ga", on: { securityProfile: { workloadIdentity: { enabled: true } } }, off: { securityProfile: { workloadIdentity: { enabled: false } } } },
  { name: "oidcIssuer", stage: "ga", on: { oidcIssuerProfile: { enabled: true, issuerURL: "https://westeurope.oic.prod-aks.azure.com/t/c/" } }, off: { oidcIssuerProfile: { enabled: false } } },
  { name: "nodeProvisioning", stage: "ga", on: { nodeProvisioningProfile: { mode: "Auto", defaultNodePools: "Auto" } }, off: { nodeProvisioningProfile: { mode: "Manual" } } },
  { name: "diskCSIDriver", stage: "ga", on: { storageProfile: { diskCSIDriver: { enabled: true } } }, off: { storageProfile: { diskCSIDriver: { enabled: false } } } },
  { name: "fileCSIDriver", stage: "ga", on: { storageProfile: { fileCSIDriver: { enabled: true } } }, off: { storageProfile: { fileCSIDriver: { enabled: false } } } },
  { name: "blobCSIDriver", stage: "ga", on: { storageProfile: { blobCSIDriver: { enabled: true } } }, off: { storageProfile: { blobCSIDriver: { enabled: false } } } },
  { name: "snapshotController", stage: "ga", on: { storageProfile: { snapshotController: { enabled: true } } }, off: { storageProfile: { snapshotController: { enabled: false } } } },
  {
    name: "ciliumDataplane",
    stage: "ga",
    on: { networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", networkPolicy: "cilium", networkDataplane: "cilium" } },
    off: { networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", networkDataplane: "azure" } },
  },
  {
    name: "advancedNetworking",
    stage: "ga",
    on: { networkProfile: { networkPlugin: "azure", networkDataplane: "cilium", advancedNetworking: { enabled: true, observability: { enabled: true } } } },
    off: { networkProfile: { networkPlugin: "azure", networkDataplane: "azure", advancedNetworking: { enabled: false } } },
  },
  { name: "gatewayAPI", stage: "ga", on: { ingressProfile: { gatewayAPI: { installation: "Standard" } } }, off: { ingressProfile: { gatewayAPI: { installation: "Disabled" } } } },
  {
    name: "appRoutingIstio",
    stage: "ga",
    on: { ingressProfile: { webAppRouting: { enabled: true, gatewayAPIImplementations: { appRoutingIstio: { mode: "Enabled" } } } } },
    off: { ingressProfile: { webAppRouting: { enabled: false, gatewayAPIImplementations: { appRoutingIstio: { mode: "Disabled" } } } } },
  },
  { name: "hostedSystem", stage: "ga", on: { hostedSystemProfile: { enabled: true } }, off: { hostedSystemProfile: { enabled: false } } },
  { name: "aksAutomatic", stage: "ga", top: true, on: { sku: { name: "Automatic", tier: "Standard" } }, off: { sku: { name: "Base", tier: "Standard" } } },
];

function withCase(c: Case, state: "on" | "off"): Props {
  return c.top ? body({}, c[state]) : body(c[state]);
}

/** The catalog with one feature's entry changed (or removed, with `null`). */
function withFeature(name: string, change: ((e: FeatureEntry) => FeatureEntry) | null): Catalog {
  const catalog = structuredClone(bundled);
  catalog.features = catalog.features.flatMap((e) => (e.name !== name ? [e] : change ? [change(e)] : []));
  return catalog;
}

describe.each(CASES)("$name", (c) => {
  it("enabled: listed once as an aks-managed add-on with the catalog's stage and what the cluster reported", () => {
    const hits = named(run(withCase(c, "on")), c.name);
    expect(hits).toHaveLength(1);
    const [i] = hits as [Integration];
    expect(i).toMatchObject({ kind: "addon", supportTier: "aks-managed", stage: c.stage, version: null, severity: c.stage === "preview" ? "info" : "ok" });
    expect(text(i)).toMatch(/The cluster reports .+ = /);
  });

  it("disabled: not listed, and read as off rather than unknown", () => {
    const resource = withCase(c, "off");
    expect(named(run(resource), c.name)).toEqual([]);
    expect(record(resource).managedFeatures!.find((f) => f.name.toLowerCase() === c.name.toLowerCase())?.enabled).toBe(false);
  });

  it("absent: not listed and not recorded", () => {
    const resource = c.top ? body({}, { sku: null }) : body();
    expect(named(run(resource), c.name)).toEqual([]);
    expect(record(resource).managedFeatures!.some((f) => f.name.toLowerCase() === c.name.toLowerCase())).toBe(false);
  });

  it("preview in the catalog: judged as preview, best-effort support, at least info", () => {
    const [i] = named(run(withCase(c, "on"), withFeature(c.name, (e) => ({ ...e, stage: "preview" }))), c.name) as [Integration];
    expect(i.stage).toBe("preview");
    expect(i.severity).toBe("info");
    expect(text(i)).toMatch(/in preview: best-effort support/);
  });

  it("unknown to the catalog: kept with stage unknown and a reason, never dropped", () => {
    const [i] = named(run(withCase(c, "on"), withFeature(c.name, null)), c.name) as [Integration];
    expect(i).toMatchObject({ kind: "addon", supportTier: "aks-managed", stage: "unknown", drift: "unknown", severity: "info" });
    expect(text(i)).toMatch(/does not know the AKS-managed capability/);
  });
});

describe("Container insights through either configuration", () => {
  const profile = (enabled: boolean) => ({ azureMonitorProfile: { containerInsights: { enabled, logAnalyticsWorkspaceResourceId: "/subscriptions/x/law" } } });
  const addon = (enabled: boolean) => ({ addonProfiles: { omsagent: { enabled, config: enabled ? { logAnalyticsWorkspaceResourceID: "/subscriptions/x/law", useAADAuth: "true" } : null } } });
  const monitoring = (list: Integration[]) => list.filter((i) => /^(omsagent|containerInsights)$/i.test(i.name));

  it("azureMonitorProfile.containerInsights alone is Container insights, listed as omsagent, saying where it was found", () => {
    const [i, ...rest] = monitoring(run(body({ ...profile(true) })));
    expect(rest).toEqual([]);
    expect(i).toMatchObject({ name: "omsagent", kind: "addon", supportTier: "aks-managed", stage: "ga" });
    expect(text(i!)).toContain("found through azureMonitorProfile.containerInsights (no omsagent add-on profile)");
  });

  it("both switches on: one integration that says it is configured twice", () => {
    const list = monitoring(run(body({ ...profile(true), ...addon(true) })));
    expect(list.map((i) => i.name)).toEqual(["omsagent"]);
    expect(text(list[0]!)).toContain("turned on twice");
  });

  it("the add-on alone keeps its config-based judgement and names its configuration", () => {
    const [i] = monitoring(run(body({ ...addon(true), ...profile(false) })));
    expect(text(i!)).toContain("found through the omsagent add-on profile");
    expect(text(i!)).not.toContain("Could not tell whether useAADAuth");
  });

  it("both off: not listed", () => {
    expect(monitoring(run(body({ ...addon(false), ...profile(false) })))).toEqual([]);
  });
});

describe("dated events and rules for capabilities", () => {
  const defender = CASES.find((c) => c.name === "defender")!;

  it("Defender in an Azure-in-China region carries the 21Vianet retirement (passed: critical); elsewhere it does not", () => {
    const china = body(defender.on, {}, "chinaeast2");
    const [i] = named(run(china), "defender") as [Integration];
    expect(i.deadlines).toEqual([expect.objectContaining({ date: "2026-08-18", kind: "retirement", daysLeft: -106 })]);
    expect(i.stage).toBe("retired");
    expect(i.severity).toBe("critical");
    const [elsewhere] = named(run(body(defender.on)), "defender") as [Integration];
    expect(elsewhere.deadlines).toEqual([]);
  });

  it("a retirement in the catalog dates the capability: a warning inside the window, retired after it", () => {
    const catalog = withFeature("imageCleaner", (e) => ({ ...e, retirement: { date: "2027-01-15", source: "https://learn.microsoft.com/azure/aks/image-cleaner", checked: asOf }, replacement: "the example replacement" }));
    const on = body(CASES.find((c) => c.name === "imageCleaner")!.on);
    const [soon] = named(run(on, catalog), "imageCleaner") as [Integration];
    expect(soon).toMatchObject({ severity: "warning", stage: "ga", deadlines: [expect.objectContaining({ date: "2027-01-15", kind: "retirement", daysLeft: 44 })] });
    expect(text(soon)).toContain("Plan a move to the example replacement");
    const [after] = named(run(on, catalog, "2027-02-01"), "imageCleaner") as [Integration];
    expect(after).toMatchObject({ stage: "retired", drift: "out-of-support", severity: "critical" });
  });

  it("a changes.json entry aimed at a capability's name applies to it", () => {
    const catalog = structuredClone(bundled);
    catalog.changes.push({
      id: "test-blob-change",
      subject: "An example breaking change to the Blob CSI driver",
      kind: "breaking-change",
      date: "2027-01-10",
      appliesTo: { target: "addon", name: "blobCSIDriver" },
      replacement: null,
      source: "https://learn.microsoft.com/azure/aks/csi-storage-drivers",
      checked: asOf,
    });
    const [i] = named(run(body(CASES.find((c) => c.name === "blobCSIDriver")!.on), catalog), "blobCSIDriver") as [Integration];
    expect(i.deadlines).toEqual([expect.objectContaining({ date: "2027-01-10", kind: "breaking-change" })]);
    expect(i.severity).toBe("warning");
  });

  it("KMS on a long-term-support cluster asks to confirm it before running past community support", () => {
    const lts = body({ ...CASES.find((c) => c.name === "azureKeyVaultKms")!.on, supportPlan: "AKSLongTermSupport", kubernetesVersion: "1.33", currentKubernetesVersion: "1.33.5" }, { sku: { name: "Base", tier: "Premium" } });
    const [i] = named(run(lts), "azureKeyVaultKms") as [Integration];
    expect(text(i)).toMatch(/Under long-term support, confirm .*KMS.* supports 1\.33/);
    expect(text(i)).toContain("legacy");
  });

  it("on a cluster whose minor is out of support, a capability is out of support too", () => {
    const old = body({ ...CASES.find((c) => c.name === "gatewayAPI")!.on, kubernetesVersion: "1.28", currentKubernetesVersion: "1.28.15" });
    const [i] = named(run(old), "gatewayAPI") as [Integration];
    expect(i).toMatchObject({ drift: "out-of-support", severity: "critical" });
  });

  it("the CLI's casing (diskCsiDriver, gatewayApi) is reported under the catalog's names", () => {
    const cli = {
      id: ID,
      name: "aks-apps",
      type: "Microsoft.ContainerService/ManagedClusters",
      location: "westeurope",
      resourceGroup: "rg-apps",
      sku: { name: "Base", tier: "Standard" },
      currentKubernetesVersion: "1.36.1",
      kubernetesVersion: "1.36",
      storageProfile: { diskCsiDriver: { enabled: true, version: "v1" }, blobCsiDriver: null, fileCsiDriver: { enabled: false }, snapshotController: null },
      ingressProfile: { gatewayApi: { installation: "Standard" }, webAppRouting: { enabled: false, gatewayApiImplementations: { appRoutingIstio: { mode: "Enabled" } } } },
      securityProfile: { azureKeyVaultKms: null, defender: null, imageCleaner: null, workloadIdentity: null },
    };
    const names = run(cli).filter((i) => i.kind === "addon").map((i) => i.name);
    expect(names).toEqual(["appRoutingIstio", "diskCSIDriver", "gatewayAPI"]);
  });

  it("an add-on of the same name wins over a capability, so nothing is listed twice", () => {
    const both = body({ addonProfiles: { imageCleaner: { enabled: true, config: null } }, securityProfile: { imageCleaner: { enabled: true } } });
    expect(named(run(both), "imageCleaner")).toHaveLength(1);
  });
});

describe("features.json is validated at load", () => {
  it("a broken capability entry names the file, the entry and the field", () => {
    const bad = { features: [{ name: "imageCleaner", displayName: "Image Cleaner", detection: "securityProfile.imageCleaner.enabled", stage: "beta", retirement: null, endOfSupport: null, replacement: null, lts: null, advice: null, changes: [{ id: "x", subject: "y", kind: "retirement", date: "2027-13-01", source: "https://learn.microsoft.com/x", checked: asOf }], source: "https://learn.microsoft.com/azure/aks/image-cleaner", checked: asOf }] };
    expect(() => parseCatalogOverride(bad, "override.json")).toThrow(CatalogError);
    expect(() => parseCatalogOverride(bad, "override.json")).toThrow(/override\.json \(features\): entry "imageCleaner": field "stage"/);
    expect(() => parseCatalogOverride(bad, "override.json")).toThrow(/field "changes\[0\]\.date": expected YYYY-MM-DD/);
  });

  it("every bundled capability fact names a public https source and the day it was checked", () => {
    expect(bundled.features.length).toBeGreaterThanOrEqual(20);
    for (const e of bundled.features) {
      expect(e.source).toMatch(/^https:\/\/learn\.microsoft\.com\//);
      expect(e.checked).toBe("2026-12-02");
      for (const c of e.changes) expect(c.source).toMatch(/^https:\/\/learn\.microsoft\.com\//);
    }
  });

  it("an override can add a capability the bundle does not know, and the report then judges it", () => {
    const override = parseCatalogOverride(
      { features: [{ name: "nodeRestriction", displayName: "Node restriction", detection: "securityProfile.nodeRestriction.enabled", stage: "preview", retirement: null, endOfSupport: null, replacement: null, lts: null, advice: null, changes: [], source: "https://learn.microsoft.com/azure/aks/", checked: asOf }] },
      "override.json",
    );
    const [i] = named(run(body({ securityProfile: { nodeRestriction: { enabled: true } } }), mergeCatalog(bundled, override)), "nodeRestriction") as [Integration];
    expect(i.stage).toBe("preview");
  });
});
