/**
 * GET /api/verify?clusterId&root — re-hash stored snapshots and check each cluster's chain; with
 * `root` (a run root held outside the store), also that it is in the stored root chain and that the
 * chains reproduce it.
 */
import { app } from "@azure/functions";
import { retentionLimitOf } from "../app/verify.js";
import { armClusterId, queryParam, rootHashParam } from "../http/params.js";
import { notFound } from "../http/problem.js";
import { jsonResponse } from "../http/respond.js";
import { httpHandler, ROUTE_METHODS } from "./runtime.js";

export const verify = httpHandler({ methods: ["GET"], roles: ["Audit.Read"] }, async (request, ctx) => {
  const raw = queryParam(request, "clusterId");
  const clusterId = raw === undefined ? undefined : armClusterId(raw, "clusterId");
  const heldRoot = queryParam(request, "root");
  const root = heldRoot === undefined ? undefined : rootHashParam(heldRoot, "root");

  const result = await (await ctx.store()).verify(clusterId, { retentionLimit: retentionLimitOf(ctx.config, new Date()), ...(root ? { root } : {}) });
  if (clusterId && result.clustersChecked === 0) throw notFound("No history of this cluster.", "clusterId");
  // A broken chain is a finding, not a failed request: 200 with ok=false and where it broke.
  return jsonResponse(result);
});

app.http("verify", { route: "verify", methods: ROUTE_METHODS, authLevel: "function", handler: verify });
