/**
 * The catalog's dated facts: every one sourced and checked, the conflict rule (earliest date wins,
 * every source kept) honoured, and new facts reaching reports and digests on their dates.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadBundledCatalog } from "../../src/catalog/load.js";
import { listCatalogFacts, upcomingFacts } from "../../src/catalog/facts.js";
import { CatalogError, parseCatalogOverride } from "../../src/catalog/validate.js";
import { buildReport, classifyCluster } from "../../src/core/classify.js";
import { buildDigests } from "../../src/core/digest.js";
import type { AgentPool, ClusterRecord } from "../../src/core/types.js";

const DATA = path.resolve(import.meta.dirname, "../../src/catalog/data");
const catalog = loadBundledCatalog();
const ISO = /^\d{4}-\d{2}-\d{2}$/;

/** Every object in the raw data files that carries a date, with where it sits. */
function datedObjects(): { where: string; o: Record<string, unknown> }[] {
  const found: { where: string; o: Record<string, unknown> }[] = [];
  const walk = (value: unknown, where: string): void => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${where}[${i}]`));
    if (typeof value !== "object" || value === null) return;
    const o = value as Record<string, unknown>;
    if ((typeof o.date === "string" || typeof o.released === "string") && !where.startsWith("catalog.json")) found.push({ where, o });
    for (const [k, v] of Object.entries(o)) walk(v, `${where}.${k}`);
  };
  for (const file of readdirSync(DATA).filter((f) => f.endsWith(".json"))) walk(JSON.parse(readFileSync(path.join(DATA, file), "utf8")), file);
  return found;
}

describe("dated facts in the data files", () => {
  const dated = datedObjects();

  it("each has a public https source and a checked date", () => {
    expect(dated.length).toBeGreaterThan(100);
    const bad = dated.filter(({ o }) => typeof o.source !== "string" || !/^https:\/\/\S+$/.test(o.source) || typeof o.checked !== "string" || !ISO.test(o.checked));
    expect(bad.map((b) => b.where)).toEqual([]);
  });

  it("an estimated date always says in its note which day was used", () => {
    const bad = dated.filter(({ o }) => o.estimated === true && (typeof o.note !== "string" || o.note.length < 10));
    expect(bad.map((b) => b.where)).toEqual([]);
  });

  it("the loader refuses a dated change without a source or checked date, naming the entry and field", () => {
    const change = { id: "x-change", subject: "s", kind: "retirement", date: "2027-01-01", appliesTo: { target: "cluster-feature", name: "x" }, replacement: null };
    expect(() => parseCatalogOverride({ changes: [{ ...change, checked: "2026-12-02" }] }, "o.json")).toThrow(/entry "x-change": field "source"/);
    expect(() => parseCatalogOverride({ changes: [{ ...change, source: "https://example.com/a" }] }, "o.json")).toThrow(/entry "x-change": field "checked"/);
    expect(() => parseCatalogOverride({ changes: [{ ...change, source: "https://example.com/a", checked: "2026-12-02", estimated: true }] }, "o.json")).toThrow(CatalogError);
  });

  it("the manifest's checkedAt is the newest checked date of the facts", () => {
    const newest = dated.map(({ o }) => String(o.checked)).sort().at(-1);
    expect(catalog.checkedAt).toBe(newest);
  });

  it("holds at least 40 dated changes from 2025 on, each id once", () => {
    const recent = catalog.changes.filter((c) => c.date !== null && c.date >= "2025-01-01");
    expect(recent.length).toBeGreaterThanOrEqual(40);
    expect(new Set(catalog.changes.map((c) => c.id)).size).toBe(catalog.changes.length);
  });
});

describe("where documents disagree the earliest date is used and every source kept", () => {
  const facts = listCatalogFacts(catalog);
  const fact = (ref: string) => facts.find((f) => f.ref === ref)!;

  it.each([
    ["kubernetes.json 1.33 endOfSupport", "2026-05-31", ["2026-06-30", "2026-07-31"]],
    ["kubernetes.json 1.30 endOfSupport", "2025-07-31", ["2025-08-22"]],
    ["kubernetes.json 1.28 endOfSupport", "2024-11-30", ["2025-01-15", "2025-01-30", "2025-01-31"]],
    ["kubernetes.json 1.28 platformSupportUntilGaOf", "2025-03-01", ["2025-04-01"]],
    ["istio.json asm-1-26 endOfLife", "2026-02-28", ["2026-04-30"]],
  ])("%s: %s, with the later dates listed", (ref, date, later) => {
    const f = fact(ref);
    expect(f.date).toBe(date);
    expect(f.otherDates.map((d) => d.date)).toEqual(later);
    expect(new Set([f.source, ...f.otherDates.map((d) => d.source)]).size).toBe(later.length + 1);
  });

  it("asm-1-27's older compatibility list (without 1.35) is kept with its source", () => {
    const r = catalog.istioRevisions.find((x) => x.revision === "asm-1-27")!;
    expect(r.compatibleMinors).toContain("1.35");
    expect(r.otherCompatibility?.[0]?.compatibleMinors).not.toContain("1.35");
    expect(r.otherCompatibility?.[0]?.source).toMatch(/^https:\/\/github\.com\/MicrosoftDocs\/azure-aks-docs\/blob\/[0-9a-f]+\//);
  });

  it("calendar dates still ahead when the calendar was read are estimates", () => {
    expect(fact("kubernetes.json 1.37 endOfSupport").estimated).toBe(true);
    expect(fact("kubernetes.json 1.35 ltsEnd").estimated).toBe(true);
    expect(fact("kubernetes.json 1.29 endOfSupport").estimated).toBe(false);
  });

  it("the listing is sorted by date and --upcoming keeps only the window", () => {
    const dates = facts.map((f) => f.date);
    expect(dates).toEqual([...dates].sort());
    const window = upcomingFacts(facts, "2027-03-01", 31);
    expect(window.length).toBeGreaterThan(0);
    expect(window.every((f) => f.date >= "2027-03-01" && f.date <= "2027-04-01")).toBe(true);
    expect(window.map((f) => f.ref)).toContain("changes.json windows-2019-images");
  });
});

// ---------------------------------------------------------------- new facts reach reports and digests

const ID = "/subscriptions/1111/resourceGroups/rg-win/providers/Microsoft.ContainerService/managedClusters/aks-win";

function nodePool(name: string, osSku: string, osType = "Windows"): AgentPool {
  return { name, mode: "User", orchestratorVersion: "1.32.4", currentOrchestratorVersion: "1.32.4", nodeImageVersion: null, osType, osSku, count: 2 };
}

function clusterWith(pools: AgentPool[], extra: Partial<ClusterRecord> = {}): ClusterRecord {
  const system: AgentPool = { ...nodePool("system", "AzureLinux3", "Linux"), mode: "System" };
  return {
    id: ID, name: "aks-win", subscriptionId: "1111", resourceGroup: "rg-win", location: "northeurope", tags: {},
    skuTier: "Standard", skuName: "Base", kubernetesVersion: "1.32.4", currentKubernetesVersion: "1.32.4", supportPlan: "KubernetesOfficial",
    addonProfiles: {}, agentPools: [system, ...pools], upgradeChannel: null, nodeOSUpgradeChannel: null, serviceMeshMode: null, istioRevisions: [],
    kedaEnabled: null, vpaEnabled: null, webAppRoutingEnabled: null, azureMonitorMetricsEnabled: null, workloadIdentityEnabled: null, oidcIssuerEnabled: null,
    provisioningState: "Succeeded", powerState: "Running", ...extra,
  };
}

function auditOn(cluster: ClusterRecord, asOf: string) {
  const report = classifyCluster({ cluster, extensions: [], openSource: [], versions: null }, catalog, { asOf, windowDays: 60 });
  return buildReport({ runId: `run-${asOf}`, asOf, catalog, clusters: [report], windowDays: 60 });
}

describe("new catalog facts reach reports and digests on their dates", () => {
  it.each([
    ["windows-annual-channel", "WindowsAnnual", "2026-05-15", "2026-04-01"],
    ["windows-annual-channel-images", "WindowsAnnual", "2027-05-15", "2027-04-01"],
    ["windows-2019-images", "Windows2019", "2027-04-01", "2027-02-15"],
    ["flatcar-preview-images", "Flatcar", "2026-09-08", "2026-08-01"],
    ["ubuntu-2204-images", "Ubuntu2204", "2028-04-30", "2028-03-15"],
  ])("%s: a %s pool gets the %s deadline, inside the window on %s", (id, osSku, date, asOf) => {
    const change = catalog.changes.find((c) => c.id === id)!;
    expect(change.date).toBe(date);
    const report = auditOn(clusterWith([nodePool("pool1", osSku, osSku.startsWith("Windows") ? "Windows" : "Linux")]), asOf);
    const k8s = report.clusters[0]!.integrations.find((i) => i.kind === "kubernetes")!;
    const deadline = k8s.deadlines.find((d) => d.date === date && d.source === change.source);
    expect(deadline).toBeDefined();
    expect(deadline!.daysLeft).toBeGreaterThan(0);
    expect(deadline!.daysLeft).toBeLessThanOrEqual(60);
    expect(k8s.reasons.join("\n")).toContain(`Node pool "pool1" uses ${osSku}: ${change.subject}`);

    const [mail] = buildDigests({ report, recipients: { defaults: ["ops@example.com"], bySubscription: {}, tagName: null } });
    expect(mail!.text).toContain(`${date}, in ${deadline!.daysLeft} days`);
    expect(mail!.text).toContain(change.source);
  });

  it("a pool on another OS SKU gets none of them", () => {
    const report = auditOn(clusterWith([nodePool("pool1", "Windows2025")]), "2027-02-15");
    const k8s = report.clusters[0]!.integrations.find((i) => i.kind === "kubernetes")!;
    expect(k8s.reasons.join("\n")).not.toMatch(/Windows2019|WindowsAnnual|Flatcar/);
  });

  it("every change counted as used whose target is a node OS reaches a matching pool's report", () => {
    const facts = listCatalogFacts(catalog).filter((f) => f.used && f.appliesTo.startsWith("node-os "));
    expect(facts.length).toBeGreaterThanOrEqual(8);
    for (const f of facts) {
      const change = catalog.changes.find((c) => `changes.json ${c.id}` === f.ref)!;
      const osSku = change.appliesTo.osSkus![0]!;
      const report = auditOn(clusterWith([nodePool("p", osSku)]), "2025-01-01");
      const dates = report.clusters[0]!.integrations.flatMap((i) => i.deadlines.map((d) => d.date));
      expect(dates, change.id).toContain(f.date);
    }
  });
});
