/**
 * Table Storage faults under a real run: Azurite stopped mid-run and restarted on the same port and
 * data folder, an entity-group transaction refused, and ETag conflicts produced by Azurite itself.
 * In each case the history that was written stays intact, the next attempt completes the run, and
 * nothing is stored twice (one snapshot per cluster and run, every hash chain verifies).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { TableClient, odata } from "@azure/data-tables";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FleetSource } from "../../src/core/ports.js";
import { startLocalTables, type LocalTables } from "../../src/local/azurite.js";
import { parseHeadRow } from "../../src/store/layout.js";
import { startFleetSimulator, type FleetSimulator } from "../../src/local/simulator/index.js";
import { useAzurite } from "../helpers/azurite.js";
import { armSources, audit, lowerSorted, openStore, readBack } from "./helpers/audit.js";
import { recordFigures } from "./helpers/results.js";
import { rejectedBatch, startTableProxy, type ProxyAction, type TableProxy } from "./helpers/tableProxy.js";

const azurite = useAzurite();
const CLUSTERS = 15;
const PAGE = 5;
let sim: FleetSimulator;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  sim = await startFleetSimulator({ seed: 47, clusters: CLUSTERS, quota: null, armQuota: null });
});
// Each test's figures compare the store with what the simulator served in that test.
beforeEach(() => sim.clearServed());
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});
afterAll(async () => {
  await sim?.close();
});

function sources() {
  return armSources(sim, { pageSize: PAGE });
}

/** The fleet, with `hook` run just before page `page` is handed to the audit (mid-run). */
function beforePage(fleet: FleetSource, page: number, hook: () => Promise<void>): FleetSource {
  return {
    extensions: (scope, errors) => fleet.extensions(scope, errors),
    async *clusterPages(scope, errors) {
      let n = 0;
      for await (const clusters of fleet.clusterPages(scope, errors)) {
        n += 1;
        if (n === page) await hook();
        yield clusters;
      }
    },
  };
}

async function proxied(): Promise<TableProxy> {
  const proxy = await startTableProxy(azurite.connectionString);
  cleanup.push(() => proxy.close());
  return proxy;
}

function table(connectionString: string, name: string): TableClient {
  return TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
}

describe("Table Storage faults", () => {
  it("Azurite stopped mid-run: the run ends failed with what was written intact; after a restart the retry completes it without duplicates", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "aks-audit-stop-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    let tables: LocalTables = await startLocalTables({ dataDir });
    cleanup.push(() => tables.close());
    const port = Number(new URL(tables.endpoint).port);
    const prefix = azurite.freshPrefix();
    const runId = "20261124T060000Z-timer";

    const store = await openStore(tables.connectionString, prefix);
    const { fleet, versions } = sources();
    const first = await audit({ fleet: beforePage(fleet, 2, () => tables.close()), versions, store }, runId);
    expect(first.run.status).toBe("failed");
    // The sweep went on past the stop (a page's failed store does not end it): each page that could
    // not be stored is named, then the run's end that could not be recorded.
    const scopes = first.report.errors.map((e) => e.scope);
    expect(scopes.length).toBeGreaterThanOrEqual(2);
    expect(scopes.every((s) => s === "store")).toBe(true);
    expect(first.report.errors.slice(0, -1).every((e) => /^could not store page \d \(5 clusters\)/.test(e.message))).toBe(true);
    expect(first.report.errors.at(-1)!.message).toMatch(/^could not record the run's end/);
    expect(first.report.clusters).toHaveLength(CLUSTERS); // every page was classified

    // Restarted on the same port and data folder, as a host restart would.
    tables = await startLocalTables({ dataDir, port });
    const restarted = await openStore(tables.connectionString, prefix);
    // The stop came while page 1 was being stored (page 2 is fetched meanwhile), so page 1 may or
    // may not have landed; whatever did must read back as written. What was served and not yet
    // written is the retry's to store, so the data-lost figure is taken after it.
    const landed = new Set((await restarted.runReport(runId))?.clusters.map((c) => c.id.toLowerCase()) ?? []);
    const written = first.report.clusters.filter((c) => landed.has(c.id.toLowerCase()));
    const intact = await readBack(restarted, runId, written.map((c) => c.id), written);
    expect(intact.run?.status).toBe("running"); // its end could not be recorded
    expect(intact.lost).toBe(0);
    expect(intact.verify.ok).toBe(true);

    const retry = await audit({ ...sources(), store: restarted }, runId);
    const back = await readBack(restarted, runId, sim.servedClusterIds(), retry.report.clusters);
    recordFigures({ dataLost: back.lost });
    expect(retry.run.status).toBe("succeeded");
    expect(back.run?.status).toBe("succeeded");
    expect(back.ids).toEqual(lowerSorted(sim.fleet.clusterIds()));
    expect(back.snapshotsOfRun.every((n) => n === 1)).toBe(true);
    expect(back.verify).toMatchObject({ ok: true, clustersChecked: CLUSTERS, snapshotsChecked: CLUSTERS });
    expect(back.lost).toBe(0);
    expect((await restarted.listRuns({})).items.map((r) => r.runId)).toEqual([runId]);
  }, 60_000); // the Table SDK backs off for several seconds on each refused connection before giving up

  it("a rejected batch fails only its page: the run ends failed with the other pages stored; the retry completes it without duplicates", async () => {
    const proxy = await proxied();
    const prefix = azurite.freshPrefix();
    let indexBatches = 0;
    proxy.onRequest = (request) => {
      if (!request.batch || !request.body.includes(`${prefix}runindex`)) return "forward";
      indexBatches += 1;
      return indexBatches === 2 ? rejectedBatch() : "forward"; // the second page's index rows
    };
    const store = await openStore(proxy.connectionString, prefix);
    const runId = "20261124T060000Z-batch";
    const first = await audit({ ...sources(), store }, runId);
    expect(first.run.status).toBe("failed");
    expect(first.report.errors).toEqual([{ scope: "store", message: expect.stringMatching(/^could not store page 2 \(5 clusters\): .*One of the request inputs is not valid\./s) }]);
    const secondPage = new Set(first.report.clusters.slice(PAGE, 2 * PAGE).map((c) => c.id.toLowerCase()));
    const kept = first.report.clusters.filter((c) => !secondPage.has(c.id.toLowerCase()));
    const intact = await readBack(store, runId, kept.map((c) => c.id), kept);
    expect(intact.run?.status).toBe("failed");
    expect(intact.ids).toHaveLength(CLUSTERS - PAGE);
    expect(intact.lost).toBe(0);
    expect(intact.verify.ok).toBe(true);

    proxy.onRequest = null;
    const retry = await audit({ ...sources(), store }, runId);
    const back = await readBack(store, runId, sim.servedClusterIds(), retry.report.clusters);
    recordFigures({ dataLost: back.lost });
    expect(retry.run.status).toBe("succeeded");
    expect(back.ids).toEqual(lowerSorted(sim.fleet.clusterIds()));
    // The rejected page's snapshots were linked before its index was refused: the retry reuses them.
    expect(back.snapshotsOfRun.every((n) => n === 1)).toBe(true);
    expect(back.verify).toMatchObject({ ok: true, snapshotsChecked: CLUSTERS });
    expect(back.lost).toBe(0);
  });

  it("an ETag conflict on the run record (someone wrote it in between) is re-read and the run is recorded once", async () => {
    const proxy = await proxied();
    const prefix = azurite.freshPrefix();
    const runs = table(azurite.connectionString, `${prefix}runs`);
    let touched = false;
    proxy.onRequest = async (request): Promise<ProxyAction> => {
      // completeRun's conditional replace: change the entity first, so Azurite answers 412.
      if (!touched && request.batch && request.body.includes(`${prefix}runs`) && /If-Match:/i.test(request.body)) {
        touched = true;
        for await (const e of runs.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${"runs"}` } })) {
          await runs.updateEntity({ partitionKey: e.partitionKey!, rowKey: e.rowKey!, touchedBy: "another instance" }, "Merge");
        }
      }
      return "forward";
    };
    const store = await openStore(proxy.connectionString, prefix);
    const runId = "20261124T060000Z-etagrun";
    const { run, report } = await audit({ ...sources(), store }, runId);
    const conflicts = proxy.exchanges.filter((x) => x.batch && /HTTP\/1\.1 412/.test(x.body ?? ""));
    expect(conflicts).toHaveLength(1);
    expect(run.status).toBe("succeeded");
    const back = await readBack(store, runId, sim.servedClusterIds(), report.clusters);
    recordFigures({ dataLost: back.lost });
    expect(back.run).toMatchObject({ runId, status: "succeeded", summary: report.summary });
    expect((await store.listRuns({})).items).toHaveLength(1);
    expect(back.lost).toBe(0);
  });

  it("an ETag conflict on every chain head (a concurrent writer) is re-read and each cluster gets exactly one new link", async () => {
    const proxy = await proxied();
    const prefix = azurite.freshPrefix();
    const store = await openStore(proxy.connectionString, prefix);
    const day1 = await audit({ ...sources(), store }, "20261123T060000Z-day1", undefined, "2026-11-23");
    expect(day1.run.status).toBe("succeeded");

    const snapshots = table(azurite.connectionString, `${prefix}snapshots`);
    let touched = false;
    proxy.onRequest = async (request): Promise<ProxyAction> => {
      if (!touched && request.batch && request.body.includes(`${prefix}snapshots`) && /If-Match:/i.test(request.body)) {
        touched = true;
        // Chain heads are the `~h|<cluster>|` rows of the snapshots table (docs/storage-design.md).
        for await (const head of snapshots.listEntities()) {
          if (parseHeadRow(head.rowKey!) === null) continue;
          await snapshots.updateEntity({ partitionKey: head.partitionKey!, rowKey: head.rowKey!, touchedBy: "another instance" }, "Merge");
        }
      }
      return "forward";
    };
    const runId = "20261124T060000Z-day2";
    const { run, report } = await audit({ ...sources(), store }, runId);
    expect(proxy.exchanges.filter((x) => x.batch && /HTTP\/1\.1 412/.test(x.body ?? "")).length).toBeGreaterThan(0);
    expect(run.status).toBe("succeeded");
    const back = await readBack(store, runId, sim.servedClusterIds(), report.clusters);
    recordFigures({ dataLost: back.lost });
    expect(back.snapshotsOfRun.every((n) => n === 1)).toBe(true);
    expect(back.verify).toMatchObject({ ok: true, clustersChecked: CLUSTERS, snapshotsChecked: 2 * CLUSTERS });
    for (const id of [...sim.fleet.clusterIds()].slice(0, 3)) {
      const history = (await store.clusterHistory(id, {})).items;
      expect(history.map((s) => s.runId)).toEqual([runId, "20261123T060000Z-day1"]);
      expect(history[0]!.previousHash).toBe(history[1]!.contentHash);
    }
    expect(back.lost).toBe(0);
  });
});
