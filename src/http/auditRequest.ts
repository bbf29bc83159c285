/**
 * The on-demand audit request: the POST body's scope, validated, and what auditWorker reads back of
 * it (the message names the run; the scope is stored with the run record). Shared by both ends so
 * the worker re-validates exactly what the API accepted.
 *
 * A requested scope must lie inside the configured one (AUDIT_SUBSCRIPTIONS / AUDIT_MANAGEMENT_GROUPS):
 * an HTTP caller may narrow what the deployment audits, never widen it. A stored run is dated today;
 * an earlier `asOf` is a what-if, answered without storing (`store: false`), so it can never enter
 * history as a record of that day.
 */
import type { AppContext } from "../app/context.js";
import { narrowToClusters, RUN_ID_PATTERN } from "../app/audit.js";
import type { AuditMessage } from "../app/auditQueue.js";
import type { RunRecord } from "../core/ports.js";
import type { AuditScope, IsoDate } from "../core/types.js";
import { armClusterId, guid, isoDate, managementGroupId } from "./params.js";
import { badParameter, outsideScope } from "./problem.js";

export { AUDIT_QUEUE, type AuditMessage } from "../app/auditQueue.js";

export interface ParsedAuditRequest {
  scope: AuditScope;
  asOf: IsoDate;
  /** False for a what-if: answered at once, nothing recorded. */
  store: boolean;
}

function list(value: unknown, field: string, max: number, check: (item: string, parameter: string) => string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw badParameter(field, `${field} must be an array of strings`);
  // An empty list is a mistake, never "everything": omit the field to audit the configured scope.
  if (value.length === 0) throw badParameter(field, `${field} is empty; omit it to audit the configured scope`);
  if (value.length > max) throw badParameter(field, `${field} may name at most ${max} entries (HTTP_MAX_SCOPE_SIZE)`);
  const items = value.map((item: unknown, i) => {
    if (typeof item !== "string") throw badParameter(`${field}[${i}]`, `${field}[${i}] must be a string`);
    return check(item, `${field}[${i}]`);
  });
  return [...new Set(items)];
}

const lower = (items: readonly string[]): Set<string> => new Set(items.map((i) => i.toLowerCase()));

/**
 * Refuses (403, naming the field) anything outside the configured scope. Under a management-group
 * scope a subscription cannot be placed without a lookup, so only the configured groups (or
 * cluster ids, swept within those groups) may be named.
 */
function checkInsideConfigured(
  configured: AppContext["config"]["scope"],
  requested: { subscriptions?: string[]; managementGroups?: string[]; clusterIds: string[] },
): void {
  if (configured.subscriptions.length > 0) {
    const allowed = lower(configured.subscriptions);
    if (requested.managementGroups) throw outsideScope("managementGroups", "this deployment audits subscriptions (AUDIT_SUBSCRIPTIONS); name subscriptions or cluster ids inside them");
    requested.subscriptions?.forEach((s, i) => {
      if (!allowed.has(s.toLowerCase())) throw outsideScope(`subscriptions[${i}]`, `subscriptions[${i}] is not in the configured scope (AUDIT_SUBSCRIPTIONS)`);
    });
    requested.clusterIds.forEach((id, i) => {
      const subscription = /^\/subscriptions\/([^/]+)\//i.exec(id)?.[1]?.toLowerCase();
      if (!subscription || !allowed.has(subscription)) throw outsideScope(`clusterIds[${i}]`, `clusterIds[${i}] is in a subscription outside the configured scope (AUDIT_SUBSCRIPTIONS)`);
    });
  } else if (configured.managementGroups.length > 0) {
    const allowed = lower(configured.managementGroups);
    if (requested.subscriptions) {
      throw outsideScope("subscriptions", "this deployment audits management groups (AUDIT_MANAGEMENT_GROUPS); name those groups or cluster ids instead of subscriptions");
    }
    requested.managementGroups?.forEach((g, i) => {
      if (!allowed.has(g.toLowerCase())) throw outsideScope(`managementGroups[${i}]`, `managementGroups[${i}] is not one of the configured management groups (AUDIT_MANAGEMENT_GROUPS)`);
    });
  }
}

/**
 * The scope to audit. Omitted lists fall back to the configured scope; cluster ids alone narrow the
 * sweep to their own subscriptions (or, under a management-group scope, to those groups), so a
 * small audit never walks the whole tenant and never leaves the configured scope.
 */
export function parseAuditRequest(body: Record<string, unknown>, ctx: Pick<AppContext, "config">, today: IsoDate): ParsedAuditRequest {
  const max = ctx.config.http.maxScopeSize;
  const subscriptions = list(body.subscriptions, "subscriptions", max, guid);
  const managementGroups = list(body.managementGroups, "managementGroups", max, managementGroupId);
  const clusterIds = list(body.clusterIds, "clusterIds", max, armClusterId) ?? [];
  if (body.asOf !== undefined && typeof body.asOf !== "string") throw badParameter("asOf", "asOf must be a date written YYYY-MM-DD");
  if (body.store !== undefined && typeof body.store !== "boolean") throw badParameter("store", "store must be true or false");
  const asOf = body.asOf === undefined ? today : isoDate(body.asOf, "asOf");
  const store = body.store !== false;
  if (asOf > today) throw badParameter("asOf", `asOf may not be after today (${today})`);
  if (asOf < today && store) throw badParameter("asOf", `a stored run is dated today (${today}); an earlier asOf is a what-if: send "store": false`);

  if (subscriptions && managementGroups) {
    throw badParameter("managementGroups", "name subscriptions or managementGroups, not both");
  }
  const configured = ctx.config.scope;
  checkInsideConfigured(configured, { subscriptions, managementGroups, clusterIds });
  let scope: AuditScope;
  if (subscriptions || managementGroups) {
    scope = { subscriptions: subscriptions ?? [], managementGroups: managementGroups ?? [], clusterIds };
  } else if (clusterIds.length > 0 && configured.managementGroups.length > 0) {
    scope = { subscriptions: [], managementGroups: [...configured.managementGroups], clusterIds };
  } else if (clusterIds.length > 0) {
    scope = narrowToClusters({ subscriptions: [], managementGroups: [], clusterIds });
  } else {
    scope = { subscriptions: [...configured.subscriptions], managementGroups: [...configured.managementGroups], clusterIds: [] };
  }
  return { scope, asOf, store };
}

/**
 * The queue message as auditWorker receives it: a run id, checked again (the queue is not a trust
 * boundary we own alone). Fields a message of an earlier version carried are ignored: the stored
 * run record is the request.
 */
export function parseAuditMessage(message: unknown): AuditMessage {
  if (typeof message !== "object" || message === null) throw new TypeError("audit message is not an object");
  const { runId } = message as { runId?: unknown };
  if (typeof runId !== "string" || !RUN_ID_PATTERN.test(runId)) throw new TypeError("audit message has no valid runId");
  return { runId };
}

/**
 * The request stored with a run, judged by today's settings: a scope the API accepted may since
 * have left the configured scope or outgrown HTTP_MAX_SCOPE_SIZE. Throws the problem naming why.
 */
export function storedAuditRequest(run: Pick<RunRecord, "scope" | "asOf">, ctx: Pick<AppContext, "config">): { scope: AuditScope; asOf: IsoDate } {
  const { subscriptions, managementGroups, clusterIds } = run.scope;
  // Empty lists in the record mean "not given" (the API stored them that way).
  const given = (v: readonly string[]): string[] | undefined => (v.length === 0 ? undefined : [...v]);
  const parsed = parseAuditRequest(
    { subscriptions: given(subscriptions), managementGroups: given(managementGroups), clusterIds: given(clusterIds), asOf: run.asOf },
    ctx,
    run.asOf,
  );
  return { scope: parsed.scope, asOf: parsed.asOf };
}
