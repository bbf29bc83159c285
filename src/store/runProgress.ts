/**
 * Progress of a run's fanned-out cluster scans, so that whoever finishes the last one can complete
 * the run. Table `<prefix>scanprogress`, one partition per run:
 *
 *   `run`          the counter: expected, done, failed; `sealed` once the sweep has queued everything;
 *                  the sweep's own status and summary; the summary delta the scans add; finishedAt.
 *   `c|<cluster>`  one row per queued cluster: queued → done | failed, and the last error seen.
 *
 * Every change to the counter is an ETag-guarded update, and a cluster's move out of `queued` is
 * one entity group transaction with the counter (same partition), so a message delivered twice is
 * counted once and two workers finishing at the same moment never lose an increment.
 */
import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import type { RunStatus } from "../core/ports.js";
import { addCounts, emptySummary, type ReportSummary } from "../core/report.js";
import { clusterKey, joinKey, prefixRange, runKey } from "./keys.js";
import { collectRange, deleteRange, ensureTable, getOrNull, isStatus, sleep, withRetry, type StoredEntity } from "./tables.js";
import { parseJsonProperty } from "./tables.js";

export const PROGRESS_TABLE_SUFFIX = "scanprogress";
const COUNTER_ROW = "run";
const clusterRow = (key: string): string => joinKey("c", key);
/** Rows created per transaction with the counter update (Azure allows 100 operations). */
const EXPECT_BATCH = 99;
const MAX_ATTEMPTS = 25;

/** After losing an ETag race: back off a little, with jitter, so racing workers spread out. */
const backOff = (attempt: number): Promise<void> => sleep(Math.random() * 20 * Math.min(attempt + 1, 10));

export type ScanState = "queued" | "done" | "failed";

export interface RunProgressState {
  runId: string;
  expected: number;
  done: number;
  failed: number;
  /** The sweep has queued every message it will queue. */
  sealed: boolean;
  /** What the sweep itself concluded (before the scans), once sealed. */
  sweep: { status: RunStatus; summary: ReportSummary } | null;
  /** What the finished scans add to the sweep's summary. */
  delta: ReportSummary;
  /** The instant recorded as the run's end, once someone completed it. */
  finishedAt: string | null;
}

export interface ScanFailure {
  clusterId: string;
  message: string;
}

export interface RunProgress {
  /** Registers clusters as queued for the run (idempotent); returns how many were new. */
  expect(runId: string, clusterIds: readonly string[]): Promise<number>;
  /** Remembers the last error of an attempt (for the poison report); changes no count. */
  noteAttempt(runId: string, clusterId: string, error: string): Promise<void>;
  /**
   * Moves a queued cluster to done (adding its summary delta) or failed. True when this call made
   * the move; false when it was already made (a redelivered message) or the run is not tracked.
   */
  finish(runId: string, clusterId: string, outcome: { ok: true; delta: ReportSummary } | { ok: false; message: string }): Promise<boolean>;
  /** The cluster's state, or null when it is not tracked for the run. */
  clusterState(runId: string, clusterId: string): Promise<{ state: ScanState; lastError: string | null } | null>;
  /** The sweep has queued everything: record its own outcome. */
  seal(runId: string, sweep: { status: RunStatus; summary: ReportSummary }): Promise<void>;
  state(runId: string): Promise<RunProgressState | null>;
  failures(runId: string): Promise<ScanFailure[]>;
  /**
   * Records the run's end instant once; returns the one recorded first, or null when the run's
   * progress is gone (another caller completed and forgot the run).
   */
  markFinished(runId: string, at: string): Promise<string | null>;
  /** Drops the run's progress rows (after the run is complete). */
  forget(runId: string): Promise<void>;
}

function stateOf(runId: string, e: StoredEntity): RunProgressState {
  const sweepStatus = typeof e["sweepStatus"] === "string" && e["sweepStatus"] !== "" ? (e["sweepStatus"] as RunStatus) : null;
  return {
    runId,
    expected: Number(e["expected"] ?? 0),
    done: Number(e["done"] ?? 0),
    failed: Number(e["failed"] ?? 0),
    sealed: e["sealed"] === true,
    sweep: sweepStatus ? { status: sweepStatus, summary: parseJsonProperty(e["sweepSummary"], emptySummary()) } : null,
    delta: parseJsonProperty(e["delta"], emptySummary()),
    finishedAt: typeof e["finishedAt"] === "string" && e["finishedAt"] !== "" ? (e["finishedAt"] as string) : null,
  };
}

class TableRunProgress implements RunProgress {
  private ready: Promise<void> | null = null;

  constructor(private readonly client: TableClient) {}

  private async table(): Promise<TableClient> {
    this.ready ??= ensureTable(this.client).catch((error: unknown) => {
      this.ready = null;
      throw error;
    });
    await this.ready;
    return this.client;
  }

  /** The counter entity, created empty on first use. */
  private async counter(pk: string): Promise<StoredEntity> {
    const table = await this.table();
    for (;;) {
      const found = await getOrNull(table, pk, COUNTER_ROW);
      if (found) return found;
      try {
        await withRetry(() => table.createEntity({ partitionKey: pk, rowKey: COUNTER_ROW, expected: 0, done: 0, failed: 0, sealed: false }));
      } catch (error) {
        if (!isStatus(error, 409)) throw error;
      }
    }
  }

  /** Read-modify-write of the counter (and any rows alongside) under its ETag, until it sticks. */
  private async update(pk: string, change: (counter: StoredEntity) => TransactionAction[] | null, options: { create: boolean } = { create: true }): Promise<boolean> {
    const table = await this.table();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const counter = options.create ? await this.counter(pk) : await getOrNull(table, pk, COUNTER_ROW);
      if (!counter) return false;
      const actions = change(counter);
      if (actions === null) return false;
      try {
        await withRetry(() => table.submitTransaction(actions));
        return true;
      } catch (error) {
        // 412: someone else moved the counter first. Read it again and reapply the change.
        if (!isStatus(error, 412)) throw error;
        await backOff(attempt);
      }
    }
    throw new Error(`run progress of ${pk} kept changing underneath ${MAX_ATTEMPTS} attempts`);
  }

  async expect(runId: string, clusterIds: readonly string[]): Promise<number> {
    const pk = runKey(runId);
    const table = await this.table();
    const keys = [...new Map(clusterIds.map((id) => [clusterKey(id), id])).entries()];
    let added = 0;
    for (let i = 0; i < keys.length; i += EXPECT_BATCH) {
      const chunk = keys.slice(i, i + EXPECT_BATCH);
      // Skip rows that already exist (a retried sweep), then create the rest with the count.
      const existing = await Promise.all(chunk.map(([key]) => getOrNull(table, pk, clusterRow(key))));
      let fresh = chunk.filter((_, j) => existing[j] === null);
      while (fresh.length > 0) {
        const batch = fresh;
        const ok = await this.update(pk, (counter) => [
          ...batch.map(([key, id]): TransactionAction => ["create", { partitionKey: pk, rowKey: clusterRow(key), clusterId: id, state: "queued" }]),
          ["update", { partitionKey: pk, rowKey: COUNTER_ROW, expected: Number(counter["expected"] ?? 0) + batch.length }, "Merge", { etag: counter.etag }],
        ]).catch((error: unknown) => {
          // 409: one of the rows appeared meanwhile (a concurrent retry); filter again.
          if (!isStatus(error, 409)) throw error;
          return false;
        });
        if (ok) {
          added += batch.length;
          break;
        }
        const again = await Promise.all(batch.map(([key]) => getOrNull(table, pk, clusterRow(key))));
        fresh = batch.filter((_, j) => again[j] === null);
      }
    }
    return added;
  }

  async noteAttempt(runId: string, clusterId: string, error: string): Promise<void> {
    const table = await this.table();
    try {
      await withRetry(() =>
        table.updateEntity({ partitionKey: runKey(runId), rowKey: clusterRow(clusterKey(clusterId)), lastError: error.slice(0, 2000) }, "Merge"),
      );
    } catch (e) {
      if (!isStatus(e, 404)) throw e;
    }
  }

  async finish(runId: string, clusterId: string, outcome: { ok: true; delta: ReportSummary } | { ok: false; message: string }): Promise<boolean> {
    const pk = runKey(runId);
    const rk = clusterRow(clusterKey(clusterId));
    const table = await this.table();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const row = await getOrNull(table, pk, rk);
      // Not tracked (the run is complete and forgotten), or already moved: nothing to count.
      if (!row || row["state"] !== "queued") return false;
      const counter = await getOrNull(table, pk, COUNTER_ROW);
      if (!counter) return false;
      const rowUpdate = outcome.ok
        ? { partitionKey: pk, rowKey: rk, state: "done" }
        : { partitionKey: pk, rowKey: rk, state: "failed", message: outcome.message.slice(0, 2000) };
      const counterUpdate = outcome.ok
        ? { partitionKey: pk, rowKey: COUNTER_ROW, done: Number(counter["done"] ?? 0) + 1, delta: JSON.stringify(addCounts(parseJsonProperty(counter["delta"], emptySummary()), outcome.delta)) }
        : { partitionKey: pk, rowKey: COUNTER_ROW, failed: Number(counter["failed"] ?? 0) + 1 };
      try {
        // Both ETags: the row moves once, and the counter moves with it or not at all.
        await withRetry(() =>
          table.submitTransaction([
            ["update", rowUpdate, "Merge", { etag: row.etag }],
            ["update", counterUpdate, "Merge", { etag: counter.etag }],
          ]),
        );
        return true;
      } catch (error) {
        if (!isStatus(error, 412, 404)) throw error;
        await backOff(attempt);
      }
    }
    throw new Error(`run progress of ${runId} kept changing underneath ${MAX_ATTEMPTS} attempts`);
  }

  async clusterState(runId: string, clusterId: string): Promise<{ state: ScanState; lastError: string | null } | null> {
    const row = await getOrNull(await this.table(), runKey(runId), clusterRow(clusterKey(clusterId)));
    if (!row) return null;
    return { state: String(row["state"]) as ScanState, lastError: typeof row["lastError"] === "string" ? (row["lastError"] as string) : null };
  }

  async seal(runId: string, sweep: { status: RunStatus; summary: ReportSummary }): Promise<void> {
    const pk = runKey(runId);
    await this.update(pk, (counter) => [
      ["update", { partitionKey: pk, rowKey: COUNTER_ROW, sealed: true, sweepStatus: sweep.status, sweepSummary: JSON.stringify(sweep.summary) }, "Merge", { etag: counter.etag }],
    ]);
  }

  async state(runId: string): Promise<RunProgressState | null> {
    const counter = await getOrNull(await this.table(), runKey(runId), COUNTER_ROW);
    return counter ? stateOf(runId, counter) : null;
  }

  async failures(runId: string): Promise<ScanFailure[]> {
    const rows = await collectRange(await this.table(), {
      partitionKey: runKey(runId),
      ...prefixRange("c|"),
      where: odata`state eq ${"failed"}`,
    });
    return rows.map((r) => ({ clusterId: String(r["clusterId"]), message: String(r["message"] ?? "") }));
  }

  async markFinished(runId: string, at: string): Promise<string | null> {
    const pk = runKey(runId);
    let recorded: string | null = null;
    // Never recreates the counter: a run whose progress is gone was completed by someone else.
    await this.update(pk, (counter) => {
      const already = counter["finishedAt"];
      if (typeof already === "string" && already !== "") {
        recorded = already;
        return null;
      }
      recorded = at;
      return [["update", { partitionKey: pk, rowKey: COUNTER_ROW, finishedAt: at }, "Merge", { etag: counter.etag }]];
    }, { create: false });
    return recorded;
  }

  async forget(runId: string): Promise<void> {
    await deleteRange(await this.table(), { partitionKey: runKey(runId) }, 1);
  }
}

export interface RunProgressOptions {
  /** A client for the `<prefix>scanprogress` table (created on first use). */
  table: TableClient;
}

export function createRunProgress(options: RunProgressOptions): RunProgress {
  return new TableRunProgress(options.table);
}
