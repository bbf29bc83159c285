// The simulated fleet shows every kind of judgement the facts state (issue #14), so the demo does:
// each cluster is rendered as Azure returns it, read by the real parser and classified.
import { describe, expect, it } from "vitest";
import { loadBundledCatalog } from "../../src/catalog/load.js";
import { classifyCluster } from "../../src/core/classify.js";
import type { ClusterReport } from "../../src/core/report.js";
import { DEFAULT_REGIONS, defaultSubscriptionCount, FleetModel } from "../../src/local/simulator/fleet.js";
import { parseQuery, shapeRow } from "../../src/local/simulator/kql.js";
import { renderCluster, renderClusterGraphRow } from "../../src/local/simulator/wire.js";
import { CLUSTER_QUERY } from "../../src/sources/resourceGraph.js";
import { parseClusterRow } from "../../src/sources/parse.js";

const catalog = loadBundledCatalog();
const CLUSTERS = 200; // the demo's fleet size

function judgedFleet(asOf: string): ClusterReport[] {
  const model = new FleetModel({ seed: 42, clusters: CLUSTERS, subscriptions: defaultSubscriptionCount(CLUSTERS), regions: DEFAULT_REGIONS });
  return Array.from({ length: CLUSTERS }, (_, i) => {
    const parsed = parseClusterRow(renderCluster(model.cluster(i), model.tenantId));
    if (!parsed.ok) throw new Error(parsed.reason);
    return classifyCluster({ cluster: parsed.value, extensions: [], openSource: [], versions: null }, catalog, { asOf, windowDays: 60 });
  });
}

describe("the simulated fleet has clusters of each kind", () => {
  const fleet = judgedFleet("2026-12-02");
  const k8s = fleet.map((c) => c.integrations.find((i) => i.kind === "kubernetes")!);
  const said = (re: RegExp): number => k8s.filter((i) => i.reasons.some((r) => re.test(r))).length;

  it.each([
    ["kubenet", /networkPlugin = "kubenet"/],
    ["Azure NPM", /networkPolicy = "azure"/],
    ["Basic Load Balancer", /loadBalancerSku = "basic"/],
    ["availability-set pools", /type = "AvailabilitySet"/],
    ["pod-managed identity", /podIdentityProfile\.enabled = true/],
    ["platform support", /is in platform support \(N-3\)/],
    ["past platform support", /Platform support for .* ended|past its support/],
    ["a generic Ubuntu SKU resolved", /told by its node image AKSUbuntu-2404|osSku Ubuntu on/],
    ["a node image past 90 days", /older than the 90 days AKS supports/],
    ["a Windows pool without osSku", /no osSku on a Windows pool|Windows pool without osSku/],
  ])("%s", (_kind, re) => {
    expect(said(re)).toBeGreaterThan(0);
  });
});

describe("the same setups survive the Resource Graph projection", () => {
  it("CLUSTER_QUERY rows carry the network, pod identity and pool type fields", () => {
    const model = new FleetModel({ seed: 42, clusters: CLUSTERS, subscriptions: defaultSubscriptionCount(CLUSTERS), regions: DEFAULT_REGIONS });
    const query = parseQuery(CLUSTER_QUERY);
    const row = (i: number) => {
      const parsed = parseClusterRow(shapeRow(query, renderClusterGraphRow(model.cluster(i), model.tenantId)));
      if (!parsed.ok) throw new Error(parsed.reason);
      return parsed.value;
    };
    expect(row(4).network?.plugin).toBe("kubenet");
    expect(row(6).network?.policy).toBe("azure");
    expect(row(8).network?.loadBalancerSku).toBe("basic");
    expect(row(10).podIdentityEnabled).toBe(true);
    expect(row(12).agentPools[0]?.type).toBe("AvailabilitySet");
    expect(row(0).network?.plugin).toBe("azure");
  });
});
