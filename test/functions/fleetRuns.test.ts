/**
 * Only fleet runs feed fleet views: an audit narrowed to one subscription (HTTP or CLI scope) is
 * stored as a scoped run, and the digest, the window alerts, GET /api/fleet and history as of a date
 * stay on the last run that covered the configured scope.
 */
import { describe, expect, it } from "vitest";
import type { AuditReport } from "../../src/core/report.js";
import { toIsoDate } from "../../src/core/dates.js";
import { startAudit } from "../../src/functions/audits.js";
import { auditWorker } from "../../src/functions/auditWorker.js";
import { fleet } from "../../src/functions/fleet.js";
import { sweep } from "../../src/functions/sweep.js";
import { weeklyDigest } from "../../src/functions/weeklyDigest.js";
import { clusterIds, invocation, json, request, timerAt, useFunctionsHarness } from "./harness.js";

const h = useFunctionsHarness({ clusters: 8 });

const post = (body: unknown) =>
  startAudit(request("/api/audits", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }), invocation("startAudit"));

function subscriptionOf(id: string): string {
  return /^\/subscriptions\/([^/]+)\//i.exec(id)![1]!;
}

describe("fleet runs and scoped runs", () => {
  it("a scoped audit after a fleet run leaves the digest, the alerts and the fleet view on the fleet run", async () => {
    await h.reset();
    const today = toIsoDate(new Date());
    const occurrence = `${today}T06:00:00Z`;
    await sweep(timerAt(occurrence), invocation("sweep"));
    const fleetRunId = `${today.replaceAll("-", "")}T060000Z-timer`;
    const store = await h.ctx.store();
    expect((await store.getRun(fleetRunId))?.fleet).toBe(true);

    // An on-demand audit of the subscription holding fewer clusters than the fleet, queued and worked.
    const ids = clusterIds(h.sim);
    const subscription = subscriptionOf(ids[ids.length - 1]!);
    const inSubscription = ids.filter((id) => subscriptionOf(id) === subscription);
    expect(inSubscription.length).toBeLessThan(ids.length);
    const response = await startAudit(
      request("/api/audits", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ subscriptions: [subscription] }) }),
      invocation("startAudit"),
    );
    expect(response.status).toBe(202);
    await auditWorker(await h.takeAuditMessage(), invocation("auditWorker"));
    const scopedRunId = json<{ runId: string }>(response).runId;
    const scoped = await store.getRun(scopedRunId);
    expect(scoped).toMatchObject({ status: "succeeded", fleet: false, scope: { subscriptions: [subscription] } });
    expect(scoped?.summary.clusters).toBe(inSubscription.length);

    // The fleet view, and history as of today, still speak for the whole fleet.
    const view = json<AuditReport>(await fleet(request("/api/fleet?limit=100"), invocation("fleet")));
    expect(view.runId).toBe(fleetRunId);
    expect(view.clusters).toHaveLength(ids.length);
    expect((await store.fleetAsOf(today, {}))?.run.runId).toBe(fleetRunId);

    // The digest built now reports every cluster and calls none of them "no longer reported".
    h.mail.length = 0;
    await weeklyDigest(timerAt(new Date(Date.now() - 1000).toISOString()), invocation("weeklyDigest"));
    const digests = h.mail.filter((m) => /digest/i.test(m.subject));
    expect(digests.length).toBeGreaterThan(0);
    for (const mail of digests) {
      expect(mail.text).not.toContain("No longer reported");
      expect(mail.text).toContain(fleetRunId);
      expect(mail.text).not.toContain(scopedRunId);
    }
  });

  it("an HTTP audit may narrow the configured scope but never widen it, and an empty list is refused", async () => {
    const ids = clusterIds(h.sim);
    const inside = subscriptionOf(ids[0]!);
    await h.reset({ AUDIT_SUBSCRIPTIONS: inside });
    const outside = ids.find((id) => subscriptionOf(id).toLowerCase() !== inside.toLowerCase())!;
    const problem = async (body: unknown) => {
      const r = await post(body);
      return { status: r.status, parameter: json<{ parameter?: string }>(r).parameter, type: String(r.headers && (r.headers as Record<string, string>)["content-type"]) };
    };
    expect(await problem({ subscriptions: [subscriptionOf(outside)] })).toMatchObject({ status: 403, parameter: "subscriptions[0]", type: expect.stringContaining("problem+json") });
    expect(await problem({ clusterIds: [outside] })).toMatchObject({ status: 403, parameter: "clusterIds[0]" });
    expect(await problem({ managementGroups: ["mg-any"] })).toMatchObject({ status: 403, parameter: "managementGroups" });
    expect(await problem({ subscriptions: [] })).toMatchObject({ status: 400, parameter: "subscriptions" });
    expect(await problem({ clusterIds: [] })).toMatchObject({ status: 400, parameter: "clusterIds" });
  });

  it("a future asOf is refused; an earlier one is a what-if answered without storing", async () => {
    await h.reset();
    const today = toIsoDate(new Date());
    const tomorrow = toIsoDate(new Date(Date.now() + 86_400_000));
    const ids = clusterIds(h.sim).slice(0, 2);
    const future = await post({ clusterIds: ids, asOf: tomorrow, store: false });
    expect(future.status).toBe(400);
    expect(json<{ parameter: string }>(future).parameter).toBe("asOf");
    const backdated = await post({ clusterIds: ids, asOf: "2026-11-24" });
    expect(backdated.status).toBe(400);
    expect(json<{ parameter: string }>(backdated).parameter).toBe("asOf");

    const whatIf = await post({ clusterIds: ids, asOf: "2026-11-24", store: false });
    expect(whatIf.status).toBe(200);
    expect(json<AuditReport>(whatIf).asOf).toBe("2026-11-24");
    const stored = await post({ clusterIds: ids });
    expect(json<AuditReport>(stored).asOf).toBe(today);
    const runs = (await (await h.ctx.store()).listRuns({})).items;
    expect(runs.map((r) => r.asOf)).toEqual([today]);
    expect(runs[0]).toMatchObject({ fleet: false });
  });
});
