/**
 * Run roots: each completed run carries a root over the chains it wrote, fleet runs link theirs
 * into one chain, and a root held outside the store exposes what no chain check can see on its
 * own: a latest link removed with its head rolled back, or a latest run removed with the root head.
 */
import { TableClient, odata } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/core/ports.js";
import type { ClusterReport } from "../../src/core/report.js";
import { createTableHistoryStore, type TableHistoryStore } from "../../src/store/index.js";
import { runKey } from "../../src/store/keys.js";
import { headRow, ROOT_HEAD_ROW, runIdRow } from "../../src/store/layout.js";
import { useAzurite } from "../helpers/azurite.js";
import { cluster, clusterId, finished, integration, readChain, runRecord } from "./fixtures.js";

const azurite = useAzurite();

const raw = (prefix: string, table: string): TableClient =>
  TableClient.fromConnectionString(azurite.connectionString, `${prefix}${table}`, { allowInsecureConnection: true });

async function storeRun(store: TableHistoryStore, run: RunRecord, clusters: ClusterReport[]): Promise<RunRecord> {
  await store.beginRun(run);
  await store.saveSnapshots(run, clusters);
  await store.completeRun(finished(run, clusters));
  return (await store.getRun(run.runId))!;
}

const fleet = (day: number): ClusterReport[] => [
  cluster("aks-a", [integration("keda", day % 2 ? "ok" : "warning", "aks-managed")]),
  cluster("aks-b", [integration("istio", "info", "aks-managed", { version: `1.2${day}.0` })]),
];

async function twoFleetRuns() {
  const prefix = azurite.freshPrefix();
  const store = await createTableHistoryStore({ connectionString: azurite.connectionString, tablePrefix: prefix, concurrency: 4 });
  const first = await storeRun(store, runRecord("run-1", "2026-11-20"), fleet(0));
  const second = await storeRun(store, runRecord("run-2", "2026-11-21"), fleet(1));
  return { prefix, store, first, second };
}

describe("run roots", () => {
  it("each fleet run's root links to the one before; a scoped run's root stays out of the chain", async () => {
    const { store, first, second } = await twoFleetRuns();
    expect(first.root).toMatchObject({ seq: 1, clusters: 2, previousRoot: "", hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(second.root).toMatchObject({ seq: 2, clusters: 2, previousRoot: first.root!.hash });

    const scoped = runRecord("run-3", "2026-11-22", { trigger: "cli", fleet: false, scope: { subscriptions: ["x"], managementGroups: [], clusterIds: [] } });
    const third = await storeRun(store, scoped, fleet(2).slice(0, 1));
    expect(third.root).toMatchObject({ seq: 0, clusters: 1, previousRoot: second.root!.hash });
    const fourth = await storeRun(store, runRecord("run-4", "2026-11-23"), fleet(3));
    expect(fourth.root).toMatchObject({ seq: 3, previousRoot: second.root!.hash });

    // A later completion (mail errors added) keeps the sealed root.
    await store.completeRun({ ...fourth, errors: [{ scope: "mail", message: "x" }] });
    expect((await store.getRun("run-4"))!.root).toEqual(fourth.root);

    for (const held of [first, second, third, fourth]) {
      const result = await store.verify(undefined, { root: held.root!.hash });
      expect(result.ok).toBe(true);
      expect(result.root).toMatchObject({ ok: true, runId: held.runId, seq: held.root!.seq, chain: { first: 1, last: 3 }, broken: [] });
    }
  });

  it("a failed run that a retry completes is sealed again and joins the chain", async () => {
    const { store, second } = await twoFleetRuns();
    const run = runRecord("run-3", "2026-11-22");
    await store.beginRun(run);
    await store.saveSnapshots(run, fleet(2).slice(0, 1));
    await store.completeRun({ ...run, status: "failed", endedAt: "2026-11-22T06:01:00.000Z", errors: [{ scope: "run", message: "stopped" }] });
    expect((await store.getRun("run-3"))!.root).toMatchObject({ seq: 0, clusters: 1 });
    // The host's retry of the same run id stores the rest and succeeds.
    await store.saveSnapshots(run, fleet(2));
    await store.completeRun(finished(run, fleet(2)));
    const retried = (await store.getRun("run-3"))!;
    expect(retried.root).toMatchObject({ seq: 3, clusters: 2, previousRoot: second.root!.hash });
    expect((await store.verify(undefined, { root: retried.root!.hash })).ok).toBe(true);
  });

  it("a removed latest link with its head rolled back passes the chain check but not the held root", async () => {
    const { prefix, store, second } = await twoFleetRuns();
    const snapshots = raw(prefix, "snapshots");
    const a = await readChain(snapshots, "aks-a");
    const kept = a.link("run-1");
    await snapshots.deleteEntity(a.pk, String(a.link("run-2")["rowKey"]));
    await snapshots.updateEntity(
      { partitionKey: a.pk, rowKey: headRow(a.key), seq: 1, lastStem: "", lastContentHash: String(kept["contentHash"]), lastChainHash: String(kept["chainHash"]) },
      "Merge",
    );
    expect((await store.verify()).ok).toBe(true);

    const result = await store.verify(undefined, { root: second.root!.hash });
    expect(result.ok).toBe(false);
    expect(result.root!.broken).toEqual([
      expect.objectContaining({ clusterId: clusterId("aks-a"), runId: "run-2", field: "link" }),
      expect.objectContaining({ clusterId: null, runId: "run-2", field: "root.clusters" }),
    ]);
  });

  it("a removed latest run, root head rolled back, leaves the held root outside the stored chain", async () => {
    const { prefix, store, first, second } = await twoFleetRuns();
    const runs = raw(prefix, "runs");
    const doomed: string[] = [];
    for await (const row of runs.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${"runs"}` } })) {
      if (row["runId"] === "run-2" && row.rowKey !== ROOT_HEAD_ROW) doomed.push(String(row.rowKey));
    }
    for (const rowKey of doomed) await runs.deleteEntity("runs", rowKey);
    await runs.updateEntity({ partitionKey: "runs", rowKey: ROOT_HEAD_ROW, seq: 1, hash: first.root!.hash, runId: "run-1" }, "Merge");

    const result = await store.verify(undefined, { root: second.root!.hash });
    expect(result.ok).toBe(false);
    expect(result.root).toMatchObject({ runId: null, chain: { first: 1, last: 1 }, broken: [expect.objectContaining({ field: "root", seq: null })] });
    // Without a held copy of the latest root the store looks whole: the anchor has to live outside it.
    expect((await store.verify(undefined, { root: first.root!.hash })).ok).toBe(true);
  });

  it("a rewritten root in a run record breaks the chain at the run, naming the field", async () => {
    const { prefix, store, first, second } = await twoFleetRuns();
    const runs = raw(prefix, "runs");
    const row = await runs.getEntity<Record<string, unknown>>("runs", runIdRow(runKey("run-1")));
    const forged = String(row["d00"]).replace(first.root!.pairsHash, "0".repeat(64));
    await runs.updateEntity({ partitionKey: "runs", rowKey: String(row.rowKey), d00: forged }, "Merge");
    for await (const r of runs.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${"runs"}` } })) {
      if (r["runId"] === "run-1" && String(r.rowKey).startsWith("t|")) await runs.updateEntity({ partitionKey: "runs", rowKey: String(r.rowKey), d00: forged }, "Merge");
    }
    const result = await store.verify(undefined, { root: second.root!.hash });
    expect(result.root!.broken).toEqual([expect.objectContaining({ runId: "run-1", seq: 1, field: "root.hash" })]);
  });
});
