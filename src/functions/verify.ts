/** GET /api/verify?clusterId — re-hash stored snapshots and check each cluster's chain. */
import { app } from "@azure/functions";
import { retentionLimitOf } from "../app/verify.js";
import { armClusterId, queryParam } from "../http/params.js";
import { notFound } from "../http/problem.js";
import { jsonResponse } from "../http/respond.js";
import { httpHandler, ROUTE_METHODS } from "./runtime.js";

export const verify = httpHandler({ methods: ["GET"], roles: ["Audit.Read"] }, async (request, ctx) => {
  const raw = queryParam(request, "clusterId");
  const clusterId = raw === undefined ? undefined : armClusterId(raw, "clusterId");

  const result = await (await ctx.store()).verify(clusterId, { retentionLimit: retentionLimitOf(ctx.config, new Date()) });
  if (clusterId && result.clustersChecked === 0) throw notFound("No history of this cluster.", "clusterId");
  // A broken chain is a finding, not a failed request: 200 with ok=false and where it broke.
  return jsonResponse(result);
});

app.http("verify", { route: "verify", methods: ROUTE_METHODS, authLevel: "function", handler: verify });
