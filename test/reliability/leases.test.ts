/**
 * The sweep lease under the faults a host and a table produce: a retried sweep whose first attempt
 * died holding the lease, a second trigger while one runs, a host whose clock is off, and a release
 * the table refuses. Sweeps run through the handler on the shared harness (Azurite + simulator);
 * the refused release goes through a loopback proxy in front of Azurite.
 */
import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { LeaseHeldError, underLease } from "../../src/app/underLease.js";
import { sweep } from "../../src/functions/sweep.js";
import { createTableLease } from "../../src/store/lease.js";
import { clusterIds, invocation, timerAt, useFunctionsHarness } from "../functions/harness.js";
import { lowerSorted, readBack } from "./helpers/audit.js";
import { recordFigures } from "./helpers/results.js";
import { startTableProxy } from "./helpers/tableProxy.js";

const h = useFunctionsHarness({ clusters: 5 });

describe("Sweep leases", () => {
  it("the host's retry of a sweep that died holding the lease re-enters it and completes the run once", async () => {
    await h.reset();
    const runId = "20261110T060000Z-timer";
    const store = await h.ctx.store();
    // The first attempt took the lease, then its process was recycled before it could give it back.
    expect((await createTableLease(store.ledgerTable(), "sweep").tryAcquire(runId)).acquired).toBe(true);
    const logs: string[] = [];
    await sweep(timerAt("2026-11-10T06:00:00Z"), invocation("sweep", logs, [], { retryCount: 1, maxRetryCount: 2 }));
    expect(logs.join("\n")).toContain(`sweep ${runId} succeeded: 5 clusters`);
    const back = await readBack(store, runId, clusterIds(h.sim));
    recordFigures({ dataLost: back.lost });
    expect(back.ids).toEqual(lowerSorted(clusterIds(h.sim)));
    expect(back.snapshotsOfRun.every((n) => n === 1)).toBe(true);
    expect(back.lost).toBe(0);
    expect(await createTableLease(store.ledgerTable(), "sweep").read()).toMatchObject({ holder: null });
  });

  it("a second trigger while a sweep runs is logged and fails, never a silent success, and stores nothing", async () => {
    await h.reset();
    const store = await h.ctx.store();
    expect((await createTableLease(store.ledgerTable(), "sweep").tryAcquire("20261117T060000Z-timer")).acquired).toBe(true);
    const logs: string[] = [];
    await expect(sweep(timerAt("2026-11-24T06:00:00Z"), invocation("sweep", logs))).rejects.toBeInstanceOf(LeaseHeldError);
    expect(logs.filter((l) => l.startsWith("error:"))).toEqual([expect.stringContaining("sweep 20261124T060000Z-timer skipped: 20261117T060000Z-timer holds the sweep lease")]);
    expect((await store.listRuns({})).items).toEqual([]);
    expect(await createTableLease(store.ledgerTable(), "sweep").read()).toMatchObject({ skipped: 1, lastSkippedBy: "20261124T060000Z-timer" });
  });

  it("a host clock an hour ahead or behind neither takes a live lease nor keeps a dead one", async () => {
    await h.reset();
    const table = (await h.ctx.store()).ledgerTable();
    const hour = 3_600_000;
    const live = createTableLease(table, "skew", { ttlMs: 2000, now: () => new Date(Date.now() - hour) });
    expect((await live.tryAcquire("live")).acquired).toBe(true);
    const ahead = createTableLease(table, "skew", { ttlMs: 2000, now: () => new Date(Date.now() + hour) });
    expect(await ahead.tryAcquire("ahead")).toMatchObject({ acquired: false, heldBy: "live" });
    await new Promise((resolve) => setTimeout(resolve, 3200));
    expect((await ahead.tryAcquire("ahead")).acquired).toBe(true);
  });

  it("a release the table refuses never hides the sweep's own error", async () => {
    const proxy = await startTableProxy(h.tablesConnectionString);
    try {
      const table = TableClient.fromConnectionString(proxy.connectionString, "leasefaults", { allowInsecureConnection: true });
      const lease = createTableLease(table, "sweep");
      // Giving the lease back (the write that empties `holder`) is refused, as when the identity lost its role.
      proxy.onRequest = (request) =>
        /"holder":""/.test(request.body)
          ? { status: 403, headers: { "content-type": "application/json" }, body: JSON.stringify({ "odata.error": { code: "AuthorizationFailure", message: { lang: "en-US", value: "This request is not authorized." } } }) }
          : "forward";
      const logs: string[] = [];
      const log = { log: (m: string) => logs.push(`info: ${m}`), warn: (m: string) => logs.push(`warn: ${m}`), error: (m: string) => logs.push(`error: ${m}`) };
      await expect(
        underLease(lease, "20261124T060000Z-timer", { what: "sweep 20261124T060000Z-timer", log }, async () => {
          throw new Error("sweep 20261124T060000Z-timer failed: Resource Graph answered 500 on every page");
        }),
      ).rejects.toThrow("sweep 20261124T060000Z-timer failed: Resource Graph answered 500 on every page");
      expect(logs).toEqual([expect.stringMatching(/^warn: sweep 20261124T060000Z-timer: releasing the lease failed .*; it runs out by itself$/)]);
      expect(proxy.exchanges.some((e) => e.status === 403)).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});
