/**
 * Window alerts: which causes (core/digest/causes.ts) have crossed an alert threshold. An alert's
 * identity is its cause and the threshold it crossed, so each cause alerts once per threshold: first
 * seen at 20 days left it gets the 30-day alert, later the 14- and 7-day ones, and the ledger
 * (src/notify) makes each id go out once per recipient.
 */
import { createHash } from "node:crypto";
import type { ClusterReport } from "./report.js";
import type { IsoDate } from "./types.js";
import type { Route } from "./routing.js";
import { causesOf, type Cause } from "./digest/causes.js";

export const DEFAULT_THRESHOLDS: readonly number[] = Object.freeze([60, 30, 14, 7]);

export interface AlertOptions {
  /** Days-left thresholds; default 60,30,14,7. */
  thresholds?: readonly number[];
  /** Alert window; defaults to the largest threshold. Causes further out raise nothing. */
  windowDays?: number;
}

/** SHA-256 of the parts (joined unambiguously), first 32 hex digits: safe as a RowKey and a file name. */
export function stableId(parts: readonly string[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}

/** The smallest threshold ≥ daysLeft, or null when the deadline is passed or beyond every threshold. */
export function thresholdFor(daysLeft: number, thresholds: readonly number[] = DEFAULT_THRESHOLDS): number | null {
  if (!Number.isFinite(daysLeft) || daysLeft < 0) return null;
  let best: number | null = null;
  for (const t of thresholds) {
    if (t >= daysLeft && (best === null || t < best)) best = t;
  }
  return best;
}

function normaliseThresholds(thresholds: readonly number[] | undefined): number[] {
  const list = (thresholds ?? DEFAULT_THRESHOLDS).filter((t) => Number.isInteger(t) && t >= 0);
  return [...new Set(list)].sort((a, b) => b - a);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ------------------------------------------------------------------ alerts per cause

/**
 * What goes out: one alert per cause per threshold. A cause reaching its 30-day threshold for 61
 * clusters is one alert, under one ledger row per recipient. A cluster that joins a cause after
 * its alert went out is not alerted again at that threshold (the digest lists it); it is at the
 * next threshold, with the rest.
 */
export interface CauseAlert {
  /** Deterministic: a hash of the cause key and the threshold (the ledger's row key). */
  id: string;
  causeKey: string;
  threshold: number;
  /** The cause as of the report that raised the alert; its cluster list is cut at ALERT_CLUSTERS_KEPT. */
  cause: Cause;
  /** All affected clusters of the recipient, including those cut from `cause.clusters`. */
  clusterCount: number;
}

/** Clusters kept per alert in the ledger row (Table properties hold 64 KB); the rest are counted. */
export const ALERT_CLUSTERS_KEPT = 25;

export function causeAlertId(causeKey: string, threshold: number): string {
  return stableId(["cause-alert/v1", causeKey, String(threshold)]);
}

export interface CauseAlertOptions extends AlertOptions {
  asOf: IsoDate;
  routingTag?: string | null;
}

/** The cause alerts due on these clusters, soonest first. */
export function dueCauseAlerts(clusters: readonly ClusterReport[], options: CauseAlertOptions): CauseAlert[] {
  const thresholds = normaliseThresholds(options.thresholds);
  if (thresholds.length === 0) return [];
  const windowDays = options.windowDays ?? Math.max(...thresholds);
  const out: CauseAlert[] = [];
  for (const cause of causesOf(clusters, { asOf: options.asOf, windowDays, routingTag: options.routingTag ?? null })) {
    const threshold = thresholdFor(cause.daysLeft, thresholds);
    if (threshold === null) continue;
    out.push({
      id: causeAlertId(cause.key, threshold),
      causeKey: cause.key,
      threshold,
      cause: { ...cause, clusters: cause.clusters.slice(0, ALERT_CLUSTERS_KEPT), folded: cause.folded.slice(0, 10) },
      clusterCount: cause.clusterCount,
    });
  }
  return sortCauseAlerts(out);
}

export function sortCauseAlerts(alerts: readonly CauseAlert[]): CauseAlert[] {
  return [...alerts].sort((a, b) => a.cause.daysLeft - b.cause.daysLeft || b.clusterCount - a.clusterCount || cmp(a.causeKey, b.causeKey) || a.threshold - b.threshold);
}

export interface RecipientCauseAlerts {
  recipient: string;
  alerts: CauseAlert[];
}

/** Per route, the cause alerts of the recipient's own clusters; recipients with nothing due are left out. */
export function causeAlertsByRecipient(routes: readonly Route[], options: CauseAlertOptions): RecipientCauseAlerts[] {
  const out: RecipientCauseAlerts[] = [];
  for (const route of routes) {
    const alerts = dueCauseAlerts(route.clusters, options);
    if (alerts.length > 0) out.push({ recipient: route.recipient, alerts });
  }
  return out;
}
