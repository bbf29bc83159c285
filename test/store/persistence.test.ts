import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { startLocalTables } from "../../src/local/azurite.js";
import { createTableHistoryStore } from "../../src/store/index.js";
import { cluster, finished, integration, runRecord } from "./fixtures.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("local tables on disk", () => {
  it("keeps history across a restart, so a second demo run adds to the first", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "aks-audit-azurite-"));
    dirs.push(dataDir);
    const fleet = [cluster("aks-a", [integration("keda", "warning", "aks-managed")])];

    for (const [i, asOf] of ["2026-11-20", "2026-11-21"].entries()) {
      // Each iteration is one "process": start, write, close (the close is what saves to disk).
      const tables = await startLocalTables({ dataDir });
      try {
        const store = await createTableHistoryStore({ connectionString: tables.connectionString, tablePrefix: "demo" });
        const run = runRecord(`run-${i}`, asOf);
        await store.beginRun(run);
        await store.saveSnapshots(run, fleet);
        await store.completeRun(finished(run, fleet));
      } finally {
        await tables.close();
      }
    }

    const tables = await startLocalTables({ dataDir });
    try {
      const store = await createTableHistoryStore({ connectionString: tables.connectionString, tablePrefix: "demo" });
      expect((await store.listRuns({})).items.map((r) => r.runId)).toEqual(["run-1", "run-0"]);
      expect((await store.clusterHistory(fleet[0]!.id, {})).items).toHaveLength(2);
      expect((await store.verify()).ok).toBe(true);
    } finally {
      await tables.close();
    }
  });

  it("says what to do when azurite is not installed", async () => {
    vi.resetModules();
    vi.doMock("azurite/dist/src/table/TableServer.js", () => {
      throw Object.assign(new Error("Cannot find package 'azurite'"), { code: "ERR_MODULE_NOT_FOUND" });
    });
    try {
      const { startLocalTables: start } = await import("../../src/local/azurite.js");
      await expect(start({ inMemory: true })).rejects.toThrow(
        "the local table store needs the azurite dev dependency (npm ci) or set AZURE_TABLES_CONNECTION_STRING",
      );
    } finally {
      vi.doUnmock("azurite/dist/src/table/TableServer.js");
      vi.resetModules();
    }
  });
});
