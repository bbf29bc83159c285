/**
 * One audit run through the real pieces: the fleet simulator over loopback HTTPS, the real Resource
 * Graph and Container Service clients, the bundled catalog, and the Table store on Azurite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TokenCredential } from "@azure/core-auth";
import type { FleetSource, HistoryStore } from "../../src/core/ports.js";
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

  it("through the live sweep finds the Flux v1 configurations left on a cluster and dates their end of support", async () => {
    const ids = [...sim.fleet.clusterIds()];
    // The simulator leaves Flux v1 configurations on clusters 14 and 15 (of every 50); cluster 0 has none.
    const [withFlux, without] = [ids[14]!, ids[0]!];
    const { report } = await runAudit({ fleet: ctx.fleet(), versions: ctx.versions(), catalog: ctx.catalog, store: null }, request(newRunId(new Date("2026-11-24T06:30:00Z")), [withFlux, without]));
    const kubernetesOf = (id: string) => report.clusters.find((c) => c.id.toLowerCase() === id.toLowerCase())!.integrations.find((i) => i.kind === "kubernetes")!;
    const flux = kubernetesOf(withFlux);
    expect(flux.deadlines).toContainEqual(expect.objectContaining({ date: "2025-05-24", kind: "end-of-support" }));
    expect(flux.reasons.join("\n")).toMatch(/Flux v1 sourceControlConfigurations/);
    expect(kubernetesOf(without).deadlines.some((d) => d.date === "2025-05-24")).toBe(false);
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

describe("a stored sweep", () => {
  // Slow answers from the simulator make each Resource Graph page take measurable time, so overlap
  // (or its absence) shows in the timings.
  let slowSim: FleetSimulator;
  let slow: AppContext;
  beforeAll(async () => {
    slowSim = await startFleetSimulator({ seed: 11, clusters: 120, asOf: ASOF, quota: null, latencyMs: 40 });
    const config = loadConfig({ ARM_ENDPOINT: slowSim.endpoint, TABLE_PREFIX: azurite.freshPrefix(), ARG_PAGE_SIZE: "20" }, "/tmp");
    slow = await createAppContext(config, { credential: stubCredential, armCa: slowSim.ca, tablesConnectionString: azurite.connectionString });
  });
  afterAll(async () => {
    await slow?.close();
    await slowSim?.close();
  });

  /** Time of each event, in the order seen: page fetches asked for / answered, stores started / ended. */
  type Event = { what: "fetch" | "fetched" | "store" | "stored"; page: number; at: number };

  /** The real fleet source, logging when each page is asked for; `gate` can hold a fetch back. */
  function loggedFleet(events: Event[], gate?: () => Promise<void>): FleetSource {
    const real = slow.fleet();
    return {
      extensions: (scope, errors) => real.extensions(scope, errors),
      clusterPages: (scope, errors) => ({
        async *[Symbol.asyncIterator]() {
          const pages = real.clusterPages(scope, errors)[Symbol.asyncIterator]();
          for (let page = 1; ; page++) {
            if (page > 1) await gate?.();
            events.push({ what: "fetch", page, at: performance.now() });
            const result = await pages.next();
            if (result.done) return;
            events.push({ what: "fetched", page, at: performance.now() });
            yield result.value;
          }
        },
      }),
    };
  }

  /** The real Table store, logging each saveSnapshots call; `fail` makes one page's store fail. */
  function loggedStore(real: HistoryStore, events: Event[], fail?: number): HistoryStore & { lastSave: Promise<void> } {
    let page = 0;
    const logged = Object.create(real) as HistoryStore & { lastSave: Promise<void> };
    logged.lastSave = Promise.resolve();
    logged.saveSnapshots = (run, clusters) => {
      const n = ++page;
      events.push({ what: "store", page: n, at: performance.now() });
      const save = (async () => {
        if (n === fail) throw new Error("injected: the table refused this page");
        await real.saveSnapshots(run, clusters);
        events.push({ what: "stored", page: n, at: performance.now() });
      })();
      logged.lastSave = save.catch(() => undefined);
      return save;
    };
    return logged;
  }

  const at = (events: Event[], what: Event["what"], page: number): number => events.find((e) => e.what === what && e.page === page)!.at;

  it("asks for the next page while the current one is stored, and stores what a one-page-at-a-time sweep stores", async () => {
    const store = await slow.store();
    const deps = { versions: slow.versions(), catalog: slow.catalog };

    const sequentialEvents: Event[] = [];
    const sequentialStore = loggedStore(store, sequentialEvents);
    // The baseline: the next page is only asked for once the previous page is stored.
    const sequential = await runAudit(
      { ...deps, fleet: loggedFleet(sequentialEvents, () => sequentialStore.lastSave), store: sequentialStore },
      request(newRunId(new Date("2026-11-24T09:00:00Z"))),
    );

    const events: Event[] = [];
    const pipelined = await runAudit({ ...deps, fleet: loggedFleet(events), store: loggedStore(store, events) }, request(newRunId(new Date("2026-11-24T10:00:00Z"))));

    expect(pipelined.run.status).toBe("succeeded");
    const pages = events.filter((e) => e.what === "stored").length;
    expect(pages).toBe(6);
    // Overlap: every later page was asked for before the page before it had been stored…
    for (let page = 2; page <= pages; page++) expect(at(events, "fetch", page)).toBeLessThan(at(events, "stored", page - 1));
    // …but never before the page two back had been stored: at most two pages in memory.
    for (let page = 3; page <= pages; page++) expect(at(events, "fetch", page)).toBeGreaterThanOrEqual(at(events, "stored", page - 2));
    // The baseline really was sequential, so the comparison below means something.
    for (let page = 2; page <= pages; page++) expect(at(sequentialEvents, "fetch", page)).toBeGreaterThanOrEqual(at(sequentialEvents, "stored", page - 1));

    const [a, b] = await Promise.all([store.runReport(sequential.run.runId), store.runReport(pipelined.run.runId)]);
    expect(b!.clusters).toHaveLength(120);
    expect(b!.clusters).toEqual(a!.clusters);
    expect(b!.summary).toEqual(a!.summary);
    expect(pipelined.report.clusters).toEqual(sequential.report.clusters);
  });

  it("reports a page whose store failed, stores every other page, and ends failed so the run is retried", async () => {
    const store = await slow.store();
    const events: Event[] = [];
    const { run, report } = await runAudit(
      { fleet: loggedFleet(events), versions: slow.versions(), catalog: slow.catalog, store: loggedStore(store, events, 3) },
      request(newRunId(new Date("2026-11-24T11:00:00Z"))),
    );
    expect(run.status).toBe("failed");
    expect(report.errors).toEqual([{ scope: "store", message: "could not store page 3 (20 clusters): injected: the table refused this page" }]);
    expect(report.summary.clusters).toBe(120);
    const stored = await store.runReport(run.runId);
    expect(stored?.clusters).toHaveLength(100);
    expect((await store.getRun(run.runId))?.status).toBe("failed");
    expect(stored?.errors).toEqual(report.errors);
  });
});
