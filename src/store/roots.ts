/**
 * Run roots: an anchor for history that lives outside the store. When a run completes, its root
 * is sealed over the (cluster key, chain hash) pairs it wrote and linked to the previous fleet
 * run's root; the digest and GET /api/runs/{runId} show it, so recipients keep copies. Checking a
 * copy (`verify --root`) reads the chain of roots from the run records and reproduces the root
 * from the clusters' chains, so a rolled-back head, a removed latest link or a removed latest run
 * shows, even where every chain on its own still adds up. Hash rules: core/hashing.ts.
 */
import type { TableClient, TransactionAction } from "@azure/data-tables";
import { chainHash, createPairsHasher, rootHash } from "../core/hashing.js";
import type { BundleRoot } from "../core/evidence.js";
import type { RootCheck, RunRecord, RunRoot } from "../core/ports.js";
import { isFinishedFleetRun } from "../core/scope.js";
import type { StoredLink } from "./hashChain.js";
import { decodeKeyPart, prefixRange, runKey as toRunKey } from "./keys.js";
import { ROOT_HEAD_ROW, RUN_CLUSTER_PREFIX, RUN_LIST_PREFIX, RUNS_PARTITION, snapshotPartition, snapshotRow } from "./layout.js";
import { runFromEntity } from "./runs.js";
import { linkFieldsOf } from "./snapshots.js";
import { getOrNull, mapLimit, queryRange, type Entity, type StoredEntity } from "./tables.js";

/** One cluster a run wrote, with its link for that run as stored (null when the link is gone). */
export interface RunLink {
  clusterKey: string;
  clusterId: string;
  link: Omit<StoredLink, "payloadHash" | "payloadProblem"> | null;
}

export interface RootTables {
  runs: TableClient;
  runIndex: TableClient;
  snapshots: TableClient;
}

const LINK_FIELDS = ["RowKey", "clusterId", "seq", "runId", "asOf", "contentHash", "previousHash", "previousChainHash", "chainHash"];

/**
 * The clusters a run wrote (its index's membership rows) with each one's link for the run, in
 * ascending cluster-key order: the order the root's pair lines are hashed in.
 */
export async function runLinks(tables: Pick<RootTables, "runIndex" | "snapshots">, runId: string, stem: string, concurrency: number): Promise<RunLink[]> {
  const members: { clusterKey: string; clusterId: string }[] = [];
  for await (const row of queryRange(tables.runIndex, { partitionKey: toRunKey(runId), ...prefixRange(RUN_CLUSTER_PREFIX), select: ["clusterKey", "clusterId"] })) {
    const key = String(row["clusterKey"]);
    members.push({ clusterKey: key, clusterId: String(row["clusterId"] ?? decodeKeyPart(key)) });
  }
  members.sort((a, b) => (a.clusterKey < b.clusterKey ? -1 : a.clusterKey > b.clusterKey ? 1 : 0));
  return mapLimit(members, concurrency, async (m) => {
    const rowKey = snapshotRow(m.clusterKey, stem, 0);
    let main: StoredEntity | null = null;
    // Only the link's fields, not its payload: a fleet's worth of these is read at every completion.
    for await (const e of queryRange(tables.snapshots, { partitionKey: snapshotPartition(m.clusterKey), ...prefixRange(rowKey), select: LINK_FIELDS })) main = e;
    return { ...m, link: main ? linkFieldsOf(main) : null };
  });
}

/** The pairs' hash and count over the links that are there (missing ones are the caller's finding). */
export function pairsOf(links: readonly RunLink[]): { pairsHash: string; clusters: number } {
  const hasher = createPairsHasher();
  for (const l of links) if (l.link) hasher.add(l.clusterKey, l.link.chainHash);
  return { pairsHash: hasher.digest(), clusters: hasher.count() };
}

/**
 * The pairs a completing run wrote, from its index's membership rows, which record each link's
 * chain hash as the run left it: one range read per 1,000 clusters instead of a link read per
 * cluster. A row without the hash (written before rows carried it) falls back to the links.
 * `checkRoot` never trusts these rows: it reproduces a root from the links themselves.
 */
async function writtenPairs(tables: Pick<RootTables, "runIndex" | "snapshots">, runId: string, stem: string, concurrency: number): Promise<{ pairsHash: string; clusters: number }> {
  const pairs: [string, string][] = [];
  for await (const row of queryRange(tables.runIndex, { partitionKey: toRunKey(runId), ...prefixRange(RUN_CLUSTER_PREFIX), select: ["clusterKey", "chainHash"] })) {
    const hash = row["chainHash"];
    if (typeof hash !== "string" || hash === "") return pairsOf(await runLinks(tables, runId, stem, concurrency));
    pairs.push([String(row["clusterKey"]), hash]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const hasher = createPairsHasher();
  for (const [key, hash] of pairs) hasher.add(key, hash);
  return { pairsHash: hasher.digest(), clusters: hasher.count() };
}

interface RootHead {
  seq: number;
  hash: string;
  runId: string;
  etag: string;
}

async function readRootHead(runs: TableClient): Promise<RootHead | null> {
  const e = await getOrNull(runs, RUNS_PARTITION, ROOT_HEAD_ROW);
  return e ? { seq: Number(e["seq"]), hash: String(e["hash"]), runId: String(e["runId"]), etag: e.etag } : null;
}

/**
 * The root a completing run gets, and the head write that must go in the same transaction as the
 * run's record (none for a run outside the chain: scoped, failed, or still running).
 */
export async function sealRoot(tables: RootTables, run: RunRecord, stem: string, concurrency: number): Promise<{ root: RunRoot; actions: TransactionAction[] }> {
  const [written, head] = await Promise.all([writtenPairs(tables, run.runId, stem, concurrency), readRootHead(tables.runs)]);
  const { pairsHash, clusters } = written;
  const previousRoot = head?.hash ?? "";
  const inChain = isFinishedFleetRun(run);
  const seq = inChain ? (head?.seq ?? 0) + 1 : 0;
  const hash = rootHash({ runId: run.runId, asOf: run.asOf, clusters, pairsHash, previousRoot });
  const root: RunRoot = { hash, pairsHash, clusters, previousRoot, seq };
  if (!inChain) return { root, actions: [] };
  const entity: Entity = { partitionKey: RUNS_PARTITION, rowKey: ROOT_HEAD_ROW, seq, hash, runId: run.runId };
  return { root, actions: [head ? ["update", entity, "Replace", { etag: head.etag }] : ["create", entity]] };
}

interface StoredRoot {
  run: RunRecord;
  root: RunRoot;
  stem: string;
}

/** Every stored run that has a root (runs are few: one a day or so, kept for the retention period). */
async function storedRoots(runs: TableClient): Promise<StoredRoot[]> {
  const found: StoredRoot[] = [];
  for await (const e of queryRange(runs, { partitionKey: RUNS_PARTITION, ...prefixRange(RUN_LIST_PREFIX + "|") })) {
    const run = runFromEntity(e);
    if (run.root) found.push({ run, root: run.root, stem: String(e["stem"]) });
  }
  return found;
}

/**
 * The stored root chain up to a run, ascending: to its own root, or for a run outside the chain
 * to the root it follows. An auditor replays it (core/evidence.ts) against the roots they hold.
 */
export async function rootChainUpTo(runs: TableClient, run: RunRecord): Promise<BundleRoot[]> {
  const chain = (await storedRoots(runs)).filter((r) => r.root.seq > 0).sort((a, b) => a.root.seq - b.root.seq);
  const end = run.root ? (run.root.seq > 0 ? run.root.seq : (chain.find((r) => r.root.hash === run.root!.previousRoot)?.root.seq ?? 0)) : 0;
  return chain
    .filter((r) => r.root.seq <= end)
    .map(({ run: r, root }) => ({ runId: r.runId, asOf: r.asOf, seq: root.seq, clusters: root.clusters, pairsHash: root.pairsHash, previousRoot: root.previousRoot, hash: root.hash }));
}

/**
 * Checks a root someone holds: it must be in the stored root chain (read from the run records, not
 * the head), that chain must link up, and the chains must reproduce it.
 */
export async function checkRoot(tables: RootTables, hash: string, concurrency: number): Promise<RootCheck> {
  const check: RootCheck = { root: hash, ok: true, runId: null, asOf: null, seq: null, chain: { first: null, last: null }, broken: [] };
  const fail = (b: RootCheck["broken"][number]): void => {
    check.broken.push(b);
    check.ok = false;
  };
  const withRoots = await storedRoots(tables.runs);

  // The chain itself: every root recomputes from its fields, positions follow on, each links to the one before.
  const chain = withRoots.filter((r) => r.root.seq > 0).sort((a, b) => a.root.seq - b.root.seq);
  for (const [i, { run, root }] of chain.entries()) {
    const at = { clusterId: null, runId: run.runId, seq: root.seq };
    if (rootHash({ runId: run.runId, asOf: run.asOf, ...root }) !== root.hash) fail({ ...at, field: "root.hash", reason: "the stored root does not recompute from the run's id, date, pairs and previous root" });
    const before = chain[i - 1];
    if (!before) continue;
    if (root.seq === before.root.seq) fail({ ...at, field: "root.seq", reason: `runs ${before.run.runId} and ${run.runId} both claim root position ${root.seq}` });
    else if (root.seq !== before.root.seq + 1) fail({ ...at, field: "root.seq", reason: `root ${before.root.seq + 1} is missing from the chain (found ${root.seq} next): a run record was removed` });
    else if (root.previousRoot !== before.root.hash) fail({ ...at, field: "root.previousRoot", reason: `does not name the root of run ${before.run.runId}, the one before it` });
  }
  check.chain = { first: chain[0]?.root.seq ?? null, last: chain[chain.length - 1]?.root.seq ?? null };
  const head = await readRootHead(tables.runs);
  const last = chain[chain.length - 1];
  if (last && (!head || head.seq !== last.root.seq || head.hash !== last.root.hash)) {
    fail({ clusterId: null, runId: last.run.runId, seq: last.root.seq, field: "rootHead", reason: head ? `the root head names position ${head.seq} (run ${head.runId}), the chain ends at ${last.root.seq}` : "the root chain has runs but no head" });
  }

  const target = withRoots.find((r) => r.root.hash === hash.toLowerCase());
  if (!target) {
    fail({ clusterId: null, runId: "", seq: null, field: "root", reason: "this root is not in the stored root chain: the run it anchors was removed or its record rewritten" });
    return check;
  }
  Object.assign(check, { runId: target.run.runId, asOf: target.run.asOf, seq: target.root.seq });

  // Reproduce it from the chains: each cluster the run wrote must still hold the run's link.
  const links = await runLinks(tables, target.run.runId, target.stem, concurrency);
  for (const l of links) {
    const at = { clusterId: l.clusterId, runId: target.run.runId };
    if (!l.link) fail({ ...at, seq: null, field: "link", reason: "the run's link is gone from the cluster's chain (removed, or the head rolled back past it)" });
    else if (l.link.runId !== target.run.runId) fail({ ...at, seq: l.link.seq, field: "runId", reason: `the link names run ${l.link.runId}` });
    else if (chainHash(l.link) !== l.link.chainHash) fail({ ...at, seq: l.link.seq, field: "chainHash", reason: "the link's chainHash does not match its run, date, position or content" });
  }
  const { pairsHash, clusters } = pairsOf(links);
  const at = { clusterId: null, runId: target.run.runId, seq: target.root.seq };
  if (clusters !== target.root.clusters) fail({ ...at, field: "root.clusters", reason: `the chains hold ${clusters} of this run's links, the root counts ${target.root.clusters}` });
  else if (pairsHash !== target.root.pairsHash) fail({ ...at, field: "root.pairsHash", reason: "the chains' current links for this run do not reproduce the root's pairs (a link was rewritten)" });
  // A chain member's own hash was checked with the chain above.
  if (target.root.seq === 0 && rootHash({ runId: target.run.runId, asOf: target.run.asOf, ...target.root }) !== target.root.hash) {
    fail({ ...at, field: "root.hash", reason: "the stored root does not recompute from the run's id, date, pairs and previous root" });
  }
  return check;
}
