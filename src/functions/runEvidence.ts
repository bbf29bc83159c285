/**
 * GET /api/runs/{runId}/evidence — the run's evidence bundle (docs/storage-design.md): record,
 * report, each cluster's link and the root chain, for `aks-audit verify --bundle` or an auditor's
 * own script, with no store and no network.
 */
import { app } from "@azure/functions";
import { runId as runIdParam } from "../http/params.js";
import { notFound } from "../http/problem.js";
import { jsonResponse } from "../http/respond.js";
import { httpHandler, ROUTE_METHODS } from "./runtime.js";

export const RUN_EVIDENCE_ROUTE = "runs/{runId}/evidence";

export const runEvidence = httpHandler({ methods: ["GET"], roles: ["Audit.Read"] }, async (request, ctx) => {
  const id = runIdParam(request.params.runId, "runId");
  const bundle = await (await ctx.store()).evidence(id);
  if (!bundle) throw notFound("No stored run has this id.", "runId");
  // A download: the file is what an auditor keeps (the run id is [0-9A-Za-z-] by its pattern).
  return jsonResponse(bundle, 200, { "content-disposition": `attachment; filename="evidence-${id}.json"` });
});

app.http("runEvidence", { route: RUN_EVIDENCE_ROUTE, methods: ROUTE_METHODS, authLevel: "function", handler: runEvidence });
