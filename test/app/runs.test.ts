import { describe, expect, it } from "vitest";
import { ABANDONED_MESSAGE, closeAbandonedRuns } from "../../src/app/runs.js";
import type { RunRecord } from "../../src/core/ports.js";
import { emptySummary, type ClusterReport } from "../../src/core/report.js";
import { createTableHistoryStore } from "../../src/store/index.js";
import { useAzurite } from "../helpers/azurite.js";

const azurite = useAzurite();

function run(runId: string, startedAt: string, status: RunRecord["status"] = "running"): RunRecord {
  return {
    runId,
    trigger: "timer",
    scope: { subscriptions: [], managementGroups: [], clusterIds: [] },
    asOf: startedAt.slice(0, 10),
    startedAt,
    endedAt: null,
    status,
    summary: emptySummary(),
    errors: [],
    catalogVersion: "test",
    catalogCheckedAt: "2026-11-01",
  };
}

const cluster: ClusterReport = {
  id: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-a",
  name: "aks-a",
  subscriptionId: "00000000-0000-0000-0000-000000000001",
  resourceGroup: "rg",
  location: "westeurope",
  kubernetesVersion: "1.34.2",
  supportPlan: "KubernetesOfficial",
  integrations: [
    { kind: "kubernetes", name: "kubernetes", version: "1.34.2", supportTier: "aks-managed", stage: "ga", drift: "current", deadlines: [], severity: "ok", reasons: [] },
  ],
  errors: [],
};

describe("abandoned runs", () => {
  it("a run left 'running' for a day is closed as failed with what it stored; a fresh one is left alone", async () => {
    const store = await createTableHistoryStore({ connectionString: azurite.connectionString, tablePrefix: azurite.freshPrefix(), allowInsecureConnection: true });
    const stale = run("20261122T060000Z-timer", "2026-11-22T06:00:00.000Z");
    await store.beginRun(stale);
    await store.saveSnapshots(stale, [cluster]);
    const fresh = run("20261124T060000Z-timer", "2026-11-24T06:00:00.000Z");
    await store.beginRun(fresh);

    const closed = await closeAbandonedRuns(store, new Date("2026-11-24T07:00:00Z"), { olderThanHours: 24, windowDays: 60 });
    expect(closed.map((r) => r.runId)).toEqual([stale.runId]);
    const after = await store.getRun(stale.runId);
    expect(after).toMatchObject({ status: "failed", endedAt: "2026-11-24T07:00:00.000Z" });
    expect(after!.summary.clusters).toBe(1);
    expect(after!.errors).toEqual([{ scope: "run", message: ABANDONED_MESSAGE }]);
    expect((await store.getRun(fresh.runId))!.status).toBe("running");
    expect((await store.runReport(stale.runId))!.clusters).toHaveLength(1);
  });

  it("a run larger than a page is summarised whole, a page of clusters at a time", async () => {
    const store = await createTableHistoryStore({ connectionString: azurite.connectionString, tablePrefix: azurite.freshPrefix(), allowInsecureConnection: true });
    const stale = run("20261122T060000Z-timer", "2026-11-22T06:00:00.000Z");
    await store.beginRun(stale);
    const fleet = Array.from({ length: 250 }, (_, i) => ({ ...cluster, id: cluster.id.replace(/aks-a$/, `aks-${i}`), name: `aks-${i}` }));
    await store.saveSnapshots(stale, fleet);

    const pages: number[] = [];
    const ids = new Set<string>();
    for await (const page of store.runClusterPages(stale.runId, 100)) {
      pages.push(page.length);
      for (const c of page) ids.add(c.id);
    }
    expect(pages).toEqual([100, 100, 50]);
    expect(ids.size).toBe(250);

    await closeAbandonedRuns(store, new Date("2026-11-24T07:00:00Z"), { olderThanHours: 24, windowDays: 60 });
    expect((await store.getRun(stale.runId))!.summary).toMatchObject({ clusters: 250, integrations: 250, bySeverity: { ok: 250 } });
  });
});
