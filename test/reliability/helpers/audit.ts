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
  /** Expected clusters missing from the store or stored with other content, plus broken links. */
  lost: number;
}

/**
 * Reads the run back and compares it with what should be there: `expected` are the reports the
 * auditor produced (content compared) or just ids (presence compared).
 */
export async function readBack(store: HistoryStore, runId: string, expected: readonly (ClusterReport | string)[]): Promise<ReadBack> {
  const [run, report, verify] = await Promise.all([store.getRun(runId), store.runReport(runId), store.verify()]);
  const stored = new Map((report?.clusters ?? []).map((c) => [armIdKey(c.id), c]));
  let lost = verify.broken.length;
  for (const item of expected) {
    const id = typeof item === "string" ? item : item.id;
    const found = stored.get(armIdKey(id));
    if (!found || (typeof item !== "string" && canonicalJson(found) !== canonicalJson(item))) lost += 1;
  }
  const snapshotsOfRun: number[] = [];
  for (const id of stored.keys()) {
    const history = await store.clusterHistory(id, { limit: 50 });
    snapshotsOfRun.push(history.items.filter((s) => s.runId === runId).length);
  }
  return { run, ids: [...stored.keys()].sort(), snapshotsOfRun, verify, lost };
}

export function lowerSorted(ids: Iterable<string>): string[] {
  return [...ids].map(armIdKey).sort();
}
