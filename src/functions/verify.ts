/**
 * GET /api/verify?clusterId[&root] — re-hash one cluster's stored snapshots and check its chain;
 * with `root` (a run root held outside the store), also that the root is in the stored root chain and
 * that the chains reproduce it (one link per cluster of that run).
 *
 * One cluster's chain per call, or a held root alone: a fleet-wide verify reads every snapshot ever stored, which no HTTP
 * caller should be able to start at will (it would hold an instance for minutes and compete with the
 * sweep for the storage account). Every chain is verified by the command line, `aks-audit verify`.
 */
import { app } from "@azure/functions";
import { retentionLimitOf } from "../app/verify.js";
import { armClusterId, queryParam, rootHashParam } from "../http/params.js";
import { badParameter, notFound } from "../http/problem.js";
import { jsonResponse } from "../http/respond.js";
import { httpHandler, ROUTE_METHODS } from "./runtime.js";

export const FLEET_VERIFY_REFUSED =
  "clusterId (or root) is required: over HTTP, verify one cluster's chain per call (GET /api/verify?clusterId=<ARM id>); every chain is verified by the command line (aks-audit verify)";

export const verify = httpHandler({ methods: ["GET"], roles: ["Audit.Read"] }, async (request, ctx) => {
  const raw = queryParam(request, "clusterId");
  const heldRoot = queryParam(request, "root");
  const root = heldRoot === undefined ? undefined : rootHashParam(heldRoot, "root");
  if (raw === undefined && root === undefined) throw badParameter("clusterId", FLEET_VERIFY_REFUSED);
  const clusterId = raw === undefined ? undefined : armClusterId(raw, "clusterId");

  // Without a clusterId only the held root is checked: its place in the root chain and one link per
  // cluster of its run, never every stored snapshot.
  const result = await (await ctx.store()).verify(clusterId, {
    retentionLimit: retentionLimitOf(ctx.config, new Date()),
    ...(root ? { root } : {}),
    ...(clusterId === undefined ? { chains: false } : {}),
  });
  if (clusterId !== undefined && result.clustersChecked === 0) throw notFound("No history of this cluster.", "clusterId");
  // A broken chain is a finding, not a failed request: 200 with ok=false and where it broke.
  return jsonResponse(result);
});

app.http("verify", { route: "verify", methods: ROUTE_METHODS, authLevel: "function", handler: verify });
