/**
 * The weekly digest (DIGEST_SCHEDULE, NCRONTAB, UTC): summarise the latest stored run and mail it.
 * Window alerts still waiting (due since the last sweep, or left pending by a failed send) go first,
 * since alerts travel with the next sweep or digest, whichever comes first.
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import { sendDigest, sendWindowAlerts } from "../app/notify.js";
import { toIsoDate } from "../core/dates.js";
import { appContext, scheduledOccurrence } from "./runtime.js";

export async function weeklyDigest(timer: Timer, invocation: InvocationContext): Promise<void> {
  // The occurrence's date, not the clock's: a late or retried run still reports the week it was for.
  const asOf = toIsoDate(scheduledOccurrence(timer, new Date()));
  invocation.log(`digest for ${asOf}: isPastDue=${timer.isPastDue}`);
  const ctx = await appContext(invocation);
  const alerts = await sendWindowAlerts(ctx, null, { asOf });
  invocation.log(`window alerts: ${alerts.sent} sent, ${alerts.pending} pending, ${alerts.failed} failed`);
  const { messages } = await sendDigest(ctx, { asOf });
  invocation.log(`digest for ${asOf}: ${messages} message(s) sent`);
}

app.timer("weeklyDigest", { schedule: "%DIGEST_SCHEDULE%", handler: weeklyDigest });
