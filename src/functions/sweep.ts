/**
 * The scheduled sweep (SWEEP_SCHEDULE, NCRONTAB, UTC): audit the configured scope, store every
 * snapshot, send the deadline-window alerts, then purge history past RETENTION_DAYS. One sweep at a
 * time: the run takes a short lease, renewed while it works (app/underLease.ts). A trigger that finds
 * it held is recorded on the lease, logged, and fails, so the host reports and retries it. The run
 * id comes from the schedule occurrence, so a retry of the same occurrence lands on the same run and
 * re-enters the lease its earlier attempt left behind.
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import { alertingPart, newRunId, runAudit } from "../app/audit.js";
import { sendWindowAlerts } from "../app/notify.js";
import { closeAbandonedRuns } from "../app/runs.js";
import { underLease } from "../app/underLease.js";
import { runAuditWithFanOut } from "../app/scanQueue.js";
import { addDays, toIsoDate } from "../core/dates.js";
import { createTableLease } from "../store/lease.js";
import { appContext, auditDeps, configuredScope, scheduledOccurrence, isHostRetry } from "./runtime.js";

export async function sweep(timer: Timer, invocation: InvocationContext): Promise<void> {
  const occurrence = scheduledOccurrence(timer, new Date());
  const runId = newRunId(occurrence, "timer");
  const asOf = toIsoDate(occurrence);
  invocation.log(`sweep ${runId}: isPastDue=${timer.isPastDue}`);

  const ctx = await appContext(invocation);
  const store = await ctx.store();
  const lease = createTableLease(store.ledgerTable(), "sweep");
  await underLease(lease, runId, { what: `sweep ${runId}`, log: invocation, retry: isHostRetry(invocation) }, async () => {
    // Runs that never recorded their end are closed as failed, so history does not say "running" forever.
    for (const stale of await closeAbandonedRuns(store, new Date(), { olderThanHours: 24, windowDays: ctx.config.alertWindowDays })) {
      invocation.warn(`run ${stale.runId} never recorded its end; marked failed with ${stale.summary.clusters} stored clusters`);
    }
    const request = { runId, trigger: "timer" as const, scope: configuredScope(ctx), asOf, windowDays: ctx.config.alertWindowDays, now: () => new Date(), collect: alertingPart(ctx.config.alertWindowDays) };
    // With in-cluster scanning on, scans fan out over the queue (scanCluster) so a large fleet does
    // not have to fit one invocation; the run then completes when the last scan does.
    const outcome = ctx.config.openSourceScan.enabled
      ? await runAuditWithFanOut(auditDeps(ctx, store), request, await ctx.openSourceFanOut())
      : { ...(await runAudit(auditDeps(ctx, store), request)), resumed: false };
    const { report, run } = outcome;
    // With scans out the run record says "running"; whether the sweep itself failed is its own status.
    const sweepStatus = "sweepStatus" in outcome ? outcome.sweepStatus : run.status;
    invocation.log(`sweep ${runId} ${run.status}${sweepStatus !== run.status ? ` (sweep ${sweepStatus})` : ""}${outcome.resumed ? " (swept before: not swept again)" : ""}: ${report.summary.clusters} clusters, ${report.errors.length} scope errors`);
    // A failed sweep stored nothing worth alerting on; throwing lets the retry policy try the same run again.
    if (sweepStatus === "failed") throw new Error(`sweep ${runId} failed: ${report.errors.map((e) => e.message).join("; ")}`);
    const alerts = await sendWindowAlerts(ctx, report, { asOf });
    invocation.log(`window alerts: ${alerts.sent} sent, ${alerts.pending} pending, ${alerts.failed} failed`);
    for (const drop of alerts.dropped ?? []) invocation.warn(`${drop.scope}: ${drop.message}`);
    // Retention is enforced here, the one scheduled writer, still under the lease.
    const purged = await store.purge(addDays(asOf, -ctx.config.retentionDays));
    invocation.log(`retention: ${purged} entities older than ${ctx.config.retentionDays} days removed`);
  });
}

app.timer("sweep", {
  schedule: "%SWEEP_SCHEDULE%",
  // A retry reuses the occurrence's run id (see scheduledOccurrence), so it completes the same run.
  retry: { strategy: "fixedDelay", maxRetryCount: 2, delayInterval: 5 * 60_000 },
  handler: sweep,
});
