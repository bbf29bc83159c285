import { describe, expect, it } from "vitest";
import { loadBundledCatalog } from "../../src/catalog/load.js";
import { buildReport, classifyCluster, type ClassifyInput } from "../../src/core/classify.js";
import type { Integration } from "../../src/core/report.js";
import type { AgentPool, ClusterRecord, ExtensionRecord, LocationVersions, OpenSourceFind } from "../../src/core/types.js";

const catalog = loadBundledCatalog();
const ID = "/subscriptions/0000/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod";
const DOCS = "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions";

function pool(name: string, version: string | null, extra: Partial<AgentPool> = {}): AgentPool {
  return { name, mode: "User", orchestratorVersion: version, currentOrchestratorVersion: version, nodeImageVersion: null, osType: "Linux", osSku: "Ubuntu2404", count: 3, ...extra };
}

function cluster(overrides: Partial<ClusterRecord> = {}): ClusterRecord {
  const version = overrides.currentKubernetesVersion ?? "1.34.2";
  return {
    id: ID,
    name: "aks-prod",
    subscriptionId: "0000",
    resourceGroup: "rg-prod",
    location: "westeurope",
    tags: {},
    skuTier: "Standard",
    skuName: "Base",
    kubernetesVersion: version,
    currentKubernetesVersion: version,
    supportPlan: "KubernetesOfficial",
    addonProfiles: {},
    agentPools: [pool("system", version, { mode: "System" })],
    upgradeChannel: null,
    nodeOSUpgradeChannel: null,
    serviceMeshMode: null,
    istioRevisions: [],
    kedaEnabled: null,
    vpaEnabled: null,
    webAppRoutingEnabled: null,
    azureMonitorMetricsEnabled: null,
    workloadIdentityEnabled: null,
    oidcIssuerEnabled: null,
    provisioningState: "Succeeded",
    powerState: "Running",
    ...overrides,
  };
}

function lts(version: string, overrides: Partial<ClusterRecord> = {}): ClusterRecord {
  return cluster({ currentKubernetesVersion: version, skuTier: "Premium", supportPlan: "AKSLongTermSupport", ...overrides });
}

function extension(type: string, currentVersion: string | null, extra: Partial<ExtensionRecord> = {}): ExtensionRecord {
  return { id: `${ID}/providers/Microsoft.KubernetesConfiguration/extensions/${type}`, clusterId: ID, name: type.split(".").at(-1)!, extensionType: type, version: null, currentVersion, releaseTrain: "Stable", autoUpgradeMinorVersion: true, provisioningState: "Succeeded", ...extra };
}

function find(signature: string, version: string | null, namespace = "default"): OpenSourceFind {
  return { clusterId: ID, signature, version, evidence: `helm chart ${signature}`, namespace };
}

function run(c: ClusterRecord, asOf = "2026-11-23", more: Partial<ClassifyInput> = {}, windowDays = 60) {
  return classifyCluster({ cluster: c, extensions: [], openSource: [], versions: null, ...more }, catalog, { asOf, windowDays });
}

function get(integrations: Integration[], kind: Integration["kind"], name: string): Integration {
  const hit = integrations.find((i) => i.kind === kind && i.name === name);
  if (!hit) throw new Error(`no ${kind} ${name} in ${integrations.map((i) => `${i.kind}:${i.name}`).join(", ")}`);
  return hit;
}

const k8s = (c: ClusterRecord, asOf?: string, more?: Partial<ClassifyInput>) => get(run(c, asOf, more).integrations, "kubernetes", "kubernetes");
const reasons = (i: Integration) => i.reasons.join("\n");

describe("Kubernetes support: N-2, platform support and LTS", () => {
  it("the same minor is out of support on the standard plan but covered under LTS", () => {
    const standard = k8s(cluster({ currentKubernetesVersion: "1.31.5", agentPools: [] }));
    expect(standard).toMatchObject({ severity: "critical", drift: "out-of-support", stage: "retired" });
    expect(reasons(standard)).toContain("Community support for 1.31 ended on 2025-11-01");
    expect(reasons(standard)).toContain("Platform support for 1.31 ended when 1.35 became GA");

    const longTerm = k8s(lts("1.31.5", { agentPools: [] }));
    expect(longTerm.severity).toBe("warning");
    expect(longTerm.drift).not.toBe("out-of-support");
    expect(longTerm.deadlines).toContainEqual({ date: "2026-11-30", kind: "end-of-support", daysLeft: 7, source: DOCS });
    expect(reasons(longTerm)).toContain("long-term support (Premium tier, AKSLongTermSupport plan) covers it until 2026-11-30");
  });

  it("the LTS plan without the Premium tier gets community dates, and says why", () => {
    const i = k8s(cluster({ currentKubernetesVersion: "1.31.5", supportPlan: "AKSLongTermSupport", skuTier: "Standard", agentPools: [] }));
    expect(i.severity).toBe("critical");
    expect(reasons(i)).toContain("long-term support needs the Premium tier");
  });

  it("a cluster in platform support (N-3) expects an AKS-initiated upgrade when N+4 goes GA", () => {
    const i = k8s(cluster({ currentKubernetesVersion: "1.33.4", agentPools: [] }), "2026-08-15");
    expect(i).toMatchObject({ stage: "deprecated", drift: "out-of-support", severity: "critical" });
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2026-10-01", kind: "forced-upgrade", daysLeft: 47 }));
    expect(reasons(i)).toContain("only Azure platform issues are covered, not Kubernetes components or add-ons");
  });

  it("a supported minor behind the newest GA is minor-behind but ok", () => {
    const i = k8s(cluster({ currentKubernetesVersion: "1.35.1" }));
    expect(i).toMatchObject({ drift: "minor-behind", severity: "ok", stage: "ga" });
    expect(i.deadlines).toEqual([{ date: "2027-03-31", kind: "end-of-support", daysLeft: 128, source: DOCS }]);
    expect(reasons(i)).toContain("Long-term support (Premium tier with the AKSLongTermSupport plan) would extend 1.35 to 2028-03-31");
    expect(reasons(i)).toContain("No live version data for westeurope; support judged from catalog");
  });

  it("a version older than the whole catalog is out of support", () => {
    const i = k8s(cluster({ currentKubernetesVersion: "1.21.2", agentPools: [] }));
    expect(i).toMatchObject({ drift: "out-of-support", severity: "critical" });
    expect(reasons(i)).toContain("older than every minor in the catalog");
  });
});

describe("alert window", () => {
  it("a deadline 60 days away is a warning, 61 days away is not", () => {
    const at60 = k8s(cluster({ currentKubernetesVersion: "1.34.2" }), "2026-10-01");
    const at61 = k8s(cluster({ currentKubernetesVersion: "1.34.2" }), "2026-09-30");
    expect(at60.deadlines[0]).toMatchObject({ date: "2026-11-30", daysLeft: 60 });
    expect(at60.severity).toBe("warning");
    expect(at61.deadlines[0]).toMatchObject({ date: "2026-11-30", daysLeft: 61 });
    expect(at61.severity).toBe("ok");
  });

  it("the window is a setting, and a passed deadline is critical", () => {
    const c = cluster({ currentKubernetesVersion: "1.34.2" });
    const narrow = classifyCluster({ cluster: c, extensions: [], versions: null }, catalog, { asOf: "2026-10-01", windowDays: 30 });
    expect(get(narrow.integrations, "kubernetes", "kubernetes").severity).toBe("ok");
    expect(k8s(c, "2026-12-01").severity).toBe("critical");
  });
});

describe("sources that disagree on a date", () => {
  it("1.32: the calendar's March date beats the release notes' April 30, and the reason shows both", () => {
    const i = k8s(cluster({ currentKubernetesVersion: "1.32.6" }), "2026-03-15");
    expect(i.deadlines).toContainEqual({ date: "2026-03-31", kind: "end-of-support", daysLeft: 16, source: DOCS });
    expect(i.severity).toBe("warning");
    expect(reasons(i)).toMatch(/Sources disagree on the end of community support for 1\.32: 2026-03-31 .*; 2026-04-30 .*The earliest, 2026-03-31, is used\./);
  });

  it("1.32 is already out of support in mid-April, before the later date", () => {
    expect(k8s(cluster({ currentKubernetesVersion: "1.32.6" }), "2026-04-15")).toMatchObject({ drift: "out-of-support", severity: "critical" });
  });

  it("1.33: June (earlier revision) is used over July", () => {
    const i = k8s(cluster({ currentKubernetesVersion: "1.33.1" }), "2026-06-01");
    expect(i.deadlines.find((d) => d.kind === "end-of-support")?.date).toBe("2026-06-30");
  });
});

describe("live version data beats the catalog", () => {
  const live = (minors: LocationVersions["minors"]): LocationVersions => ({ location: "westeurope", minors });
  const offer = (version: string, patches: string[], plans = ["KubernetesOfficial", "AKSLongTermSupport"], isPreview = false) => ({ version, isPreview, isDefault: false, supportPlans: plans, patchVersions: patches });

  it("a region that offers the minor only under LTS ends community support, whatever the catalog says", () => {
    const versions = live([offer("1.34", ["1.34.2"], ["AKSLongTermSupport"]), offer("1.35", ["1.35.1"]), offer("1.36", ["1.36.0"])]);
    const i = k8s(cluster({ currentKubernetesVersion: "1.34.2" }), "2026-11-01", { versions });
    expect(i).toMatchObject({ drift: "out-of-support", severity: "critical" });
    expect(reasons(i)).toContain("westeurope offers 1.34 only under AKSLongTermSupport now (live version data)");
  });

  it("a region still offering a minor keeps it supported past the catalog date, and says which was used", () => {
    const versions = live([offer("1.32", ["1.32.6", "1.32.7"]), offer("1.33", ["1.33.1"]), offer("1.34", ["1.34.2"])]);
    const i = k8s(cluster({ currentKubernetesVersion: "1.32.6" }), "2026-04-15", { versions });
    expect(i.drift).not.toBe("out-of-support");
    expect(reasons(i)).toContain("Support judged from live version data for westeurope");
    expect(reasons(i)).toContain("the live data is used");
  });

  it("a passed catalog date the region contradicts is no deadline, so neither Kubernetes nor its add-ons turn critical", () => {
    const versions = live([offer("1.31", ["1.31.5"]), offer("1.32", ["1.32.7"]), offer("1.33", ["1.33.1"])]);
    const c = cluster({ currentKubernetesVersion: "1.31.5", addonProfiles: { omsagent: { enabled: true, config: null } } });
    const report = run(c, "2026-11-23", { versions });
    const kube = get(report.integrations, "kubernetes", "kubernetes");
    expect(kube.severity).not.toBe("critical");
    expect(kube.deadlines.filter((d) => d.daysLeft < 0)).toEqual([]);
    expect(reasons(kube)).not.toMatch(/ends on 2025-11-01/);
    const oms = get(report.integrations, "addon", "omsagent");
    expect(oms.severity).not.toBe("critical");
    expect(oms.deadlines.filter((d) => d.daysLeft < 0)).toEqual([]);
  });

  it("a patch behind the newest offered patch is patch-behind", () => {
    const versions = live([offer("1.35", ["1.35.0", "1.35.1", "1.35.3"]), offer("1.36", ["1.36.1"], ["KubernetesOfficial"], true)]);
    const i = k8s(cluster({ currentKubernetesVersion: "1.35.1" }), "2026-11-23", { versions });
    expect(i.drift).toBe("patch-behind");
    expect(reasons(i)).toContain("1.35.1 is behind the newest patch 1.35.3 offered in westeurope");
  });

  it("a minor the region no longer lists, older than all it offers, is out of support", () => {
    const versions = live([offer("1.35", ["1.35.1"]), offer("1.36", ["1.36.0"])]);
    const i = k8s(cluster({ currentKubernetesVersion: "1.33.4" }), "2026-05-01", { versions });
    expect(i.drift).toBe("out-of-support");
    expect(reasons(i)).toContain("westeurope no longer offers 1.33 (live version data");
  });

  it("a minor the region offers as a preview is a preview (info)", () => {
    const versions = live([offer("1.36", ["1.36.2"]), offer("1.37", ["1.37.0"], ["KubernetesOfficial"], true)]);
    const i = k8s(cluster({ currentKubernetesVersion: "1.37.0" }), "2026-09-20", { versions });
    expect(i).toMatchObject({ stage: "preview", severity: "info" });
    expect(reasons(i)).toContain("westeurope offers 1.37 as a preview");
  });
});

describe("preview clusters", () => {
  it("a minor not yet GA in the catalog is a preview", () => {
    const i = k8s(cluster({ currentKubernetesVersion: "1.37.0" }), "2026-09-15");
    expect(i).toMatchObject({ stage: "preview", severity: "info" });
    expect(reasons(i)).toContain("1.37 is not generally available on AKS until 2026-10-01");
  });

  it("a -preview label marks a preview, and add-ons on it are warned they may change major/minor", () => {
    const report = run(cluster({ currentKubernetesVersion: "1.36.0-preview", kedaEnabled: true }));
    const i = get(report.integrations, "kubernetes", "kubernetes");
    expect(i.stage).toBe("preview");
    expect(reasons(i)).toContain('pre-release label "preview"');
  });
});

describe("node pools", () => {
  it("a pool beyond the supported skew is critical and named", () => {
    const i = k8s(lts("1.31.5", { agentPools: [pool("system", "1.31.5"), pool("legacy", "1.27.9")] }));
    expect(i.severity).toBe("critical");
    expect(i.drift).toBe("out-of-support");
    expect(reasons(i)).toContain('Node pool "legacy" runs 1.27.9, 4 minors behind the control plane (1.31.5); AKS supports at most 3.');
  });

  it("a pool behind within the skew is reported by name without raising severity", () => {
    const i = k8s(cluster({ currentKubernetesVersion: "1.36.1", agentPools: [pool("system", "1.36.1"), pool("batch", "1.35.3"), pool("gpu", "1.36.0")] }));
    expect(i.severity).toBe("ok");
    expect(i.drift).toBe("minor-behind");
    expect(reasons(i)).toContain('Node pool "batch" runs 1.35.3, 1 minor behind the control plane (1.36.1).');
    expect(reasons(i)).toContain('Node pool "gpu" runs 1.36.0, behind the control plane\'s patch (1.36.1).');
  });

  it("a pool on a minor whose support ended is critical even inside the skew", () => {
    const i = k8s(cluster({ currentKubernetesVersion: "1.35.1", agentPools: [pool("old", "1.33.2")] }));
    expect(i.severity).toBe("critical");
    expect(reasons(i)).toContain('Node pool "old" is on 1.33, whose support ended on 2026-06-30.');
  });

  it("before 1.28 the skew allowed is two minors", () => {
    const i = k8s(cluster({ currentKubernetesVersion: "1.27.3", agentPools: [pool("np", "1.24.9")] }), "2023-09-01");
    expect(reasons(i)).toContain('Node pool "np" runs 1.24.9, 3 minors behind the control plane (1.27.3); AKS supports at most 2.');
  });

  it("a pool ahead of the control plane is critical", () => {
    const i = k8s(cluster({ currentKubernetesVersion: "1.35.1", agentPools: [pool("new", "1.36.0")] }));
    expect(i.severity).toBe("critical");
    expect(reasons(i)).toContain('Node pool "new" runs 1.36.0');
  });

  it("a retired node OS on a pool adds its dated deadline", () => {
    const i = k8s(cluster({ currentKubernetesVersion: "1.35.1", agentPools: [pool("win", "1.35.1", { osType: "Windows", osSku: "Windows2019" })] }));
    expect(i.severity).toBe("critical");
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2026-03-01", kind: "end-of-support" }));
    expect(reasons(i)).toContain('Node pool "win" uses Windows2019');
  });
});

describe("add-ons", () => {
  it("each enabled add-on carries a forced upgrade on the day its minor leaves support, naming the next version", () => {
    const report = run(lts("1.32.9", { vpaEnabled: true, addonProfiles: { azurepolicy: { enabled: true, config: null } } }));
    const vpa = get(report.integrations, "addon", "vpa");
    expect(vpa.supportTier).toBe("aks-managed");
    expect(vpa.deadlines).toEqual([{ date: "2027-03-31", kind: "forced-upgrade", daysLeft: 128, source: DOCS }]);
    expect(reasons(vpa)).toContain("When 1.32 leaves support on 2027-03-31, the cluster must move to 1.33 and this add-on's major/minor moves with it: AKS runs 1.2.1 on 1.33 (1.0.0 on 1.32).");
    const policy = get(report.integrations, "addon", "azurepolicy");
    expect(reasons(policy)).toContain("AKS runs 1.10.1 on 1.33 (1.8.0 on 1.32)");
  });

  it("the forced upgrade is a warning inside the window and names the breaking change it crosses", () => {
    const keda = get(run(lts("1.31.5", { agentPools: [], kedaEnabled: true })).integrations, "addon", "keda");
    expect(keda.severity).toBe("warning");
    expect(keda.deadlines[0]).toMatchObject({ date: "2026-11-30", kind: "forced-upgrade", daysLeft: 7 });
    expect(reasons(keda)).toContain("2.14.1 or 2.16 (sources differ) on 1.32");
    expect(reasons(keda)).toContain("That move crosses 2.15: KEDA 2.15 and later no longer support pod identity authentication.");
  });

  it("a retired add-on is critical with its retirement date and source", () => {
    const i = get(run(cluster({ addonProfiles: { httpApplicationRouting: { enabled: true, config: null } } })).integrations, "addon", "httpApplicationRouting");
    expect(i).toMatchObject({ stage: "retired", drift: "out-of-support", severity: "critical" });
    expect(i.deadlines).toEqual([{ date: "2025-03-03", kind: "retirement", daysLeft: -630, source: "https://learn.microsoft.com/azure/aks/app-routing-migration" }]);
    expect(reasons(i)).toContain("AKS retired HTTP application routing (preview) on 2025-03-03");
  });

  it("a retired add-on without a published day is still critical", () => {
    const i = get(run(cluster({ addonProfiles: { kubeDashboard: { enabled: true, config: null } } })).integrations, "addon", "kubeDashboard");
    expect(i).toMatchObject({ stage: "retired", severity: "critical" });
  });

  it("a retirement announced further out is dated but ok until the window", () => {
    const osm = get(run(cluster({ currentKubernetesVersion: "1.37.1", agentPools: [], addonProfiles: { openServiceMesh: { enabled: true, config: null } } }), "2027-01-05").integrations, "addon", "openServiceMesh");
    expect(osm.stage).toBe("deprecated");
    expect(osm.deadlines).toContainEqual(expect.objectContaining({ date: "2027-09-30", kind: "retirement" }));
    expect(osm.severity).toBe("ok"); // 268 days out: dated, not yet a warning
    const edge = get(run(cluster({ currentKubernetesVersion: "1.37.1", agentPools: [], addonProfiles: { openServiceMesh: { enabled: true, config: null } } }), "2027-07-31").integrations, "addon", "openServiceMesh");
    expect(edge.severity).toBe("ok"); // 61 days out: one day before the 60-day window
    const later = get(run(cluster({ currentKubernetesVersion: "1.37.1", agentPools: [], addonProfiles: { openServiceMesh: { enabled: true, config: null } } }), "2027-08-15").integrations, "addon", "openServiceMesh");
    expect(later.severity).toBe("warning");
  });

  it("managed NGINX app routing warns 7 days before its support ends", () => {
    const i = get(run(cluster({ currentKubernetesVersion: "1.35.1", webAppRoutingEnabled: true })).integrations, "addon", "webAppRouting");
    expect(i.severity).toBe("warning");
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2026-11-30", kind: "end-of-support", daysLeft: 7 }));
  });

  it("on an LTS cluster, an add-on LTS does not cover is flagged with community end of support", () => {
    const withAgic = { ingressApplicationGateway: { enabled: true, config: null } };
    const onLts = get(run(lts("1.32.9", { addonProfiles: withAgic })).integrations, "addon", "ingressApplicationGateway");
    expect(onLts).toMatchObject({ severity: "critical", drift: "out-of-support" });
    expect(reasons(onLts)).toContain("LTS does not cover Application Gateway Ingress Controller (AGIC)");
    const standard = get(run(cluster({ currentKubernetesVersion: "1.35.1", addonProfiles: withAgic })).integrations, "addon", "ingressApplicationGateway");
    expect(reasons(standard)).not.toContain("LTS does not cover");
    expect(standard.severity).toBe("ok");
  });

  it("add-ons on an out-of-support cluster are out of support too", () => {
    const i = get(run(cluster({ currentKubernetesVersion: "1.30.4", agentPools: [], vpaEnabled: true })).integrations, "addon", "vpa");
    expect(i).toMatchObject({ drift: "out-of-support", severity: "critical" });
    expect(reasons(i)).toContain("platform support does not cover add-ons");
  });

  it("Container insights on legacy authentication is past its retirement; managed identity is fine", () => {
    const legacy = get(run(cluster({ currentKubernetesVersion: "1.35.1", addonProfiles: { omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: "/x" } } } })).integrations, "addon", "omsagent");
    expect(legacy.severity).toBe("critical");
    expect(legacy.reasons[0]).toContain("legacy (Monitoring Metrics Publisher) authentication retires on 2026-09-30");
    const msi = get(run(cluster({ currentKubernetesVersion: "1.35.1", addonProfiles: { omsAgent: { enabled: true, config: { useAADAuth: "True" } } } })).integrations, "addon", "omsAgent");
    expect(msi.severity).toBe("ok");
  });

  it("unknown add-on keys are kept with stage unknown; disabled add-ons are not listed", () => {
    const report = run(cluster({ addonProfiles: { fancyNewThing: { enabled: true, config: null }, azurepolicy: { enabled: false, config: null } } }));
    const i = get(report.integrations, "addon", "fancyNewThing");
    expect(i).toMatchObject({ stage: "unknown", drift: "unknown", severity: "info", supportTier: "aks-managed" });
    expect(reasons(i)).toContain('does not know the add-on "fancyNewThing"');
    expect(report.integrations.some((x) => x.name === "azurepolicy")).toBe(false);
  });

  it("Istio: revisions past end of life are critical; the newest compatible revision is named", () => {
    const i = get(run(cluster({ currentKubernetesVersion: "1.35.1", serviceMeshMode: "Istio", istioRevisions: ["asm-1-29", "asm-1-28"] })).integrations, "addon", "istio");
    expect(i.version).toBe("asm-1-28,asm-1-29");
    expect(i).toMatchObject({ drift: "out-of-support", severity: "critical" });
    expect(reasons(i)).toContain("Revision asm-1-29 reached end of life on 2026-09-30 — the source gives this date as an estimate.");
    expect(reasons(i)).toContain("The newest revision compatible with 1.35 is asm-1-30.");
  });

  it("Istio: a revision not compatible with the cluster's minor on its plan is out of support", () => {
    const i = get(run(cluster({ currentKubernetesVersion: "1.35.1", serviceMeshMode: "Istio", istioRevisions: ["asm-1-26"] }), "2026-03-20").integrations, "addon", "istio");
    expect(i.drift).toBe("out-of-support");
    expect(reasons(i)).toContain("Revision asm-1-26 is not listed as compatible with Kubernetes 1.35 on the standard plan.");
  });
});

describe("extensions", () => {
  it("Flux outside the N-2 release lines is out of support; the newest is current", () => {
    const report = run(cluster(), "2026-11-23", { extensions: [extension("microsoft.flux", "1.20.4")] });
    const old = get(report.integrations, "extension", "microsoft.flux");
    expect(old).toMatchObject({ supportTier: "aks-extension", drift: "out-of-support", severity: "critical" });
    expect(reasons(old)).toContain("Only the 3 newest release lines are supported (1.24, 1.23, 1.22); 1.20.4 is older.");
    expect(reasons(old)).toContain("Upgrading to 1.23.0 or later: microsoft.flux 1.23.0 removes the deprecated Flux API versions");

    const current = get(run(cluster(), "2026-11-23", { extensions: [extension("Microsoft.Flux", "1.24.1")] }).integrations, "extension", "microsoft.flux");
    expect(current).toMatchObject({ drift: "current", severity: "ok" });
  });

  it("patch drift against the newest known release", () => {
    const i = get(run(cluster(), "2026-11-23", { extensions: [extension("microsoft.flux", "1.24.0")] }).integrations, "extension", "microsoft.flux");
    expect(i).toMatchObject({ drift: "patch-behind", severity: "ok" });
  });

  it("Dapr on an LTS cluster is flagged: LTS does not extend it", () => {
    const i = get(run(lts("1.32.9"), "2026-11-23", { extensions: [extension("microsoft.dapr", "1.15.4")] }).integrations, "extension", "microsoft.dapr");
    expect(i.severity).toBe("critical");
    expect(reasons(i)).toContain("LTS does not cover Dapr");
    expect(i.drift).toBe("out-of-support");
  });

  it("an Arc-only type points to the AKS add-on", () => {
    const i = get(run(cluster(), "2026-11-23", { extensions: [extension("microsoft.azuremonitor.containers", "3.1.0")] }).integrations, "extension", "microsoft.azuremonitor.containers");
    expect(i.severity).toBe("info");
    expect(reasons(i)).toContain("on AKS the supported route is the omsagent add-on");
  });

  it("unknown types and unreadable versions are kept with unknown drift", () => {
    const report = run(cluster(), "2026-11-23", { extensions: [extension("contoso.widget", "1.0.0"), extension("microsoft.flux", "not-a-version", { autoUpgradeMinorVersion: false })] });
    expect(get(report.integrations, "extension", "contoso.widget")).toMatchObject({ stage: "unknown", drift: "unknown", severity: "info" });
    const flux = get(report.integrations, "extension", "microsoft.flux");
    expect(flux.drift).toBe("unknown");
    expect(reasons(flux)).toContain('The installed version "not-a-version" could not be read.');
    expect(reasons(flux)).toContain("not even patches");
  });

  it("a core extension moves with the cluster minor like an add-on", () => {
    const i = get(run(cluster({ currentKubernetesVersion: "1.34.2" }), "2026-11-23", { extensions: [extension("microsoft.dataprotection.kubernetes", "1.8.0")] }).integrations, "extension", "microsoft.dataprotection.kubernetes");
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2026-11-30", kind: "forced-upgrade" }));
    expect(i.severity).toBe("warning");
  });
});

describe("open-source finds", () => {
  it("self-installed KEDA next to the KEDA add-on is a conflict", () => {
    const conflict = get(run(cluster({ kedaEnabled: true }), "2026-11-23", { openSource: [find("keda", "2.16.0")] }).integrations, "open-source", "keda");
    expect(conflict).toMatchObject({ supportTier: "unsupported", severity: "warning" });
    expect(conflict.reasons[0]).toContain("Conflict: the keda add-on is also enabled on this cluster.");

    const alone = get(run(cluster(), "2026-11-23", { openSource: [find("keda", "2.16.0")] }).integrations, "open-source", "keda");
    expect(alone.severity).toBe("info");
    expect(reasons(alone)).toContain("Supported alternative: the keda add-on.");
  });

  it("ingress-nginx past upstream end of maintenance is critical", () => {
    const i = get(run(cluster(), "2026-11-23", { openSource: [find("ingress-nginx", "1.11.2")] }).integrations, "open-source", "ingress-nginx");
    expect(i).toMatchObject({ stage: "retired", severity: "critical" });
    expect(i.deadlines).toEqual([expect.objectContaining({ date: "2026-03-31", kind: "retirement" })]);
    expect(i.deadlines[0]!.source).toMatch(/^https:\/\//);
  });

  it("drift against the latest known release, and unknown signatures kept", () => {
    const report = run(cluster(), "2026-11-23", { openSource: [find("flux", "v2.6.1"), find("mystery-operator", "0.1.0")] });
    expect(get(report.integrations, "open-source", "flux").drift).toBe("minor-behind");
    expect(get(report.integrations, "open-source", "mystery-operator")).toMatchObject({ stage: "unknown", severity: "info" });
  });
});

describe("odd input", () => {
  it("an unreadable cluster version gives unknown drift, not a crash", () => {
    for (const version of ["latest", "", "1.x", null]) {
      const report = run(cluster({ currentKubernetesVersion: version, kubernetesVersion: version, vpaEnabled: true, agentPools: [pool("np", "garbage")] }));
      const i = get(report.integrations, "kubernetes", "kubernetes");
      expect(i).toMatchObject({ drift: "unknown", stage: "unknown", severity: "info" });
      expect(get(report.integrations, "addon", "vpa").drift).toBe("unknown");
    }
  });

  it("the requested version is used when the running one is missing", () => {
    const i = k8s(cluster({ currentKubernetesVersion: null, kubernetesVersion: "1.35", agentPools: [] }));
    expect(i).toMatchObject({ version: "1.35", drift: "minor-behind" });
  });
});

describe("the cluster report", () => {
  const busy = cluster({
    currentKubernetesVersion: "1.35.1",
    addonProfiles: { omsagent: { enabled: true, config: { useAADAuth: "true" } }, ACCSGXDevicePlugin: { enabled: true, config: null }, azurepolicy: { enabled: true, config: null } },
    kedaEnabled: true,
  });
  const input: ClassifyInput = {
    cluster: busy,
    extensions: [extension("microsoft.flux", "1.24.1"), extension("microsoft.dapr", "1.15.0")],
    openSource: [find("velero", "1.14.0"), find("cert-manager", "1.15.0")],
    versions: null,
  };

  it("lists kubernetes first, then add-ons, extensions and open source, each by name", () => {
    const report = classifyCluster(input, catalog, { asOf: "2026-11-23", windowDays: 60 });
    expect(report.integrations.map((i) => `${i.kind}:${i.name}`)).toEqual([
      "kubernetes:kubernetes",
      "addon:ACCSGXDevicePlugin",
      "addon:azurepolicy",
      "addon:keda",
      "addon:omsagent",
      "extension:microsoft.dapr",
      "extension:microsoft.flux",
      "open-source:cert-manager",
      "open-source:velero",
    ]);
    expect(report).toMatchObject({ id: ID, name: "aks-prod", kubernetesVersion: "1.35.1", supportPlan: "KubernetesOfficial", errors: [] });
  });

  it("is deterministic and leaves its input alone", () => {
    const before = JSON.stringify(input);
    const a = classifyCluster(input, catalog, { asOf: "2026-11-23", windowDays: 60 });
    const b = classifyCluster(structuredClone(input), structuredClone(catalog), { asOf: "2026-11-23", windowDays: 60 });
    expect(a).toEqual(b);
    expect(JSON.stringify(input)).toBe(before);
  });

  it("every deadline names an https source", () => {
    const report = classifyCluster(input, catalog, { asOf: "2026-11-23", windowDays: 60 });
    const all = report.integrations.flatMap((i) => i.deadlines);
    expect(all.length).toBeGreaterThan(0);
    for (const d of all) expect(d.source).toMatch(/^https:\/\/\S+$/);
  });

  it("buildReport stamps the catalog and counts deadlines in the window", () => {
    const clusters = [run(cluster({ currentKubernetesVersion: "1.34.2", vpaEnabled: true })), run(cluster({ currentKubernetesVersion: "1.36.1" }))];
    const report = buildReport({ runId: "r-1", asOf: "2026-11-23", catalog, clusters, windowDays: 60, errors: [{ scope: "sub-x", message: "denied" }] });
    expect(report).toMatchObject({ schemaVersion: 1, runId: "r-1", catalog: { version: catalog.version, checkedAt: catalog.checkedAt } });
    expect(report.summary).toMatchObject({ clusters: 2, integrations: 3, inWindow: 2 });
    expect(report.summary.bySeverity.warning).toBe(2);
    expect(report.errors).toEqual([{ scope: "sub-x", message: "denied" }]);
  });
});
