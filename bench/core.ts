/**
 * One fleet size, every stage: the function `npm run bench` runs once per size (each in a fresh
 * process, see sizeProcess.ts) and the smoke test runs in-process.
 *
 * Stages, in this order so the sweep's memory peak is the first thing this process reaches:
 * 1. sweep: runAudit through the real Resource Graph and Container Service adapters against the
 *    measured simulator (quota, latency), collect:false, store:null; wall time, requests, memory;
 * 2. data pass against the unthrottled copy of the same fleet: classifyCluster timed on its own
 *    over every record, the classified pages written to Azurite (up to storageMax clusters);
 * 3. one cluster's year of weekly history written and read back;
 * 4. digests rendered over the fleet's report;
 * 5. the naive baseline, timed only where asked (1,000 clusters), counted everywhere;
 * 6. the stored sweep (storedSweep.ts): runAudit with the Table store on Azurite behind a latency
 *    proxy, against the measured simulator, and the storage ceiling of what it wrote (fleets up
 *    to storedMax clusters).
 *
 * The later stages' heavier modules (Azurite, the table store, the naive client) are imported
 * after the sweep, so the sweep's memory is measured over what a sweep loads.
 */
import os from "node:os";
import type { StorageFigures } from "./storage.js";
import type { StoredSweepFigures, StoredSweepOptions } from "./storedSweep.js";
import { runInChild } from "./childStage.js";
import { loadBundledCatalog } from "../src/catalog/load.js";
import { newRunId, runAudit } from "../src/app/audit.js";
import { buildReport, classifyCluster, type ClassifyInput } from "../src/core/classify.js";
import { buildDigests, DEFAULT_WINDOW_DAYS } from "../src/core/digest.js";
import type { ClusterReport } from "../src/core/report.js";
import { armIdKey, type AuditScope, type ExtensionRecord, type IsoDate, type ScopeError } from "../src/core/types.js";
import { createContainerServiceVersionSource } from "../src/sources/containerService.js";
import { createStaticCredential } from "../src/sources/credential.js";
import { createResourceGraphFleetSource } from "../src/sources/resourceGraph.js";
import { round, sampleMemory } from "./memory.js";
import { ARG_PAGE_SIZE, naiveRequests, quotaFloor } from "./model.js";
import { BENCH_REGIONS, startBenchSimulator, type BenchSimulator } from "./simulator.js";

export interface FleetBenchOptions {
  clusters: number;
  /** At least 500 for the published figures. */
  subscriptions?: number;
  regions?: string[];
  latencyMs: number;
  /** Resource Graph quota per principal; null = unlimited. */
  quota: { requests: number; windowMs: number } | null;
  /** Most clusters written to Azurite (the rest of the fleet is classified but not stored). */
  storageMax: number;
  /** Largest fleet the stored-sweep stage runs for (it is skipped above; default 10,000). */
  storedMax?: number;
  /** Latency the proxy in front of Azurite adds to every Table request in the stored sweep (default 5 ms). */
  tableLatencyMs?: number;
  /** Most clusters the digest is rendered over (the whole fleet by default). */
  digestMax?: number;
  /** Run the naive baseline against the simulator (else only count its requests). */
  timeNaive: boolean;
  /** Parallel calls of the naive script (xargs -P). */
  naiveConcurrency?: number;
  simulator: "child" | "in-process";
  seed?: number;
  asOf?: IsoDate;
  log?: (line: string) => void;
}

export interface BenchResult extends StorageFigures {
  clusters: number;
  subscriptions: number;
  regions: number;
  extensions: number;
  latencyMs: number;
  quota: { requests: number; windowMs: number } | null;
  // inventory + classification (the sweep)
  wallSeconds: number;
  floorSeconds: number;
  /** null when the floor is zero (no latency and a quota the fleet never reaches). */
  ratioToFloor: number | null;
  quotaRequestsAtFloor: number;
  argRequests: number;
  argPages: number;
  armRequests: number;
  throttled: number;
  quotaWaitSeconds: number;
  requestsByKind: Record<string, number>;
  sweepErrors: number;
  classifyMicrosPerCluster: number;
  peakRssMB: number;
  peakHeapMB: number;
  maxRssMB: number;
  /** RSS just before the sweep started: Node, the SDKs, the catalog. */
  rssBeforeSweepMB: number;
  // naive baseline
  naiveRequests: number;
  naiveListRequests: number;
  requestRatioVsNaive: number;
  naiveSeconds: number | null;
  naiveMeasuredRequests: number | null;
  /** The naive script's retried attempts (dropped sockets, 429s): counted apart from its calls. */
  naiveRetries: number | null;
  naiveConcurrency: number | null;
  /** What a one-call-at-a-time script would spend on round trips alone (requests × latency). */
  naiveSequentialSeconds: number;
  // storage (the figures of bench/storage.ts, plus whether the fleet was capped)
  storageCapped: boolean;
  historySnapshots: number;
  historySnapshotsRead: number;
  historyReadMs: number;
  historyReadFirstMs: number;
  // digest
  digestClusters: number;
  digestMessages: number;
  /** Distinct addresses the digests go to (the platform list and the owner-tagged teams). */
  digestRecipients: number;
  digestMicrosPerCluster: number;
  /**
   * Peak RSS of the digest: the stored-sweep process's (the stored run read back whole and
   * rendered) where that stage ran, else this process's while buildDigests runs over the fleet.
   */
  digestPeakRssMB: number;
  storedDigestMessages: number | null;
  /** Wall time of the weekly digest folded from the stored run (null where the stored sweep did not run). */
  storedDigestSeconds: number | null;
  /** The same digest from the stored run read back whole, in a process of its own: what streaming saves. */
  digestWholeRunPeakRssMB: number | null;
  digestWholeRunSeconds: number | null;
  /** Why the stored sweep did not complete at this size (null when it did, or did not run). */
  storedSweepError: string | null;
  // the stored sweep (null where the fleet is above storedMax)
  storedSweepClusters: number | null;
  storedSweepSeconds: number | null;
  storageCeilingSeconds: number | null;
  storedSweepRatio: number | null;
  tableRoundTripsPerCluster: number | null;
  tableRoundTrips: number | null;
  entitiesPerCluster: number | null;
  storedEntitiesPerTransaction: number | null;
  storedPeakRssMB: number | null;
  tableLatencyMs: number | null;
  machine: { cpus: number; cpuModel: string; totalMemoryMB: number; node: string; platform: string };
  date: string;
}

const TENANT: AuditScope = { subscriptions: [], managementGroups: [], clusterIds: [] };

export async function runFleetBench(options: FleetBenchOptions): Promise<BenchResult> {
  const log = options.log ?? (() => undefined);
  const asOf = options.asOf ?? "2026-11-24";
  const windowDays = DEFAULT_WINDOW_DAYS;
  const catalog = loadBundledCatalog();
  const sim: BenchSimulator = await startBenchSimulator(
    {
      seed: options.seed ?? 7,
      clusters: options.clusters,
      subscriptions: options.subscriptions ?? 500,
      regions: options.regions ?? BENCH_REGIONS,
      latencyMs: options.latencyMs,
      quota: options.quota,
      // ARM's documented per-subscription read bucket.
      armQuota: { capacity: 250, refillPerSecond: 25 },
      asOf,
    },
    options.simulator,
  );
  try {
    const shape = sim.fleet;

    // ---- 1. the sweep
    log(`${options.clusters} clusters: sweeping (quota ${options.quota ? `${options.quota.requests}/${options.quota.windowMs} ms` : "none"}, latency ${options.latencyMs} ms)…`);
    await sim.resetStats();
    const adapter = { credential: createStaticCredential("bench-sweep"), endpoint: sim.endpoint, tlsCa: sim.ca };
    const fleet = createResourceGraphFleetSource({ ...adapter, pageSize: ARG_PAGE_SIZE });
    const versions = createContainerServiceVersionSource(adapter);
    const rssBeforeSweepMB = round(process.memoryUsage.rss() / 1024 / 1024);
    const memory = sampleMemory(50);
    const started = performance.now();
    const { report, run } = await runAudit(
      { fleet, versions, catalog, store: null },
      { runId: newRunId(new Date(), "benchsweep"), trigger: "cli", scope: TENANT, asOf, windowDays, now: () => new Date(), collect: false },
    );
    const wallSeconds = (performance.now() - started) / 1000;
    const peak = memory.stop();
    const sweepStats = await sim.stats();
    if (report.summary.clusters !== shape.clusters) {
      throw new Error(`the sweep saw ${report.summary.clusters} of ${shape.clusters} clusters (${run.status}): ${report.errors.map((e) => `${e.scope}: ${e.message}`).join("; ")}`);
    }
    const floor = quotaFloor(shape, options.quota, options.latencyMs);
    log(`${options.clusters} clusters: sweep ${wallSeconds.toFixed(2)} s (floor ${floor.floorSeconds.toFixed(2)} s), peak RSS ${peak.peakRssMB} MB`);

    // ---- 2. data pass: classification timing and storage
    log(`${options.clusters} clusters: classifying and storing (up to ${options.storageMax} clusters in Azurite)…`);
    const fast = { credential: createStaticCredential("bench-data"), endpoint: sim.fastEndpoint, tlsCa: sim.ca };
    const fastFleet = createResourceGraphFleetSource({ ...fast, pageSize: ARG_PAGE_SIZE });
    const fastVersions = createContainerServiceVersionSource(fast);
    const errors: ScopeError[] = [];
    const extensions = new Map<string, ExtensionRecord[]>();
    for await (const x of fastFleet.extensions(TENANT, errors)) {
      const key = armIdKey(x.clusterId);
      const list = extensions.get(key);
      if (list) list.push(x);
      else extensions.set(key, [x]);
    }
    const { openStorageBench } = await import("./storage.js");
    const storage = await openStorageBench({ asOf, catalog });
    const digestMax = options.digestMax ?? Number.POSITIVE_INFINITY;
    const kept: ClusterReport[] = [];
    let historyCluster: ClusterReport | null = null;
    let classifyMs = 0;
    let classified = 0;
    let stored = 0;
    let storageFigures;
    let historyFigures;
    try {
      for await (const page of fastFleet.clusterPages(TENANT, errors)) {
        // Version data first, so the timed loop is classification and nothing else.
        const inputs: ClassifyInput[] = [];
        for (const cluster of page) {
          inputs.push({ cluster, extensions: extensions.get(armIdKey(cluster.id)) ?? [], versions: await fastVersions.versionsFor(cluster.location, cluster.subscriptionId, errors) });
        }
        const t = performance.now();
        const reports = inputs.map((input) => classifyCluster(input, catalog, { asOf, windowDays }));
        classifyMs += performance.now() - t;
        classified += reports.length;
        reports.forEach((r, i) => (r.tags = inputs[i]!.cluster.tags));
        historyCluster ??= reports[0] ?? null;
        if (stored < options.storageMax) {
          const slice = reports.slice(0, options.storageMax - stored);
          await storage.save(slice);
          stored += slice.length;
        }
        for (const r of reports) if (kept.length < digestMax) kept.push(r);
      }
      storageFigures = await storage.finish();
      log(`${options.clusters} clusters: stored ${storageFigures.storageClusters} clusters in ${storageFigures.storageSeconds} s; writing a year of weekly history…`);
      // ---- 3. a year of one cluster's history
      if (!historyCluster) throw new Error("the data pass found no cluster to write history for");
      historyFigures = await storage.history(historyCluster);
    } finally {
      await storage.close();
    }
    if (classified !== shape.clusters) throw new Error(`the data pass classified ${classified} of ${shape.clusters} clusters`);

    // ---- 4. digests over the fleet's report
    const fleetReport = buildReport({ runId: newRunId(new Date(), "benchdigest"), asOf, catalog, clusters: kept, windowDays });
    const recipients = { defaults: ["platform-team@example.com"], bySubscription: {}, tagName: "owner" };
    const digestMemory = sampleMemory(20);
    const digestStarted = performance.now();
    const mails = buildDigests({ report: fleetReport, recipients, windowDays });
    const digestMs = performance.now() - digestStarted;
    const digestPeakRssMB = digestMemory.stop().peakRssMB;
    const digestClusters = kept.length;
    // The naive stage below does not need the fleet in memory.
    kept.length = 0;

    // ---- 5. the naive baseline
    const naive = naiveRequests(shape);
    const concurrency = options.naiveConcurrency ?? 16;
    let naiveRun = null;
    if (options.timeNaive) {
      log(`${options.clusters} clusters: naive baseline (${naive.total} ARM requests, ${concurrency} at a time)…`);
      await sim.resetStats();
      const { runNaiveBaseline } = await import("./naive.js");
      naiveRun = await runNaiveBaseline({ endpoint: sim.endpoint, ca: sim.ca, subscriptions: shape.subscriptionIds, concurrency });
      if (naiveRun.failures > 0) throw new Error(`the naive baseline had ${naiveRun.failures} failed calls`);
    }

    // ---- 6. the stored sweep, last: its Azurite and its memory are its own
    const storedMax = options.storedMax ?? 10_000;
    const tableLatencyMs = options.tableLatencyMs ?? 5;
    let storedSweep = null;
    let storedSweepError: string | null = null;
    if (shape.clusters <= storedMax) {
      log(`${options.clusters} clusters: stored sweep (Table latency ${tableLatencyMs} ms)…`);
      const storedOptions: StoredSweepOptions = {
        endpoint: sim.endpoint,
        ca: sim.ca,
        tables: options.simulator,
        asOf,
        windowDays,
        floorSeconds: floor.floorSeconds,
        tableLatencyMs,
      };
      // A fresh process, like each size's own: its peaks are the stored sweep's and the digest's.
      try {
        storedSweep = options.simulator === "child" ? await storedSweepInChild(storedOptions) : await (await import("./storedSweep.js")).runStoredSweep(storedOptions);
      } catch (error) {
        // Reported in the row and the summary, and the size's other figures are kept.
        storedSweepError = error instanceof Error ? error.message.split("\n")[0]! : String(error);
        log(`${options.clusters} clusters: stored sweep did not complete: ${storedSweepError}`);
      }
    }
    if (storedSweep) {
      log(`${options.clusters} clusters: stored sweep ${storedSweep.storedSweepSeconds} s, ceiling ${storedSweep.storageCeilingSeconds} s, ${storedSweep.tableRoundTripsPerCluster} Table round trips per cluster`);
    }
    const noStored = {
      storedSweepClusters: null,
      storedSweepSeconds: null,
      storageCeilingSeconds: null,
      storedSweepRatio: null,
      tableRoundTripsPerCluster: null,
      tableRoundTrips: null,
      entitiesPerCluster: null,
      storedEntitiesPerTransaction: null,
      storedPeakRssMB: null,
      storedDigestMessages: null,
      storedDigestSeconds: null,
      digestWholeRunPeakRssMB: null,
      digestWholeRunSeconds: null,
      tableLatencyMs: null,
    };

    const argRequests = fleet.stats.requests;
    const armRequests = versions.stats.requests;
    const cpus = os.cpus();
    return {
      clusters: shape.clusters,
      subscriptions: shape.subscriptionIds.length,
      regions: shape.regions.length,
      extensions: shape.extensions,
      latencyMs: options.latencyMs,
      quota: options.quota,
      wallSeconds: round(wallSeconds, 2),
      floorSeconds: round(floor.floorSeconds, 2),
      ratioToFloor: floor.floorSeconds > 0 ? round(wallSeconds / floor.floorSeconds, 2) : null,
      quotaRequestsAtFloor: floor.quotaRequests,
      argRequests,
      argPages: fleet.stats.pages,
      armRequests,
      throttled: fleet.stats.throttled + versions.stats.throttled,
      quotaWaitSeconds: round(fleet.stats.quotaWaitMs / 1000, 2),
      requestsByKind: sweepStats.byKind,
      sweepErrors: report.errors.length,
      classifyMicrosPerCluster: round((classifyMs * 1000) / classified, 1),
      peakRssMB: peak.peakRssMB,
      peakHeapMB: peak.peakHeapMB,
      maxRssMB: peak.maxRssMB,
      rssBeforeSweepMB,
      naiveRequests: naive.total,
      naiveListRequests: naive.listRequests,
      requestRatioVsNaive: round(naive.total / (argRequests + armRequests), 1),
      naiveSeconds: naiveRun ? round(naiveRun.seconds, 2) : null,
      naiveMeasuredRequests: naiveRun ? naiveRun.requests : null,
      naiveRetries: naiveRun ? naiveRun.retries : null,
      naiveConcurrency: naiveRun ? concurrency : null,
      naiveSequentialSeconds: round((naive.total * options.latencyMs) / 1000, 1),
      ...storageFigures,
      storageCapped: shape.clusters > options.storageMax,
      ...historyFigures,
      digestClusters,
      digestMessages: mails.length,
      digestRecipients: new Set(mails.flatMap((m) => m.to.map((a) => a.toLowerCase()))).size,
      digestMicrosPerCluster: round((digestMs * 1000) / Math.max(1, digestClusters), 1),
      // Where the stored sweep ran, the digest was measured as the weekly job makes it (folded from
      // the stored run a page at a time), in a process of its own.
      digestPeakRssMB,
      ...(storedSweep ?? noStored),
      storedSweepError,
      machine: { cpus: cpus.length, cpuModel: cpus[0]?.model ?? "unknown", totalMemoryMB: Math.round(os.totalmem() / 1024 / 1024), node: process.version, platform: `${process.platform} ${os.release()}` },
      date: new Date().toISOString(),
    };
  } finally {
    await sim.close();
  }
}

/** The stored-sweep stage in a fresh process (storedProcess.ts), its figures back over IPC. */
function storedSweepInChild(options: StoredSweepOptions): Promise<StoredSweepFigures> {
  return runInChild(new URL("./storedProcess.js", import.meta.url), options, "stored sweep");
}
