// Rule 3 of issue #14: cluster-level features AKS retires are judged on the cluster's kubernetes
// integration, read from each shape a cluster arrives in.
import { describe, expect, it } from "vitest";
import { changeIsJudged } from "../../src/catalog/facts.js";
import { DETECTED_CLUSTER_FEATURES } from "../../src/core/classify/clusterFeatures.js";
import { parseClusterRow } from "../../src/sources/parse.js";
import { catalog, cluster, ID, integration, judge, pool, reasons } from "./judgement.fixtures.js";

const net = (extra: Partial<NonNullable<ReturnType<typeof cluster>["network"]>>) => ({ plugin: "azure", pluginMode: "overlay", policy: null, loadBalancerSku: "standard", ...extra });
const k8s = (c: ReturnType<typeof cluster>, asOf: string) => integration(judge(c, asOf), "kubernetes");

describe("cluster-level retirements on the kubernetes integration", () => {
  it("kubenet gets the 2028-03-31 retirement", () => {
    const i = k8s(cluster("1.34.2", { network: net({ plugin: "kubenet", pluginMode: null }) }), "2026-01-15");
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2028-03-31", kind: "retirement", daysLeft: 806 }));
    expect(reasons(i)).toMatch(/networkProfile\.networkPlugin = "kubenet".*Azure CNI Overlay/);
  });

  it("Azure CNI is not kubenet", () => {
    const i = k8s(cluster("1.34.2", { network: net({}) }), "2026-01-15");
    expect(i.deadlines.some((d) => d.date === "2028-03-31")).toBe(false);
  });

  it("Azure NPM ends 2026-09-30 for Windows pools and 2028-09-30 for Linux pools", () => {
    const c = cluster("1.34.2", { network: net({ policy: "azure" }), agentPools: [pool("system", "1.34.2"), pool("win1", "1.34.2", { osType: "Windows", osSku: "Windows2022" })] });
    const i = k8s(c, "2026-10-15");
    const npm = i.deadlines.filter((d) => d.kind === "end-of-support" && (d.date === "2026-09-30" || d.date === "2028-09-30")).map((d) => d.date);
    expect(npm.sort()).toEqual(["2026-09-30", "2028-09-30"]);
    expect(i.severity).toBe("critical");
    expect(reasons(i)).toMatch(/Windows pools \("win1"\)/);
  });

  it("a Linux-only cluster on Azure NPM gets only the Linux date", () => {
    const i = k8s(cluster("1.34.2", { network: net({ policy: "azure" }) }), "2026-10-15");
    expect(i.deadlines.some((d) => d.date === "2026-09-30")).toBe(false);
    expect(i.deadlines.some((d) => d.date === "2028-09-30")).toBe(true);
  });

  it("Basic Load Balancer, availability-set pools and pod identity are past their end: critical", () => {
    const c = cluster("1.34.2", {
      network: net({ loadBalancerSku: "Basic" }),
      podIdentityEnabled: true,
      agentPools: [pool("system", "1.34.2", { type: "AvailabilitySet" })],
    });
    const i = k8s(c, "2026-01-15");
    expect(i.severity).toBe("critical");
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2025-09-30", kind: "retirement" }));
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2025-09-30", kind: "end-of-support" }));
    const text = reasons(i);
    expect(text).toMatch(/Standard Load Balancer/);
    expect(text).toMatch(/"system"\) : |AvailabilitySet" \("system"\)/);
    expect(text).toMatch(/podIdentityProfile\.enabled = true/);
  });

  it("Flux v1 configurations lost support on 2025-05-24", () => {
    const i = k8s(cluster("1.34.2", { fluxV1Configurations: 2 }), "2026-01-15");
    expect(i.deadlines).toContainEqual(expect.objectContaining({ date: "2025-05-24", kind: "end-of-support" }));
  });

  it("a cluster whose network fields were not read gets none of these", () => {
    const i = k8s(cluster("1.34.2"), "2026-01-15");
    expect(i.severity).toBe("ok");
  });

  it("the catalog marks exactly the detected features' changes as judged", () => {
    // Every detector has a dated change to apply, and each of those changes is listed as judged.
    for (const feature of DETECTED_CLUSTER_FEATURES) {
      const changes = catalog.changes.filter((c) => c.appliesTo.target === "cluster-feature" && (c.appliesTo.name ?? "").toLowerCase() === feature.toLowerCase());
      expect(changes.length, feature).toBeGreaterThan(0);
      for (const c of changes) expect(changeIsJudged(c, catalog), c.id).toBe(true);
    }
    const kubenet = catalog.changes.find((c) => c.id === "kubenet")!;
    const agc = catalog.changes.find((c) => c.id === "agc-subnet-nsg")!;
    expect(changeIsJudged(kubenet, catalog)).toBe(true);
    expect(changeIsJudged(agc, catalog)).toBe(false);
  });
});

describe("the fields are read from every shape", () => {
  const armProps = { kubernetesVersion: "1.34.2", networkProfile: { networkPlugin: "kubenet", networkPolicy: "azure", loadBalancerSku: "basic" }, podIdentityProfile: { enabled: true }, agentPoolProfiles: [{ name: "np1", type: "AvailabilitySet", osType: "Linux" }] };

  it("a whole resource (properties envelope)", () => {
    const r = parseClusterRow({ id: ID, type: "Microsoft.ContainerService/managedClusters", location: "westeurope", properties: armProps });
    expect(r.ok && r.value).toMatchObject({ network: { plugin: "kubenet", policy: "azure", loadBalancerSku: "basic" }, podIdentityEnabled: true, agentPools: [{ name: "np1", type: "AvailabilitySet" }] });
  });

  it("an az aks list item (flattened, CLI casing)", () => {
    const r = parseClusterRow({ id: ID, type: "Microsoft.ContainerService/ManagedClusters", location: "westeurope", ...armProps });
    expect(r.ok && r.value).toMatchObject({ network: { plugin: "kubenet", policy: "azure" }, podIdentityEnabled: true });
  });

  it("a row projected by the Resource Graph query", () => {
    const r = parseClusterRow({ id: ID, type: "microsoft.containerservice/managedclusters", location: "westeurope", networkPlugin: "kubenet", networkPolicy: "azure", loadBalancerSku: "basic", podIdentityProfile: { enabled: true }, agentPoolProfiles: [{ name: "np1", type: "AvailabilitySet" }] });
    expect(r.ok && r.value).toMatchObject({ network: { plugin: "kubenet", policy: "azure", loadBalancerSku: "basic" }, podIdentityEnabled: true, agentPools: [{ type: "AvailabilitySet" }] });
  });
});

describe("the other cluster-level retirements in the facts", () => {
  it("PodSecurityPolicy, WASI pools, the preview custom CA property and retired pool tags each get their date", () => {
    const c = cluster("1.34.2", {
      podSecurityPolicyEnabled: true,
      agentPools: [
        pool("system", "1.34.2"),
        pool("wasm", "1.34.2", { workloadRuntime: "WasmWasi" }),
        pool("ca", "1.34.2", { enableCustomCATrust: true }),
        pool("legacy", "1.34.2", { tags: { "aks-disable-kubelet-serving-certificate-rotation": "true" } }),
        pool("gpu", "1.34.2", { tags: { SkipGPUDriverInstall: "true" } }),
      ],
    });
    const i = k8s(c, "2026-01-15");
    const dates = i.deadlines.filter((d) => d.kind === "retirement").map((d) => d.date);
    expect(dates).toEqual(expect.arrayContaining(["2025-03-01", "2025-05-05", "2026-09-14", "2027-04-01", "2025-08-14"]));
    expect(reasons(i)).toMatch(/workloadRuntime = "WasmWasi" \("wasm"\)/);
    expect(reasons(i)).toMatch(/enableCustomCATrust = true \("ca"\)/);
  });

  it("a pool tag set to false is not the opt-out", () => {
    const c = cluster("1.34.2", { agentPools: [pool("legacy", "1.34.2", { tags: { "aks-disable-kubelet-serving-certificate-rotation": "false" } })] });
    expect(k8s(c, "2026-01-15").deadlines.some((d) => d.date === "2027-04-01")).toBe(false);
  });

  it("the pool fields are read from a whole resource", () => {
    const r = parseClusterRow({
      id: ID,
      type: "Microsoft.ContainerService/managedClusters",
      location: "westeurope",
      properties: { enablePodSecurityPolicy: true, agentPoolProfiles: [{ name: "wasm", workloadRuntime: "WasmWasi", enableCustomCATrust: true, tags: { SkipGPUDriverInstall: "true" } }] },
    });
    expect(r.ok && r.value).toMatchObject({ podSecurityPolicyEnabled: true, agentPools: [{ workloadRuntime: "WasmWasi", enableCustomCATrust: true, tags: { SkipGPUDriverInstall: "true" } }] });
  });
});
