/**
 * GET /api/clusters/{clusterId}/history?from&to&limit&continuationToken — one cluster's snapshots,
 * newest first, with what changed between consecutive ones. clusterId is the URL-encoded ARM id.
 *
 * Deployed front ends decode %2F before routing (azure-functions-host#9290), which would turn the
 * id into many segments and miss a `clusters/{clusterId}/history` template. A catch-all route
 * matches either way; the handler splits off `/history` and accepts the id encoded once, twice
 * (the usual workaround) or already decoded.
 */
import { app } from "@azure/functions";
import { changesBetween } from "../core/changes.js";
import { armClusterId, continuationToken, dateRange, decodeRouteParam, pageSize, queryParam } from "../http/params.js";
import { notFound } from "../http/problem.js";
import { jsonResponse } from "../http/respond.js";
import { httpHandler, ROUTE_METHODS } from "./runtime.js";

export const CLUSTER_HISTORY_ROUTE = "clusters/{*clusterPath}";
const SUFFIX = "/history";

function clusterIdFrom(path: string | undefined): string {
  const decoded = decodeRouteParam(path, "clusterId");
  if (!decoded.endsWith(SUFFIX)) throw notFound("Use /api/clusters/{clusterId}/history with the URL-encoded cluster id.");
  const id = decoded.slice(0, -SUFFIX.length);
  return armClusterId(id.startsWith("/") ? id : `/${id}`, "clusterId");
}

export const clusterHistory = httpHandler({ methods: ["GET"], roles: ["Audit.Read"] }, async (request, ctx) => {
  const clusterId = clusterIdFrom(request.params.clusterPath);
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

app.http("clusterHistory", { route: CLUSTER_HISTORY_ROUTE, methods: ROUTE_METHODS, authLevel: "function", handler: clusterHistory });
