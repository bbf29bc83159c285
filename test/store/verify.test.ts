/**
 * Verify cannot be steered by what it checks: each way an insider could hide an edit (a raised
 * floor with copied hashes, a deleted registry row, a removed latest link, a head moved back) is a
 * break naming the cluster, the position and what failed; an untampered store verifies clean.
 */
import { TableClient, odata } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/core/ports.js";
import type { ClusterReport } from "../../src/core/report.js";
import { createTableHistoryStore, type TableHistoryStore } from "../../src/store/index.js";
import { clusterKey, prefixRange } from "../../src/store/keys.js";
import { headRow, snapshotPartition, snapshotsPrefix } from "../../src/store/layout.js";
import { useAzurite } from "../helpers/azurite.js";
import { cluster, clusterId, finished, integration, runRecord } from "./fixtures.js";

const azurite = useAzurite();

const raw = (prefix: string, table: string): TableClient =>
  TableClient.fromConnectionString(azurite.connectionString, `${prefix}${table}`, { allowInsecureConnection: true });

async function storeRun(store: TableHistoryStore, run: RunRecord, clusters: ClusterReport[]): Promise<void> {
  await store.beginRun(run);
  await store.saveSnapshots(run, clusters);
  await store.completeRun(finished(run, clusters));
}

const fleet = (day: number): ClusterReport[] => [
  cluster("aks-a", [integration("keda", day % 2 ? "ok" : "warning", "aks-managed")]),
  cluster("aks-b", [integration("istio", "info", "aks-managed", { version: `1.2${day}.0` })]),
];

/** A store with three runs over two clusters, and raw access to its snapshot rows. */
async function threeRuns() {
  const prefix = azurite.freshPrefix();
  const store = await createTableHistoryStore({ connectionString: azurite.connectionString, tablePrefix: prefix, concurrency: 4 });
  for (const [i, day] of ["2026-11-20", "2026-11-21", "2026-11-22"].entries()) await storeRun(store, runRecord(`run-${i + 1}`, day), fleet(i));
  const snapshots = raw(prefix, "snapshots");
  const rowsOf = async (name: string) => {
    const key = clusterKey(clusterId(name));
    const pk = snapshotPartition(key);
    const { low, high } = prefixRange(snapshotsPrefix(key) + "|");
    const rows: Record<string, unknown>[] = [];
    for await (const row of snapshots.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge ${low} and RowKey lt ${high}` } })) rows.push(row);
    const head = await snapshots.getEntity<Record<string, unknown>>(pk, headRow(key));
    return { pk, key, rows, head, link: (runId: string) => rows.find((r) => r["runId"] === runId)! };
  };
  return { prefix, store, snapshots, rowsOf };
}

const edit = (row: Record<string, unknown>): string => String(row["d00"]).replace('"severity":"ok"', '"severity":"critical"').replace('"severity":"warning"', '"severity":"ok"');

describe("verify", () => {
  it("an untampered store verifies clean, and the registry matches the chains", async () => {
    const { store } = await threeRuns();
    expect(await store.verify(undefined, { retentionLimit: "2025-11-01" })).toEqual({
      ok: true,
      clustersChecked: 2,
      snapshotsChecked: 6,
      broken: [],
      registry: { missing: [], extra: [] },
    });
  });

  it("an edited snapshot is a break naming cluster, seq and contentHash", async () => {
    const { store, snapshots, rowsOf } = await threeRuns();
    const a = await rowsOf("aks-a");
    const row = a.link("run-2");
    await snapshots.updateEntity({ partitionKey: a.pk, rowKey: String(row["rowKey"]), d00: edit(row) }, "Merge");
    const result = await store.verify();
    expect(result.ok).toBe(false);
    expect(result.broken).toEqual([{ clusterId: clusterId("aks-a"), runId: "run-2", asOf: "2026-11-21", seq: 2, field: "contentHash", reason: expect.any(String) }]);
  });

  it("a floor raised over links that remain, with the next link's hashes copied in, does not hide an edit", async () => {
    const { store, snapshots, rowsOf } = await threeRuns();
    const a = await rowsOf("aks-a");
    const row = a.link("run-1");
    await snapshots.updateEntity({ partitionKey: a.pk, rowKey: String(row["rowKey"]), d00: edit(row) }, "Merge");
    const next = a.link("run-2");
    await snapshots.updateEntity(
      { partitionKey: a.pk, rowKey: headRow(a.key), floorSeq: 2, floorPreviousHash: String(next["previousHash"]), floorPreviousChainHash: String(next["previousChainHash"]) },
      "Merge",
    );
    const result = await store.verify();
    expect(result.broken).toEqual([expect.objectContaining({ clusterId: clusterId("aks-a"), seq: 1, field: "floor" })]);

    // Deleting the link below as well: the floor still carries no purge record.
    await snapshots.deleteEntity(a.pk, String(row["rowKey"]));
    expect((await store.verify()).broken).toEqual([expect.objectContaining({ clusterId: clusterId("aks-a"), seq: 2, field: "floor", reason: expect.stringContaining("purge record") })]);
    // A forged purge record claiming a retention limit later than today's is refused too.
    await snapshots.updateEntity({ partitionKey: a.pk, rowKey: headRow(a.key), floorAsOf: "2026-11-20", floorCutoff: "2026-11-21" }, "Merge");
    expect((await store.verify(undefined, { retentionLimit: "2025-11-01" })).broken).toEqual([
      expect.objectContaining({ seq: 2, field: "floor", reason: expect.stringContaining("later than today's") }),
    ]);
  });

  it("a real purge leaves a floor that verifies, dated before the limit it records", async () => {
    const { store, rowsOf } = await threeRuns();
    await store.purge("2026-11-21");
    const a = await rowsOf("aks-a");
    expect(a.head).toMatchObject({ floorSeq: 2, floorAsOf: "2026-11-20", floorCutoff: "2026-11-21" });
    expect(await store.verify(undefined, { retentionLimit: "2026-11-21" })).toMatchObject({ ok: true, snapshotsChecked: 4 });
    expect((await store.verify(undefined, { retentionLimit: "2026-11-20" })).broken).toHaveLength(2);
  });

  it("a deleted registry row is reported and the chain it hid is still checked", async () => {
    const { prefix, store, snapshots, rowsOf } = await threeRuns();
    const b = await rowsOf("aks-b");
    await raw(prefix, "clusters").deleteEntity("clusters", b.key);
    const row = b.link("run-3");
    await snapshots.updateEntity({ partitionKey: b.pk, rowKey: String(row["rowKey"]), d00: String(row["d00"]).replace("1.22.0", "1.99.0") }, "Merge");
    const result = await store.verify();
    expect(result.ok).toBe(false);
    expect(result.registry).toEqual({ missing: [clusterId("aks-b")], extra: [] });
    expect(result.broken).toEqual([expect.objectContaining({ clusterId: clusterId("aks-b"), seq: 3, field: "contentHash" })]);
    expect((await store.verify(clusterId("aks-b"))).registry.missing).toEqual([clusterId("aks-b")]);
  });

  it("a removed latest link, and a head moved back under a remaining link, are breaks at the head", async () => {
    const { store, snapshots, rowsOf } = await threeRuns();
    const a = await rowsOf("aks-a");
    await snapshots.deleteEntity(a.pk, String(a.link("run-3")["rowKey"]));
    expect((await store.verify()).broken).toEqual([expect.objectContaining({ clusterId: clusterId("aks-a"), seq: 3, field: "head", reason: expect.stringContaining("missing") })]);

    const b = await rowsOf("aks-b");
    const second = b.link("run-2");
    await snapshots.updateEntity({ partitionKey: b.pk, rowKey: headRow(b.key), seq: 2, lastContentHash: String(second["contentHash"]), lastChainHash: String(second["chainHash"]) }, "Merge");
    expect((await store.verify(clusterId("aks-b"))).broken).toEqual([expect.objectContaining({ seq: 3, field: "head", reason: expect.stringContaining("after the head") })]);
  });

  it("walking a bucket, a deleted head and a head whose links were all deleted are each named, and the rest verifies", async () => {
    const prefix = azurite.freshPrefix();
    const store = await createTableHistoryStore({ connectionString: azurite.connectionString, tablePrefix: prefix, concurrency: 4 });
    // Enough clusters that several share each bucket, so heads and links interleave in the walk.
    const many = Array.from({ length: 40 }, (_, i) => cluster(`aks-${String(i).padStart(2, "0")}`, [integration("keda", "ok", "aks-managed")]));
    await storeRun(store, runRecord("run-1", "2026-11-20"), many);
    const snapshots = raw(prefix, "snapshots");
    const keyOf = (name: string) => clusterKey(clusterId(name));
    const sameBucket = many.map((c) => c.name).filter((n) => snapshotPartition(keyOf(n)) === snapshotPartition(keyOf("aks-00")));
    expect(sameBucket.length).toBeGreaterThanOrEqual(3);
    const [headless, linkless] = [sameBucket[1]!, sameBucket[2]!];
    await snapshots.deleteEntity(snapshotPartition(keyOf(headless)), headRow(keyOf(headless)));
    const { low, high } = prefixRange(snapshotsPrefix(keyOf(linkless)) + "|");
    const pk = snapshotPartition(keyOf(linkless));
    for await (const row of snapshots.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge ${low} and RowKey lt ${high}` } })) {
      await snapshots.deleteEntity(pk, String(row.rowKey));
    }

    const result = await store.verify();
    expect(result.clustersChecked).toBe(40);
    expect(result.snapshotsChecked).toBe(39);
    expect(result.broken.map((b) => [b.clusterId.split("/").pop(), b.field])).toEqual(
      [
        [headless, "head"],
        [linkless, "head"],
      ].sort((a, b) => (clusterId(a[0]!).toLowerCase() < clusterId(b[0]!).toLowerCase() ? -1 : 1)),
    );
  });
});
