/**
 * The HistoryStore port on Azure Table Storage. Layout and key ranges: layout.ts and
 * docs/storage-design.md. Every query names a partition (PartitionKey eq …) and, where it can, a
 * row-key range; every filter is built with the `odata` template.
 */
import type { TokenCredential } from "@azure/core-auth";
import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import type { ClusterPair, FleetQuery, HistoryStore, Page, PageQuery, RunRecord, StoredSnapshot, VerifyOptions, VerifyResult } from "../core/ports.js";
import { verifyChains } from "./verify.js";
import { reportOfRun, worstSeverity, type AuditReport, type ClusterReport, type Integration } from "../core/report.js";
import { armIdKey, type IsoDate } from "../core/types.js";
import { isIsoDate } from "../core/dates.js";
import { filterCluster, isFiltered, needsCluster, rowMayMatch } from "../core/fleetFilter.js";
import { canonicalJson, sha256Hex } from "./hashChain.js";
import {
  clusterKey as toClusterKey,
  dateRange,
  prefixRange,
  reverseDateBefore,
  runKey as toRunKey,
  tryKey,
  joinKey,
} from "./keys.js";
import {
  CLUSTERS_PARTITION,
  RUNS_PARTITION,
  RUN_CLUSTER_PREFIX,
  RUN_LIST_PREFIX,
  TABLE_SUFFIXES,
  headRow,
  parseSnapshotRow,
  runClusterRow,
  runIdRow,
  snapshotPartition,
  snapshotsPrefix,
  type TableRole,
} from "./layout.js";
import { ContinuationTokenError, decodeContinuation, encodeContinuation, pageSize } from "./paging.js";
import { runEntities, runFromEntity, slotHolderInFlight, stemOf, WIDE_RUN_SLOT_ROW } from "./runs.js";
import { checkRoot, rootChainUpTo, runLinks, sealRoot, type RootTables } from "./roots.js";
import { BUNDLE_FORMAT, BUNDLE_VERSION, type EvidenceBundle } from "../core/evidence.js";
import { appendSnapshots, groupsOf, headEntityOf, headFromEntity, readGroup, snapshotOf, type RunKeys } from "./snapshots.js";
import {
  collectRange,
  deleteRange,
  ensureTable,
  getOrNull,
  isStatus,
  mapLimit,
  parseJsonProperty,
  queryRange,
  submitBatches,
  tableClientFactory,
  withRetry,
  type Entity,
  type StoredEntity,
} from "./tables.js";

/** Chains read at most for one filtered fleet page (text or deadline filters), so a request stays short. */
export const FLEET_SCAN_READS = 2000;

export interface TableHistoryStoreOptions {
  connectionString?: string;
  endpoint?: string;
  credential?: TokenCredential;
  /** Letters and digits; the tables are `<prefix>runs`, `<prefix>snapshots`, … */
  tablePrefix: string;
  allowInsecureConnection?: boolean;
  /** Partitions written or read at once (default 8). */
  concurrency?: number;
  /** Chains read at most for one fleet page under the text or deadline filters (default FLEET_SCAN_READS). */
  fleetScanReads?: number;
}

export interface TableHistoryStore extends HistoryStore {
  /** The alert ledger's table (created on first use by ledger.ts). */
  ledgerTable(): TableClient;
  close(): Promise<void>;
}

export async function createTableHistoryStore(options: TableHistoryStoreOptions): Promise<TableHistoryStore> {
  if (!/^[A-Za-z][A-Za-z0-9]{0,40}$/.test(options.tablePrefix)) {
    throw new RangeError(`table prefix must be letters and digits, starting with a letter, at most 41 characters: ${JSON.stringify(options.tablePrefix)}`);
  }
  const make = tableClientFactory(options);
  const clients = Object.fromEntries(
    (Object.keys(TABLE_SUFFIXES) as TableRole[]).map((role) => [role, make(`${options.tablePrefix}${TABLE_SUFFIXES[role]}`)]),
  ) as Record<TableRole, TableClient>;
  return new TableStore(clients, Math.max(1, options.concurrency ?? 8), Math.max(1, options.fleetScanReads ?? FLEET_SCAN_READS));
}

class TableStore implements TableHistoryStore {
  /** Stored keys of runs this process has begun or read: saveSnapshots needs them once per run. */
  private readonly runKeys = new Map<string, RunKeys>();

  constructor(
    private readonly clients: Record<TableRole, TableClient>,
    private readonly concurrency: number,
    private readonly fleetScanReads: number,
  ) {}

  ledgerTable(): TableClient {
    return this.clients.ledger;
  }

  async close(): Promise<void> {
    this.runKeys.clear();
  }

  private async table(role: TableRole): Promise<TableClient> {
    const client = this.clients[role];
    await ensureTable(client);
    return client;
  }

  // ---------------------------------------------------------------- runs

  async beginRun(run: RunRecord): Promise<void> {
    const runs = await this.table("runs");
    const { stem, list, byId } = runEntities(run);
    try {
      await withRetry(() => runs.submitTransaction([["create", byId], ["create", list]]));
      this.runKeys.set(run.runId, { runId: run.runId, asOf: run.asOf, stem });
    } catch (error) {
      // A retry of a run already begun: keep what is stored (its keys, its start time).
      if (!isStatus(error, 409)) throw error;
      await this.keysOf(run);
    }
  }

  async completeRun(run: RunRecord): Promise<void> {
    const runs = await this.table("runs");
    for (let attempt = 0; attempt < 10; attempt++) {
      const stored = await getOrNull(runs, RUNS_PARTITION, runIdRow(toRunKey(run.runId)));
      if (!stored) {
        await this.beginRun(run);
        continue;
      }
      // The keys (asOf, startedAt) stay as first stored so the listing row and snapshots still match.
      const first = runFromEntity(stored);
      let final: RunRecord = { ...run, asOf: first.asOf, startedAt: first.startedAt };
      // A root in the chain is final; later completions (errors added by mail) keep it, as they keep
      // any root while the status stands. A failed run that a retry completes is sealed again, so
      // it joins the chain with what the retry wrote.
      let rootHead: TransactionAction[] = [];
      if (first.root && (first.root.seq > 0 || first.status === final.status)) final = { ...final, root: first.root };
      else if (final.status !== "running") {
        const sealed = await sealRoot(await this.rootTables(), final, stemOf(stored), this.concurrency);
        final = { ...final, root: sealed.root };
        rootHead = sealed.actions;
      }
      const { list, byId } = runEntities(final);
      try {
        await withRetry(() =>
          runs.submitTransaction([
            ["update", byId, "Replace", { etag: stored.etag }],
            ["upsert", list, "Replace"],
            ...rootHead,
          ]),
        );
        return;
      } catch (error) {
        // 412: the record or the root head moved; 409: another run created the first root head.
        if (!isStatus(error, 412, 409)) throw error;
      }
    }
    throw new Error(`could not record the end of run ${run.runId}: it kept changing underneath`);
  }

  async claimWideRun(runId: string, now: Date): Promise<string | null> {
    const runs = await this.table("runs");
    const claim = { partitionKey: RUNS_PARTITION, rowKey: WIDE_RUN_SLOT_ROW, runId, claimedAt: now.toISOString() };
    // Create-if-absent or replace-if-unchanged (ETag): of two callers racing, exactly one wins.
    for (let attempt = 0; attempt < 5; attempt++) {
      const slot = await getOrNull(runs, RUNS_PARTITION, WIDE_RUN_SLOT_ROW);
      try {
        if (!slot) {
          await runs.createEntity(claim);
          return null;
        }
        const holder = String(slot["runId"]);
        if (holder === runId) return null;
        if (slotHolderInFlight(await this.getRun(holder), String(slot["claimedAt"]), now)) return holder;
        await runs.updateEntity(claim, "Replace", { etag: slot.etag });
        return null;
      } catch (error) {
        if (!isStatus(error, 409, 412)) throw error;
      }
    }
    throw new Error("could not claim the on-demand run slot: it kept changing underneath");
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    const key = tryKey(toRunKey, runId);
    if (key === null) return null;
    const entity = await getOrNull(await this.table("runs"), RUNS_PARTITION, runIdRow(key));
    return entity ? runFromEntity(entity) : null;
  }

  async listRuns(query: PageQuery): Promise<Page<RunRecord>> {
    const limit = pageSize(query.limit);
    const range = this.dateRangeOrNull(RUN_LIST_PREFIX, query);
    if (!range) return { items: [], continuationToken: null };
    const runs = await this.table("runs");
    const items: RunRecord[] = [];
    const start = startOf(range.low, query.continuationToken);
    for await (const entity of queryRange(runs, { partitionKey: RUNS_PARTITION, low: start, high: range.high, pageSize: limit + 1 })) {
      if (items.length === limit) return { items, continuationToken: encodeContinuation(entity.rowKey) };
      items.push(runFromEntity(entity));
    }
    return { items, continuationToken: null };
  }

  /** The stored keys of a run, beginning it when nothing is stored yet. */
  private async keysOf(run: RunRecord): Promise<RunKeys> {
    const cached = this.runKeys.get(run.runId);
    if (cached) return cached;
    const runs = await this.table("runs");
    const stored = await getOrNull(runs, RUNS_PARTITION, runIdRow(toRunKey(run.runId)));
    if (!stored) {
      await this.beginRun(run);
      return this.runKeys.get(run.runId)!;
    }
    const keys = { runId: run.runId, asOf: String(stored["asOf"]), stem: stemOf(stored) };
    this.runKeys.set(run.runId, keys);
    return keys;
  }

  // ---------------------------------------------------------------- snapshots

  async saveSnapshots(run: RunRecord, clusters: readonly ClusterReport[]): Promise<void> {
    if (clusters.length === 0) return;
    const keys = await this.keysOf(run);
    const [snapshots, runIndex, registry] = await Promise.all([this.table("snapshots"), this.table("runIndex"), this.table("clusters")]);
    const rk = toRunKey(run.runId);

    // One write per cluster key: ids differing only in case are the same cluster; the last wins.
    const byKey = new Map<string, ClusterReport>();
    for (const cluster of clusters) byKey.set(toClusterKey(cluster.id), cluster);

    const writes = [...byKey].map(([key, cluster]) => {
      const canonical = canonicalJson(cluster);
      return { clusterKey: key, clusterId: cluster.id, canonical, contentHash: sha256Hex(canonical) };
    });
    // The registry is one partition: new clusters go in as full transactions, side by side (each
    // cluster once), before their heads.
    const appended = await appendSnapshots(snapshots, keys, writes, {
      concurrency: this.concurrency,
      register: (list) =>
        submitBatches(
          registry,
          list.map((c): TransactionAction => ["upsert", { partitionKey: CLUSTERS_PARTITION, rowKey: c.clusterKey, clusterId: c.clusterId }, "Replace"]),
          this.concurrency,
          { distinctRows: true, mostlyNew: true },
        ),
    });
    const outcomes = appended.map((outcome, i) => ({ key: writes[i]!.clusterKey, outcome }));

    // The run's index rows describe what the chain holds for this run (normally what was given).
    // One row per cluster: an upsert, so a retried run that classified differently replaces it whole.
    const actions = outcomes.map(({ key, outcome }) => indexAction(rk, key, JSON.parse(outcome.canonical) as ClusterReport, sha256Hex(outcome.canonical), outcome.chainHash));
    // Rows are new unless the page is retried, so they go out as creates first (submitBatches).
    await submitBatches(runIndex, actions, this.concurrency, { distinctRows: true, mostlyNew: true });
  }

  async runReport(runId: string): Promise<AuditReport | null> {
    const run = await this.getRun(runId);
    if (!run) return null;
    return reportOfRun(run, await this.runClusters(run, [prefixRange(RUN_CLUSTER_PREFIX)]));
  }

  async runReportPage(runId: string, query: Pick<PageQuery, "limit" | "continuationToken">): Promise<{ report: AuditReport; continuationToken: string | null } | null> {
    const run = await this.getRun(runId);
    if (!run) return null;
    const range = prefixRange(RUN_CLUSTER_PREFIX);
    let low = range.low;
    if (query.continuationToken !== undefined) {
      // The token names its run (the fleet view's token shape), so a page of one run can never be
      // continued into another's, and its row must lie in the run's membership range.
      const resume = decodeFleetToken(query.continuationToken);
      if (resume.runId !== run.runId || resume.after < range.low || resume.after >= range.high) throw new ContinuationTokenError();
      low = resume.after;
    }
    const limit = pageSize(query.limit);
    const runIndex = await this.table("runIndex");
    const keys: string[] = [];
    let next: string | null = null;
    // Membership rows only (keys, a few bytes each), stopping one past the page.
    for await (const entity of queryRange(runIndex, { partitionKey: toRunKey(run.runId), low, high: range.high, select: ["RowKey", "clusterKey"], pageSize: limit + 1 })) {
      if (keys.length === limit) {
        next = entity.rowKey;
        break;
      }
      keys.push(String(entity["clusterKey"]));
    }
    const report = reportOfRun(run, await this.readClusters(run, keys));
    return { report, continuationToken: next === null ? null : encodeContinuation(`${run.runId}\n${next}`) };
  }

  async *runClusterPages(runId: string, size = 200): AsyncGenerator<ClusterReport[]> {
    const run = await this.getRun(runId);
    if (!run) return;
    let keys: string[] = [];
    for await (const member of this.memberRows(run)) {
      keys.push(member.clusterKey);
      if (keys.length >= size) {
        yield await this.readClusters(run, keys);
        keys = [];
      }
    }
    if (keys.length > 0) yield await this.readClusters(run, keys);
  }

  async *runClusterPairs(runId: string, otherRunId: string | null, size = 200): AsyncGenerator<ClusterPair[]> {
    const run = await this.getRun(runId);
    if (!run) return;
    const other = otherRunId && otherRunId !== runId ? await this.getRun(otherRunId) : null;
    const [readNow, readBefore] = await Promise.all([this.clusterReader(run), other ? this.clusterReader(other) : null]);
    // Both runs' membership rows arrive in row-key order, which is cluster-key order in each run's
    // partition: a merge of the two walks joins them holding a page or two, never a run.
    const now = this.memberRows(run)[Symbol.asyncIterator]();
    const before = this.memberRows(other)[Symbol.asyncIterator]();
    let a = await now.next();
    let b = await before.next();
    type Member = { key: string; now: boolean; before: boolean };
    const read = (members: Member[]): Promise<ClusterPair[]> => {
      // Half the store's concurrency per page: with one page read ahead, two pages can be reading.
      const reading = mapLimit(members, Math.max(1, Math.ceil(this.concurrency / 2)), async (m) => ({
        now: m.now ? await readNow(m.key) : null,
        before: m.before && readBefore ? await readBefore(m.key) : null,
      })).then((page) => page.filter((p) => p.now !== null || p.before !== null));
      // Awaited below; this only keeps a reader that stops early from leaving a rejection unhandled.
      reading.catch(() => undefined);
      return reading;
    };
    // One page read ahead: while the caller folds a page, the next one's snapshots are on their way
    // (two pages at most in memory).
    let ahead: Promise<ClusterPair[]> | null = null;
    let batch: Member[] = [];
    try {
      while (!a.done || !b.done) {
        if (!a.done && (b.done || a.value.rowKey < b.value.rowKey)) {
          batch.push({ key: a.value.clusterKey, now: true, before: false });
          a = await now.next();
        } else if (!b.done && (a.done || b.value.rowKey < a.value.rowKey)) {
          batch.push({ key: b.value.clusterKey, now: false, before: true });
          b = await before.next();
        } else if (!a.done && !b.done) {
          batch.push({ key: a.value.clusterKey, now: true, before: true });
          [a, b] = await Promise.all([now.next(), before.next()]);
        }
        if (batch.length >= size) {
          const next = read(batch);
          batch = [];
          if (ahead) yield await ahead;
          ahead = next;
        }
      }
      const last = batch.length > 0 ? read(batch) : null;
      if (ahead) yield await ahead;
      if (last) yield await last;
    } finally {
      // A reader that stops early (or a failed read) ends both walks of the run index.
      await Promise.all([now.return?.(undefined), before.return?.(undefined)]);
    }
  }

  /** A run's membership rows (row key and cluster key only), in row-key order; none for no run. */
  private async *memberRows(run: RunRecord | null): AsyncGenerator<{ rowKey: string; clusterKey: string }> {
    if (!run) return;
    const runIndex = await this.table("runIndex");
    for await (const entity of queryRange(runIndex, { partitionKey: toRunKey(run.runId), ...prefixRange(RUN_CLUSTER_PREFIX), select: ["RowKey", "clusterKey"] })) {
      yield { rowKey: entity.rowKey, clusterKey: String(entity["clusterKey"]) };
    }
  }

  /** Reads one cluster's snapshot in this run by its key (null when its chain has none). */
  private async clusterReader(run: RunRecord): Promise<(clusterKey: string) => Promise<ClusterReport | null>> {
    const [runs, snapshots] = await Promise.all([this.table("runs"), this.table("snapshots")]);
    const stored = await getOrNull(runs, RUNS_PARTITION, runIdRow(toRunKey(run.runId)));
    if (!stored) return async () => null;
    const stem = stemOf(stored);
    return async (key) => {
      const group = await readGroup(snapshots, key, stem);
      return group ? snapshotOf(group).cluster : null;
    };
  }

  /** Clusters of a run whose index rows fall in the ranges, read from their chains, sorted by id. */
  private async runClusters(run: RunRecord, ranges: { low: string; high: string }[]): Promise<ClusterReport[]> {
    return this.readClusters(run, await this.runClusterKeys(run, ranges));
  }

  /** Keys of the run's clusters whose index rows fall in the ranges (keys only: small even for a large fleet). */
  private async runClusterKeys(run: RunRecord, ranges: { low: string; high: string }[]): Promise<string[]> {
    const runIndex = await this.table("runIndex");
    const rk = toRunKey(run.runId);
    const clusterKeys = new Set<string>();
    for (const range of ranges) {
      for await (const entity of queryRange(runIndex, { partitionKey: rk, ...range, select: ["RowKey", "clusterKey"] })) {
        clusterKeys.add(String(entity["clusterKey"]));
      }
    }
    return [...clusterKeys];
  }

  /** The run's snapshots of these clusters, sorted by id. */
  private async readClusters(run: RunRecord, clusterKeys: readonly string[]): Promise<ClusterReport[]> {
    const read = await this.clusterReader(run);
    const clusters = await mapLimit([...clusterKeys], this.concurrency, read);
    return clusters.filter((c): c is ClusterReport => c !== null).sort((a, b) => compare(armIdKey(a.id), armIdKey(b.id)));
  }

  async clusterHistory(clusterId: string, query: PageQuery): Promise<Page<StoredSnapshot>> {
    const limit = pageSize(query.limit);
    const key = tryKey(toClusterKey, clusterId);
    const range = key === null ? null : this.dateRangeOrNull(snapshotsPrefix(key), query);
    if (key === null || !range) return { items: [], continuationToken: null };
    const snapshots = await this.table("snapshots");
    const start = startOf(range.low, query.continuationToken);
    const items: StoredSnapshot[] = [];
    // Entities arrive in row-key order; a snapshot's entities are adjacent. Collect one group at a
    // time and stop at the first entity of the snapshot after the page.
    let group: StoredEntity[] = [];
    let groupStem: string | null = null;
    const flush = (): void => {
      for (const g of groupsOf(group)) items.push(snapshotOf(g));
      group = [];
    };
    // The range is this cluster's `<cluster>|s|…` rows only, so a token cannot reach another cluster's.
    for await (const entity of queryRange(snapshots, { partitionKey: snapshotPartition(key), low: start, high: range.high, pageSize: limit + 1 })) {
      const row = parseSnapshotRow(entity.rowKey);
      if (!row) continue;
      if (row.stem !== groupStem) {
        flush();
        if (items.length === limit) return { items, continuationToken: encodeContinuation(entity.rowKey) };
        groupStem = row.stem;
      }
      group.push(entity);
    }
    flush();
    return { items, continuationToken: null };
  }

  async fleetAsOf(asOf: IsoDate, query: FleetQuery): Promise<{ run: RunRecord; clusters: ClusterReport[]; continuationToken: string | null } | null> {
    if (!isIsoDate(asOf)) return null;
    // A later page stays on the run the first page found (a run landing meanwhile does not mix in):
    // the token carries that run's id and the last cluster key looked at.
    const resume = query.continuationToken === undefined ? null : decodeFleetToken(query.continuationToken);
    const run = resume ? await this.getRun(resume.runId) : await this.latestFleetRun(asOf);
    if (!run) return null;
    const { clusters, last, more } = await this.fleetPage(run, query, resume?.after ?? null);
    return { run, clusters, continuationToken: more ? encodeContinuation(`${run.runId}\n${last}`) : null };
  }

  /**
   * One page of the run's clusters that match the query, in key order after `after`. The index rows
   * are streamed from there and matched on their id and finding pairs first; only rows that pass are
   * read from their chains (a batch at a time) for the text and deadline filters. A page holds at most
   * `limit` clusters, and about `fleetScanReads` chains are read for it: a rare match in a large
   * run then comes back as a short (even empty) page with a token to go on from, never as one long
   * request. `last` is the key of the last row looked at, where the next page starts.
   */
  private async fleetPage(run: RunRecord, query: FleetQuery, after: string | null): Promise<{ clusters: ClusterReport[]; last: string; more: boolean }> {
    const limit = pageSize(query.limit);
    const runIndex = await this.table("runIndex");
    const filtered = isFiltered(query);
    const slow = needsCluster(query);
    const page: ClusterReport[] = [];
    let candidates: string[] = [];
    let last = after ?? "";
    let reads = 0;
    // Reads the buffered candidates and keeps the matches, up to the page; true when the page filled
    // before the batch ran out (so there is more to hand out after `last`).
    const drain = async (): Promise<boolean> => {
      const batch = candidates;
      candidates = [];
      reads += batch.length;
      const byKey = new Map((await this.readClusters(run, batch)).map((c) => [toClusterKey(c.id), c]));
      for (const key of batch) {
        const cluster = byKey.get(key);
        const kept = cluster ? filterCluster(query, cluster) : null;
        if (!kept) continue;
        if (page.length === limit) return true;
        page.push(kept);
        last = key;
      }
      last = batch[batch.length - 1] ?? last;
      return false;
    };
    for await (const entity of queryRange(runIndex, {
      partitionKey: toRunKey(run.runId),
      ...prefixRange(RUN_CLUSTER_PREFIX),
      // A later page starts after the last key looked at.
      ...(after === null ? {} : { where: odata`RowKey gt ${runClusterRow(after)}` }),
      select: ["RowKey", "clusterKey", "clusterId", "findings"],
      pageSize: filtered ? 1000 : limit + 1,
    })) {
      const key = String(entity["clusterKey"]);
      if (!rowMayMatch(query, String(entity["clusterId"] ?? ""), findingsOf(entity))) continue;
      if (!slow) {
        if (candidates.length === limit) return { clusters: await this.pageOf(run, query, candidates), last: candidates[limit - 1]!, more: true };
        candidates.push(key);
        continue;
      }
      // The slow filters: read a page's worth of candidates at a time.
      if (page.length === limit) return { clusters: page, last, more: true };
      candidates.push(key);
      if (candidates.length === limit) {
        if (await drain()) return { clusters: page, last, more: true };
        if (reads >= this.fleetScanReads) return { clusters: page, last, more: true };
      }
    }
    if (!slow) return { clusters: await this.pageOf(run, query, candidates), last: candidates[candidates.length - 1] ?? last, more: false };
    if (candidates.length > 0 && (await drain())) return { clusters: page, last, more: true };
    return { clusters: page, last, more: false };
  }

  /** The clusters of these keys, narrowed to the integrations the filters keep. */
  private async pageOf(run: RunRecord, filter: FleetQuery, keys: string[]): Promise<ClusterReport[]> {
    const clusters = await this.readClusters(run, keys);
    return clusters.flatMap((c) => {
      const kept = filterCluster(filter, c);
      return kept ? [kept] : [];
    });
  }

  /** Newest run dated on or before asOf that finished with data and covered the fleet, not a handful of named clusters. */
  private async latestFleetRun(asOf: IsoDate): Promise<RunRecord | null> {
    const runs = await this.table("runs");
    const where = odata`(status eq ${"succeeded"} or status eq ${"partial"}) and scoped eq ${false}`;
    for await (const entity of queryRange(runs, { partitionKey: RUNS_PARTITION, ...dateRange(RUN_LIST_PREFIX, undefined, asOf), where, pageSize: 1 })) {
      return runFromEntity(entity);
    }
    return null;
  }

  // ---------------------------------------------------------------- verify and purge

  async verify(clusterId?: string, options: VerifyOptions = {}): Promise<VerifyResult> {
    if (options.chains === false && options.root !== undefined) {
      const root = await checkRoot(await this.rootTables(), options.root, this.concurrency);
      return { clustersChecked: 0, snapshotsChecked: 0, ok: root.ok, broken: [], registry: { missing: [], extra: [] }, root };
    }
    const [snapshots, clusters] = await Promise.all([this.table("snapshots"), this.table("clusters")]);
    const result = await verifyChains({ snapshots, clusters }, { ...options, ...(clusterId !== undefined ? { clusterId } : {}), concurrency: this.concurrency });
    if (options.root === undefined) return result;
    const root = await checkRoot(await this.rootTables(), options.root, this.concurrency);
    return { ...result, ok: result.ok && root.ok, root };
  }

  async evidence(runId: string): Promise<EvidenceBundle | null> {
    const key = tryKey(toRunKey, runId);
    if (key === null) return null;
    const tables = await this.rootTables();
    const stored = await getOrNull(tables.runs, RUNS_PARTITION, runIdRow(key));
    if (!stored) return null;
    const run = runFromEntity(stored);
    const [clusters, links, rootChain] = await Promise.all([
      this.runClusters(run, [prefixRange(RUN_CLUSTER_PREFIX)]),
      runLinks(tables, run.runId, stemOf(stored), this.concurrency),
      rootChainUpTo(tables.runs, run),
    ]);
    return {
      format: BUNDLE_FORMAT,
      formatVersion: BUNDLE_VERSION,
      run,
      report: reportOfRun(run, clusters),
      // A link gone from its chain is left out: the bundle then fails its own check, as it should.
      links: links.flatMap((l) => (l.link ? [{ clusterId: l.clusterId, clusterKey: l.clusterKey, ...l.link }] : [])),
      rootChain,
    };
  }

  private async rootTables(): Promise<RootTables> {
    const [runs, runIndex, snapshots] = await Promise.all([this.table("runs"), this.table("runIndex"), this.table("snapshots")]);
    return { runs, runIndex, snapshots };
  }

  async purge(before: IsoDate): Promise<number> {
    if (!isIsoDate(before)) throw new RangeError(`purge needs a calendar date (YYYY-MM-DD): ${JSON.stringify(before)}`);
    const [runs, runIndex, snapshots, registry] = await Promise.all([
      this.table("runs"),
      this.table("runIndex"),
      this.table("snapshots"),
      this.table("clusters"),
    ]);
    let deleted = 0;

    // Runs dated before `before`: their index partitions, then their two rows.
    const olderRuns = prefixRange(RUN_LIST_PREFIX + "|");
    olderRuns.low = joinKey(RUN_LIST_PREFIX, reverseDateBefore(before));
    for await (const entity of queryRange(runs, { partitionKey: RUNS_PARTITION, ...olderRuns, select: ["RowKey", "runId"] })) {
      const rk = toRunKey(String(entity["runId"]));
      const removed = await deleteRange(runIndex, { partitionKey: rk }, this.concurrency);
      deleted += removed;
      await submitBatches(runs, [["delete", { partitionKey: RUNS_PARTITION, rowKey: runIdRow(rk) }], ["delete", { partitionKey: RUNS_PARTITION, rowKey: entity.rowKey }]], 1).catch(
        (error: unknown) => {
          if (!isStatus(error, 404)) throw error;
        },
      );
      deleted += 2;
      this.runKeys.delete(String(entity["runId"]));
    }

    // Snapshots: per cluster, the oldest links of the chain while they are dated before `before`.
    // Each batch of clusters moves all its floors first, then deletes together, so the deletes of
    // the clusters sharing a bucket fill whole transactions.
    await this.forEachClusterBatch(registry, async (batch) => {
      const doomed = await mapLimit(batch, this.concurrency, ([key]) => purgeCluster(snapshots, key, before));
      const deletes = doomed.flat();
      await submitBatches(snapshots, deletes, this.concurrency);
      deleted += deletes.length;
    });
    return deleted;
  }

  /** The registry in batches of up to 200 (key, id) pairs: bounded memory however large the fleet. */
  private async forEachClusterBatch(registry: TableClient, fn: (batch: [string, string][]) => Promise<void>): Promise<void> {
    let batch: [string, string][] = [];
    for await (const entity of queryRange(registry, { partitionKey: CLUSTERS_PARTITION, select: ["RowKey", "clusterId"] })) {
      batch.push([entity.rowKey, String(entity["clusterId"])]);
      if (batch.length >= 200) {
        await fn(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await fn(batch);
  }

  private dateRangeOrNull(prefix: string, query: PageQuery): { low: string; high: string } | null {
    // Dates come from users (CLI, HTTP): anything not a calendar date matches nothing.
    if (query.from !== undefined && !isIsoDate(query.from)) return null;
    if (query.to !== undefined && !isIsoDate(query.to)) return null;
    return dateRange(prefix, query.from, query.to);
  }
}

/**
 * Moves a cluster's floor past its oldest links dated before `before`, stopping at the first link
 * that is not, so the kept links stay one unbroken chain; returns the deletes of those links'
 * entities, for the caller to submit. The floor moves first: a crash before the deletes leaves
 * links below the floor, which verify skips and the next purge removes.
 */
async function purgeCluster(snapshots: TableClient, key: string, before: IsoDate): Promise<TransactionAction[]> {
  const pk = snapshotPartition(key);
  const rows = await collectRange(snapshots, {
    partitionKey: pk,
    ...prefixRange(snapshotsPrefix(key) + "|"),
    select: ["RowKey", "seq", "asOf", "contentHash", "chainHash"],
  });
  const mains = rows
    .filter((e) => parseSnapshotRow(e.rowKey)?.entity === 0)
    .sort((a, b) => Number(a["seq"]) - Number(b["seq"]));
  const doomed: StoredEntity[] = [];
  for (const main of mains) {
    if (String(main["asOf"]) >= before) break;
    doomed.push(main);
  }
  if (doomed.length === 0) return [];
  const last = doomed[doomed.length - 1]!;
  for (let attempt = 0; ; attempt++) {
    const headEntity = await getOrNull(snapshots, pk, headRow(key));
    if (!headEntity) break;
    const head = headFromEntity(headEntity);
    if (head.floorSeq > Number(last["seq"])) break;
    const moved = headEntityOf(key, String(headEntity["clusterId"]), {
      ...head,
      floorSeq: Number(last["seq"]) + 1,
      floorPreviousHash: String(last["contentHash"]),
      floorPreviousChainHash: String(last["chainHash"]),
      // What verify checks the floor against: it may only hide links older than the limit purged to.
      floorAsOf: String(last["asOf"]),
      floorCutoff: before,
    });
    try {
      await withRetry(() => snapshots.updateEntity(moved, "Replace", { etag: headEntity.etag }));
      break;
    } catch (error) {
      if (!isStatus(error, 412) || attempt >= 10) throw error;
    }
  }
  const stems = new Set(doomed.map((m) => parseSnapshotRow(m.rowKey)!.stem));
  return rows
    .filter((e) => stems.has(parseSnapshotRow(e.rowKey)?.stem ?? ""))
    .map((e): TransactionAction => ["delete", { partitionKey: pk, rowKey: e.rowKey }]);
}

/** Where a run's next page starts: the token's row key, never before the query's own range. */
function startOf(low: string, token: string | undefined): string {
  if (token === undefined) return low;
  const next = decodeContinuation(token);
  return next > low ? next : low;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Distinct (severity, tier) pairs of a cluster's integrations, as the fleet query matches them. */
function findingPairs(cluster: ClusterReport): [string, string][] {
  const pairs = new Map<string, [string, string]>();
  for (const i of cluster.integrations) pairs.set(`${i.severity}\u0000${i.supportTier}`, [i.severity, i.supportTier]);
  return [...pairs.values()];
}

/** The (severity, tier) pairs a membership row records; none when the property is missing or edited. */
function findingsOf(entity: StoredEntity): [string, string][] {
  const pairs = parseJsonProperty<unknown>(entity["findings"], []);
  return Array.isArray(pairs) ? pairs.filter((p): p is [string, string] => Array.isArray(p) && typeof p[0] === "string" && typeof p[1] === "string") : [];
}

/**
 * The cluster's one row in the run's index: membership (runReport, fleet as of) and the
 * (severity, tier) pairs the fleet query filters on, so no row per finding is needed.
 */
function indexAction(rk: string, key: string, cluster: ClusterReport, contentHash: string, chainHash: string): TransactionAction {
  return [
    "upsert",
    {
      partitionKey: rk,
      rowKey: runClusterRow(key),
      clusterKey: key,
      clusterId: cluster.id,
      name: cluster.name,
      contentHash,
      // The link's chain hash as this run left it: the run root is sealed over these, so sealing
      // reads the index (a range) instead of one link per cluster.
      chainHash,
      worstSeverity: worstSeverity(cluster),
      integrations: cluster.integrations.length,
      findings: JSON.stringify(findingPairs(cluster)),
    } satisfies Entity,
    "Replace",
  ];
}

function decodeFleetToken(token: string): { runId: string; after: string } {
  const text = decodeContinuation(token);
  const cut = text.indexOf("\n");
  if (cut <= 0) throw new ContinuationTokenError();
  return { runId: text.slice(0, cut), after: text.slice(cut + 1) };
}
