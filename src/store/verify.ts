/**
 * Verify that cannot be steered by what it checks: chains are found by walking every snapshot
 * bucket, not by trusting the cluster registry, and the registry is compared with what was found.
 * Each chain is checked by findBrokenLink (hashChain.ts); the layout is reached only through the
 * accessors of layout.ts and snapshots.ts, so a change of key shapes stays there.
 */
import type { TableClient } from "@azure/data-tables";
import type { VerifyOptions, VerifyResult } from "../core/ports.js";
import { armIdKey } from "../core/types.js";
import { findBrokenLink } from "./hashChain.js";
import { clusterKey as toClusterKey, decodeKeyPart, prefixRange, tryKey } from "./keys.js";
import { CLUSTERS_PARTITION, parseHeadRow, parseSnapshotRow, snapshotPartition, snapshotPartitions, snapshotsPrefix } from "./layout.js";
import { groupsOf, headFromEntity, linkOf, readHeadEntity } from "./snapshots.js";
import { collectRange, getOrNull, mapLimit, queryRange, type StoredEntity } from "./tables.js";

export interface VerifyTables {
  snapshots: TableClient;
  clusters: TableClient;
}

/** Checks every chain found in the buckets (or one cluster's) and the registry against them. */
export async function verifyChains(tables: VerifyTables, options: VerifyOptions & { clusterId?: string; concurrency: number }): Promise<VerifyResult> {
  const result: VerifyResult = { clustersChecked: 0, snapshotsChecked: 0, ok: true, broken: [], registry: { missing: [], extra: [] } };
  /** Chains found: key → cluster id. */
  const found = new Map<string, string>();

  const check = (key: string, entities: readonly StoredEntity[], headEntity: StoredEntity | null, fallbackId: string): void => {
    const head = headEntity ? headFromEntity(headEntity) : null;
    const links = groupsOf(entities).map(linkOf);
    if (links.length === 0 && !head) return;
    const clusterId = String(headEntity?.["clusterId"] ?? entities.find((e) => e["clusterId"] !== undefined)?.["clusterId"] ?? fallbackId);
    found.set(key, clusterId);
    result.clustersChecked += 1;
    result.snapshotsChecked += links.length;
    const broken = findBrokenLink(links, head, options);
    if (broken) result.broken.push({ clusterId, ...broken });
  };

  if (options.clusterId !== undefined) {
    const key = tryKey(toClusterKey, options.clusterId);
    if (key !== null) {
      const pk = snapshotPartition(key);
      const [entities, headEntity] = await Promise.all([
        collectRange(tables.snapshots, { partitionKey: pk, ...prefixRange(snapshotsPrefix(key) + "|") }),
        readHeadEntity(tables.snapshots, key),
      ]);
      check(key, entities, headEntity, options.clusterId);
      if (found.has(key) && !(await getOrNull(tables.clusters, CLUSTERS_PARTITION, key))) result.registry.missing.push(found.get(key)!);
    }
  } else {
    await mapLimit(snapshotPartitions(), options.concurrency, (pk) => walkBucket(tables.snapshots, pk, check));
    const registered = new Set<string>();
    for await (const row of queryRange(tables.clusters, { partitionKey: CLUSTERS_PARTITION, select: ["RowKey", "clusterId"] })) {
      registered.add(row.rowKey);
      if (!found.has(row.rowKey)) result.registry.extra.push(String(row["clusterId"] ?? decodeKeyPart(row.rowKey)));
    }
    for (const [key, id] of found) if (!registered.has(key)) result.registry.missing.push(id);
  }
  const byId = (a: string, b: string): number => (armIdKey(a) < armIdKey(b) ? -1 : armIdKey(a) > armIdKey(b) ? 1 : 0);
  result.broken.sort((a, b) => byId(a.clusterId, b.clusterId));
  result.registry.missing.sort(byId);
  result.registry.extra.sort(byId);
  result.ok = result.broken.length === 0 && result.registry.missing.length === 0;
  return result;
}

/**
 * One bucket, streamed: a cluster's snapshot rows are adjacent (`<cluster>|s|…`), so one cluster's
 * entities are held at a time. Heads are matched wherever the layout puts them; a head read after
 * its cluster was checked is skipped, and heads left over have no links (a purged or emptied chain).
 */
async function walkBucket(
  snapshots: TableClient,
  pk: string,
  check: (key: string, entities: readonly StoredEntity[], head: StoredEntity | null, fallbackId: string) => void,
): Promise<void> {
  const heads = new Map<string, StoredEntity>();
  const checked = new Set<string>();
  let current: { key: string; entities: StoredEntity[] } | null = null;
  const finish = async (group: { key: string; entities: StoredEntity[] }): Promise<void> => {
    checked.add(group.key);
    const head = heads.get(group.key) ?? (await readHeadEntity(snapshots, group.key));
    heads.delete(group.key);
    check(group.key, group.entities, head, decodeKeyPart(group.key));
  };
  for await (const row of queryRange(snapshots, { partitionKey: pk })) {
    const headKey = parseHeadRow(row.rowKey);
    if (headKey !== null) {
      if (!checked.has(headKey)) heads.set(headKey, row);
      continue;
    }
    const snapshot = parseSnapshotRow(row.rowKey);
    if (!snapshot) continue;
    if (current && current.key !== snapshot.clusterKey) {
      await finish(current);
      current = null;
    }
    (current ??= { key: snapshot.clusterKey, entities: [] }).entities.push(row);
  }
  if (current) await finish(current);
  for (const [key, head] of heads) check(key, [], head, decodeKeyPart(key));
}
