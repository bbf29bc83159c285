/**
 * The aks-audit command end to end, in-process: real catalog, real classifier, the local Azurite
 * store under a temporary AKS_AUDIT_HOME, and (for demo) the fleet simulator over loopback HTTPS.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureCli, tempHome } from "../helpers/cli.js";
import type { AuditReport } from "../../src/core/report.js";

const home = tempHome("cli");
const io = captureCli();

const env = (extra: Record<string, string> = {}) => ({ AKS_AUDIT_HOME: home, ...extra });

const SUB = "3f2c1a9e-6b7d-4c1e-9a55-0d1e2f3a4b5c";
const clusterId = `/subscriptions/${SUB}/resourceGroups/rg-apps/providers/Microsoft.ContainerService/managedClusters/aks-old`;

describe("aks-audit", () => {
  it("an unknown --format exits 2 with one line naming it", async () => {
    expect(await main(["audit", "--format", "yaml"], env())).toBe(2);
    expect(io.stderr).toBe("aks-audit: --format: expected table, json or csv, got 'yaml' (see aks-audit --help)\n");
  });

  it("a malformed storage connection string exits 2 naming the setting", async () => {
    expect(await main(["audit", "--no-store"], env({ AZURE_TABLES_CONNECTION_STRING: "DefaultEndpointsProtocol=https" }))).toBe(2);
    expect(io.stderr).toMatch(/^aks-audit: setting AZURE_TABLES_CONNECTION_STRING: expected a storage connection string/);
  });

  it("a scope of both subscriptions and management groups exits 2", async () => {
    expect(await main(["audit", "--subscription", SUB, "--management-group", "platform", "--no-store"], env())).toBe(2);
    expect(io.stderr).toContain("give --subscription or --management-group, not both");
  });

  it("a malformed export exits 2 naming the file", async () => {
    const file = path.join(home, "broken.json");
    writeFileSync(file, "{ not json");
    expect(await main(["audit", "--from-file", file, "--no-store"], env())).toBe(2);
    expect(io.stderr).toContain("broken.json");
  });

  it("audits an 'az graph query' export offline and prints the report contract", async () => {
    const file = path.join(home, "graph.json");
    writeFileSync(
      file,
      JSON.stringify({
        count: 1,
        data: [
          {
            id: clusterId,
            name: "aks-old",
            type: "microsoft.containerservice/managedclusters",
            location: "westeurope",
            resourceGroup: "rg-apps",
            subscriptionId: SUB,
            tags: { owner: "team-a@example.com" },
            sku: { name: "Base", tier: "Free" },
            properties: {
              kubernetesVersion: "1.31.5",
              currentKubernetesVersion: "1.31.5",
              supportPlan: "KubernetesOfficial",
              addonProfiles: { httpApplicationRouting: { enabled: true }, omsagent: { enabled: true, config: {} } },
              agentPoolProfiles: [{ name: "system", mode: "System", orchestratorVersion: "1.31.5", currentOrchestratorVersion: "1.31.5", count: 3 }],
            },
          },
        ],
      }),
    );
    expect(await main(["audit", "--from-file", file, "--as-of", "2026-11-23", "--format", "json", "--no-store"], env())).toBe(0);
    const report = JSON.parse(io.stdout) as AuditReport;
    expect(report.schemaVersion).toBe(1);
    expect(report.asOf).toBe("2026-11-23");
    expect(report.dataSources?.versionData).toBe("catalog-only");
    const cluster = report.clusters[0]!;
    expect(cluster.id).toBe(clusterId);
    const k8s = cluster.integrations.find((i) => i.kind === "kubernetes")!;
    // 1.31 left community support on 2025-11-01: out of support on 2026-11-23 without LTS.
    expect(k8s.drift).toBe("out-of-support");
    expect(k8s.severity).toBe("critical");
    const retired = cluster.integrations.find((i) => i.name === "httpApplicationRouting")!;
    expect(retired).toMatchObject({ kind: "addon", supportTier: "aks-managed", stage: "retired", severity: "critical" });
    expect(io.stderr).toContain("not stored (--no-store)");
  });

  it("--fail-on critical exits 1 when the audit finds critical findings", async () => {
    const file = path.join(home, "graph.json");
    expect(await main(["audit", "--from-file", file, "--as-of", "2026-11-23", "--no-store", "--fail-on", "critical", "--quiet"], env())).toBe(1);
  });

  it("audit --as-of refuses a future date, and a stored run records that its date was chosen", async () => {
    const file = path.join(home, "graph.json");
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(await main(["audit", "--from-file", file, "--as-of", tomorrow, "--no-store", "--quiet"], env())).toBe(2);
    expect(io.stderr).toContain(`--as-of ${tomorrow} is after today`);
    const chosenHome = mkdtempSync(path.join(tmpdir(), "aks-audit-cli-asof-"));
    try {
      expect(await main(["audit", "--from-file", file, "--as-of", "2026-11-23", "--quiet", "--format", "json"], { AKS_AUDIT_HOME: chosenHome })).toBe(0);
      io.reset();
      expect(await main(["history", "--runs", "--format", "json"], { AKS_AUDIT_HOME: chosenHome })).toBe(0);
      expect(JSON.parse(io.stdout)).toEqual([expect.objectContaining({ asOf: "2026-11-23", asOfChosen: true, fleet: true, trigger: "cli" })]);
    } finally {
      rmSync(chosenHome, { recursive: true, force: true });
    }
  }, 30_000);

  it("demo twice leaves two runs in the local history and a digest in the outbox", async () => {
    expect(await main(["demo", "--clusters", "40", "--weeks", "1", "--as-of", "2026-11-23", "--quiet", "--format", "table"], env())).toBe(0);
    expect(io.stdout).toMatch(/clusters found\s+40/);
    expect(await main(["demo", "--clusters", "40", "--weeks", "1", "--as-of", "2026-11-24", "--quiet", "--format", "table"], env())).toBe(0);
    io.reset();
    expect(await main(["history", "--runs", "--format", "json"], env())).toBe(0);
    const runs = JSON.parse(io.stdout) as { runId: string; status: string; asOf: string; summary: { clusters: number } }[];
    expect(runs.map((r) => r.asOf)).toEqual(["2026-11-24", "2026-11-23"]);
    expect(runs.every((r) => r.status === "succeeded" && r.summary.clusters === 40)).toBe(true);
    const outbox = readdirSync(path.join(home, "outbox"));
    expect(outbox.some((f) => /digest.*\.html$/.test(f))).toBe(true);
    expect(outbox.some((f) => /\.txt$/.test(f))).toBe(true);
    io.reset();
    expect(await main(["verify", "--format", "json"], env())).toBe(0);
    expect(JSON.parse(io.stdout)).toMatchObject({ ok: true, clustersChecked: 40, snapshotsChecked: 80 });
  }, 60_000);

  it("digest --preview with no recipients renders the whole fleet's digest and alerts to outbox/preview and says which settings add recipients", async () => {
    // The demo runs above left a history in this home; no MAIL_* setting is given here.
    expect(await main(["digest", "--preview", "--as-of", "2026-11-24"], env())).toBe(0);
    const said = io.stdout + io.stderr;
    expect(said).toContain("no recipients are configured; set MAIL_TO (whole fleet), MAIL_TO_BY_SUBSCRIPTION (per subscription) or MAIL_ROUTING_TAG (per cluster tag)");
    expect(said).toMatch(/preview: 1 digest message\(s\) and [1-9]\d* alert\(s\) rendered/);
    expect(said).toContain(path.join(home, "outbox", "preview"));
    const preview = readdirSync(path.join(home, "outbox", "preview"));
    const html = preview.find((f) => /digest.*\.html$/.test(f));
    expect(html).toBeDefined();
    const body = readFileSync(path.join(home, "outbox", "preview", html!), "utf8");
    expect(body).toContain("whole fleet");
    expect(body).toContain("Act this week");
    expect(preview.some((f) => /alerts.*\.html$/.test(f))).toBe(true);
    // The plain-text part is written next to the HTML.
    expect(preview.some((f) => /\.txt$/.test(f))).toBe(true);
  }, 60_000);

  it("demo records eight weekly sweeps, labelled simulated, with the fleet changing between them", async () => {
    const demoHome = mkdtempSync(path.join(tmpdir(), "aks-audit-demo-"));
    try {
      expect(await main(["demo", "--clusters", "40", "--as-of", "2026-11-24", "--format", "table"], { AKS_AUDIT_HOME: demoHome })).toBe(0);
      expect(io.stderr).toContain("week 1/8, as of 2026-10-06 (simulated date)");
      expect(io.stderr).toContain("week 8/8, as of 2026-11-24 (simulated date)");
      expect(io.stderr).toContain("npx aks-audit serve");
      io.reset();
      expect(await main(["history", "--runs", "--format", "json"], { AKS_AUDIT_HOME: demoHome })).toBe(0);
      const runs = JSON.parse(io.stdout) as { asOf: string }[];
      expect(runs.map((r) => r.asOf)).toEqual(["2026-11-24", "2026-11-17", "2026-11-10", "2026-11-03", "2026-10-27", "2026-10-20", "2026-10-13", "2026-10-06"]);
      // Some clusters upgraded, switched an add-on or moved an extension: their versions differ across weeks.
      io.reset();
      expect(await main(["history", "--as-of", "2026-10-06", "--format", "json"], { AKS_AUDIT_HOME: demoHome })).toBe(0);
      const first = JSON.parse(io.stdout) as AuditReport;
      io.reset();
      expect(await main(["history", "--as-of", "2026-11-24", "--format", "json"], { AKS_AUDIT_HOME: demoHome })).toBe(0);
      const last = JSON.parse(io.stdout) as AuditReport;
      const shape = (r: AuditReport) => new Map(r.clusters.map((c) => [c.id, JSON.stringify([c.kubernetesVersion, c.integrations.map((i) => [i.name, i.version])])]));
      const before = shape(first);
      const changed = [...shape(last)].filter(([id, now]) => before.get(id) !== now);
      expect(changed.length).toBeGreaterThan(3);
      expect(changed.length).toBeLessThan(40);
    } finally {
      rmSync(demoHome, { recursive: true, force: true });
    }
  }, 90_000);
});

describe("catalog override", () => {
  it("an invalid override is refused with file, entry and field named, and the audit runs on the bundled catalog", async () => {
    const override = path.join(home, "bad-catalog.json");
    writeFileSync(override, JSON.stringify({ kubernetes: [{ id: "1.31", minor: "1.31", endOfSupport: [{ date: "2026-13-01" }] }] }));
    const file = path.join(home, "graph.json");
    const code = await main(["audit", "--from-file", file, "--as-of", "2026-11-23", "--format", "json", "--no-store"], env({ CATALOG_OVERRIDE: override }));
    expect(code).toBe(0);
    expect(io.stderr).toMatch(/CATALOG_OVERRIDE refused, using the bundled catalog: .*bad-catalog\.json.*"1\.31".*endOfSupport/s);
    const report = JSON.parse(io.stdout) as AuditReport;
    expect(report.catalog.version).not.toContain("override");
  });
});
