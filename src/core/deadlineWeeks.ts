/**
 * Deadlines per week ahead of a run's asOf: for each week, how many clusters have at least one
 * integration deadline in it. A fold over clusters, so a caller can feed it a page at a time.
 */
import { addDays } from "./dates.js";
import type { ClusterReport } from "./report.js";
import type { IsoDate } from "./types.js";

export interface DeadlineWeek {
  /** 1 for the week starting on asOf. */
  week: number;
  /** Days after asOf, inclusive: 0–6 for week 1. */
  fromDay: number;
  toDay: number;
  start: IsoDate;
  end: IsoDate;
  /** Clusters with a deadline in this week (each cluster counted once per week). */
  clusters: number;
  /** Integration deadlines in this week. */
  deadlines: number;
}

export function emptyWeeks(asOf: IsoDate, weeks: number): DeadlineWeek[] {
  return Array.from({ length: weeks }, (_, w) => ({
    week: w + 1,
    fromDay: w * 7,
    toDay: w * 7 + 6,
    start: addDays(asOf, w * 7),
    end: addDays(asOf, w * 7 + 6),
    clusters: 0,
    deadlines: 0,
  }));
}

/** Adds one cluster's deadlines (days counted from the asOf they were judged at) to the weeks. */
export function addDeadlines(weeks: DeadlineWeek[], cluster: ClusterReport): void {
  const touched = new Set<number>();
  for (const integration of cluster.integrations) {
    for (const deadline of integration.deadlines) {
      if (deadline.daysLeft < 0) continue;
      const w = Math.floor(deadline.daysLeft / 7);
      if (w >= weeks.length) continue;
      weeks[w]!.deadlines += 1;
      touched.add(w);
    }
  }
  for (const w of touched) weeks[w]!.clusters += 1;
}
