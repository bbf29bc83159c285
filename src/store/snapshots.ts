/**
 * One cluster's snapshots and hash chain, all in the cluster's partition of the snapshots table:
 * `s|<stem>|000` (main entity: hashes, position, first parts of the payload), `s|<stem>|001…`
 * (further parts of a large payload) and `head` (the chain's last link, updated with its ETag).
 *
 * Appending is one entity group transaction: create the main entity + move the head under If-Match.
 * Concurrent appenders to one cluster therefore serialise on the head (412 → re-read, re-link),
 * and a retried run finds its own link (409, or the head already naming its stem) instead of
 * linking twice.
 */
import type { TableClient, TransactionAction } from "@azure/data-tables";
import type { StoredSnapshot } from "../core/ports.js";
import type { ClusterReport } from "../core/report.js";
import type { IsoDate } from "../core/types.js";
import { ChunkError, joinPayload, partsToProperties, splitPayload } from "./chunks.js";
import { chainHash, sha256Hex, type ChainHead, type StoredLink } from "./hashChain.js";
import { prefixRange } from "./keys.js";
import { HEAD_ROW, parseSnapshotRow, snapshotPrefix, snapshotRow } from "./layout.js";
import { collectRange, getOrNull, isStatus, sleep, submitBatches, withRetry, type Entity, type StoredEntity } from "./tables.js";

export interface RunKeys {
  runId: string;
  asOf: IsoDate;
  stem: string;
}

export interface SnapshotWrite {
  clusterKey: string;
  clusterId: string;
  /** Canonical JSON of the cluster report, and its SHA-256. */
  canonical: string;
  contentHash: string;
}

export interface AppendOutcome {
  /** The canonical report now stored for this run (a retry that lost to a later link keeps the first). */
  canonical: string;
  /** The canonical report this write replaced, when a retried run changed its own last link. */
  replaced: string | null;
}

interface HeadState extends ChainHead {
  etag: string;
  lastStem: string;
}

const MAX_APPEND_ATTEMPTS = 25;

export async function appendSnapshot(
  table: TableClient,
  run: RunKeys,
  write: SnapshotWrite,
  registerCluster: () => Promise<void>,
): Promise<AppendOutcome> {
  const pk = write.clusterKey;
  const chunks = splitPayload(write.canonical);
  for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep(Math.random() * 20 * Math.min(attempt, 5));
    const headEntity = await getOrNull(table, pk, HEAD_ROW);
    const head = headEntity ? headFromEntity(headEntity) : null;

    if (head && head.lastStem === run.stem) {
      // This run is already the last link: same content is a no-op; new content (a retry that
      // classified differently) replaces the link in place, keeping its position and predecessor.
      if (head.lastContentHash === write.contentHash) return { canonical: write.canonical, replaced: null };
      const existing = await readGroup(table, pk, run.stem);
      if (await replaceLastLink(table, run, write, chunks, head, existing)) {
        return { canonical: write.canonical, replaced: existing?.canonical ?? null };
      }
      continue;
    }

    // A multi-entity payload writes its extra entities before the link, so it must first make
    // sure it is not about to overwrite another attempt's; after a conflict, so must everyone.
    if (chunks.length > 1 || attempt > 0) {
      const existing = await readGroup(table, pk, run.stem);
      if (existing) {
        // Linked earlier and since followed by another run's link: first write wins, as rewriting
        // it would break every later link.
        return { canonical: existing.canonical ?? write.canonical, replaced: null };
      }
    }

    if (!head) await registerCluster();
    const link = {
      seq: (head?.seq ?? 0) + 1,
      runId: run.runId,
      asOf: run.asOf,
      contentHash: write.contentHash,
      previousChainHash: head?.lastChainHash ?? "",
    };
    const linkHash = chainHash(link);
    await writeExtraEntities(table, pk, run.stem, chunks);
    const main: Entity = {
      partitionKey: pk,
      rowKey: snapshotRow(run.stem, 0),
      clusterId: write.clusterId,
      ...link,
      previousHash: head?.lastContentHash ?? "",
      chainHash: linkHash,
      entities: chunks.length,
      length: write.canonical.length,
      ...partsToProperties(chunks[0] ?? [""]),
    };
    const newHead = headEntityOf(pk, write.clusterId, {
      seq: link.seq,
      lastStem: run.stem,
      lastContentHash: write.contentHash,
      lastChainHash: linkHash,
      floorSeq: head?.floorSeq ?? 1,
      floorPreviousHash: head?.floorPreviousHash ?? "",
      floorPreviousChainHash: head?.floorPreviousChainHash ?? "",
    });
    const actions: TransactionAction[] = [
      ["create", main],
      head ? ["update", newHead, "Replace", { etag: head.etag }] : ["create", newHead],
    ];
    try {
      await withRetry(() => table.submitTransaction(actions));
      return { canonical: write.canonical, replaced: null };
    } catch (error) {
      // 412: another run moved the head; 409: our link exists already or another run created the
      // head first. Either way re-read and decide again.
      if (isStatus(error, 409, 412)) continue;
      throw error;
    }
  }
  throw new Error(`could not link the snapshot of ${write.clusterId}: the chain head kept changing (${MAX_APPEND_ATTEMPTS} attempts)`);
}

async function replaceLastLink(
  table: TableClient,
  run: RunKeys,
  write: SnapshotWrite,
  chunks: string[][],
  head: HeadState,
  existing: Group | null,
): Promise<boolean> {
  const pk = write.clusterKey;
  const previousHash = existing ? String(existing.main["previousHash"]) : "";
  const previousChainHash = existing ? String(existing.main["previousChainHash"]) : "";
  const link = { seq: head.seq, runId: run.runId, asOf: run.asOf, contentHash: write.contentHash, previousChainHash };
  const linkHash = chainHash(link);
  await writeExtraEntities(table, pk, run.stem, chunks);
  const main: Entity = {
    partitionKey: pk,
    rowKey: snapshotRow(run.stem, 0),
    clusterId: write.clusterId,
    ...link,
    previousHash,
    chainHash: linkHash,
    entities: chunks.length,
    length: write.canonical.length,
    ...partsToProperties(chunks[0] ?? [""]),
  };
  const newHead = headEntityOf(pk, write.clusterId, { ...head, lastContentHash: write.contentHash, lastChainHash: linkHash });
  try {
    await withRetry(() =>
      table.submitTransaction([
        ["upsert", main, "Replace"],
        ["update", newHead, "Replace", { etag: head.etag }],
      ]),
    );
  } catch (error) {
    if (isStatus(error, 412)) return false;
    throw error;
  }
  // The old payload had more entities than the new one: drop the surplus (readers stop at `entities`).
  const surplus = (existing?.entities.length ?? 0) - chunks.length;
  if (surplus > 0) {
    const deletes: TransactionAction[] = existing!.entities.slice(chunks.length).map((e) => ["delete", { partitionKey: pk, rowKey: e.rowKey }]);
    await submitBatches(table, deletes, 1);
  }
  return true;
}

async function writeExtraEntities(table: TableClient, pk: string, stem: string, chunks: string[][]): Promise<void> {
  if (chunks.length <= 1) return;
  const actions: TransactionAction[] = chunks
    .slice(1)
    .map((parts, i) => ["upsert", { partitionKey: pk, rowKey: snapshotRow(stem, i + 1), ...partsToProperties(parts) }, "Replace"]);
  await submitBatches(table, actions, 1);
}

// ---------------------------------------------------------------- reading

/** A snapshot's entities as read back (main first), with its payload if it reassembles. */
export interface Group {
  stem: string;
  main: StoredEntity;
  entities: StoredEntity[];
  canonical: string | null;
  problem?: string;
  /** What is stored even when it does not add up (for hashing in verify). */
  stored?: string | null;
}

export async function readGroup(table: TableClient, pk: string, stem: string): Promise<Group | null> {
  const entities = await collectRange(table, { partitionKey: pk, ...prefixRange(snapshotPrefix(stem)) });
  return groupsOf(entities)[0] ?? null;
}

/**
 * Groups a row-key-ordered list of snapshot entities by stem. Extra entities without their main
 * entity (a write that crashed before linking) are ignored: they were never part of the chain.
 */
export function groupsOf(entities: readonly StoredEntity[]): Group[] {
  const groups: Group[] = [];
  let current: { stem: string; entities: StoredEntity[] } | null = null;
  const close = (): void => {
    if (!current) return;
    const main = current.entities[0];
    if (main && parseSnapshotRow(main.rowKey)?.entity === 0) groups.push(assemble(current.stem, current.entities));
    current = null;
  };
  for (const entity of entities) {
    const row = parseSnapshotRow(entity.rowKey);
    if (!row) continue;
    if (!current || current.stem !== row.stem) {
      close();
      current = { stem: row.stem, entities: [] };
    }
    current.entities.push(entity);
  }
  close();
  return groups;
}

function assemble(stem: string, entities: StoredEntity[]): Group {
  const main = entities[0]!;
  const expected = { entities: Number(main["entities"]), length: Number(main["length"]) };
  try {
    return { stem, main, entities, canonical: joinPayload(entities.slice(0, expected.entities), expected) };
  } catch (error) {
    if (error instanceof ChunkError) return { stem, main, entities, canonical: null, problem: error.message, stored: error.text };
    throw error;
  }
}

export function snapshotOf(group: Group): StoredSnapshot {
  if (group.canonical === null) throw new Error(`snapshot of run ${String(group.main["runId"])} is unreadable: ${group.problem}`);
  return {
    runId: String(group.main["runId"]),
    asOf: String(group.main["asOf"]),
    cluster: JSON.parse(group.canonical) as ClusterReport,
    contentHash: String(group.main["contentHash"]),
    previousHash: String(group.main["previousHash"]),
  };
}

export function linkOf(group: Group): StoredLink {
  const m = group.main;
  return {
    seq: Number(m["seq"]),
    runId: String(m["runId"]),
    asOf: String(m["asOf"]),
    contentHash: String(m["contentHash"]),
    previousHash: String(m["previousHash"]),
    chainHash: String(m["chainHash"]),
    previousChainHash: String(m["previousChainHash"]),
    // A payload whose parts are all there but whose length changed was edited: hash it, so verify
    // says "content does not match" rather than "unreadable".
    payloadHash: group.canonical !== null ? sha256Hex(group.canonical) : group.stored ? sha256Hex(group.stored) : null,
    ...(group.problem ? { payloadProblem: group.problem } : {}),
  };
}

// ---------------------------------------------------------------- head

export function headFromEntity(entity: StoredEntity): HeadState {
  return {
    etag: entity.etag,
    seq: Number(entity["seq"]),
    lastStem: String(entity["lastStem"] ?? ""),
    lastContentHash: String(entity["lastContentHash"] ?? ""),
    lastChainHash: String(entity["lastChainHash"] ?? ""),
    floorSeq: Number(entity["floorSeq"] ?? 1),
    floorPreviousHash: String(entity["floorPreviousHash"] ?? ""),
    floorPreviousChainHash: String(entity["floorPreviousChainHash"] ?? ""),
  };
}

export function headEntityOf(pk: string, clusterId: string, head: Omit<HeadState, "etag"> & { etag?: string }): Entity {
  return {
    partitionKey: pk,
    rowKey: HEAD_ROW,
    clusterId,
    seq: head.seq,
    lastStem: head.lastStem,
    lastContentHash: head.lastContentHash,
    lastChainHash: head.lastChainHash,
    floorSeq: head.floorSeq,
    floorPreviousHash: head.floorPreviousHash,
    floorPreviousChainHash: head.floorPreviousChainHash,
  };
}

export async function readHead(table: TableClient, pk: string): Promise<HeadState | null> {
  const entity = await getOrNull(table, pk, HEAD_ROW);
  return entity ? headFromEntity(entity) : null;
}
