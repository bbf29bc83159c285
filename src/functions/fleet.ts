/**
 * GET /api/fleet?asOf&severity&supportTier&subscription&resourceGroup&q&deadlineWithinDays&format&limit&continuationToken
 * — the fleet as last recorded on or before a date, filtered by the store, a page of clusters at a time.
 */
import { app } from "@azure/functions";
import { toIsoDate } from "../core/dates.js";
import type { FleetFilter } from "../core/fleetFilter.js";
import { reportOfRun, summarize, type AuditReport } from "../core/report.js";
import { fleetFilter } from "../http/fleetQuery.js";
import { HTTP_REPORT_FORMATS } from "../http/openapi.js";
import { continuationToken, optionalDate, optionalOneOf, pageSize, queryParam } from "../http/params.js";
import { notFound } from "../http/problem.js";
import { reportResponse } from "../http/respond.js";
import { httpHandler, ROUTE_METHODS } from "./runtime.js";

export const fleet = httpHandler({ methods: ["GET"], roles: ["Audit.Read"] }, async (request, ctx) => {
  const asOf = optionalDate(queryParam(request, "asOf"), "asOf") ?? toIsoDate(new Date());
  const filter = fleetFilter(request);
  const format = optionalOneOf(queryParam(request, "format"), HTTP_REPORT_FORMATS, "format") ?? "json";
  const limit = pageSize(queryParam(request, "limit"));
  const token = continuationToken(queryParam(request, "continuationToken"));

  const found = await (await ctx.store()).fleetAsOf(asOf, { ...filter, limit, continuationToken: token });
  if (!found) throw notFound(`No run was recorded on or before ${asOf}.`, "asOf");
  const { run, clusters } = found;
  // The report contract, summarised over this page as the filters kept it, plus the page's token;
  // `summaryCovers` says so, since a summary reads as the run's (whole-run counts: /api/fleet/deadlines).
  const report: AuditReport & { continuationToken: string | null; summaryCovers: "page"; filters: FleetFilter } = {
    ...reportOfRun(run, clusters, summarize(clusters, ctx.config.alertWindowDays)),
    summaryCovers: "page",
    filters: filter,
    continuationToken: found.continuationToken,
  };
  const response = reportResponse(report, format, `fleet-${run.asOf}`);
  if (found.continuationToken) response.headers = { ...(response.headers as Record<string, string>), "x-continuation-token": found.continuationToken };
  return response;
});

app.http("fleet", { route: "fleet", methods: ROUTE_METHODS, authLevel: "function", handler: fleet });
