/**
 * One audit run: sweep the fleet page by page, classify, store, summarise. This is the only place
 * that strings the adapters together; the CLI, the timer and the HTTP API all call it.
 *
 * Memory is bounded by two pages of clusters (the one being stored and the next, fetched
 * meanwhile) plus the extension index, unless the caller asks to collect the clusters into the
 * returned report (small scopes, the CLI, the HTTP answer).
 */
import type { Catalog } from "../catalog/schema.js";
import { classifyCluster } from "../core/classify.js";
import type { FleetSource, HistoryStore, RunRecord, RunTrigger, UpgradeOptions, UpgradeProfileSource, VersionSource } from "../core/ports.js";
import { addToSummary, emptySummary, SCHEMA_VERSION, type AuditReport, type CatalogStamp, type ClusterReport } from "../core/report.js";
import { stampCatalogAge } from "../core/catalogAge.js";
import { coversConfiguredScope, type ConfiguredScope } from "../core/scope.js";
import {
  armIdKey,
  TENANT_SCOPE,
  type AuditScope,
  type ClusterRecord,
  type ExtensionRecord,
  type IsoDate,
  type LocationVersions,
  type OpenSourceFind,
  type ScopeError,
} from "../core/types.js";

/** What the in-cluster scan says of one cluster: its finds, or why there are none. */
export type ScanOutcome = OpenSourceFind[] | { notScanned: string };

/** Finds self-installed software inside clusters (opt-in); absent when scanning is off. */
export interface OpenSourceScanner {
  scan(clusters: readonly ClusterRecord[], errors: ScopeError[]): Promise<Map<string, ScanOutcome>>;
}

/** Everything one cluster's report for a run is made of. */
export interface ClusterInputs {
  cluster: ClusterRecord;
  extensions: readonly ExtensionRecord[];
  /** The in-cluster scan's outcome; undefined when scanning is off. */
  scan?: ScanOutcome | undefined;
  versions: LocationVersions | null;
  /** Set when UPGRADE_PROFILES is on and the profile could be read. */
  upgrades?: UpgradeOptions | null | undefined;
}

/**
 * One cluster's report for a run: classification, the open-source scan's outcome, upgrade options
 * and tags. The sweep and the queue worker both use this, so a cluster reads the same either way.
 */
export function classifyForRun(input: ClusterInputs, catalog: Catalog, options: { asOf: IsoDate; windowDays: number }): ClusterReport {
  const scan = input.scan;
  const report = classifyCluster(
    { cluster: input.cluster, extensions: [...input.extensions], openSource: Array.isArray(scan) ? scan : [], versions: input.versions },
    catalog,
    options,
  );
  if (scan && !Array.isArray(scan)) report.errors.push(`open-source scan: not scanned: ${scan.notScanned}`);
  if (input.upgrades) describeUpgradeOptions(report, input.upgrades);
  report.tags = input.cluster.tags;
  return report;
}

/** Adds an extension to its cluster's list (ids compared case-insensitively, repeats dropped). */
export function indexExtension(byCluster: Map<string, ExtensionRecord[]>, extension: ExtensionRecord): void {
  const key = armIdKey(extension.clusterId);
  const list = byCluster.get(key);
  if (list) {
    if (!list.some((e) => armIdKey(e.id) === armIdKey(extension.id))) list.push(extension);
  } else byCluster.set(key, [extension]);
}

export interface AuditDeps {
  fleet: FleetSource;
  versions: VersionSource | null;
  catalog: Catalog;
  store: HistoryStore | null;
  openSource?: OpenSourceScanner | null;
  /** CATALOG_MAX_AGE_DAYS: when set, the report's catalog stamp carries its age and, when stale, a note. */
  catalogMaxAgeDays?: number;
  /** Set when UPGRADE_PROFILES is on: each cluster's upgrade options are added to its kubernetes reasons. */
  upgradeProfiles?: UpgradeProfileSource | null;
  /** AUDIT_SUBSCRIPTIONS / AUDIT_MANAGEMENT_GROUPS (default: the whole tenant): a run covering it is a fleet run. */
  configuredScope?: ConfiguredScope;
}

export interface AuditRequest {
  runId: string;
  trigger: RunTrigger;
  scope: AuditScope;
  asOf: IsoDate;
  /** The caller chose `asOf` (CLI `--as-of`); the run records it. */
  asOfChosen?: boolean;
  windowDays: number;
  /** The edge's clock, for run start/end instants only; classification uses `asOf`. */
  now: () => Date;
  /**
   * What to keep in the returned report: every classified cluster (the CLI, small HTTP scopes),
   * none, or what a function keeps of each (the timer keeps only the alerting part of alerting
   * clusters), so a tenant-scale sweep never holds the fleet.
   */
  collect: boolean | ((cluster: ClusterReport) => ClusterReport | null);
  onProgress?: (progress: { clusters: number; pages: number }) => void;
}

export interface AuditOutcome {
  report: AuditReport;
  run: RunRecord;
}

export async function runAudit(deps: AuditDeps, request: AuditRequest): Promise<AuditOutcome> {
  const errors: ScopeError[] = [];
  const summary = emptySummary();
  const run: RunRecord = {
    runId: request.runId,
    trigger: request.trigger,
    scope: request.scope,
    asOf: request.asOf,
    startedAt: request.now().toISOString(),
    endedAt: null,
    status: "running",
    summary,
    errors,
    catalogVersion: deps.catalog.version,
    catalogCheckedAt: deps.catalog.checkedAt,
    fleet: coversConfiguredScope(request.scope, deps.configuredScope ?? TENANT_SCOPE),
    ...(request.asOfChosen ? { asOfChosen: true } : {}),
  };
  const collected: ClusterReport[] = [];
  const versionUse = { live: 0, catalogOnly: 0 };
  const notes = new Set<string>();
  await deps.store?.beginRun(run);

  try {
    const sweepScope = narrowToClusters(request.scope);
    // The first cluster page is requested while the extensions are read: on a quota-bound tenant the
    // two streams share the quota, and on a small one this saves a round trip of latency.
    const pageIterator = deps.fleet.clusterPages(sweepScope, errors)[Symbol.asyncIterator]();
    const firstPage = pageIterator.next();
    firstPage.catch(() => undefined); // awaited below; a failure is seen there, not as an unhandled rejection
    let extensionsByCluster: Map<string, ExtensionRecord[]>;
    try {
      extensionsByCluster = await indexExtensions(deps.fleet, sweepScope, errors);
    } catch (error) {
      await pageIterator.return?.(undefined);
      throw error;
    }
    const wanted = request.scope.clusterIds.length > 0 ? new Set(request.scope.clusterIds.map(armIdKey)) : null;
    const seen = new Set<string>();
    let pages = 0;

    // Pipelined: page N is stored while page N+1 is fetched and classified, so a stored sweep takes
    // about the larger of the Resource Graph time and the storage time, not their sum. At most two
    // pages are held: the one being stored and the one just fetched (the fetch of N+2 waits for N's
    // store). A page whose store fails is reported and the sweep goes on: the other pages still land.
    const storing = new PageStorer(deps.store, run, errors);
    // A prefetched page's failure is seen when it is awaited, not as an unhandled rejection.
    const fetchNext = (): Promise<IteratorResult<ClusterRecord[]>> => {
      const pending = pageIterator.next();
      pending.catch(() => undefined);
      return pending;
    };
    try {
      for (let next = firstPage; ; ) {
        const result = await next;
        if (result.done) break;
        const page = result.value;
        pages += 1;
        const clusters = page.filter((cluster) => {
          const key = armIdKey(cluster.id);
          // Resource Graph can repeat a row across pages and exports can hold the same id in two casings.
          if (seen.has(key) || (wanted && !wanted.has(key))) return false;
          seen.add(key);
          return true;
        });
        if (clusters.length === 0) {
          next = fetchNext();
          continue;
        }

        const finds = deps.openSource ? await deps.openSource.scan(clusters, errors) : null;
        // The adapter bounds concurrency (UPGRADE_PROFILE_CONCURRENCY); a page's calls go out together.
        const upgrades = deps.upgradeProfiles
          ? await Promise.all(clusters.map((c) => deps.upgradeProfiles!.upgradeProfile(c.id, errors)))
          : null;
        // One lookup per region, all at once: the source caches per location, so later pages hit the cache.
        const regional = await versionsByLocation(deps.versions, clusters, errors);
        const reports: ClusterReport[] = [];
        for (const cluster of clusters) {
          const versions = regional.get(cluster.location.toLowerCase()) ?? null;
          if (versions) versionUse.live += 1;
          else versionUse.catalogOnly += 1;
          const report = classifyForRun(
            {
              cluster,
              extensions: extensionsByCluster.get(armIdKey(cluster.id)) ?? [],
              scan: finds?.get(armIdKey(cluster.id)),
              versions,
              upgrades: upgrades?.[clusters.indexOf(cluster)] ?? null,
            },
            deps.catalog,
            { asOf: request.asOf, windowDays: request.windowDays },
          );
          addToSummary(summary, report, request.windowDays);
          reports.push(report);
        }
        await storing.settled();
        storing.start(reports, pages);
        next = fetchNext();
        const keep = request.collect;
        if (keep === true) collected.push(...reports);
        else if (typeof keep === "function") {
          for (const report of reports) {
            const kept = keep(report);
            if (kept) collected.push(kept);
          }
        }
        request.onProgress?.({ clusters: summary.clusters, pages });
      }
    } finally {
      // Whatever ended the loop, the page in flight lands (or is reported) before the run closes.
      await storing.settled();
      await pageIterator.return?.(undefined);
    }
    if (wanted) {
      for (const id of request.scope.clusterIds) {
        if (!seen.has(armIdKey(id))) errors.push({ scope: id, message: "cluster not found in the identity's view of the fleet" });
      }
    }
    // The extension and cluster streams run side by side, so a denied scope may be reported by both.
    dedupeInPlace(errors);
    // A page that could not be stored makes the run failed, not partial: the other pages are kept,
    // and a retry of the same run id (the timer's) stores the missing page without duplicating them.
    // Errors and not one cluster read (no sign-in, every scope denied): nothing was audited, so the
    // run failed too. Calling it partial would let a digest announce an empty fleet and the CLI exit 0.
    run.status = storing.failures > 0 || (errors.length > 0 && seen.size === 0) ? "failed" : errors.length > 0 ? "partial" : "succeeded";
  } catch (error) {
    errors.push({ scope: "run", message: errorMessage(error) });
    run.status = "failed";
  }

  if (versionUse.catalogOnly > 0) notes.add(`${versionUse.catalogOnly} cluster(s) judged on catalog facts only: no live version data for their region`);
  run.endedAt = request.now().toISOString();
  try {
    await deps.store?.completeRun(run);
  } catch (error) {
    // The snapshots already written stay; the run record keeps "running" and the caller hears why.
    errors.push({ scope: "store", message: `could not record the run's end: ${errorMessage(error)}` });
    run.status = "failed";
  }

  const report: AuditReport = {
    schemaVersion: SCHEMA_VERSION,
    runId: run.runId,
    asOf: run.asOf,
    catalog: catalogStamp(deps, run.asOf),
    clusters: collected,
    summary,
    errors: [...errors],
    dataSources: {
      versionData: versionUse.live === 0 ? "catalog-only" : versionUse.catalogOnly === 0 ? "live" : "mixed",
      notes: [...notes],
    },
  };
  return { report, run };
}

function catalogStamp(deps: AuditDeps, asOf: IsoDate): CatalogStamp {
  const stamp = { version: deps.catalog.version, checkedAt: deps.catalog.checkedAt };
  return deps.catalogMaxAgeDays === undefined ? stamp : stampCatalogAge(stamp, asOf, deps.catalogMaxAgeDays);
}

/**
 * An audit of named clusters only needs their subscriptions swept, not the whole tenant: ARM ids
 * carry the subscription, so the sweep is narrowed to those (unless the caller named its own).
 */
export function narrowToClusters(scope: AuditScope): AuditScope {
  if (scope.clusterIds.length === 0 || scope.subscriptions.length > 0 || scope.managementGroups.length > 0) return scope;
  const subscriptions = new Set<string>();
  for (const id of scope.clusterIds) {
    const match = /^\/subscriptions\/([^/]+)\//i.exec(id.trim());
    if (!match) return scope;
    subscriptions.add(match[1]!.toLowerCase());
  }
  return { ...scope, subscriptions: [...subscriptions] };
}

/** Adds what the upgrade profile offers to the kubernetes integration's reasons (information only). */
function describeUpgradeOptions(report: ClusterReport, options: UpgradeOptions): void {
  const kubernetes = report.integrations.find((i) => i.kind === "kubernetes");
  if (!kubernetes) return;
  const list = (upgrades: UpgradeOptions["controlPlane"]["upgrades"]): string =>
    upgrades.map((u) => `${u.version}${u.isPreview ? " (preview)" : ""}`).join(", ");
  kubernetes.reasons.push(
    options.controlPlane.upgrades.length > 0
      ? `Upgrade profile: the control plane can move to ${list(options.controlPlane.upgrades)}.`
      : "Upgrade profile: no control-plane upgrade is offered.",
  );
  for (const pool of options.agentPools) {
    if (pool.upgrades.length > 0) kubernetes.reasons.push(`Upgrade profile: node pool "${pool.name}" can move to ${list(pool.upgrades)}.`);
  }
}

function dedupeInPlace(errors: ScopeError[]): void {
  const seen = new Set<string>();
  const unique = errors.filter((e) => {
    const key = `${e.scope}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  errors.splice(0, errors.length, ...unique);
}

/**
 * Stores one page at a time in the background: `start` hands a page over, `settled` waits for it.
 * A failed store becomes a run error naming the page, so the pages after it are still stored.
 */
class PageStorer {
  private inFlight: Promise<void> = Promise.resolve();
  /** Pages whose store failed. */
  failures = 0;

  constructor(
    private readonly store: HistoryStore | null,
    private readonly run: RunRecord,
    private readonly errors: ScopeError[],
  ) {}

  start(reports: readonly ClusterReport[], page: number): void {
    if (!this.store || reports.length === 0) return;
    this.inFlight = this.store.saveSnapshots(this.run, reports).catch((error: unknown) => {
      this.failures += 1;
      this.errors.push({ scope: "store", message: `could not store page ${page} (${reports.length} clusters): ${errorMessage(error)}` });
    });
  }

  settled(): Promise<void> {
    return this.inFlight;
  }
}

async function indexExtensions(fleet: FleetSource, scope: AuditScope, errors: ScopeError[]): Promise<Map<string, ExtensionRecord[]>> {
  const byCluster = new Map<string, ExtensionRecord[]>();
  for await (const extension of fleet.extensions(scope, errors)) indexExtension(byCluster, extension);
  return byCluster;
}

async function versionsByLocation(
  source: VersionSource | null,
  clusters: readonly ClusterRecord[],
  errors: ScopeError[],
): Promise<Map<string, LocationVersions | null>> {
  const byLocation = new Map<string, ClusterRecord>();
  for (const cluster of clusters) if (cluster.location && !byLocation.has(cluster.location.toLowerCase())) byLocation.set(cluster.location.toLowerCase(), cluster);
  const found = new Map<string, LocationVersions | null>();
  if (!source) return found;
  await Promise.all(
    [...byLocation].map(async ([location, cluster]) => {
      found.set(location, await source.versionsFor(cluster.location, cluster.subscriptionId, errors));
    }),
  );
  return found;
}

/**
 * What window alerts need of a cluster: its identity, tags (routing) and the integrations with a
 * deadline between today and the window's end; null when it has none. Of the reasons it keeps what
 * a cause is built from (core/digest/causes.ts): the first, those naming a deadline's date (they
 * give a cause its key, such as an Istio revision or a node OS, and its words) and the "When …"
 * note of an add-on that moves with an upgrade. Dropping those would change a cause's key, and so
 * its ledger id, and send an alert again.
 */
export function alertingPart(windowDays: number): (cluster: ClusterReport) => ClusterReport | null {
  return (cluster) => {
    const integrations = cluster.integrations
      .filter((i) => i.deadlines.some((d) => d.daysLeft >= 0 && d.daysLeft <= windowDays))
      .map((i) => ({ ...i, reasons: i.reasons.filter((r, k) => k === 0 || r.startsWith("When ") || i.deadlines.some((d) => r.includes(d.date))) }));
    return integrations.length === 0 ? null : { ...cluster, integrations, errors: [] };
  };
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Run ids sort by start time: `20261124T060000Z-<suffix>`. A random suffix for ad-hoc runs; a
 * fixed one (e.g. `timer`) for a scheduled occurrence, so a retried timer lands on the same run.
 */
export function newRunId(now: Date, suffix?: string, random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  return `${stamp}-${suffix ?? Math.floor(random() * 0xffffffff).toString(16).padStart(8, "0")}`;
}

export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-z]{4,32}$/;
