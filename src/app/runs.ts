/**
 * Housekeeping of run records. A run whose end could not be recorded (the host stopped mid-run, the
 * store was unreachable at the end) would otherwise say "running" forever; auditors reading history
 * need to see that it never finished, with what it did store.
 */
import { addDays, toIsoDate } from "../core/dates.js";
import type { HistoryStore, RunRecord, RunTrigger } from "../core/ports.js";
import { addToSummary, emptySummary } from "../core/report.js";

export interface AbandonedRunOptions {
  /** A run still "running" this long after it started is abandoned (in-cluster scans included). */
  olderThanHours: number;
  windowDays: number;
  /** How far back to look, in days of asOf. */
  lookBackDays?: number;
  /** Only runs of this trigger (`aks-audit serve` closes the HTTP runs its previous queue took with it). */
  trigger?: RunTrigger;
}

export const ABANDONED_MESSAGE = "the run never recorded its end (the host stopped or the store was unreachable); its stored snapshots are kept";

/** Marks abandoned runs failed, with a summary of what they stored; returns the runs it closed. */
export async function closeAbandonedRuns(store: HistoryStore, now: Date, options: AbandonedRunOptions): Promise<RunRecord[]> {
  const cutoff = now.getTime() - options.olderThanHours * 3_600_000;
  const from = addDays(toIsoDate(now), -(options.lookBackDays ?? 14));
  const closed: RunRecord[] = [];
  let token: string | undefined;
  do {
    const page = await store.listRuns({ from, continuationToken: token, limit: 100 });
    for (const run of page.items) {
      if (run.status !== "running" || Date.parse(run.startedAt) > cutoff) continue;
      if (options.trigger !== undefined && run.trigger !== options.trigger) continue;
      // Summarised a page of clusters at a time: a tenant-scale run is never held whole.
      const summary = emptySummary();
      for await (const clusters of store.runClusterPages(run.runId)) for (const cluster of clusters) addToSummary(summary, cluster, options.windowDays);
      const done: RunRecord = {
        ...run,
        status: "failed",
        endedAt: now.toISOString(),
        summary,
        errors: [...run.errors, { scope: "run", message: ABANDONED_MESSAGE }],
      };
      await store.completeRun(done);
      closed.push(done);
    }
    token = page.continuationToken ?? undefined;
  } while (token);
  return closed;
}
