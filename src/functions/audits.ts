/**
 * POST /api/audits — audit a scope on demand. A handful of cluster ids (up to HTTP_MAX_SYNC_CLUSTERS)
 * is answered at once with the report; anything larger is recorded, its run id queued for
 * auditWorker, and answered 202 with a Location to poll. One on-demand run of whole subscriptions or
 * the tenant at a time: a second answers 409 naming the first.
 * GET /api/audits/{runId}?limit&continuationToken — the stored run's report, a page of clusters at a
 * time, or 202 while it runs.
 */
import { app } from "@azure/functions";
import { newRunId, runAudit } from "../app/audit.js";
import { acceptAudit } from "../app/onDemand.js";
import type { RunRecord } from "../core/ports.js";
import { toIsoDate } from "../core/dates.js";
import { emptySummary } from "../core/report.js";
import { coversConfiguredScope } from "../core/scope.js";
import { asObject, readJsonBody } from "../http/body.js";
import { HTTP_REPORT_FORMATS } from "../http/openapi.js";
import { continuationToken, optionalOneOf, pageSize, queryParam, runId as parseRunId } from "../http/params.js";
import { auditAlreadyRunning, badParameter, notFound, notQueued } from "../http/problem.js";
import { jsonResponse, reportResponse } from "../http/respond.js";
import { parseAuditRequest } from "../http/auditRequest.js";
import { httpHandler, ROUTE_METHODS } from "./runtime.js";

const location = (runId: string): string => `/api/audits/${runId}`;

export const startAudit = httpHandler({ methods: ["POST"], roles: ["Audit.Run"] }, async (request, ctx, invocation) => {
  const body = asObject(await readJsonBody(request), ["subscriptions", "managementGroups", "clusterIds", "asOf", "store"]);
  const { scope, asOf, store: keep } = parseAuditRequest(body, ctx, toIsoDate(new Date()));
  const runId = newRunId(new Date());
  const sync = scope.clusterIds.length > 0 && scope.clusterIds.length <= ctx.config.http.maxSyncClusters;
  if (!keep && !sync) throw badParameter("store", `a what-if (store: false) is answered at once: name at most ${ctx.config.http.maxSyncClusters} clusterIds (HTTP_MAX_SYNC_CLUSTERS)`);

  if (sync) {
    const request = { runId, trigger: "http" as const, scope, asOf, windowDays: ctx.config.alertWindowDays, now: () => new Date(), collect: true };
    const { report } = await runAudit(ctx.auditDeps(keep ? await ctx.store() : null), request);
    return jsonResponse(report, 200, keep ? { "content-location": location(runId) } : {});
  }
  // The queue is resolved before anything is recorded: a host without one refuses up front.
  const queue = ctx.auditQueue();
  const startedAt = new Date().toISOString();
  const catalog = { catalogVersion: ctx.catalog.version, catalogCheckedAt: ctx.catalog.checkedAt };
  const fleet = coversConfiguredScope(scope, ctx.config.scope);
  const run: RunRecord = { runId, trigger: "http", scope, asOf, startedAt, endedAt: null, status: "running", summary: emptySummary(), errors: [], fleet, ...catalog };
  const accepted = await acceptAudit({ store: await ctx.store(), queue, now: () => new Date() }, run);
  if (accepted.kind === "busy") throw auditAlreadyRunning(accepted.holder, location(accepted.holder));
  if (accepted.kind === "not-queued") {
    invocation.error(`audit ${runId} not queued: ${accepted.run.errors.at(-1)?.message ?? ""}`);
    throw notQueued(runId);
  }
  return jsonResponse({ runId, status: "running", startedAt, location: location(runId) }, 202, { location: location(runId), "retry-after": "30" });
});

export const getAudit = httpHandler({ methods: ["GET"], roles: ["Audit.Read", "Audit.Run"] }, async (request, ctx) => {
  const runId = parseRunId(request.params.runId);
  const format = optionalOneOf(queryParam(request, "format"), HTTP_REPORT_FORMATS, "format") ?? "json";
  const limit = pageSize(queryParam(request, "limit"));
  const token = continuationToken(queryParam(request, "continuationToken"));
  const store = await ctx.store();
  const run = await store.getRun(runId);
  if (!run) throw notFound(`No run ${runId} is recorded.`, "runId");
  if (run.status === "running") {
    return jsonResponse({ runId, status: run.status, startedAt: run.startedAt, location: location(runId) }, 202, { "retry-after": "30" });
  }
  const page = await store.runReportPage(runId, { limit, continuationToken: token });
  if (!page) throw notFound(`No report for run ${runId} is stored.`, "runId");
  // The run's own summary and errors, a page of its clusters, and the next page's token (as /api/fleet).
  const report = { ...page.report, continuationToken: page.continuationToken };
  return reportResponse(report, format, `audit-${runId}`, page.continuationToken ? { "x-continuation-token": page.continuationToken } : {});
});

app.http("startAudit", { route: "audits", methods: ROUTE_METHODS, authLevel: "function", handler: startAudit });
app.http("getAudit", { route: "audits/{runId}", methods: ROUTE_METHODS, authLevel: "function", handler: getAudit });
