/**
 * Run records as entities. A run is stored twice in the `runs` partition, in one transaction:
 * `t|<stem>` (listing, newest first) and `i|<run>` (lookup by id). Both carry the whole record as
 * canonical JSON in `d00…` plus the few properties queries filter on.
 */
import type { RunRecord } from "../core/ports.js";
import { isFleetRun } from "../core/scope.js";
import { canonicalJson } from "./hashChain.js";
import { TABLE_LIMITS, joinPayload, partsToProperties, splitPayload } from "./chunks.js";
import { RUNS_PARTITION, runIdRow, runListRow } from "./layout.js";
import { runKey, runStem } from "./keys.js";
import type { Entity, StoredEntity } from "./tables.js";

/** One entity's worth of parts; a run's errors beyond that are summarised (a run is never that big in practice). */
const MAX_RECORD_CHARS = TABLE_LIMITS.partUnits * TABLE_LIMITS.partsPerEntity;

export function runEntities(run: RunRecord): { stem: string; list: Entity; byId: Entity } {
  const stem = runStem(run);
  const text = canonicalJson(fitRecord(run));
  const [parts = [""]] = splitPayload(text);
  const props = {
    runId: run.runId,
    trigger: run.trigger,
    status: run.status,
    asOf: run.asOf,
    startedAt: run.startedAt,
    endedAt: run.endedAt ?? "",
    // Only runs that covered the configured scope are "the fleet" (fleetAsOf skips the others).
    scoped: !isFleetRun(run),
    stem,
    length: text.length,
    ...partsToProperties(parts),
  };
  return {
    stem,
    list: { partitionKey: RUNS_PARTITION, rowKey: runListRow(stem), ...props },
    byId: { partitionKey: RUNS_PARTITION, rowKey: runIdRow(runKey(run.runId)), ...props },
  };
}

export function runFromEntity(entity: StoredEntity): RunRecord {
  const text = joinPayload([entity], { entities: 1, length: Number(entity["length"]) });
  return JSON.parse(text) as RunRecord;
}

export function stemOf(entity: StoredEntity): string {
  return String(entity["stem"]);
}

function fitRecord(run: RunRecord): RunRecord {
  if (canonicalJson(run).length <= MAX_RECORD_CHARS) return run;
  const keep = (n: number): RunRecord => ({
    ...run,
    errors: [...run.errors.slice(0, n), { scope: "(store)", message: `${run.errors.length - n} more errors were not stored` }],
  });
  // Largest number of errors that still fits, by bisection (a huge error list is the only way here).
  let low = 0;
  let high = run.errors.length - 1;
  if (canonicalJson(keep(0)).length > MAX_RECORD_CHARS) throw new RangeError(`run ${run.runId} is too large to store even without its errors`);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (canonicalJson(keep(mid)).length <= MAX_RECORD_CHARS) low = mid;
    else high = mid - 1;
  }
  return keep(low);
}

/**
 * The one on-demand wide-run slot: a row beside the run records naming the run that holds it. A
 * holder that finished (or was closed as abandoned) frees it; one not yet begun keeps it for the
 * grace below, the time between the claim and beginRun.
 */
export const WIDE_RUN_SLOT_ROW = "w|on-demand";
export const WIDE_RUN_CLAIM_GRACE_MS = 5 * 60_000;

export function slotHolderInFlight(holder: RunRecord | null, claimedAt: string, now: Date): boolean {
  if (holder) return holder.status === "running";
  const at = Date.parse(claimedAt);
  return Number.isFinite(at) && now.getTime() - at < WIDE_RUN_CLAIM_GRACE_MS;
}
