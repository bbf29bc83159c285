/**
 * The Container Service version source against the fleet simulator, through the real
 * ContainerServiceClient over loopback HTTPS.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ScopeError } from "../../src/core/types.js";
import { startFleetSimulator, type FleetSimulator, type FleetSimulatorOptions } from "../../src/local/simulator/index.js";
import { createContainerServiceVersionSource, type ContainerServiceSourceOptions } from "../../src/sources/containerService.js";
import { createStaticCredential } from "../../src/sources/credential.js";

const running: FleetSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function simulator(options: FleetSimulatorOptions = {}): Promise<FleetSimulator> {
  const sim = await startFleetSimulator({ quota: null, ...options });
  running.push(sim);
  return sim;
}

function source(sim: FleetSimulator, extra: Partial<ContainerServiceSourceOptions> = {}) {
  return createContainerServiceVersionSource({
    credential: createStaticCredential("cs-test"),
    endpoint: sim.endpoint,
    tlsCa: sim.ca,
    retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 100 },
    ...extra,
  });
}

function clustersOf(sim: FleetSimulator): { id: string; location: string; subscriptionId: string }[] {
  return Array.from({ length: sim.fleet.clusters }, (_, i) => {
    const r = sim.fleet.clusterResource(i);
    return { id: String(r.id), location: String(r.location), subscriptionId: String(r.id).split("/")[2]! };
  });
}

describe("Container Service version source", () => {
  it("calls listKubernetesVersions once per location, however many clusters ask at once", async () => {
    const sim = await simulator({ clusters: 60, seed: 2 });
    const src = source(sim);
    const errors: ScopeError[] = [];
    const clusters = clustersOf(sim);
    const results = await Promise.all(clusters.map((c) => src.versionsFor(c.location, c.subscriptionId, errors)));
    // Later callers (a second page of clusters) are served from the run's cache.
    await Promise.all(clusters.slice(0, 10).map((c) => src.versionsFor(c.location.toUpperCase(), c.subscriptionId, errors)));
    expect(errors).toEqual([]);
    const locations = new Set(clusters.map((c) => c.location.toLowerCase()));
    expect(Object.keys(sim.stats.versionsByLocation).sort()).toEqual([...locations].sort());
    for (const n of Object.values(sim.stats.versionsByLocation)) expect(n).toBe(1);
    expect(src.stats.versionCalls).toBe(locations.size);

    const eastus = results[clusters.findIndex((c) => c.location === "eastus")]!;
    expect(eastus.location).toBe("eastus");
    const minors = eastus.minors.map((m) => m.version);
    expect(minors).toEqual(["1.32", "1.33", "1.34", "1.35", "1.36", "1.37", "1.38"]);
    const byVersion = new Map(eastus.minors.map((m) => [m.version, m]));
    expect(byVersion.get("1.36")!.isDefault).toBe(true);
    expect(byVersion.get("1.38")!.isPreview).toBe(true);
    expect(byVersion.get("1.33")!.supportPlans).toEqual(["AKSLongTermSupport"]);
    expect(byVersion.get("1.35")!.supportPlans).toEqual(["KubernetesOfficial", "AKSLongTermSupport"]);
    expect(byVersion.get("1.34")!.patchVersions).toEqual(["1.34.6", "1.34.8", "1.34.10"]); // numeric, not string, order
  });

  it("a region without version data yields null and one error for the run", async () => {
    const sim = await simulator({
      clusters: 10,
      regionsWithoutVersions: [
        { region: "westus3", answer: "404" },
        { region: "uksouth", answer: "empty" },
      ],
    });
    const src = source(sim);
    const sub = sim.fleet.subscriptions[0]!.id;
    const errors: ScopeError[] = [];
    const calls = await Promise.all([
      src.versionsFor("westus3", sub, errors),
      src.versionsFor("westus3", sub, errors),
      src.versionsFor("uksouth", sub, errors),
      src.versionsFor("uksouth", sub, errors),
      src.versionsFor("eastus", sub, errors),
    ]);
    expect(calls.map((c) => c?.location ?? null)).toEqual([null, null, null, null, "eastus"]);
    expect(errors.map((e) => e.scope).sort()).toEqual(["location:uksouth", "location:westus3"]);
    expect(errors.find((e) => e.scope === "location:westus3")!.message).toMatch(/no Kubernetes version data.*404/);
    expect(errors.find((e) => e.scope === "location:uksouth")!.message).toMatch(/lists no Kubernetes versions/);
    expect(sim.stats.versionsByLocation).toEqual({ westus3: 1, uksouth: 1, eastus: 1 });
  });

  it("retries an ARM 429 that carries Retry-After", async () => {
    const sim = await simulator({ clusters: 5, faults: { throttle: [{ kind: "versions", retryAfterSeconds: 1 }] } });
    const errors: ScopeError[] = [];
    const data = await source(sim).versionsFor("northeurope", sim.fleet.subscriptions[0]!.id, errors);
    expect(errors).toEqual([]);
    expect(data?.minors.length).toBeGreaterThan(3);
    expect(sim.stats.byStatus["429"]).toBe(1);
    expect(sim.stats.versionsByLocation.northeurope).toBe(2);
  });

  it("reads upgrade profiles with bounded concurrency and reports the ones it cannot read", async () => {
    const sim = await simulator({ clusters: 24, seed: 4, latencyMs: 30 });
    const src = source(sim, { upgradeProfileConcurrency: 3 });
    const errors: ScopeError[] = [];
    const clusters = clustersOf(sim);
    const missing = clusters[0]!.id.replace(/managedClusters\/.*$/, "managedClusters/no-such-cluster");
    const profiles = await Promise.all([...clusters.map((c) => src.upgradeProfile(c.id, errors)), src.upgradeProfile(missing, errors)]);
    expect(sim.stats.maxInFlight).toBeLessThanOrEqual(3);
    expect(sim.stats.byKind["upgrade-profile"]).toBe(clusters.length + 1);
    expect(profiles.at(-1)).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.scope).toBe(`cluster:${missing}`);
    expect(errors[0]!.message).toMatch(/404/);
    const first = profiles[0]!;
    expect(first.clusterId).toBe(clusters[0]!.id);
    expect(first.controlPlane.kubernetesVersion).toMatch(/^1\.\d+\.\d+$/);
    expect(first.agentPools.length).toBeGreaterThan(0);
    const withPreviewTarget = profiles.find((p) => p?.controlPlane.upgrades.some((u) => u.isPreview));
    expect(withPreviewTarget?.controlPlane.upgrades.find((u) => u.isPreview)?.version).toMatch(/^1\.38\./);
  });
});
