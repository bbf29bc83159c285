/**
 * Stored history tampered with as an insider with write access to the tables would: each edit is
 * found by `verify` (with a root held outside the store where no chain check can see it) and by
 * `verify --bundle` on a bundle exported afterwards, naming the cluster and field; an untampered
 * store and bundle verify clean. Three fleet runs into Azurite; edits through raw table clients.
 */
import { TableClient, odata } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { verifyBundle, type BundleCheck } from "../../src/core/evidence.js";
import type { RunRecord } from "../../src/core/ports.js";
import type { ClusterReport } from "../../src/core/report.js";
import { createTableHistoryStore, type TableHistoryStore } from "../../src/store/index.js";
import { headRow, ROOT_HEAD_ROW } from "../../src/store/layout.js";
import { useAzurite } from "../helpers/azurite.js";
import { cluster, clusterId, finished, integration, readChain, runRecord } from "../store/fixtures.js";

const azurite = useAzurite();

const raw = (prefix: string, table: string): TableClient =>
  TableClient.fromConnectionString(azurite.connectionString, `${prefix}${table}`, { allowInsecureConnection: true });

const fleet = (day: number): ClusterReport[] => [
  cluster("aks-a", [integration("keda", day % 2 ? "ok" : "warning", "aks-managed")]),
  cluster("aks-b", [integration("istio", "info", "aks-managed", { version: `1.2${day}.0` })]),
  cluster("aks-c", [integration("ingress-nginx", "critical", "unsupported")]),
];

async function history() {
  const prefix = azurite.freshPrefix();
  const store = await createTableHistoryStore({ connectionString: azurite.connectionString, tablePrefix: prefix, concurrency: 4 });
  const runs: RunRecord[] = [];
  for (const [i, day] of ["2026-11-20", "2026-11-21", "2026-11-22"].entries()) {
    const run = runRecord(`run-${i + 1}`, day);
    await store.beginRun(run);
    await store.saveSnapshots(run, fleet(i));
    await store.completeRun(finished(run, fleet(i)));
    runs.push((await store.getRun(run.runId))!);
  }
  const snapshots = raw(prefix, "snapshots");
  const chainOf = (name: string) => readChain(snapshots, name);
  const latestRoot = runs[2]!.root!.hash;
  return { prefix, store, snapshots, chainOf, latestRoot };
}

async function bundleCheck(store: TableHistoryStore, runId: string): Promise<BundleCheck> {
  // Through JSON, as the file an auditor receives.
  return verifyBundle(JSON.parse(JSON.stringify(await store.evidence(runId))));
}

const breaks = (check: BundleCheck) => (check.ok ? [] : check.broken);

describe("Tampered history", () => {
  it("an untampered store and its bundle verify clean, with the latest root reproduced", async () => {
    const { store, latestRoot } = await history();
    expect(await store.verify(undefined, { root: latestRoot, retentionLimit: "2025-11-01" })).toMatchObject({ ok: true, clustersChecked: 3, snapshotsChecked: 9, root: { ok: true, seq: 3 } });
    expect(await bundleCheck(store, "run-3")).toEqual({ ok: true, clusters: 3, root: latestRoot });
  });

  it("an edited snapshot is named by verify (cluster, seq, contentHash) and by the bundle (cluster, field)", async () => {
    const { store, snapshots, chainOf } = await history();
    const b = await chainOf("aks-b");
    const row = b.link("run-3");
    await snapshots.updateEntity({ partitionKey: b.pk, rowKey: String(row["rowKey"]), d00: String(row["d00"]).replace("1.22.0", "1.99.0") }, "Merge");
    expect((await store.verify()).broken).toEqual([expect.objectContaining({ clusterId: clusterId("aks-b"), seq: 3, field: "contentHash" })]);
    expect(breaks(await bundleCheck(store, "run-3"))).toEqual([expect.objectContaining({ clusterId: clusterId("aks-b"), field: "report.clusters[].contentHash" })]);
  });

  it("a floor raised over stored links with the next link's hashes copied in is named at the floor", async () => {
    const { store, snapshots, chainOf } = await history();
    const a = await chainOf("aks-a");
    const first = a.link("run-1");
    await snapshots.updateEntity({ partitionKey: a.pk, rowKey: String(first["rowKey"]), d00: String(first["d00"]).replace('"version":"1.2.3"', '"version":"9.9.9"') }, "Merge");
    const next = a.link("run-2");
    await snapshots.updateEntity({ partitionKey: a.pk, rowKey: headRow(a.key), floorSeq: 2, floorPreviousHash: String(next["previousHash"]), floorPreviousChainHash: String(next["previousChainHash"]) }, "Merge");
    expect((await store.verify()).broken).toEqual([expect.objectContaining({ clusterId: clusterId("aks-a"), seq: 1, field: "floor" })]);
    expect(breaks(await bundleCheck(store, "run-1"))).toEqual([expect.objectContaining({ clusterId: clusterId("aks-a"), field: "report.clusters[].contentHash" })]);
  });

  it("a deleted registry row does not hide its chain: the row is reported missing and an edit behind it is found", async () => {
    const { prefix, store, snapshots, chainOf } = await history();
    const c = await chainOf("aks-c");
    await raw(prefix, "clusters").deleteEntity("clusters", c.key);
    const row = c.link("run-2");
    await snapshots.updateEntity({ partitionKey: c.pk, rowKey: String(row["rowKey"]), d00: String(row["d00"]).replace('"severity":"critical"', '"severity":"ok"') }, "Merge");
    const result = await store.verify();
    expect(result.registry.missing).toEqual([clusterId("aks-c")]);
    expect(result.broken).toEqual([expect.objectContaining({ clusterId: clusterId("aks-c"), seq: 2, field: "contentHash" })]);
  });

  it("a latest link removed with its head rolled back passes every chain check but not the held root, nor the bundle", async () => {
    const { store, snapshots, chainOf, latestRoot } = await history();
    const a = await chainOf("aks-a");
    const kept = a.link("run-2");
    await snapshots.deleteEntity(a.pk, String(a.link("run-3")["rowKey"]));
    await snapshots.updateEntity({ partitionKey: a.pk, rowKey: headRow(a.key), seq: 2, lastContentHash: String(kept["contentHash"]), lastChainHash: String(kept["chainHash"]) }, "Merge");
    expect((await store.verify()).ok).toBe(true);
    const held = await store.verify(undefined, { root: latestRoot });
    expect(held.ok).toBe(false);
    expect(held.root!.broken).toEqual(expect.arrayContaining([expect.objectContaining({ clusterId: clusterId("aks-a"), runId: "run-3", field: "link" })]));
    // The bundle holds what the store still has: one cluster short of what its root counts.
    expect(breaks(await bundleCheck(store, "run-3"))).toEqual([expect.objectContaining({ clusterId: null, field: "run.root.clusters" })]);
  });

  it("a latest run removed with the root head rolled back leaves the held root outside the stored chain", async () => {
    const { prefix, store } = await history();
    const runs = raw(prefix, "runs");
    const doomed: string[] = [];
    for await (const row of runs.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${"runs"}` } })) {
      if (row["runId"] === "run-3" && row.rowKey !== ROOT_HEAD_ROW) doomed.push(String(row.rowKey));
    }
    const previous = (await store.getRun("run-2"))!.root!.hash;
    const latest = (await store.getRun("run-3"))!.root!.hash;
    for (const rowKey of doomed) await runs.deleteEntity("runs", rowKey);
    await runs.updateEntity({ partitionKey: "runs", rowKey: ROOT_HEAD_ROW, seq: 2, hash: previous, runId: "run-2" }, "Merge");
    const held = await store.verify(undefined, { root: latest });
    expect(held.ok).toBe(false);
    expect(held.root).toMatchObject({ runId: null, chain: { first: 1, last: 2 }, broken: [expect.objectContaining({ field: "root" })] });
  });
});
