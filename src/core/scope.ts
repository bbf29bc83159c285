/**
 * Fleet runs and scoped runs. Only a run that covered the whole configured scope speaks for the
 * fleet (digests, alerts, the fleet view, history as of a date); a narrower audit is kept as a
 * scoped run whose `scope` says how it was narrowed. Pure: the configured scope is an argument.
 */
import type { RunRecord } from "./ports.js";
import type { AuditScope } from "./types.js";

/** What AUDIT_SUBSCRIPTIONS / AUDIT_MANAGEMENT_GROUPS name; both empty means the whole tenant. */
export interface ConfiguredScope {
  subscriptions: readonly string[];
  managementGroups: readonly string[];
}

const setOf = (items: readonly string[]): Set<string> => new Set(items.map((i) => i.trim().toLowerCase()));

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = setOf(a);
  const right = setOf(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}

/** True when `scope` is the configured scope itself, with no cluster filter and nothing left out. */
export function coversConfiguredScope(scope: AuditScope, configured: ConfiguredScope): boolean {
  return scope.clusterIds.length === 0 && sameSet(scope.subscriptions, configured.subscriptions) && sameSet(scope.managementGroups, configured.managementGroups);
}

/**
 * Whether a stored run speaks for the fleet. Runs recorded before `fleet` existed are judged by
 * their cluster filter alone, as fleet views did then.
 */
export function isFleetRun(run: Pick<RunRecord, "fleet" | "scope">): boolean {
  return run.fleet ?? run.scope.clusterIds.length === 0;
}

/** A finished fleet run: the only kind fleet views and the root chain are built from. */
export function isFinishedFleetRun(run: Pick<RunRecord, "fleet" | "scope" | "status">): boolean {
  return (run.status === "succeeded" || run.status === "partial") && isFleetRun(run);
}
