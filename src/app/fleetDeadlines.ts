/**
 * The deadlines chart and whole-run counts behind the console's fleet view: one pass over the
 * latest fleet run at or before a date, a page of clusters at a time, so memory stays one page
 * however large the fleet.
 */
import { addDeadlines, emptyWeeks, type DeadlineWeek } from "../core/deadlineWeeks.js";
import { filterCluster, type FleetFilter } from "../core/fleetFilter.js";
import type { HistoryStore, RunRecord } from "../core/ports.js";
import { addToSummary, emptySummary, type ReportSummary } from "../core/report.js";
import type { IsoDate } from "../core/types.js";

export interface FleetDeadlines {
  run: RunRecord;
  weeks: DeadlineWeek[];
  /** The whole run's clusters and integrations that the filters keep. */
  matched: ReportSummary;
}

export async function fleetDeadlines(
  store: HistoryStore,
  asOf: IsoDate,
  options: { weeks: number; filter: FleetFilter; windowDays: number },
): Promise<FleetDeadlines | null> {
  const run = await store.fleetRunAsOf(asOf);
  if (!run) return null;
  const weeks = emptyWeeks(run.asOf, options.weeks);
  const matched = emptySummary();
  for await (const page of store.runClusterPages(run.runId)) {
    for (const cluster of page) {
      const kept = filterCluster(options.filter, cluster);
      if (!kept) continue;
      addToSummary(matched, kept, options.windowDays);
      addDeadlines(weeks, kept);
    }
  }
  return { run, weeks, matched };
}
