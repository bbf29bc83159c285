import { TableClient, odata } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/core/ports.js";
import type { AuditReport, ClusterReport } from "../../src/core/report.js";
import { armIdKey } from "../../src/core/types.js";
import { createTableHistoryStore, ContinuationTokenError, type TableHistoryStore } from "../../src/store/index.js";
import { clusterKey, prefixRange } from "../../src/store/keys.js";
import { SNAPSHOT_BUCKETS, headRow, snapshotPartition, snapshotsPrefix } from "../../src/store/layout.js";
import { useAzurite } from "../helpers/azurite.js";
import { cluster, clusterId, finished, integration, runRecord } from "./fixtures.js";

const azurite = useAzurite();

async function newStore(prefix = azurite.freshPrefix()): Promise<TableHistoryStore> {
  return createTableHistoryStore({ connectionString: azurite.connectionString, tablePrefix: prefix, concurrency: 4 });
}

function rawTable(prefix: string, table: string): TableClient {
  return TableClient.fromConnectionString(azurite.connectionString, `${prefix}${table}`, { allowInsecureConnection: true });
}

interface WriteTally {
  transactions: number;
  /** Entities written in transactions. */
  batched: number;
  /** Single-entity writes (each its own round trip). */
  single: number;
}

/**
 * Counts write round trips per table (by suffix) until restored. The store builds its clients
 * itself, so the prototype is wrapped. submitTransaction assembles its sub-requests by calling the
 * entity methods of an internal client synchronously, so calls made meanwhile are not counted again.
 */
function countWrites(): { tally(suffix: string): WriteTally; restore(): void } {
  const tallies = new Map<string, WriteTally>();
  const proto = TableClient.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  let assembling = 0;
  const tallyOf = (client: TableClient): WriteTally => {
    let t = tallies.get(client.tableName);
    if (!t) tallies.set(client.tableName, (t = { transactions: 0, batched: 0, single: 0 }));
    return t;
  };
  for (const name of ["submitTransaction", "createEntity", "upsertEntity", "updateEntity", "deleteEntity"]) {
    const original = proto[name]!;
    originals.set(name, original);
    proto[name] = function (this: TableClient, ...args: unknown[]): unknown {
      if (name === "submitTransaction") {
        const t = tallyOf(this);
        t.transactions += 1;
        t.batched += (args[0] as unknown[]).length;
        assembling += 1;
        try {
          return original.apply(this, args);
        } finally {
          assembling -= 1;
        }
      }
      if (assembling === 0) tallyOf(this).single += 1;
      return original.apply(this, args);
    };
  }
  return {
    tally: (suffix) => {
      const total: WriteTally = { transactions: 0, batched: 0, single: 0 };
      for (const [table, t] of tallies) {
        if (!table.endsWith(suffix)) continue;
        total.transactions += t.transactions;
        total.batched += t.batched;
        total.single += t.single;
      }
      return total;
    },
    restore: () => {
      for (const [name, original] of originals) proto[name] = original;
    },
  };
}

/** Counts read round trips (point reads and query pages) on one table, by suffix, until restored. */
function countReads(suffix: string): { readonly point: number; readonly queries: number; restore(): void } {
  const proto = TableClient.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const [getEntity, listEntities] = [proto["getEntity"]!, proto["listEntities"]!];
  const counts = { point: 0, queries: 0 };
  proto["getEntity"] = function (this: TableClient, ...args: unknown[]): unknown {
    if (this.tableName.endsWith(suffix)) counts.point += 1;
    return getEntity.apply(this, args);
  };
  // The store asks for one fresh page iterator per request (tables.ts queryRange).
  proto["listEntities"] = function (this: TableClient, ...args: unknown[]): unknown {
    if (this.tableName.endsWith(suffix)) counts.queries += 1;
    return listEntities.apply(this, args);
  };
  return {
    get point() {
      return counts.point;
    },
    get queries() {
      return counts.queries;
    },
    restore: () => {
      proto["getEntity"] = getEntity;
      proto["listEntities"] = listEntities;
    },
  };
}

const byId = (a: ClusterReport, b: ClusterReport): number => (armIdKey(a.id) < armIdKey(b.id) ? -1 : 1);

/** Stores a whole run the way the sweep does: begin, pages of snapshots, complete. */
async function storeRun(store: TableHistoryStore, run: RunRecord, clusters: ClusterReport[], pageSize = 2): Promise<RunRecord> {
  await store.beginRun(run);
  for (let i = 0; i < clusters.length; i += pageSize) await store.saveSnapshots(run, clusters.slice(i, i + pageSize));
  const done = finished(run, clusters);
  await store.completeRun(done);
  // Completing seals the run's root (store/roots.ts; tested in roots.test.ts).
  return { ...done, root: expect.objectContaining({ hash: expect.stringMatching(/^[0-9a-f]{64}$/) }) as never };
}

function expectedReport(run: RunRecord, clusters: ClusterReport[]): AuditReport {
  return {
    schemaVersion: 1,
    runId: run.runId,
    asOf: run.asOf,
    catalog: { version: run.catalogVersion, checkedAt: run.catalogCheckedAt },
    clusters: [...clusters].sort(byId),
    summary: run.summary,
    errors: run.errors,
  };
}

const fleetDay1 = (): ClusterReport[] => [
  cluster("aks-a", [integration("microsoft.flux", "warning", "aks-extension"), integration("ingress-nginx", "critical", "unsupported")]),
  cluster("aks-b", [integration("keda", "ok", "aks-managed")]),
  cluster("AKS-C", [integration("istio", "info", "aks-managed")], { tags: {} }),
];
const fleetDay2 = (): ClusterReport[] => [
  cluster("aks-a", [integration("microsoft.flux", "critical", "aks-extension", { version: "1.9.0" })]),
  cluster("aks-b", [integration("keda", "ok", "aks-managed"), integration("cert-manager", "warning", "unsupported")]),
];

describe("table history store", () => {
  it("stores two runs and reads them back exactly: run, report, history, listing", async () => {
    const store = await newStore();
    const c1 = fleetDay1();
    const c2 = fleetDay2();
    const run1 = await storeRun(store, runRecord("run-1", "2026-11-20", { errors: [{ scope: "sub-x", message: "denied" }], status: "running" }), c1);
    const run2 = await storeRun(store, runRecord("run-2", "2026-11-21", { trigger: "http" }), c2);

    expect(await store.getRun("run-1")).toEqual(run1);
    expect(await store.runReport("run-1")).toEqual(expectedReport(run1, c1));
    expect(await store.runReport("run-2")).toEqual(expectedReport(run2, c2));
    expect(await store.runReport("nope")).toBeNull();

    const runs = await store.listRuns({});
    expect(runs.items).toEqual([run2, run1]);
    expect(runs.continuationToken).toBeNull();
    expect((await store.listRuns({ from: "2026-11-21" })).items.map((r) => r.runId)).toEqual(["run-2"]);
    expect((await store.listRuns({ to: "2026-11-20" })).items.map((r) => r.runId)).toEqual(["run-1"]);

    // Ids are case-insensitive: the upper-cased id finds the same history.
    const history = await store.clusterHistory(clusterId("AKS-A"), {});
    expect(history.items.map((s) => [s.runId, s.asOf])).toEqual([
      ["run-2", "2026-11-21"],
      ["run-1", "2026-11-20"],
    ]);
    expect(history.items[0]!.cluster).toEqual(c2[0]);
    expect(history.items[1]!.cluster).toEqual(c1[0]);
    expect(history.items[0]!.previousHash).toBe(history.items[1]!.contentHash);
    expect(history.items[1]!.previousHash).toBe("");
    expect((await store.clusterHistory(clusterId("aks-a"), { from: "2026-11-21", to: "2026-11-21" })).items).toHaveLength(1);
    expect((await store.clusterHistory(clusterId("aks-c"), { from: "2026-11-21" })).items).toHaveLength(0);

    expect(await store.verify()).toEqual({ clustersChecked: 3, snapshotsChecked: 5, ok: true, broken: [], registry: { missing: [], extra: [] } });
  });

  it("pages the fleet as of a date, and later pages stay on the run the first page found", async () => {
    const store = await newStore();
    const day1 = fleetDay1();
    await storeRun(store, runRecord("run-1", "2026-11-20"), day1);
    const first = await store.fleetAsOf("2026-11-30", { limit: 2 });
    expect(first!.clusters).toHaveLength(2);
    expect(first!.continuationToken).not.toBeNull();
    // A newer run lands between the pages: the rest of the listing still comes from run-1.
    await storeRun(store, runRecord("run-2", "2026-11-22"), fleetDay2());
    const second = await store.fleetAsOf("2026-11-30", { limit: 2, continuationToken: first!.continuationToken! });
    expect(second!.run.runId).toBe("run-1");
    expect([...first!.clusters, ...second!.clusters]).toEqual([...day1].sort(byId));
    expect(second!.continuationToken).toBeNull();
    await expect(store.fleetAsOf("2026-11-30", { continuationToken: "bm90LWEtdG9rZW4" })).rejects.toBeInstanceOf(ContinuationTokenError);
  });

  it("answers the fleet as of a date, filtered by severity and support tier", async () => {
    const store = await newStore();
    await storeRun(store, runRecord("run-1", "2026-11-20"), fleetDay1());
    const run2 = await storeRun(store, runRecord("run-2", "2026-11-22"), fleetDay2());
    // A run limited to named clusters, and one still running, are not "the fleet".
    await storeRun(store, runRecord("run-3", "2026-11-22", { startedAt: "2026-11-22T09:00:00.000Z", scope: { subscriptions: [], managementGroups: [], clusterIds: [clusterId("aks-a")] } }), [fleetDay2()[0]!]);
    await store.beginRun(runRecord("run-4", "2026-11-23"));

    expect(await store.fleetAsOf("2026-11-19", {})).toBeNull();
    expect((await store.fleetAsOf("2026-11-21", {}))!.run.runId).toBe("run-1");
    const latest = await store.fleetAsOf("2026-12-31", {});
    expect(latest!.run).toEqual(run2);
    expect(latest!.clusters).toEqual([...fleetDay2()].sort(byId));

    const critical = await store.fleetAsOf("2026-11-20", { severity: "critical" });
    expect(critical!.clusters.map((c) => [c.name, c.integrations.map((i) => i.name)])).toEqual([["aks-a", ["ingress-nginx"]]]);
    const unsupported = await store.fleetAsOf("2026-11-22", { supportTier: "unsupported" });
    expect(unsupported!.clusters.map((c) => [c.name, c.integrations.map((i) => i.name)])).toEqual([["aks-b", ["cert-manager"]]]);
    const both = await store.fleetAsOf("2026-11-22", { severity: "critical", supportTier: "aks-extension" });
    expect(both!.clusters.map((c) => c.name)).toEqual(["aks-a"]);
    expect((await store.fleetAsOf("2026-11-22", { severity: "info" }))!.clusters).toEqual([]);
  });

  it("pages a filtered fleet one match at a time, skipping the clusters that do not match", async () => {
    const store = await newStore();
    const fleet = Array.from({ length: 30 }, (_, i) => cluster(`aks-${String(i).padStart(2, "0")}`, [integration("keda", i % 7 === 0 ? "critical" : "ok", "aks-managed")]));
    await storeRun(store, runRecord("run-1", "2026-11-20"), fleet, 10);
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await store.fleetAsOf("2026-11-20", { severity: "critical", limit: 1, ...(token ? { continuationToken: token } : {}) });
      expect(page!.clusters.length).toBeLessThanOrEqual(1);
      names.push(...page!.clusters.map((c) => c.name));
      token = page!.continuationToken ?? undefined;
      pages += 1;
    } while (token);
    expect(names.sort()).toEqual(["aks-00", "aks-07", "aks-14", "aks-21", "aks-28"]);
    // The last match ends the listing: no empty page after it.
    expect(pages).toBe(5);
  });

  it("round-trips a snapshot far over the 64 KiB property limit, and one over 1 MiB", async () => {
    const store = await newStore();
    const reasons = Array.from({ length: 900 }, (_, i) => `reason ${i}: ${"é𝄞'\"/#?".repeat(12)}`);
    const big = cluster("aks-big", [integration("ingress-nginx", "warning", "unsupported", { reasons })]);
    const huge = cluster("aks-huge", [integration("x", "info", "unsupported", { reasons: [Buffer.alloc(1_200_000, "ab").toString()] })]);
    expect(JSON.stringify(big).length).toBeGreaterThan(80_000);
    const run = await storeRun(store, runRecord("run-big", "2026-11-20"), [big, huge]);
    expect(await store.runReport(run.runId)).toEqual(expectedReport(run, [big, huge]));
    expect((await store.clusterHistory(huge.id, {})).items[0]!.cluster).toEqual(huge);
    expect((await store.verify()).ok).toBe(true);
  });

  it("a retried run with different content over 1 MiB keeps its first snapshot whole, never a mix", async () => {
    const store = await newStore();
    const first = cluster("aks-huge", [integration("x", "info", "unsupported", { reasons: [Buffer.alloc(1_200_000, "ab").toString()] })]);
    const second = cluster("aks-huge", [integration("x", "info", "unsupported", { reasons: [Buffer.alloc(1_300_000, "cd").toString()] })]);
    const run = runRecord("run-huge", "2026-11-20");
    await storeRun(store, run, [first]);
    await storeRun(store, run, [second]);
    expect((await store.clusterHistory(first.id, {})).items.map((s) => s.cluster)).toEqual([first]);
    expect(await store.verify()).toMatchObject({ ok: true, snapshotsChecked: 1 });
  });

  it("a retried run id leaves one snapshot per cluster and a valid chain", async () => {
    const prefix = azurite.freshPrefix();
    const store = await newStore(prefix);
    await storeRun(store, runRecord("run-1", "2026-11-20"), fleetDay1());
    // The retry begins again from a fresh process, with a new start time, and stores the same run.
    const retryStore = await newStore(prefix);
    const retry = runRecord("run-2", "2026-11-21", { startedAt: "2026-11-21T06:30:00.000Z" });
    await storeRun(store, runRecord("run-2", "2026-11-21"), fleetDay2());
    await storeRun(retryStore, retry, fleetDay2(), 1);
    // …and once more with one cluster classified differently (a catalog refresh between attempts).
    const changed = fleetDay2();
    changed[1] = { ...changed[1]!, integrations: changed[1]!.integrations.slice(0, 1) };
    await storeRun(retryStore, retry, changed);

    const history = await store.clusterHistory(clusterId("aks-b"), {});
    expect(history.items.map((s) => s.runId)).toEqual(["run-2", "run-1"]);
    expect(history.items[0]!.cluster).toEqual(changed[1]);
    expect((await store.listRuns({})).items.map((r) => r.runId)).toEqual(["run-2", "run-1"]);
    // The stored start time is the first attempt's: keys never move.
    expect((await store.getRun("run-2"))!.startedAt).toBe("2026-11-21T06:00:00.000Z");
    expect(await store.verify()).toMatchObject({ ok: true, snapshotsChecked: 5 });
    // The findings index follows the replacement: cert-manager is gone from run-2.
    expect((await store.fleetAsOf("2026-11-21", { supportTier: "unsupported" }))!.clusters).toEqual([]);
  });

  it("two runs at once both land and keep every chain valid", async () => {
    const prefix = azurite.freshPrefix();
    const [a, b] = await Promise.all([newStore(prefix), newStore(prefix)]);
    const fleet = Array.from({ length: 6 }, (_, i) => cluster(`aks-${i}`, [integration("keda", i % 2 ? "warning" : "ok", "aks-managed")]));
    const timer = runRecord("timer-1", "2026-11-20", { trigger: "timer" });
    const http = runRecord("http-1", "2026-11-20", { trigger: "http", startedAt: "2026-11-20T06:00:00.500Z" });
    await Promise.all([storeRun(a, timer, fleet, 3), storeRun(b, http, [...fleet].reverse(), 2)]);

    expect((await a.runReport("timer-1"))!.clusters).toHaveLength(6);
    expect((await a.runReport("http-1"))!.clusters).toHaveLength(6);
    for (const c of fleet) expect((await a.clusterHistory(c.id, {})).items.map((s) => s.runId).sort()).toEqual(["http-1", "timer-1"]);
    expect(await a.verify()).toMatchObject({ ok: true, clustersChecked: 6, snapshotsChecked: 12 });
  });

  it("many writers racing on one cluster serialise on its head: every link lands once, in one chain", async () => {
    const prefix = azurite.freshPrefix();
    const stores = await Promise.all(Array.from({ length: 5 }, () => newStore(prefix)));
    const one = cluster("aks-hot", [integration("keda", "ok", "aks-managed")]);
    await Promise.all(
      stores.map((store, i) => storeRun(store, runRecord(`run-${i}`, "2026-11-20", { startedAt: `2026-11-20T06:00:0${i}.000Z` }), [{ ...one, name: `v${i}` }])),
    );
    const history = await stores[0]!.clusterHistory(one.id, {});
    expect(history.items.map((s) => s.runId)).toEqual(["run-4", "run-3", "run-2", "run-1", "run-0"]);
    expect(await stores[0]!.verify(one.id)).toMatchObject({ ok: true, snapshotsChecked: 5 });
    const key = clusterKey(one.id);
    const head = await rawTable(prefix, "snapshots").getEntity(snapshotPartition(key), headRow(key));
    expect(head["seq"]).toBe(5);
  });

  it("writes a page of 200 clusters in a few full transactions, not one round trip per cluster", async () => {
    const store = await newStore();
    const fleet = Array.from({ length: 200 }, (_, i) =>
      cluster(`aks-${String(i).padStart(3, "0")}`, [integration("keda", i % 3 ? "ok" : "warning", "aks-managed")]),
    );
    const run1 = runRecord("run-1", "2026-11-20");
    const run2 = runRecord("run-2", "2026-11-21");
    await store.beginRun(run1);
    await store.beginRun(run2);

    const first = countWrites();
    try {
      await store.saveSnapshots(run1, fleet);
    } finally {
      first.restore();
    }
    // 200 links + 200 heads over SNAPSHOT_BUCKETS partitions (about 25 clusters, 50 actions each).
    const snapshots = first.tally("snapshots");
    expect(snapshots).toMatchObject({ batched: 400, single: 0 });
    expect(snapshots.transactions).toBeLessThanOrEqual(2 * SNAPSHOT_BUCKETS);
    // New clusters are registered 100 to a transaction.
    expect(first.tally("clusters")).toEqual({ transactions: 2, batched: 200, single: 0 });
    const all = ["snapshots", "clusters", "runindex"].map((t) => first.tally(t));
    const requests = all.reduce((n, t) => n + t.transactions + t.single, 0);
    const entities = all.reduce((n, t) => n + t.batched + t.single, 0);
    expect(requests).toBeLessThanOrEqual(20);
    expect(entities / requests).toBeGreaterThan(50);

    // The next run: heads exist, so every pair updates under ETag; nothing is registered again.
    const second = countWrites();
    const reads = countReads("snapshots");
    try {
      await store.saveSnapshots(run2, fleet.map((c) => ({ ...c, kubernetesVersion: "1.32.0" })));
    } finally {
      second.restore();
      reads.restore();
    }
    // The 200 heads are read with one range query per bucket, not a point read per cluster.
    expect(reads.point).toBe(0);
    expect(reads.queries).toBe(SNAPSHOT_BUCKETS);
    expect(second.tally("snapshots").batched).toBe(400);
    expect(second.tally("snapshots").transactions).toBeLessThanOrEqual(2 * SNAPSHOT_BUCKETS);
    expect(second.tally("clusters")).toEqual({ transactions: 0, batched: 0, single: 0 });

    await store.completeRun(finished(run1, fleet));
    expect((await store.runReport("run-1"))!.clusters).toHaveLength(200);
    expect((await store.clusterHistory(fleet[7]!.id, {})).items.map((s) => s.runId)).toEqual(["run-2", "run-1"]);
    expect(await store.verify()).toMatchObject({ ok: true, clustersChecked: 200, snapshotsChecked: 400 });
  });

  it("a bucket transaction refused by one moved head is retried alone, and every cluster gets exactly one link", async () => {
    const prefix = azurite.freshPrefix();
    const store = await newStore(prefix);
    const fleet = Array.from({ length: 40 }, (_, i) => cluster(`aks-${i}`, [integration("keda", "ok", "aks-managed")]));
    await storeRun(store, runRecord("run-1", "2026-11-20"), fleet, 40);

    // Another writer moves one head between this run's head reads and its transactions.
    const raw = rawTable(prefix, "snapshots");
    const victim = clusterKey(fleet[0]!.id);
    const proto = TableClient.prototype as unknown as { submitTransaction: (...args: unknown[]) => Promise<unknown> };
    const original = proto.submitTransaction;
    const partitions: string[] = [];
    let touched = false;
    proto.submitTransaction = async function (this: TableClient, ...args: unknown[]): Promise<unknown> {
      const actions = args[0] as [string, { partitionKey: string; rowKey: string }][];
      if (this.tableName.endsWith("snapshots")) {
        partitions.push(actions[0]![1].partitionKey);
        if (!touched && actions.some(([, e]) => e.rowKey === headRow(victim))) {
          touched = true;
          await raw.updateEntity({ partitionKey: snapshotPartition(victim), rowKey: headRow(victim), touchedBy: "another writer" }, "Merge");
        }
      }
      return original.apply(this, args);
    };
    try {
      await storeRun(store, runRecord("run-2", "2026-11-21"), fleet.map((c) => ({ ...c, location: "northeurope" })), 40);
    } finally {
      proto.submitTransaction = original;
    }
    expect(touched).toBe(true);
    // Only the victim's bucket was sent twice.
    const sent = new Map<string, number>();
    for (const pk of partitions) sent.set(pk, (sent.get(pk) ?? 0) + 1);
    expect([...sent].filter(([, n]) => n > 1).map(([pk]) => pk)).toEqual([snapshotPartition(victim)]);
    for (const c of fleet) expect((await store.clusterHistory(c.id, {})).items.map((s) => s.runId)).toEqual(["run-2", "run-1"]);
    expect(await store.verify()).toMatchObject({ ok: true, clustersChecked: 40, snapshotsChecked: 80 });
  });

  it("re-saving a run that later runs already follow keeps its first links (first write wins) and links nothing twice", async () => {
    const store = await newStore();
    const fleet = Array.from({ length: 30 }, (_, i) => cluster(`aks-${i}`, [integration("keda", "ok", "aks-managed")]));
    const run1 = await storeRun(store, runRecord("run-1", "2026-11-20"), fleet, 30);
    await storeRun(store, runRecord("run-2", "2026-11-21"), fleet, 30);
    // A late retry of run-1, with a different classification: its links are not the last any more.
    const changed = fleet.map((c) => ({ ...c, integrations: [integration("keda", "critical", "aks-managed")] }));
    await store.saveSnapshots(run1, changed);
    expect((await store.runReport("run-1"))!.clusters).toEqual([...fleet].sort(byId));
    for (const c of fleet.slice(0, 5)) expect((await store.clusterHistory(c.id, {})).items.map((s) => s.runId)).toEqual(["run-2", "run-1"]);
    expect(await store.verify()).toMatchObject({ ok: true, clustersChecked: 30, snapshotsChecked: 60 });
  });

  it("verify reports a tampered snapshot with its cluster and run", async () => {
    const prefix = azurite.freshPrefix();
    const store = await newStore(prefix);
    await storeRun(store, runRecord("run-1", "2026-11-20"), fleetDay1());
    await storeRun(store, runRecord("run-2", "2026-11-21"), fleetDay2());

    const snapshots = rawTable(prefix, "snapshots");
    // A cluster's snapshot rows: its `<cluster>|s|…` range in its bucket's partition.
    const snapshotRows = (id: string) => {
      const key = clusterKey(id);
      const { low, high } = prefixRange(snapshotsPrefix(key) + "|");
      const pk = snapshotPartition(key);
      return { pk, rows: snapshots.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge ${low} and RowKey lt ${high}` } }) };
    };
    const { pk, rows } = snapshotRows(clusterId("aks-b"));
    let edited = 0;
    for await (const row of rows) {
      if (row["runId"] !== "run-1") continue;
      // Someone quietly edits a stored finding.
      const text = String(row["d00"]).replace('"severity":"ok"', '"severity":"critical"');
      await snapshots.updateEntity({ partitionKey: pk, rowKey: row.rowKey!, d00: text }, "Merge");
      edited++;
    }
    expect(edited).toBe(1);

    const result = await store.verify();
    expect(result.ok).toBe(false);
    expect(result.broken).toEqual([{ clusterId: clusterId("aks-b"), runId: "run-1", asOf: "2026-11-20", seq: 1, field: "contentHash", reason: expect.stringContaining("contentHash") }]);
    expect((await store.verify(clusterId("AKS-B"))).broken).toHaveLength(1);
    expect((await store.verify(clusterId("aks-a"))).ok).toBe(true);

    // Deleting a link (and patching the successor's hashes) is still caught by the chain hash.
    const { pk: pkA, rows: rowsA } = snapshotRows(clusterId("aks-a"));
    for await (const row of rowsA) {
      if (row["runId"] === "run-1") await snapshots.deleteEntity(pkA, row.rowKey!);
      else await snapshots.updateEntity({ partitionKey: pkA, rowKey: row.rowKey!, previousHash: "", previousChainHash: "", seq: 1 }, "Merge");
    }
    const a = await store.verify(clusterId("aks-a"));
    expect(a.broken).toEqual([{ clusterId: clusterId("aks-a"), runId: "run-2", asOf: "2026-11-21", seq: 1, field: expect.any(String), reason: expect.any(String) }]);
  });

  it("purge removes only what is older than the retention date, and the chain still verifies", async () => {
    const store = await newStore();
    await storeRun(store, runRecord("run-1", "2026-01-10"), fleetDay1());
    await storeRun(store, runRecord("run-2", "2026-06-10"), fleetDay2());
    await storeRun(store, runRecord("run-3", "2026-11-20"), fleetDay2());

    // run-1: 2 run rows + 3 index rows (one per cluster, findings included) + 3 snapshots.
    const removed = await store.purge("2026-06-10");
    expect(removed).toBe(2 + 3 + 3);
    expect((await store.listRuns({})).items.map((r) => r.runId)).toEqual(["run-3", "run-2"]);
    expect(await store.getRun("run-1")).toBeNull();
    expect(await store.runReport("run-1")).toBeNull();
    expect((await store.clusterHistory(clusterId("aks-a"), {})).items.map((s) => s.runId)).toEqual(["run-3", "run-2"]);
    expect((await store.clusterHistory(clusterId("aks-c"), {})).items).toEqual([]);
    expect(await store.verify()).toMatchObject({ ok: true, snapshotsChecked: 4 });
    expect(await store.purge("2026-06-10")).toBe(0);

    // History continues after a purge: the next link chains onto the last purged one.
    await storeRun(store, runRecord("run-4", "2026-11-21"), fleetDay1());
    expect((await store.verify()).ok).toBe(true);
  });

  it("a quote or ' or true or ' in an id or a date finds nothing and breaks nothing", async () => {
    const store = await newStore();
    await storeRun(store, runRecord("run-1", "2026-11-20"), fleetDay1());
    const evil = ["' or true or '", "'", "x' or PartitionKey ne '", `${clusterId("aks-a")}' or '1' eq '1`, "%27 or true", "/", "#?\\"];
    for (const value of evil) {
      expect((await store.clusterHistory(value, {})).items).toEqual([]);
      expect(await store.getRun(value)).toBeNull();
      expect(await store.runReport(value)).toBeNull();
      expect(await store.verify(value)).toMatchObject({ ok: true, clustersChecked: 0 });
      expect((await store.listRuns({ from: value })).items).toEqual([]);
      expect((await store.listRuns({ to: value })).items).toEqual([]);
      expect((await store.clusterHistory(clusterId("aks-a"), { from: value })).items).toEqual([]);
      expect(await store.fleetAsOf(value, {})).toBeNull();
      expect((await store.fleetAsOf("2026-11-20", { severity: value as never }))!.clusters).toEqual([]);
    }
    await expect(store.listRuns({ continuationToken: "' or true or '" })).rejects.toBeInstanceOf(ContinuationTokenError);
    // A cluster whose id really contains a quote is stored and found like any other.
    const quoted = { ...cluster("aks-q", []), id: `${clusterId("aks-q")}'s` };
    await storeRun(store, runRecord("run-q", "2026-11-21"), [quoted]);
    expect((await store.clusterHistory(quoted.id, {})).items.map((s) => s.cluster)).toEqual([quoted]);
    expect((await store.listRuns({})).items).toHaveLength(2);
    expect((await store.verify()).ok).toBe(true);
  });

  it("continuation tokens page through runs and through a cluster's history", async () => {
    const store = await newStore();
    const one = [cluster("aks-a", [integration("keda", "ok", "aks-managed")])];
    const days = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"];
    for (const [i, day] of days.entries()) await storeRun(store, runRecord(`run-${i}`, day), one);
    await storeRun(store, runRecord("run-5", "2026-11-05", { startedAt: "2026-11-05T18:00:00.000Z" }), one);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await store.listRuns({ limit: 2, continuationToken: token });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((r) => r.runId));
      token = page.continuationToken ?? undefined;
      if (token) expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      pages++;
    } while (token);
    expect(seen).toEqual(["run-5", "run-4", "run-3", "run-2", "run-1", "run-0"]);
    expect(pages).toBe(3);

    const history: string[] = [];
    token = undefined;
    do {
      const page = await store.clusterHistory(clusterId("aks-a"), { limit: 4, from: "2026-11-02", continuationToken: token });
      history.push(...page.items.map((s) => s.runId));
      token = page.continuationToken ?? undefined;
    } while (token);
    expect(history).toEqual(["run-5", "run-4", "run-3", "run-2", "run-1"]);
  });
});
