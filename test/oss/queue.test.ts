/**
 * The in-cluster scan fanned out over a Storage Queue (Azurite's queue service, in-process), for a
 * simulated fleet whose clusters run a mix of self-installed software behind the kube fake. The
 * sweep queues one message per selected cluster; a stand-in for the Functions host hands them to
 * the queue-triggered handlers, retries failures and moves a message to the poison queue after five
 * attempts; the run completes when the last scan is counted.
 */
import { InvocationContext } from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newRunId, runAudit } from "../../src/app/audit.js";
import type { AppContext } from "../../src/app/context.js";
import { PENDING_NOTE, processScanMessage, runAuditWithFanOut, SCAN_POISON_QUEUE, SCAN_QUEUE, type ScanWorkerDeps } from "../../src/app/scanQueue.js";
import { scanCluster, scanClusterPoison } from "../../src/functions/scanCluster.js";
import { provideAppContext } from "../../src/functions/runtime.js";
import { summarize, type AuditReport, type ClusterReport } from "../../src/core/report.js";
import { armIdKey, type ClusterRecord } from "../../src/core/types.js";
import { plantedAs, SOFTWARE, type ClusterPlan, type PlantedInstall } from "../../src/local/kubeFake.js";
import { AKS_SERVER_SCOPE } from "../../src/sources/clusterAccess.js";
import { auditRequest, useOssBed } from "./harness.js";
import { drainQueue } from "./queueHost.js";

const VERSIONS: Record<(typeof SOFTWARE)[number], string> = {
  "kube-prometheus-stack": "69.3.1",
  grafana: "11.5.2",
  istio: "1.24.3",
  linkerd: "2.14.10",
  consul: "1.20.2",
  vault: "1.18.4",
  keda: "2.16.1",
  dapr: "1.14.4",
  flux: "2.4.0",
  "cert-manager": "1.16.2",
  "ingress-nginx": "1.11.3",
  couchbase: "2.7.0",
  openfaas: "0.27.9",
  "spark-operator": "2.1.0",
  kured: "1.17.1",
  velero: "1.15.2",
};

const roles: { keda?: ClusterRecord; kedaControl?: ClusterRecord; unreachable?: ClusterRecord; failing?: ClusterRecord; stopped: ClusterRecord[] } = { stopped: [] };

/** Every piece of software once, two or three to a cluster; KEDA next to the KEDA add-on on one. */
function plans(clusters: ClusterRecord[]): Record<string, ClusterPlan> {
  const running = clusters.filter((c) => c.powerState !== "Stopped");
  roles.stopped = clusters.filter((c) => c.powerState === "Stopped");
  roles.keda = running.find((c) => c.kedaEnabled === true);
  if (!roles.keda) throw new Error("the simulated fleet has no cluster with the KEDA add-on; pick another seed");
  const others = running.filter((c) => c !== roles.keda);
  roles.kedaControl = others.find((c) => c.kedaEnabled !== true)!;
  const rest = others.filter((c) => c !== roles.kedaControl);
  roles.unreachable = rest[0]!;
  roles.failing = rest[1]!;
  const hosts = rest.slice(2);
  const out: Record<string, ClusterPlan> = {
    [roles.keda.name]: { installs: [{ software: "keda", version: VERSIONS.keda }], kedaAddon: true },
    [roles.kedaControl.name]: { installs: [{ software: "keda", version: "2.15.1" }, { software: "grafana", version: "11.3.0", namespace: "team-grafana" }] },
    [roles.unreachable.name]: { installs: [{ software: "vault", version: "1.18.4" }], unreachable: true },
    [roles.failing.name]: { installs: [{ software: "velero", version: "1.15.2" }], failWith: 500 },
  };
  const software = SOFTWARE.filter((s) => s !== "keda");
  software.forEach((s, i) => {
    const host = hosts[i % hosts.length]!;
    const install: PlantedInstall = { software: s, version: VERSIONS[s] };
    // One install pulled through a private registry mirror, as many enterprises do.
    if (s === "consul") install.mirror = "contosoacr.azurecr.io";
    (out[host.name] ??= { installs: [] }).installs.push(install);
  });
  // Some clusters run nothing of interest (AKS's own workloads and ordinary apps only).
  return out;
}

const bed = useOssBed({ clusters: 30, seed: 11, plans });
let ctx: AppContext;
let deps: ScanWorkerDeps;
let queue: QueueClient;
let poison: QueueClient;

beforeAll(async () => {
  ctx = await bed.context({ OSS_SCAN_ENABLED: "true" });
  const fanOut = await ctx.openSourceFanOut();
  deps = { clusters: fanOut.clusters, versions: ctx.versions(), catalog: ctx.catalog, store: await ctx.store(), progress: fanOut.progress, now: () => new Date("2026-11-24T06:20:00Z") };
  queue = new QueueClient(bed.queues.connectionString, SCAN_QUEUE);
  poison = new QueueClient(bed.queues.connectionString, SCAN_POISON_QUEUE);
  // The queue-triggered functions use this context, as they would the Function App's.
  provideAppContext(ctx);
});
afterAll(() => provideAppContext(null));

const invocation = (functionName: string): InvocationContext => new InvocationContext({ functionName, logHandler: () => undefined });

function openSource(cluster: ClusterReport | undefined) {
  return (cluster?.integrations ?? []).filter((i) => i.kind === "open-source");
}

function byId(report: AuditReport | null, cluster: ClusterRecord | undefined): ClusterReport | undefined {
  return report?.clusters.find((c) => armIdKey(c.id) === armIdKey(cluster!.id));
}

describe("open-source scan through the queue", () => {
  let runId: string;
  let stored: AuditReport | null;
  let redelivered: string | null = null;
  let sweepStatus: string;

  beforeAll(async () => {
    runId = newRunId(new Date("2026-11-24T06:00:00Z"), "timer");
    const fanOut = await ctx.openSourceFanOut();
    const { run, queued, complete } = await runAuditWithFanOut(
      { fleet: ctx.fleet(), versions: ctx.versions(), catalog: ctx.catalog, store: deps.store },
      auditRequest(runId),
      fanOut,
    );
    sweepStatus = run.status;
    expect(queued).toBe(bed.clusters.length);
    expect(complete).toBe(false);
    // Until the scans are in, the run is open and its clusters say so.
    expect((await deps.store.getRun(runId))?.status).toBe("running");
    const pending = await deps.store.runReport(runId);
    expect(pending?.clusters.every((c) => c.errors.includes(`open-source scan: not scanned: ${PENDING_NOTE}`))).toBe(true);

    // The worker: every message handled, the first one twice (delivered again after it was saved).
    const drained = await drainQueue(queue, poison, (m) => scanCluster(m, invocation("scanCluster")), {
      redeliver: (m, dequeueCount) => {
        const id = (m as { clusterId: string }).clusterId;
        if (redelivered === null && dequeueCount === 1 && bed.kube.planFor(id.split("/").pop()!).installs.length >= 2) redelivered = id;
        return redelivered === id && dequeueCount === 1;
      },
    });
    expect(drained.poisoned).toBe(1);
    expect(drained.failures).toBe(5);
    // Every cluster once, less the failing one, plus the redelivered copy.
    expect(drained.handled).toBe(bed.clusters.length);
    expect((await deps.store.getRun(runId))?.status).toBe("running");
    // The poison queue's handler.
    await drainQueue(poison, new QueueClient(bed.queues.connectionString, `${SCAN_POISON_QUEUE}-poison`), (m) => scanClusterPoison(m, invocation("scanClusterPoison")));
    stored = await deps.store.runReport(runId);
    if (process.env.OSS_DEBUG) console.log(JSON.stringify(stored!.clusters.flatMap((c) => openSource(c).map((i) => ({ c: c.name, ...i }))), null, 1), roles.stopped.length);
  });

  it("queues one message per cluster and completes the run when the last scan is counted", async () => {
    expect(sweepStatus).toBe("running");
    const run = await deps.store.getRun(runId);
    expect(run?.status).toBe("partial");
    expect(Date.parse(run!.endedAt!)).toBeGreaterThan(Date.parse(run!.startedAt));
    expect(stored?.clusters).toHaveLength(bed.clusters.length);
    // The summary is the sweep's plus what the scans found, and matches what is stored.
    expect(stored?.summary).toEqual(summarize(stored!.clusters, 60));
    expect(stored!.summary.bySupportTier.unsupported).toBeGreaterThanOrEqual(SOFTWARE.length);
    expect(await deps.progress.state(runId)).toBeNull();
  });

  it("finds every planted install with its version, as open-source and unsupported", () => {
    for (const cluster of bed.clusters) {
      const plan = bed.kube.planFor(cluster.name);
      if (plan.unreachable || plan.failWith || cluster.powerState === "Stopped") continue;
      const found = openSource(byId(stored, cluster));
      const expected = plan.installs.map(plantedAs);
      expect(found.map((i) => [i.name, i.version]).sort(), cluster.name).toEqual(expected.map((e) => [e.signature, e.version]).sort());
      for (const e of expected) {
        const integration = found.find((i) => i.name === e.signature)!;
        expect(integration).toMatchObject({ kind: "open-source", supportTier: "unsupported" });
        expect(integration.reasons.join(" ")).toContain(`in namespace "${e.namespace}"`);
      }
    }
    const all = stored!.clusters.flatMap(openSource).map((i) => i.name);
    for (const software of SOFTWARE) expect(all, software).toContain(plantedAs({ software, version: "1.0.0" }).signature);
  });

  it("flags a self-installed KEDA next to the KEDA add-on as a conflict, and not without it", () => {
    const keda = openSource(byId(stored, roles.keda)).find((i) => i.name === "keda")!;
    expect(keda.severity).toBe("warning");
    expect(keda.reasons[0]).toMatch(/^Conflict: the keda add-on is also enabled on this cluster\./);
    const alone = openSource(byId(stored, roles.kedaControl)).find((i) => i.name === "keda")!;
    expect(alone.version).toBe("2.15.1");
    expect(alone.reasons.join(" ")).not.toContain("Conflict");
    // The add-on's own workloads (AKS-managed, from MCR) are not a second find.
    expect(openSource(byId(stored, roles.keda))).toHaveLength(1);
  });

  it("records an unreachable cluster as not scanned on that cluster, not as a run failure", async () => {
    const cluster = byId(stored, roles.unreachable)!;
    expect(openSource(cluster)).toEqual([]);
    expect(cluster.errors).toEqual([expect.stringMatching(/^open-source scan: not scanned: unreachable: the API server 127\.0\.0\.1:\d+ cannot be reached: the connection failed \(E[A-Z]+\)$/)]);
    for (const stopped of roles.stopped) expect(byId(stored, stopped)!.errors).toEqual(["open-source scan: not scanned: unreachable: the cluster is stopped, so its API server does not answer"]);
    const run = await deps.store.getRun(runId);
    expect(run!.errors.some((e) => armIdKey(e.scope) === armIdKey(roles.unreachable!.id))).toBe(false);
  });

  it("reports a message that failed into the poison queue as a run error and on its cluster", async () => {
    const run = await deps.store.getRun(runId);
    expect(run!.errors).toEqual([
      {
        scope: roles.failing!.id,
        message: expect.stringMatching(/^open-source scan failed: gave up after repeated attempts \(message moved to aksaudit-oss-scan-poison\); last error: listing deployments failed \(500: an error on the server/),
      },
    ]);
    expect(byId(stored, roles.failing)!.errors[0]).toMatch(/^open-source scan: not scanned: scan failed: gave up after repeated attempts/);
  });

  it("handles a redelivered message without duplicating its findings", async () => {
    expect(redelivered).not.toBeNull();
    const cluster = bed.clusters.find((c) => c.id === redelivered)!;
    const found = openSource(byId(stored, cluster));
    expect(found.length).toBe(bed.kube.planFor(cluster.name).installs.length);
    expect(new Set(found.map((i) => i.name)).size).toBe(found.length);
    // One snapshot of the cluster for the run, and the run's counts include it once (see summary above).
    const history = await deps.store.clusterHistory(cluster.id, {});
    expect(history.items.filter((s) => s.runId === runId)).toHaveLength(1);
    // A late copy after the run completed changes nothing.
    const late = await processScanMessage({ v: 1, runId, asOf: "2026-11-24", windowDays: 60, clusterId: cluster.id, subscriptionId: cluster.subscriptionId, location: cluster.location, cluster, extensions: [] }, deps);
    expect(late).toEqual({ kind: "late", runId, clusterId: cluster.id });
  });

  it("authenticates to each API server with the identity's token for the AKS audience, and never lists secrets", () => {
    expect(bed.credential.scopes).toContain(AKS_SERVER_SCOPE);
    const paths = new Set(bed.kube.requests.map((r) => r.path));
    expect([...paths].sort()).toEqual(["/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "/apis/apps/v1/daemonsets", "/apis/apps/v1/deployments", "/apis/apps/v1/statefulsets"]);
    expect(bed.kube.requests.every((r) => r.method === "GET" && r.token === `token-for:${AKS_SERVER_SCOPE}`)).toBe(true);
  });

  it("gives the same finds when the same fleet is scanned in-process, as the command line does", async () => {
    const { report, run } = await runAudit(
      { fleet: ctx.fleet(), versions: ctx.versions(), catalog: ctx.catalog, store: null, openSource: ctx.openSource() },
      auditRequest(newRunId(new Date("2026-11-24T07:00:00Z"))),
    );
    const finds = (r: AuditReport | null) => r!.clusters.flatMap((c) => openSource(c).map((i) => `${c.name}|${i.name}|${i.version}|${i.severity}`)).sort();
    expect(finds(report)).toEqual(finds(stored));
    // In-process, the failing cluster is a run error at once (the queue retried it first).
    expect(run.errors.map((e) => e.scope)).toEqual([roles.failing!.id]);
  });
});
