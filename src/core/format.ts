/**
 * Renders an audit report: `json` (the contract, pretty-printed), `csv` (one row per integration,
 * RFC 4180, safe to open in a spreadsheet) or `table` (a fixed-width summary for a terminal).
 * Pure: text in, text out. Tolerates a partial report (a stored fleet without its run header).
 */
import { DEFAULT_WINDOW_DAYS, SEVERITY_RANK, SUPPORT_TIERS, SEVERITIES, summarize, worstSeverity, type AuditReport, type ClusterReport, type Deadline, type Integration } from "./report.js";
import { columns, csvCell, csvNumber, fit, plain } from "./text.js";

export const REPORT_FORMATS = ["json", "csv", "table"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function formatReport(report: AuditReport, format: ReportFormat): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(report, null, 2)}\n`;
    case "csv":
      return formatCsv(report);
    case "table":
      return formatTable(report);
  }
}

/**
 * The deadline a reader should look at first: the nearest one still ahead, or else the one that
 * passed most recently.
 */
export function nextDeadline(integration: Pick<Integration, "deadlines">): Deadline | null {
  const ahead = integration.deadlines.filter((d) => d.daysLeft >= 0).sort((a, b) => a.daysLeft - b.daysLeft);
  if (ahead.length > 0) return ahead[0]!;
  const passed = integration.deadlines.filter((d) => d.daysLeft < 0).sort((a, b) => b.daysLeft - a.daysLeft);
  return passed[0] ?? null;
}

// ---------------------------------------------------------------- csv

export const CSV_COLUMNS = [
  "runId",
  "asOf",
  "clusterId",
  "clusterName",
  "subscriptionId",
  "resourceGroup",
  "location",
  "kind",
  "name",
  "version",
  "supportTier",
  "stage",
  "drift",
  "severity",
  "nextDeadline",
  "nextDeadlineKind",
  "daysLeft",
  "reasons",
] as const;

function formatCsv(report: AuditReport): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const cluster of report.clusters ?? []) {
    for (const i of cluster.integrations) {
      const next = nextDeadline(i);
      const cells = [
        csvCell(report.runId),
        csvCell(report.asOf),
        csvCell(cluster.id),
        csvCell(cluster.name),
        csvCell(cluster.subscriptionId),
        csvCell(cluster.resourceGroup),
        csvCell(cluster.location),
        csvCell(i.kind),
        csvCell(i.name),
        csvCell(i.version),
        csvCell(i.supportTier),
        csvCell(i.stage),
        csvCell(i.drift),
        csvCell(i.severity),
        csvCell(next?.date),
        csvCell(next?.kind),
        csvNumber(next?.daysLeft ?? null),
        csvCell(i.reasons.join(" | ")),
      ];
      lines.push(cells.join(","));
    }
  }
  return `${lines.join("\r\n")}\r\n`;
}

// ---------------------------------------------------------------- table

const MAX_FINDINGS_PER_CLUSTER = 8;
const REASON_WIDTH = 90;

function worstFirst(a: Integration, b: Integration): number {
  const bySeverity = SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity];
  if (bySeverity !== 0) return bySeverity;
  const da = nextDeadline(a);
  const db = nextDeadline(b);
  if (da && db && da.daysLeft !== db.daysLeft) return da.daysLeft - db.daysLeft;
  if (da && !db) return -1;
  if (!da && db) return 1;
  return 0;
}

function clusterWorst(cluster: ClusterReport): number {
  return cluster.integrations.length === 0 ? -1 : SEVERITY_RANK[worstSeverity(cluster)];
}

function formatTable(report: AuditReport): string {
  const clusters = report.clusters ?? [];
  const summary = report.summary ?? summarize(clusters, DEFAULT_WINDOW_DAYS);
  const out: string[] = [];
  const header = ["AKS integration audit"];
  if (report.runId) header.push(`run ${plain(report.runId)}`);
  if (report.asOf) header.push(`as of ${plain(report.asOf)}`);
  out.push(header.join("  "));
  if (report.catalog) out.push(`Catalog ${plain(report.catalog.version)} (facts checked ${plain(report.catalog.checkedAt)})`);
  if (report.catalog?.note) out.push(`Note: ${plain(report.catalog.note)}`);
  out.push(`Clusters ${summary.clusters}  integrations ${summary.integrations}  deadlines in window ${summary.inWindow}`);
  out.push(`Severity      ${SEVERITIES.slice().reverse().map((s) => `${s} ${summary.bySeverity[s]}`).join("  ")}`);
  out.push(`Support tier  ${SUPPORT_TIERS.map((t) => `${t} ${summary.bySupportTier[t]}`).join("  ")}`);
  if (report.dataSources) out.push(`Version data  ${report.dataSources.versionData}${report.dataSources.notes.length > 0 ? ` (${report.dataSources.notes.map(plain).join("; ")})` : ""}`);

  const ordered = [...clusters].sort((a, b) => clusterWorst(b) - clusterWorst(a) || a.name.localeCompare(b.name));
  for (const cluster of ordered) {
    out.push("");
    const k8s = cluster.kubernetesVersion ? `Kubernetes ${plain(cluster.kubernetesVersion)}` : "Kubernetes unknown";
    const plan = cluster.supportPlan ? `, plan ${plain(cluster.supportPlan)}` : "";
    out.push(`${plain(cluster.name)}  (${plain(cluster.resourceGroup)}, ${plain(cluster.location)})  ${k8s}${plan}`);
    for (const error of cluster.errors) out.push(`  error: ${plain(error)}`);
    const findings = cluster.integrations.filter((i) => i.severity !== "ok").sort(worstFirst);
    if (findings.length === 0) {
      out.push(`  all ${cluster.integrations.length} integrations ok`);
      continue;
    }
    const shown = findings.slice(0, MAX_FINDINGS_PER_CLUSTER);
    const rows = shown.map((i) => {
      const next = nextDeadline(i);
      const due = next ? `${next.date} ${next.kind} (${next.daysLeft >= 0 ? `${next.daysLeft}d` : `${-next.daysLeft}d ago`})` : "-";
      return [i.severity, i.kind, plain(i.name), plain(i.version), i.supportTier, i.drift, due, plain(i.reasons[0])];
    });
    for (const line of columns(["SEVERITY", "KIND", "NAME", "VERSION", "TIER", "DRIFT", "NEXT DEADLINE", "WHY"], rows, [8, 11, 28, 18, 13, 14, 42, REASON_WIDTH])) {
      out.push(`  ${line}`);
    }
    const okCount = cluster.integrations.length - findings.length;
    const more = findings.length - shown.length;
    const tail: string[] = [];
    if (more > 0) tail.push(`${more} more finding${more === 1 ? "" : "s"}`);
    if (okCount > 0) tail.push(`${okCount} ok`);
    if (tail.length > 0) out.push(`  … ${tail.join(", ")}`);
  }

  const errors = report.errors ?? [];
  if (errors.length > 0) {
    out.push("");
    out.push("Errors");
    for (const e of errors) out.push(`  ${plain(e.scope)}: ${plain(e.message)}`);
  }
  return `${out.join("\n")}\n`;
}
