/**
 * GET /api/fleet/deadlines?asOf&weeks&<the fleet filters> — clusters with a deadline in each week
 * ahead of the latest fleet run at or before asOf, and the whole run's counts under the filters.
 * Walks the run's filtered pages to the end (a page at a time): a chart's worth of numbers, not a page.
 */
import { app } from "@azure/functions";
import { fleetDeadlines as computeDeadlines } from "../app/fleetDeadlines.js";
import { toIsoDate } from "../core/dates.js";
import { fleetFilter } from "../http/fleetQuery.js";
import { optionalDate, queryParam } from "../http/params.js";
import { badParameter, notFound } from "../http/problem.js";
import { jsonResponse } from "../http/respond.js";
import { httpHandler, ROUTE_METHODS } from "./runtime.js";

export const MAX_WEEKS = 104;

export const fleetDeadlines = httpHandler({ methods: ["GET"], roles: ["Audit.Read"] }, async (request, ctx) => {
  const asOf = optionalDate(queryParam(request, "asOf"), "asOf") ?? toIsoDate(new Date());
  const weeksParam = queryParam(request, "weeks");
  const weeks = weeksParam === undefined ? 26 : /^\d{1,3}$/.test(weeksParam) ? Number(weeksParam) : NaN;
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > MAX_WEEKS) throw badParameter("weeks", `weeks must be a whole number from 1 to ${MAX_WEEKS}`);
  const filter = fleetFilter(request);

  const found = await computeDeadlines(await ctx.store(), asOf, { weeks, filter, windowDays: ctx.config.alertWindowDays });
  if (!found) throw notFound(`No run was recorded on or before ${asOf}.`, "asOf");
  const { run, matched } = found;
  return jsonResponse({ runId: run.runId, asOf: run.asOf, filters: filter, covers: "run", matched, weeks: found.weeks });
});

app.http("fleetDeadlines", { route: "fleet/deadlines", methods: ROUTE_METHODS, authLevel: "function", handler: fleetDeadlines });
