/**
 * Function triggers misbehaving the way the host makes them: a timer invocation that dies mid-run
 * and is retried, a timer and an HTTP audit landing at once, and past-due timers. Handlers are
 * called directly with the shared harness (Azurite + fleet simulator), as in test/functions.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { AuditReport } from "../../src/core/report.js";
import type { AppContext } from "../../src/app/context.js";
import { startAudit } from "../../src/functions/audits.js";
import { auditWorker } from "../../src/functions/auditWorker.js";
import { sweep } from "../../src/functions/sweep.js";
import { clusterIds, invocation, json, request, timerAt, useFunctionsHarness } from "../functions/harness.js";
import { lowerSorted, readBack } from "./helpers/audit.js";
import { recordFigures } from "./helpers/results.js";

const CLUSTERS = 8;
// Pages of 3, so a failure can land between pages.
const h = useFunctionsHarness({ clusters: CLUSTERS, env: { ARG_PAGE_SIZE: "3" } });

beforeEach(async () => {
  await h.reset();
});

/** Makes the store fail on the nth page write, as if the host stopped the invocation there. */
function failOnPage(ctx: AppContext, page: number): () => void {
  const original = ctx.store;
  let pages = 0;
  ctx.store = async () => {
    const store = await original();
    return Object.create(store, {
      saveSnapshots: {
        value: async (...args: Parameters<typeof store.saveSnapshots>) => {
          pages += 1;
          if (pages === page) throw new Error("the invocation was stopped by the host");
          return store.saveSnapshots(...args);
        },
      },
    }) as typeof store;
  };
  return () => {
    ctx.store = original;
  };
}

async function expectFleetOnce(runId: string, expected: string[]) {
  const store = await h.ctx.store();
  const back = await readBack(store, runId, expected);
  recordFigures({ dataLost: back.lost });
  expect(back.ids).toEqual(lowerSorted(expected));
  expect(back.snapshotsOfRun.every((n) => n === 1)).toBe(true);
  expect(back.verify.ok).toBe(true);
  expect(back.lost).toBe(0);
  return back;
}

describe("Function triggers", () => {
  it("a timer invocation that dies mid-run is retried on the same run id and completes it, one snapshot per cluster", async () => {
    const occurrence = timerAt("2026-11-10T06:00:00Z");
    const runId = "20261110T060000Z-timer";
    const restore = failOnPage(h.ctx, 2);
    await expect(sweep(occurrence, invocation("sweep"))).rejects.toThrow(`sweep ${runId} failed`);
    restore();
    const store = await h.ctx.store();
    expect((await store.getRun(runId))?.status).toBe("failed");
    expect((await store.runReport(runId))?.clusters).toHaveLength(CLUSTERS - 3); // every other page, intact

    const logs: string[] = [];
    await sweep(occurrence, invocation("sweep", logs)); // the host's retry of the same occurrence
    expect(logs.join("\n")).toContain(`sweep ${runId} succeeded: ${CLUSTERS} clusters`);
    const back = await expectFleetOnce(runId, clusterIds(h.sim));
    expect(back.run?.status).toBe("succeeded");
    expect((await store.listRuns({})).items.map((r) => r.runId)).toEqual([runId]);
  });

  it("a timer sweep and a synchronous HTTP audit at once both land, and every chain still verifies", async () => {
    const ids = clusterIds(h.sim).slice(0, 2);
    // A stored HTTP run is dated today (an earlier asOf would be a what-if, never stored).
    const body = JSON.stringify({ clusterIds: ids });
    const [, response] = await Promise.all([
      sweep(timerAt("2026-11-17T06:00:00Z"), invocation("sweep")),
      startAudit(request("/api/audits", { method: "POST", headers: { "content-type": "application/json" }, body }), invocation("startAudit")),
    ]);
    expect(response.status).toBe(200);
    const httpRun = json<AuditReport>(response).runId;
    await expectFleetOnce("20261117T060000Z-timer", clusterIds(h.sim));
    await expectFleetOnce(httpRun, ids);
    const store = await h.ctx.store();
    expect(await store.verify()).toMatchObject({ ok: true, clustersChecked: CLUSTERS, snapshotsChecked: CLUSTERS + ids.length });
    for (const id of ids) expect((await store.clusterHistory(id, {})).items.map((s) => s.runId).sort()).toEqual([httpRun, "20261117T060000Z-timer"].sort());
  });

  it("a queued HTTP audit and a timer sweep running at once both complete over the whole fleet", async () => {
    const response = await startAudit(request("/api/audits", { method: "POST" }), invocation("startAudit"));
    expect(response.status).toBe(202);
    const { runId } = json<{ runId: string }>(response);
    await Promise.all([sweep(timerAt("2026-11-17T06:00:00Z"), invocation("sweep")), auditWorker(await h.takeAuditMessage(), invocation("auditWorker"))]);
    const queued = await expectFleetOnce(runId, clusterIds(h.sim));
    expect(queued.run?.status).toBe("succeeded");
    await expectFleetOnce("20261117T060000Z-timer", clusterIds(h.sim));
    expect(await (await h.ctx.store()).verify()).toMatchObject({ ok: true, snapshotsChecked: 2 * CLUSTERS });
  });

  it("a past-due timer runs its own occurrence, logs isPastDue, and a second past-due firing adds nothing", async () => {
    const late = timerAt("2026-11-03T06:00:00Z", true);
    const runId = "20261103T060000Z-timer";
    for (let firing = 0; firing < 2; firing++) {
      const logs: string[] = [];
      await sweep(late, invocation("sweep", logs));
      expect(logs[0]).toBe(`information: sweep ${runId}: isPastDue=true`);
    }
    const back = await expectFleetOnce(runId, clusterIds(h.sim));
    expect(back.run).toMatchObject({ runId, asOf: "2026-11-03", status: "succeeded", trigger: "timer" });
    expect((await (await h.ctx.store()).listRuns({})).items).toHaveLength(1);
  });
});
