/**
 * GET /api/runs/{runId} — one stored run record, with its root (`root.hash`) and the root it links
 * to (`root.previousRoot`): copies of the root held outside the store are what `verify --root`
 * checks, so a reader can keep one from here.
 */
import { app } from "@azure/functions";
import { runId as runIdParam } from "../http/params.js";
import { notFound } from "../http/problem.js";
import { jsonResponse } from "../http/respond.js";
import { httpHandler, ROUTE_METHODS } from "./runtime.js";

export const RUN_ROUTE = "runs/{runId}";

export const run = httpHandler({ methods: ["GET"], roles: ["Audit.Read"] }, async (request, ctx) => {
  const id = runIdParam(request.params.runId, "runId");
  const record = await (await ctx.store()).getRun(id);
  if (!record) throw notFound("No stored run has this id.", "runId");
  return jsonResponse(record);
});

app.http("run", { route: RUN_ROUTE, methods: ROUTE_METHODS, authLevel: "function", handler: run });
