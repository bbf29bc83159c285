/**
 * One sweep at a time: a second trigger while one runs is recorded on the lease, logged and failed
 * (never a silent success); the host's retry of a sweep whose attempt died holding the lease
 * re-enters it and completes the run.
 */
import { describe, expect, it } from "vitest";
import { scheduledOccurrence } from "../../src/functions/runtime.js";
import { sweep } from "../../src/functions/sweep.js";
import { LeaseHeldError } from "../../src/app/underLease.js";
import { createTableLease } from "../../src/store/lease.js";
import { invocation, timerAt, useFunctionsHarness } from "./harness.js";

const h = useFunctionsHarness({ clusters: 6 });

describe("sweep guard", () => {
  it("runs one of two concurrent sweeps and records the other as skipped", async () => {
    const logsA: string[] = [];
    const logsB: string[] = [];
    const outcomes = await Promise.allSettled([
      sweep(timerAt("2026-11-10T06:00:00Z"), invocation("sweep", logsA)),
      sweep(timerAt("2026-11-10T06:00:00Z", true), invocation("sweep", logsB)),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected")!;
    expect(refused.reason).toBeInstanceOf(LeaseHeldError);
    expect(String(refused.reason.message)).toMatch(/^sweep 20261110T060000Z-timer skipped: 20261110T060000Z-timer holds the sweep lease until /);
    const skipped = [logsA, logsB].filter((logs) => logs.some((l) => l.startsWith("error:") && l.includes("skipped")));
    expect(skipped).toHaveLength(1);

    const store = await h.ctx.store();
    const page = await store.listRuns({});
    expect(page.items.map((r) => r.runId)).toEqual(["20261110T060000Z-timer"]);
    const lease = await createTableLease(store.ledgerTable(), "sweep").read();
    expect(lease).toMatchObject({ holder: null, skipped: 1, lastSkippedBy: "20261110T060000Z-timer" });
  });

  it("lets the next sweep run once the first has finished", async () => {
    await sweep(timerAt("2026-11-17T06:00:00Z"), invocation("sweep"));
    const page = await (await h.ctx.store()).listRuns({});
    expect(page.items.map((r) => r.runId)).toEqual(["20261117T060000Z-timer", "20261110T060000Z-timer"]);
  });

  it("the host's retry of a sweep that died holding the lease re-enters it and completes the run", async () => {
    const runId = "20261124T060000Z-timer";
    const store = await h.ctx.store();
    // The first attempt took the lease and died before releasing it (its process was recycled).
    expect((await createTableLease(store.ledgerTable(), "sweep").tryAcquire(runId)).acquired).toBe(true);
    const logs: string[] = [];
    const retry = invocation("sweep", logs, [], { retryCount: 1, maxRetryCount: 2 });
    await sweep(timerAt("2026-11-24T06:00:00Z"), retry);
    expect(logs.join("\n")).toContain("this retry re-entered it");
    expect(await store.getRun(runId)).toMatchObject({ status: "succeeded", root: { seq: 3 } });
    expect(await createTableLease(store.ledgerTable(), "sweep").read()).toMatchObject({ holder: null });
  });

  it("a retried occurrence reuses its run id; a status from the future falls back to the minute", () => {
    const now = new Date("2026-11-24T06:00:41.250Z");
    expect(scheduledOccurrence(timerAt("2026-11-24T06:00:00Z"), now).toISOString()).toBe("2026-11-24T06:00:00.000Z");
    expect(scheduledOccurrence(timerAt("2026-11-24T06:00:00"), now).toISOString()).toBe("2026-11-24T06:00:00.000Z");
    expect(scheduledOccurrence(timerAt("2026-11-25T06:00:00Z"), now).toISOString()).toBe("2026-11-24T06:00:00.000Z");
    expect(scheduledOccurrence({ scheduleStatus: undefined as never }, now).toISOString()).toBe("2026-11-24T06:00:00.000Z");
  });
});
