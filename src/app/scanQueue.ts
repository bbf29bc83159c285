/**
 * The in-cluster scan fanned out over an Azure Storage Queue, for fleets one instance cannot scan
 * within its time budget (docs/open-source-scan.md has the picture).
 *
 * 1. The sweep (`runAuditWithFanOut`) runs the normal audit. Its scan hook queues nothing yet: it
 *    notes "pending" on each selected cluster and keeps one message per cluster (run id, cluster id,
 *    location, subscription, and the cluster and extension records needed to classify it). A page's
 *    messages are queued once that page's snapshots are stored — at the next page, or at the end —
 *    so a fast worker can never be overwritten by the sweep's pending snapshot.
 * 2. The queue-triggered worker (`processScanMessage`) scans the cluster, classifies it with the same
 *    classifier and catalog, and replaces that cluster's snapshot for the run (saveSnapshots is
 *    idempotent per run and cluster). The cluster's progress row moves from queued to done exactly
 *    once (runProgress.ts), so a redelivered message rewrites the same snapshot and counts nothing twice.
 * 3. A message the host gives up on lands in `<queue>-poison`; `recordPoisonedScan` marks the
 *    cluster failed and notes it on its snapshot. The run's error list names it.
 * 4. Whoever moves the last cluster (a worker, the poison handler, or the sweep if the workers were
 *    faster) completes the run: the sweep's own status and summary plus what the scans added.
 *    Until then the run record says "running".
 */
import type { QueueClient } from "@azure/storage-queue";
import type { Catalog } from "../catalog/schema.js";
import type { FleetSource, HistoryStore, RunRecord, RunStatus, UpgradeOptions, UpgradeProfileSource, VersionSource } from "../core/ports.js";
import { addCounts, addToSummary, emptySummary, SCHEMA_VERSION, type AuditReport, type ClusterReport, type ReportSummary } from "../core/report.js";
import { armIdKey, type ClusterRecord, type ExtensionRecord, type IsoDate, type LocationVersions, type ScopeError } from "../core/types.js";
import { Semaphore } from "../sources/throttle.js";
import { canonicalJson, sha256Hex } from "../store/hashChain.js";
import type { RunProgress } from "../store/runProgress.js";
import {
  classifyForRun,
  errorMessage,
  indexExtension,
  runAudit,
  type AuditDeps,
  type AuditOutcome,
  type AuditRequest,
  type OpenSourceScanner,
  type ScanOutcome,
} from "./audit.js";
import { queueSender } from "./queueSender.js";
import { notSelectedReason, outcomeOf, type ClusterScanner, type ClusterScanResult, type ScanSelection } from "./openSourceScan.js";

export const SCAN_QUEUE = "aksaudit-oss-scan";
/** The Functions host moves a message here after maxDequeueCount failed attempts (5 by default). */
export const SCAN_POISON_QUEUE = `${SCAN_QUEUE}-poison`;

/** What the sweep notes on a cluster whose scan is queued; the worker's snapshot replaces it. */
export const PENDING_NOTE = "pending: queued for the in-cluster scan";

/** Queue messages are at most 64 KiB; the host reads them base64-encoded (4 bytes per 3). */
const MAX_MESSAGE_CHARS = 48 * 1024;

export interface ScanMessage {
  v: 1;
  runId: string;
  asOf: IsoDate;
  windowDays: number;
  clusterId: string;
  subscriptionId: string;
  location: string;
  /** The cluster as the sweep saw it: the classifier needs its add-ons and versions. */
  cluster: ClusterRecord;
  /** Its extensions, for conflicts with extension-based alternatives (Flux, Dapr). */
  extensions: ExtensionRecord[];
  /**
   * The region's versions the sweep classified with (null: none); absent when left out to fit the
   * message, and the worker then looks them up itself.
   */
  versions?: LocationVersions | null;
  /** The upgrade options the sweep added to the cluster's reasons (null: none). */
  upgrades?: UpgradeOptions | null;
}

export class ScanMessageError extends Error {
  override name = "ScanMessageError";
}

/** Checks a message as it arrives: the queue is shared infrastructure, not a type-checked call. */
export function parseScanMessage(value: unknown): ScanMessage {
  let body = value;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      throw new ScanMessageError("the message is not JSON");
    }
  }
  const m = body as Partial<ScanMessage> | null;
  if (!m || typeof m !== "object" || m.v !== 1) throw new ScanMessageError("not a version 1 scan message");
  for (const field of ["runId", "asOf", "clusterId", "subscriptionId", "location"] as const) {
    if (typeof m[field] !== "string" || m[field] === "") throw new ScanMessageError(`the message has no ${field}`);
  }
  if (typeof m.windowDays !== "number" || !Number.isFinite(m.windowDays)) throw new ScanMessageError("the message has no windowDays");
  if (!m.cluster || typeof m.cluster !== "object" || armIdKey(String(m.cluster.id)) !== armIdKey(m.clusterId!)) {
    throw new ScanMessageError("the message's cluster record does not match its clusterId");
  }
  if (!Array.isArray(m.extensions)) throw new ScanMessageError("the message has no extensions list");
  return m as ScanMessage;
}

/** The Storage Queue the sweep writes to. Messages are base64 JSON, as the Functions host reads them. */
export interface ScanQueue {
  readonly name: string;
  send(message: ScanMessage): Promise<void>;
}

export function encodeScanMessage(message: ScanMessage): string {
  return Buffer.from(JSON.stringify(message), "utf8").toString("base64");
}

export function createScanQueue(client: QueueClient): ScanQueue {
  return { name: client.name, send: queueSender(client, encodeScanMessage) };
}

/** Everything the queue path needs, built by the app context. */
export interface ScanFanOut {
  queue: ScanQueue;
  progress: RunProgress;
  selection: ScanSelection;
  clusters: ClusterScanner;
}

// ---------------------------------------------------------------- the sweep side

export interface FanOutOutcome extends AuditOutcome {
  /** Scans queued for this run. */
  queued: number;
  /** True when every queued scan had finished by the time the sweep returned. */
  complete: boolean;
  /**
   * What the sweep itself concluded, before the scans ("failed": retry it). The run record says
   * "running" while scans are out, so this is what the caller decides a retry on.
   */
  sweepStatus: RunStatus;
  /** True when the run had been swept already (a retry of the same run id): nothing was swept again. */
  resumed: boolean;
}

/** The cluster's report for the run from its message, exactly as the sweep makes it. */
function classifyMessage(message: ScanMessage, outcome: ScanOutcome, catalog: Catalog, versions: LocationVersions | null): ClusterReport {
  return classifyForRun(
    { cluster: message.cluster, extensions: message.extensions, scan: outcome, versions, upgrades: message.upgrades ?? null },
    catalog,
    { asOf: message.asOf, windowDays: message.windowDays },
  );
}

/** The message as it may be queued: the region's versions are left out first if it is too large. */
function fitMessage(message: ScanMessage): ScanMessage {
  if (JSON.stringify(message).length <= MAX_MESSAGE_CHARS) return message;
  const { versions: _dropped, ...lighter } = message;
  return lighter;
}

/** The report of a run swept before (a retry finds it so): what is stored, without the clusters. */
function storedReport(run: RunRecord): AuditReport {
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: run.runId,
    asOf: run.asOf,
    catalog: { version: run.catalogVersion, checkedAt: run.catalogCheckedAt },
    clusters: [],
    summary: run.summary,
    errors: [...run.errors],
  };
}

/** Passes every call through, except that completing the run may be held open for the scans. */
function holdingStore(store: HistoryStore, onComplete: (run: RunRecord) => Promise<RunRecord>, onBegin: (run: RunRecord) => void): HistoryStore {
  return {
    beginRun: async (run) => {
      onBegin(run);
      await store.beginRun(run);
    },
    saveSnapshots: (run, clusters) => store.saveSnapshots(run, clusters),
    completeRun: async (run) => store.completeRun(await onComplete(run)),
    claimWideRun: (runId, now) => store.claimWideRun(runId, now),
    getRun: (runId) => store.getRun(runId),
    listRuns: (query) => store.listRuns(query),
    runReport: (runId) => store.runReport(runId),
    runReportPage: (runId, query) => store.runReportPage(runId, query),
    runClusterPages: (runId, pageSize) => store.runClusterPages(runId, pageSize),
    runClusterPairs: (runId, otherRunId, pageSize) => store.runClusterPairs(runId, otherRunId, pageSize),
    clusterHistory: (clusterId, query) => store.clusterHistory(clusterId, query),
    fleetAsOf: (asOf, query) => store.fleetAsOf(asOf, query),
    verify: (clusterId, options) => store.verify(clusterId, options),
    evidence: (runId) => store.evidence(runId),
    purge: (before) => store.purge(before),
  };
}

/**
 * The audit with its in-cluster scans queued instead of run here. Needs a store (the workers write
 * into the run). Returns as soon as the sweep is done; the run completes when the scans do.
 */
export async function runAuditWithFanOut(deps: AuditDeps, request: AuditRequest, fanOut: Omit<ScanFanOut, "clusters">, options: { sendConcurrency?: number } = {}): Promise<FanOutOutcome> {
  const store = deps.store;
  if (!store) throw new Error("queued open-source scans need a history store: the workers write into the run");
  const completeDeps = { store, progress: fanOut.progress, now: request.now };

  // A retry of a run already swept (same run id): sweeping again would store "pending" over the
  // workers' scans and mark a completed run running. Complete it if it is due; report what is stored.
  const stored = await store.getRun(request.runId);
  if (stored) {
    const known = await fanOut.progress.state(request.runId);
    const sweptOk = known?.sealed === true && known.sweep !== null && known.sweep.status !== "failed";
    if (sweptOk || (stored.status !== "running" && stored.status !== "failed")) {
      const run = (await completeRunIfDone(request.runId, completeDeps)) ?? (await store.getRun(request.runId)) ?? stored;
      const sweepStatus = known?.sweep?.status ?? run.status;
      return { report: storedReport(run), run, queued: 0, complete: run.status !== "running", sweepStatus, resumed: true };
    }
  }

  const gate = new Semaphore(Math.max(1, options.sendConcurrency ?? 16));
  const extensionsByCluster = new Map<string, ExtensionRecord[]>();
  const versionsSeen = new Map<string, LocationVersions | null>();
  const upgradesSeen = new Map<string, UpgradeOptions | null>();
  let pending: ScanMessage[] = [];
  let queued = 0;
  let sweepRun: RunRecord | null = null;
  const runErrors: ScopeError[] = [];

  // The audit reads every extension before the first page; keep them to put into the messages.
  const fleet: FleetSource = {
    async *extensions(scope, errors) {
      for await (const extension of deps.fleet.extensions(scope, errors)) {
        indexExtension(extensionsByCluster, extension);
        yield extension;
      }
    },
    clusterPages: (scope, errors) => deps.fleet.clusterPages(scope, errors),
  };
  // What the sweep classified with goes into the messages, so the worker classifies the same way.
  const versions: VersionSource | null = deps.versions
    ? {
        async versionsFor(location, subscriptionId, errors) {
          const found = await deps.versions!.versionsFor(location, subscriptionId, errors);
          versionsSeen.set(location.toLowerCase(), found);
          return found;
        },
      }
    : null;
  const upgradeProfiles: UpgradeProfileSource | null = deps.upgradeProfiles
    ? {
        async upgradeProfile(clusterId, errors) {
          const found = await deps.upgradeProfiles!.upgradeProfile(clusterId, errors);
          upgradesSeen.set(armIdKey(clusterId), found);
          return found;
        },
      }
    : null;

  /** A scan that will not run: a run error, the cluster's snapshot says why, and its row is failed. */
  const failScan = async (message: ScanMessage, why: string): Promise<void> => {
    const note = `open-source scan failed: ${why}`;
    runErrors.push({ scope: message.clusterId, message: note });
    try {
      const report = classifyMessage(message, { notScanned: `scan failed: ${why}` }, deps.catalog, message.versions ?? null);
      if (sweepRun) await store.saveSnapshots(sweepRun, [report]);
      await fanOut.progress.finish(request.runId, message.clusterId, { ok: false, message: note });
    } catch (error) {
      runErrors.push({ scope: message.clusterId, message: `the failed scan could not be recorded: ${errorMessage(error)}` });
    }
  };

  /** Queues the kept messages: registered as expected first, so a fast worker finds its row. */
  const flush = async (): Promise<void> => {
    const batch = pending.map((message) =>
      fitMessage({
        ...message,
        versions: versionsSeen.get(message.location.toLowerCase()) ?? null,
        upgrades: upgradesSeen.get(armIdKey(message.clusterId)) ?? null,
      }),
    );
    pending = [];
    if (batch.length === 0) return;
    try {
      await fanOut.progress.expect(request.runId, batch.map((m) => m.clusterId));
    } catch (error) {
      // Part of the batch may be registered: none of it is queued, so all of it is failed now.
      const why = `the scan could not be queued: ${errorMessage(error)}`;
      for (const message of batch) await failScan(message, why);
      return;
    }
    await Promise.all(
      batch.map((message) =>
        gate.run(async () => {
          try {
            if (encodeScanMessage(message).length > 64 * 1024) throw new Error("the message is larger than a queue message may be");
            await fanOut.queue.send(message);
            queued += 1;
          } catch (error) {
            await failScan(message, `the scan could not be queued: ${errorMessage(error)}`);
          }
        }),
      ),
    );
  };

  const scanner: OpenSourceScanner = {
    async scan(clusters) {
      // The previous page's snapshots are stored by now: its messages may go.
      await flush();
      const results = new Map<string, ScanOutcome>();
      for (const cluster of clusters) {
        const key = armIdKey(cluster.id);
        const skip = notSelectedReason(cluster, fanOut.selection);
        if (skip) {
          results.set(key, { notScanned: skip });
          continue;
        }
        pending.push({
          v: 1,
          runId: request.runId,
          asOf: request.asOf,
          windowDays: request.windowDays,
          clusterId: cluster.id,
          subscriptionId: cluster.subscriptionId,
          location: cluster.location,
          cluster,
          extensions: extensionsByCluster.get(key) ?? [],
        });
        results.set(key, { notScanned: PENDING_NOTE });
      }
      return results;
    },
  };

  const holding = holdingStore(
    store,
    async (run) => {
      // The last page is stored: queue its scans, then keep the run open while any are out.
      await flush();
      run.errors.push(...runErrors);
      if (runErrors.length > 0 && run.status === "succeeded") run.status = "partial";
      return queued > 0 ? { ...run, status: "running", endedAt: null } : run;
    },
    (run) => {
      sweepRun = run;
    },
  );

  const outcome = await runAudit({ ...deps, fleet, versions, upgradeProfiles, store: holding, openSource: scanner }, request);
  const sweepStatus = outcome.run.status;
  if (queued === 0) {
    // Nothing is out: the run is complete as the sweep recorded it; rows of failed sends go.
    await fanOut.progress.forget(request.runId).catch(() => undefined);
    return { ...outcome, queued, complete: true, sweepStatus, resumed: false };
  }

  await fanOut.progress.seal(request.runId, { status: outcome.run.status, summary: outcome.run.summary });
  const completed = await completeRunIfDone(request.runId, completeDeps);
  const run = completed ?? { ...outcome.run, status: "running" as RunStatus, endedAt: null };
  return { report: outcome.report, run, queued, complete: completed !== null, sweepStatus, resumed: false };
}

// ---------------------------------------------------------------- the worker side

export interface ScanWorkerDeps {
  clusters: ClusterScanner;
  versions: VersionSource | null;
  catalog: Catalog;
  store: HistoryStore;
  progress: RunProgress;
  now: () => Date;
}

export type ScanWorkOutcome =
  | { kind: "saved"; runId: string; clusterId: string; counted: boolean; result: ClusterScanResult["kind"]; runCompleted: boolean }
  /** The run is complete (or gone): a late copy of a message already handled. */
  | { kind: "late"; runId: string; clusterId: string }
  /** Not a scan message: retrying it cannot help. */
  | { kind: "dropped"; reason: string };

/** What the open-source integrations of a cluster add to a run's summary (the sweep counted the rest). */
export function openSourceDelta(report: ClusterReport, windowDays: number): ReportSummary {
  const delta = emptySummary();
  addToSummary(delta, { ...report, integrations: report.integrations.filter((i) => i.kind === "open-source") }, windowDays);
  delta.clusters = 0;
  return delta;
}

/**
 * The region's versions for the message: the sweep's, or (when they were left out to fit the
 * message) looked up here, with any lookup errors.
 */
async function versionsFor(message: ScanMessage, deps: Pick<ScanWorkerDeps, "versions">): Promise<{ versions: LocationVersions | null; errors: ScopeError[] }> {
  const errors: ScopeError[] = [];
  if (message.versions !== undefined || !deps.versions) return { versions: message.versions ?? null, errors };
  return { versions: await deps.versions.versionsFor(message.location, message.subscriptionId, errors), errors };
}

/**
 * Why the run does not hold this report for the cluster (null when it does): another run may have
 * linked the cluster after the sweep, and the store then keeps the run's first snapshot.
 */
async function lostSnapshot(store: HistoryStore, message: ScanMessage, report: ClusterReport): Promise<string | null> {
  const page = await store.clusterHistory(message.clusterId, { from: message.asOf, to: message.asOf, limit: 2 });
  const mine = page.items.find((s) => s.runId === message.runId);
  if (mine && mine.contentHash === sha256Hex(canonicalJson(report))) return null;
  return "the scan's snapshot was not stored for the run: another run recorded the cluster after the sweep, and the run keeps the snapshot it stored first";
}

/** The message and its still-open run, or the outcome that ends handling (unreadable, or the run is closed). */
async function openMessage(value: unknown, store: HistoryStore): Promise<{ message: ScanMessage; run: RunRecord } | ScanWorkOutcome> {
  let message: ScanMessage;
  try {
    message = parseScanMessage(value);
  } catch (error) {
    return { kind: "dropped", reason: errorMessage(error) };
  }
  const run = await store.getRun(message.runId);
  if (!run || run.status !== "running") return { kind: "late", runId: message.runId, clusterId: message.clusterId };
  return { message, run };
}

/**
 * One queue message: scan, classify, save the cluster's snapshot for the run, count it, and complete
 * the run if it was the last. Throws on a transient failure so the host retries (and, after its
 * last attempt, moves the message to the poison queue).
 */
export async function processScanMessage(value: unknown, deps: ScanWorkerDeps): Promise<ScanWorkOutcome> {
  const opened = await openMessage(value, deps.store);
  if (!("message" in opened)) return opened;
  const { message, run } = opened;

  const result = await deps.clusters.scan(message.cluster);
  if (result.kind === "failed" && result.transient) {
    await deps.progress.noteAttempt(message.runId, message.clusterId, result.reason);
    throw new Error(`open-source scan of ${message.clusterId} failed, to be retried: ${result.reason}`);
  }
  const { versions, errors: lookup } = await versionsFor(message, deps);
  if (lookup.length > 0) {
    // The sweep classified with live versions (or recorded why not): retry rather than judge differently.
    const why = `version lookup failed: ${lookup.map((e) => e.message).join("; ")}`;
    await deps.progress.noteAttempt(message.runId, message.clusterId, why);
    throw new Error(`classifying ${message.clusterId} failed, to be retried: ${why}`);
  }
  const errors: ScopeError[] = [];
  const outcome = outcomeOf(message.cluster, result, errors);

  const report = classifyMessage(message, outcome, deps.catalog, versions);
  await deps.store.saveSnapshots(run, [report]);
  const lost = await lostSnapshot(deps.store, message, report);
  if (lost) errors.unshift({ scope: message.clusterId, message: `open-source scan failed: ${lost}` });
  const counted = await deps.progress.finish(
    message.runId,
    message.clusterId,
    errors.length > 0 ? { ok: false, message: errors[0]!.message } : { ok: true, delta: openSourceDelta(report, message.windowDays) },
  );
  const completed = await completeRunIfDone(message.runId, deps);
  return { kind: "saved", runId: message.runId, clusterId: message.clusterId, counted, result: result.kind, runCompleted: completed !== null };
}

/**
 * A message from the poison queue: the host tried it maxDequeueCount times. The cluster is marked
 * failed (a run error names it) and its snapshot says why it was not scanned.
 */
export async function recordPoisonedScan(value: unknown, deps: ScanWorkerDeps): Promise<ScanWorkOutcome> {
  const opened = await openMessage(value, deps.store);
  if (!("message" in opened)) return opened;
  const { message, run } = opened;
  const state = await deps.progress.clusterState(message.runId, message.clusterId);
  // Done already (the failure came after the count, e.g. while completing the run): keep the scan.
  if (state && state.state !== "queued") {
    const completed = await completeRunIfDone(message.runId, deps);
    return { kind: "saved", runId: message.runId, clusterId: message.clusterId, counted: false, result: "failed", runCompleted: completed !== null };
  }
  const why = `gave up after repeated attempts (message moved to ${SCAN_POISON_QUEUE})${state?.lastError ? `; last error: ${state.lastError}` : ""}`;
  const { versions, errors: lookup } = await versionsFor(message, deps);
  const report = classifyMessage(message, { notScanned: `scan failed: ${why}` }, deps.catalog, versions);
  for (const e of lookup) report.errors.push(`version data: ${e.message}`);
  await deps.store.saveSnapshots(run, [report]);
  const counted = await deps.progress.finish(message.runId, message.clusterId, { ok: false, message: `open-source scan failed: ${why}` });
  const completed = await completeRunIfDone(message.runId, deps);
  return { kind: "saved", runId: message.runId, clusterId: message.clusterId, counted, result: "failed", runCompleted: completed !== null };
}

// ---------------------------------------------------------------- completing the run

/**
 * Completes the run when the sweep has sealed it and every queued scan is done or failed; null
 * otherwise. Safe to call from anywhere, any number of times: the final record is a function of
 * what is stored (the sweep's summary plus the scans' delta, the first recorded end instant), so
 * two callers racing write the same thing.
 */
export async function completeRunIfDone(runId: string, deps: Pick<ScanWorkerDeps, "store" | "progress" | "now">): Promise<RunRecord | null> {
  const state = await deps.progress.state(runId);
  if (!state || !state.sealed || !state.sweep || state.done + state.failed < state.expected) return null;
  const failures = await deps.progress.failures(runId);
  const run = await deps.store.getRun(runId);
  if (!run) return null;
  if (run.status !== "running") {
    await deps.progress.forget(runId);
    return run;
  }
  const endedAt = await deps.progress.markFinished(runId, deps.now().toISOString());
  // The progress is gone: a racing caller completed the run (with its own end instant) and forgot it.
  if (endedAt === null) return deps.store.getRun(runId);
  const errors = [...run.errors];
  for (const f of failures) {
    if (!errors.some((e) => e.scope === f.clusterId && e.message === f.message)) errors.push({ scope: f.clusterId, message: f.message });
  }
  const status: RunStatus = state.sweep.status === "failed" ? "failed" : errors.length > 0 ? "partial" : "succeeded";
  const final: RunRecord = { ...run, status, endedAt, errors, summary: addCounts(state.sweep.summary, state.delta) };
  await deps.store.completeRun(final);
  // The counts served their purpose; late copies of messages find the run complete and stop there.
  await deps.progress.forget(runId).catch(() => undefined);
  return final;
}
