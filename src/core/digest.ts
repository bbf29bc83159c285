/**
 * Mail content: the weekly digest and the window-alert message, as HTML with a plain-text
 * alternative. Pure: everything comes from the report(s), the routes and `asOf`; the same input
 * gives the same bytes and the same message id, which is what lets the delivery layer re-send an
 * unacknowledged message under its original id.
 *
 * The HTML is self-contained for mail clients: table layout, inline CSS, no scripts, no external
 * images or fonts. All Azure text goes through html.ts.
 */
import type { OutgoingMail } from "./ports.js";
import type { AuditReport, ClusterReport, DeadlineKind, Integration, IntegrationKind, ReportSummary, Severity, SupportTier } from "./report.js";
import { DEFAULT_WINDOW_DAYS, SEVERITIES, SEVERITY_RANK, SUPPORT_TIERS, summarize } from "./report.js";
import type { IsoDate } from "./types.js";
import { armIdKey } from "./types.js";
import { addDays } from "./dates.js";
import { routeClusters, type Recipients, type Route, type RouteReason } from "./routing.js";
import { sortAlerts, stableId, type WindowAlert } from "./alerts.js";
import { html, link, plainText, safeUrl, trusted, type SafeHtml } from "./html.js";

export type MailKind = "digest" | "alerts";

export { DEFAULT_WINDOW_DAYS };

/**
 * `<kind>-<asOf>-<hash of run, recipient, kind>`: same run + recipient + kind → same id. The date
 * in front keeps outbox files and ledger buckets in order; only letters, digits and `-`, so it is
 * safe as a Table key, a file name and a SendGrid custom arg.
 */
export function messageIdFor(kind: MailKind, runId: string, asOf: IsoDate, recipient: string): string {
  return `${kind}-${asOf}-${stableId(["mail/v1", kind, runId, recipient.trim().toLowerCase()]).slice(0, 24)}`;
}

// ------------------------------------------------------------------ the digest model

export interface DigestFinding {
  clusterId: string;
  clusterName: string;
  kind: IntegrationKind;
  name: string;
  version: string | null;
  severity: Severity;
  reasons: string[];
}

export interface TimelineEntry {
  date: IsoDate;
  daysLeft: number;
  clusterId: string;
  clusterName: string;
  resourceGroup: string;
  integrationKind: IntegrationKind;
  integrationName: string;
  version: string | null;
  deadlineKind: DeadlineKind;
  source: string;
  severity: Severity;
}

export interface WeekBucket {
  /** First day of the week, counted from asOf (week 0 starts on asOf). */
  start: IsoDate;
  end: IsoDate;
  deadlines: number;
  worst: Severity;
}

export interface OutOfSupportCluster {
  clusterId: string;
  clusterName: string;
  subscriptionId: string;
  resourceGroup: string;
  kubernetesVersion: string | null;
  supportPlan: string | null;
  reasons: string[];
}

export interface DigestChanges {
  /** The previous digest's run, or null on the first digest. */
  comparedTo: { runId: string; asOf: IsoDate } | null;
  newFindings: DigestFinding[];
  /** Findings whose severity went up. */
  worsened: DigestFinding[];
  /** Findings gone from a cluster that is still reported. */
  resolved: DigestFinding[];
  clustersAdded: string[];
  clustersGone: string[];
}

export interface DigestModel {
  runId: string;
  asOf: IsoDate;
  recipient: string;
  via: RouteReason[];
  wholeFleet: boolean;
  windowDays: number;
  catalogVersion: string;
  /** Set when the run's catalog is older than CATALOG_MAX_AGE_DAYS (see core/catalogAge.ts). */
  catalogNote: string | null;
  summary: ReportSummary;
  changes: DigestChanges;
  timeline: TimelineEntry[];
  weeks: WeekBucket[];
  outOfSupport: OutOfSupportCluster[];
  unsupported: DigestFinding[];
  /** Scope errors of a partial run and per-cluster errors, as `scope: message`. */
  runErrors: string[];
  /** The run's root (store/roots.ts), so recipients hold a copy outside the store; null when the run has none. */
  root?: string | null;
}

export interface DigestInput {
  report: AuditReport;
  /** The report the previous digest was built from; changes are relative to it. */
  previous?: AuditReport | null;
  recipients: Recipients;
  windowDays?: number;
  /** The run's root hash, shown in the footer (`aks-audit verify --root` checks a copy). */
  root?: string | null;
}

/** One digest per recipient, in recipient order. */
export function buildDigests(input: DigestInput): OutgoingMail[] {
  const routes = routeClusters(input.recipients, input.report.clusters);
  const previousRoutes = input.previous ? routeClusters(input.recipients, input.previous.clusters) : [];
  return routes.map((route) => {
    const prev = input.previous ? { report: input.previous, clusters: previousRoutes.find((r) => r.recipient === route.recipient)?.clusters ?? [] } : null;
    return renderDigest({ ...digestModel(input.report, route, prev, input.windowDays ?? DEFAULT_WINDOW_DAYS), root: input.root ?? null });
  });
}

export function digestModel(
  report: AuditReport,
  route: Route,
  previous: { report: AuditReport; clusters: readonly ClusterReport[] } | null,
  windowDays: number = DEFAULT_WINDOW_DAYS,
): DigestModel {
  const clusters = route.clusters;
  const timeline = deadlineTimeline(clusters, windowDays);
  return {
    runId: report.runId,
    asOf: report.asOf,
    recipient: route.recipient,
    via: route.via,
    wholeFleet: route.wholeFleet,
    windowDays,
    catalogVersion: report.catalog.version,
    catalogNote: report.catalog.note ?? null,
    summary: summarize(clusters, windowDays),
    changes: compareFindings(clusters, previous),
    timeline,
    weeks: weekBuckets(report.asOf, windowDays, timeline),
    outOfSupport: outOfSupport(clusters),
    unsupported: sortFindings(clusters.flatMap((c) => c.integrations.filter((i) => i.supportTier === "unsupported").map((i) => finding(c, i)))),
    runErrors: [
      ...(route.wholeFleet ? report.errors.map((e) => `${e.scope}: ${e.message}`) : []),
      ...clusters.flatMap((c) => c.errors.map((e) => `${c.name}: ${e}`)),
    ],
  };
}

function finding(cluster: ClusterReport, i: Integration): DigestFinding {
  return {
    clusterId: armIdKey(cluster.id),
    clusterName: cluster.name,
    kind: i.kind,
    name: i.name,
    version: i.version,
    severity: i.severity,
    reasons: i.reasons,
  };
}

const isFinding = (i: Integration): boolean => i.severity === "warning" || i.severity === "critical";
const findingKey = (clusterId: string, i: { kind: string; name: string }): string => `${armIdKey(clusterId)}|${i.kind}|${i.name.toLowerCase()}`;

function compareFindings(clusters: readonly ClusterReport[], previous: { report: AuditReport; clusters: readonly ClusterReport[] } | null): DigestChanges {
  if (!previous) return { comparedTo: null, newFindings: [], worsened: [], resolved: [], clustersAdded: [], clustersGone: [] };
  const prevClusters = new Map(previous.clusters.map((c) => [armIdKey(c.id), c]));
  const nowClusters = new Map(clusters.map((c) => [armIdKey(c.id), c]));
  const prevFindings = new Map<string, DigestFinding>();
  for (const c of previous.clusters) for (const i of c.integrations) if (isFinding(i)) prevFindings.set(findingKey(c.id, i), finding(c, i));
  const nowFindings = new Map<string, DigestFinding>();
  for (const c of clusters) for (const i of c.integrations) if (isFinding(i)) nowFindings.set(findingKey(c.id, i), finding(c, i));

  const newFindings: DigestFinding[] = [];
  const worsened: DigestFinding[] = [];
  for (const [key, f] of nowFindings) {
    const before = prevFindings.get(key);
    if (!before) newFindings.push(f);
    else if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[before.severity]) worsened.push(f);
  }
  // A finding only counts as resolved while its cluster is still reported; a deleted cluster is "gone".
  const resolved = [...prevFindings.entries()].filter(([key, f]) => !nowFindings.has(key) && nowClusters.has(f.clusterId)).map(([, f]) => f);
  return {
    comparedTo: { runId: previous.report.runId, asOf: previous.report.asOf },
    newFindings: sortFindings(newFindings),
    worsened: sortFindings(worsened),
    resolved: sortFindings(resolved),
    clustersAdded: clusters.filter((c) => !prevClusters.has(armIdKey(c.id))).map((c) => c.name).sort(),
    clustersGone: previous.clusters.filter((c) => !nowClusters.has(armIdKey(c.id))).map((c) => c.name).sort(),
  };
}

function sortFindings(list: DigestFinding[]): DigestFinding[] {
  return list.sort(
    (a, b) =>
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      cmp(a.clusterName.toLowerCase(), b.clusterName.toLowerCase()) ||
      cmp(a.clusterId, b.clusterId) ||
      cmp(a.kind, b.kind) ||
      cmp(a.name, b.name),
  );
}

function deadlineTimeline(clusters: readonly ClusterReport[], windowDays: number): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const c of clusters) {
    for (const i of c.integrations) {
      for (const d of i.deadlines) {
        if (d.daysLeft < 0 || d.daysLeft > windowDays) continue;
        out.push({
          date: d.date,
          daysLeft: d.daysLeft,
          clusterId: armIdKey(c.id),
          clusterName: c.name,
          resourceGroup: c.resourceGroup,
          integrationKind: i.kind,
          integrationName: i.name,
          version: i.version,
          deadlineKind: d.kind,
          source: d.source,
          severity: i.severity,
        });
      }
    }
  }
  return out.sort(
    (a, b) =>
      a.daysLeft - b.daysLeft ||
      cmp(a.clusterName.toLowerCase(), b.clusterName.toLowerCase()) ||
      cmp(a.clusterId, b.clusterId) ||
      cmp(a.integrationName, b.integrationName) ||
      cmp(a.deadlineKind, b.deadlineKind),
  );
}

function weekBuckets(asOf: IsoDate, windowDays: number, timeline: readonly TimelineEntry[]): WeekBucket[] {
  const weeks = Math.max(1, Math.ceil((windowDays + 1) / 7));
  const buckets: WeekBucket[] = [];
  for (let w = 0; w < weeks; w++) {
    buckets.push({ start: addDays(asOf, w * 7), end: addDays(asOf, Math.min(w * 7 + 6, windowDays)), deadlines: 0, worst: "ok" });
  }
  for (const e of timeline) {
    const b = buckets[Math.min(Math.floor(e.daysLeft / 7), buckets.length - 1)];
    if (!b) continue;
    b.deadlines += 1;
    if (SEVERITY_RANK[e.severity] > SEVERITY_RANK[b.worst]) b.worst = e.severity;
  }
  return buckets;
}

function outOfSupport(clusters: readonly ClusterReport[]): OutOfSupportCluster[] {
  const out: OutOfSupportCluster[] = [];
  for (const c of clusters) {
    const k8s = c.integrations.filter((i) => i.kind === "kubernetes");
    const bad = k8s.filter(
      (i) => i.drift === "out-of-support" || i.stage === "retired" || i.deadlines.some((d) => d.kind === "end-of-support" && d.daysLeft < 0),
    );
    if (bad.length === 0) continue;
    out.push({
      clusterId: armIdKey(c.id),
      clusterName: c.name,
      subscriptionId: c.subscriptionId,
      resourceGroup: c.resourceGroup,
      kubernetesVersion: c.kubernetesVersion ?? bad[0]?.version ?? null,
      supportPlan: c.supportPlan,
      reasons: bad.flatMap((i) => i.reasons),
    });
  }
  return out.sort((a, b) => cmp(a.clusterName.toLowerCase(), b.clusterName.toLowerCase()) || cmp(a.clusterId, b.clusterId));
}

// ------------------------------------------------------------------ words

const KIND_LABEL: Record<IntegrationKind, string> = {
  kubernetes: "Kubernetes",
  addon: "add-on",
  extension: "extension",
  "open-source": "open-source",
};
const DEADLINE_LABEL: Record<DeadlineKind, string> = {
  "end-of-support": "end of support",
  retirement: "retirement",
  "breaking-change": "breaking change",
  "forced-upgrade": "forced upgrade",
};
const TIER_LABEL: Record<SupportTier, string> = {
  "aks-managed": "AKS-managed",
  "aks-extension": "AKS extension",
  unsupported: "unsupported (open-source)",
};
const SEVERITY_COLOR: Record<Severity, string> = { critical: "#b91c1c", warning: "#d97706", info: "#2563eb", ok: "#15803d" };

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function daysLeftText(n: number): string {
  return n === 0 ? "today" : n === 1 ? "1 day" : `${n} days`;
}

function integrationLabel(name: string, version: string | null): string {
  return version ? `${name} ${version}` : name;
}

/** "a, b, c" or "a, b, c and 4 more": names for a subject line. */
function nameList(names: readonly string[], max = 3): string {
  const unique = [...new Set(names)];
  const shown = unique.slice(0, max).map(plainText).join(", ");
  return unique.length > max ? `${shown} and ${unique.length - max} more` : shown;
}

function subjectLine(text: string): string {
  const clean = plainText(text).replace(/\s+/g, " ").trim();
  return clean.length > 200 ? `${clean.slice(0, 197)}...` : clean;
}

// ------------------------------------------------------------------ digest rendering

/**
 * Mail clients clip long messages (Gmail at about 100 KB), so the digest lists the soonest
 * deadlines and points to the stored run for the rest.
 */
export const MAX_TIMELINE_ROWS = 40;

function moreDeadlinesHtml(m: DigestModel): SafeHtml | string {
  const more = m.timeline.length - MAX_TIMELINE_ROWS;
  if (more <= 0) return "";
  return html`<p style="margin:8px 0 0;color:#4b5563;">…and ${more} more. The run's full report lists them all: <code>aks-audit history --run ${m.runId}</code>.</p>`;
}

export function digestSubject(m: DigestModel): string {
  const parts: string[] = [];
  if (m.outOfSupport.length > 0) parts.push(`${plural(m.outOfSupport.length, "cluster")} out of support`);
  if (m.summary.bySeverity.critical > 0) parts.push(`${m.summary.bySeverity.critical} critical`);
  if (m.timeline.length > 0) {
    const next = m.timeline[0]!;
    parts.push(`${plural(m.timeline.length, "deadline")} within ${m.windowDays} days (next: ${next.clusterName} ${next.integrationName} in ${daysLeftText(next.daysLeft)})`);
  }
  if (m.changes.newFindings.length > 0) parts.push(`${plural(m.changes.newFindings.length, "new finding")}`);
  if (m.changes.resolved.length > 0) parts.push(`${m.changes.resolved.length} resolved`);
  const scope = m.wholeFleet ? "" : " for your clusters";
  if (parts.length === 0) parts.push(`${plural(m.summary.clusters, "cluster")}, nothing needs action`);
  return subjectLine(`AKS digest ${m.asOf}${scope}: ${parts.join(", ")}`);
}

export function renderDigest(m: DigestModel): OutgoingMail {
  const subject = digestSubject(m);
  return {
    messageId: messageIdFor("digest", m.runId, m.asOf, m.recipient),
    to: [m.recipient],
    subject,
    html: digestHtml(m, subject),
    text: digestText(m),
  };
}

function digestHtml(m: DigestModel, subject: string): string {
  const s = m.summary;
  const sections: SafeHtml[] = [];
  sections.push(html`
<h1 style="margin:0 0 4px 0;font-size:20px;">AKS integrations: weekly digest</h1>
<p style="margin:0 0 16px 0;color:#4b5563;">As of ${m.asOf} &middot; ${m.wholeFleet ? "whole fleet" : `your ${plural(s.clusters, "cluster")}`} &middot; alert window ${m.windowDays} days</p>
${m.catalogNote ? html`<p style="margin:0 0 16px 0;padding:8px 12px;background:#fef3c7;border-left:4px solid #d97706;">${m.catalogNote}</p>` : html``}
${statCards([
  ["Clusters", s.clusters],
  ["Integrations", s.integrations],
  ["In the window", s.inWindow],
  ["Out of support", m.outOfSupport.length],
])}`);

  sections.push(html`
${heading("Severity mix")}
${stackedBar(SEVERITIES.slice().reverse().map((sev) => ({ label: sev, count: s.bySeverity[sev], color: SEVERITY_COLOR[sev] })))}
${legend(SEVERITIES.slice().reverse().map((sev) => ({ label: sev, count: s.bySeverity[sev], color: SEVERITY_COLOR[sev] })))}
<table role="presentation" cellpadding="0" cellspacing="0" style="margin-top:8px;border-collapse:collapse;font-size:13px;">
${SUPPORT_TIERS.map((t) => html`<tr><td style="padding:2px 12px 2px 0;color:#4b5563;">${TIER_LABEL[t]}</td><td style="padding:2px 0;text-align:right;font-weight:600;">${s.bySupportTier[t]}</td></tr>`)}
</table>`);

  sections.push(html`
${heading(`Deadlines per week, next ${m.windowDays} days`)}
${weekBars(m.weeks)}`);

  sections.push(html`
${heading(`Deadlines in the next ${m.windowDays} days`)}
${
  m.timeline.length === 0
    ? html`<p style="margin:0;color:#4b5563;">No deadline falls inside the window.</p>`
    : dataTable(
        ["Date", "Days left", "Cluster", "Integration", "Kind", "Source"],
        m.timeline.slice(0, MAX_TIMELINE_ROWS).map((e) => [
          html`<span style="white-space:nowrap;">${e.date}</span>`,
          html`<span style="color:${SEVERITY_COLOR[e.severity]};font-weight:600;white-space:nowrap;">${daysLeftText(e.daysLeft)}</span>`,
          html`${e.clusterName}<br><span style="color:#6b7280;font-size:12px;">${e.resourceGroup}</span>`,
          html`${integrationLabel(e.integrationName, e.version)} <span style="color:#6b7280;">(${KIND_LABEL[e.integrationKind]})</span>`,
          html`${DEADLINE_LABEL[e.deadlineKind]}`,
          sourceLink(e.source),
        ]),
      )
}${moreDeadlinesHtml(m)}`);

  sections.push(changesHtml(m.changes));

  sections.push(html`
${heading("Clusters out of support")}
${
  m.outOfSupport.length === 0
    ? html`<p style="margin:0;color:#4b5563;">None.</p>`
    : dataTable(
        ["Cluster", "Resource group", "Version", "Plan", "Why"],
        m.outOfSupport.map((c) => [html`${c.clusterName}`, html`${c.resourceGroup}`, html`${c.kubernetesVersion ?? "unknown"}`, html`${c.supportPlan ?? ""}`, html`${c.reasons.join("; ")}`]),
      )
}`);

  sections.push(html`
${heading("Unsupported (open-source) integrations")}
${
  m.unsupported.length === 0
    ? html`<p style="margin:0;color:#4b5563;">None found.</p>`
    : dataTable(
        ["Cluster", "Integration", "Severity", "Notes"],
        m.unsupported.map((f) => [html`${f.clusterName}`, html`${integrationLabel(f.name, f.version)}`, severityBadge(f.severity), html`${f.reasons.join("; ")}`]),
      )
}`);

  if (m.runErrors.length > 0) {
    sections.push(html`
${heading("Not checked")}
<p style="margin:0 0 6px 0;color:#4b5563;">Parts of this run could not be read; the figures above leave them out.</p>
<ul style="margin:0;padding-left:20px;">${m.runErrors.map((e) => html`<li>${e}</li>`)}</ul>`);
  }

  return page(subject, preheader(m), sections, footer(m.recipient, m.via, m.runId, m.catalogVersion, m.root ?? null));
}

function preheader(m: DigestModel): string {
  return `${m.summary.inWindow} integrations with a deadline in ${m.windowDays} days; ${m.summary.bySeverity.critical} critical, ${m.summary.bySeverity.warning} warnings.`;
}

function changesHtml(c: DigestChanges): SafeHtml {
  if (!c.comparedTo) {
    return html`${heading("Changes")}<p style="margin:0;color:#4b5563;">First digest: nothing to compare with yet.</p>`;
  }
  const list = (title: string, items: DigestFinding[], color: string) =>
    items.length === 0
      ? html``
      : html`<p style="margin:8px 0 4px 0;font-weight:600;color:${color};">${title} (${items.length})</p>
<ul style="margin:0;padding-left:20px;">${items.map((f) => html`<li><strong>${f.clusterName}</strong>: ${integrationLabel(f.name, f.version)} (${KIND_LABEL[f.kind]}, ${f.severity})${f.reasons.length ? html` &mdash; ${f.reasons.join("; ")}` : html``}</li>`)}</ul>`;
  const names = (title: string, items: string[]) => (items.length === 0 ? html`` : html`<p style="margin:8px 0 0 0;">${title}: ${items.join(", ")}</p>`);
  const nothing = c.newFindings.length + c.worsened.length + c.resolved.length + c.clustersAdded.length + c.clustersGone.length === 0;
  return html`${heading(`Changes since ${c.comparedTo.asOf}`)}
${nothing ? html`<p style="margin:0;color:#4b5563;">No change in findings.</p>` : html``}
${list("New findings", c.newFindings, SEVERITY_COLOR.critical)}
${list("Got worse", c.worsened, SEVERITY_COLOR.warning)}
${list("Resolved", c.resolved, SEVERITY_COLOR.ok)}
${names("New clusters", c.clustersAdded)}
${names("No longer reported", c.clustersGone)}`;
}

function digestText(m: DigestModel): string {
  const s = m.summary;
  const lines: string[] = [];
  lines.push(`AKS integrations: weekly digest, as of ${m.asOf}`);
  lines.push(`${m.wholeFleet ? "Whole fleet" : `Your ${plural(s.clusters, "cluster")}`}; alert window ${m.windowDays} days.`);
  if (m.catalogNote) lines.push(`NOTE: ${m.catalogNote}`);
  lines.push("");
  lines.push(`Clusters: ${s.clusters}   Integrations: ${s.integrations}   In the window: ${s.inWindow}   Out of support: ${m.outOfSupport.length}`);
  lines.push("");
  lines.push("SEVERITY MIX");
  const maxSev = Math.max(1, ...SEVERITIES.map((x) => s.bySeverity[x]));
  for (const sev of SEVERITIES.slice().reverse()) lines.push(`  ${sev.padEnd(9)} ${textBar(s.bySeverity[sev], maxSev)} ${s.bySeverity[sev]}`);
  lines.push("SUPPORT TIER");
  for (const t of SUPPORT_TIERS) lines.push(`  ${TIER_LABEL[t].padEnd(26)} ${s.bySupportTier[t]}`);
  lines.push("");
  lines.push(`DEADLINES PER WEEK (next ${m.windowDays} days)`);
  const maxWeek = Math.max(1, ...m.weeks.map((w) => w.deadlines));
  for (const w of m.weeks) lines.push(`  ${w.start} to ${w.end}  ${textBar(w.deadlines, maxWeek)} ${w.deadlines}`);
  lines.push("");
  lines.push(`DEADLINES IN THE NEXT ${m.windowDays} DAYS`);
  if (m.timeline.length === 0) lines.push("  None.");
  for (const e of m.timeline.slice(0, MAX_TIMELINE_ROWS)) {
    lines.push(
      `  ${e.date}  ${daysLeftText(e.daysLeft).padEnd(8)}  ${plainText(e.clusterName)} (${plainText(e.resourceGroup)})  ${plainText(integrationLabel(e.integrationName, e.version))} (${KIND_LABEL[e.integrationKind]})  ${DEADLINE_LABEL[e.deadlineKind]}`,
    );
    const url = safeUrl(e.source);
    if (url) lines.push(`      source: ${url}`);
  }
  const more = m.timeline.length - MAX_TIMELINE_ROWS;
  if (more > 0) lines.push(`  …and ${more} more; the run's full report lists them all: aks-audit history --run ${plainText(m.runId)}`);
  lines.push("");
  if (!m.changes.comparedTo) {
    lines.push("CHANGES: first digest, nothing to compare with yet.");
  } else {
    const c = m.changes;
    lines.push(`CHANGES SINCE ${c.comparedTo!.asOf}`);
    const section = (title: string, items: DigestFinding[]) => {
      if (items.length === 0) return;
      lines.push(`  ${title} (${items.length}):`);
      for (const f of items) lines.push(`    - ${plainText(f.clusterName)}: ${plainText(integrationLabel(f.name, f.version))} (${KIND_LABEL[f.kind]}, ${f.severity})${f.reasons.length ? ` - ${plainText(f.reasons.join("; "))}` : ""}`);
    };
    section("New findings", c.newFindings);
    section("Got worse", c.worsened);
    section("Resolved", c.resolved);
    if (c.clustersAdded.length) lines.push(`  New clusters: ${c.clustersAdded.map(plainText).join(", ")}`);
    if (c.clustersGone.length) lines.push(`  No longer reported: ${c.clustersGone.map(plainText).join(", ")}`);
    if (c.newFindings.length + c.worsened.length + c.resolved.length + c.clustersAdded.length + c.clustersGone.length === 0) lines.push("  No change in findings.");
  }
  lines.push("");
  lines.push("CLUSTERS OUT OF SUPPORT");
  if (m.outOfSupport.length === 0) lines.push("  None.");
  for (const c of m.outOfSupport) {
    lines.push(`  ${plainText(c.clusterName)} (${plainText(c.resourceGroup)}): ${plainText(c.kubernetesVersion ?? "unknown")}${c.reasons.length ? ` - ${plainText(c.reasons.join("; "))}` : ""}`);
  }
  lines.push("");
  lines.push("UNSUPPORTED (OPEN-SOURCE) INTEGRATIONS");
  if (m.unsupported.length === 0) lines.push("  None found.");
  for (const f of m.unsupported) lines.push(`  ${plainText(f.clusterName)}: ${plainText(integrationLabel(f.name, f.version))} (${f.severity})`);
  if (m.runErrors.length > 0) {
    lines.push("");
    lines.push("NOT CHECKED");
    for (const e of m.runErrors) lines.push(`  ${plainText(e)}`);
  }
  lines.push("");
  lines.push(textFooter(m.recipient, m.via, m.runId, m.catalogVersion, m.root ?? null));
  return lines.join("\n") + "\n";
}

// ------------------------------------------------------------------ alert rendering

export interface AlertMailInput {
  runId: string;
  asOf: IsoDate;
  recipient: string;
  alerts: readonly WindowAlert[];
  /** Shown in the footer; optional so a re-send from the ledger renders the same bytes. */
  via?: RouteReason[];
}

/** Groups by threshold, most urgent first: [threshold, alerts]. */
function byThreshold(alerts: readonly WindowAlert[]): [number, WindowAlert[]][] {
  const groups = new Map<number, WindowAlert[]>();
  for (const a of sortAlerts(alerts)) {
    const g = groups.get(a.threshold) ?? [];
    g.push(a);
    groups.set(a.threshold, g);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b);
}

function clusterNames(alerts: readonly WindowAlert[]): string[] {
  const seen = new Map<string, string>();
  for (const a of alerts) if (!seen.has(a.clusterId)) seen.set(a.clusterId, a.clusterName);
  return [...seen.values()];
}

/** "3 clusters enter the 60-day window: aks-prod-1, aks-prod-2 and 1 more", most urgent threshold first. */
export function alertSubject(alerts: readonly WindowAlert[]): string {
  const groups = byThreshold(alerts);
  if (groups.length === 0) return "No window alerts";
  const [firstThreshold, first] = groups[0]!;
  const names = clusterNames(first);
  let subject = `${plural(names.length, "cluster")} ${names.length === 1 ? "enters" : "enter"} the ${firstThreshold}-day window: ${nameList(names)}`;
  const rest = groups.slice(1).map(([t, g]) => `${clusterNames(g).length} in the ${t}-day window`);
  if (rest.length > 0) subject += `; also ${rest.join(", ")}`;
  return subjectLine(subject);
}

export function renderAlertMail(input: AlertMailInput): OutgoingMail {
  const alerts = sortAlerts(input.alerts);
  const subject = alertSubject(alerts);
  const groups = byThreshold(alerts);
  const via = input.via ?? [];

  const sections: SafeHtml[] = [];
  sections.push(html`
<h1 style="margin:0 0 4px 0;font-size:20px;">${subject}</h1>
<p style="margin:0 0 16px 0;color:#4b5563;">As of ${input.asOf}. Each deadline alerts once per threshold; act before it, or it comes back at the next one.</p>`);
  for (const [threshold, group] of groups) {
    sections.push(html`
${heading(`Within ${threshold} days (${plural(clusterNames(group).length, "cluster")})`)}
${dataTable(
  ["Cluster", "Integration", "Deadline", "Date", "Days left", "Source"],
  group.map((a) => [
    html`<strong>${a.clusterName}</strong><br><span style="color:#6b7280;font-size:12px;">${a.resourceGroup}</span>`,
    html`${integrationLabel(a.integrationName, a.version)} <span style="color:#6b7280;">(${KIND_LABEL[a.integrationKind]})</span>`,
    html`${DEADLINE_LABEL[a.deadlineKind]}`,
    html`<span style="white-space:nowrap;">${a.deadlineDate}</span>`,
    html`<span style="color:${SEVERITY_COLOR[a.daysLeft <= 14 ? "critical" : "warning"]};font-weight:600;white-space:nowrap;">${daysLeftText(a.daysLeft)}</span>`,
    sourceLink(a.source),
  ]),
)}`);
  }

  const lines: string[] = [subject, `As of ${input.asOf}. Each deadline alerts once per threshold.`, ""];
  for (const [threshold, group] of groups) {
    lines.push(`WITHIN ${threshold} DAYS`);
    for (const a of group) {
      lines.push(
        `  ${a.deadlineDate}  ${daysLeftText(a.daysLeft).padEnd(8)}  ${plainText(a.clusterName)} (${plainText(a.resourceGroup)})  ${plainText(integrationLabel(a.integrationName, a.version))} (${KIND_LABEL[a.integrationKind]})  ${DEADLINE_LABEL[a.deadlineKind]}`,
      );
      const url = safeUrl(a.source);
      if (url) lines.push(`      source: ${url}`);
    }
    lines.push("");
  }
  lines.push(textFooter(input.recipient, via, input.runId, null));

  return {
    messageId: messageIdFor("alerts", input.runId, input.asOf, input.recipient),
    to: [input.recipient.trim().toLowerCase()],
    subject,
    html: page(subject, `${plural(alerts.length, "deadline")} crossed an alert threshold.`, sections, footer(input.recipient, via, input.runId, null)),
    text: lines.join("\n") + "\n",
  };
}

// ------------------------------------------------------------------ building blocks

const FONT = "font-family:'Segoe UI',Helvetica,Arial,sans-serif;";

function page(title: string, preheaderText: string, sections: SafeHtml[], foot: SafeHtml): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light only">
<title>${title}</title>
</head>
<body style="margin:0;padding:0;background:#f3f4f6;">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${preheaderText}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f3f4f6;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="680" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:680px;background:#ffffff;border:1px solid #e5e7eb;border-radius:6px;${FONT}color:#111827;font-size:14px;line-height:1.45;">
${sections.map((s) => html`<tr><td style="padding:12px 24px;">${s}</td></tr>`)}
<tr><td style="padding:16px 24px 20px 24px;border-top:1px solid #e5e7eb;color:#6b7280;font-size:12px;">${foot}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`.value;
}

function heading(text: string): SafeHtml {
  return html`<h2 style="margin:8px 0 8px 0;font-size:16px;color:#111827;">${text}</h2>`;
}

function statCards(cards: [string, number][]): SafeHtml {
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:separate;border-spacing:6px 0;"><tr>
${cards.map(([label, n]) => html`<td width="25%" style="background:#f9fafb;border:1px solid #e5e7eb;border-radius:4px;padding:10px;text-align:center;"><div style="font-size:22px;font-weight:700;">${n}</div><div style="font-size:12px;color:#4b5563;">${label}</div></td>`)}
</tr></table>`;
}

/** Integer percentages that add up to 100 (largest remainder), with at least 1% per non-zero part. */
export function percentages(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return counts.map(() => 0);
  const raw = counts.map((c) => (c * 100) / total);
  const out = raw.map((r, i) => (counts[i]! > 0 ? Math.max(1, Math.floor(r)) : 0));
  let left = 100 - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => ({ i, frac: r - Math.floor(r) })).filter(({ i }) => counts[i]! > 0).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; left > 0 && order.length > 0; k++, left--) out[order[k % order.length]!.i]! += 1;
  // Minimums can overshoot; take it back from the largest parts.
  while (left < 0) {
    const max = out.indexOf(Math.max(...out));
    out[max]! -= 1;
    left++;
  }
  return out;
}

function stackedBar(parts: { label: string; count: number; color: string }[]): SafeHtml {
  const total = parts.reduce((a, p) => a + p.count, 0);
  if (total === 0) {
    return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td style="height:18px;background:#e5e7eb;border-radius:3px;font-size:11px;color:#4b5563;text-align:center;">no integrations</td></tr></table>`;
  }
  const pct = percentages(parts.map((p) => p.count));
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="table-layout:fixed;"><tr>
${parts.map((p, i) => (pct[i]! > 0 ? html`<td width="${pct[i]}%" title="${p.label}: ${p.count}" style="width:${pct[i]}%;height:18px;background:${p.color};font-size:0;line-height:0;">&nbsp;</td>` : html``))}
</tr></table>`;
}

function legend(parts: { label: string; count: number; color: string }[]): SafeHtml {
  return html`<p style="margin:6px 0 0 0;font-size:13px;">${parts.map(
    (p) => html`<span style="display:inline-block;margin-right:14px;"><span style="display:inline-block;width:10px;height:10px;background:${p.color};border-radius:2px;"></span> ${p.label} <strong>${p.count}</strong></span>`,
  )}</p>`;
}

function weekBars(weeks: readonly WeekBucket[]): SafeHtml {
  const max = Math.max(1, ...weeks.map((w) => w.deadlines));
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="font-size:12px;">
${weeks.map((w) => {
  const width = w.deadlines === 0 ? 0 : Math.max(2, Math.round((w.deadlines * 100) / max));
  const color = w.deadlines === 0 ? "#e5e7eb" : SEVERITY_COLOR[w.worst === "ok" ? "info" : w.worst];
  return html`<tr>
<td width="120" style="padding:2px 8px 2px 0;color:#4b5563;white-space:nowrap;">${w.start}</td>
<td style="padding:2px 0;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="table-layout:fixed;"><tr>${
    width > 0 ? html`<td width="${width}%" style="width:${width}%;height:12px;background:${color};font-size:0;line-height:0;">&nbsp;</td>` : html``
  }${width < 100 ? html`<td style="height:12px;background:#f3f4f6;font-size:0;line-height:0;">&nbsp;</td>` : html``}</tr></table></td>
<td width="36" style="padding:2px 0 2px 8px;text-align:right;font-weight:600;">${w.deadlines}</td>
</tr>`;
})}
</table>`;
}

function dataTable(headers: string[], rows: SafeHtml[][]): SafeHtml {
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;font-size:13px;">
<tr>${headers.map((h) => html`<th align="left" style="padding:6px 8px;border-bottom:2px solid #e5e7eb;color:#374151;font-weight:600;">${h}</th>`)}</tr>
${rows.map((r) => html`<tr>${r.map((cell) => html`<td valign="top" style="padding:6px 8px;border-bottom:1px solid #f3f4f6;overflow-wrap:break-word;word-wrap:break-word;">${cell}</td>`)}</tr>`)}
</table>`;
}

function severityBadge(sev: Severity): SafeHtml {
  return html`<span style="color:${SEVERITY_COLOR[sev]};font-weight:600;">${sev}</span>`;
}

function sourceLink(url: string): SafeHtml {
  return safeUrl(url) ? trusted(link(url, "source", "color:#2563eb;")) : html`<span style="color:#9ca3af;">n/a</span>`;
}

function viaText(via: readonly RouteReason[]): string {
  if (via.length === 0) return "";
  const words: Record<RouteReason, string> = { default: "you are a default recipient", subscription: "you own a subscription", tag: "a cluster tag names you" };
  return via.map((v) => words[v]).join("; ");
}

function footer(recipient: string, via: readonly RouteReason[], runId: string, catalogVersion: string | null, root: string | null = null): SafeHtml {
  const why = viaText(via);
  const anchor = root ? html`<br>Run root ${root} (keep it: <code>aks-audit verify --root</code> checks stored history against it).` : html``;
  return html`Sent to ${recipient}${why ? html` because ${why}` : html``}. Run ${runId}${catalogVersion ? html`, catalog ${catalogVersion}` : html``}. AKS Integration Auditor.${anchor}`;
}

function textFooter(recipient: string, via: readonly RouteReason[], runId: string, catalogVersion: string | null, root: string | null = null): string {
  const why = viaText(via);
  const anchor = root ? `\nRun root ${plainText(root)} (keep it: aks-audit verify --root checks stored history against it).` : "";
  return `-- \nSent to ${plainText(recipient)}${why ? ` because ${why}` : ""}. Run ${plainText(runId)}${catalogVersion ? `, catalog ${plainText(catalogVersion)}` : ""}. AKS Integration Auditor.${anchor}`;
}

function textBar(n: number, max: number): string {
  const width = n === 0 ? 0 : Math.max(1, Math.round((n * 24) / max));
  return "#".repeat(width).padEnd(24, ".");
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
