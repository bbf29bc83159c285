/**
 * One audit run through the real pieces: the fleet simulator over loopback HTTPS, the real Resource
 * Graph and Container Service clients, the bundled catalog, and the Table store on Azurite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TokenCredential } from "@azure/core-auth";
import { createAppContext, type AppContext } from "../../src/app/context.js";
import { alertingPart, newRunId, runAudit, RUN_ID_PATTERN, type AuditRequest } from "../../src/app/audit.js";
import { loadConfig } from "../../src/config.js";
import { startFleetSimulator, type FleetSimulator } from "../../src/local/simulator/index.js";
import { useAzurite } from "../helpers/azurite.js";

const stubCredential: TokenCredential = { getToken: async () => ({ token: "stub", expiresOnTimestamp: Date.now() + 3_600_000 }) };
const ASOF = "2026-11-24";
const azurite = useAzurite();
let sim: FleetSimulator;
let ctx: AppContext;

beforeAll(async () => {
  sim = await startFleetSimulator({ seed: 7, clusters: 200, asOf: ASOF, quota: null });
  const config = loadConfig({ ARM_ENDPOINT: sim.endpoint, TABLE_PREFIX: azurite.freshPrefix(), ARG_PAGE_SIZE: "20" }, "/tmp");
  ctx = await createAppContext(config, { credential: stubCredential, armCa: sim.ca, tablesConnectionString: azurite.connectionString });
});
afterAll(async () => {
  await ctx?.close();
  await sim?.close();
});

function request(runId: string, clusterIds: string[] = []): AuditRequest {
  return {
    runId,
    trigger: "cli" as const,
    scope: { subscriptions: [], managementGroups: [], clusterIds },
    asOf: ASOF,
    windowDays: 60,
    now: () => new Date("2026-11-24T06:00:00Z"),
    collect: true,
  };
}

describe("an audit run", () => {
  it("of named clusters sweeps only their subscription, reports them, and names the one not found", async () => {
    const [a, b] = [...sim.fleet.clusterIds()].slice(0, 2) as [string, string];
    const missing = a.replace(/managedClusters\/[^/]+$/i, "managedClusters/no-such-cluster");
    sim.resetStats();
    const store = await ctx.store();
    const { report, run } = await runAudit(
      { fleet: ctx.fleet(), versions: ctx.versions(), catalog: ctx.catalog, store },
      request(newRunId(new Date("2026-11-24T06:00:00Z")), [a.toUpperCase(), b, missing]),
    );
    expect(report.clusters.map((c) => c.id.toLowerCase()).sort()).toEqual([a, b].map((x) => x.toLowerCase()).sort());
    expect(run.status).toBe("partial");
    expect(report.errors).toEqual([{ scope: missing, message: "cluster not found in the identity's view of the fleet" }]);
    // A tenant sweep of 200 clusters at 20 a page is 10 pages; one subscription's is one or two.
    expect(sim.stats.byKind["clusters"] ?? 0).toBeLessThanOrEqual(2);
    const stored = await store.runReport(run.runId);
    expect(stored?.clusters).toHaveLength(2);
    expect(stored?.summary).toEqual(report.summary);
  });

  it("of the whole fleet keeps only the alerting part when asked, while summarising and storing all of them", async () => {
    const store = await ctx.store();
    const runId = newRunId(new Date("2026-11-24T07:00:00Z"), "timer");
    expect(runId).toMatch(RUN_ID_PATTERN);
    const { report, run } = await runAudit(
      { fleet: ctx.fleet(), versions: ctx.versions(), catalog: ctx.catalog, store },
      { ...request(runId), collect: alertingPart(60) },
    );
    expect(run.status).toBe("succeeded");
    expect(report.summary.clusters).toBe(200);
    expect(report.dataSources?.versionData).toBe("live");
    expect(report.clusters.length).toBeGreaterThan(0);
    expect(report.clusters.length).toBeLessThan(200);
    // Only the alerting part is kept: every kept integration has a deadline inside the window.
    expect(report.clusters.every((c) => c.integrations.length > 0 && c.integrations.every((i) => i.deadlines.some((d) => d.daysLeft >= 0 && d.daysLeft <= 60)))).toBe(true);
    const stored = await store.runReport(runId);
    expect(stored?.clusters).toHaveLength(200);
  });
});

describe("with UPGRADE_PROFILES on", () => {
  it("reads each cluster's upgrade profile once and says where its control plane can move", async () => {
    const config = loadConfig(
      { ARM_ENDPOINT: sim.endpoint, TABLE_PREFIX: azurite.freshPrefix(), UPGRADE_PROFILES: "true", UPGRADE_PROFILE_CONCURRENCY: "4" },
      "/tmp",
    );
    const withProfiles = await createAppContext(config, { credential: stubCredential, armCa: sim.ca, tablesConnectionString: azurite.connectionString });
    try {
      const ids = [...sim.fleet.clusterIds()].slice(0, 3);
      sim.resetStats();
      const { report } = await runAudit(withProfiles.auditDeps(null), request(newRunId(new Date("2026-11-24T08:00:00Z")), ids));
      expect(sim.stats.byKind["upgrade-profile"]).toBe(3);
      for (const cluster of report.clusters) {
        const kubernetes = cluster.integrations.find((i) => i.kind === "kubernetes")!;
        expect(kubernetes.reasons.some((r) => r.startsWith("Upgrade profile:"))).toBe(true);
      }
    } finally {
      await withProfiles.close();
    }
  });
});
