/**
 * Container Service faults on the per-region version lookups, end to end into the Table store.
 * Version data only sharpens the verdict: without it a cluster is judged on the catalog's facts,
 * and the report has to say so rather than drop the cluster or fail the run.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ClusterReport } from "../../src/core/report.js";
import { startFleetSimulator, type FaultPlan, type FleetSimulator, type FleetSimulatorOptions } from "../../src/local/simulator/index.js";
import { useAzurite } from "../helpers/azurite.js";
import { armSources, audit, lowerSorted, openStore, readBack } from "./helpers/audit.js";
import { recordFigures } from "./helpers/results.js";

const azurite = useAzurite();
const running: FleetSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const REGIONS = ["eastus", "westeurope", "uksouth"];

async function simulator(faults: FaultPlan, extra: FleetSimulatorOptions = {}): Promise<FleetSimulator> {
  const sim = await startFleetSimulator({ seed: 43, clusters: 18, regions: REGIONS, quota: null, armQuota: null, faults, ...extra });
  running.push(sim);
  return sim;
}

async function sweep(sim: FleetSimulator, runId: string) {
  const store = await openStore(azurite.connectionString, azurite.freshPrefix());
  sim.clearServed();
  const outcome = await audit({ ...armSources(sim, { pageSize: 6 }), store }, runId);
  const back = await readBack(store, runId, sim.servedClusterIds(), outcome.report.clusters);
  recordFigures({ dataLost: back.lost });
  expect(back.ids).toEqual(lowerSorted(sim.fleet.clusterIds()));
  expect(back.snapshotsOfRun.every((n) => n === 1)).toBe(true);
  expect(back.verify.ok).toBe(true);
  expect(back.lost).toBe(0);
  return { ...outcome, back };
}

function kubernetesReasons(cluster: ClusterReport): string[] {
  return cluster.integrations.find((i) => i.kind === "kubernetes")?.reasons ?? [];
}

/** Whether the cluster's Kubernetes verdict used the region's live version list. */
function judgedLive(cluster: ClusterReport): boolean {
  return kubernetesReasons(cluster).some((r) => /\(live version data|from live version data/.test(r));
}

/** Whether the cluster's own report says it was judged on the catalog for want of live data. */
function saysCatalogOnly(cluster: ClusterReport): boolean {
  return kubernetesReasons(cluster).some((r) => /^No live version data for .+; support judged from catalog /.test(r));
}

describe("Container Service faults", () => {
  it("a 429 on a version lookup is retried after Retry-After and every cluster is judged on live data", async () => {
    const sim = await simulator({ throttle: [{ kind: "versions", retryAfterSeconds: 1 }] });
    const { run, report } = await sweep(sim, "20261124T060000Z-cs429");
    expect(sim.stats.byStatus["429"]).toBe(1);
    expect(run.status).toBe("succeeded");
    expect(report.dataSources?.versionData).toBe("live");
    expect(report.clusters.filter((c) => c.kubernetesVersion !== null).every(judgedLive)).toBe(true);
  });

  it("a 500 and a 503 on version lookups are retried and the run stays on live data", async () => {
    const sim = await simulator({ serverError: [{ kind: "versions", status: 500 }, { kind: "versions", status: 503, request: 3 }] });
    const { run, report } = await sweep(sim, "20261124T060000Z-cs5xx");
    expect(sim.stats.byStatus["500"]).toBe(1);
    expect(sim.stats.byStatus["503"]).toBe(1);
    expect(run.status).toBe("succeeded");
    expect(report.dataSources?.versionData).toBe("live");
  });

  it("version lookups that fail on every retry leave the fleet judged on catalog facts, stored, and the report says so", async () => {
    const sim = await simulator({ serverError: [{ kind: "versions", status: 503, times: Infinity }] });
    const { run, report } = await sweep(sim, "20261124T060000Z-cscatalog");
    expect(run.status).toBe("partial");
    expect(report.dataSources).toEqual({ versionData: "catalog-only", notes: [expect.stringMatching(/^18 cluster\(s\) judged on catalog facts only/)] });
    expect(report.errors.map((e) => e.scope).sort()).toEqual(REGIONS.map((r) => `location:${r}`).sort());
    expect(report.clusters.some(judgedLive)).toBe(false);
    // Still classified, and each cluster's own verdict names the catalog it was judged on.
    expect(report.clusters.filter((c) => c.kubernetesVersion !== null).every(saysCatalogOnly)).toBe(true);
  });

  it("a region with no version data (404 or an empty list) is judged on catalog facts and named in the report", async () => {
    const sim = await simulator({}, { regionsWithoutVersions: [{ region: "uksouth", answer: "404" }, { region: "westeurope", answer: "empty" }] });
    const { run, report } = await sweep(sim, "20261124T060000Z-csnodata");
    const inRegion = (r: string) => report.clusters.filter((c) => c.location === r);
    const withoutData = [...inRegion("uksouth"), ...inRegion("westeurope")];
    expect(withoutData.length).toBeGreaterThan(0);
    expect(inRegion("eastus").length).toBeGreaterThan(0);
    expect(run.status).toBe("partial");
    expect(report.dataSources?.versionData).toBe("mixed");
    expect(report.dataSources?.notes).toEqual([`${withoutData.length} cluster(s) judged on catalog facts only: no live version data for their region`]);
    expect(report.errors.map((e) => e.scope).sort()).toEqual(["location:uksouth", "location:westeurope"]);
    expect(withoutData.some(judgedLive)).toBe(false);
    expect(withoutData.filter((c) => c.kubernetesVersion !== null).every(saysCatalogOnly)).toBe(true);
    expect(inRegion("eastus").filter((c) => c.kubernetesVersion !== null).every(judgedLive)).toBe(true);
    // One lookup per region per run, however many clusters live there.
    expect(sim.stats.versionsByLocation).toEqual({ eastus: 1, westeurope: 1, uksouth: 1 });
  });
});
