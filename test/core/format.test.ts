import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, formatReport, nextDeadline } from "../../src/core/format.js";
import { summarize, type AuditReport, type ClusterReport, type Integration } from "../../src/core/report.js";

function integration(overrides: Partial<Integration>): Integration {
  return { kind: "addon", name: "keda", version: null, supportTier: "aks-managed", stage: "ga", drift: "current", deadlines: [], severity: "ok", reasons: [], ...overrides };
}

function clusterReport(name: string, integrations: Integration[], overrides: Partial<ClusterReport> = {}): ClusterReport {
  return {
    id: `/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`,
    name,
    subscriptionId: "0000",
    resourceGroup: "rg",
    location: "westeurope",
    kubernetesVersion: "1.34.2",
    supportPlan: "KubernetesOfficial",
    integrations,
    errors: [],
    ...overrides,
  };
}

function report(clusters: ClusterReport[]): AuditReport {
  return {
    schemaVersion: 1,
    runId: "20261123T060000Z-abcd1234",
    asOf: "2026-11-23",
    catalog: { version: "2026.11.24", checkedAt: "2026-11-23" },
    clusters,
    summary: summarize(clusters, 60),
    errors: [],
  };
}

const SRC = "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions";

const sample = report([
  clusterReport("aks-prod", [
    integration({
      kind: "kubernetes",
      name: "kubernetes",
      version: "1.34.2",
      drift: "minor-behind",
      severity: "warning",
      deadlines: [{ date: "2026-11-30", kind: "end-of-support", daysLeft: 7, source: SRC }],
      reasons: ["Community support for 1.34 ends on 2026-11-30 (in 7 days).", "No live version data."],
    }),
    integration({
      name: "httpApplicationRouting",
      stage: "retired",
      drift: "out-of-support",
      severity: "critical",
      deadlines: [{ date: "2025-03-03", kind: "retirement", daysLeft: -630, source: "https://learn.microsoft.com/azure/aks/app-routing-migration" }],
      reasons: ["AKS retired it, \"long ago\", on 2025-03-03."],
    }),
  ]),
  clusterReport("=HYPERLINK(\"http://evil\")", [integration({ name: "vpa" })], { resourceGroup: "+cmd|' /C calc'!A0" }),
]);

describe("json", () => {
  it("prints the contract exactly, pretty", () => {
    const text = formatReport(sample, "json");
    expect(JSON.parse(text)).toEqual(sample);
    expect(text).toContain('\n  "schemaVersion": 1,');
    expect(text.endsWith("\n")).toBe(true);
  });
});

describe("csv", () => {
  const text = formatReport(sample, "csv");
  const lines = text.split("\r\n");

  it("has the header and one row per integration, CRLF terminated", () => {
    expect(lines[0]).toBe(CSV_COLUMNS.join(","));
    expect(lines.filter((l) => l.length > 0)).toHaveLength(1 + 3);
    expect(text.endsWith("\r\n")).toBe(true);
  });

  it("quotes commas and quotes the RFC 4180 way and joins reasons", () => {
    expect(lines[2]).toContain('"AKS retired it, ""long ago"", on 2025-03-03."');
    expect(lines[1]).toContain("Community support for 1.34 ends on 2026-11-30 (in 7 days). | No live version data.");
  });

  it("shows the next deadline, or the latest passed one, with a plain negative number", () => {
    expect(lines[1]).toContain(",2026-11-30,end-of-support,7,");
    expect(lines[2]).toContain(",2025-03-03,retirement,-630,");
  });

  it("neutralises cells a spreadsheet would run as a formula", () => {
    expect(lines[3]).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(lines[3]).toContain(",'+cmd|' /C calc'!A0,");
    expect(lines[3]).not.toMatch(/,=|,\+/);
  });
});

describe("table", () => {
  const text = formatReport(sample, "table");

  it("starts with the catalog version and the counts", () => {
    expect(text).toContain("Catalog 2026.11.24 (facts checked 2026-11-23)");
    expect(text).toContain("critical 1  warning 1  info 0  ok 1");
    expect(text).toContain("aks-managed 3  aks-extension 0  unsupported 0");
    expect(text).toContain("deadlines in window 1");
  });

  it("shows the worst findings per cluster, worst first, and says when all is well", () => {
    const prod = text.slice(text.indexOf("aks-prod"));
    expect(prod.indexOf("httpApplicationRouting")).toBeLessThan(prod.indexOf("kubernetes  "));
    expect(text).toContain("2025-03-03 retirement (630d ago)");
    expect(text).toContain("2026-11-30 end-of-support (7d)");
    expect(text).toContain("all 1 integrations ok");
  });

  it("does not pass terminal control characters through", () => {
    const evil = report([clusterReport("bad\u001b[2Jname", [integration({ severity: "info", reasons: ["line\nbreak"] })])]);
    const out = formatReport(evil, "table");
    expect(out).not.toContain("\u001b");
    expect(out).toContain("bad?[2Jname");
    expect(out).toContain("line?break");
  });

  it("copes with a stored fleet that has no run header", () => {
    const partial = { clusters: sample.clusters } as AuditReport;
    expect(formatReport(partial, "table")).toContain("Clusters 2  integrations 3");
    expect(formatReport(partial, "csv").split("\r\n")[1]).toMatch(/^,,\/subscriptions/);
  });
});

describe("nextDeadline", () => {
  it("prefers the nearest deadline ahead over one already passed", () => {
    const i = integration({
      deadlines: [
        { date: "2026-01-01", kind: "retirement", daysLeft: -326, source: SRC },
        { date: "2027-03-31", kind: "forced-upgrade", daysLeft: 128, source: SRC },
        { date: "2026-11-30", kind: "end-of-support", daysLeft: 7, source: SRC },
      ],
    });
    expect(nextDeadline(i)?.date).toBe("2026-11-30");
    expect(nextDeadline(integration({}))).toBeNull();
  });
});
