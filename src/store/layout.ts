/**
 * The storage layout: table names and row-key shapes, in one place (docs/storage-design.md explains
 * which query uses which range). Every key part is already encoded (keys.ts).
 */
import { createHash } from "node:crypto";
import { joinKey } from "./keys.js";

export const TABLE_SUFFIXES = {
  /** Run records: PK `runs`; `t|<stem>` for newest-first listing, `i|<run>` for lookup by id. */
  runs: "runs",
  /**
   * Per-cluster history, grouped: PK = the cluster's bucket (`b00`…); `<cluster>|s|<stem>|<nnn>`
   * snapshot entities, `~h|<cluster>|` the chain heads (a range of their own).
   */
  snapshots: "snapshots",
  /** Per-run index: PK <run>; `c|<cluster>` membership and the cluster's (severity, tier) pairs. */
  runIndex: "runindex",
  /** Registry of clusters that have a chain: PK `clusters`, RK <cluster> (verify and purge walk it). */
  clusters: "clusters",
  /** Alert ledger (ledger.ts). */
  ledger: "ledger",
} as const;

export type TableRole = keyof typeof TABLE_SUFFIXES;

export const RUNS_PARTITION = "runs";
export const CLUSTERS_PARTITION = "clusters";

export const runListRow = (stem: string): string => joinKey("t", stem);
export const runIdRow = (runKey: string): string => joinKey("i", runKey);
export const RUN_LIST_PREFIX = "t";

// ---------------------------------------------------------------- snapshots

/**
 * How many partitions the snapshots table spreads the clusters over. An entity group transaction
 * cannot span partitions, so a page of snapshots costs at least one transaction per bucket it
 * touches: fewer buckets fill transactions better, more buckets spread load (Azure's target is
 * about 2,000 entities/s per partition). With 1,000-cluster pages, 8 buckets give about 125
 * clusters (250 entities) per bucket, i.e. three transactions averaging 83 entities; 16 buckets
 * would average 62. Part of the key layout: changing it moves every chain (a migration).
 */
export const SNAPSHOT_BUCKETS = 8;

/**
 * The snapshots partition of a cluster: `b` + two hex digits of a SHA-256 of its key, so the
 * bucket is stable across processes and versions and case-insensitive like the key itself.
 */
export function snapshotPartition(clusterKey: string): string {
  return bucketPartition(createHash("sha256").update(clusterKey, "utf8").digest().readUInt32BE(0) % SNAPSHOT_BUCKETS);
}

const bucketPartition = (bucket: number): string => `b${bucket.toString(16).padStart(2, "0")}`;

/** Every bucket's partition key, `b00`…: verify walks them all instead of trusting the registry. */
export const snapshotPartitions = (): string[] => Array.from({ length: SNAPSHOT_BUCKETS }, (_, b) => bucketPartition(b));

/**
 * Chain heads have their own row-key range at the end of the bucket, `~h|<cluster>|`, so a page's
 * heads are read with one range query per bucket instead of a point read per cluster, while a
 * link and its head still share the partition (one transaction). `~` sorts after every encoded
 * key character, so no snapshot row falls in the range; the trailing `|` makes heads sort in the
 * same cluster order as the clusters' snapshot rows, which lets verify walk both side by side.
 */
export const HEAD_PREFIX = "~h|";
export const headRow = (clusterKey: string): string => joinKey("~h", clusterKey, "");
/** The cluster key of a chain-head row, or null for any other row. */
export function parseHeadRow(rowKey: string): string | null {
  const parts = rowKey.split("|");
  return parts.length === 3 && parts[0] === "~h" && parts[2] === "" ? parts[1]! : null;
}
/** Every snapshot row of a bucket is below this row key; every head row is at or above it. */
export const SNAPSHOT_ROWS_END = "~";
/** `<cluster>|s`: the prefix dateRange extends to one cluster's snapshots in a date range. */
export const snapshotsPrefix = (clusterKey: string): string => joinKey(clusterKey, "s");
/** `<cluster>|s|<stem>|` — every entity of one snapshot. */
export const snapshotPrefix = (clusterKey: string, stem: string): string => joinKey(clusterKey, "s", stem, "");
/**
 * The longest key we build: a 400-character cluster key + `|s|` + a stem of at most 103
 * (8 + 1 + 13 + 1 + 80) + `|nnn` = 510, under MAX_KEY_LENGTH (512) and the 1 KiB key limit.
 */
export const snapshotRow = (clusterKey: string, stem: string, entity: number): string =>
  joinKey(clusterKey, "s", stem, String(entity).padStart(3, "0"));

/** The parts of a snapshot row key `<cluster>|s|<rev>|<inv>|<run>|<nnn>`; null for any other row. */
export function parseSnapshotRow(rowKey: string): { clusterKey: string; stem: string; entity: number } | null {
  const parts = rowKey.split("|");
  if (parts.length !== 6 || parts[1] !== "s") return null;
  return { clusterKey: parts[0]!, stem: parts.slice(2, 5).join("|"), entity: Number(parts[5]) };
}

// ---------------------------------------------------------------- run index

export const runClusterRow = (clusterKey: string): string => joinKey("c", clusterKey);
export const RUN_CLUSTER_PREFIX = "c|";
// ---------------------------------------------------------------- run roots

/**
 * The root chain's append point, in the runs partition (outside the `t|`/`i|` ranges every run
 * query reads): the seq and hash of the last fleet run's root. A run completes in one transaction
 * with it (etag), so two runs can never take the same place in the chain. Verify does not trust
 * it: the chain is read from the run records, and the head only has to agree with them.
 */
export const ROOT_HEAD_ROW = "r|head";
