/**
 * The fanned-out scan when things go wrong around it: a failed sweep, a progress table or queue that
 * refuses writes, a retried sweep of the same run, another run recording the cluster meanwhile; and
 * the worker classifying exactly as the sweep does (upgrade-profile reasons, tags).
 */
import { QueueClient } from "@azure/storage-queue";
import { describe, expect, it } from "vitest";
import { newRunId, runAudit } from "../../src/app/audit.js";
import type { AppContext } from "../../src/app/context.js";
import { PENDING_NOTE, processScanMessage, runAuditWithFanOut, SCAN_POISON_QUEUE, SCAN_QUEUE, type ScanFanOut, type ScanWorkerDeps } from "../../src/app/scanQueue.js";
import type { FleetSource } from "../../src/core/ports.js";
import { armIdKey } from "../../src/core/types.js";
import type { RunProgress } from "../../src/store/runProgress.js";
import { auditRequest, useOssBed } from "./harness.js";
import { drainQueue } from "./queueHost.js";

const bed = useOssBed({ clusters: 8, seed: 5, plans: (clusters) => ({ [clusters[0]!.name]: { installs: [{ software: "keda", version: "2.14.0" }] } }) });

interface Setup {
  ctx: AppContext;
  fanOut: Omit<ScanFanOut, "clusters">;
  worker: ScanWorkerDeps;
}

async function setup(env: Record<string, string> = {}): Promise<Setup> {
  const ctx = await bed.context({ OSS_SCAN_ENABLED: "true", ARG_PAGE_SIZE: "3", ...env });
  const fanOut = await ctx.openSourceFanOut();
  const store = await ctx.store();
  return { ctx, fanOut, worker: { clusters: fanOut.clusters, versions: ctx.versions(), catalog: ctx.catalog, store, progress: fanOut.progress, now: () => new Date("2026-11-24T06:20:00Z") } };
}

async function sweepWith(s: Setup, runId: string, change: { fleet?: FleetSource; fanOut?: Partial<Omit<ScanFanOut, "clusters">> } = {}) {
  const deps = { ...s.ctx.auditDeps(s.worker.store), ...(change.fleet ? { fleet: change.fleet } : {}) };
  return runAuditWithFanOut(deps, auditRequest(runId), { ...s.fanOut, ...change.fanOut });
}

async function drain(s: Setup): Promise<void> {
  const queue = new QueueClient(bed.queues.connectionString, SCAN_QUEUE);
  await queue.createIfNotExists();
  await drainQueue(queue, new QueueClient(bed.queues.connectionString, SCAN_POISON_QUEUE), async (m) => {
    await processScanMessage(m, s.worker);
  });
}

const runAt = (hour: number, suffix: string) => newRunId(new Date(Date.UTC(2026, 10, 24, hour)), suffix);

describe("a fanned-out sweep that goes wrong", () => {
  it("reports a failed sweep as failed even while its queued scans keep the run open", async () => {
    const s = await setup();
    const real = s.ctx.fleet();
    const fleet: FleetSource = {
      extensions: (scope, errors) => real.extensions(scope, errors),
      async *clusterPages(scope, errors) {
        for await (const page of real.clusterPages(scope, errors)) {
          yield page;
          throw new Error("Resource Graph went away");
        }
      },
    };
    const outcome = await sweepWith(s, runAt(1, "failsweep"), { fleet });
    expect(outcome.queued).toBeGreaterThan(0);
    expect(outcome.run.status).toBe("running");
    expect(outcome.sweepStatus).toBe("failed");
    await drain(s);
    expect((await s.worker.store.getRun(outcome.run.runId))?.status).toBe("failed");
  });

  it("fails every cluster of a batch whose registration broke off, so the run completes partial", async () => {
    const s = await setup();
    let calls = 0;
    const progress: RunProgress = Object.assign(Object.create(s.fanOut.progress) as RunProgress, {
      expect: async (runId: string, ids: readonly string[]) => {
        calls += 1;
        if (calls !== 2) return s.fanOut.progress.expect(runId, ids);
        await s.fanOut.progress.expect(runId, ids.slice(0, 1));
        throw new Error("the table is throttling");
      },
    });
    const runId = runAt(2, "expectfail");
    const outcome = await sweepWith(s, runId, { fanOut: { progress } });
    expect(calls).toBeGreaterThan(2);
    await drain(s);
    const run = await s.worker.store.getRun(runId);
    expect(run?.status).toBe("partial");
    const failed = run!.errors.filter((e) => e.message === "open-source scan failed: the scan could not be queued: the table is throttling");
    expect(failed).toHaveLength(3);
    const report = await s.worker.store.runReport(runId);
    for (const e of failed) {
      expect(report!.clusters.find((c) => armIdKey(c.id) === armIdKey(e.scope))!.errors).toEqual(["open-source scan: not scanned: scan failed: the scan could not be queued: the table is throttling"]);
    }
    expect(outcome.queued).toBe(bed.clusters.length - 3);
  });

  it("records scans that could not be queued as run errors, and completes the run when none were", async () => {
    const s = await setup();
    const runId = runAt(3, "sendfail");
    const outcome = await sweepWith(s, runId, { fanOut: { queue: { name: SCAN_QUEUE, send: async () => Promise.reject(new Error("queue unavailable")) } } });
    expect(outcome.queued).toBe(0);
    const run = await s.worker.store.getRun(runId);
    expect(run?.status).toBe("partial");
    expect(run!.errors.map((e) => e.message)).toEqual(bed.clusters.map(() => "open-source scan failed: the scan could not be queued: queue unavailable"));
    const report = await s.worker.store.runReport(runId);
    expect(report!.clusters.some((c) => c.errors.includes(`open-source scan: not scanned: ${PENDING_NOTE}`))).toBe(false);
    expect(await s.fanOut.progress.state(runId)).toBeNull();
  });

  it("does not sweep a completed run again when the sweep is retried with the same run id", async () => {
    const s = await setup();
    const runId = runAt(4, "timer");
    await sweepWith(s, runId);
    await drain(s);
    const done = await s.worker.store.getRun(runId);
    expect(done?.status).not.toBe("running");
    const again = await sweepWith(s, runId);
    expect(again.resumed).toBe(true);
    expect(again.queued).toBe(0);
    expect(await s.worker.store.getRun(runId)).toEqual(done);
    const report = await s.worker.store.runReport(runId);
    expect(report!.clusters.some((c) => c.errors.includes(`open-source scan: not scanned: ${PENDING_NOTE}`))).toBe(false);
    const keda = report!.clusters.find((c) => c.name === bed.clusters[0]!.name)!;
    expect(keda.integrations.some((i) => i.kind === "open-source" && i.name === "keda")).toBe(true);
  });

  it("names a scan the run could not keep because another run recorded the cluster after the sweep", async () => {
    const s = await setup();
    const runId = runAt(5, "raced");
    await sweepWith(s, runId);
    // Another run (no in-cluster scan) records every cluster before the workers get to them.
    await runAudit({ fleet: s.ctx.fleet(), versions: s.ctx.versions(), catalog: s.ctx.catalog, store: s.worker.store }, auditRequest(runAt(5, "other")));
    await drain(s);
    const run = await s.worker.store.getRun(runId);
    expect(run?.status).toBe("partial");
    const lost = run!.errors.filter((e) => e.message.includes("another run recorded the cluster after the sweep"));
    expect(lost.map((e) => armIdKey(e.scope)).sort()).toEqual(bed.clusters.map((c) => armIdKey(c.id)).sort());
  });
});

describe("the worker's classification", () => {
  it("matches the sweep's: upgrade-profile reasons and tags survive the queue", async () => {
    const s = await setup({ UPGRADE_PROFILES: "true" });
    const runId = runAt(6, "upgrades");
    // The same fleet classified in one process, as the sweep would without fan-out.
    const { report: direct } = await runAudit({ ...s.ctx.auditDeps(null), openSource: null }, auditRequest(runAt(6, "direct")));
    await sweepWith(s, runId);
    await drain(s);
    const stored = await s.worker.store.runReport(runId);
    expect(direct.clusters.some((c) => c.integrations.some((i) => i.reasons.some((r) => r.startsWith("Upgrade profile:"))))).toBe(true);
    for (const cluster of direct.clusters) {
      const queued = stored!.clusters.find((c) => armIdKey(c.id) === armIdKey(cluster.id))!;
      const kubernetes = (c: typeof cluster) => c.integrations.find((i) => i.kind === "kubernetes")?.reasons;
      expect(kubernetes(queued), cluster.name).toEqual(kubernetes(cluster));
      expect(queued.tags).toEqual(cluster.tags);
    }
  });
});
