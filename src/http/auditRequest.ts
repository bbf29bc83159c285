/**
 * The on-demand audit request: the POST body's scope, validated, and the queue message that carries
 * it to auditWorker. Shared by both ends so the worker re-validates exactly what the API accepted.
 */
import type { AppContext } from "../app/context.js";
import { narrowToClusters, RUN_ID_PATTERN } from "../app/audit.js";
import type { AuditScope, IsoDate } from "../core/types.js";
import { armClusterId, guid, isoDate, managementGroupId } from "./params.js";
import { badParameter } from "./problem.js";

export const AUDIT_QUEUE = "aksaudit-requests";

export interface AuditMessage {
  runId: string;
  scope: AuditScope;
  asOf: IsoDate;
}

function list(value: unknown, field: string, max: number, check: (item: string, parameter: string) => string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw badParameter(field, `${field} must be an array of strings`);
  if (value.length > max) throw badParameter(field, `${field} may name at most ${max} entries (HTTP_MAX_SCOPE_SIZE)`);
  const items = value.map((item: unknown, i) => {
    if (typeof item !== "string") throw badParameter(`${field}[${i}]`, `${field}[${i}] must be a string`);
    return check(item, `${field}[${i}]`);
  });
  return [...new Set(items)];
}

/**
 * The scope to audit. Omitted lists fall back to the configured scope; cluster ids alone narrow the
 * sweep to their own subscriptions, so a small audit never walks the whole tenant.
 */
export function parseAuditRequest(body: Record<string, unknown>, ctx: Pick<AppContext, "config">, today: IsoDate): { scope: AuditScope; asOf: IsoDate } {
  const max = ctx.config.http.maxScopeSize;
  const subscriptions = list(body.subscriptions, "subscriptions", max, guid);
  const managementGroups = list(body.managementGroups, "managementGroups", max, managementGroupId);
  const clusterIds = list(body.clusterIds, "clusterIds", max, armClusterId) ?? [];
  if (body.asOf !== undefined && typeof body.asOf !== "string") throw badParameter("asOf", "asOf must be a date written YYYY-MM-DD");
  const asOf = body.asOf === undefined ? today : isoDate(body.asOf, "asOf");

  if (subscriptions?.length && managementGroups?.length) {
    throw badParameter("managementGroups", "name subscriptions or managementGroups, not both");
  }
  let scope: AuditScope;
  if (subscriptions || managementGroups) {
    scope = { subscriptions: subscriptions ?? [], managementGroups: managementGroups ?? [], clusterIds };
  } else if (clusterIds.length > 0) {
    scope = narrowToClusters({ subscriptions: [], managementGroups: [], clusterIds });
  } else {
    scope = { subscriptions: [...ctx.config.scope.subscriptions], managementGroups: [...ctx.config.scope.managementGroups], clusterIds: [] };
  }
  return { scope, asOf };
}

/** The queue message as auditWorker receives it, checked again: the queue is not a trust boundary we own alone. */
export function parseAuditMessage(message: unknown, ctx: Pick<AppContext, "config">): AuditMessage {
  if (typeof message !== "object" || message === null) throw new TypeError("audit message is not an object");
  const { runId, scope, asOf } = message as { runId?: unknown; scope?: unknown; asOf?: unknown };
  if (typeof runId !== "string" || !RUN_ID_PATTERN.test(runId)) throw new TypeError("audit message has no valid runId");
  if (typeof scope !== "object" || scope === null) throw new TypeError("audit message has no scope");
  if (typeof asOf !== "string") throw new TypeError("audit message has no asOf");
  const { subscriptions, managementGroups, clusterIds } = scope as Record<string, unknown>;
  const parsed = parseAuditRequest({ subscriptions, managementGroups, clusterIds, asOf }, ctx, asOf);
  return { runId, scope: parsed.scope, asOf: parsed.asOf };
}
