/**
 * The storage stages: classified snapshots written through the real history store into Azurite
 * (in this process, fresh data directory), and one cluster's year of weekly history read back.
 *
 * Table operations are counted by wrapping TableClient's methods, because the store builds its
 * clients itself and keeps no counters: a transaction is one round trip carrying N entities, a
 * single upsert/create/update/delete is a round trip carrying one.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { TableClient } from "@azure/data-tables";
import type { RunRecord } from "../src/core/ports.js";
import { emptySummary, type ClusterReport } from "../src/core/report.js";
import type { IsoDate } from "../src/core/types.js";
import { addDays } from "../src/core/dates.js";
import { newRunId } from "../src/app/audit.js";
import { startLocalTables } from "../src/local/azurite.js";
import { createTableHistoryStore, type TableHistoryStore } from "../src/store/index.js";
import { round } from "./memory.js";

export interface TableTally {
  /** Write round trips: transactions plus single-entity writes. */
  writeRequests: number;
  transactions: number;
  /** Entities written, in transactions and singly. */
  entities: number;
  /** Point reads and query pages. */
  reads: number;
}

type Tallies = Record<string, TableTally>;

const WRITE_METHODS = ["upsertEntity", "createEntity", "updateEntity", "deleteEntity"] as const;
const READ_METHODS = ["getEntity"] as const;

/**
 * Counts every TableClient operation in this process until restored. submitTransaction builds
 * its sub-requests by calling the same entity methods on an internal TableClient, synchronously
 * before its first await, so calls made while a transaction is being assembled are not counted
 * again.
 */
export function countTableOperations(options: { sizes?: boolean } = {}): { tallies(): Tallies; sizes(): number[]; restore(): void } {
  const tallies: Tallies = {};
  /** With `sizes`, the JSON length of every entity written, so a ceiling can write the same. */
  const sizes: number[] = [];
  const sizeOf = (entity: unknown): void => {
    if (options.sizes) sizes.push(JSON.stringify(entity).length);
  };
  const proto = TableClient.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  let assembling = 0;
  const tallyOf = (client: TableClient): TableTally => (tallies[client.tableName] ??= { writeRequests: 0, transactions: 0, entities: 0, reads: 0 });

  const wrap = (name: string, count: (client: TableClient, args: unknown[]) => void): void => {
    const original = proto[name]!;
    originals.set(name, original);
    proto[name] = function (this: TableClient, ...args: unknown[]): unknown {
      if (assembling === 0) count(this, args);
      return original.apply(this, args);
    };
  };
  const submit = proto["submitTransaction"]!;
  originals.set("submitTransaction", submit);
  proto["submitTransaction"] = function (this: TableClient, ...args: unknown[]): unknown {
    const tally = tallyOf(this);
    tally.transactions += 1;
    tally.writeRequests += 1;
    tally.entities += (args[0] as unknown[]).length;
    for (const action of args[0] as [string, unknown][]) if (action[0] !== "delete") sizeOf(action[1]);
    assembling += 1;
    try {
      return submit.apply(this, args);
    } finally {
      assembling -= 1;
    }
  };
  for (const name of WRITE_METHODS) {
    wrap(name, (client, args) => {
      if (name !== "deleteEntity") sizeOf(args[0]);
      const tally = tallyOf(client);
      tally.writeRequests += 1;
      tally.entities += 1;
    });
  }
  for (const name of READ_METHODS) wrap(name, (client) => void (tallyOf(client).reads += 1));
  // Query pages: count the iterator's byPage requests.
  const list = proto["listEntities"]!;
  originals.set("listEntities", list);
  proto["listEntities"] = function (this: TableClient, ...args: unknown[]): unknown {
    const client = this;
    const iterator = list.apply(this, args) as { byPage: (settings?: unknown) => AsyncIterableIterator<unknown> };
    const byPage = iterator.byPage.bind(iterator);
    iterator.byPage = (settings?: unknown) => {
      const pages = byPage(settings);
      const next = pages.next.bind(pages);
      pages.next = () => {
        tallyOf(client).reads += 1;
        return next();
      };
      return pages;
    };
    return iterator;
  };

  return {
    tallies: () => structuredClone(tallies),
    sizes: () => sizes,
    restore: () => {
      for (const [name, original] of originals) proto[name] = original;
    },
  };
}

export function sumTallies(tallies: Tallies, before: Tallies = {}): TableTally {
  const total: TableTally = { writeRequests: 0, transactions: 0, entities: 0, reads: 0 };
  for (const [table, t] of Object.entries(tallies)) {
    const b = before[table] ?? { writeRequests: 0, transactions: 0, entities: 0, reads: 0 };
    total.writeRequests += t.writeRequests - b.writeRequests;
    total.transactions += t.transactions - b.transactions;
    total.entities += t.entities - b.entities;
    total.reads += t.reads - b.reads;
  }
  return total;
}

export interface StorageFigures {
  storageClusters: number;
  storageSeconds: number;
  storageEntities: number;
  storageWriteRequests: number;
  storageTransactions: number;
  storageEntitiesPerSecond: number;
  /** Entities per write round trip (a single-entity write counts as a transaction of one). */
  entitiesPerTransaction: number;
  /** Entities per multi-entity transaction only. */
  entitiesPerBatchTransaction: number;
  storageByTable: Tallies;
}

export interface HistoryFigures {
  /** Snapshots written for the history cluster (52 weekly runs). */
  historySnapshots: number;
  /** Snapshots read back: the weekly ones plus the fleet run's snapshot of the same cluster. */
  historySnapshotsRead: number;
  /** Median of several full reads of the 52 snapshots through clusterHistory. */
  historyReadMs: number;
  historyReadFirstMs: number;
}

const TABLE_PREFIX = "bench";

export interface StorageBench {
  /** Writes one page of classified snapshots (as runAudit's store step does), timed. */
  save(reports: readonly ClusterReport[]): Promise<void>;
  /** Finishes the fleet run and reports the write figures. */
  finish(): Promise<StorageFigures>;
  /** Writes 52 weekly snapshots of one cluster and times reading them back. */
  history(cluster: ClusterReport): Promise<HistoryFigures>;
  close(): Promise<void>;
}

export async function openStorageBench(options: { asOf: IsoDate; catalog: { version: string; checkedAt: IsoDate } }): Promise<StorageBench> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "aks-audit-bench-"));
  const tables = await startLocalTables({ dataDir });
  const store = await createTableHistoryStore({ connectionString: tables.connectionString, tablePrefix: TABLE_PREFIX, allowInsecureConnection: true });
  const counter = countTableOperations();
  const newRun = (asOf: IsoDate, started: Date, suffix: string): RunRecord => ({
    runId: newRunId(started, suffix),
    trigger: "cli",
    scope: { subscriptions: [], managementGroups: [], clusterIds: [] },
    asOf,
    startedAt: started.toISOString(),
    endedAt: null,
    status: "running",
    summary: emptySummary(),
    errors: [],
    catalogVersion: options.catalog.version,
    catalogCheckedAt: options.catalog.checkedAt,
  });
  const run = newRun(options.asOf, new Date(), "benchstore");
  await store.beginRun(run);
  const before = counter.tallies();
  let clusters = 0;
  let savingMs = 0;

  return {
    async save(reports) {
      const started = performance.now();
      await store.saveSnapshots(run, reports);
      savingMs += performance.now() - started;
      clusters += reports.length;
    },

    async finish() {
      const after = counter.tallies();
      const total = sumTallies(after, before);
      const byTable: Tallies = {};
      for (const [table, t] of Object.entries(after)) byTable[table] = sumTallies({ [table]: t }, before);
      run.status = "succeeded";
      run.endedAt = new Date().toISOString();
      await store.completeRun(run);
      const singleWrites = total.writeRequests - total.transactions;
      const batchedEntities = total.entities - singleWrites;
      return {
        storageClusters: clusters,
        storageSeconds: round(savingMs / 1000, 2),
        storageEntities: total.entities,
        storageWriteRequests: total.writeRequests,
        storageTransactions: total.transactions,
        storageEntitiesPerSecond: savingMs > 0 ? Math.round(total.entities / (savingMs / 1000)) : 0,
        entitiesPerTransaction: total.writeRequests > 0 ? round(total.entities / total.writeRequests, 2) : 0,
        entitiesPerBatchTransaction: total.transactions > 0 ? round(batchedEntities / total.transactions, 2) : 0,
        storageByTable: byTable,
      };
    },

    async history(cluster) {
      // Oldest first, a week apart, as a weekly timer would have written them over a year.
      const weeks = 52;
      for (let w = weeks - 1; w >= 0; w--) {
        const asOf = addDays(options.asOf, -7 * w);
        const weekly = newRun(asOf, new Date(`${asOf}T06:00:00.000Z`), "benchhist");
        await store.beginRun(weekly);
        // Each week differs a little, so every link has its own content hash.
        await store.saveSnapshots(weekly, [{ ...cluster, errors: [...cluster.errors, `bench week ${weeks - w}`] }]);
        weekly.status = "succeeded";
        weekly.endedAt = weekly.startedAt;
        await store.completeRun(weekly);
      }
      let count = 0;
      const read = async (): Promise<number> => {
        const started = performance.now();
        count = 0;
        let token: string | undefined;
        do {
          const page = await store.clusterHistory(cluster.id, { limit: 100, ...(token ? { continuationToken: token } : {}) });
          count += page.items.length;
          token = page.continuationToken ?? undefined;
        } while (token);
        // 52 weekly runs plus the fleet run's snapshot of the same cluster.
        if (count < weeks) throw new Error(`history read returned ${count} snapshots, expected at least ${weeks}`);
        return performance.now() - started;
      };
      const times: number[] = [];
      for (let i = 0; i < 5; i++) times.push(await read());
      const sorted = [...times].sort((a, b) => a - b);
      return { historySnapshots: weeks, historySnapshotsRead: count, historyReadMs: round(sorted[2]!, 1), historyReadFirstMs: round(times[0]!, 1) };
    },

    async close() {
      counter.restore();
      await (store as TableHistoryStore).close();
      await tables.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
