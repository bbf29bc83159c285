/**
 * Snapshots and hash chains in the snapshots table. A cluster's rows live in its bucket's partition
 * (layout.ts `snapshotPartition`): `<cluster>|s|<stem>|000` (main entity: hashes, position, first
 * parts of the payload), `<cluster>|s|<stem>|001…` (further parts of a large payload) and
 * `~h|<cluster>|` (the chain's last link, updated with its ETag; heads form their own range, so a
 * page's heads are read with one query per bucket).
 *
 * A page is appended bucket by bucket: every cluster's "create the link + move its head under
 * If-Match" pair goes into the bucket's transactions, up to 50 pairs each. A transaction is
 * all-or-nothing, so a refused one (412: someone moved a head; 409: a link or head exists already)
 * leaves nothing behind, and only its clusters are re-read and tried again. Concurrent appenders
 * to one cluster therefore still serialise on its head, and a retried run finds its own link (409,
 * or the head already naming its stem) instead of linking twice.
 */
import type { TableClient, TransactionAction } from "@azure/data-tables";
import type { StoredSnapshot } from "../core/ports.js";
import type { ClusterReport } from "../core/report.js";
import type { IsoDate } from "../core/types.js";
import { ChunkError, joinPayload, partsToProperties, splitPayload } from "./chunks.js";
import { chainHash, sha256Hex, type ChainHead, type StoredLink } from "./hashChain.js";
import { prefixRange } from "./keys.js";
import { headRow, parseSnapshotRow, snapshotPartition, snapshotPrefix, snapshotRow } from "./layout.js";
import { collectRange, getOrNull, isStatus, mapLimit, packGroups, queryRange, sleep, submitBatches, withRetry, type Entity, type StoredEntity } from "./tables.js";

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
  /** The chain hash of the run's link as it now stands (the pair the run root is sealed over). */
  chainHash: string;
}

export interface AppendOptions {
  /** Partitions (and point reads) in flight at once. */
  concurrency: number;
  /**
   * Adds clusters to the registry. Called before any of them gets a chain head, so verify and
   * purge (which walk the registry) never miss a chain; upserts, so calling it twice is harmless.
   */
  register(clusters: readonly { clusterKey: string; clusterId: string }[]): Promise<void>;
}

interface HeadState extends ChainHead {
  etag: string;
  lastStem: string;
}

/** One cluster's write, as it moves through the attempts. */
interface Item {
  index: number;
  write: SnapshotWrite;
  pk: string;
  chunks: string[][];
  head: HeadState | null;
  /**
   * It was in a refused transaction: its link may exist already (a 409 on the create), so look
   * before writing. A first attempt can skip the look, because the create itself would say so.
   */
  suspect: boolean;
}

/** What one cluster writes in this attempt. */
interface Plan {
  item: Item;
  /** Upserts of a large payload's further entities, written before the link that counts them. */
  extras: TransactionAction[];
  /** The main entity and the head: always in the same transaction. */
  link: TransactionAction[];
  /** Deletes once linked: entities a replaced, longer payload no longer uses. */
  surplus: TransactionAction[];
  outcome: AppendOutcome;
}

const MAX_APPEND_ATTEMPTS = 25;
/**
 * From this attempt on, each pair goes in a transaction of its own: one cluster that keeps
 * conflicting (a hot chain) must not keep failing the other 49 in its transaction.
 */
const SOLO_FROM_ATTEMPT = 3;

/**
 * Links one snapshot per cluster (keys must be distinct) for the run; outcomes in input order.
 * Heads are read for the whole page first, so new clusters are registered in full batches, then
 * each bucket's pairs are written in transactions of up to 100 actions.
 */
export async function appendSnapshots(
  table: TableClient,
  run: RunKeys,
  writes: readonly SnapshotWrite[],
  options: AppendOptions,
): Promise<AppendOutcome[]> {
  const outcomes = new Array<AppendOutcome>(writes.length);
  const items: Item[] = writes.map((write, index) => ({
    index,
    write,
    pk: snapshotPartition(write.clusterKey),
    chunks: splitPayload(write.canonical),
    head: null,
    suspect: false,
  }));
  await readHeads(table, items, options.concurrency);

  const registered = new Set<string>();
  const register = async (list: readonly Item[]): Promise<void> => {
    const fresh = list.filter((i) => i.head === null && !registered.has(i.write.clusterKey));
    if (fresh.length === 0) return;
    await options.register(fresh.map((i) => ({ clusterKey: i.write.clusterKey, clusterId: i.write.clusterId })));
    for (const i of fresh) registered.add(i.write.clusterKey);
  };
  await register(items);

  const buckets = new Map<string, Item[]>();
  for (const item of items) {
    let list = buckets.get(item.pk);
    if (!list) buckets.set(item.pk, (list = []));
    list.push(item);
  }
  await mapLimit([...buckets.values()], options.concurrency, (bucket) => appendBucket(table, run, bucket, outcomes, register, options.concurrency));
  return outcomes;
}

async function appendBucket(
  table: TableClient,
  run: RunKeys,
  items: Item[],
  outcomes: AppendOutcome[],
  register: (items: readonly Item[]) => Promise<void>,
  concurrency: number,
): Promise<void> {
  let pending = items;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt >= MAX_APPEND_ATTEMPTS) {
      throw new Error(`could not link the snapshot of ${pending[0]!.write.clusterId}: the chain head kept changing (${MAX_APPEND_ATTEMPTS} attempts)`);
    }
    if (attempt > 0) {
      await sleep(Math.random() * 20 * Math.min(attempt, 5));
      await readHeads(table, pending, concurrency);
      await register(pending);
    }
    const planned = await mapLimit(pending, concurrency, (item) => planAppend(table, run, item));
    const plans: Plan[] = [];
    planned.forEach((plan, i) => {
      if ("link" in plan) plans.push(plan);
      else outcomes[pending[i]!.index] = plan;
    });
    // Extra entities are upserts under this run's own keys, checked unlinked above: harmless if the link then fails.
    await submitBatches(
      table,
      plans.flatMap((p) => p.extras),
      1,
    );
    const groups = packGroups(plans, (p) => p.link, attempt >= SOLO_FROM_ATTEMPT ? 2 : undefined);
    const refused: Item[] = [];
    const surplus: TransactionAction[] = [];
    // One transaction per bucket at a time: the buckets already run side by side, and each
    // transaction in flight holds its serialised body (up to 1.5 MB), so more would cost memory.
    await mapLimit(groups, 1, async (group) => {
      try {
        await withRetry(() => table.submitTransaction(group.flatMap((p) => p.link)));
        for (const p of group) {
          outcomes[p.item.index] = p.outcome;
          surplus.push(...p.surplus);
        }
      } catch (error) {
        // 412: another run moved one of the heads; 409: one of the links exists already, or another
        // run created a head first. Nothing of this transaction was written: decide again from fresh reads.
        if (!isStatus(error, 409, 412)) throw error;
        for (const p of group) {
          p.item.suspect = true;
          refused.push(p.item);
        }
      }
    });
    // Readers stop at the main entity's count, so these only free space; a crash leaves them harmless.
    await submitBatches(table, surplus, 1);
    pending = refused;
  }
}

/**
 * Reads the chain head of every item into `item.head`: one range query per bucket, from the
 * page's first head row in that bucket to its last, keeping only the page's own heads. A page
 * whose clusters are spread over the whole key space reads (and drops) the bucket's other heads
 * in between: more entities, but still about one round trip per 1,000 of them, and only the
 * page's heads are held.
 */
async function readHeads(table: TableClient, items: readonly Item[], concurrency: number): Promise<void> {
  const buckets = new Map<string, Map<string, Item>>();
  for (const item of items) {
    item.head = null;
    let wanted = buckets.get(item.pk);
    if (!wanted) buckets.set(item.pk, (wanted = new Map()));
    wanted.set(headRow(item.write.clusterKey), item);
  }
  await mapLimit([...buckets], concurrency, async ([pk, wanted]) => {
    const rows = [...wanted.keys()].sort();
    for await (const entity of queryRange(table, { partitionKey: pk, low: rows[0]!, high: prefixRange(rows[rows.length - 1]!).high })) {
      const item = wanted.get(entity.rowKey);
      if (item) item.head = headFromEntity(entity);
    }
  });
}

/**
 * What one cluster writes given its head: an outcome when nothing needs writing (the run is
 * already linked), or the actions of a new or replaced link.
 */
async function planAppend(table: TableClient, run: RunKeys, item: Item): Promise<Plan | AppendOutcome> {
  const { write, head, chunks } = item;
  const key = write.clusterKey;
  if (head && head.lastStem === run.stem) {
    // This run is already the last link: same content is a no-op; new content (a retry that
    // classified differently) replaces the link in place, keeping its position and predecessor.
    if (head.lastContentHash === write.contentHash) return { canonical: write.canonical, replaced: null, chainHash: head.lastChainHash };
    const existing = await readGroup(table, key, run.stem);
    if (chunks.length > 1 || (existing?.entities.length ?? 0) > 1) {
      // A multi-entity payload's extra entities are written before the transaction that moves the
      // head: replacing one in place could leave old and new parts mixed after a crash or a refusal.
      // Keep the first write, as a link already followed by another run's does.
      return { canonical: existing?.canonical ?? write.canonical, replaced: null, chainHash: head.lastChainHash };
    }
    const previousHash = existing ? String(existing.main["previousHash"]) : "";
    const previousChainHash = existing ? String(existing.main["previousChainHash"]) : "";
    const link = { seq: head.seq, runId: run.runId, asOf: run.asOf, contentHash: write.contentHash, previousChainHash };
    const linkHash = chainHash(link);
    const main = mainEntity(item, run, { ...link, previousHash, chainHash: linkHash });
    const newHead = headEntityOf(key, write.clusterId, { ...head, lastContentHash: write.contentHash, lastChainHash: linkHash });
    // The old payload had more entities than the new one: drop the surplus (readers stop at `entities`).
    const surplus: TransactionAction[] = (existing?.entities ?? [])
      .slice(chunks.length)
      .map((e) => ["delete", { partitionKey: item.pk, rowKey: e.rowKey }]);
    return {
      item,
      extras: extraEntities(item, run.stem),
      link: [
        ["upsert", main, "Replace"],
        ["update", newHead, "Replace", { etag: head.etag }],
      ],
      surplus,
      outcome: { canonical: write.canonical, replaced: existing?.canonical ?? null, chainHash: linkHash },
    };
  }

  // A multi-entity payload writes its extra entities before the link, so it must first make
  // sure it is not about to overwrite another attempt's; after a refusal, so must everyone.
  if (chunks.length > 1 || item.suspect) {
    const existing = await readGroup(table, key, run.stem);
    if (existing) {
      // Linked earlier and since followed by another run's link: first write wins, as rewriting
      // it would break every later link.
      return { canonical: existing.canonical ?? write.canonical, replaced: null, chainHash: String(existing.main["chainHash"]) };
    }
  }

  const link = {
    seq: (head?.seq ?? 0) + 1,
    runId: run.runId,
    asOf: run.asOf,
    contentHash: write.contentHash,
    previousChainHash: head?.lastChainHash ?? "",
  };
  const linkHash = chainHash(link);
  const main = mainEntity(item, run, { ...link, previousHash: head?.lastContentHash ?? "", chainHash: linkHash });
  const newHead = headEntityOf(key, write.clusterId, {
    seq: link.seq,
    lastStem: run.stem,
    lastContentHash: write.contentHash,
    lastChainHash: linkHash,
    floorSeq: head?.floorSeq ?? 1,
    floorPreviousHash: head?.floorPreviousHash ?? "",
    floorPreviousChainHash: head?.floorPreviousChainHash ?? "",
    ...floorRecordOf(head),
  });
  return {
    item,
    extras: extraEntities(item, run.stem),
    link: [["create", main], head ? ["update", newHead, "Replace", { etag: head.etag }] : ["create", newHead]],
    surplus: [],
    outcome: { canonical: write.canonical, replaced: null, chainHash: linkHash },
  };
}

function mainEntity(item: Item, run: RunKeys, link: { seq: number; runId: string; asOf: IsoDate; contentHash: string; previousHash: string; previousChainHash: string; chainHash: string }): Entity {
  return {
    partitionKey: item.pk,
    rowKey: snapshotRow(item.write.clusterKey, run.stem, 0),
    clusterId: item.write.clusterId,
    seq: link.seq,
    runId: link.runId,
    asOf: link.asOf,
    contentHash: link.contentHash,
    previousChainHash: link.previousChainHash,
    previousHash: link.previousHash,
    chainHash: link.chainHash,
    entities: item.chunks.length,
    length: item.write.canonical.length,
    ...partsToProperties(item.chunks[0] ?? [""]),
  };
}

function extraEntities(item: Item, stem: string): TransactionAction[] {
  return item.chunks
    .slice(1)
    .map((parts, i) => ["upsert", { partitionKey: item.pk, rowKey: snapshotRow(item.write.clusterKey, stem, i + 1), ...partsToProperties(parts) }, "Replace"]);
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

/** One cluster's snapshot of one run: a row-key range in the cluster's bucket. */
export async function readGroup(table: TableClient, clusterKey: string, stem: string): Promise<Group | null> {
  const entities = await collectRange(table, { partitionKey: snapshotPartition(clusterKey), ...prefixRange(snapshotPrefix(clusterKey, stem)) });
  return groupsOf(entities)[0] ?? null;
}

/**
 * Groups a row-key-ordered list of snapshot entities by cluster and stem; other rows (heads) are
 * skipped. Extra entities without their main entity (a write that crashed before linking) are
 * ignored: they were never part of the chain.
 */
export function groupsOf(entities: readonly StoredEntity[]): Group[] {
  const groups: Group[] = [];
  let current: { id: string; stem: string; entities: StoredEntity[] } | null = null;
  const close = (): void => {
    if (!current) return;
    const main = current.entities[0];
    if (main && parseSnapshotRow(main.rowKey)?.entity === 0) groups.push(assemble(current.stem, current.entities));
    current = null;
  };
  for (const entity of entities) {
    const row = parseSnapshotRow(entity.rowKey);
    if (!row) continue;
    const id = `${row.clusterKey}|${row.stem}`;
    if (!current || current.id !== id) {
      close();
      current = { id, stem: row.stem, entities: [] };
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

/** The link fields of a snapshot's main entity, as stored (no payload needed). */
export function linkFieldsOf(m: StoredEntity): Omit<StoredLink, "payloadHash" | "payloadProblem"> {
  return {
    seq: Number(m["seq"]),
    runId: String(m["runId"]),
    asOf: String(m["asOf"]),
    contentHash: String(m["contentHash"]),
    previousHash: String(m["previousHash"]),
    chainHash: String(m["chainHash"]),
    previousChainHash: String(m["previousChainHash"]),
  };
}

export function linkOf(group: Group): StoredLink {
  return {
    ...linkFieldsOf(group.main),
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
    ...floorRecordOf({ floorAsOf: entity["floorAsOf"] as string | undefined, floorCutoff: entity["floorCutoff"] as string | undefined }),
  };
}

/** The purge record of a floor (verify checks it), carried over whenever a head is rewritten. */
export function floorRecordOf(head: { floorAsOf?: unknown; floorCutoff?: unknown } | null): { floorAsOf?: IsoDate; floorCutoff?: IsoDate } {
  return typeof head?.floorAsOf === "string" && typeof head.floorCutoff === "string" && head.floorAsOf && head.floorCutoff
    ? { floorAsOf: head.floorAsOf, floorCutoff: head.floorCutoff }
    : {};
}

export function headEntityOf(clusterKey: string, clusterId: string, head: Omit<HeadState, "etag"> & { etag?: string }): Entity {
  return {
    partitionKey: snapshotPartition(clusterKey),
    rowKey: headRow(clusterKey),
    clusterId,
    seq: head.seq,
    lastStem: head.lastStem,
    lastContentHash: head.lastContentHash,
    lastChainHash: head.lastChainHash,
    floorSeq: head.floorSeq,
    floorPreviousHash: head.floorPreviousHash,
    floorPreviousChainHash: head.floorPreviousChainHash,
    ...floorRecordOf(head),
  };
}

/** The chain head as stored (verify also needs its clusterId); null when the cluster has none. */
export function readHeadEntity(table: TableClient, clusterKey: string): Promise<StoredEntity | null> {
  return getOrNull(table, snapshotPartition(clusterKey), headRow(clusterKey));
}
