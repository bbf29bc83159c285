/**
 * The bench's smoke run: every stage of one fleet size at 1,000 clusters, in-process, with no
 * latency and a relaxed quota, so `npm run bench` cannot rot. Nothing here times anything: the
 * figures only have to be there and make sense.
 */
import { describe, expect, it } from "vitest";
import { runFleetBench } from "../../bench/core.js";
import { naiveRequests, quotaFloor } from "../../bench/model.js";
import { evaluateTargets, formatTable } from "../../bench/report.js";

describe("bench", () => {
  it("measures a 1,000-cluster fleet through every stage and reports each required figure", async () => {
    const result = await runFleetBench({
      clusters: 1000,
      subscriptions: 500,
      latencyMs: 0,
      quota: { requests: 1000, windowMs: 5000 },
      storageMax: 150,
      timeNaive: true,
      naiveConcurrency: 32,
      storedMax: 1000,
      tableLatencyMs: 0,
      simulator: "in-process",
    });

    expect(result.clusters).toBe(1000);
    expect(result.subscriptions).toBe(500);
    expect(result.regions).toBeGreaterThanOrEqual(8);
    // One page of clusters and one of extensions at the most for this fleet, no version call per cluster.
    expect(result.argRequests).toBeGreaterThanOrEqual(2);
    expect(result.argRequests).toBe(result.quotaRequestsAtFloor);
    expect(result.armRequests).toBeLessThanOrEqual(result.regions);
    expect(result.requestsByKind).toMatchObject({ clusters: 1, extensions: 1 });
    expect(result.sweepErrors).toBe(0);
    expect(result.naiveRequests).toBeGreaterThan(result.argRequests);
    // The script's calls match the model exactly; retries under load are counted apart.
    expect(result.naiveMeasuredRequests).toBe(result.naiveRequests);
    expect(result.naiveRetries).toBeGreaterThanOrEqual(0);
    expect(result.requestRatioVsNaive).toBeGreaterThan(1);

    // No latency and a quota the fleet never reaches: nothing imposes a floor.
    expect(result.floorSeconds).toBe(0);
    expect(result.ratioToFloor).toBeNull();
    for (const key of ["wallSeconds", "classifyMicrosPerCluster", "storageEntitiesPerSecond", "peakRssMB", "peakHeapMB", "digestMicrosPerCluster"] as const) {
      expect(result[key], key).toBeGreaterThan(0);
    }
    expect(result.storageClusters).toBe(150);
    expect(result.storageCapped).toBe(true);
    expect(result.entitiesPerTransaction).toBeGreaterThanOrEqual(1);
    expect(result.historySnapshots).toBe(52);
    expect(result.historySnapshotsRead).toBeGreaterThanOrEqual(52);
    expect(result.historyReadMs).toBeGreaterThan(0);
    expect(result.digestClusters).toBe(1000);
    expect(result.digestMessages).toBeGreaterThan(0);
    expect(result.machine.cpus).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(result.date))).toBe(false);

    // The stored sweep: the whole fleet through runAudit and the Table store.
    expect(result.storedSweepClusters).toBe(1000);
    expect(result.storedSweepSeconds).toBeGreaterThan(0);
    expect(result.storageCeilingSeconds).toBeGreaterThan(0);
    expect(result.storedSweepRatio).toBeCloseTo(result.storedSweepSeconds! / Math.max(result.floorSeconds, result.storageCeilingSeconds!), 1);
    // A first run writes a link, a head, a run-index row and a registry row per cluster, nothing per finding.
    expect(result.entitiesPerCluster).toBeGreaterThanOrEqual(4);
    expect(result.entitiesPerCluster).toBeLessThan(4.1);
    // Heads are read by range and writes go in transactions: far fewer round trips than clusters.
    expect(result.tableRoundTrips).toBe(Math.round(result.tableRoundTripsPerCluster! * 1000));
    expect(result.tableRoundTripsPerCluster).toBeLessThan(0.1);
    expect(result.storedEntitiesPerTransaction).toBeGreaterThan(30);
    expect(result.storedPeakRssMB).toBeGreaterThan(0);
    expect(result.digestPeakRssMB).toBeGreaterThan(0);
    expect(result.storedDigestMessages).toBe(result.digestMessages);

    // The report prints and judges whatever came out, without throwing.
    const table = formatTable([result]);
    expect(table).toContain("1000");
    expect(table).toContain("stored sweep at 1k");
    expect(evaluateTargets([result]).map((v) => v.verdict)).toHaveLength(9);
  }, 60_000);

  it("computes the quota floor and the naive baseline from the fleet's shape", () => {
    // 76 queries at 15 per 5 s: the 76th waits five windows, then one round trip.
    expect(quotaFloor({ clusters: 50_000, extensions: 25_700, regions: ["a", "b"] }, { requests: 15, windowMs: 5000 }, 150)).toMatchObject({
      clusterPages: 50,
      extensionPages: 26,
      quotaRequests: 76,
      windowsWaited: 5,
      floorSeconds: 25.15,
    });
    // Fifteen queries fit one window: only the round trip remains.
    expect(quotaFloor({ clusters: 10_000, extensions: 5_000, regions: [] }, { requests: 15, windowMs: 5000 }, 150).floorSeconds).toBe(0.15);
    // An empty subscription still costs its list call; 250 clusters take three pages of 100.
    expect(naiveRequests({ clustersPerSubscription: [0, 250, 1], armPageSize: 100 })).toEqual({ listRequests: 5, getRequests: 251, upgradeRequests: 251, total: 507 });
  });
});
