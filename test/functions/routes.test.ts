/**
 * Every route's success path, end to end without the host: timer sweeps into Azurite from the fleet
 * simulator, then the HTTP handlers read back what was swept.
 */
import { describe, expect, it } from "vitest";
import type { AuditReport } from "../../src/core/report.js";
import { toIsoDate } from "../../src/core/dates.js";
import { sameArmId } from "../../src/core/types.js";
import { getAudit, startAudit } from "../../src/functions/audits.js";
import { auditWorker } from "../../src/functions/auditWorker.js";
import { clusterHistory } from "../../src/functions/clusterHistory.js";
import { fleet } from "../../src/functions/fleet.js";
import { openapi } from "../../src/functions/openapi.js";
import { runs } from "../../src/functions/runs.js";
import { sweep } from "../../src/functions/sweep.js";
import { verify } from "../../src/functions/verify.js";
import { weeklyDigest } from "../../src/functions/weeklyDigest.js";
import { clusterIds, header, historyRequest, invocation, json, request, timerAt, useFunctionsHarness } from "./harness.js";

const h = useFunctionsHarness({ clusters: 8 });
const FIRST = "20261110T060000Z-timer";
// Three weeks apart, across 2026-11-30 (Kubernetes 1.34's catalogued end), so histories show changes.
const SECOND = "20261201T060000Z-timer";

interface HistoryBody {
  clusterId: string;
  snapshots: { runId: string; asOf: string; contentHash: string; previousHash: string; cluster: { id: string } }[];
  changes: { fromRunId: string; toRunId: string; changes: unknown[] }[];
  continuationToken: string | null;
}

describe("routes, after timer sweeps", () => {
  it("a timer sweep is stored under the occurrence's run id and logs isPastDue", async () => {
    const logs: string[] = [];
    await sweep(timerAt("2026-11-10T06:00:00Z", true), invocation("sweep", logs));
    expect(logs.join("\n")).toContain(`sweep ${FIRST}: isPastDue=true`);
    // Deadlines inside the window on that date reach MAIL_TO, and the log counts exactly what went out.
    const sent = Number(/window alerts: (\d+) sent/.exec(logs.join("\n"))?.[1]);
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBe(h.mail.length);
    expect(h.mail.every((m) => m.to.includes("platform@example.com"))).toBe(true);
    expect(logs.join("\n")).toMatch(/retention: \d+ entities older than 400 days removed/);
    const run = await (await h.ctx.store()).getRun(FIRST);
    expect(run).toMatchObject({ runId: FIRST, trigger: "timer", asOf: "2026-11-10" });
    expect(run?.status).toBe("succeeded");
    expect(run?.summary.clusters).toBe(8);
  });

  it("GET /api/clusters/{id}/history returns what the timer swept, newest first, with changes", async () => {
    await sweep(timerAt("2026-12-01T06:00:00Z"), invocation("sweep"));
    const histories = await Promise.all(
      clusterIds(h.sim).map(async (id) => ({ id, body: json<HistoryBody>(await clusterHistory(historyRequest(id), invocation("clusterHistory"))) })),
    );
    for (const { id, body } of histories) {
      expect(body.snapshots.map((s) => s.runId)).toEqual([SECOND, FIRST]);
      expect(sameArmId(body.snapshots[0]!.cluster.id, id)).toBe(true);
      expect(body.snapshots[0]!.previousHash).toBe(body.snapshots[1]!.contentHash);
    }
    // Deadlines that were inside the window on 2026-11-10 have passed or moved by 2026-12-01.
    const changed = histories.filter((x) => x.body.changes.length > 0);
    expect(changed.length).toBeGreaterThan(0);
    for (const { body } of changed) {
      expect(body.changes.map((d) => [d.fromRunId, d.toRunId])).toEqual([[FIRST, SECOND]]);
      expect(body.changes[0]!.changes.length).toBeGreaterThan(0);
    }

    const id = changed[0]!.id;
    const ranged = json<HistoryBody>(await clusterHistory(historyRequest(id, "?from=2026-11-15&to=2026-12-05"), invocation("clusterHistory")));
    expect(ranged.snapshots.map((s) => s.runId)).toEqual([SECOND]);
    // However the front end handed over the id, it is the same cluster.
    const decoded = json<HistoryBody>(await clusterHistory(historyRequest(id, "", "decoded"), invocation("clusterHistory")));
    expect(decoded.snapshots.map((s) => s.runId)).toEqual([SECOND, FIRST]);
  });

  it("GET /api/runs pages through the runs, newest first", async () => {
    const first = json<{ items: { runId: string }[]; continuationToken: string | null }>(await runs(request("/api/runs?limit=1"), invocation("runs")));
    expect(first.items.map((r) => r.runId)).toEqual([SECOND]);
    expect(first.continuationToken).toBeTruthy();
    const second = json<{ items: { runId: string }[] }>(
      await runs(request(`/api/runs?limit=1&continuationToken=${first.continuationToken}`), invocation("runs")),
    );
    expect(second.items.map((r) => r.runId)).toEqual([FIRST]);
    const ranged = json<{ items: { runId: string }[] }>(await runs(request("/api/runs?from=2026-11-01&to=2026-11-12"), invocation("runs")));
    expect(ranged.items.map((r) => r.runId)).toEqual([FIRST]);
  });

  it("GET /api/audits/{runId} returns the stored report, as JSON or CSV", async () => {
    const response = await getAudit(request(`/api/audits/${FIRST}`, { params: { runId: FIRST } }), invocation("getAudit"));
    expect(response.status).toBe(200);
    const report = json<AuditReport>(response);
    expect(report).toMatchObject({ schemaVersion: 1, runId: FIRST, asOf: "2026-11-10" });
    expect(report.clusters).toHaveLength(8);

    const csv = await getAudit(request(`/api/audits/${FIRST}?format=csv`, { params: { runId: FIRST } }), invocation("getAudit"));
    expect(csv.status).toBe(200);
    expect(header(csv, "content-type")).toMatch(/^text\/csv/);
    expect(header(csv, "content-disposition")).toMatch(/^attachment/);
    expect((csv.body as string).split("\r\n")[0]).toMatch(/^runId,asOf,clusterId/);
  });

  it("GET /api/fleet answers the latest run on or before asOf, filtered, as JSON or CSV", async () => {
    const latest = json<AuditReport>(await fleet(request("/api/fleet"), invocation("fleet")));
    expect(latest.runId).toBe(SECOND);
    expect(latest.summary.clusters).toBe(latest.clusters.length);
    const earlier = json<AuditReport>(await fleet(request("/api/fleet?asOf=2026-11-12"), invocation("fleet")));
    expect(earlier.runId).toBe(FIRST);
    // The filter keeps exactly the clusters with an integration of that severity and tier.
    const critical = json<AuditReport>(await fleet(request("/api/fleet?severity=critical"), invocation("fleet")));
    const expected = latest.clusters.filter((c) => c.integrations.some((i) => i.severity === "critical")).map((c) => c.id).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(latest.clusters.length);
    expect(critical.clusters.map((c) => c.id).sort()).toEqual(expected);
    const none = json<AuditReport>(await fleet(request("/api/fleet?severity=critical&supportTier=unsupported"), invocation("fleet")));
    expect(none.clusters.map((c) => c.id).sort()).toEqual(
      latest.clusters.filter((c) => c.integrations.some((i) => i.severity === "critical" && i.supportTier === "unsupported")).map((c) => c.id).sort(),
    );
    const csv = await fleet(request("/api/fleet?format=csv"), invocation("fleet"));
    expect(header(csv, "content-type")).toMatch(/^text\/csv/);
  });

  it("GET /api/verify checks one cluster's chain", async () => {
    const id = clusterIds(h.sim)[1]!;
    const one = json<{ ok: boolean; clustersChecked: number }>(await verify(request(`/api/verify?clusterId=${encodeURIComponent(id)}`), invocation("verify")));
    expect(one).toMatchObject({ ok: true, clustersChecked: 1 });
  });

  it("POST /api/audits with a few cluster ids answers 200 with the report", async () => {
    const ids = clusterIds(h.sim).slice(0, 2);
    const response = await startAudit(
      request("/api/audits", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ clusterIds: ids }) }),
      invocation("startAudit"),
    );
    expect(response.status).toBe(200);
    const report = json<AuditReport>(response);
    // A stored HTTP run is dated the day it ran.
    expect(report.asOf).toBe(toIsoDate(new Date()));
    expect(report.clusters.map((c) => c.id.toLowerCase()).sort()).toEqual(ids.map((i) => i.toLowerCase()).sort());
    expect(header(response, "content-location")).toBe(`/api/audits/${report.runId}`);
    // It is stored like any run.
    expect((await getAudit(request(`/api/audits/${report.runId}`, { params: { runId: report.runId } }), invocation("getAudit"))).status).toBe(200);
  });

  it("POST /api/audits for the whole scope answers 202, and the queued run completes behind the Location", async () => {
    const accepted = await startAudit(request("/api/audits", { method: "POST" }), invocation("startAudit"));
    expect(accepted.status).toBe(202);
    const location = header(accepted, "location")!;
    const { runId } = json<{ runId: string }>(accepted);
    expect(location).toBe(`/api/audits/${runId}`);

    const polling = await getAudit(request(location, { params: { runId } }), invocation("getAudit"));
    expect(polling.status).toBe(202);
    expect(json(polling)).toMatchObject({ runId, status: "running" });

    // The message names the run; the scope is stored with the run record.
    const message = await h.takeAuditMessage();
    expect(message).toEqual({ runId });
    expect((await (await h.ctx.store()).getRun(runId))?.scope).toEqual({ subscriptions: [], managementGroups: [], clusterIds: [] });
    await auditWorker(message, invocation("auditWorker"));
    const done = await getAudit(request(location, { params: { runId } }), invocation("getAudit"));
    expect(done.status).toBe(200);
    expect(json<AuditReport>(done).summary.clusters).toBe(8);

    // A redelivered message for a finished run is ignored.
    const logs: string[] = [];
    await auditWorker(message, invocation("auditWorker", logs));
    expect(logs.join("\n")).toContain("duplicate message ignored");
  });

  it("POST /api/audits with more cluster ids than HTTP_MAX_SYNC_CLUSTERS answers 202", async () => {
    const response = await startAudit(
      request("/api/audits", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ clusterIds: clusterIds(h.sim).slice(0, 4) }) }),
      invocation("startAudit"),
    );
    expect(response.status).toBe(202);
    const { runId } = json<{ runId: string }>(response);
    expect(await h.takeAuditMessage()).toEqual({ runId });
    expect((await (await h.ctx.store()).getRun(runId))?.scope.clusterIds).toHaveLength(4);
  });

  it("GET /api/openapi.json serves the document", async () => {
    const response = await openapi(request("/api/openapi.json"), invocation("openapi"));
    expect(response.status).toBe(200);
    expect(json(response)).toMatchObject({ openapi: "3.0.3" });
  });

  it("the weekly digest runs for its occurrence's date", async () => {
    const logs: string[] = [];
    await weeklyDigest(timerAt("2026-11-23T07:00:00Z"), invocation("weeklyDigest", logs));
    expect(logs.join("\n")).toMatch(/digest for 2026-11-23: \d+ message\(s\) sent/);
    expect(h.mail.length).toBeGreaterThan(0);
  });
});
