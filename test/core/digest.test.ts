import { describe, expect, it } from "vitest";
import { buildDigests, digestModel, messageIdFor, percentages, renderAlertMail, renderDigest } from "../../src/core/digest.js";
import { dueAlerts } from "../../src/core/alerts.js";
import { routeClusters } from "../../src/core/routing.js";
import { escapeHtml, safeUrl } from "../../src/core/html.js";
import { SUB_A, SUB_B, XSS, cluster, deadline, fleet, integration, recipients, report } from "../notify/reportFixtures.js";

const ASOF = "2026-11-23";

function currentFleet() {
  return [
    cluster("aks-prod-1", {
      kubernetesVersion: "1.29.9",
      integrations: [
        integration("kubernetes", { kind: "kubernetes", version: "1.29.9", drift: "out-of-support", severity: "critical", reasons: ["1.29 left community support"] }),
        integration("http_application_routing", { deadlines: [deadline(ASOF, 12)], severity: "warning", stage: "deprecated", reasons: ["retires soon"] }),
      ],
    }),
    cluster("aks-prod-2", {
      integrations: [
        integration("flux", { kind: "extension", supportTier: "aks-extension", version: "1.14.0" }),
        integration("ingress-nginx", { kind: "open-source", supportTier: "unsupported", version: "1.11.2", deadlines: [deadline(ASOF, 40, "end-of-support")], severity: "warning", reasons: ["community-supported"] }),
      ],
    }),
    cluster(XSS, {
      subscriptionId: SUB_B,
      resourceGroup: `rg"><script>alert(2)</script>`,
      tags: { owner: "team@x.com" },
      integrations: [
        integration("open-service-mesh", {
          version: `1.2<script>`,
          deadlines: [deadline(ASOF, 5, "retirement", "javascript:alert(3)")],
          severity: "critical",
          reasons: [`<b onmouseover=alert(4)>bold</b>\u202Eevil`],
        }),
      ],
    }),
  ];
}

function previousFleet() {
  return [
    cluster("aks-prod-1", {
      integrations: [
        integration("kubernetes", { kind: "kubernetes", version: "1.29.9", drift: "minor-behind", severity: "warning" }),
        integration("http_application_routing", { severity: "warning" }),
      ],
    }),
    cluster("aks-prod-2", { integrations: [integration("keda", { severity: "warning", reasons: ["old"] })] }),
    cluster("aks-retired", { integrations: [integration("omsagent", { severity: "critical" })] }),
  ];
}

describe("weekly digest", () => {
  const current = report(ASOF, currentFleet(), "run-2");
  const previous = report("2026-11-16", previousFleet(), "run-1");
  const everyone = recipients({ defaults: ["ops@x.com"], bySubscription: { [SUB_A]: ["a-team@x.com"] }, tagName: "owner" });

  it("sends one digest per recipient, each with only that recipient's clusters", () => {
    const mails = buildDigests({ report: current, previous, recipients: everyone });
    expect(mails.map((m) => m.to)).toEqual([["a-team@x.com"], ["ops@x.com"], ["team@x.com"]]);
    const byTo = Object.fromEntries(mails.map((m) => [m.to[0], m]));
    expect(byTo["a-team@x.com"]!.text).toContain("aks-prod-1");
    expect(byTo["a-team@x.com"]!.text).not.toContain("open-service-mesh");
    expect(byTo["team@x.com"]!.text).toContain("open-service-mesh");
    expect(byTo["team@x.com"]!.text).not.toContain("aks-prod-1");
    expect(byTo["ops@x.com"]!.text).toContain("aks-prod-2");
    expect(byTo["ops@x.com"]!.text).toContain("open-service-mesh");
  });

  it("counts by tier and severity, lists deadlines in date order, clusters out of support and unsupported integrations", () => {
    const route = routeClusters(everyone, current.clusters).find((r) => r.recipient === "ops@x.com")!;
    const m = digestModel(current, route, null, 60);
    expect(m.summary.bySeverity).toEqual({ ok: 1, info: 0, warning: 2, critical: 2 });
    expect(m.summary.bySupportTier).toEqual({ "aks-managed": 3, "aks-extension": 1, unsupported: 1 });
    expect(m.timeline.map((e) => [e.daysLeft, e.integrationName])).toEqual([
      [5, "open-service-mesh"],
      [12, "http_application_routing"],
      [40, "ingress-nginx"],
    ]);
    expect(m.weeks).toHaveLength(9);
    expect(m.weeks.map((w) => w.deadlines).slice(0, 7)).toEqual([1, 1, 0, 0, 0, 1, 0]);
    expect(m.outOfSupport.map((c) => c.clusterName)).toEqual(["aks-prod-1"]);
    expect(m.unsupported.map((f) => f.name)).toEqual(["ingress-nginx"]);

    const mail = renderDigest(m);
    expect(mail.subject).toBe(
      "AKS digest 2026-11-23: 1 cluster out of support, 2 critical, 3 deadlines within 60 days (next: <img src=x onerror=alert(1)> open-service-mesh in 5 days)",
    );
    expect(mail.text).toContain("2026-12-05  12 days");
    expect(mail.text).toContain("source: https://learn.microsoft.com/azure/aks/supported-kubernetes-versions");
    expect(mail.html).toContain('href="https://learn.microsoft.com/azure/aks/supported-kubernetes-versions"');
  });

  it("reports new, worsened and resolved findings since the previous digest; a deleted cluster is gone, not resolved", () => {
    const route = routeClusters(everyone, current.clusters).find((r) => r.recipient === "ops@x.com")!;
    const prevRoute = routeClusters(everyone, previous.clusters).find((r) => r.recipient === "ops@x.com")!;
    const c = digestModel(current, route, { report: previous, clusters: prevRoute.clusters }).changes;
    expect(c.comparedTo).toEqual({ runId: "run-1", asOf: "2026-11-16" });
    expect(c.newFindings.map((f) => f.name)).toEqual(["open-service-mesh", "ingress-nginx"]);
    expect(c.worsened.map((f) => f.name)).toEqual(["kubernetes"]);
    expect(c.resolved.map((f) => f.name)).toEqual(["keda"]);
    expect(c.clustersGone).toEqual(["aks-retired"]);
    expect(c.clustersAdded).toEqual([XSS]);
  });

  it("escapes every piece of Azure text in the HTML part and keeps the plain-text part literal but control-free", () => {
    const [mail] = buildDigests({ report: current, previous, recipients: recipients({ defaults: ["ops@x.com"] }) });
    const { html, text } = mail!;
    expect(html).not.toMatch(/<img|<script|<b[\s>]|<[^>]*onmouseover|javascript:/i);
    expect(html).toContain(escapeHtml(XSS));
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("rg&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;");
    expect(html).toContain("&lt;b onmouseover=alert(4)&gt;bold&lt;/b&gt;evil");
    // The text part shows the name as the characters it is; no markup is interpreted there.
    expect(text).toContain(XSS);
    expect(text).not.toContain("&lt;");
    expect(text).not.toContain("\u202E");
    expect(text).not.toContain("javascript:");
  });

  it("is self-contained HTML: no scripts, no external images, stylesheets or fonts", () => {
    const [mail] = buildDigests({ report: current, previous, recipients: recipients({ defaults: ["ops@x.com"] }) });
    const html = mail!.html;
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).not.toMatch(/<script|<img|<link|<iframe|@import|url\(|<[^>]*\ssrc=/i);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThan(0);
    for (const h of hrefs) expect(safeUrl(h.replace(/&amp;/g, "&"))).not.toBeNull();
    // The severity bar: one coloured cell per non-zero severity, widths adding up to 100%.
    const widths = [...html.matchAll(/<td width="(\d+)%" title="(critical|warning|info|ok)/g)].map((m) => Number(m[1]));
    expect(widths.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it("renders the same bytes and message id for the same run and recipient", () => {
    const a = buildDigests({ report: current, previous, recipients: everyone });
    const b = buildDigests({ report: current, previous, recipients: everyone });
    expect(b).toEqual(a);
    expect(a[0]!.messageId).toBe(messageIdFor("digest", "run-2", ASOF, "a-team@x.com"));
    expect(a[0]!.messageId).toMatch(/^digest-2026-11-23-[0-9a-f]{24}$/);
    expect(messageIdFor("digest", "run-2", ASOF, "A-Team@x.com")).toBe(a[0]!.messageId);
    expect(messageIdFor("alerts", "run-2", ASOF, "a-team@x.com")).not.toBe(a[0]!.messageId);
    expect(messageIdFor("digest", "run-3", ASOF, "a-team@x.com")).not.toBe(a[0]!.messageId);
  });

  it("says so when nothing needs action", () => {
    const calm = report(ASOF, [cluster("quiet", { integrations: [integration("azure-policy")] })]);
    const [mail] = buildDigests({ report: calm, recipients: recipients({ defaults: ["ops@x.com"] }) });
    expect(mail!.subject).toBe("AKS digest 2026-11-23: 1 cluster, nothing needs action");
    expect(mail!.text).toContain("first digest");
  });

  it("splits bar widths into whole percentages that add up to 100", () => {
    expect(percentages([1, 1, 1])).toEqual([34, 33, 33]);
    expect(percentages([1000, 1, 0])).toEqual([99, 1, 0]);
    expect(percentages([0, 0])).toEqual([0, 0]);
  });
});

describe("window-alert message", () => {
  it("puts several alerts for one recipient in one message whose subject names the clusters", () => {
    const r = report(ASOF, fleet(ASOF, 45));
    const mail = renderAlertMail({ runId: r.runId, asOf: ASOF, recipient: "ops@x.com", alerts: dueAlerts(r) });
    expect(mail.to).toEqual(["ops@x.com"]);
    expect(mail.subject).toBe("3 clusters enter the 60-day window: aks-prod-1, aks-prod-2, aks-team-x");
    for (const name of ["aks-prod-1", "aks-prod-2", "aks-team-x"]) {
      expect(mail.html).toContain(name);
      expect(mail.text).toContain(name);
    }
  });

  it("leads with the most urgent threshold and mentions the rest", () => {
    const c = (name: string, days: number) => cluster(name, { integrations: [integration("osm", { deadlines: [deadline(ASOF, days)] })] });
    const r = report(ASOF, [c("a", 6), c("b", 50), c("c", 55), c("d", 58), c("e", 59)]);
    const mail = renderAlertMail({ runId: r.runId, asOf: ASOF, recipient: "ops@x.com", alerts: dueAlerts(r) });
    expect(mail.subject).toBe("1 cluster enters the 7-day window: a; also 4 in the 60-day window");
  });

  it("escapes an injected cluster name and drops a javascript: source", () => {
    const r = report(ASOF, [
      cluster(XSS, { integrations: [integration("osm", { deadlines: [deadline(ASOF, 10, "retirement", "javascript:alert(1)")] })] }),
    ]);
    const mail = renderAlertMail({ runId: r.runId, asOf: ASOF, recipient: "ops@x.com", alerts: dueAlerts(r) });
    expect(mail.html).not.toMatch(/<img|javascript:/i);
    expect(mail.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(mail.text).toContain(XSS);
    expect(mail.text).not.toContain("javascript:");
  });
});

describe("a long deadline list", () => {
  it("lists the soonest 40 deadlines and points to the stored run for the rest, so mail clients do not clip it", () => {
    const many = Array.from({ length: 45 }, (_, i) =>
      cluster(`aks-${String(i).padStart(2, "0")}`, { integrations: [integration("omsagent", { deadlines: [deadline(ASOF, 5 + i)], severity: "warning" })] }),
    );
    const [mail] = buildDigests({ report: report(ASOF, many, "run-many"), recipients: recipients({ defaults: ["ops@x.com"] }) });
    expect(mail!.html).toContain("aks-00");
    expect(mail!.html).toContain("aks-39");
    expect(mail!.html).not.toContain("aks-40<");
    expect(mail!.html).toContain("…and 5 more");
    expect(mail!.text).toContain("…and 5 more; the run's full report lists them all: aks-audit history --run run-many");
    expect(mail!.text).not.toMatch(/aks-44 /);
  });
});
