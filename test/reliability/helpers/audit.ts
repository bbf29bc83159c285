/**
 * One audit run through the real pieces (simulator over HTTPS, the real SDK clients, runAudit, the
 * Table store) and a read-back of what the store kept, so each fault test can state its outcome as
 * "status, clusters stored, snapshots per cluster, chain verified, data lost".
 */
import { runAudit, type AuditOutcome } from "../../../src/app/audit.js";
import { loadBundledCatalog } from "../../../src/catalog/load.js";
import type { Catalog } from "../../../src/catalog/schema.js";
import type { FleetSource, HistoryStore, RunRecord, VersionSource, VerifyResult } from "../../../src/core/ports.js";
import type { ClusterReport } from "../../../src/core/report.js";
import { armIdKey, type AuditScope, type IsoDate } from "../../../src/core/types.js";
import type { FleetSimulator } from "../../../src/local/simulator/index.js";
import { createContainerServiceVersionSource } from "../../../src/sources/containerService.js";
import { createStaticCredential } from "../../../src/sources/credential.js";
import { createResourceGraphFleetSource, type ResourceGraphSourceOptions } from "../../../src/sources/resourceGraph.js";
import { canonicalJson } from "../../../src/store/hashChain.js";
import { createTableHistoryStore, type TableHistoryStore } from "../../../src/store/index.js";

export const AS_OF: IsoDate = "2026-11-24";
export const TENANT: AuditScope = { subscriptions: [], managementGroups: [], clusterIds: [] };

let catalog: Catalog | null = null;
export function bundledCatalog(): Catalog {
  return (catalog ??= loadBundledCatalog());
}

/** The real adapters against the simulator, with retries shortened so faults cost milliseconds, not seconds. */
export function armSources(sim: FleetSimulator, extra: Partial<ResourceGraphSourceOptions> = {}): { fleet: FleetSource; versions: VersionSource } {
  const credential = createStaticCredential("reliability");
  const retryOptions = { retryDelayInMs: 20, maxRetryDelayInMs: 100 };
  return {
    fleet: createResourceGraphFleetSource({ credential, endpoint: sim.endpoint, tlsCa: sim.ca, retryOptions, retryBaseMs: 50, ...extra }),
    versions: createContainerServiceVersionSource({ credential, endpoint: sim.endpoint, tlsCa: sim.ca, retryOptions }),
  };
}

export function openStore(connectionString: string, tablePrefix: string): Promise<TableHistoryStore> {
  return createTableHistoryStore({ connectionString, tablePrefix, concurrency: 4 });
}

export interface AuditDepsLite {
  fleet: FleetSource;
  versions: VersionSource | null;
  store: HistoryStore | null;
  catalog?: Catalog;
}

export function audit(deps: AuditDepsLite, runId: string, scope: AuditScope = TENANT, asOf: IsoDate = AS_OF): Promise<AuditOutcome> {
  return runAudit(
    { fleet: deps.fleet, versions: deps.versions, store: deps.store, catalog: deps.catalog ?? bundledCatalog() },
    { runId, trigger: "cli", scope, asOf, windowDays: 60, now: () => new Date(`${asOf}T06:00:00Z`), collect: true },
  );
}

export interface ReadBack {
  run: RunRecord | null;
  /** Cluster ids of the stored run report, lower-cased and sorted. */
  ids: string[];
  /** Snapshots this run holds per cluster (1 everywhere, or something was written twice). */
  snapshotsOfRun: number[];
  verify: VerifyResult;
  /** Served clusters missing from the store, produced ones stored with other content, plus broken links. */
  lost: number;
}

/**
 * Reads the run back and counts what was lost against what the source served, not against the
 * auditor's own report (a cluster the auditor dropped would be missing from both): `served` are the
 * ids the source handed out (the simulator's Resource Graph answers, an export's rows), each of
 * which must be in the stored run; `produced` are the reports the auditor built, each of which must
 * be stored unchanged. A cluster counts once, however it was lost; each broken chain link counts.
 */
export async function readBack(store: HistoryStore, runId: string, served: Iterable<string>, produced: readonly ClusterReport[] = []): Promise<ReadBack> {
  const [run, report, verify] = await Promise.all([store.getRun(runId), store.runReport(runId), store.verify()]);
  const stored = new Map((report?.clusters ?? []).map((c) => [armIdKey(c.id), c]));
  const lostIds = new Set<string>();
  for (const id of served) if (!stored.has(armIdKey(id))) lostIds.add(armIdKey(id));
  for (const cluster of produced) {
    const found = stored.get(armIdKey(cluster.id));
    if (!found || canonicalJson(found) !== canonicalJson(cluster)) lostIds.add(armIdKey(cluster.id));
  }
  const snapshotsOfRun: number[] = [];
  for (const id of stored.keys()) {
    const history = await store.clusterHistory(id, { limit: 50 });
    snapshotsOfRun.push(history.items.filter((s) => s.runId === runId).length);
  }
  return { run, ids: [...stored.keys()].sort(), snapshotsOfRun, verify, lost: lostIds.size + verify.broken.length };
}

export function lowerSorted(ids: Iterable<string>): string[] {
  return [...ids].map(armIdKey).sort();
}
