/**
 * The weekly digest (DIGEST_SCHEDULE, NCRONTAB, UTC): summarise the latest stored run and mail it.
 * Window alerts still waiting (due since the last sweep, or left pending by a failed send) go first,
 * since alerts travel with the next sweep or digest, whichever comes first. It sends under the
 * sweep's lease, so the digest and a sweep still sending its alerts never send at the same time;
 * finding the lease held, it fails (logged, never a silent success) and the host retries it later.
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import { sendDigest, sendWindowAlerts } from "../app/notify.js";
import { underLease } from "../app/underLease.js";
import { toIsoDate } from "../core/dates.js";
import { createTableLease } from "../store/lease.js";
import { appContext, scheduledOccurrence, isHostRetry } from "./runtime.js";

export async function weeklyDigest(timer: Timer, invocation: InvocationContext): Promise<void> {
  // The occurrence's date, not the clock's: a late or retried run still reports the week it was for.
  const asOf = toIsoDate(scheduledOccurrence(timer, new Date()));
  invocation.log(`digest for ${asOf}: isPastDue=${timer.isPastDue}`);
  const ctx = await appContext(invocation);
  const lease = createTableLease((await ctx.store()).ledgerTable(), "sweep");
  const holder = `digest-${asOf}`;
  await underLease(lease, holder, { what: `digest for ${asOf}`, log: invocation, retry: isHostRetry(invocation) }, async () => {
    const alerts = await sendWindowAlerts(ctx, null, { asOf });
    invocation.log(`window alerts: ${alerts.sent} sent, ${alerts.pending} pending, ${alerts.failed} failed`);
    const { messages } = await sendDigest(ctx, { asOf });
    invocation.log(`digest for ${asOf}: ${messages} message(s) sent`);
  });
}

// A sweep runs for minutes (host.json's functionTimeout is 30); retrying every 10 minutes for an hour outlasts any sweep.
app.timer("weeklyDigest", {
  schedule: "%DIGEST_SCHEDULE%",
  retry: { strategy: "fixedDelay", maxRetryCount: 6, delayInterval: 10 * 60_000 },
  handler: weeklyDigest,
});
