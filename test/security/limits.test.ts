/**
 * What one caller can cost (issue 17, item 2), through the handlers against Azurite (tables and
 * queues) and the fleet simulator: a stored run's report is read a page of clusters at a time, a
 * fleet-wide verify is not offered over HTTP, one on-demand wide audit runs at a time, the queue
 * message names only the run, and no failure after a run was begun leaves it "running".
 */
import { InvocationContext, type HttpResponseInit } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { getAudit, startAudit } from "../../src/functions/audits.js";
import { auditWorker } from "../../src/functions/auditWorker.js";
import { sweep } from "../../src/functions/sweep.js";
import { verify } from "../../src/functions/verify.js";
import { recordFigures } from "../reliability/helpers/results.js";
import { clusterIds, header, invocation, json, request, timerAt, useFunctionsHarness } from "../functions/harness.js";

const h = useFunctionsHarness({ clusters: 7 });

function expectProblem(response: HttpResponseInit, status: number) {
  expect(response.status).toBe(status);
  expect(header(response, "content-type")).toMatch(/^application\/problem\+json/);
  return json<{ status: number; detail: string; parameter?: string; runId?: string }>(response);
}

interface ReportPage {
  runId: string;
  clusters: { id: string }[];
  summary: { clusters: number };
  continuationToken: string | null;
}

const audit = (runId: string, query = "") => getAudit(request(`/api/audits/${runId}${query}`, { params: { runId } }), invocation("getAudit"));

describe("GET /api/audits/{runId} pages clusters", () => {
  it("hands out a page of clusters at a time, with the run's whole summary, until the last page", async () => {
    await h.reset();
    await sweep(timerAt("2026-11-10T06:00:00Z"), invocation("sweep"));
    const runId = "20261110T060000Z-timer";
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const response = await audit(runId, `?limit=3${token ? `&continuationToken=${token}` : ""}`);
      expect(response.status).toBe(200);
      const page = json<ReportPage>(response);
      expect(page.clusters.length).toBeLessThanOrEqual(3);
      expect(page.summary.clusters).toBe(7);
      expect(header(response, "x-continuation-token") ?? null).toBe(page.continuationToken);
      seen.push(...page.clusters.map((c) => c.id));
      token = page.continuationToken;
      pages += 1;
    } while (token && pages < 10);
    // Clusters of the run that no page handed out, or handed out twice.
    recordFigures({ dataLost: 7 - new Set(seen).size + (seen.length - new Set(seen).size) });
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    expect(seen).toHaveLength(7);
  });

  it("refuses a bad limit and a token that is not this run's, naming the parameter", async () => {
    await h.reset();
    await sweep(timerAt("2026-11-10T06:00:00Z"), invocation("sweep"));
    await sweep(timerAt("2026-11-11T06:00:00Z"), invocation("sweep"));
    const first = "20261110T060000Z-timer";
    const other = json<ReportPage>(await audit("20261111T060000Z-timer", "?limit=2")).continuationToken!;
    expect(other).toBeTruthy();
    expect(expectProblem(await audit(first, `?continuationToken=${other}`), 400).parameter).toBe("continuationToken");
    const forged = Buffer.from(JSON.stringify({ v: 1, r: `${first}\nt|x` })).toString("base64url");
    expect(expectProblem(await audit(first, `?continuationToken=${forged}`), 400).parameter).toBe("continuationToken");
    expect(expectProblem(await audit(first, "?continuationToken=not%20a%20token"), 400).parameter).toBe("continuationToken");
    for (const limit of ["0", "1001", "two", "-1"]) expect(expectProblem(await audit(first, `?limit=${limit}`), 400).parameter).toBe("limit");
    // The CSV is paged the same way.
    const csv = await audit(first, "?limit=2&format=csv");
    expect(header(csv, "x-continuation-token")).toBeTruthy();
  });
});

describe("verify over HTTP", () => {
  it("a fleet-wide verify is refused in favour of per-cluster verify, naming clusterId", async () => {
    await h.reset();
    await sweep(timerAt("2026-11-10T06:00:00Z"), invocation("sweep"));
    const problem = expectProblem(await verify(request("/api/verify"), invocation("verify")), 400);
    expect(problem.parameter).toBe("clusterId");
    expect(problem.detail).toMatch(/aks-audit verify/);
    const one = await verify(request(`/api/verify?clusterId=${encodeURIComponent(clusterIds(h.sim)[0]!)}`), invocation("verify"));
    expect(one.status).toBe(200);
    expect(json<{ ok: boolean; clustersChecked: number }>(one)).toMatchObject({ ok: true, clustersChecked: 1 });
  });
});

const JSON_TYPE = { "content-type": "application/json" };
const post = (body: unknown) => startAudit(request("/api/audits", { method: "POST", headers: JSON_TYPE, body: JSON.stringify(body) }), invocation("startAudit"));
const runOf = async (runId: string) => (await (await h.ctx.store()).getRun(runId))!;

/** The host's fifth and last delivery of a queue message (maxDequeueCount 5 by default). */
function lastDelivery(): InvocationContext {
  return new InvocationContext({ functionName: "auditWorker", invocationId: "last", triggerMetadata: { dequeueCount: 5 }, logHandler: () => undefined });
}

describe("one on-demand wide audit at a time", () => {
  it("a second POST of the whole scope while one runs answers 409 naming the running run, and queues nothing", async () => {
    await h.reset();
    const first = await post({});
    expect(first.status).toBe(202);
    const { runId } = json<{ runId: string }>(first);
    const problem = expectProblem(await post({}), 409);
    expect(problem.runId).toBe(runId);
    expect(problem.detail).toContain(runId);
    // A subscription-wide audit is wide too; a few named clusters are not held up.
    const subscription = clusterIds(h.sim)[0]!.split("/")[2]!;
    expect(expectProblem(await post({ subscriptions: [subscription] }), 409).runId).toBe(runId);
    const named = await post({ clusterIds: clusterIds(h.sim).slice(0, 4) });
    expect(named.status).toBe(202);

    expect(await h.takeAuditMessage()).toEqual({ runId });
    const namedMessage = await h.takeAuditMessage();
    expect(namedMessage).toEqual({ runId: json<{ runId: string }>(named).runId });
    expect(await h.takeAuditMessage()).toBeUndefined();
    await auditWorker({ runId }, invocation("auditWorker"));
    expect((await runOf(runId)).status).toBe("succeeded");
    // Finished: the next wide audit is accepted.
    const third = await post({});
    expect(third.status).toBe(202);
    await auditWorker(await h.takeAuditMessage(), invocation("auditWorker"));
  });

  it("of five wide POSTs at once exactly one is accepted; the others name it", async () => {
    await h.reset();
    const answers = await Promise.all(Array.from({ length: 5 }, () => post({})));
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted).toHaveLength(1);
    const { runId } = json<{ runId: string }>(accepted[0]!);
    for (const refused of answers.filter((a) => a.status !== 202)) expect(expectProblem(refused, 409).runId).toBe(runId);
  });
});

describe("the wide-run slot in the store", () => {
  it("a claim not yet begun holds the slot for its grace, then lapses; a finished holder frees it", async () => {
    await h.reset();
    const store = await h.ctx.store();
    const at = new Date("2026-11-24T06:00:00Z");
    const later = (minutes: number) => new Date(at.getTime() + minutes * 60_000);
    expect(await store.claimWideRun("20261124T060000Z-aaaa0001", at)).toBeNull();
    // The first claimant has not begun its run yet (between the claim and beginRun): still in flight.
    expect(await store.claimWideRun("20261124T060100Z-bbbb0002", later(1))).toBe("20261124T060000Z-aaaa0001");
    // A claimant that never began (it died in between) gives the slot up after the grace.
    expect(await store.claimWideRun("20261124T060600Z-bbbb0002", later(6))).toBeNull();
    expect(await store.claimWideRun("20261124T060700Z-cccc0003", later(7))).toBe("20261124T060600Z-bbbb0002");
  });
});

describe("the queued run", () => {
  it("the queue message carries only the run id, so a scope of hundreds of clusters cannot overflow it", async () => {
    await h.reset({ HTTP_MAX_SCOPE_SIZE: "1000" });
    const real = clusterIds(h.sim);
    const sub = real[0]!.split("/")[2]!;
    const extra = Array.from({ length: 440 }, (_, i) => `/subscriptions/${sub}/resourceGroups/rg-extra/providers/Microsoft.ContainerService/managedClusters/aks-extra-${i}`);
    const ids = [...real, ...extra];
    const body = JSON.stringify({ clusterIds: ids });
    expect(Buffer.byteLength(body)).toBeLessThan(64 * 1024); // inside the API's body limit
    // What the earlier message ({ runId, scope, asOf }, base64 on the queue) would have been: over 64 KiB.
    expect(Math.ceil(JSON.stringify({ runId: "20261124T060000Z-0123abcd", scope: { subscriptions: [sub], managementGroups: [], clusterIds: ids }, asOf: "2026-11-24" }).length / 3) * 4).toBeGreaterThan(64 * 1024);

    const response = await post({ clusterIds: ids });
    expect(response.status).toBe(202);
    const { runId } = json<{ runId: string }>(response);
    const message = await h.takeAuditMessage();
    expect(message).toEqual({ runId });
    await auditWorker(message, invocation("auditWorker"));
    const run = await runOf(runId);
    const stored = (await (await h.ctx.store()).runReport(runId))!.clusters.map((c) => c.id);
    recordFigures({ dataLost: real.filter((id) => !stored.includes(id)).length });
    expect(stored.sort()).toEqual([...real].sort());
    expect(run.status).toBe("partial"); // the made-up ids are reported not found
    expect(run.summary.clusters).toBe(real.length);
    expect(run.scope.clusterIds).toHaveLength(ids.length);
    expect(run.errors.filter((e) => e.message.includes("not found"))).toHaveLength(extra.length);
  });

  it("a queue that refuses the message leaves the run failed with the reason, and the caller hears 503", async () => {
    await h.reset();
    const ids = clusterIds(h.sim).slice(0, 4);
    expect((await post({ clusterIds: ids })).status).toBe(202);
    // The queue disappears under the running app (deleted, or the account's network rules changed).
    await h.auditQueue.delete();
    const refused = await post({ clusterIds: ids });
    const problem = expectProblem(refused, 503);
    const run = await runOf(problem.runId!);
    expect(run.status).toBe("failed");
    expect(run.endedAt).not.toBeNull();
    expect(run.errors.map((e) => e.message).join("\n")).toMatch(/could not queue the run for the worker \(aksaudit-requests\)/);
  });

  it("a stored request the settings no longer accept is marked failed with the reason, never 'running' for ever", async () => {
    await h.reset({ HTTP_MAX_SCOPE_SIZE: "5" });
    const response = await post({ clusterIds: clusterIds(h.sim).slice(0, 5) });
    const { runId } = json<{ runId: string }>(response);
    const message = await h.takeAuditMessage();
    // The worker's settings changed in between (a new deployment), on the same tables.
    const prefix = h.ctx.config.tablePrefix;
    await h.reset({ HTTP_MAX_SCOPE_SIZE: "3", TABLE_PREFIX: prefix });
    await auditWorker(message, invocation("auditWorker"));
    const run = await runOf(runId);
    expect(run.status).toBe("failed");
    expect(run.errors.map((e) => e.message).join("\n")).toMatch(/no longer accepted: .*HTTP_MAX_SCOPE_SIZE/);
  });

  it("an audit that throws on the message's last delivery is marked failed with the error", async () => {
    await h.reset();
    const response = await post({ clusterIds: clusterIds(h.sim).slice(0, 5) });
    const { runId } = json<{ runId: string }>(response);
    const message = await h.takeAuditMessage();
    // Something throws inside the worker after the run was begun (here: building the audit's clients).
    h.ctx.auditDeps = () => {
      throw new Error("credential unavailable: managed identity endpoint not reachable");
    };
    // Earlier deliveries hand the error back, so the host retries the message.
    await expect(auditWorker(message, invocation("auditWorker"))).rejects.toThrow(/credential unavailable/);
    expect((await runOf(runId)).status).toBe("running");
    await expect(auditWorker(message, lastDelivery())).resolves.toBeUndefined();
    const run = await runOf(runId);
    expect(run.status).toBe("failed");
    expect(run.errors.map((e) => e.message).join("\n")).toContain("credential unavailable");
  });
});
