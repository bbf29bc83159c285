/**
 * An invalid CATALOG_OVERRIDE never stops the auditor and never half-applies: the app context
 * refuses it with the file, the entry and the field named, keeps the bundled catalog, audits on
 * it (the stored run says which catalog), and the Functions app logs the refusal. test/catalog
 * proves the loader's messages; this proves what the running app does with them.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createAppContext } from "../../src/app/context.js";
import { loadBundledCatalog } from "../../src/catalog/load.js";
import { loadConfig } from "../../src/config.js";
import { openapi } from "../../src/functions/openapi.js";
import { provideAppContext } from "../../src/functions/runtime.js";
import { startFleetSimulator, type FleetSimulator } from "../../src/local/simulator/index.js";
import { createStaticCredential } from "../../src/sources/credential.js";
import { useAzurite } from "../helpers/azurite.js";
import { invocation, request } from "../functions/harness.js";
import { audit, lowerSorted, readBack } from "./helpers/audit.js";
import { recordFigures } from "./helpers/results.js";

const azurite = useAzurite();
const SRC = "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions";
const fact = (date: string) => ({ date, source: SRC, checked: "2026-11-24" });
const minor = (name: string, endOfSupport: unknown[]) => ({ minor: name, source: SRC, checked: "2026-11-24", preview: [], ga: [fact("2025-11-01")], endOfSupport, platformSupportUntilGaOf: null, ltsEnd: [] });

/** Invalid overrides, each with the words the refusal must contain (file, entry, field). */
const INVALID: { name: string; content: unknown; says: (file: string) => string[] }[] = [
  { name: "bad-date.json", content: { kubernetes: [minor("1.34", [fact("2026-13-01")])] }, says: (f) => [`${f} (kubernetes)`, 'entry "1.34"', 'field "endOfSupport[0].date"', "YYYY-MM-DD"] },
  { name: "no-source.json", content: { kubernetes: [{ ...minor("1.35", [fact("2027-03-31")]), source: undefined }] }, says: (f) => [`${f} (kubernetes)`, 'entry "1.35"', 'field "source"'] },
  { name: "typo.json", content: { kubernetes: [{ ...minor("1.33", [fact("2026-06-30")]), endOfSuport: [] }] }, says: (f) => [`${f} (kubernetes)`, 'entry "1.33"', 'field "endOfSuport"', "no such field"] },
  { name: "not-json.json", content: "{ kubernetes: [", says: (f) => [f, "not valid JSON"] },
  { name: "missing.json", content: null, says: (f) => [f, "cannot read the override file (ENOENT)"] },
];

let dir: string;
let sim: FleetSimulator;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "aks-audit-override-"));
  for (const o of INVALID) if (o.content !== null) await writeFile(path.join(dir, o.name), typeof o.content === "string" ? o.content : JSON.stringify(o.content), "utf8");
  sim = await startFleetSimulator({ seed: 59, clusters: 6, quota: null, armQuota: null });
});
afterAll(async () => {
  await sim?.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
  provideAppContext(null);
});

describe("Catalog override", () => {
  const bundled = loadBundledCatalog();

  for (const o of INVALID) {
    it(`${o.name}: refused naming ${o.content === null ? "the file" : "file, entry and field"}; the bundled catalog audits and is recorded`, async () => {
      const file = path.join(dir, o.name);
      const prefix = azurite.freshPrefix();
      const config = loadConfig({ CATALOG_OVERRIDE: file, TABLE_PREFIX: prefix, ARM_ENDPOINT: sim.endpoint }, "/tmp");
      const ctx = await createAppContext(config, { credential: createStaticCredential(), armCa: sim.ca, tablesConnectionString: azurite.connectionString });
      try {
        expect(ctx.warnings).toHaveLength(1);
        expect(ctx.warnings[0]).toMatch(/^CATALOG_OVERRIDE refused, using the bundled catalog: catalog /);
        for (const words of o.says(file)) expect(ctx.warnings[0]).toContain(words);
        expect(ctx.catalog).toEqual(bundled);

        const store = await ctx.store();
        const runId = "20261124T060000Z-override";
        sim.clearServed();
        const { run, report } = await audit({ ...ctx.auditDeps(store), store }, runId);
        const back = await readBack(store, runId, sim.servedClusterIds(), report.clusters);
        recordFigures({ dataLost: back.lost });
        expect(run.status).toBe("succeeded");
        expect(report.catalog).toEqual({ version: bundled.version, checkedAt: bundled.checkedAt });
        expect(back.run).toMatchObject({ catalogVersion: bundled.version, catalogCheckedAt: bundled.checkedAt });
        expect(back.ids).toEqual(lowerSorted(sim.fleet.clusterIds()));
        expect(back.lost).toBe(0);
      } finally {
        await ctx.close();
      }
    });
  }

  it("the Functions app logs the refusal on its first invocation and keeps serving", async () => {
    vi.stubEnv("CATALOG_OVERRIDE", path.join(dir, "bad-date.json"));
    vi.stubEnv("AKS_AUDIT_HOME", path.join(dir, "home"));
    provideAppContext(null);
    const logs: string[] = [];
    const response = await openapi(request("/api/openapi.json"), invocation("openapi", logs));
    expect(response.status).toBe(200);
    const warning = logs.find((l) => l.startsWith("warning: CATALOG_OVERRIDE refused"));
    expect(warning).toContain('entry "1.34": field "endOfSupport[0].date"');
  });
});
