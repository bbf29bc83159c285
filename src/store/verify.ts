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
import { CLUSTERS_PARTITION, HEAD_PREFIX, parseHeadRow, parseSnapshotRow, SNAPSHOT_ROWS_END, snapshotPartition, snapshotPartitions, snapshotsPrefix } from "./layout.js";
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
 * One bucket, streamed: the snapshot rows (`<cluster>|s|…`, below `~`) and the head rows
 * (`~h|<cluster>|`) are read as two ranges side by side. Both come in the same cluster order, so
 * one cluster's entities and its head are held at a time: a head that comes first has no links
 * (a purged or emptied chain), a cluster with no head in step has lost it.
 */
async function walkBucket(
  snapshots: TableClient,
  pk: string,
  check: (key: string, entities: readonly StoredEntity[], head: StoredEntity | null, fallbackId: string) => void,
): Promise<void> {
  const heads = queryRange(snapshots, { partitionKey: pk, ...prefixRange(HEAD_PREFIX) })[Symbol.asyncIterator]();
  let head = await nextHead(heads);
  /** Checks the heads that sort before `key` (links-less chains); returns the head of `key`, if any. */
  const headsUpTo = async (key: string | null): Promise<StoredEntity | null> => {
    while (head && (key === null || head.key + "|" < key + "|")) {
      check(head.key, [], head.entity, decodeKeyPart(head.key));
      head = await nextHead(heads);
    }
    if (head && key !== null && head.key === key) {
      const found = head.entity;
      head = await nextHead(heads);
      return found;
    }
    return null;
  };
  let current: { key: string; entities: StoredEntity[] } | null = null;
  const finish = async (group: { key: string; entities: StoredEntity[] }): Promise<void> => {
    check(group.key, group.entities, await headsUpTo(group.key), decodeKeyPart(group.key));
  };
  for await (const row of queryRange(snapshots, { partitionKey: pk, high: SNAPSHOT_ROWS_END })) {
    const snapshot = parseSnapshotRow(row.rowKey);
    if (!snapshot) continue;
    if (current && current.key !== snapshot.clusterKey) {
      await finish(current);
      current = null;
    }
    (current ??= { key: snapshot.clusterKey, entities: [] }).entities.push(row);
  }
  if (current) await finish(current);
  await headsUpTo(null);
}

/** The next head row of a bucket's head range, with its cluster key (rows of other shapes skipped). */
async function nextHead(heads: AsyncIterator<StoredEntity>): Promise<{ key: string; entity: StoredEntity } | null> {
  for (let result = await heads.next(); !result.done; result = await heads.next()) {
    const key = parseHeadRow(result.value.rowKey);
    if (key !== null) return { key, entity: result.value };
  }
  return null;
}
