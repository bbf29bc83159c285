/**
 * Queue-triggered: runs an on-demand audit that POST /api/audits accepted with 202. A queue rather
 * than an un-awaited promise, because Flex Consumption may stop an instance once its HTTP
 * invocation has answered; a queued run survives that, and a retried message reuses the run id.
 */
import { app, type InvocationContext } from "@azure/functions";
import { runAudit } from "../app/audit.js";
import { AUDIT_QUEUE, parseAuditMessage } from "../http/auditRequest.js";
import { appContext, auditDeps } from "./runtime.js";

export async function auditWorker(message: unknown, invocation: InvocationContext): Promise<void> {
  const ctx = await appContext(invocation);
  let request;
  try {
    request = parseAuditMessage(message, ctx);
  } catch (error) {
    // Retrying a malformed message cannot help: log and drop it.
    invocation.error(`dropped an audit request: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  const store = await ctx.store();
  // Queue delivery is at-least-once: a message for a run that already finished is a duplicate.
  const recorded = await store.getRun(request.runId);
  if (recorded && recorded.status !== "running") {
    invocation.log(`audit ${request.runId} already ${recorded.status}; duplicate message ignored`);
    return;
  }
  const { run } = await runAudit(auditDeps(ctx, store), {
    ...request,
    trigger: "http",
    windowDays: ctx.config.alertWindowDays,
    now: () => new Date(),
    collect: false,
  });
  invocation.log(`audit ${run.runId} ${run.status}: ${run.summary.clusters} clusters, ${run.errors.length} scope errors`);
}

app.storageQueue("auditWorker", { queueName: AUDIT_QUEUE, connection: "AzureWebJobsStorage", handler: auditWorker });
