/**
 * AKS-managed capabilities read from managed-cluster bodies in the three shapes an export comes in
 * (test/fixtures/managed-features: whole Resource Graph resources, rows projected by CLUSTER_QUERY,
 * and `az aks list -o json` with the CLI's own casing), then classified: every capability a cluster
 * turns on is listed once, as an aks-managed add-on, whatever the shape.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadBundledCatalog } from "../../src/catalog/load.js";
import { classifyCluster } from "../../src/core/classify.js";
import type { ClusterRecord } from "../../src/core/types.js";
import { parseQuery, shapeRow } from "../../src/local/simulator/kql.js";
import { readFleetFile } from "../../src/sources/fromFile.js";
import { parseClusterRow } from "../../src/sources/parse.js";
import { CLUSTER_QUERY } from "../../src/sources/resourceGraph.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/managed-features/", import.meta.url));
const SHAPES = ["graph-whole-resources.json", "graph-projected.json", "az-aks-list.json"] as const;
const catalog = loadBundledCatalog();
const asOf = "2026-12-02";

/** What the aks-all-on fixture turns on, by the report's names, with the stage the catalog gives. */
const ALL_ON: Record<string, string> = {
  advancedNetworking: "ga",
  aiToolchainOperator: "ga",
  aksAutomatic: "ga",
  appMonitoring: "ga",
  appRoutingIstio: "ga",
  azureKeyVaultKms: "ga",
  blobCSIDriver: "ga",
  ciliumDataplane: "ga",
  costAnalysis: "ga",
  defender: "ga",
  diskCSIDriver: "ga",
  fileCSIDriver: "ga",
  gatewayAPI: "ga",
  hostedSystem: "ga",
  imageCleaner: "ga",
  imageIntegrity: "preview",
  nodeProvisioning: "ga",
  oidcIssuer: "ga",
  snapshotController: "ga",
  workloadIdentity: "ga",
  // Not in the catalog: kept, never dropped.
  nodeRestriction: "unknown",
};

function byName(clusters: ClusterRecord[], name: string): ClusterRecord {
  const hit = clusters.find((c) => c.name === name);
  if (!hit) throw new Error(`no cluster ${name}`);
  return hit;
}

function classify(cluster: ClusterRecord) {
  return classifyCluster({ cluster, extensions: [], openSource: [], versions: null }, catalog, { asOf, windowDays: 60 });
}

const AKS_MANAGED_ADDONS = new Set(["omsagent", "azurepolicy", "keda", "vpa", "azureMonitorMetrics", "webAppRouting"]);

describe.each(SHAPES)("AKS-managed capabilities in %s", (file) => {
  it("a cluster with every capability on lists each one once, as an aks-managed add-on with its catalog stage", async () => {
    const { clusters } = await readFleetFile(`${FIXTURES}${file}`);
    const report = classify(byName(clusters, "aks-all-on"));
    const features = report.integrations.filter((i) => i.kind === "addon" && !AKS_MANAGED_ADDONS.has(i.name));
    expect(Object.fromEntries(features.map((i) => [i.name, i.stage]))).toEqual(ALL_ON);
    expect(features.length).toBe(Object.keys(ALL_ON).length);
    for (const i of features) {
      expect(i.supportTier).toBe("aks-managed");
      expect(i.version).toBeNull();
    }
    const unknown = features.find((i) => i.name === "nodeRestriction")!;
    expect(unknown.severity).toBe("info");
    expect(unknown.reasons.join("\n")).toMatch(/does not know the AKS-managed capability "nodeRestriction"/);
    expect(unknown.reasons.join("\n")).toContain("securityProfile.nodeRestriction.enabled = true");
  });

  it("Container insights on through both the add-on and azureMonitorProfile is listed once, saying so", async () => {
    const { clusters } = await readFleetFile(`${FIXTURES}${file}`);
    const monitoring = classify(byName(clusters, "aks-all-on")).integrations.filter((i) => /omsagent|containerInsights/i.test(i.name));
    expect(monitoring.map((i) => i.name)).toEqual(["omsagent"]);
    expect(monitoring[0]!.reasons.join("\n")).toMatch(/turned on twice.*omsagent add-on profile.*azureMonitorProfile\.containerInsights/);
  });

  it("a cluster with every capability switched off lists none of them", async () => {
    const { clusters } = await readFleetFile(`${FIXTURES}${file}`);
    const off = byName(clusters, "aks-all-off");
    expect(classify(off).integrations.map((i) => `${i.kind}:${i.name}`)).toEqual(["kubernetes:kubernetes"]);
    // Off is recorded as off (known), not as absent.
    expect(off.managedFeatures!.filter((f) => !f.enabled).map((f) => f.name.toLowerCase())).toEqual(
      expect.arrayContaining(Object.keys(ALL_ON).map((n) => n.toLowerCase())),
    );
  });

  it("an older body without the newer profiles lists only its add-ons, Container insights through omsagent", async () => {
    const { clusters } = await readFleetFile(`${FIXTURES}${file}`);
    const legacy = byName(clusters, "aks-legacy");
    expect(legacy.managedFeatures!.filter((f) => f.enabled)).toEqual([]);
    const report = classify(legacy);
    expect(report.integrations.map((i) => i.name)).toEqual(["kubernetes", "azurepolicy", "omsagent"]);
    expect(report.integrations.find((i) => i.name === "omsagent")!.reasons.join("\n")).toContain("found through the omsagent add-on profile");
  });
});

describe("the Resource Graph query carries every capability's profile", () => {
  it("a whole resource projected by CLUSTER_QUERY reads the same capabilities as the resource itself", () => {
    const whole = JSON.parse(readFileSync(`${FIXTURES}graph-whole-resources.json`, "utf8")) as { data: Record<string, unknown>[] };
    const query = parseQuery(CLUSTER_QUERY);
    for (const row of whole.data) {
      const direct = parseClusterRow(row);
      const projected = parseClusterRow(shapeRow(query, row));
      if (!direct.ok || !projected.ok) throw new Error("fixture row not parsed");
      const view = (c: ClusterRecord) => (c.managedFeatures ?? []).map((f) => `${f.name.toLowerCase()}=${f.enabled}`).sort();
      expect(view(projected.value)).toEqual(view(direct.value));
      expect(view(direct.value).length).toBeGreaterThanOrEqual(row.name === "aks-legacy" ? 0 : Object.keys(ALL_ON).length);
    }
  });
});
