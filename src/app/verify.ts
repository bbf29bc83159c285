/**
 * Verify as a use case: the retention limit a chain's floor is judged against (from the
 * configuration and the edge's clock), and the result as a person reads it.
 */
import type { AuditorConfig } from "../config.js";
import { addDays, toIsoDate } from "../core/dates.js";
import type { BundleCheck } from "../core/evidence.js";
import type { RootCheck, VerifyResult } from "../core/ports.js";
import type { IsoDate } from "../core/types.js";

/** Today − RETENTION_DAYS: no purge can have set a floor recording a later limit. */
export function retentionLimitOf(config: Pick<AuditorConfig, "retentionDays">, now: Date): IsoDate {
  return addDays(toIsoDate(now), -config.retentionDays);
}

export function describeVerify(result: VerifyResult): string {
  const lines = [`checked ${result.snapshotsChecked} snapshots of ${result.clustersChecked} clusters: ${result.ok ? "every chain intact" : "BROKEN"}`];
  for (const b of result.broken) {
    lines.push(`  ${b.clusterId}: broken at link ${b.seq ?? "?"} (run ${b.runId || "?"}, ${b.asOf || "?"}), ${b.field}: ${b.reason}`);
  }
  for (const id of result.registry.missing) lines.push(`  ${id}: has a chain but no registry row (hidden from purge)`);
  if (result.registry.extra.length > 0) {
    lines.push(`  ${result.registry.extra.length} registry row(s) without a chain (a first write that never linked, or a chain deleted whole: check a run root with --root)`);
  }
  if (result.root) lines.push(...describeRoot(result.root));
  return lines.join("\n");
}

function describeRoot(check: RootCheck): string[] {
  const span = check.chain.first === null ? "the store holds no root chain" : `the stored root chain runs from ${check.chain.first} to ${check.chain.last}`;
  const where = check.runId ? `root of run ${check.runId} (${check.asOf}, position ${check.seq})` : "root";
  const lines = [`${where} ${check.root}: ${check.ok ? "in the chain and reproduced by the chains" : "BROKEN"}; ${span}`];
  for (const b of check.broken) {
    lines.push(`  ${b.clusterId ?? (b.runId ? `run ${b.runId}` : "root chain")}${b.seq !== null ? ` at ${b.seq}` : ""}, ${b.field}: ${b.reason}`);
  }
  return lines;
}

export function describeBundleCheck(check: BundleCheck): string {
  if (check.ok) return `evidence bundle intact: ${check.clusters} cluster links reproduce run root ${check.root}`;
  return [`evidence bundle BROKEN:`, ...check.broken.map((b) => `  ${b.clusterId ?? "run"}, ${b.field}: ${b.reason}`)].join("\n");
}
