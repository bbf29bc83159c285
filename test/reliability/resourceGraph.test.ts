/**
 * Resource Graph faults, end to end: the fleet simulator injects the fault, the real SDK clients
 * meet it, runAudit carries on, and the Table store (Azurite) is read back to prove the outcome.
 * test/sources/resourceGraph.test.ts proves the adapter alone; this proves nothing is lost on the
 * way to history.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startFleetSimulator, type FaultPlan, type FleetSimulator, type FleetSimulatorOptions } from "../../src/local/simulator/index.js";
import { useAzurite } from "../helpers/azurite.js";
import { armSources, audit, lowerSorted, openStore, readBack } from "./helpers/audit.js";
import { recordFigures } from "./helpers/results.js";

const azurite = useAzurite();
const running: FleetSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const CLUSTERS = 24;
const PAGE = 5; // 5 pages of clusters: faults can land mid-pagination

async function simulator(faults: FaultPlan, extra: FleetSimulatorOptions = {}): Promise<FleetSimulator> {
  const sim = await startFleetSimulator({ seed: 41, clusters: CLUSTERS, quota: null, armQuota: null, faults, ...extra });
  running.push(sim);
  return sim;
}

/** Sweeps the simulator into a fresh store and reads the run back. */
async function sweep(sim: FleetSimulator, runId: string, options: { requestTimeoutMs?: number; scope?: Parameters<typeof audit>[2] } = {}) {
  const store = await openStore(azurite.connectionString, azurite.freshPrefix());
  sim.clearServed();
  const outcome = await audit({ ...armSources(sim, { pageSize: PAGE, requestTimeoutMs: options.requestTimeoutMs }), store }, runId, options.scope);
  const back = await readBack(store, runId, sim.servedClusterIds(), outcome.report.clusters);
  recordFigures({ dataLost: back.lost });
  return { ...outcome, back, store };
}

function expectWholeFleetStored(back: Awaited<ReturnType<typeof sweep>>["back"], sim: FleetSimulator): void {
  expect(back.ids).toEqual(lowerSorted(sim.fleet.clusterIds()));
  expect(back.snapshotsOfRun.every((n) => n === 1)).toBe(true);
  expect(back.verify.ok).toBe(true);
  expect(back.lost).toBe(0);
}

describe("Resource Graph faults", () => {
  it("a 429 with only quota headers mid-pagination waits for the window and stores the whole fleet", async () => {
    const sim = await simulator({ throttle: [{ kind: "clusters", page: 2, retryAfterSeconds: null, resetsAfterMs: 300 }] });
    const { run, back } = await sweep(sim, "20261124T060000Z-quota");
    expect(sim.stats.byStatus["429"]).toBe(1);
    expect(run.status).toBe("succeeded");
    expect(back.run?.status).toBe("succeeded");
    expectWholeFleetStored(back, sim);
  });

  it("a 429 with Retry-After is retried by the SDK and the run succeeds with every cluster stored", async () => {
    const sim = await simulator({ throttle: [{ kind: "clusters", page: 3, retryAfterSeconds: 1 }] });
    const { run, back } = await sweep(sim, "20261124T060000Z-retryafter");
    expect(sim.stats.byStatus["429"]).toBe(1);
    expect(run.status).toBe("succeeded");
    expectWholeFleetStored(back, sim);
  });

  it("a 500 and a 503 mid-pagination are retried and the run succeeds with every cluster once", async () => {
    const sim = await simulator({
      serverError: [
        { kind: "clusters", page: 2, status: 500 },
        { kind: "clusters", page: 4, status: 503, times: 2 },
      ],
    });
    const { run, back } = await sweep(sim, "20261124T060000Z-fivexx");
    expect(sim.stats.byStatus["500"]).toBe(1);
    expect(sim.stats.byStatus["503"]).toBe(2);
    expect(run.status).toBe("succeeded");
    expectWholeFleetStored(back, sim);
  });

  it("a 5xx that outlasts every retry ends the run partial, naming the page, with the pages before it stored", async () => {
    const sim = await simulator({ serverError: [{ kind: "clusters", page: 3, status: 500, times: Infinity }] });
    const { run, report, back } = await sweep(sim, "20261124T060000Z-outlast");
    expect(run.status).toBe("partial");
    expect(back.run?.status).toBe("partial");
    expect(report.errors.map((e) => e.message).join("\n")).toMatch(/clusters page 3 failed after retries \(500.*2 earlier page\(s\) of this scope were kept/);
    expect(back.ids).toHaveLength(2 * PAGE);
    expect(back.verify.ok).toBe(true);
    expect(back.lost).toBe(0);
  });

  it("a connection reset mid-pagination is retried and the run succeeds with every cluster stored", async () => {
    const sim = await simulator({ resetConnection: [{ kind: "clusters", page: 2 }, { kind: "extensions", page: 1 }] });
    const { run, report, back } = await sweep(sim, "20261124T060000Z-reset");
    expect(sim.stats.byStatus.reset).toBe(2);
    expect(run.status).toBe("succeeded");
    expect(report.clusters.some((c) => c.integrations.some((i) => i.kind === "extension"))).toBe(true);
    expectWholeFleetStored(back, sim);
  });

  it("a page slower than the client timeout is abandoned, asked again, and the run succeeds", async () => {
    const sim = await simulator({ slow: [{ kind: "clusters", page: 2, delayMs: 3_000 }] });
    const started = Date.now();
    const { run, back } = await sweep(sim, "20261124T060000Z-slow", { requestTimeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(3_000); // did not wait for the slow answer
    expect(sim.stats.byKind.clusters).toBe(Math.ceil(CLUSTERS / PAGE) + 1);
    expect(run.status).toBe("succeeded");
    expectWholeFleetStored(back, sim);
  });

  it("a truncated result ends the run partial, says rows are missing, and stores every row it did get", async () => {
    const sim = await simulator({ truncate: [{ kind: "clusters", page: 2 }] });
    const { run, report, back } = await sweep(sim, "20261124T060000Z-truncated");
    expect(run.status).toBe("partial");
    expect(report.errors).toEqual([expect.objectContaining({ scope: "tenant", message: expect.stringMatching(/truncated the clusters result on page 2/) })]);
    expect(back.ids).toHaveLength(2 * PAGE);
    expect(back.verify.ok).toBe(true);
    expect(back.lost).toBe(0);
  });

  it("a denied subscription (403) ends the run partial and the rest of the fleet is stored", async () => {
    const probe = await simulator({}, { subscriptions: 4 });
    const subscriptions = probe.fleet.subscriptions.map((s) => s.id);
    const denied = probe.fleet.subscriptions.find((s, i) => i > 0 && s.clusters > 0)!.id;
    const sim = await simulator({ deniedSubscriptions: [denied] }, { subscriptions: 4 });
    const { run, report, back } = await sweep(sim, "20261124T060000Z-denied", { scope: { subscriptions, managementGroups: [], clusterIds: [] } });
    expect(run.status).toBe("partial");
    expect(report.errors).toEqual([expect.objectContaining({ scope: `subscription:${denied}`, message: expect.stringMatching(/refused the scope \(403/) })]);
    const others = subscriptions.filter((s) => s !== denied);
    expect(back.ids).toEqual(lowerSorted(sim.fleet.clusterIds({ subscriptions: others })));
    expect(back.run?.errors).toEqual(report.errors);
    expect(back.verify.ok).toBe(true);
    expect(back.lost).toBe(0);
  });

  it("an empty tenant succeeds with 0 clusters and the run is recorded", async () => {
    const sim = await simulator({}, { clusters: 0 });
    const { run, report, back } = await sweep(sim, "20261124T060000Z-empty");
    expect(run.status).toBe("succeeded");
    expect(report.errors).toEqual([]);
    expect(report.summary.clusters).toBe(0);
    expect(back.run).toMatchObject({ status: "succeeded", summary: { clusters: 0 } });
    expect(back.ids).toEqual([]);
    expect(back.verify).toMatchObject({ ok: true, clustersChecked: 0 });
  });
});
