import { describe, expect, it } from "vitest";
import { buildDigests, causesOf, digestModel, messageIdFor, renderAlertMail, renderDigest } from "../../src/core/digest.js";
import { causeAlertId, dueCauseAlerts } from "../../src/core/alerts.js";
import { routeClusters } from "../../src/core/routing.js";
import { escapeHtml, safeUrl } from "../../src/core/html.js";
import type { ClusterReport } from "../../src/core/report.js";
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

/** A cluster on 1.34 whose support ends in `days`: the minor plus the add-ons whose major/minor moves with it. */
function on134(name: string, days: number, extra: Partial<ClusterReport> = {}): ClusterReport {
  const end = deadline(ASOF, days, "end-of-support");
  const forced = deadline(ASOF, days, "forced-upgrade");
  return cluster(name, {
    kubernetesVersion: "1.34.2",
    integrations: [
      integration("kubernetes", { kind: "kubernetes", version: "1.34.2", deadlines: [end], severity: "warning", reasons: [`Community support for 1.34 ends on ${end.date}.`] }),
      integration("azurepolicy", { version: "1.10.1", deadlines: [forced], severity: "warning", reasons: [`When 1.34 leaves support on ${end.date}, the cluster must move to 1.35 and this add-on's major/minor moves with it.`] }),
      integration("omsagent", { version: "3.1.24", deadlines: [forced], severity: "warning" }),
      integration("keda", { version: "2.17.1", deadlines: [forced], severity: "warning" }),
    ],
    ...extra,
  });
}

describe("causes", () => {
  it("makes one cause of a minor's end of support, with the add-ons that move with the upgrade folded in", () => {
    const clusters = [on134("aks-b", 46), on134("aks-a", 46, { resourceGroup: "rg-a" }), on134("aks-c", 46)];
    const causes = causesOf(clusters, { asOf: ASOF, windowDays: 60 });
    expect(causes).toHaveLength(1);
    const c = causes[0]!;
    expect(c.title).toBe("Kubernetes 1.34 support ends");
    expect(c.daysLeft).toBe(46);
    expect(c.command).toBe("az aks upgrade --resource-group <resource group> --name <cluster> --kubernetes-version 1.35");
    expect(c.clusters.map((x) => x.name)).toEqual(["aks-a", "aks-b", "aks-c"]);
    expect(c.folded.map((f) => [f.name, f.versions, f.clusters])).toEqual([
      ["azurepolicy", ["1.10.1"], 3],
      ["keda", ["2.17.1"], 3],
      ["omsagent", ["3.1.24"], 3],
    ]);
    expect(c.folded[0]!.note).toContain("moves with it");
  });

  it("orders causes by days left, then by clusters affected, and keeps different events apart", () => {
    const retiring = (name: string, days: number) => cluster(name, { integrations: [integration("osm", { deadlines: [deadline(ASOF, days)], severity: "warning" })] });
    const clusters = [on134("k1", 30), on134("k2", 30), retiring("r1", 30), retiring("r2", 10), on134("k3", 30), retiring("r3", 200)];
    const causes = causesOf(clusters, { asOf: ASOF, windowDays: 60 });
    // osm on day 10 and osm on day 30 are two events (two dates); day 200 is outside the window.
    expect(causes.map((c) => [c.title, c.daysLeft, c.clusters.length])).toEqual([
      ["osm: retirement", 10, 1],
      ["Kubernetes 1.34 support ends", 30, 3],
      ["osm: retirement", 30, 1],
    ]);
  });

  it("gives each cluster its routing tag value when tag routing is on", () => {
    const causes = causesOf([on134("aks-t", 20, { tags: { Owner: "team@x.com" } })], { asOf: ASOF, windowDays: 60, routingTag: "owner" });
    expect(causes[0]!.clusters[0]).toMatchObject({ name: "aks-t", resourceGroup: "rg-aks", subscriptionId: SUB_A, routingTag: "team@x.com", version: "1.34.2" });
  });
});

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

  it("leads with act-this-week and a verdict, then the window, out of support and changes, in that order", () => {
    const route = routeClusters(everyone, current.clusters).find((r) => r.recipient === "ops@x.com")!;
    const m = digestModel(current, route, null, 60);
    expect(m.actThisWeek.map((c) => [c.subject, c.daysLeft])).toEqual([
      ["open-service-mesh", 5],
      ["http_application_routing", 12],
      ["ingress-nginx", 40],
    ]);
    expect(m.verdict).toBe("Action needed: 1 cluster out of support; 3 deadlines within 60 days, the first in 5 days (open-service-mesh: retirement, 1 cluster).");
    expect(m.outOfSupport.map((g) => [g.minor, g.clusters.map((c) => c.name)])).toEqual([["1.29", ["aks-prod-1"]]]);
    expect(m.unsupported.map((u) => u.name)).toEqual(["ingress-nginx"]);

    const mail = renderDigest(m);
    expect(mail.subject).toBe("AKS digest: open-service-mesh retires in 5 days for 1 cluster, 2 more deadlines, 1 out of support");
    const order = ["ACT THIS WEEK", "DEADLINES IN THE NEXT 60 DAYS", "OUT OF SUPPORT", "CHANGES SINCE LAST WEEK", "OPEN-SOURCE COMPONENTS"].map((h) => mail.text.indexOf(h));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(mail.html.indexOf("Act this week")).toBeLessThan(mail.html.indexOf("Deadlines in the next 60 days"));
    expect(mail.text).toContain("Source: https://learn.microsoft.com/azure/aks/supported-kubernetes-versions");
    expect(mail.html).toContain('href="https://learn.microsoft.com/azure/aks/supported-kubernetes-versions"');
  });

  it("names the top cause in the subject: the minor, the days left, the clusters and how many more deadlines follow", () => {
    const clusters = [...Array.from({ length: 61 }, (_, i) => on134(`aks-${i}`, 46)), ...fleet(ASOF, 50)];
    const [mail] = buildDigests({ report: report(ASOF, clusters), recipients: recipients({ defaults: ["ops@x.com"] }) });
    expect(mail!.subject).toBe("AKS digest: 1.34 support ends in 46 days for 61 clusters, 2 more deadlines");
    // One entry for the cause, not a row per cluster and add-on.
    expect(mail!.text.match(/Kubernetes 1\.34 support ends - /g)).toHaveLength(1);
    expect(mail!.text).toContain("Add-ons and extensions that move with this upgrade: azurepolicy 1.10.1 (61), keda 2.17.1 (61), omsagent 3.1.24 (61).");
    expect(mail!.text).toContain("and 51 more clusters");
  });

  it("groups out-of-support clusters by minor and says each reason once", () => {
    const old = (name: string) =>
      cluster(name, {
        kubernetesVersion: "1.29.9",
        integrations: [
          integration("kubernetes", {
            kind: "kubernetes",
            version: "1.29.9",
            drift: "out-of-support",
            stage: "retired",
            severity: "critical",
            deadlines: [deadline(ASOF, -40, "end-of-support"), deadline(ASOF, 20, "forced-upgrade")],
            reasons: ["Community support for 1.29 ended on 2026-10-14.", `Node pool "${name}-np" is on 1.28, whose support ended.`],
          }),
        ],
      });
    const [mail] = buildDigests({ report: report(ASOF, [old("x1"), old("x2")]), recipients: recipients({ defaults: ["ops@x.com"] }) });
    expect(mail!.text).toContain("* Kubernetes 1.29 - 2 clusters - out of support since 2026-10-14 - AKS-initiated upgrade 2026-12-13, in 20 days");
    expect(mail!.text.match(/Community support for 1\.29 ended/g)).toHaveLength(1);
    // Each reason on its own line, not one paragraph of "…; …; …" per cluster.
    expect(mail!.text).toContain("  - Community support for 1.29 ended on 2026-10-14.\n");
    // The AKS-initiated upgrade is itself a dated cause inside the window.
    expect(mail!.subject).toBe("AKS digest: AKS-initiated upgrade of 1.29 in 20 days for 2 clusters, 2 out of support");
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
    const [mail] = buildDigests({ report: current, previous, recipients: recipients({ defaults: ["ops@x.com"] }) });
    expect(mail!.text).toContain("No longer reported (1): aks-retired");
    expect(mail!.html).toContain("No longer reported (1): aks-retired");
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

  it("is self-contained HTML readable in light and dark themes: no scripts, no external images, stylesheets or fonts", () => {
    const [mail] = buildDigests({ report: current, previous, recipients: recipients({ defaults: ["ops@x.com"] }) });
    const html = mail!.html;
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).not.toMatch(/<script|<img|<link|<iframe|@import|url\(|<[^>]*\ssrc=/i);
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain("@media (prefers-color-scheme: dark)");
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThan(0);
    for (const h of hrefs) expect(safeUrl(h.replace(/&amp;/g, "&"))).not.toBeNull();
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
    expect(mail!.subject).toBe("AKS digest: 1 cluster, nothing due within 60 days");
    expect(mail!.text).toContain("Nothing needs action: 1 cluster, no deadline within 60 days and none out of support.");
    expect(mail!.text).toContain("First digest");
  });
});

describe("window-alert message", () => {
  it("alerts once per cause per threshold: 61 clusters reaching the 60-day threshold are one alert in one message", () => {
    const clusters = Array.from({ length: 61 }, (_, i) => on134(`aks-${String(i).padStart(2, "0")}`, 46));
    const alerts = dueCauseAlerts(clusters, { asOf: ASOF });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ threshold: 60, clusterCount: 61, causeKey: "kubernetes|1.34|end-of-support|2027-01-08" });
    expect(alerts[0]!.id).toBe(causeAlertId("kubernetes|1.34|end-of-support|2027-01-08", 60));
    // The same cause at the next threshold is a new alert; on another day within the same threshold it is the same.
    expect(dueCauseAlerts(clusters, { asOf: ASOF }).map((a) => a.id)).toEqual([alerts[0]!.id]);
    const later = Array.from({ length: 61 }, (_, i) => on134(`aks-${i}`, 25));
    expect(dueCauseAlerts(later, { asOf: ASOF })[0]!.threshold).toBe(30);
    const mail = renderAlertMail({ runId: "run-1", asOf: ASOF, recipient: "ops@x.com", alerts });
    expect(mail.subject).toBe("AKS: 1.34 support ends in 46 days for 61 clusters");
    expect(mail.text.match(/Kubernetes 1\.34 support ends - /g)).toHaveLength(1);
    // What is cut is counted; with no console address the mail names the CLI and the API path as text.
    expect(mail.text).toContain("and 51 more clusters: aks-audit history --run run-1 (or GET /api/audits/run-1 on the Function app)");
    expect(mail.html).toContain("and 51 more clusters: <code>aks-audit history --run run-1</code>");
    expect(mail.html).not.toMatch(/href="\//);
  });

  it("leads with the most urgent cause and counts the rest", () => {
    const c = (name: string, days: number) => cluster(name, { integrations: [integration("osm", { deadlines: [deadline(ASOF, days)] })] });
    const r = report(ASOF, [c("a", 6), c("b", 50), c("c", 55)]);
    const mail = renderAlertMail({ runId: r.runId, asOf: ASOF, recipient: "ops@x.com", alerts: dueCauseAlerts(r.clusters, { asOf: ASOF }) });
    expect(mail.subject).toBe("AKS: osm retires in 6 days for 1 cluster, 2 more deadlines");
    expect(mail.text.indexOf("WITHIN 7 DAYS")).toBeLessThan(mail.text.indexOf("WITHIN 60 DAYS"));
  });

  it("escapes an injected cluster name and drops a javascript: source", () => {
    const r = report(ASOF, [
      cluster(XSS, { integrations: [integration("osm", { deadlines: [deadline(ASOF, 10, "retirement", "javascript:alert(1)")] })] }),
    ]);
    const mail = renderAlertMail({ runId: r.runId, asOf: ASOF, recipient: "ops@x.com", alerts: dueCauseAlerts(r.clusters, { asOf: ASOF }) });
    expect(mail.html).not.toMatch(/<img|javascript:/i);
    expect(mail.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(mail.text).toContain(XSS);
    expect(mail.text).not.toContain("javascript:");
  });
});
