/** GET /api/runs?from&to&limit&continuationToken — stored runs, newest first, a page at a time. */
import { app } from "@azure/functions";
import { continuationToken, dateRange, pageSize, queryParam } from "../http/params.js";
import { jsonResponse } from "../http/respond.js";
import { httpHandler, ROUTE_METHODS } from "./runtime.js";

export const runs = httpHandler({ methods: ["GET"], roles: ["Audit.Read"] }, async (request, ctx) => {
  const { from, to } = dateRange(queryParam(request, "from"), queryParam(request, "to"));
  const limit = pageSize(queryParam(request, "limit"));
  const token = continuationToken(queryParam(request, "continuationToken"));

  const page = await (await ctx.store()).listRuns({ from, to, limit, continuationToken: token });
  return jsonResponse({ items: page.items, continuationToken: page.continuationToken });
});

app.http("runs", { route: "runs", methods: ROUTE_METHODS, authLevel: "function", handler: runs });
