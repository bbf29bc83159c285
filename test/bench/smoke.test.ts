/**
 * The bench's smoke run: every stage of one fleet size at 1,000 clusters, in-process, with no
 * latency and a relaxed quota, so `npm run bench` cannot rot. Nothing here judges speed: the
 * figures must agree with each other (a rate with its count and time, reads with writes, requests
 * with the fleet's shape), so a figure computed from the wrong numbers fails here.
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

    // Requests against the fleet's shape: Resource Graph pages of clusters and of extensions (1,000
    // rows a page), one page of Flux v1 configurations (the third query costs a page even for a fleet
    // with few or none; 1,000 clusters hold 60), and one version list per region, never one call per cluster.
    expect(result.requestsByKind).toEqual({
      clusters: Math.ceil(result.clusters / 1000),
      extensions: Math.ceil(result.extensions / 1000),
      "source-control": 1,
      versions: result.regions,
    });
    expect(result.argRequests).toBe(result.requestsByKind.clusters! + result.requestsByKind.extensions! + result.requestsByKind["source-control"]!);
    expect(result.argPages).toBe(result.argRequests);
    expect(result.argRequests).toBe(result.quotaRequestsAtFloor);
    expect(result.armRequests).toBe(result.regions);
    expect(result.throttled).toBe(0);
    expect(result.sweepErrors).toBe(0);

    // The naive baseline: a list per subscription (each fits one page here) plus a get and an upgrade
    // profile per cluster, as measured; the ratio is that over ours.
    expect(result.naiveListRequests).toBe(result.subscriptions);
    expect(result.naiveRequests).toBe(result.naiveListRequests + 2 * result.clusters);
    expect(result.naiveMeasuredRequests).toBe(result.naiveRequests);
    expect(result.naiveRetries).toBeGreaterThanOrEqual(0);
    expect(result.requestRatioVsNaive).toBeCloseTo(result.naiveRequests / (result.argRequests + result.armRequests), 1);
    expect(result.naiveSequentialSeconds).toBe(0); // no latency: round trips cost nothing

    // No latency and a quota the fleet never reaches: nothing imposes a floor.
    expect(result.floorSeconds).toBe(0);
    expect(result.ratioToFloor).toBeNull();
    expect(result.wallSeconds).toBeGreaterThan(0);
    expect(result.classifyMicrosPerCluster).toBeGreaterThan(0);
    expect(result.peakHeapMB).toBeGreaterThan(0);
    expect(result.peakHeapMB).toBeLessThan(result.peakRssMB);
    expect(result.rssBeforeSweepMB).toBeLessThanOrEqual(result.maxRssMB);

    // Storage: the rate is the entities over the time (storageSeconds is rounded to 10 ms), the
    // per-transaction figure is entities over write requests, and the tables add up to the total.
    expect(result.storageClusters).toBe(150);
    expect(result.storageCapped).toBe(true);
    expect(result.storageSeconds).toBeGreaterThan(0.01);
    expect(result.storageEntitiesPerSecond).toBeGreaterThanOrEqual(Math.floor(result.storageEntities / (result.storageSeconds + 0.005)));
    expect(result.storageEntitiesPerSecond).toBeLessThanOrEqual(Math.ceil(result.storageEntities / (result.storageSeconds - 0.005)));
    expect(result.entitiesPerTransaction).toBeCloseTo(result.storageEntities / result.storageWriteRequests, 2);
    expect(result.storageTransactions).toBeLessThanOrEqual(result.storageWriteRequests);
    const tables = Object.values(result.storageByTable);
    expect(tables.reduce((n, t) => n + t.entities, 0)).toBe(result.storageEntities);
    expect(tables.reduce((n, t) => n + t.writeRequests, 0)).toBe(result.storageWriteRequests);
    // Every stored cluster has its snapshot and its registry row, so at least two entities each.
    expect(result.storageEntities).toBeGreaterThanOrEqual(2 * result.storageClusters);

    // History: the 52 weekly snapshots written, plus the fleet run's snapshot of the same cluster.
    expect(result.historySnapshots).toBe(52);
    expect(result.historySnapshotsRead).toBe(result.historySnapshots + 1);
    expect(result.historyReadMs).toBeGreaterThan(0);

    // Digest over the whole fleet: the platform list and owner-tagged teams are reached, and there
    // is no more than one digest per cluster plus the fleet's (how mails are cut may change).
    expect(result.digestClusters).toBe(result.clusters);
    expect(result.digestRecipients).toBeGreaterThanOrEqual(2);
    expect(result.digestMessages).toBeGreaterThanOrEqual(1);
    expect(result.digestMessages).toBeLessThanOrEqual(result.digestClusters + 1);
    expect(result.digestMicrosPerCluster).toBeGreaterThan(0);
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
    // The timeout guards against a hang, not speed: alone the stages take ~20 s, but on a loaded
    // 2-core machine (a fresh clone's suite beside other work) they have taken over 60 s.
  }, 300_000);

  it("computes the quota floor and the naive baseline from the fleet's shape", () => {
    // 91 queries at 15 per 5 s (50 + 26 + 15 pages of Flux v1 configurations): the 91st waits six windows, then one round trip.
    expect(quotaFloor({ clusters: 50_000, extensions: 25_700, sourceControlConfigurations: 14_200, regions: ["a", "b"] }, { requests: 15, windowMs: 5000 }, 150)).toMatchObject({
      clusterPages: 50,
      extensionPages: 26,
      sourceControlPages: 15,
      quotaRequests: 91,
      windowsWaited: 6,
      floorSeconds: 30.15,
    });
    // The one Flux v1 page a fleet without any still costs makes 10 + 5 + 1 = 16 queries, one past a
    // window; 9 + 5 + 1 fit one window, and only the round trip remains.
    expect(quotaFloor({ clusters: 10_000, extensions: 5_000, sourceControlConfigurations: 0, regions: [] }, { requests: 15, windowMs: 5000 }, 150)).toMatchObject({ quotaRequests: 16, floorSeconds: 5.15 });
    expect(quotaFloor({ clusters: 9_000, extensions: 5_000, sourceControlConfigurations: 0, regions: [] }, { requests: 15, windowMs: 5000 }, 150)).toMatchObject({ quotaRequests: 15, floorSeconds: 0.15 });
    // An empty subscription still costs its list call; 250 clusters take three pages of 100.
    expect(naiveRequests({ clustersPerSubscription: [0, 250, 1], armPageSize: 100 })).toEqual({ listRequests: 5, getRequests: 251, upgradeRequests: 251, total: 507 });
  });
});
