/**
 * The plain-text part: the same sections, causes, clusters and "and N more" counts as the HTML
 * (both are drawn from the model at the same limits), for clients and readers that skip HTML.
 * Azure text goes through plainText so it cannot forge lines.
 */
import type { CauseAlert } from "../alerts.js";
import { plainText, safeUrl } from "../html.js";
import type { RouteReason } from "../routing.js";
import type { Cause, CauseCluster } from "./causes.js";
import { cut, cutOf, type Limits } from "./limits.js";
import { causeLink, clusterLink } from "./links.js";
import { inDays, plural, type DigestFinding, type DigestModel, type MailWhere as Where, type OutOfSupportGroup } from "./model.js";
import { viaText } from "./renderHtml.js";

const t = plainText;

export function digestText(m: DigestModel, subject: string, limits: Limits): string {
  const lines: string[] = [t(subject), `Weekly digest as of ${m.asOf}; ${m.wholeFleet ? "whole fleet" : `your ${plural(m.summary.clusters, "cluster")}`}; window ${m.windowDays} days`, t(m.verdict), ""];

  lines.push("ACT THIS WEEK");
  if (m.actThisWeek.length === 0) lines.push(`  Nothing is due within ${m.windowDays} days.`);
  m.actThisWeek.forEach((c, i) => lines.push(`  ${i + 1}. ${t(c.title)} ${inDays(c.daysLeft)} (${c.date}), ${plural(c.clusterCount, "cluster")}: ${t(c.action)}`));
  lines.push("");

  const causes = cut(m.window, limits.causes);
  lines.push(`DEADLINES IN THE NEXT ${m.windowDays} DAYS (${plural(m.window.length, "cause")})`);
  if (m.window.length === 0) lines.push("  None.");
  for (const c of causes.shown) lines.push(...causeLines(c, c.clusterCount, limits, m));
  more(lines, causes.more, "cause", m);
  lines.push("");

  const groups = cut(m.outOfSupport, limits.causes);
  lines.push(`OUT OF SUPPORT (${plural(m.outOfSupportClusters, "cluster")})`);
  if (m.outOfSupport.length === 0) lines.push("  None.");
  for (const g of groups.shown) lines.push(...outOfSupportLines(g, limits, m));
  more(lines, groups.more, "minor", m);
  lines.push("");

  lines.push(...changesLines(m, limits), "");

  const unsupported = cut(m.unsupported, limits.items);
  lines.push("OPEN-SOURCE COMPONENTS OUTSIDE AKS SUPPORT");
  if (m.unsupported.length === 0) lines.push("  None found.");
  for (const u of unsupported.shown) lines.push(`  - ${t(u.name)}${u.versions.length ? ` (${t(cut(u.versions, limits.items).shown.join(", "))})` : ""}: ${plural(u.clusterCount, "cluster")}`);
  more(lines, unsupported.more, "component", m);

  if (m.catalogNote) lines.push("", `CATALOG AGE: ${t(m.catalogNote)}`);
  if (m.runErrorCount > 0) {
    const errors = cutOf(m.runErrors, m.runErrorCount, limits.items);
    lines.push("", "NOT CHECKED", "  Parts of this run could not be read; the figures above leave them out.");
    for (const e of errors.shown) lines.push(`  - ${t(e)}`);
    more(lines, errors.more, "error", m);
  }
  lines.push("", footer(m.recipient, m.via, m.runId, m.catalogVersion, m.root ?? null, m));
  return lines.join("\n") + "\n";
}

export function alertText(input: { subject: string; intro: string; runId: string; recipient: string; via: readonly RouteReason[]; alerts: readonly CauseAlert[] } & Where, limits: Limits): string {
  const alerts = cut(input.alerts, limits.causes);
  const lines: string[] = [t(input.subject), t(input.intro), ""];
  const at: Where = input;
  for (const a of alerts.shown) lines.push(`WITHIN ${a.threshold} DAYS`, ...causeLines(a.cause, a.clusterCount, limits, at), "");
  more(lines, alerts.more, "cause", at);
  lines.push(footer(input.recipient, input.via, input.runId, null, null, at));
  return lines.join("\n") + "\n";
}

function causeLines(c: Cause, clusterCount: number, limits: Limits, at: Where): string[] {
  const clusters = cut(c.clusters, limits.clustersPerCause);
  const hidden = clusterCount - clusters.shown.length;
  const folded = cut(c.folded, limits.items);
  const out = [`* ${t(c.title)} - ${c.date}, ${inDays(c.daysLeft)} - ${plural(clusterCount, "cluster")}`, `  ${t(c.happens)}${c.followUp ? ` ${c.followUp.label}: ${c.followUp.date} (${inDays(c.followUp.daysLeft)}).` : ""}`];
  const source = safeUrl(c.source);
  out.push(`  Do: ${t(c.action)}${source ? ` Source: ${source}` : ""}`);
  if (c.command) out.push(`    ${t(c.command)}`);
  if (c.folded.length > 0) {
    out.push(`  Add-ons and extensions that move with this upgrade: ${folded.shown.map((f) => `${t(f.name)}${f.versions.length ? ` ${t(f.versions.join("/"))}` : ""} (${f.clusters})`).join(", ")}${folded.more > 0 ? ` and ${folded.more} more` : ""}.`);
  }
  out.push(...clusterLines(clusters.shown, at));
  if (hidden > 0) out.push(`  and ${hidden} more ${hidden === 1 ? "cluster" : "clusters"}: ${elsewhere(causeLink(at.consoleBase, at.asOf, c), at)}`);
  return out;
}

function outOfSupportLines(g: OutOfSupportGroup, limits: Limits, m: Where): string[] {
  const clusters = cutOf(g.clusters, g.clusterCount, limits.clustersPerCause);
  const reasons = cut(g.reasons, Math.min(3, limits.items));
  const out = [
    `* Kubernetes ${t(g.minor)} - ${plural(g.clusterCount, "cluster")}${g.since ? ` - out of support since ${g.since}` : ""}${g.aksUpgrade ? ` - AKS-initiated upgrade ${g.aksUpgrade.date}, ${inDays(g.aksUpgrade.daysLeft)}` : ""}`,
  ];
  for (const r of reasons.shown) out.push(`  - ${t(r)}`);
  out.push(`  Do: ${t(g.action)}`);
  if (g.command) out.push(`    ${t(g.command)}`);
  out.push(...clusterLines(clusters.shown, m));
  if (clusters.more > 0) out.push(`  and ${clusters.more} more ${clusters.more === 1 ? "cluster" : "clusters"}: ${elsewhere(m.fullListAt.console, m)}`);
  return out;
}

function clusterLines(clusters: readonly CauseCluster[], at: Where): string[] {
  if (clusters.length === 0) return [];
  const tags = clusters.some((c) => c.routingTag);
  // The HTML links each name; here the same link follows the row, where a text client makes it clickable.
  const row = (c: CauseCluster): string => {
    const url = clusterLink(at.consoleBase, c.clusterId);
    return `  ${t(c.name)} | ${t(c.resourceGroup)} | ${t(c.subscriptionId)}${tags ? ` | ${t(c.routingTag ?? "")}` : ""}${url ? `\n    ${url}` : ""}`;
  };
  return ["  Cluster | Resource group | Subscription" + (tags ? " | Routing tag" : ""), ...clusters.map(row)];
}

function changesLines(m: DigestModel, limits: Limits): string[] {
  const c = m.changes;
  if (!c.comparedTo) return ["CHANGES SINCE LAST WEEK", "  First digest: nothing to compare with yet."];
  const out = [`CHANGES SINCE ${c.comparedTo.asOf}`];
  const list = (title: string, items: readonly DigestFinding[], total: number) => {
    if (total === 0) return;
    const shown = cutOf(items, total, limits.items);
    out.push(`  ${title} (${total}):`);
    for (const f of shown.shown) out.push(`    - ${t(f.clusterName)}: ${t(f.version ? `${f.name} ${f.version}` : f.name)} (${f.kind}, ${f.severity})`);
    more(out, shown.more, "finding", m);
  };
  const names = (title: string, items: readonly string[], total: number) => {
    if (total === 0) return;
    const shown = cutOf(items, total, limits.items);
    out.push(`  ${title} (${total}): ${shown.shown.map(t).join(", ")}${shown.more > 0 ? ` and ${shown.more} more` : ""}`);
  };
  if (c.totals.newFindings + c.totals.worsened + c.totals.resolved + c.totals.clustersAdded + c.totals.clustersGone === 0) out.push("  No change in findings.");
  list("New findings", c.newFindings, c.totals.newFindings);
  list("Got worse", c.worsened, c.totals.worsened);
  list("Resolved", c.resolved, c.totals.resolved);
  names("New clusters", c.clustersAdded, c.totals.clustersAdded);
  names("No longer reported", c.clustersGone, c.totals.clustersGone);
  return out;
}

function more(lines: string[], n: number, what: string, m: Where): void {
  if (n > 0) lines.push(`  and ${n} more ${n === 1 ? what : `${what}s`}; the full list: ${elsewhere(m.fullListAt.console, m)}`);
}

/** The console link when its address is known; otherwise the CLI command and the API path. */
function elsewhere(url: string | null, m: Where): string {
  return url ?? `${t(m.fullListAt.cli)} (or GET ${t(m.fullListAt.api)} on the Function app)`;
}

function footer(recipient: string, via: readonly RouteReason[], runId: string, catalogVersion: string | null, root: string | null, at: Where): string {
  const why = viaText(via);
  const anchor = root ? `\nRun root ${t(root)} (keep it: aks-audit verify --root checks stored history against it).` : "";
  const consoleLine = at.fullListAt.console ? `\nThis run in the console (opens with your own access to the auditor): ${at.fullListAt.console}` : "";
  return `-- \nSent to ${t(recipient)}${why ? ` because ${why}` : ""}. Run ${t(runId)}${catalogVersion ? `, catalog ${t(catalogVersion)}` : ""}. AKS Integration Auditor.${anchor}${consoleLine}`;
}
