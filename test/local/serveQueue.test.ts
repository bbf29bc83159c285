/**
 * `aks-audit serve` on the embedded store works what POST /api/audits queues: a wide audit is
 * answered 202, put on the local Azurite queue, taken by the in-process worker calling the app's own
 * auditWorker, and its report is then served, over real HTTP against the fleet simulator.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startServing, type ServingConsole } from "../../src/cli/serveCommand.js";
import { createAppContext } from "../../src/app/context.js";
import { ABANDONED_MESSAGE } from "../../src/app/runs.js";
import { loadConfig, type AuditorConfig } from "../../src/config.js";
import { emptySummary } from "../../src/core/report.js";
import { startFleetSimulator, type FleetSimulator } from "../../src/local/simulator/index.js";
import { SIM_AS_OF, stubCredential } from "../functions/harness.js";

let sim: FleetSimulator;
let serving: ServingConsole;
let home: string;
let config: AuditorConfig;

beforeAll(async () => {
  sim = await startFleetSimulator({ seed: 11, clusters: 6, asOf: SIM_AS_OF, quota: null, armQuota: null });
  home = await mkdtemp(path.join(tmpdir(), "aks-audit-serve-queue-"));
  config = loadConfig({ AKS_AUDIT_HOME: home, ARM_ENDPOINT: sim.endpoint, HTTP_MAX_SYNC_CLUSTERS: "1" });
  // The worker's log lines go to stderr; keep the test output readable.
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  serving = await startServing({ port: 0, host: "127.0.0.1" }, config, { credential: stubCredential, armCa: sim.ca });
}, 60_000);

afterAll(async () => {
  await serving?.stop();
  vi.restoreAllMocks();
  await sim?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

const call = (pathAndQuery: string, init: RequestInit = {}) =>
  fetch(`${serving.origin}${pathAndQuery}`, { ...init, headers: { "x-functions-key": serving.key, "content-type": "application/json", ...(init.headers ?? {}) } });

describe("aks-audit serve's queue workers", () => {
  it("a subscription audit is answered 202, worked in-process, and its report is served", async () => {
    const ids = [...sim.fleet.clusterIds()];
    const subscription = /^\/subscriptions\/([^/]+)\//i.exec(ids[0]!)![1]!;
    const inSubscription = ids.filter((id) => id.toLowerCase().startsWith(`/subscriptions/${subscription.toLowerCase()}/`));

    const accepted = await call("/api/audits", { method: "POST", body: JSON.stringify({ subscriptions: [subscription] }) });
    expect(accepted.status).toBe(202);
    const location = accepted.headers.get("location")!;
    expect(location).toMatch(/^\/api\/audits\/\d{8}T\d{6}Z-/);

    let report: { status?: string; clusters?: { id: string }[] } = {};
    await expect
      .poll(
        async () => {
          const response = await call(location);
          report = (await response.json()) as typeof report;
          return response.status;
        },
        { timeout: 45_000, interval: 250 },
      )
      .toBe(200);
    expect(report.clusters!.map((c) => c.id).sort()).toEqual([...inSubscription].sort());

    // Recorded as a finished run, listed with the others.
    const runs = (await (await call("/api/runs")).json()) as { items: { runId: string; status: string }[] };
    expect(runs.items.find((r) => location.endsWith(r.runId))?.status).toBe("succeeded");
  }, 60_000);
});

describe("a restarted serve", () => {
  it("records an HTTP audit left running by the previous serve as failed, freeing the wide-audit slot", async () => {
    await serving.stop();
    // What a serve stopped mid-queue leaves behind: a wide HTTP run begun and never worked.
    const ctx = await createAppContext(config);
    const startedAt = new Date(Date.now() - 60_000).toISOString();
    const runId = `${startedAt.slice(0, 19).replace(/[-:]/g, "")}Z-http`;
    const store = await ctx.store();
    expect(await store.claimWideRun(runId, new Date())).toBeNull();
    await store.beginRun({
      runId, trigger: "http", scope: { subscriptions: ["00000000-0000-0000-0000-000000000001"], managementGroups: [], clusterIds: [] },
      asOf: startedAt.slice(0, 10), startedAt, endedAt: null, status: "running", summary: emptySummary(), errors: [],
      catalogVersion: ctx.catalog.version, catalogCheckedAt: ctx.catalog.checkedAt, fleet: false,
    });
    await ctx.close();
    serving = await startServing({ port: 0, host: "127.0.0.1" }, config, { credential: stubCredential, armCa: sim.ca });
    const run = (await (await call(`/api/runs/${runId}`)).json()) as { status: string; errors: { message: string }[] };
    expect(run.status).toBe("failed");
    expect(run.errors.map((e) => e.message)).toContain(ABANDONED_MESSAGE);
    // The slot is free again: a new subscription audit is accepted, not 409.
    const subscription = /^\/subscriptions\/([^/]+)\//i.exec([...sim.fleet.clusterIds()][0]!)![1]!;
    expect((await call("/api/audits", { method: "POST", body: JSON.stringify({ subscriptions: [subscription] }) })).status).toBe(202);
  }, 60_000);
});

describe("the local queue trigger", () => {
  it("retries a failing message as the host does, then moves it to the poison queue", async () => {
    const { startLocalQueues } = await import("../../src/local/azuriteQueue.js");
    const { startQueueWorkers, MAX_DEQUEUE_COUNT } = await import("../../src/local/serve/index.js");
    const { QueueClient } = await import("@azure/storage-queue");
    const queues = await startLocalQueues();
    const seen: { message: unknown; dequeueCount: unknown }[] = [];
    const workers = await startQueueWorkers({
      connectionString: queues.connectionString,
      pollMs: 50,
      registrations: [
        {
          name: "flaky",
          options: {
            queueName: "flaky",
            connection: "AzureWebJobsStorage",
            handler: async (message, context) => {
              seen.push({ message, dequeueCount: context.triggerMetadata?.dequeueCount });
              throw new Error("always fails");
            },
          },
        },
      ],
    });
    try {
      await new QueueClient(queues.connectionString, "flaky").sendMessage(Buffer.from(JSON.stringify({ runId: "r1" })).toString("base64"));
      const poison = new QueueClient(queues.connectionString, "flaky-poison");
      await expect.poll(async () => (await poison.exists()) && (await poison.peekMessages()).peekedMessageItems.length, { timeout: 30_000, interval: 200 }).toBe(1);
      expect(seen.map((s) => s.dequeueCount)).toEqual(Array.from({ length: MAX_DEQUEUE_COUNT }, (_, i) => i + 1));
      expect(seen[0]!.message).toEqual({ runId: "r1" });
    } finally {
      await workers.close();
      await queues.close();
    }
  }, 40_000);
});
