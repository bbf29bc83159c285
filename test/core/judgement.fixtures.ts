// Shared builders for the judgement tests: a cluster shaped like the edge reader's output.
import { loadBundledCatalog } from "../../src/catalog/load.js";
import { classifyCluster, type ClassifyInput } from "../../src/core/classify.js";
import type { Integration } from "../../src/core/report.js";
import type { AgentPool, ClusterRecord, ExtensionRecord } from "../../src/core/types.js";

export const catalog = loadBundledCatalog();
export const ID = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-j";

export function pool(name: string, version: string | null, extra: Partial<AgentPool> = {}): AgentPool {
  return { name, mode: "User", orchestratorVersion: version, currentOrchestratorVersion: version, nodeImageVersion: null, osType: "Linux", osSku: "Ubuntu2404", count: 3, ...extra };
}

export function cluster(version: string, overrides: Partial<ClusterRecord> = {}): ClusterRecord {
  return {
    id: ID,
    name: "aks-j",
    subscriptionId: "0000",
    resourceGroup: "rg",
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

export function extension(type: string, currentVersion: string | null, extra: Partial<ExtensionRecord> = {}): ExtensionRecord {
  return { id: `${ID}/providers/Microsoft.KubernetesConfiguration/extensions/${type}`, clusterId: ID, name: type.split(".").at(-1)!, extensionType: type, version: null, currentVersion, releaseTrain: "Stable", autoUpgradeMinorVersion: true, provisioningState: "Succeeded", ...extra };
}

export function judge(c: ClusterRecord, asOf: string, more: Partial<ClassifyInput> = {}) {
  return classifyCluster({ cluster: c, extensions: [], openSource: [], versions: null, ...more }, catalog, { asOf, windowDays: 60 });
}

export function integration(report: ReturnType<typeof judge>, name: string): Integration {
  const found = report.integrations.find((i) => i.name === name);
  if (!found) throw new Error(`no integration ${name} in ${report.integrations.map((i) => i.name).join(", ")}`);
  return found;
}

export const reasons = (i: Integration): string => i.reasons.join("\n");
