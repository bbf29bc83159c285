/**
 * The storage layout: table names and row-key shapes, in one place (docs/storage-design.md explains
 * which query uses which range). Every key part is already encoded (keys.ts).
 */
import { joinKey } from "./keys.js";

export const TABLE_SUFFIXES = {
  /** Run records: PK `runs`; `t|<stem>` for newest-first listing, `i|<run>` for lookup by id. */
  runs: "runs",
  /** Per-cluster history: PK <cluster>; `s|<stem>|<nnn>` snapshot entities, `head` the chain head. */
  snapshots: "snapshots",
  /** Per-run index: PK <run>; `c|<cluster>` membership, `f|<severity>|<tier>|<cluster>` findings. */
  runIndex: "runindex",
  /** Registry of clusters that have a chain: PK `clusters`, RK <cluster> (verify and purge walk it). */
  clusters: "clusters",
  /** Alert ledger (ledger.ts). */
  ledger: "ledger",
} as const;

export type TableRole = keyof typeof TABLE_SUFFIXES;

export const RUNS_PARTITION = "runs";
export const CLUSTERS_PARTITION = "clusters";
/** The chain head's row key; it sorts apart from every `s|…` snapshot row. */
export const HEAD_ROW = "head";

export const runListRow = (stem: string): string => joinKey("t", stem);
export const runIdRow = (runKey: string): string => joinKey("i", runKey);
export const RUN_LIST_PREFIX = "t";

/** `s|<stem>|` — every entity of one snapshot. */
export const snapshotPrefix = (stem: string): string => joinKey("s", stem, "");
export const snapshotRow = (stem: string, entity: number): string => joinKey("s", stem, String(entity).padStart(3, "0"));
export const SNAPSHOT_PREFIX = "s";

/** The stem of a snapshot row key `s|<rev>|<inv>|<run>|<nnn>`, and whether it is the main entity. */
export function parseSnapshotRow(rowKey: string): { stem: string; entity: number } | null {
  const parts = rowKey.split("|");
  if (parts.length !== 5 || parts[0] !== "s") return null;
  return { stem: parts.slice(1, 4).join("|"), entity: Number(parts[4]) };
}

export const runClusterRow = (clusterKey: string): string => joinKey("c", clusterKey);
export const RUN_CLUSTER_PREFIX = "c|";
export const findingRow = (severity: string, tier: string, clusterKey: string): string => joinKey("f", severity, tier, clusterKey);
export const findingPrefix = (severity: string, tier?: string): string =>
  tier === undefined ? joinKey("f", severity, "") : joinKey("f", severity, tier, "");
