import { HttpRequest } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { authorize, readPrincipal } from "../../src/http/auth.js";
import { asObject, isJsonContentType, readJsonBody } from "../../src/http/body.js";
import {
  armClusterId,
  continuationToken,
  dateRange,
  decodeRouteParam,
  guid,
  isoDate,
  managementGroupId,
  oneOf,
  pageSize,
  runId,
} from "../../src/http/params.js";
import { HttpProblem, problemResponse, quote } from "../../src/http/problem.js";

const CLUSTER = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod.(eu)_1/providers/Microsoft.ContainerService/managedClusters/aks-prod-01";

function problemOf(fn: () => unknown): HttpProblem {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
  throw new Error("expected a problem");
}

async function asyncProblemOf(fn: () => Promise<unknown>): Promise<HttpProblem> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
  throw new Error("expected a problem");
}

function principal(claims: { typ: string; val: string }[], extra: Record<string, unknown> = {}): string {
  return Buffer.from(JSON.stringify({ auth_typ: "aad", claims, ...extra })).toString("base64");
}

describe("params", () => {
  it("accepts an AKS cluster id in any casing and refuses other resource ids", () => {
    expect(armClusterId(CLUSTER, "clusterId")).toBe(CLUSTER);
    expect(armClusterId(CLUSTER.toLowerCase(), "clusterId")).toBe(CLUSTER.toLowerCase());
    for (const bad of [
      "/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a",
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a",
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/../providers/Microsoft.ContainerService/managedClusters/a",
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a/../../b",
      `${CLUSTER}\n`,
      `${CLUSTER}' or true or '`,
      "",
    ]) {
      const p = problemOf(() => armClusterId(bad, "clusterId"));
      expect(p.status).toBe(400);
      expect(p.parameter).toBe("clusterId");
    }
  });

  it("validates GUIDs, management groups, enums, run ids and tokens by allow-list", () => {
    expect(guid("00000000-0000-0000-0000-0000000000AB", "s")).toBe("00000000-0000-0000-0000-0000000000ab");
    expect(problemOf(() => guid("' or true or '", "subscriptions")).parameter).toBe("subscriptions");
    expect(managementGroupId("mg-platform", "m")).toBe("mg-platform");
    expect(problemOf(() => managementGroupId("..", "m")).status).toBe(400);
    expect(problemOf(() => managementGroupId("a/b", "m")).status).toBe(400);
    expect(oneOf("critical", ["ok", "critical"], "severity")).toBe("critical");
    expect(problemOf(() => oneOf("CRITICAL", ["ok", "critical"], "severity")).parameter).toBe("severity");
    expect(runId("20261124T060000Z-timer")).toBe("20261124T060000Z-timer");
    expect(problemOf(() => runId("../../etc/passwd")).parameter).toBe("runId");
    expect(continuationToken("eyJwayI6IjEifQ")).toBe("eyJwayI6IjEifQ");
    expect(problemOf(() => continuationToken("' or true or '")).status).toBe(400);
    expect(problemOf(() => continuationToken("a".repeat(5000))).status).toBe(400);
  });

  it("checks dates for shape, calendar, year range and order", () => {
    expect(isoDate("2026-02-28", "asOf")).toBe("2026-02-28");
    for (const bad of ["2026-02-30", "26-01-01", "1999-12-31", "2101-01-01", "2026-1-1", "2026-01-01T00:00:00Z"]) {
      expect(problemOf(() => isoDate(bad, "asOf")).parameter).toBe("asOf");
    }
    expect(dateRange("2026-01-01", "2026-01-01")).toEqual({ from: "2026-01-01", to: "2026-01-01" });
    expect(problemOf(() => dateRange("2026-02-01", "2026-01-01")).parameter).toBe("from");
  });

  it("takes page sizes from 1 to 1000 only", () => {
    expect(pageSize(undefined)).toBeUndefined();
    expect(pageSize("1000")).toBe(1000);
    for (const bad of ["0", "-1", "100000", "1e3", "ten", " 5"]) expect(problemOf(() => pageSize(bad)).parameter).toBe("limit");
  });

  it("decodes a URL-encoded route parameter once", () => {
    expect(decodeRouteParam(encodeURIComponent(CLUSTER), "clusterId")).toBe(CLUSTER);
    expect(decodeRouteParam(CLUSTER, "clusterId")).toBe(CLUSTER);
    expect(problemOf(() => decodeRouteParam("%E0%A4%A", "clusterId")).status).toBe(400);
  });
});

describe("problems", () => {
  it("quotes caller input JSON-encoded, truncated and with markup and quote characters escaped", () => {
    const q = quote(`<script>alert('x')</script>${"a".repeat(100)}`);
    expect(q).not.toContain("<");
    expect(q).not.toContain("'");
    expect(q.length).toBeLessThan(120);
    expect(quote("a\u0000b")).toBe('"a\\u0000b"');
  });

  it("renders application/problem+json with the parameter", () => {
    const response = problemResponse(problemOf(() => guid("nope", "subscriptions")));
    expect(response.status).toBe(400);
    expect((response.headers as Record<string, string>)["content-type"]).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(response.body as string)).toMatchObject({ status: 400, parameter: "subscriptions", title: "Invalid parameter" });
  });
});

describe("auth", () => {
  const request = (header?: string): HttpRequest =>
    new HttpRequest({ method: "GET", url: "http://localhost/api/runs", headers: header ? { "x-ms-client-principal": header } : {} });

  it("reads roles from both claim types, never from role_typ", () => {
    expect(readPrincipal(request(principal([{ typ: "roles", val: "Audit.Read" }])))?.roles).toEqual(["Audit.Read"]);
    expect(
      readPrincipal(request(principal([{ typ: "http://schemas.microsoft.com/ws/2008/06/identity/claims/role", val: "Audit.Run" }])))?.roles,
    ).toEqual(["Audit.Run"]);
    expect(readPrincipal(request(principal([{ typ: "custom-role", val: "Audit.Read" }], { role_typ: "custom-role" })))?.roles).toEqual([]);
  });

  it("admits a caller without a principal unless roles are required", () => {
    expect(authorize(request(), ["Audit.Read"], false)).toBeNull();
    expect(problemOf(() => authorize(request(), ["Audit.Read"], true)).status).toBe(401);
  });

  it("answers 403 when the principal lacks the role, 401 when the header is garbage", () => {
    expect(problemOf(() => authorize(request(principal([{ typ: "roles", val: "Audit.Read" }])), ["Audit.Run"], false)).status).toBe(403);
    expect(problemOf(() => authorize(request("not base64!"), ["Audit.Read"], false)).status).toBe(401);
    expect(problemOf(() => authorize(request(Buffer.from("{").toString("base64")), ["Audit.Read"], false)).status).toBe(401);
  });
});

describe("body", () => {
  const post = (body: string, headers: Record<string, string> = { "content-type": "application/json" }): HttpRequest =>
    new HttpRequest({ method: "POST", url: "http://localhost/api/audits", body: { string: body }, headers });

  it("parses JSON objects and refuses unknown properties", async () => {
    expect(asObject(await readJsonBody(post('{"asOf":"2026-01-01"}')), ["asOf"])).toEqual({ asOf: "2026-01-01" });
    expect(asObject(undefined, ["asOf"])).toEqual({});
    expect(problemOf(() => asObject({ evil: 1 }, ["asOf"])).parameter).toBe("body");
    expect(problemOf(() => asObject([1], ["asOf"])).parameter).toBe("body");
  });

  it("answers 400 for invalid JSON, 415 for other media types, 413 past 64 KiB", async () => {
    expect((await asyncProblemOf(() => readJsonBody(post("{not json")))).status).toBe(400);
    expect((await asyncProblemOf(() => readJsonBody(post("{}", { "content-type": "text/plain" })))).status).toBe(415);
    expect((await asyncProblemOf(() => readJsonBody(post("{}", { "content-type": "application/json; charset=latin1" })))).status).toBe(415);
    expect((await asyncProblemOf(() => readJsonBody(post(`{"a":"${"x".repeat(70_000)}"}`)))).status).toBe(413);
    expect(
      (await asyncProblemOf(() => readJsonBody(post("{}", { "content-type": "application/json", "content-length": "999999" })))).status,
    ).toBe(413);
    expect(await readJsonBody(post("", {}))).toBeUndefined();
  });

  it("recognises JSON media types", () => {
    expect(isJsonContentType("application/json")).toBe(true);
    expect(isJsonContentType("application/merge-patch+json; charset=UTF-8")).toBe(true);
    expect(isJsonContentType("text/json")).toBe(false);
    expect(isJsonContentType(null)).toBe(false);
  });
});
