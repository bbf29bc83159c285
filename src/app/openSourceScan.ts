/**
 * The in-cluster scan for self-installed open-source software (opt-in: OSS_SCAN_ENABLED, limited by
 * OSS_SCAN_SUBSCRIPTIONS and OSS_SCAN_TAG). Two layers:
 *
 * - `ClusterScanner`: one cluster, end to end — user credentials from Container Service, an Entra
 *   token for the AKS server application, read-only list calls, signature matching. The queue worker
 *   (scanQueue.ts) and the in-process scanner below both use it, so the result for a cluster does not
 *   depend on which path scanned it.
 * - `OpenSourceScanner` (runAudit's hook): a page of clusters, selected by scope, scanned in this
 *   process with bounded concurrency. Used by the CLI, the demo and small fleets.
 *
 * Clusters outside the scope are reported "not scanned: not selected: <why>". Clusters that cannot
 * be reached (stopped, private, no route) are "not scanned: unreachable: <why>" on the cluster, not
 * a run error; a scan that fails unexpectedly is both noted on the cluster and a run error.
 */
import type { Catalog } from "../catalog/schema.js";
import { matchInventory } from "../core/signatures.js";
import { armIdKey, type ClusterRecord, type OpenSourceFind, type ScopeError } from "../core/types.js";
import type { ClusterAccess } from "../sources/clusterAccess.js";
import { KubeReadError, readClusterInventory, type KubeReadOptions, type KubeReadResult, type KubeTarget } from "../sources/kubernetes.js";
import { Semaphore } from "../sources/throttle.js";
import { errorMessage, type OpenSourceScanner, type ScanOutcome } from "./audit.js";

export interface ScanSelection {
  /** Limit to these subscriptions (empty = all). */
  subscriptions: readonly string[];
  /** Limit to clusters carrying this tag: `name` (any value) or `name=value`. */
  tag: string | null;
}

/** Null when the cluster is in scope for the scan; otherwise why it is not. */
export function notSelectedReason(cluster: ClusterRecord, selection: ScanSelection): string | null {
  if (selection.subscriptions.length > 0 && !selection.subscriptions.some((s) => s.toLowerCase() === cluster.subscriptionId.toLowerCase())) {
    return `not selected: subscription ${cluster.subscriptionId} is not in OSS_SCAN_SUBSCRIPTIONS`;
  }
  if (selection.tag) {
    const eq = selection.tag.indexOf("=");
    const name = (eq >= 0 ? selection.tag.slice(0, eq) : selection.tag).trim();
    const value = eq >= 0 ? selection.tag.slice(eq + 1).trim() : null;
    // Azure tag names are case-insensitive; values are compared as written.
    const key = Object.keys(cluster.tags ?? {}).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key === undefined || (value !== null && cluster.tags[key] !== value)) {
      return `not selected: no tag ${value === null ? `"${name}"` : `"${name}=${value}"`} (OSS_SCAN_TAG)`;
    }
  }
  return null;
}

export type ClusterScanResult =
  | { kind: "scanned"; finds: OpenSourceFind[]; notes: string[] }
  /** An expected condition (unreachable, no permission): recorded on the cluster, not a run error. */
  | { kind: "not-scanned"; reason: string }
  /** Something went wrong; `transient` failures are worth another attempt (the queue retries them). */
  | { kind: "failed"; reason: string; transient: boolean };

export interface ClusterScanner {
  scan(cluster: ClusterRecord): Promise<ClusterScanResult>;
}

export interface ClusterScannerOptions {
  access: ClusterAccess;
  catalog: Catalog;
  kube?: KubeReadOptions;
  /** The Kubernetes reader (tests may count calls); default: the real client. */
  readInventory?: (target: KubeTarget, options: KubeReadOptions) => Promise<KubeReadResult>;
}

export function createClusterScanner(options: ClusterScannerOptions): ClusterScanner {
  const read = options.readInventory ?? readClusterInventory;
  return {
    async scan(cluster) {
      try {
        const target = await options.access.targetFor(cluster);
        const { inventory, notes } = await read(target, options.kube ?? {});
        return { kind: "scanned", finds: matchInventory(cluster.id, inventory, options.catalog.openSource), notes };
      } catch (error) {
        if (!(error instanceof KubeReadError)) return { kind: "failed", reason: errorMessage(error), transient: false };
        if (error.reason === "failed") return { kind: "failed", reason: error.message, transient: error.transient };
        return { kind: "not-scanned", reason: `${error.reason === "unauthorized" ? "not authorised" : error.reason === "forbidden" ? "not permitted" : "unreachable"}: ${error.message}` };
      }
    },
  };
}

/** What runAudit records for a cluster: its finds, or why there are none. */
export type { ScanOutcome } from "./audit.js";

/** Turns one cluster's result into runAudit's answer, recording unexpected failures as run errors. */
export function outcomeOf(cluster: ClusterRecord, result: ClusterScanResult, errors: ScopeError[]): ScanOutcome {
  switch (result.kind) {
    case "scanned":
      return result.finds;
    case "not-scanned":
      return { notScanned: result.reason };
    case "failed":
      errors.push({ scope: cluster.id, message: `open-source scan failed: ${result.reason}` });
      return { notScanned: `scan failed: ${result.reason}` };
  }
}

export interface OpenSourceScanning extends OpenSourceScanner {
  readonly selection: ScanSelection;
  /** One cluster at a time: the unit the queue worker runs. */
  readonly clusters: ClusterScanner;
}

export interface InProcessScannerOptions {
  clusters: ClusterScanner;
  selection: ScanSelection;
  /** Clusters scanned at once (default 8); each is a handful of sequential calls. */
  concurrency?: number;
}

/** runAudit's hook, scanning a page's selected clusters in this process. */
export function createOpenSourceScanner(options: InProcessScannerOptions): OpenSourceScanning {
  const gate = new Semaphore(Math.max(1, options.concurrency ?? 8));
  return {
    selection: options.selection,
    clusters: options.clusters,
    async scan(clusters, errors) {
      const results = new Map<string, ScanOutcome>();
      await Promise.all(
        clusters.map(async (cluster) => {
          const key = armIdKey(cluster.id);
          const skip = notSelectedReason(cluster, options.selection);
          if (skip) {
            results.set(key, { notScanned: skip });
            return;
          }
          const result = await gate.run(() => options.clusters.scan(cluster));
          results.set(key, outcomeOf(cluster, result, errors));
        }),
      );
      return results;
    },
  };
}
