/**
 * The digest and alert mail as HTML. Self-contained for mail clients: table layout, inline CSS,
 * no scripts, no external images or fonts. Colours are set on every block (so a client that
 * inverts them inverts all of them) and a dark-scheme style block re-colours them where clients
 * honour it. All Azure text goes through html.ts.
 */
import type { CauseAlert } from "../alerts.js";
import { html, link, safeUrl, trusted, type SafeHtml } from "../html.js";
import type { RouteReason } from "../routing.js";
import type { Cause, CauseCluster } from "./causes.js";
import { cut, cutOf, type Limits } from "./limits.js";
import { causeLink, clusterLink } from "./links.js";
import { inDays, plural, type DigestFinding, type DigestModel, type MailWhere as Where, type OutOfSupportGroup } from "./model.js";

const FONT = "font-family:'Segoe UI',Helvetica,Arial,sans-serif;";
// Mid-tone accents with enough contrast on white and on the dark background below.
const RED = "#c2410c";
const AMBER = "#b45309";
const BLUE = "#1d4ed8";
const GREEN = "#15803d";
const MUTED = "#4b5563";

export function digestHtml(m: DigestModel, subject: string, limits: Limits): string {
  const sections: SafeHtml[] = [];
  sections.push(html`<h1 style="margin:0 0 4px 0;font-size:20px;">${subject}</h1>
<p class="muted" style="margin:0 0 8px 0;color:${MUTED};">Weekly digest as of ${m.asOf} &middot; ${m.wholeFleet ? "whole fleet" : `your ${plural(m.summary.clusters, "cluster")}`} &middot; window ${m.windowDays} days</p>
<p style="margin:0;font-size:15px;font-weight:600;">${m.verdict}</p>`);

  sections.push(html`${heading("Act this week")}
${m.actThisWeek.length === 0 ? html`<p style="margin:0;">Nothing is due within ${m.windowDays} days.</p>` : html`<ol style="margin:0;padding-left:20px;">${m.actThisWeek.map((c) => html`<li style="margin:0 0 4px 0;"><strong>${c.title}</strong> ${inDays(c.daysLeft)} (${c.date}), ${plural(c.clusterCount, "cluster")}: ${c.action}</li>`)}</ol>`}`);

  const causes = cut(m.window, limits.causes);
  sections.push(html`${heading(`Deadlines in the next ${m.windowDays} days (${plural(m.window.length, "cause")})`)}
${m.window.length === 0 ? html`<p style="margin:0;">None.</p>` : html``}
${causes.shown.map((c) => causeBlock(c, c.clusterCount, limits, m))}
${more(causes.more, "cause", m)}`);

  const groups = cut(m.outOfSupport, limits.causes);
  sections.push(html`${heading(`Out of support (${plural(m.outOfSupportClusters, "cluster")})`)}
${m.outOfSupport.length === 0 ? html`<p style="margin:0;">None.</p>` : html``}
${groups.shown.map((g) => outOfSupportBlock(g, limits, m))}
${more(groups.more, "minor", m)}`);

  sections.push(changesHtml(m, limits));

  const unsupported = cut(m.unsupported, limits.items);
  sections.push(html`${heading("Open-source components outside AKS support")}
${m.unsupported.length === 0 ? html`<p style="margin:0;">None found.</p>` : html`<ul style="margin:0;padding-left:20px;">${unsupported.shown.map((u) => html`<li>${u.name}${u.versions.length ? html` (${cut(u.versions, limits.items).shown.join(", ")})` : html``}: ${plural(u.clusterCount, "cluster")}</li>`)}</ul>`}
${more(unsupported.more, "component", m)}`);

  if (m.catalogNote) sections.push(html`<p style="margin:0;padding:8px 12px;border-left:4px solid ${AMBER};"><strong>Catalog age:</strong> ${m.catalogNote}</p>`);

  if (m.runErrorCount > 0) {
    const errors = cutOf(m.runErrors, m.runErrorCount, limits.items);
    sections.push(html`${heading("Not checked")}
<p style="margin:0 0 6px 0;">Parts of this run could not be read; the figures above leave them out.</p>
<ul style="margin:0;padding-left:20px;">${errors.shown.map((e) => html`<li>${e}</li>`)}</ul>${more(errors.more, "error", m)}`);
  }
  return page(subject, m.verdict, sections, footer(m.recipient, m.via, m.runId, m.catalogVersion, m.root ?? null, m));
}

export function alertHtml(input: { subject: string; intro: string; asOf: string; runId: string; recipient: string; via: readonly RouteReason[]; alerts: readonly CauseAlert[] } & Where, limits: Limits): string {
  const alerts = cut(input.alerts, limits.causes);
  const at: Where = input;
  const sections: SafeHtml[] = [
    html`<h1 style="margin:0 0 4px 0;font-size:20px;">${input.subject}</h1><p class="muted" style="margin:0;color:${MUTED};">${input.intro}</p>`,
    html`${alerts.shown.map((a) => html`<p class="accent" style="margin:12px 0 0 0;font-size:12px;font-weight:600;color:${AMBER};">Within ${a.threshold} days</p>${causeBlock(a.cause, a.clusterCount, limits, at)}`)}${more(alerts.more, "cause", at)}`,
  ];
  return page(input.subject, input.intro, sections, footer(input.recipient, input.via, input.runId, null, null, at));
}

// ------------------------------------------------------------------ blocks

function causeBlock(c: Cause, clusterCount: number, limits: Limits, at: Where): SafeHtml {
  const colour = c.daysLeft <= 14 ? RED : AMBER;
  const clusters = cut(c.clusters, limits.clustersPerCause);
  const hidden = clusterCount - clusters.shown.length;
  const folded = cut(c.folded, limits.items);
  return html`<div style="margin:12px 0 0 0;padding:8px 12px;border-left:4px solid ${colour};">
<p style="margin:0;font-size:15px;"><strong>${c.title}</strong> &middot; <span class="accent" style="color:${colour};font-weight:600;">${c.date}, ${inDays(c.daysLeft)}</span> &middot; ${plural(clusterCount, "cluster")}</p>
<p style="margin:4px 0 0 0;">${c.happens}${c.followUp ? html` ${c.followUp.label}: ${c.followUp.date} (${inDays(c.followUp.daysLeft)}).` : html``}</p>
<p style="margin:4px 0 0 0;"><strong>Do:</strong> ${c.action}${safeUrl(c.source) ? html` ${trusted(link(c.source, "Source", `color:${BLUE};`))}.` : html``}</p>
${c.command ? html`<p style="margin:4px 0 0 0;"><code style="font-family:Consolas,Menlo,monospace;font-size:12px;">${c.command}</code></p>` : html``}
${c.folded.length > 0 ? html`<p style="margin:4px 0 0 0;">Add-ons and extensions that move with this upgrade: ${folded.shown.map((f, i) => html`${i > 0 ? ", " : ""}${f.name}${f.versions.length ? html` ${f.versions.join("/")}` : html``} (${f.clusters})`)}${folded.more > 0 ? html` and ${folded.more} more` : html``}.</p>` : html``}
${clusters.shown.length > 0 ? clusterTable(clusters.shown, at) : html``}
${hidden > 0 ? html`<p class="muted" style="margin:4px 0 0 0;color:${MUTED};">and ${hidden} more ${hidden === 1 ? "cluster" : "clusters"}: ${elsewhere(causeLink(at.consoleBase, at.asOf, c), at)}</p>` : html``}
</div>`;
}

function outOfSupportBlock(g: OutOfSupportGroup, limits: Limits, m: Where): SafeHtml {
  const clusters = cutOf(g.clusters, g.clusterCount, limits.clustersPerCause);
  const reasons = cut(g.reasons, Math.min(3, limits.items));
  return html`<div style="margin:12px 0 0 0;padding:8px 12px;border-left:4px solid ${RED};">
<p style="margin:0;font-size:15px;"><strong>Kubernetes ${g.minor}</strong> &middot; ${plural(g.clusterCount, "cluster")}${g.since ? html` &middot; out of support since ${g.since}` : html``}${g.aksUpgrade ? html` &middot; <span class="accent" style="color:${RED};font-weight:600;">AKS-initiated upgrade ${g.aksUpgrade.date}, ${inDays(g.aksUpgrade.daysLeft)}</span>` : html``}</p>
${reasons.shown.length > 0 ? html`<ul style="margin:4px 0 0 0;padding-left:20px;">${reasons.shown.map((r) => html`<li>${r}</li>`)}</ul>` : html``}
<p style="margin:4px 0 0 0;"><strong>Do:</strong> ${g.action}</p>
${g.command ? html`<p style="margin:4px 0 0 0;"><code style="font-family:Consolas,Menlo,monospace;font-size:12px;">${g.command}</code></p>` : html``}
${clusters.shown.length > 0 ? clusterTable(clusters.shown, m) : html``}
${clusters.more > 0 ? html`<p class="muted" style="margin:4px 0 0 0;color:${MUTED};">and ${clusters.more} more ${clusters.more === 1 ? "cluster" : "clusters"}: ${elsewhere(m.fullListAt.console, m)}</p>` : html``}
</div>`;
}

function clusterTable(clusters: readonly CauseCluster[], at: Where): SafeHtml {
  const tags = clusters.some((c) => c.routingTag);
  return html`<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:6px 0 0 0;border-collapse:collapse;font-size:12px;">
<tr><th align="left" style="padding:2px 12px 2px 0;">Cluster</th><th align="left" style="padding:2px 12px 2px 0;">Resource group</th><th align="left" style="padding:2px 12px 2px 0;">Subscription</th>${tags ? html`<th align="left" style="padding:2px 0;">Routing tag</th>` : html``}</tr>
${clusters.map((c) => html`<tr><td style="padding:1px 12px 1px 0;">${trusted(link(clusterLink(at.consoleBase, c.clusterId), c.name, `color:${BLUE};`))}</td><td style="padding:1px 12px 1px 0;">${c.resourceGroup}</td><td style="padding:1px 12px 1px 0;">${c.subscriptionId}</td>${tags ? html`<td>${c.routingTag ?? ""}</td>` : html``}</tr>`)}
</table>`;
}

function changesHtml(m: DigestModel, limits: Limits): SafeHtml {
  const c = m.changes;
  if (!c.comparedTo) return html`${heading("Changes since last week")}<p style="margin:0;">First digest: nothing to compare with yet.</p>`;
  const list = (title: string, items: readonly DigestFinding[], total: number, colour: string): SafeHtml => {
    if (total === 0) return html``;
    const shown = cutOf(items, total, limits.items);
    return html`<p style="margin:8px 0 4px 0;font-weight:600;color:${colour};">${title} (${total})</p>
<ul style="margin:0;padding-left:20px;">${shown.shown.map((f) => html`<li><strong>${f.clusterName}</strong>: ${f.version ? `${f.name} ${f.version}` : f.name} (${f.kind}, ${f.severity})</li>`)}</ul>${more(shown.more, "finding", m)}`;
  };
  const names = (title: string, items: readonly string[], total: number): SafeHtml => {
    if (total === 0) return html``;
    const shown = cutOf(items, total, limits.items);
    return html`<p style="margin:8px 0 0 0;">${title} (${total}): ${shown.shown.join(", ")}${shown.more > 0 ? html` and ${shown.more} more` : html``}</p>`;
  };
  const nothing = c.totals.newFindings + c.totals.worsened + c.totals.resolved + c.totals.clustersAdded + c.totals.clustersGone === 0;
  return html`${heading(`Changes since ${c.comparedTo.asOf}`)}
${nothing ? html`<p style="margin:0;">No change in findings.</p>` : html``}
${list("New findings", c.newFindings, c.totals.newFindings, RED)}
${list("Got worse", c.worsened, c.totals.worsened, AMBER)}
${list("Resolved", c.resolved, c.totals.resolved, GREEN)}
${names("New clusters", c.clustersAdded, c.totals.clustersAdded)}
${names("No longer reported", c.clustersGone, c.totals.clustersGone)}`;
}

function more(n: number, what: string, m: Where): SafeHtml {
  if (n <= 0) return html``;
  return html`<p class="muted" style="margin:8px 0 0 0;color:${MUTED};">and ${n} more ${n === 1 ? what : `${what}s`}; the full list: ${elsewhere(m.fullListAt.console, m)}</p>`;
}

/**
 * Where the rest is: a console link when its address is known; otherwise the CLI command and the
 * API path as text (a relative href would open nothing from a mail client).
 */
function elsewhere(url: string | null, m: Where): SafeHtml {
  if (url) return html`${trusted(link(url, "open in the console", `color:${BLUE};`))}`;
  return html`<code>${m.fullListAt.cli}</code> (or <code>GET ${m.fullListAt.api}</code> on the Function app)`;
}

function heading(text: string): SafeHtml {
  return html`<h2 style="margin:8px 0 6px 0;font-size:16px;">${text}</h2>`;
}

function page(title: string, preheaderText: string, sections: SafeHtml[], foot: SafeHtml): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>${title}</title>
<style>
@media (prefers-color-scheme: dark) {
  .bg, .card { background:#111827 !important; color:#f3f4f6 !important; }
  .muted { color:#d1d5db !important; }
  a { color:#93c5fd !important; }
  .accent { color:#fdba74 !important; }
}
</style>
</head>
<body class="bg" style="margin:0;padding:0;background:#f3f4f6;color:#111827;">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${preheaderText}</div>
<table role="presentation" class="bg" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f3f4f6;">
<tr><td align="center" style="padding:16px 8px;">
<table role="presentation" class="card" width="640" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:640px;background:#ffffff;color:#111827;border:1px solid #d1d5db;border-radius:6px;${FONT}font-size:14px;line-height:1.45;">
${sections.map((s) => html`<tr><td style="padding:10px 20px;">${s}</td></tr>`)}
<tr><td class="muted" style="padding:12px 20px 16px 20px;border-top:1px solid #d1d5db;color:${MUTED};font-size:12px;">${foot}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`.value;
}

function viaText(via: readonly RouteReason[]): string {
  const words: Record<RouteReason, string> = { default: "you are a default recipient", subscription: "you own a subscription", tag: "a cluster tag names you" };
  return via.map((v) => words[v]).join("; ");
}

function footer(recipient: string, via: readonly RouteReason[], runId: string, catalogVersion: string | null, root: string | null, at: Where): SafeHtml {
  const why = viaText(via);
  const anchor = root ? html`<br>Run root ${root} (keep it: <code>aks-audit verify --root</code> checks stored history against it).` : html``;
  // The link carries no key: the console asks for the reader's own access.
  const consoleLine = at.fullListAt.console ? html`<br>${trusted(link(at.fullListAt.console, "This run in the console", `color:${BLUE};`))} (opens with your own access to the auditor).` : html``;
  return html`Sent to ${recipient}${why ? html` because ${why}` : html``}. Run ${runId}${catalogVersion ? html`, catalog ${catalogVersion}` : html``}. AKS Integration Auditor.${anchor}${consoleLine}`;
}

export { viaText };
