/**
 * The digest's model: what the weekly mail says, independent of how it is drawn, and the words
 * both renderers share. fold.ts builds it from a run (whole, or a page at a time); the HTML and
 * text renderers draw it.
 */
import type { IntegrationKind, ReportSummary, Severity } from "../report.js";
import type { IsoDate } from "../types.js";
import type { RouteReason } from "../routing.js";
import { fleetLink } from "./links.js";
import type { Cause, CauseCluster } from "./causes.js";

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
  /** The group's clusters, sorted; all of them, or the first few in a streamed digest (fold.ts). */
  clusters: CauseCluster[];
  /** How many clusters the group has, listed or not. */
  clusterCount: number;
}

/** An open-source component AKS does not support, with the clusters running it. */
export interface UnsupportedGroup {
  name: string;
  versions: string[];
  /** Sorted; all of them, or the first few in a streamed digest (fold.ts). */
  clusters: CauseCluster[];
  clusterCount: number;
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
  /** How many entries each list has in all; a streamed digest (fold.ts) lists only the first few. */
  totals: ChangeTotals;
}

export interface ChangeTotals {
  newFindings: number;
  worsened: number;
  resolved: number;
  clustersAdded: number;
  clustersGone: number;
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
  /** Scope errors of a partial run and per-cluster errors, as `scope: message` (the first few in a streamed digest). */
  runErrors: string[];
  /** How many run errors there are in all. */
  runErrorCount: number;
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

export function verdictOf(clusters: number, window: readonly Cause[], outOfSupport: number, windowDays: number): string {
  const parts: string[] = [];
  if (outOfSupport > 0) parts.push(`${plural(outOfSupport, "cluster")} out of support`);
  if (window.length > 0) {
    const first = window[0]!;
    parts.push(`${plural(window.length, "deadline")} within ${windowDays} days, the first ${inDays(first.daysLeft)} (${first.title}, ${plural(first.clusterCount, "cluster")})`);
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
    return `${scope}: ${causeShort(top)} ${inDays(top.daysLeft)} for ${plural(top.clusterCount, "cluster")}${more > 0 ? `, ${plural(more, "more deadline")}` : ""}${oos}`;
  }
  if (m.outOfSupportClusters > 0) {
    const g = m.outOfSupport[0]!;
    return `${scope}: ${plural(m.outOfSupportClusters, "cluster")} out of support (${m.outOfSupport.map((x) => x.minor).join(", ")})${g.aksUpgrade ? `, AKS upgrades them ${inDays(g.aksUpgrade.daysLeft)}` : ""}`;
  }
  return `${scope}: ${plural(m.summary.clusters, "cluster")}, nothing due within ${m.windowDays} days`;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
