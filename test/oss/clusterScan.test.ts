/**
 * One cluster's scan through the real clients: user credentials from the Container Service API
 * (the fleet simulator), an Entra token for the AKS server application, and read-only list calls
 * against the kube fake; plus the opt-in scope (subscriptions, tag) of the in-process scanner.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { newRunId, runAudit } from "../../src/app/audit.js";
import { notSelectedReason } from "../../src/app/openSourceScan.js";
import type { ClusterRecord } from "../../src/core/types.js";
import type { ClusterPlan } from "../../src/local/kubeFake.js";
import { AKS_SERVER_SCOPE, apiServerOf, createClusterAccess } from "../../src/sources/clusterAccess.js";
import { readClusterInventory } from "../../src/sources/kubernetes.js";
import { auditRequest, useOssBed } from "./harness.js";

const named: Record<"busy" | "noEntra" | "noCrds" | "broken", ClusterRecord | undefined> = { busy: undefined, noEntra: undefined, noCrds: undefined, broken: undefined };

const bed = useOssBed({
  clusters: 8,
  seed: 5,
  plans: (clusters) => {
    const running = clusters.filter((c) => c.powerState !== "Stopped");
    [named.busy, named.noEntra, named.noCrds, named.broken] = running;
    const out: Record<string, ClusterPlan> = {
      [named.busy!.name]: {
        installs: [
          { software: "kube-prometheus-stack", version: "69.3.1" },
          { software: "cert-manager", version: "1.16.2" },
          { software: "dapr", version: "1.14.4" },
          { software: "grafana", version: "11.5.2", namespace: "grafana-a" },
          { software: "grafana", version: "11.3.0", namespace: "grafana-b" },
        ],
      },
      [named.noEntra!.name]: { installs: [{ software: "vault", version: "1.18.4" }], failWith: 401 },
      [named.noCrds!.name]: { installs: [{ software: "linkerd", version: "2.14.10" }], crdForbidden: true },
      [named.broken!.name]: { installs: [], failWith: 503 },
    };
    return out;
  },
});

let access: ReturnType<typeof createClusterAccess>;
beforeAll(() => {
  access = createClusterAccess({ credential: bed.credential, endpoint: bed.sim.endpoint, tlsCa: bed.sim.ca });
});

describe("reaching a cluster", () => {
  it("takes the API server and CA from the user kubeconfig and authenticates with the identity's own AKS token", async () => {
    const target = await access.targetFor(named.busy!);
    expect(target.server).toBe(bed.kube.serverFor(named.busy!.name));
    expect(Buffer.from(target.caData!, "base64").toString("utf8")).toBe(bed.kube.ca);
    expect(target.token).toBe(`token-for:${AKS_SERVER_SCOPE}`);
    expect(bed.sim.stats.byKind["cluster-credentials"]).toBeGreaterThanOrEqual(1);
  });

  it("reads a kubeconfig as AKS writes it (YAML, an exec plugin user) for its cluster section only", () => {
    const text = [
      "apiVersion: v1",
      "clusters:",
      "- cluster:",
      "    certificate-authority-data: Q0E=",
      "    server: https://aks-x-dns-1a2b3c4d.hcp.eastus.azmk8s.io:443",
      "  name: aks-x",
      "contexts:",
      "- context: {cluster: aks-x, user: clusterUser_rg_aks-x}",
      "  name: aks-x",
      "current-context: aks-x",
      "users:",
      "- name: clusterUser_rg_aks-x",
      "  user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: kubelogin, args: [get-token]}}",
    ].join("\n");
    expect(apiServerOf(text)).toEqual({ server: "https://aks-x-dns-1a2b3c4d.hcp.eastus.azmk8s.io:443", caData: "Q0E=" });
  });

  it("lists workloads page by page and keeps only kind, namespace, name, labels and images", async () => {
    const before = bed.kube.requests.length;
    const { inventory, notes } = await readClusterInventory(await access.targetFor(named.busy!), { pageSize: 4 });
    expect(notes).toEqual([]);
    const requests = bed.kube.requests.slice(before);
    expect(requests.filter((r) => r.path === "/apis/apps/v1/deployments").length).toBeGreaterThan(3);
    expect(requests.some((r) => r.query.includes("continue="))).toBe(true);
    const names = inventory.workloads.map((w) => `${w.kind}/${w.namespace}/${w.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain("StatefulSet/monitoring/prometheus-kps-kube-prometheus-stack-prometheus");
    expect(names).toContain("DaemonSet/kube-system/kube-proxy");
    expect(inventory.workloads.find((w) => w.name === "grafana" && w.namespace === "grafana-a")?.images).toEqual([
      "docker.io/library/busybox:1.31.1",
      "docker.io/grafana/grafana:11.5.2",
      "quay.io/kiwigrid/k8s-sidecar:1.30.0",
    ]);
    expect(inventory.crds).toContain("certificates.cert-manager.io");
  });
});

describe("scanning a cluster", () => {
  it("finds what runs there, one find per release", async () => {
    const ctx = await bed.context({ OSS_SCAN_ENABLED: "true" });
    const result = await ctx.openSource()!.clusters.scan(named.busy!);
    expect(result.kind).toBe("scanned");
    if (result.kind !== "scanned") return;
    expect(result.finds.map((f) => [f.signature, f.namespace, f.version])).toEqual([
      ["cert-manager", "cert-manager", "1.16.2"],
      ["dapr", "dapr-system", "1.14.4"],
      ["grafana", "grafana-a", "11.5.2"],
      ["grafana", "grafana-b", "11.3.0"],
      ["prometheus", "monitoring", "69.3.1"],
    ]);
  });

  it("still reads workloads when CRDs may not be listed, and says so", async () => {
    const ctx = await bed.context({ OSS_SCAN_ENABLED: "true" });
    const result = await ctx.openSource()!.clusters.scan(named.noCrds!);
    expect(result).toMatchObject({ kind: "scanned", notes: ["CRD names not read: the identity may not list customresourcedefinitions"] });
    expect(result.kind === "scanned" && result.finds.map((f) => [f.signature, f.version])).toEqual([["linkerd", "2.14.10"]]);
  });

  it("does not scan a cluster whose API server refuses Entra tokens, and a failing API server is a retryable failure", async () => {
    const ctx = await bed.context({ OSS_SCAN_ENABLED: "true" });
    const scanner = ctx.openSource()!.clusters;
    expect(await scanner.scan(named.noEntra!)).toEqual({
      kind: "not-scanned",
      reason: "not authorised: the API server refused the token when listing deployments (401: Unauthorized); is Entra ID integration on?",
    });
    expect(await scanner.scan(named.broken!)).toMatchObject({ kind: "failed", transient: true, reason: expect.stringMatching(/^listing deployments failed \(503: /) });
  });
});

describe("the scan's scope", () => {
  it("is off by default", async () => {
    const ctx = await bed.context();
    expect(ctx.openSource()).toBeNull();
  });

  it("selects by subscription and by tag, and says why a cluster was left out", () => {
    const cluster = { ...named.busy!, tags: { Team: "platform", env: "prod" } };
    expect(notSelectedReason(cluster, { subscriptions: [], tag: null })).toBeNull();
    expect(notSelectedReason(cluster, { subscriptions: [cluster.subscriptionId.toUpperCase()], tag: "team=platform" })).toBeNull();
    expect(notSelectedReason(cluster, { subscriptions: [], tag: "env" })).toBeNull();
    expect(notSelectedReason(cluster, { subscriptions: ["00000000-0000-0000-0000-000000000000"], tag: null })).toBe(
      `not selected: subscription ${cluster.subscriptionId} is not in OSS_SCAN_SUBSCRIPTIONS`,
    );
    expect(notSelectedReason(cluster, { subscriptions: [], tag: "team=web" })).toBe('not selected: no tag "team=web" (OSS_SCAN_TAG)');
    expect(notSelectedReason(cluster, { subscriptions: [], tag: "oss-scan" })).toBe('not selected: no tag "oss-scan" (OSS_SCAN_TAG)');
  });

  it("scans only the selected clusters in-process and records the rest as not scanned, without failing the run", async () => {
    const sub = named.busy!.subscriptionId;
    const ctx = await bed.context({ OSS_SCAN_ENABLED: "true", OSS_SCAN_SUBSCRIPTIONS: sub });
    const { report, run } = await runAudit(
      { fleet: ctx.fleet(), versions: ctx.versions(), catalog: ctx.catalog, store: null, openSource: ctx.openSource() },
      auditRequest(newRunId(new Date("2026-11-24T08:00:00Z"))),
    );
    const unselected = report.clusters.filter((c) => c.subscriptionId.toLowerCase() !== sub.toLowerCase());
    expect(unselected.length).toBeGreaterThan(0);
    for (const cluster of unselected) expect(cluster.errors).toEqual([`open-source scan: not scanned: not selected: subscription ${cluster.subscriptionId} is not in OSS_SCAN_SUBSCRIPTIONS`]);
    const busy = report.clusters.find((c) => c.id === named.busy!.id)!;
    expect(busy.integrations.filter((i) => i.kind === "open-source")).toHaveLength(5);
    // Not authorised and unreachable are facts about a cluster; only the failing API server is a run error.
    const brokenSelected = named.broken!.subscriptionId.toLowerCase() === sub.toLowerCase();
    expect(run.errors).toEqual(brokenSelected ? [{ scope: named.broken!.id, message: expect.stringMatching(/^open-source scan failed: listing deployments failed \(503: /) }] : []);
  });
});
