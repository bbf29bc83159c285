/**
 * GET /api/clusters/{clusterId}/history?from&to&limit&continuationToken — one cluster's snapshots,
 * newest first, with what changed between consecutive ones. clusterId is the URL-encoded ARM id.
 */
import { app } from "@azure/functions";
import { changesBetween } from "../core/changes.js";
import { armClusterId, continuationToken, dateRange, decodeRouteParam, pageSize, queryParam } from "../http/params.js";
import { notFound } from "../http/problem.js";
import { jsonResponse } from "../http/respond.js";
import { httpHandler, ROUTE_METHODS } from "./runtime.js";

export const clusterHistory = httpHandler({ methods: ["GET"], roles: ["Audit.Read"] }, async (request, ctx) => {
  const clusterId = armClusterId(decodeRouteParam(request.params.clusterId, "clusterId"), "clusterId");
  const { from, to } = dateRange(queryParam(request, "from"), queryParam(request, "to"));
  const limit = pageSize(queryParam(request, "limit"));
  const token = continuationToken(queryParam(request, "continuationToken"));

  const store = await ctx.store();
  const page = await store.clusterHistory(clusterId, { from, to, limit, continuationToken: token });
  // An empty range of a known cluster is an empty page; a cluster never stored is a 404.
  if (page.items.length === 0 && !token && (await store.clusterHistory(clusterId, { limit: 1 })).items.length === 0) {
    throw notFound("No snapshot of this cluster was ever stored.", "clusterId");
  }
  return jsonResponse({ clusterId, snapshots: page.items, changes: changesBetween(page.items), continuationToken: page.continuationToken });
});

app.http("clusterHistory", { route: "clusters/{clusterId}/history", methods: ROUTE_METHODS, authLevel: "function", handler: clusterHistory });
