/**
 * The run's scan progress on Azurite's Table service: the counts a fanned-out run completes by stay
 * exact when workers finish at the same moment and when a message is handled twice.
 */
import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { emptySummary } from "../../src/core/report.js";
import { createRunProgress } from "../../src/store/runProgress.js";
import { useAzurite } from "../helpers/azurite.js";

const azurite = useAzurite();
const ids = Array.from({ length: 24 }, (_, i) => `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c${i}`);
const progressFor = () => createRunProgress({ table: TableClient.fromConnectionString(azurite.connectionString, `${azurite.freshPrefix()}scanprogress`, { allowInsecureConnection: true }) });
const delta = () => ({ ...emptySummary(), integrations: 1, bySupportTier: { ...emptySummary().bySupportTier, unsupported: 1 } });

describe("run progress", () => {
  it("counts each cluster once however often and however concurrently it is finished", async () => {
    const progress = progressFor();
    const run = "20261124T060000Z-timer";
    expect(await progress.expect(run, ids)).toBe(ids.length);
    // A retried sweep registers the same clusters again: nothing new.
    expect(await progress.expect(run, ids.slice(0, 5).map((id) => id.toUpperCase()))).toBe(0);
    const fails = (id: string): boolean => ids.indexOf(id) % 7 === 3;
    const moved = await Promise.all([...ids, ...ids.slice(0, 6)].map((id) => progress.finish(run, id, fails(id) ? { ok: false, message: `failed ${id}` } : { ok: true, delta: delta() })));
    expect(moved.filter(Boolean)).toHaveLength(ids.length);
    const state = await progress.state(run);
    expect(state).toMatchObject({ expected: 24, sealed: false });
    expect(state!.done + state!.failed).toBe(24);
    expect(state!.delta.integrations).toBe(state!.done);
    expect((await progress.failures(run)).map((f) => f.clusterId).sort()).toEqual(ids.filter(fails).sort());
  });

  it("records the end once and forgets the run when asked", async () => {
    const progress = progressFor();
    const run = "20261124T070000Z-timer";
    await progress.expect(run, ids.slice(0, 2));
    await progress.seal(run, { status: "succeeded", summary: emptySummary() });
    const ends = await Promise.all(["2026-11-24T07:01:00.000Z", "2026-11-24T07:02:00.000Z", "2026-11-24T07:03:00.000Z"].map((at) => progress.markFinished(run, at)));
    expect(new Set(ends).size).toBe(1);
    expect((await progress.state(run))?.sweep?.status).toBe("succeeded");
    await progress.forget(run);
    expect(await progress.state(run)).toBeNull();
    // A late message for a forgotten run counts nothing.
    expect(await progress.finish(run, ids[0]!, { ok: true, delta: delta() })).toBe(false);
    // A completer that lost the race records no second end and does not bring the counter back.
    expect(await progress.markFinished(run, "2026-11-24T07:04:00.000Z")).toBeNull();
    expect(await progress.state(run)).toBeNull();
  });
});
