import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogError, loadBundledCatalog, loadCatalog, parseCatalogOverride } from "../../src/catalog/load.js";
import { classifyCluster } from "../../src/core/classify.js";
import type { ClusterRecord } from "../../src/core/types.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "aks-audit-catalog-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function overrideFile(name: string, content: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content), "utf8");
  return file;
}

const checked = "2026-11-24";
const SRC = "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions";
const fact = (date: string, note?: string) => ({ date, source: SRC, checked, ...(note ? { note } : {}) });
const minor = (name: string, endOfSupport: unknown[], ga = "2025-11-01") => ({
  minor: name,
  source: SRC,
  checked,
  preview: [],
  ga: [fact(ga)],
  endOfSupport,
  platformSupportUntilGaOf: null,
  ltsEnd: [],
});

function fetchReturning(status: number, body: string, seen: string[] = []): typeof fetch {
  return (async (input: string | URL | Request) => {
    seen.push(String(input));
    return new Response(body, { status });
  }) as typeof fetch;
}

describe("the bundled catalog", () => {
  const catalog = loadBundledCatalog();

  it("carries a version and a checked date for reports", () => {
    expect(catalog.version).toMatch(/^\d{4}\.\d{2}\.\d{2}$/);
    expect(catalog.checkedAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("covers Kubernetes 1.25 to 1.37 and every contract add-on name", () => {
    expect(catalog.kubernetes.map((k) => k.minor)).toEqual(["1.25", "1.26", "1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37"]);
    const names = catalog.addons.map((a) => a.name);
    for (const name of ["azureKeyvaultSecretsProvider", "azurepolicy", "httpApplicationRouting", "omsagent", "ingressApplicationGateway", "aciConnectorLinux", "openServiceMesh", "ACCSGXDevicePlugin", "kubeDashboard", "gitops", "keda", "vpa", "istio", "webAppRouting", "azureMonitorMetrics"]) {
      expect(names).toContain(name);
    }
  });

  it("keeps both dates, each with its source, where documents disagree", () => {
    const eos = catalog.kubernetes.find((k) => k.minor === "1.32")!.endOfSupport;
    expect(eos.map((f) => f.date).sort()).toEqual(["2026-03-31", "2026-04-30"]);
    expect(new Set(eos.map((f) => f.source)).size).toBe(2);
    expect(catalog.kubernetes.find((k) => k.minor === "1.33")!.endOfSupport.map((f) => f.date).sort()).toEqual(["2026-05-31", "2026-06-30", "2026-07-31"]);
  });

  it("every fact names an https source and the day it was checked", () => {
    let facts = 0;
    const walk = (value: unknown, where: string): void => {
      if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${where}[${i}]`));
      if (typeof value !== "object" || value === null) return;
      const o = value as Record<string, unknown>;
      if ("source" in o || "date" in o || "checked" in o) {
        facts += 1;
        expect(o.source, where).toMatch(/^https:\/\/\S+$/);
        expect(o.checked, where).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
      for (const [k, v] of Object.entries(o)) walk(v, `${where}.${k}`);
    };
    const { version: _v, checkedAt: _c, addonVersions, ...rest } = catalog;
    walk(rest, "catalog");
    for (const row of addonVersions) walk(row.versions, `${row.component}@${row.minor}`);
    expect(facts).toBeGreaterThan(200);
  });

  it("hands out copies, so one caller cannot change another's catalog", () => {
    const a = loadBundledCatalog();
    a.kubernetes.length = 0;
    expect(loadBundledCatalog().kubernetes.length).toBe(13);
  });
});

describe("overrides", () => {
  it("a file override replaces same-id entries and adds new ones", async () => {
    const file = await overrideFile("fix.json", {
      kubernetes: [minor("1.34", [fact("2026-12-31", "extended")]), minor("1.38", [fact("2028-02-29")], "2027-02-01")],
      addons: [{ name: "brandNewAddon", displayName: "Brand new", detection: "addonProfiles", stage: "preview", versioning: "none", versionComponent: null, retirement: null, endOfSupport: null, replacement: null, lts: null, source: SRC, checked }],
    });
    const catalog = await loadCatalog({ override: file });
    const bundled = loadBundledCatalog();
    expect(catalog.kubernetes.find((k) => k.minor === "1.34")!.endOfSupport.map((f) => f.date)).toEqual(["2026-12-31"]);
    expect(catalog.kubernetes.map((k) => k.minor)).toContain("1.38");
    expect(catalog.kubernetes).toHaveLength(bundled.kubernetes.length + 1);
    expect(catalog.addons.find((a) => a.name === "brandNewAddon")?.stage).toBe("preview");
    expect(catalog.addons).toHaveLength(bundled.addons.length + 1);
    expect(catalog.version).toBe(`${bundled.version}+override`);
    expect(bundled.kubernetes.find((k) => k.minor === "1.34")!.endOfSupport[0]!.date).toBe("2026-11-30");
  });

  it("changes classification without a code change", async () => {
    const file = await overrideFile("later.json", { version: "2026.11.24-local", kubernetes: [minor("1.34", [fact("2027-01-31")])] });
    const cluster: ClusterRecord = {
      id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c",
      name: "c", subscriptionId: "s", resourceGroup: "rg", location: "westeurope", tags: {}, skuTier: "Standard", skuName: "Base",
      kubernetesVersion: "1.34.2", currentKubernetesVersion: "1.34.2", supportPlan: "KubernetesOfficial", addonProfiles: {}, agentPools: [],
      upgradeChannel: null, nodeOSUpgradeChannel: null, serviceMeshMode: null, istioRevisions: [], kedaEnabled: null, vpaEnabled: null,
      webAppRoutingEnabled: null, azureMonitorMetricsEnabled: null, workloadIdentityEnabled: null, oidcIssuerEnabled: null, provisioningState: null, powerState: null,
    };
    const options = { asOf: "2026-11-23", windowDays: 60 };
    const withBundled = classifyCluster({ cluster, extensions: [], versions: null }, loadBundledCatalog(), options);
    const overridden = await loadCatalog({ override: file });
    const withOverride = classifyCluster({ cluster, extensions: [], versions: null }, overridden, options);
    expect(withBundled.integrations[0]!.severity).toBe("warning");
    expect(withOverride.integrations[0]!.severity).toBe("ok");
    expect(overridden.version).toBe("2026.11.24-local");
  });

  it("an https override is downloaded with the given fetch", async () => {
    const seen: string[] = [];
    const body = JSON.stringify({ checkedAt: "2026-11-30", openSource: [{ id: "argo-cd", displayName: "Argo CD", helmCharts: ["argo-cd"], imagePatterns: ["quay.io/argoproj/argocd"], managedAlternative: null, latestKnown: null, endOfMaintenance: null, source: "https://github.com/argoproj/argo-cd", checked }] });
    const catalog = await loadCatalog({ override: "https://example.blob.core.windows.net/cfg/catalog.json?sv=2024&sig=SECRET", fetchImpl: fetchReturning(200, body, seen) });
    expect(seen).toHaveLength(1);
    expect(catalog.openSource.some((s) => s.id === "argo-cd")).toBe(true);
    expect(catalog.checkedAt).toBe("2026-11-30");
  });

  it("a failed download is a CatalogError that does not echo the URL's secret query", async () => {
    const attempt = loadCatalog({ override: "https://example.blob.core.windows.net/cfg/catalog.json?sig=SECRET", fetchImpl: fetchReturning(404, "nope") });
    await expect(attempt).rejects.toThrow(CatalogError);
    await expect(attempt).rejects.toThrow("catalog https://example.blob.core.windows.net/cfg/catalog.json: download failed with HTTP 404");
    await attempt.catch((e: Error) => expect(e.message).not.toContain("SECRET"));
  });

  it("plain http URLs are refused", async () => {
    await expect(loadCatalog({ override: "http://example.com/catalog.json", fetchImpl: fetchReturning(200, "{}") })).rejects.toThrow(/only https URLs/);
  });
});

describe("invalid overrides name the file, the entry and the field", () => {
  it("a bad date", async () => {
    const file = await overrideFile("bad-date.json", { kubernetes: [minor("1.31", [fact("2026-13-01")])] });
    const error = await loadCatalog({ override: file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).message).toBe(`catalog ${file} (kubernetes): entry "1.31": field "endOfSupport[0].date": expected YYYY-MM-DD, got "2026-13-01"`);
    expect((error as CatalogError).issues[0]).toMatchObject({ file: `${file} (kubernetes)`, entry: "1.31", field: "endOfSupport[0].date" });
  });

  it("a missing source, a wrong enum and a typo'd field, all reported at once", () => {
    let error: CatalogError | null = null;
    try {
      parseCatalogOverride(
        {
          addons: [{ name: "keda", displayName: "KEDA", detection: "addonProfiles", stage: "beta", versioning: "none", versionComponent: null, retirement: null, endOfSupport: null, replacement: null, lts: null, checked }],
          extensions: [{ type: "microsoft.flux", displayName: "Flux", stage: "ga", category: "standard", supportedMinors: null, knownVersions: [], followsClusterMinor: false, retirement: null, lts: null, onAksUseInstead: null, source: SRC, checked, retirment: { date: "2027-01-01" } }],
        },
        "override.json",
      );
    } catch (e) {
      error = e as CatalogError;
    }
    expect(error).toBeInstanceOf(CatalogError);
    const lines = error!.message.split("\n");
    expect(lines).toContain('catalog override.json (addons): entry "keda": field "stage": expected one of ga, preview, deprecated, retired, got "beta"');
    expect(lines).toContain('catalog override.json (addons): entry "keda": field "source": expected an https URL of the public document, got nothing');
    expect(lines.some((l) => l.startsWith('catalog override.json (extensions): entry "microsoft.flux": field "retirment": expected no such field'))).toBe(true);
  });

  it("an entry with no usable id is named by its position", () => {
    expect(() => parseCatalogOverride({ changes: [{ subject: "x" }] }, "o.json")).toThrow(/entry "#1": field "id"/);
  });

  it("unreadable files and broken JSON are CatalogErrors, and the bundled catalog stays usable", async () => {
    await expect(loadCatalog({ override: path.join(dir, "missing.json") })).rejects.toThrow(/cannot read the override file \(ENOENT\)/);
    const broken = await overrideFile("broken.json", "{ not json");
    await expect(loadCatalog({ override: broken })).rejects.toThrow(`catalog ${broken}: not valid JSON`);
    expect(loadBundledCatalog().kubernetes).toHaveLength(13);
  });

  it("no override means the bundled catalog", async () => {
    expect(await loadCatalog({})).toEqual(loadBundledCatalog());
    expect(await loadCatalog({ override: "  " })).toEqual(loadBundledCatalog());
  });
});
