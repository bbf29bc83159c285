/** One sweep at a time: a second trigger while one runs is recorded on the lease and skipped. */
import { describe, expect, it } from "vitest";
import { scheduledOccurrence } from "../../src/functions/runtime.js";
import { sweep } from "../../src/functions/sweep.js";
import { createTableLease } from "../../src/store/lease.js";
import { invocation, timerAt, useFunctionsHarness } from "./harness.js";

const h = useFunctionsHarness({ clusters: 6 });

describe("sweep guard", () => {
  it("runs one of two concurrent sweeps and records the other as skipped", async () => {
    const logsA: string[] = [];
    const logsB: string[] = [];
    await Promise.all([
      sweep(timerAt("2026-11-10T06:00:00Z"), invocation("sweep", logsA)),
      sweep(timerAt("2026-11-10T06:00:00Z", true), invocation("sweep", logsB)),
    ]);
    const skipped = [logsA, logsB].filter((logs) => logs.some((l) => l.startsWith("warning:") && l.includes("skipped")));
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

  it("a retried occurrence reuses its run id; a status from the future falls back to the minute", () => {
    const now = new Date("2026-11-24T06:00:41.250Z");
    expect(scheduledOccurrence(timerAt("2026-11-24T06:00:00Z"), now).toISOString()).toBe("2026-11-24T06:00:00.000Z");
    expect(scheduledOccurrence(timerAt("2026-11-24T06:00:00"), now).toISOString()).toBe("2026-11-24T06:00:00.000Z");
    expect(scheduledOccurrence(timerAt("2026-11-25T06:00:00Z"), now).toISOString()).toBe("2026-11-24T06:00:00.000Z");
    expect(scheduledOccurrence({ scheduleStatus: undefined as never }, now).toISOString()).toBe("2026-11-24T06:00:00.000Z");
  });
});
