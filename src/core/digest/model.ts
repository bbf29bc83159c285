/**
 * The digest's model: what the weekly mail says, independent of how it is drawn. The console
 * reuses it (causes, act-this-week, verdict), the HTML and text renderers draw it.
 */
import type { AuditReport, ClusterReport, Integration, IntegrationKind, ReportSummary, Severity } from "../report.js";
import { DEFAULT_WINDOW_DAYS, SEVERITY_RANK, summarize } from "../report.js";
import type { IsoDate } from "../types.js";
import { armIdKey } from "../types.js";
import { daysBetween } from "../dates.js";
import { minorKey } from "../versions.js";
import type { Route, RouteReason } from "../routing.js";
import { fleetLink } from "./links.js";
import { causeCluster, causesOf, compareClusters, nextMinor, type Cause, type CauseCluster } from "./causes.js";

export type { Cause, CauseCluster, CauseKind, FoldedChange } from "./causes.js";

/** How many causes "act this week" lists. */
export const ACT_THIS_WEEK = 5;

export interface DigestFinding {
  clusterId: string;
  clusterName: string;
  kind: IntegrationKind;
  name: string;
  version: string | null;
  severity: Severity;
  reasons: string[];
}

/** Clusters on one out-of-support Kubernetes minor: one entry, not one paragraph per cluster. */
export interface OutOfSupportGroup {
  key: string;
  minor: string;
  /** When support ended (the earliest passed end-of-support date among the clusters), if known. */
  since: IsoDate | null;
  /** The AKS-initiated upgrade these clusters face, when dated. */
  aksUpgrade: { date: IsoDate; daysLeft: number } | null;
  /** Distinct sentences the classifier gave, most common first (each said once). */
  reasons: string[];
  action: string;
  command: string | null;
  clusters: CauseCluster[];
}

/** An open-source component AKS does not support, with the clusters running it. */
export interface UnsupportedGroup {
  name: string;
  versions: string[];
  clusters: CauseCluster[];
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
  /** The run's root (store/roots.ts), shown in the footer so recipients hold a copy outside the store; null when the run has none. */
  root?: string | null;
  /** Set when the run's catalog is older than CATALOG_MAX_AGE_DAYS (see core/catalogAge.ts). */
  catalogNote: string | null;
  summary: ReportSummary;
  /** One line for the fleet: is anything due, and what first. */
  verdict: string;
  /** At most ACT_THIS_WEEK causes, soonest first then most clusters. */
  actThisWeek: Cause[];
  /** Every cause with a deadline inside the window, in the same order. */
  window: Cause[];
  outOfSupport: OutOfSupportGroup[];
  /** Clusters in `outOfSupport` (a cluster is in one group). */
  outOfSupportClusters: number;
  unsupported: UnsupportedGroup[];
  changes: DigestChanges;
  /** Scope errors of a partial run and per-cluster errors, as `scope: message`. */
  runErrors: string[];
  /** Where everything a message had to leave out can be read in full. */
  fullListAt: FullListAt;
  /** The console's public base URL (links.ts), or null when unknown: then the mail names the CLI and the API path as text. */
  consoleBase: string | null;
}

/** The run's full lists: the API path and CLI command (always), and the console's fleet view when its address is known. */
export interface FullListAt {
  api: string;
  cli: string;
  /** Absolute https URL of the run's fleet view in the console, or null. */
  console: string | null;
}

/** What a renderer needs to say where the rest of a list is: the run's full lists and the console's address. */
export type MailWhere = Pick<DigestModel, "fullListAt" | "consoleBase" | "asOf">;

export function fullListAt(runId: string, asOf: IsoDate, consoleBase: string | null): FullListAt {
  return { api: `/api/audits/${encodeURIComponent(runId)}`, cli: `aks-audit history --run ${runId}`, console: fleetLink(consoleBase, asOf) };
}

export interface ModelOptions {
  windowDays?: number;
  /** MAIL_ROUTING_TAG: shown per cluster when set. */
  routingTag?: string | null;
  /** The console's public base URL (config.ts: CONSOLE_BASE_URL or WEBSITE_HOSTNAME); null or absent: no links. */
  consoleBase?: string | null;
}

export function digestModel(
  report: AuditReport,
  route: Route,
  previous: { report: AuditReport; clusters: readonly ClusterReport[] } | null,
  windowDaysOrOptions: number | ModelOptions = DEFAULT_WINDOW_DAYS,
): DigestModel {
  const options = typeof windowDaysOrOptions === "number" ? { windowDays: windowDaysOrOptions } : windowDaysOrOptions;
  const windowDays = options.windowDays ?? DEFAULT_WINDOW_DAYS;
  const routingTag = options.routingTag ?? null;
  const consoleBase = options.consoleBase ?? null;
  const clusters = route.clusters;
  const window = causesOf(clusters, { asOf: report.asOf, windowDays, routingTag });
  const outOfSupport = outOfSupportGroups(clusters, report.asOf, routingTag);
  const outOfSupportClusters = outOfSupport.reduce((n, g) => n + g.clusters.length, 0);
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
    verdict:
      verdictOf(clusters.length, window, outOfSupportClusters, windowDays) +
      // A stale catalog can hide deadlines, so the verdict says so at once; the note itself ends the message.
      (report.catalog.note ? ` The catalog was last checked on ${report.catalog.checkedAt}; events announced since are missing (see the catalog note at the end).` : ""),
    actThisWeek: window.slice(0, ACT_THIS_WEEK),
    window,
    outOfSupport,
    outOfSupportClusters,
    unsupported: unsupportedGroups(clusters, routingTag),
    changes: compareFindings(clusters, previous),
    runErrors: [
      ...(route.wholeFleet ? report.errors.map((e) => `${e.scope}: ${e.message}`) : []),
      ...clusters.flatMap((c) => c.errors.map((e) => `${c.name}: ${e}`)),
    ],
    fullListAt: fullListAt(report.runId, report.asOf, consoleBase),
    consoleBase,
  };
}

// ------------------------------------------------------------------ words shared by both renderers

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "in 46 days", "tomorrow", "today", "12 days ago". */
export function inDays(n: number): string {
  return n === 0 ? "today" : n === 1 ? "tomorrow" : n < 0 ? `${-n} days ago` : `in ${n} days`;
}

/** A cause as a subject names it: "1.34 support ends". */
export function causeShort(c: Cause): string {
  switch (c.kind) {
    case "kubernetes-end-of-support":
      return `${c.subjectVersion} support ends`;
    case "kubernetes-aks-upgrade":
      return `AKS-initiated upgrade of ${c.subjectVersion}`;
    case "istio-revision":
      return `Istio ${c.subjectVersion} ends`;
    case "retirement":
      return `${c.subject} retires`;
    default:
      return c.title;
  }
}

function verdictOf(clusters: number, window: readonly Cause[], outOfSupport: number, windowDays: number): string {
  const parts: string[] = [];
  if (outOfSupport > 0) parts.push(`${plural(outOfSupport, "cluster")} out of support`);
  if (window.length > 0) {
    const first = window[0]!;
    parts.push(`${plural(window.length, "deadline")} within ${windowDays} days, the first ${inDays(first.daysLeft)} (${first.title}, ${plural(first.clusters.length, "cluster")})`);
  }
  if (parts.length === 0) return `Nothing needs action: ${plural(clusters, "cluster")}, no deadline within ${windowDays} days and none out of support.`;
  return `Action needed: ${parts.join("; ")}.`;
}

export function digestSubject(m: DigestModel): string {
  // "digest" tells the weekly mail from an alert, whose subject is otherwise the same shape.
  const scope = m.wholeFleet ? "AKS digest" : "AKS digest (your clusters)";
  const top = m.window[0];
  if (top) {
    const more = m.window.length - 1;
    const oos = m.outOfSupportClusters > 0 ? `, ${m.outOfSupportClusters} out of support` : "";
    return `${scope}: ${causeShort(top)} ${inDays(top.daysLeft)} for ${plural(top.clusters.length, "cluster")}${more > 0 ? `, ${plural(more, "more deadline")}` : ""}${oos}`;
  }
  if (m.outOfSupportClusters > 0) {
    const g = m.outOfSupport[0]!;
    return `${scope}: ${plural(m.outOfSupportClusters, "cluster")} out of support (${m.outOfSupport.map((x) => x.minor).join(", ")})${g.aksUpgrade ? `, AKS upgrades them ${inDays(g.aksUpgrade.daysLeft)}` : ""}`;
  }
  return `${scope}: ${plural(m.summary.clusters, "cluster")}, nothing due within ${m.windowDays} days`;
}

// ------------------------------------------------------------------ out of support, unsupported

function isOutOfSupport(i: Integration): boolean {
  return i.kind === "kubernetes" && (i.drift === "out-of-support" || i.stage === "retired" || i.deadlines.some((d) => d.kind === "end-of-support" && d.daysLeft < 0));
}

function outOfSupportGroups(clusters: readonly ClusterReport[], asOf: IsoDate, routingTag: string | null): OutOfSupportGroup[] {
  const groups = new Map<string, { group: OutOfSupportGroup; reasons: Map<string, number> }>();
  for (const c of clusters) {
    const k8s = c.integrations.find(isOutOfSupport);
    if (!k8s) continue;
    const version = c.kubernetesVersion ?? k8s.version;
    const minor = minorKey(version) ?? "unknown";
    let entry = groups.get(minor);
    if (!entry) {
      const next = nextMinor(version);
      entry = {
        group: {
          key: `out-of-support|${minor}`,
          minor,
          since: null,
          aksUpgrade: null,
          reasons: [],
          action: next ? `Upgrade to ${next} now (one minor at a time), before AKS does it for you.` : "Upgrade to a supported minor now.",
          command: next ? `az aks upgrade --resource-group <resource group> --name <cluster> --kubernetes-version ${next}` : null,
          clusters: [],
        },
        reasons: new Map(),
      };
      groups.set(minor, entry);
    }
    const g = entry.group;
    g.clusters.push(causeCluster(c, k8s, routingTag));
    for (const d of k8s.deadlines) {
      if (d.kind === "end-of-support" && d.daysLeft < 0 && (!g.since || d.date < g.since)) g.since = d.date;
      if (d.kind === "forced-upgrade" && d.daysLeft >= 0 && (!g.aksUpgrade || d.date < g.aksUpgrade.date)) g.aksUpgrade = { date: d.date, daysLeft: daysBetween(asOf, d.date) };
    }
    // Pool names make each cluster's sentence unique; those are per-cluster detail, not the group's.
    for (const r of k8s.reasons) if (!/^Node pool "/.test(r)) entry.reasons.set(r, (entry.reasons.get(r) ?? 0) + 1);
  }
  return [...groups.values()]
    .map(({ group, reasons }) => {
      group.clusters.sort(compareClusters);
      group.reasons = [...reasons.entries()].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0])).map(([r]) => r);
      return group;
    })
    .sort((a, b) => b.clusters.length - a.clusters.length || cmp(a.minor, b.minor));
}

function unsupportedGroups(clusters: readonly ClusterReport[], routingTag: string | null): UnsupportedGroup[] {
  const groups = new Map<string, { name: string; versions: Set<string>; clusters: CauseCluster[]; seen: Set<string> }>();
  for (const c of clusters) {
    for (const i of c.integrations) {
      if (i.supportTier !== "unsupported") continue;
      const key = i.name.toLowerCase();
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { name: i.name, versions: new Set(), clusters: [], seen: new Set() }));
      if (i.version) g.versions.add(i.version);
      const id = armIdKey(c.id);
      if (!g.seen.has(id)) {
        g.seen.add(id);
        g.clusters.push(causeCluster(c, i, routingTag));
      }
    }
  }
  return [...groups.values()]
    .map((g) => ({ name: g.name, versions: [...g.versions].sort(), clusters: g.clusters.sort(compareClusters) }))
    .sort((a, b) => b.clusters.length - a.clusters.length || cmp(a.name.toLowerCase(), b.name.toLowerCase()));
}

// ------------------------------------------------------------------ changes since the last digest

function finding(cluster: ClusterReport, i: Integration): DigestFinding {
  return { clusterId: armIdKey(cluster.id), clusterName: cluster.name, kind: i.kind, name: i.name, version: i.version, severity: i.severity, reasons: i.reasons };
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

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
