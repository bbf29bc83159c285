/**
 * What changed in one cluster between two stored snapshots: integrations added or removed, versions
 * moved, severities changed. Pure, so the HTTP history route and the CLI's history command agree.
 */
import type { ClusterReport, Integration, IntegrationKind } from "./report.js";
import type { IsoDate } from "./types.js";

export const CHANGE_TYPES = ["integration-added", "integration-removed", "version-changed", "severity-changed"] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

export interface IntegrationChange {
  type: ChangeType;
  kind: IntegrationKind;
  name: string;
  /** Version (added/removed/version-changed) or severity (severity-changed) before; null when added. */
  from: string | null;
  /** … and after; null when removed. */
  to: string | null;
}

/** The changes between two consecutive snapshots of one cluster. */
export interface SnapshotDiff {
  fromRunId: string;
  fromAsOf: IsoDate;
  toRunId: string;
  toAsOf: IsoDate;
  changes: IntegrationChange[];
}

export interface SnapshotLike {
  runId: string;
  asOf: IsoDate;
  cluster: ClusterReport;
}

const TYPE_ORDER: Record<ChangeType, number> = { "integration-added": 0, "integration-removed": 1, "version-changed": 2, "severity-changed": 3 };

/**
 * Integrations are matched by kind and name, case-insensitively (Azure returns add-on keys in varying
 * case). Two integrations of one kind and name in a report are matched in order of appearance.
 */
function keyed(integrations: readonly Integration[]): Map<string, Integration> {
  const map = new Map<string, Integration>();
  const seen = new Map<string, number>();
  for (const integration of integrations) {
    const base = `${integration.kind}\u0000${integration.name.toLowerCase()}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    map.set(n === 0 ? base : `${base}\u0000${n}`, integration);
  }
  return map;
}

export function diffClusterReports(older: ClusterReport, newer: ClusterReport): IntegrationChange[] {
  const before = keyed(older.integrations);
  const after = keyed(newer.integrations);
  const changes: IntegrationChange[] = [];
  for (const [key, was] of before) {
    const now = after.get(key);
    if (!now) {
      changes.push({ type: "integration-removed", kind: was.kind, name: was.name, from: was.version, to: null });
      continue;
    }
    if (was.version !== now.version) changes.push({ type: "version-changed", kind: now.kind, name: now.name, from: was.version, to: now.version });
    if (was.severity !== now.severity) {
      changes.push({ type: "severity-changed", kind: now.kind, name: now.name, from: was.severity, to: now.severity });
    }
  }
  for (const [key, now] of after) {
    if (!before.has(key)) changes.push({ type: "integration-added", kind: now.kind, name: now.name, from: null, to: now.version });
  }
  return changes.sort(
    (a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name) || TYPE_ORDER[a.type] - TYPE_ORDER[b.type],
  );
}

/**
 * Diffs of each consecutive pair, given snapshots newest first (as the store returns them); the
 * result is newest first too. Pairs with no change are left out.
 */
export function changesBetween(snapshotsNewestFirst: readonly SnapshotLike[]): SnapshotDiff[] {
  const diffs: SnapshotDiff[] = [];
  for (let i = 0; i + 1 < snapshotsNewestFirst.length; i++) {
    const newer = snapshotsNewestFirst[i]!;
    const older = snapshotsNewestFirst[i + 1]!;
    const changes = diffClusterReports(older.cluster, newer.cluster);
    if (changes.length > 0) {
      diffs.push({ fromRunId: older.runId, fromAsOf: older.asOf, toRunId: newer.runId, toAsOf: newer.asOf, changes });
    }
  }
  return diffs;
}
