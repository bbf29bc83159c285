/**
 * The stored-sweep stage: runAudit with the Table store, as the timer runs it, through the real
 * SDK clients, against Azurite behind a loopback proxy that adds a fixed latency to every Table
 * request (benchTables.ts; Azurite in its own process). Then, in the same Azurite through the same
 * proxy and concurrency, the storage ceiling: the same number of entities of the same sizes
 * inserted in full transactions with no reads, the least time any store could take to write what
 * this one wrote. Last, the digest as the weekly job makes it (digestStage.ts): the stored run
 * folded a page at a time and rendered. In the bench the sweep runs in a fresh process
 * (storedProcess.ts) and the digest in another, so each peak RSS is the stage's own.
 */
import { TableClient, type TransactionAction } from "@azure/data-tables";
import { newRunId, runAudit } from "../src/app/audit.js";
import { loadBundledCatalog } from "../src/catalog/load.js";
import type { AuditScope, IsoDate } from "../src/core/types.js";
import { createContainerServiceVersionSource } from "../src/sources/containerService.js";
import { createStaticCredential } from "../src/sources/credential.js";
import { createResourceGraphFleetSource } from "../src/sources/resourceGraph.js";
import { createTableHistoryStore } from "../src/store/index.js";
import { mapLimit } from "../src/store/tables.js";
import { startBenchTables } from "./benchTables.js";
import { round, sampleMemory } from "./memory.js";
import { ARG_PAGE_SIZE } from "./model.js";
import { countTableOperations, sumTallies } from "./storage.js";
import { digestStageInChild, runDigestStage, type DigestStageOptions } from "./digestStage.js";

export interface StoredSweepFigures {
  storedSweepClusters: number;
  storedSweepSeconds: number;
  storageCeilingSeconds: number;
  /** storedSweepSeconds / max(quota floor, storage ceiling). */
  storedSweepRatio: number;
  /** Every Table request the proxy forwarded during the stored sweep, per cluster (reads and writes). */
  tableRoundTripsPerCluster: number;
  tableRoundTrips: number;
  entitiesPerCluster: number;
  /** Entities per write round trip of the stored sweep. */
  storedEntitiesPerTransaction: number;
  storedPeakRssMB: number;
  /** Peak RSS of the weekly digest folded from the stored run (its own process where the bench forks stages). */
  digestPeakRssMB: number;
  storedDigestSeconds: number;
  /** Peak RSS of the same digest built from the run read back whole (the path before streaming), for comparison. */
  digestWholeRunPeakRssMB: number;
  digestWholeRunSeconds: number;
  storedDigestMessages: number;
  tableLatencyMs: number;
}

/** Plain data, so the stage can be handed to a child process. */
export interface StoredSweepOptions {
  /** The measured simulator. */
  endpoint: string;
  ca: string;
  /** Where Azurite runs: a child process (the bench) or this one (the smoke test). */
  tables: "child" | "in-process";
  asOf: IsoDate;
  windowDays: number;
  floorSeconds: number;
  tableLatencyMs: number;
  /** The store's partitions in flight (its default, 8), used for the ceiling as well. */
  concurrency?: number;
}

const TENANT: AuditScope = { subscriptions: [], managementGroups: [], clusterIds: [] };
/** Keys of a ceiling entity; `d00` carries the rest of the size. */
const CEILING_BUCKETS = 8;

export async function runStoredSweep(options: StoredSweepOptions): Promise<StoredSweepFigures> {
  const concurrency = options.concurrency ?? 8;
  const catalog = loadBundledCatalog();
  const adapter = { credential: createStaticCredential("bench-stored"), endpoint: options.endpoint, tlsCa: options.ca };
  const fleet = createResourceGraphFleetSource({ ...adapter, pageSize: ARG_PAGE_SIZE });
  const versions = createContainerServiceVersionSource(adapter);
  const tables = await startBenchTables(options.tableLatencyMs, options.tables);
  const counter = countTableOperations({ sizes: true });
  try {
    const store = await createTableHistoryStore({ connectionString: tables.connectionString, tablePrefix: "stored", allowInsecureConnection: true, concurrency });
    const requestsBefore = await tables.requests();
    const memory = sampleMemory(50);
    const started = performance.now();
    const { report, run } = await Promise.race([
      runAudit(
        { fleet, versions, catalog, store },
        { runId: newRunId(new Date(), "benchstored"), trigger: "timer", scope: TENANT, asOf: options.asOf, windowDays: options.windowDays, now: () => new Date(), collect: false },
      ),
      tables.died,
    ]);
    const storedSweepSeconds = (performance.now() - started) / 1000;
    const peak = memory.stop();
    if (run.status !== "succeeded") throw new Error(`the stored sweep ended ${run.status}: ${report.errors.map((e) => `${e.scope}: ${e.message}`).join("; ")}`);
    const tableRoundTrips = (await tables.requests()) - requestsBefore;
    const written = sumTallies(counter.tallies());
    const sizes = [...counter.sizes()];
    counter.restore();

    await store.close();

    const storageCeilingSeconds = await Promise.race([measureCeiling(tables.connectionString, sizes, concurrency), tables.died]);
    // The weekly digest's path, folded from the store a page at a time; in its own process where
    // the bench runs stages in children, so its peak is not the sweep's leftover heap.
    const digestStage = (mode: DigestStageOptions["mode"]) => {
      const digestOptions: DigestStageOptions = { connectionString: tables.connectionString, tablePrefix: "stored", runId: run.runId, windowDays: options.windowDays, mode };
      return Promise.race([options.tables === "child" ? digestStageInChild(digestOptions) : runDigestStage(digestOptions), tables.died]);
    };
    const digest = await digestStage("streamed");
    // The same digest from the run read back whole, for comparison (what streaming saves).
    const whole = await digestStage("whole");
    if (whole.storedDigestMessages !== digest.storedDigestMessages) throw new Error(`the streamed digest made ${digest.storedDigestMessages} messages, the whole run ${whole.storedDigestMessages}`);
    const clusters = report.summary.clusters;
    return {
      storedSweepClusters: clusters,
      storedSweepSeconds: round(storedSweepSeconds, 2),
      storageCeilingSeconds: round(storageCeilingSeconds, 2),
      storedSweepRatio: round(storedSweepSeconds / Math.max(options.floorSeconds, storageCeilingSeconds), 2),
      tableRoundTripsPerCluster: round(tableRoundTrips / clusters, 3),
      tableRoundTrips,
      entitiesPerCluster: round(written.entities / clusters, 2),
      storedEntitiesPerTransaction: written.writeRequests > 0 ? round(written.entities / written.writeRequests, 2) : 0,
      storedPeakRssMB: peak.peakRssMB,
      digestPeakRssMB: digest.digestPeakRssMB,
      storedDigestSeconds: digest.digestSeconds,
      digestWholeRunPeakRssMB: whole.digestPeakRssMB,
      digestWholeRunSeconds: whole.digestSeconds,
      storedDigestMessages: digest.storedDigestMessages,
      tableLatencyMs: options.tableLatencyMs,
    };
  } finally {
    counter.restore();
    await tables.close();
  }
}

/**
 * Inserts one entity per recorded size, 100 to a transaction, spread over as many partitions as
 * the store uses, with the store's concurrency: no reads, no conflicts, every transaction full.
 */
async function measureCeiling(connectionString: string, sizes: readonly number[], concurrency: number): Promise<number> {
  const table = TableClient.fromConnectionString(connectionString, "ceiling", { allowInsecureConnection: true });
  await table.createTable();
  // Entity i goes to partition i mod 8; a batch is built just before it is sent, and fillers of one
  // length are shared, so the ceiling's own memory stays small however many entities it writes.
  const fillers = new Map<number, string>();
  const filler = (length: number): string => {
    let text = fillers.get(length);
    if (text === undefined) fillers.set(length, (text = "x".repeat(length)));
    return text;
  };
  const batchAt = (partition: number, first: number): TransactionAction[] => {
    const batch: TransactionAction[] = [];
    for (let i = first; i < sizes.length && batch.length < 100; i += CEILING_BUCKETS) {
      const partitionKey = `b${String(partition).padStart(2, "0")}`;
      const rowKey = String(i).padStart(10, "0");
      const bare = JSON.stringify({ partitionKey, rowKey, d00: "" }).length;
      batch.push(["create", { partitionKey, rowKey, d00: filler(Math.max(0, sizes[i]! - bare)) }]);
    }
    return batch;
  };
  const partitions = Array.from({ length: CEILING_BUCKETS }, (_, p) => p);
  const started = performance.now();
  await mapLimit(partitions, concurrency, async (partition) => {
    for (let first = partition; first < sizes.length; first += 100 * CEILING_BUCKETS) await table.submitTransaction(batchAt(partition, first));
  });
  return (performance.now() - started) / 1000;
}
