/**
 * Queue-triggered: runs an on-demand audit that POST /api/audits accepted with 202. A queue rather
 * than an un-awaited promise, because Flex Consumption may stop an instance once its HTTP
 * invocation has answered; a queued run survives that, and a retried message reuses the run id.
 * The message names the run; the request is read from the run record.
 */
import { app, type InvocationContext } from "@azure/functions";
import { MAX_DEQUEUE_COUNT } from "../app/auditQueue.js";
import { runQueuedAudit } from "../app/onDemand.js";
import { AUDIT_QUEUE, parseAuditMessage, storedAuditRequest } from "../http/auditRequest.js";
import { appContext, auditDeps } from "./runtime.js";

export { MAX_DEQUEUE_COUNT };

export async function auditWorker(message: unknown, invocation: InvocationContext): Promise<void> {
  const ctx = await appContext(invocation);
  let runId: string;
  try {
    runId = parseAuditMessage(message).runId;
  } catch (error) {
    // Retrying a malformed message cannot help: log and drop it.
    invocation.error(`dropped an audit request: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  const dequeueCount = Number(invocation.triggerMetadata?.dequeueCount ?? 1);
  const outcome = await runQueuedAudit(runId, {
    store: await ctx.store(),
    auditDeps: (store) => auditDeps(ctx, store),
    validate: (run) => storedAuditRequest(run, ctx),
    windowDays: ctx.config.alertWindowDays,
    now: () => new Date(),
    lastDelivery: dequeueCount >= MAX_DEQUEUE_COUNT,
  });
  if (outcome.kind === "unknown") invocation.error(`dropped an audit request: no run ${runId} is recorded`);
  else if (outcome.kind === "duplicate") invocation.log(`audit ${runId} already ${outcome.run.status}; duplicate message ignored`);
  else {
    const { run } = outcome;
    invocation.log(`audit ${run.runId} ${run.status}: ${run.summary.clusters} clusters, ${run.errors.length} errors`);
  }
}

app.storageQueue("auditWorker", { queueName: AUDIT_QUEUE, connection: "AzureWebJobsStorage", handler: auditWorker });
