/**
 * On-demand audits that do not fit one HTTP answer: accepted by POST /api/audits, run by
 * auditWorker. What one caller can cost is bounded here: one wide run (whole subscriptions, groups or
 * the tenant) at a time, and no run left "running" by a failure after it was begun.
 */
import type { HistoryStore, RunRecord } from "../core/ports.js";
import type { AuditScope, IsoDate } from "../core/types.js";
import { errorMessage, runAudit, type AuditDeps } from "./audit.js";
import type { AuditQueue } from "./auditQueue.js";

/** A run that sweeps whole subscriptions, groups or the tenant (no cluster list narrows it). */
export const isWideScope = (scope: AuditScope): boolean => scope.clusterIds.length === 0;

export type Accepted =
  | { kind: "queued"; run: RunRecord }
  /** Another wide run holds the slot; nothing was recorded or queued. */
  | { kind: "busy"; holder: string }
  /** Recorded, but the queue refused it: the run is recorded failed with the reason. */
  | { kind: "not-queued"; run: RunRecord };

export function failedRun(run: RunRecord, message: string, now: Date): RunRecord {
  return { ...run, status: "failed", endedAt: now.toISOString(), errors: [...run.errors, { scope: "run", message }] };
}

/** Claims the wide-run slot when it applies, records the run, then queues its id. */
export async function acceptAudit(deps: { store: HistoryStore; queue: AuditQueue; now: () => Date }, run: RunRecord): Promise<Accepted> {
  if (isWideScope(run.scope)) {
    const holder = await deps.store.claimWideRun(run.runId, deps.now());
    if (holder) return { kind: "busy", holder };
  }
  // Recorded before it is queued, so polling the Location never answers 404 for a run we accepted.
  await deps.store.beginRun(run);
  try {
    await deps.queue.send({ runId: run.runId });
    return { kind: "queued", run };
  } catch (error) {
    const failed = failedRun(run, `could not queue the run for the worker (${deps.queue.name}): ${errorMessage(error)}`, deps.now());
    await deps.store.completeRun(failed);
    return { kind: "not-queued", run: failed };
  }
}

export interface WorkerDeps {
  store: HistoryStore;
  auditDeps: (store: HistoryStore) => AuditDeps;
  /** The stored request judged by today's settings; throws why it is no longer acceptable. */
  validate: (run: RunRecord) => { scope: AuditScope; asOf: IsoDate };
  windowDays: number;
  now: () => Date;
  /** The host will not deliver this message again: a failure now is recorded, not retried. */
  lastDelivery: boolean;
}

export type Worked =
  | { kind: "unknown" }
  | { kind: "duplicate"; run: RunRecord }
  | { kind: "failed"; run: RunRecord }
  | { kind: "done"; run: RunRecord };

/**
 * Runs a queued audit from its stored record. An error before the audit starts its sweep is handed
 * back for the host to retry the message, except on the last delivery, where the run is recorded
 * failed with the error: never "running" for ever.
 */
export async function runQueuedAudit(runId: string, deps: WorkerDeps): Promise<Worked> {
  const recorded = await deps.store.getRun(runId);
  if (!recorded) return { kind: "unknown" };
  // Queue delivery is at-least-once: a message for a run that already finished is a duplicate.
  if (recorded.status !== "running") return { kind: "duplicate", run: recorded };
  const fail = async (message: string): Promise<Worked> => {
    const run = failedRun(recorded, message, deps.now());
    await deps.store.completeRun(run);
    return { kind: "failed", run };
  };
  let request: { scope: AuditScope; asOf: IsoDate };
  try {
    request = deps.validate(recorded);
  } catch (error) {
    // Retrying cannot help: the settings, not the weather, refuse it.
    return fail(`the stored request is no longer accepted: ${errorMessage(error)}`);
  }
  try {
    const { run } = await runAudit(deps.auditDeps(deps.store), {
      runId,
      trigger: recorded.trigger,
      ...request,
      windowDays: deps.windowDays,
      now: deps.now,
      collect: false,
    });
    return { kind: "done", run };
  } catch (error) {
    if (!deps.lastDelivery) throw error;
    return fail(`the audit failed on the message's last delivery: ${errorMessage(error)}`);
  }
}
