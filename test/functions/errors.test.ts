/**
 * Every documented 4xx: problem+json naming the offending input, never a stack trace, never the
 * caller's input echoed raw. Runs against the same Azurite + simulator harness as the success paths.
 */
import type { HttpHandler, HttpResponseInit } from "@azure/functions";
import { beforeAll, describe, expect, it } from "vitest";
import { getAudit, startAudit } from "../../src/functions/audits.js";
import { clusterHistory } from "../../src/functions/clusterHistory.js";
import { fleet } from "../../src/functions/fleet.js";
import { runs } from "../../src/functions/runs.js";
import { sweep } from "../../src/functions/sweep.js";
import { verify } from "../../src/functions/verify.js";
import { clusterIds, header, historyRequest, invocation, json, request, timerAt, useFunctionsHarness, type RequestInit } from "./harness.js";

const h = useFunctionsHarness({ clusters: 4 });
const INJECTION = "' or true or '";
const TRAVERSAL = "../../etc/passwd";
const GOOD_ID = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1";
const RUN = "20261110T060000Z-timer";

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  parameter?: string;
}

function expectProblem(response: HttpResponseInit, status: number, parameter: string | undefined, raw?: string): Problem {
  expect(response.status).toBe(status);
  expect(header(response, "content-type")).toMatch(/^application\/problem\+json/);
  const body = response.body as string;
  const problem = JSON.parse(body) as Problem;
  expect(problem).toMatchObject({ status });
  expect(problem.type).toMatch(/^urn:aks-audit:problem:/);
  expect(typeof problem.title).toBe("string");
  expect(typeof problem.detail).toBe("string");
  if (parameter !== undefined) expect(problem.parameter).toBe(parameter);
  expect(body).not.toMatch(/\n\s+at |\.ts:\d+/);
  if (raw) expect(body).not.toContain(raw);
  return problem;
}

const call = (handler: HttpHandler, path: string, init: RequestInit = {}): Promise<HttpResponseInit> =>
  handler(request(path, init), invocation("errors")) as Promise<HttpResponseInit>;
const post = (body: string, headers: Record<string, string> = { "content-type": "application/json" }, roles?: string[]): Promise<HttpResponseInit> =>
  call(startAudit, "/api/audits", { method: "POST", body, headers, roles });
const history = (clusterId: string, query = ""): Promise<HttpResponseInit> =>
  clusterHistory(historyRequest(clusterId, query), invocation("errors")) as Promise<HttpResponseInit>;

beforeAll(async () => {
  await sweep(timerAt("2026-11-10T06:00:00Z"), invocation("sweep"));
});

describe("400: malformed ids", () => {
  it("refuses a cluster id that is not an AKS ARM id", async () => {
    expectProblem(await history("/subscriptions/x/resourceGroups/rg"), 400, "clusterId");
    expectProblem(await history(GOOD_ID.replace("ContainerService", "Compute")), 400, "clusterId");
    expectProblem(await call(verify, `/api/verify?clusterId=${encodeURIComponent("not-an-id")}`), 400, "clusterId");
    expectProblem(await post(JSON.stringify({ clusterIds: [GOOD_ID, "aks1"] })), 400, "clusterIds[1]");
  });

  it("refuses subscriptions that are not GUIDs and management groups that are not ids", async () => {
    expectProblem(await post(JSON.stringify({ subscriptions: ["prod"] })), 400, "subscriptions[0]");
    expectProblem(await post(JSON.stringify({ managementGroups: ["a/b"] })), 400, "managementGroups[0]");
    expectProblem(await post(JSON.stringify({ subscriptions: "00000000-0000-0000-0000-000000000001" })), 400, "subscriptions");
  });

  it("refuses run ids that are not ours", async () => {
    expectProblem(await call(getAudit, "/api/audits/latest", { params: { runId: "latest" } }), 400, "runId");
  });
});

describe("400: dates", () => {
  it("refuses impossible dates, dates outside 2000–2100 and from after to", async () => {
    expectProblem(await call(runs, "/api/runs?from=2026-02-30"), 400, "from");
    expectProblem(await call(runs, "/api/runs?to=1999-12-31"), 400, "to");
    expectProblem(await call(runs, "/api/runs?to=2101-01-01"), 400, "to");
    expectProblem(await call(runs, "/api/runs?from=2026-11-02&to=2026-11-01"), 400, "from");
    expectProblem(await history(GOOD_ID, "?from=20261101"), 400, "from");
    expectProblem(await history(GOOD_ID, "?from=2026-12-01&to=2026-11-01"), 400, "from");
    expectProblem(await call(fleet, "/api/fleet?asOf=yesterday"), 400, "asOf");
    expectProblem(await post(JSON.stringify({ asOf: "2026-13-01" })), 400, "asOf");
    expectProblem(await post(JSON.stringify({ asOf: 20261101 })), 400, "asOf");
  });
});

describe("400: enums and limits", () => {
  it("refuses unknown severities, support tiers and formats", async () => {
    expectProblem(await call(fleet, "/api/fleet?severity=urgent"), 400, "severity");
    expectProblem(await call(fleet, "/api/fleet?supportTier=community"), 400, "supportTier");
    expectProblem(await call(fleet, "/api/fleet?format=xml"), 400, "format");
    expectProblem(await call(fleet, "/api/fleet?format=table"), 400, "format");
    expectProblem(await call(getAudit, `/api/audits/${RUN}?format=html`, { params: { runId: RUN } }), 400, "format");
  });

  it("takes page sizes from 1 to 1000 only", async () => {
    for (const limit of ["0", "-1", "100000", "1.5", "abc"]) {
      expectProblem(await call(runs, `/api/runs?limit=${limit}`), 400, "limit");
      expectProblem(await history(GOOD_ID, `?limit=${limit}`), 400, "limit");
    }
  });

  it("refuses a scope larger than HTTP_MAX_SCOPE_SIZE", async () => {
    const ids = Array.from({ length: 6 }, (_, i) => GOOD_ID.replace("aks1", `aks${i}`));
    expectProblem(await post(JSON.stringify({ clusterIds: ids })), 400, "clusterIds");
  });

  it("refuses a parameter given twice and a continuation token that is not ours", async () => {
    expectProblem(await call(fleet, "/api/fleet?severity=ok&severity=critical"), 400, "severity");
    expectProblem(await call(runs, "/api/runs?continuationToken=bm90LWEtdG9rZW4"), 400, "continuationToken");
    expectProblem(await call(runs, `/api/runs?continuationToken=${"A".repeat(3000)}`), 400, "continuationToken");
  });
});

describe("400: injection and traversal", () => {
  const q = encodeURIComponent(INJECTION);
  it("refuses OData injection in every query parameter, without echoing it", async () => {
    const cases: [HttpHandler, string, string, Record<string, string>?][] = [
      [runs, `/api/runs?from=${q}`, "from"],
      [runs, `/api/runs?to=${q}`, "to"],
      [runs, `/api/runs?limit=${q}`, "limit"],
      [runs, `/api/runs?continuationToken=${q}`, "continuationToken"],
      [fleet, `/api/fleet?asOf=${q}`, "asOf"],
      [fleet, `/api/fleet?severity=${q}`, "severity"],
      [fleet, `/api/fleet?supportTier=${q}`, "supportTier"],
      [fleet, `/api/fleet?format=${q}`, "format"],
      [verify, `/api/verify?clusterId=${q}`, "clusterId"],
      [verify, `/api/verify?clusterId=${encodeURIComponent(GOOD_ID + INJECTION)}`, "clusterId"],
      [getAudit, `/api/audits/${q}`, "runId", { runId: INJECTION }],
      [getAudit, `/api/audits/${RUN}?format=${q}`, "format", { runId: RUN }],
    ];
    for (const [handler, path, parameter, params] of cases) expectProblem(await call(handler, path, { params }), 400, parameter, INJECTION);
    for (const query of ["from", "to", "limit", "continuationToken"]) expectProblem(await history(GOOD_ID, `?${query}=${q}`), 400, query, INJECTION);
    expectProblem(await history(GOOD_ID + INJECTION), 400, "clusterId", INJECTION);
  });

  it("refuses OData injection in every body field, without echoing it", async () => {
    for (const field of ["subscriptions", "managementGroups", "clusterIds"]) {
      expectProblem(await post(JSON.stringify({ [field]: [INJECTION] })), 400, `${field}[0]`, INJECTION);
    }
    expectProblem(await post(JSON.stringify({ asOf: INJECTION })), 400, "asOf", INJECTION);
    expectProblem(await post(JSON.stringify({ [INJECTION]: 1 })), 400, "body", INJECTION);
  });

  it("refuses path traversal and control characters in route parameters", async () => {
    // Harmless characters are echoed only inside quote(): JSON-quoted and truncated.
    const traversal = expectProblem(await call(getAudit, `/api/audits/${encodeURIComponent(TRAVERSAL)}`, { params: { runId: TRAVERSAL } }), 400, "runId");
    expect(traversal.detail).toContain(JSON.stringify(TRAVERSAL));
    const long = expectProblem(await call(getAudit, "/api/audits/x", { params: { runId: `${"../".repeat(20)}etc/passwd` } }), 400, "runId");
    expect(long.detail).not.toContain("etc/passwd");
    expectProblem(await history(`${GOOD_ID}/../../../x`), 400, "clusterId");
    expectProblem(await history(GOOD_ID.replace("/rg/", "/../")), 400, "clusterId");
    expectProblem(await history(`${GOOD_ID}\u0000`), 400, "clusterId");
    expectProblem(await call(clusterHistory, "/api/clusters/%E0%A4%A/history", { params: { clusterPath: "%E0%A4%A/history" } }), 400, "clusterId");
    expectProblem(await history(encodeURIComponent(encodeURIComponent(GOOD_ID))), 400, "clusterId"); // still encoded after the one decode
  });

  it("escapes markup from the caller in the detail", async () => {
    const problem = expectProblem(await call(fleet, `/api/fleet?severity=${encodeURIComponent("<script>alert(1)</script>")}`), 400, "severity", "<script>");
    expect(problem.detail).toContain("\\u003cscript");
  });
});

describe("bodies", () => {
  it("answers 400 for a body that is not JSON, not an object, or has unknown properties", async () => {
    expectProblem(await post("{\"clusterIds\": ["), 400, "body");
    expectProblem(await post("[]"), 400, "body");
    expectProblem(await post("\"text\""), 400, "body");
    expectProblem(await post(JSON.stringify({ clusterIds: [], dryRun: true })), 400, "body");
  });

  it("answers 415 for another media type and 413 past 64 KiB", async () => {
    expectProblem(await post("clusterIds=x", { "content-type": "application/x-www-form-urlencoded" }), 415, "content-type");
    expectProblem(await post("{}", {}), 415, "content-type");
    expectProblem(await post(JSON.stringify({ clusterIds: ["x".repeat(70_000)] })), 413, "body");
  });
});

describe("roles", () => {
  it("answers 403 when the principal lacks the role", async () => {
    expectProblem(await post("{}", { "content-type": "application/json" }, ["Audit.Read"]), 403, "x-ms-client-principal");
    expectProblem(await call(runs, "/api/runs", { roles: ["Audit.Run"] }), 403, "x-ms-client-principal");
    expectProblem(await call(fleet, "/api/fleet", { roles: [] }), 403, "x-ms-client-principal");
    expect((await call(runs, "/api/runs", { roles: ["Audit.Read"] })).status).toBe(200);
    expect((await call(getAudit, `/api/audits/${RUN}`, { params: { runId: RUN }, roles: ["Audit.Run"] })).status).toBe(200);
  });

  it("answers 401 without a principal when HTTP_REQUIRE_ROLES is true", async () => {
    await h.reset({ HTTP_REQUIRE_ROLES: "true", WEBSITE_AUTH_ENABLED: "True" });
    try {
      expectProblem(await call(runs, "/api/runs"), 401, "x-ms-client-principal");
      expect((await call(runs, "/api/runs", { roles: ["Audit.Read"] })).status).toBe(200);
    } finally {
      await h.reset();
      await sweep(timerAt("2026-11-10T06:00:00Z"), invocation("sweep"));
    }
  });
});

describe("404 and 405", () => {
  it("answers 404 for paths under /api/clusters that are not a history", async () => {
    expectProblem(await call(clusterHistory, "/api/clusters/x", { params: { clusterPath: encodeURIComponent(GOOD_ID) } }), 404, undefined);
  });

  it("answers 404 for unknown runs and clusters", async () => {
    const unknownRun = "20200101T000000Z-abcd1234";
    expectProblem(await call(getAudit, `/api/audits/${unknownRun}`, { params: { runId: unknownRun } }), 404, "runId");
    expectProblem(await history(GOOD_ID), 404, "clusterId");
    expectProblem(await call(verify, `/api/verify?clusterId=${encodeURIComponent(GOOD_ID)}`), 404, "clusterId");
    expectProblem(await call(fleet, "/api/fleet?asOf=2020-01-01"), 404, "asOf");
  });

  it("a known cluster with nothing in the range is an empty page, not a 404", async () => {
    const response = await history(clusterIds(h.sim)[0]!, "?to=2020-01-01");
    expect(response.status).toBe(200);
    expect(json<{ snapshots: unknown[] }>(response).snapshots).toEqual([]);
  });

  it("answers 405 with Allow for a wrong method on an existing route", async () => {
    const problem = await call(runs, "/api/runs", { method: "DELETE" });
    expectProblem(problem, 405, "method");
    expect(header(problem, "allow")).toBe("GET");
    expect(header(await call(startAudit, "/api/audits", { method: "GET" }), "allow")).toBe("POST");
  });
});
