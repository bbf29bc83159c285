/**
 * GET /api/fleet?asOf&severity&supportTier&format&limit&continuationToken — the fleet as last
 * recorded on or before a date, a page of clusters at a time.
 */
import { app } from "@azure/functions";
import { toIsoDate } from "../core/dates.js";
import { reportOfRun, SEVERITIES, summarize, SUPPORT_TIERS, type AuditReport } from "../core/report.js";
import { HTTP_REPORT_FORMATS } from "../http/openapi.js";
import { continuationToken, optionalDate, optionalOneOf, pageSize, queryParam } from "../http/params.js";
import { notFound } from "../http/problem.js";
import { reportResponse } from "../http/respond.js";
import { httpHandler, ROUTE_METHODS } from "./runtime.js";

export const fleet = httpHandler({ methods: ["GET"], roles: ["Audit.Read"] }, async (request, ctx) => {
  const asOf = optionalDate(queryParam(request, "asOf"), "asOf") ?? toIsoDate(new Date());
  const severity = optionalOneOf(queryParam(request, "severity"), SEVERITIES, "severity");
  const supportTier = optionalOneOf(queryParam(request, "supportTier"), SUPPORT_TIERS, "supportTier");
  const format = optionalOneOf(queryParam(request, "format"), HTTP_REPORT_FORMATS, "format") ?? "json";
  const limit = pageSize(queryParam(request, "limit"));
  const token = continuationToken(queryParam(request, "continuationToken"));

  const found = await (await ctx.store()).fleetAsOf(asOf, { severity, supportTier, limit, continuationToken: token });
  if (!found) throw notFound(`No run was recorded on or before ${asOf}.`, "asOf");
  const { run, clusters } = found;
  // The report contract, summarised over this page as the filters kept it, plus the page's token.
  const report: AuditReport & { continuationToken: string | null } = {
    ...reportOfRun(run, clusters, summarize(clusters, ctx.config.alertWindowDays)),
    continuationToken: found.continuationToken,
  };
  const response = reportResponse(report, format, `fleet-${run.asOf}`);
  if (found.continuationToken) response.headers = { ...(response.headers as Record<string, string>), "x-continuation-token": found.continuationToken };
  return response;
});

app.http("fleet", { route: "fleet", methods: ROUTE_METHODS, authLevel: "function", handler: fleet });
