/**
 * Queue-triggered: one cluster's in-cluster open-source scan for a run whose sweep fanned the scans
 * out (app/scanQueue.ts, docs/open-source-scan.md). A transient failure throws, so the host retries
 * the message; after maxDequeueCount attempts the host moves it to the poison queue, where
 * scanClusterPoison records the cluster as failed so the run can still complete and report it.
 */
import { app, type InvocationContext } from "@azure/functions";
import { processScanMessage, recordPoisonedScan, SCAN_POISON_QUEUE, SCAN_QUEUE, type ScanWorkerDeps, type ScanWorkOutcome } from "../app/scanQueue.js";
import { appContext } from "./runtime.js";

async function workerDeps(): Promise<ScanWorkerDeps> {
  const ctx = await appContext();
  const fanOut = await ctx.openSourceFanOut();
  return { clusters: fanOut.clusters, versions: ctx.versions(), catalog: ctx.catalog, store: await ctx.store(), progress: fanOut.progress, now: () => new Date() };
}

function logOutcome(outcome: ScanWorkOutcome, invocation: InvocationContext): void {
  if (outcome.kind === "dropped") invocation.error(`dropped a scan message: ${outcome.reason}`);
  else if (outcome.kind === "late") invocation.log(`scan of ${outcome.clusterId} for ${outcome.runId}: the run is complete; late copy ignored`);
  else invocation.log(`scan of ${outcome.clusterId} for ${outcome.runId}: ${outcome.result}${outcome.counted ? "" : " (already counted)"}${outcome.runCompleted ? "; run completed" : ""}`);
}

export async function scanCluster(message: unknown, invocation: InvocationContext): Promise<void> {
  logOutcome(await processScanMessage(message, await workerDeps()), invocation);
}

export async function scanClusterPoison(message: unknown, invocation: InvocationContext): Promise<void> {
  const outcome = await recordPoisonedScan(message, await workerDeps());
  if (outcome.kind === "saved") invocation.warn(`scan of ${outcome.clusterId} for ${outcome.runId} gave up after repeated failures; recorded as a run error`);
  else logOutcome(outcome, invocation);
}

app.storageQueue("scanCluster", { queueName: SCAN_QUEUE, connection: "AzureWebJobsStorage", handler: scanCluster });
app.storageQueue("scanClusterPoison", { queueName: SCAN_POISON_QUEUE, connection: "AzureWebJobsStorage", handler: scanClusterPoison });
