/**
 * Odd data from real tenants, through an export file (createFileFleetSource), runAudit and the
 * Table store: every cluster is classified and stored exactly as reported, ids that differ only in
 * case are one cluster, and names full of markup reach mail only escaped.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDigests } from "../../src/core/digest.js";
import type { ClusterReport } from "../../src/core/report.js";
import { armIdKey } from "../../src/core/types.js";
import { createFileFleetSource } from "../../src/sources/fromFile.js";
import { useAzurite } from "../helpers/azurite.js";
import { audit, openStore, readBack } from "./helpers/audit.js";
import { recordFigures } from "./helpers/results.js";

const azurite = useAzurite();
const SUB = "00000000-0000-0000-0000-0000000000d1";
const TYPE = "microsoft.containerservice/managedclusters";
const id = (name: string): string => `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.ContainerService/managedClusters/${name}`;
const HTML = "<script>alert(1)</script><img src=x onerror=alert(2)>";
const QUOTES = `aks "double" 'single' \`back\``;
const EMOJI = "aks-🚀-prød-😀";
const ODD_VERSIONS = ["1.29", "v1.30.2", "1.31.0-preview", "latest", ""];

/** Rows as `az graph query -o json` prints them for CLUSTER_QUERY, each with one kind of oddity. */
function exportRows(): Record<string, unknown>[] {
  const base = (name: string, extra: Record<string, unknown> = {}) => ({
    id: id(name),
    name,
    type: TYPE,
    subscriptionId: SUB,
    resourceGroup: "rg-data",
    location: "westeurope",
    tags: { owner: "team@example.com" },
    sku: { name: "Base", tier: "Standard" },
    kubernetesVersion: "1.33",
    currentKubernetesVersion: "1.33.2",
    supportPlan: "KubernetesOfficial",
    agentPoolProfiles: [{ name: "system", mode: "System", orchestratorVersion: "1.33.2", currentOrchestratorVersion: "1.33.2", osType: "Linux", osSKU: "Ubuntu", count: 3 }],
    ...extra,
  });
  const hugeTags = Object.fromEntries(Array.from({ length: 1_500 }, (_, i) => [`tag-${i}-${"k".repeat(40)}`, `${i}:${"v".repeat(200)}`]));
  return [
    // Only the id and type: everything else missing.
    { id: id("aks-bare"), type: TYPE },
    // Every field present but null.
    base("aks-nulls", {
      name: null, location: null, tags: null, sku: null, kubernetesVersion: null, currentKubernetesVersion: null, supportPlan: null,
      addonProfiles: null, agentPoolProfiles: null, autoUpgradeProfile: null, serviceMeshProfile: null, workloadAutoScalerProfile: null,
      webAppRouting: null, azureMonitorProfile: null, oidcIssuerEnabled: null, workloadIdentityEnabled: null, provisioningState: null, powerState: null,
    }),
    // Add-on keys no catalog knows, and malformed profiles.
    base("aks-addons", {
      addonProfiles: {
        futureAddon2030: { enabled: true, config: { mode: "turbo", nested: { a: 1 } } },
        azureKeyvaultSecretsProvider: { enabled: "true", config: null },
        notAnObject: 5,
        disabledThing: { enabled: false },
      },
    }),
    // Versions written every way a tenant writes them.
    ...ODD_VERSIONS.map((v, i) =>
      base(`aks-version-${i}`, { kubernetesVersion: v, currentKubernetesVersion: v, agentPoolProfiles: [{ name: "np", mode: "User", orchestratorVersion: v, currentOrchestratorVersion: v }] }),
    ),
    // The same cluster twice, its id in another case (Resource Graph and exports both do this);
    // the second copy comes last, pages later.
    base("aks-dup"),
    // A tag set far beyond one Table property (64 KiB) and one entity (1 MiB is the limit; this is ~370 KB).
    base("aks-tags", { tags: hugeTags }),
    // Names that break naive HTML, SQL/OData and terminals; ids with quotes and emoji.
    base("aks-html", { name: HTML, kubernetesVersion: "1.25.5", currentKubernetesVersion: "1.25.5" }),
    base("aks-quotes", { name: QUOTES }),
    { ...base("aks-emoji"), id: id(EMOJI), name: EMOJI },
    { ...base("aks-quote-id"), id: id("aks-o'brien\"x"), name: "aks-o'brien\"x" },
    { ...base("aks-dup"), id: id("aks-dup").toUpperCase(), name: "AKS-DUP" },
  ];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "aks-audit-data-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("Odd cluster data", () => {
  it("every odd cluster is classified, stored once and read back exactly, and a second run chains onto it", async () => {
    const rows = exportRows();
    const file = path.join(dir, "export.json");
    await writeFile(file, JSON.stringify({ count: rows.length, data: rows, skip_token: null, total_records: rows.length }), "utf8");
    const store = await openStore(azurite.connectionString, azurite.freshPrefix());
    const fleet = await createFileFleetSource(file, undefined, 4); // small pages: odd rows land in different pages

    const { run, report } = await audit({ fleet, versions: null, store }, "20261124T060000Z-data1");
    const back = await readBack(store, run.runId, rows.map((r) => String(r.id)), report.clusters);
    recordFigures({ dataLost: back.lost });
    expect(run.status).toBe("succeeded");
    expect(report.errors).toEqual([]);
    const distinct = new Set(rows.map((r) => armIdKey(String(r.id))));
    expect(distinct.size).toBe(rows.length - 1);
    expect(report.clusters).toHaveLength(distinct.size);
    expect(back.ids).toEqual([...distinct].sort());
    expect(back.snapshotsOfRun.every((n) => n === 1)).toBe(true);
    expect(back.verify.ok).toBe(true);
    expect(back.lost).toBe(0);

    const byName = new Map(report.clusters.map((c) => [c.name, c]));
    const kubernetes = (c: ClusterReport | undefined) => c?.integrations.find((i) => i.kind === "kubernetes");

    // Missing and null fields become "unknown", never a crash or a guess.
    for (const name of ["aks-bare", "aks-nulls"]) {
      const c = byName.get(name)!;
      expect(c).toMatchObject({ name, location: "", kubernetesVersion: null, supportPlan: null });
      expect(kubernetes(c)?.drift).toBe("unknown");
    }
    // Unknown add-on keys are kept, marked unknown; a disabled or malformed profile is not an add-on.
    const addons = byName.get("aks-addons")!.integrations.filter((i) => i.kind === "addon");
    expect(addons.find((i) => i.name === "futureAddon2030")).toMatchObject({ stage: "unknown" });
    expect(addons.map((i) => i.name)).not.toContain("disabledThing");
    expect(addons.map((i) => i.name)).not.toContain("notAnObject");
    // Odd versions: the readable ones are read, the rest are unknown drift.
    const drift = ODD_VERSIONS.map((_, i) => kubernetes(byName.get(`aks-version-${i}`))?.drift);
    expect(drift.slice(0, 3).every((d) => d !== "unknown")).toBe(true);
    expect(drift.slice(3)).toEqual(["unknown", "unknown"]);
    expect(kubernetes(byName.get("aks-version-2"))?.reasons).toContain('The version carries the pre-release label "preview".');
    // Case-differing duplicates: one cluster, one history.
    expect(report.clusters.filter((c) => armIdKey(c.id) === armIdKey(id("aks-dup")))).toHaveLength(1);
    expect((await store.clusterHistory(id("aks-dup").toUpperCase(), {})).items).toHaveLength(1);
    // The huge tag set survives the round trip intact.
    const tags = (await store.clusterHistory(id("aks-tags"), {})).items[0]!.cluster.tags!;
    expect(Object.keys(tags)).toHaveLength(1_500);
    expect(tags).toEqual(rows.find((r) => r.id === id("aks-tags"))!.tags);
    // Quotes, emoji and markup are stored as given and found again by their ids.
    for (const name of [HTML, QUOTES, EMOJI, "aks-o'brien\"x"]) expect(byName.has(name), name).toBe(true);
    expect((await store.clusterHistory(id(EMOJI), {})).items[0]!.cluster.name).toBe(EMOJI);
    expect((await store.clusterHistory(id("aks-o'brien\"x"), {})).items[0]!.cluster.name).toBe("aks-o'brien\"x");

    // The same export a day later: every chain grows by one link and still verifies.
    const second = await audit({ fleet, versions: null, store }, "20261125T060000Z-data2", undefined, "2026-11-25");
    const again = await readBack(store, second.run.runId, rows.map((r) => String(r.id)), second.report.clusters);
    recordFigures({ dataLost: again.lost });
    expect(again.lost).toBe(0);
    expect(again.verify).toMatchObject({ ok: true, clustersChecked: distinct.size, snapshotsChecked: 2 * distinct.size });
  });

  it("a cluster id too long to key as is (a resource group named in 80 non-ASCII letters) is stored with the rest of the fleet", async () => {
    // Azure allows Unicode letters in resource group names (up to 90); each becomes six key characters.
    const group = "本番環境アプリケーション".repeat(7).slice(0, 80);
    const longId = `/subscriptions/${SUB}/resourceGroups/${group}/providers/Microsoft.ContainerService/managedClusters/aks-long`;
    const rows = [{ id: id("aks-before"), type: TYPE }, { id: longId, type: TYPE, resourceGroup: group }, { id: id("aks-after"), type: TYPE }];
    const file = path.join(dir, "long.json");
    await writeFile(file, JSON.stringify(rows), "utf8");
    const store = await openStore(azurite.connectionString, azurite.freshPrefix());
    const { run, report } = await audit({ fleet: await createFileFleetSource(file, undefined, 1), versions: null, store }, "20261124T060000Z-long");
    const back = await readBack(store, run.runId, rows.map((r) => r.id));
    recordFigures({ dataLost: back.lost });
    expect(report.errors).toEqual([]);
    expect(run.status).toBe("succeeded");
    expect(back.ids).toEqual(rows.map((r) => armIdKey(r.id)).sort());
    expect((await store.clusterHistory(longId, {})).items.map((s) => s.cluster.resourceGroup)).toEqual([group]);
    expect((await store.clusterHistory(longId.toUpperCase(), {})).items).toHaveLength(1);
    expect(back.verify).toMatchObject({ ok: true, clustersChecked: 3 });
    expect(back.lost).toBe(0);
  });

  it("markup in a cluster name reaches the digest escaped in HTML and verbatim in text", async () => {
    const rows = exportRows().filter((r) => String(r.id).endsWith("aks-html"));
    const file = path.join(dir, "html.json");
    await writeFile(file, JSON.stringify(rows), "utf8");
    const store = await openStore(azurite.connectionString, azurite.freshPrefix());
    const { run } = await audit({ fleet: await createFileFleetSource(file), versions: null, store }, "20261124T060000Z-html");
    const stored = (await store.runReport(run.runId))!;
    expect(stored.clusters[0]!.name).toBe(HTML);
    const [mail] = buildDigests({ report: stored, recipients: { defaults: ["ops@example.com"], bySubscription: {}, tagName: null } });
    expect(mail!.html).not.toContain("<script>");
    expect(mail!.html).not.toMatch(/<img/i);
    expect(mail!.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(mail!.text).toContain(HTML);
    recordFigures({ dataLost: stored.clusters.length === 1 ? 0 : 1 });
  });
});
