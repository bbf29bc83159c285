/**
 * Housekeeping of run records. A run whose end could not be recorded (the host stopped mid-run, the
 * store was unreachable at the end) would otherwise say "running" forever; auditors reading history
 * need to see that it never finished, with what it did store.
 */
import { addDays, toIsoDate } from "../core/dates.js";
import type { HistoryStore, RunRecord } from "../core/ports.js";
import { summarize } from "../core/report.js";

export interface AbandonedRunOptions {
  /** A run still "running" this long after it started is abandoned (in-cluster scans included). */
  olderThanHours: number;
  windowDays: number;
  /** How far back to look, in days of asOf. */
  lookBackDays?: number;
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
      const report = await store.runReport(run.runId);
      const done: RunRecord = {
        ...run,
        status: "failed",
        endedAt: now.toISOString(),
        summary: summarize(report?.clusters ?? [], options.windowDays),
        errors: [...run.errors, { scope: "run", message: ABANDONED_MESSAGE }],
      };
      await store.completeRun(done);
      closed.push(done);
    }
    token = page.continuationToken ?? undefined;
  } while (token);
  return closed;
}
