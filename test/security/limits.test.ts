/**
 * What one caller can cost (issue 17, item 2): a stored run's report is read a page of clusters at
 * a time, against Azurite and the fleet simulator through the handlers.
 */
import type { HttpResponseInit } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { getAudit } from "../../src/functions/audits.js";
import { sweep } from "../../src/functions/sweep.js";
import { verify } from "../../src/functions/verify.js";
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
