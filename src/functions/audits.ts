/**
 * POST /api/audits — audit a scope on demand. A handful of cluster ids (up to HTTP_MAX_SYNC_CLUSTERS)
 * is answered at once with the report; anything larger is queued for auditWorker and answered 202
 * with a Location to poll. GET /api/audits/{runId}?limit&continuationToken — the stored run's report,
 * a page of clusters at a time, or 202 while it runs.
 */
import { app, output } from "@azure/functions";
import { newRunId, runAudit } from "../app/audit.js";
import { toIsoDate } from "../core/dates.js";
import { emptySummary } from "../core/report.js";
import { coversConfiguredScope } from "../core/scope.js";
import { asObject, readJsonBody } from "../http/body.js";
import { HTTP_REPORT_FORMATS } from "../http/openapi.js";
import { continuationToken, optionalOneOf, pageSize, queryParam, runId as parseRunId } from "../http/params.js";
import { badParameter, notFound } from "../http/problem.js";
import { jsonResponse, reportResponse } from "../http/respond.js";
import { AUDIT_QUEUE, parseAuditRequest, type AuditMessage } from "../http/auditRequest.js";
import { httpHandler, ROUTE_METHODS } from "./runtime.js";

export const auditQueue = output.storageQueue({ queueName: AUDIT_QUEUE, connection: "AzureWebJobsStorage" });
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
  const store = await ctx.store();
  // Record the run before queueing it, so polling the Location never answers 404 for a run we accepted.
  const startedAt = new Date().toISOString();
  const catalog = { catalogVersion: ctx.catalog.version, catalogCheckedAt: ctx.catalog.checkedAt };
  const fleet = coversConfiguredScope(scope, ctx.config.scope);
  await store.beginRun({ runId, trigger: "http", scope, asOf, startedAt, endedAt: null, status: "running", summary: emptySummary(), errors: [], fleet, ...catalog });
  invocation.extraOutputs.set(auditQueue, { runId, scope, asOf } satisfies AuditMessage);
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

app.http("startAudit", { route: "audits", methods: ROUTE_METHODS, authLevel: "function", extraOutputs: [auditQueue], handler: startAudit });
app.http("getAudit", { route: "audits/{runId}", methods: ROUTE_METHODS, authLevel: "function", handler: getAudit });
