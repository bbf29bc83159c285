/**
 * The deadlines chart and whole-run counts behind the console's fleet view: one pass over the
 * latest fleet run at or before a date, a page of clusters at a time, so memory stays one page
 * however large the fleet. The pages are the fleet view's own (GET /api/fleet) under the same
 * filters: the store drops rows outside a subscription, resource group, severity or tier before it
 * reads their chains, and every page stays on the run the first one found.
 */
import { addDeadlines, emptyWeeks, type DeadlineWeek } from "../core/deadlineWeeks.js";
import type { FleetFilter } from "../core/fleetFilter.js";
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
  let run: RunRecord | null = null;
  let weeks: DeadlineWeek[] = [];
  const matched = emptySummary();
  let token: string | undefined;
  do {
    const page = await store.fleetAsOf(asOf, { ...options.filter, limit: PAGE, continuationToken: token });
    if (!page) return null;
    if (!run) {
      run = page.run;
      weeks = emptyWeeks(run.asOf, options.weeks);
    }
    for (const cluster of page.clusters) {
      addToSummary(matched, cluster, options.windowDays);
      addDeadlines(weeks, cluster);
    }
    token = page.continuationToken ?? undefined;
  } while (token);
  return { run: run!, weeks, matched };
}

/** Clusters held at once. */
const PAGE = 200;
