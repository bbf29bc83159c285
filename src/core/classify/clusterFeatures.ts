/**
 * Cluster-level features that AKS retires (kubenet, Azure Network Policy Manager, Basic Load
 * Balancer, availability-set pools, pod-managed identity, Flux v1, PodSecurityPolicy, WASI pools,
 * the preview custom CA property and two retired node pool tags): detected from the cluster's
 * own fields and judged on its `kubernetes` integration, as node-OS findings are, from the
 * catalog's `cluster-feature` changes.
 */
import type { ClusterRecord } from "../types.js";
import { type Ctx, Finding, eqi, when } from "./shared.js";

export interface DetectedFeature {
  /** The catalog's `appliesTo.name` for `cluster-feature` changes. */
  name: string;
  /** What the cluster reported, for the reader. */
  evidence: string;
}

/** The cluster-feature names this module can detect; src/catalog/facts.ts marks their changes as judged. */
export const DETECTED_CLUSTER_FEATURES = [
  "kubenet",
  "networkPolicy.azure.linux",
  "networkPolicy.azure.windows",
  "loadBalancerSku.basic",
  "agentPool.AvailabilitySet",
  "podIdentityProfile",
  "sourceControlConfigurations",
  "enablePodSecurityPolicy",
  "workloadRuntime.WasmWasi",
  "enableCustomCATrust",
  "aks-disable-kubelet-serving-certificate-rotation",
  "skip-gpu-driver-install",
] as const;

export function detectClusterFeatures(cluster: ClusterRecord): DetectedFeature[] {
  const out: DetectedFeature[] = [];
  const net = cluster.network;
  if (eqi(net?.plugin, "kubenet")) out.push({ name: "kubenet", evidence: `networkProfile.networkPlugin = "${net!.plugin}"` });
  if (eqi(net?.policy, "azure")) {
    // Azure NPM's end differs by node OS: judge each OS the cluster's pools run (Linux when none are listed).
    const pools = cluster.agentPools ?? [];
    const windows = pools.filter((p) => eqi(p.osType, "Windows"));
    const linux = pools.filter((p) => !eqi(p.osType, "Windows"));
    const evidence = `networkProfile.networkPolicy = "${net!.policy}"`;
    if (linux.length > 0 || pools.length === 0) out.push({ name: "networkPolicy.azure.linux", evidence: `${evidence}${linux.length > 0 ? ` with Linux pools (${names(linux)})` : ""}` });
    if (windows.length > 0) out.push({ name: "networkPolicy.azure.windows", evidence: `${evidence} with Windows pools (${names(windows)})` });
  }
  if (eqi(net?.loadBalancerSku, "basic")) out.push({ name: "loadBalancerSku.basic", evidence: `networkProfile.loadBalancerSku = "${net!.loadBalancerSku}"` });
  const sets = (cluster.agentPools ?? []).filter((p) => eqi(p.type, "AvailabilitySet"));
  if (sets.length > 0) out.push({ name: "agentPool.AvailabilitySet", evidence: `agentPoolProfiles[].type = "AvailabilitySet" (${names(sets)})` });
  if (cluster.podIdentityEnabled === true) out.push({ name: "podIdentityProfile", evidence: "podIdentityProfile.enabled = true" });
  if (cluster.podSecurityPolicyEnabled === true) out.push({ name: "enablePodSecurityPolicy", evidence: "enablePodSecurityPolicy = true" });
  const pools = cluster.agentPools ?? [];
  const wasi = pools.filter((p) => eqi(p.workloadRuntime, "WasmWasi"));
  if (wasi.length > 0) out.push({ name: "workloadRuntime.WasmWasi", evidence: `agentPoolProfiles[].workloadRuntime = "WasmWasi" (${names(wasi)})` });
  const customCa = pools.filter((p) => p.enableCustomCATrust === true);
  if (customCa.length > 0) out.push({ name: "enableCustomCATrust", evidence: `agentPoolProfiles[].enableCustomCATrust = true (${names(customCa)})` });
  const optOut = pools.filter((p) => eqi(poolTag(p, "aks-disable-kubelet-serving-certificate-rotation"), "true"));
  if (optOut.length > 0) out.push({ name: "aks-disable-kubelet-serving-certificate-rotation", evidence: `the node pool tag aks-disable-kubelet-serving-certificate-rotation=true (${names(optOut)})` });
  // The tag has been written both ways (SkipGPUDriverInstall, skip-gpu-driver-install).
  const skipGpu = pools.filter((p) => Object.keys(p.tags ?? {}).some((k) => k.replace(/[^a-z]/gi, "").toLowerCase() === "skipgpudriverinstall"));
  if (skipGpu.length > 0) out.push({ name: "skip-gpu-driver-install", evidence: `the node pool tag to skip the GPU driver install (${names(skipGpu)})` });
  if ((cluster.fluxV1Configurations ?? 0) > 0) out.push({ name: "sourceControlConfigurations", evidence: `${cluster.fluxV1Configurations} Flux v1 sourceControlConfigurations` });
  return out;
}

function poolTag(pool: { tags?: Record<string, string> }, key: string): string | null {
  const found = Object.keys(pool.tags ?? {}).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? null : pool.tags![found]!;
}

function names(pools: { name: string }[]): string {
  return pools.map((p) => `"${p.name}"`).join(", ");
}

/** Attaches each detected feature's catalog changes to the kubernetes finding. */
export function judgeClusterFeatures(cluster: ClusterRecord, f: Finding, ctx: Ctx): void {
  for (const feature of detectClusterFeatures(cluster)) {
    for (const change of ctx.catalog.changes) {
      const a = change.appliesTo;
      if (a.target !== "cluster-feature" || !eqi(a.name, feature.name)) continue;
      const passed = change.date !== null && change.date < ctx.asOf;
      if (change.date) f.deadline(change.date, change.kind, change.source);
      const instead = change.replacement ? ` ${passed ? "Move" : "Plan a move"} to ${change.replacement}.` : "";
      f.reason(`The cluster uses ${feature.evidence}: ${change.subject}${change.date ? ` on ${when(ctx, change.date)}` : ""}.${instead}`, passed ? 2 : 1);
    }
  }
}
