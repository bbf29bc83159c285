/**
 * Bad input over HTTP, table-driven, against the handlers with the shared harness. Each case must
 * answer a 4xx application/problem+json naming the parameter, echo nothing unescaped, and reach
 * neither Azure (the simulator's request count stays put) nor the store (every entity of every
 * table keeps its ETag). test/functions/errors.test.ts has one example per rule; this tries the
 * variants real callers and scanners send, and adds the isolation checks.
 */
import { TableServiceClient, TableClient } from "@azure/data-tables";
import type { HttpHandler, HttpResponseInit } from "@azure/functions";
import { beforeAll, describe, expect, it } from "vitest";
import { getAudit, startAudit } from "../../src/functions/audits.js";
import { clusterHistory } from "../../src/functions/clusterHistory.js";
import { fleet } from "../../src/functions/fleet.js";
import { runs } from "../../src/functions/runs.js";
import { sweep } from "../../src/functions/sweep.js";
import { verify } from "../../src/functions/verify.js";
import { historyRequest, invocation, request, timerAt, useFunctionsHarness, type RequestInit } from "../functions/harness.js";

const h = useFunctionsHarness({ clusters: 4 });
const GOOD_ID = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1";
const RUN = "20261110T060000Z-timer";
const JSON_TYPE = { "content-type": "application/json" };

/** What scanners and confused callers put in parameters to reach a Table filter. */
const INJECTIONS = [
  "' or true or '",
  "x' or PartitionKey ne 'x",
  "') or (RowKey ge '",
  "%27%20or%201%20eq%201",
  "$filter=PartitionKey eq 'runs'",
  "1 or 1 eq 1",
  "<script>alert(1)</script>",
  "aks1\r\nx-injected: 1",
];

// ------------------------------------------------------------------ isolation

let azureRequests = 0;
let storeState = "";

/**
 * Azurite's connection string, from the harness's own store: the harness keeps it private, and
 * Azurite's development account key is public (the same constant src/local/azurite.ts uses).
 */
async function azuriteConnection(): Promise<string> {
  const endpoint = (await h.ctx.store()).ledgerTable().url.replace(/\/+$/, "");
  const key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
  return `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};TableEndpoint=${endpoint};`;
}

/** Every entity of every table with this context's prefix, with its ETag: any write changes it. */
async function storeFingerprint(): Promise<string> {
  const conn = await azuriteConnection();
  const service = TableServiceClient.fromConnectionString(conn, { allowInsecureConnection: true });
  const lines: string[] = [];
  for await (const t of service.listTables()) {
    if (!t.name?.startsWith(h.ctx.config.tablePrefix)) continue;
    const table = TableClient.fromConnectionString(conn, t.name, { allowInsecureConnection: true });
    for await (const e of table.listEntities({ queryOptions: { select: ["PartitionKey", "RowKey"] } })) lines.push(`${t.name}|${e.partitionKey}|${e.rowKey}|${e.etag}`);
  }
  return lines.sort().join("\n");
}

async function baseline(): Promise<void> {
  await sweep(timerAt("2026-11-10T06:00:00Z"), invocation("sweep"));
  azureRequests = h.sim.stats.total;
  storeState = await storeFingerprint();
  expect(storeState.split("\n").length).toBeGreaterThan(10);
}

// ------------------------------------------------------------------ the cases

interface Case {
  name: string;
  call: () => Promise<HttpResponseInit>;
  status: number;
  parameter: string;
  /** Input that must not appear in the answer as sent. */
  raw?: string;
}

const call = (handler: HttpHandler, path: string, init: RequestInit = {}) => (): Promise<HttpResponseInit> =>
  handler(request(path, init), invocation("bad-input")) as Promise<HttpResponseInit>;
const query = (name: string, value: string): string => `?${new URLSearchParams({ [name]: value }).toString()}`;
const post = (body: string, headers: Record<string, string> = JSON_TYPE, roles?: string[]) => call(startAudit, "/api/audits", { method: "POST", body, headers, roles });
const history = (clusterId: string, q = "") => (): Promise<HttpResponseInit> => clusterHistory(historyRequest(clusterId, q), invocation("bad-input")) as Promise<HttpResponseInit>;
const show = (value: unknown): string => (JSON.stringify(value) ?? String(value)).slice(0, 48);

/** Every query parameter of every route, as a function of its value. */
const QUERY_PARAMETERS: { route: string; parameter: string; send: (value: string) => () => Promise<HttpResponseInit> }[] = [
  ...["from", "to", "limit", "continuationToken"].map((p) => ({ route: "GET /api/runs", parameter: p, send: (v: string) => call(runs, `/api/runs${query(p, v)}`) })),
  ...["asOf", "severity", "supportTier", "format"].map((p) => ({ route: "GET /api/fleet", parameter: p, send: (v: string) => call(fleet, `/api/fleet${query(p, v)}`) })),
  ...["from", "to", "limit", "continuationToken"].map((p) => ({ route: "GET /api/clusters/{id}/history", parameter: p, send: (v: string) => history(GOOD_ID, query(p, v)) })),
  { route: "GET /api/verify", parameter: "clusterId", send: (v: string) => call(verify, `/api/verify${query("clusterId", v)}`) },
  ...["format", "limit", "continuationToken"].map((p) => ({
    route: "GET /api/audits/{runId}",
    parameter: p,
    send: (v: string) => call(getAudit, `/api/audits/${RUN}${query(p, v)}`, { params: { runId: RUN } }),
  })),
];

/** Route parameters and body fields, likewise. */
const OTHER_PARAMETERS: { route: string; parameter: string; send: (value: string) => () => Promise<HttpResponseInit> }[] = [
  { route: "GET /api/clusters/{id}/history", parameter: "clusterId", send: (v: string) => history(v) },
  { route: "GET /api/audits/{runId}", parameter: "runId", send: (v: string) => call(getAudit, `/api/audits/${encodeURIComponent(v)}`, { params: { runId: v } }) },
  ...["subscriptions", "managementGroups", "clusterIds"].map((f) => ({ route: "POST /api/audits", parameter: `${f}[0]`, send: (v: string) => post(JSON.stringify({ [f]: [v] })) })),
  { route: "POST /api/audits", parameter: "asOf", send: (v: string) => post(JSON.stringify({ asOf: v })) },
];

const injectionCases: Case[] = [...QUERY_PARAMETERS, ...OTHER_PARAMETERS].flatMap(({ route, parameter, send }) =>
  INJECTIONS.map((raw) => ({ name: `${route}: ${parameter}=${show(raw)}`, call: send(raw), status: 400, parameter, raw })),
);

const MALFORMED_IDS = [
  "/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
  `${GOOD_ID}/`,
  `${GOOD_ID}/agentPools/np1`,
  GOOD_ID.replace("aks1", "-aks1"),
  GOOD_ID.replace("aks1", "a".repeat(64)),
  GOOD_ID.replace("/rg/", "/rg./"),
  GOOD_ID.replace("managedClusters", "m\u0430nagedClusters"), // Cyrillic а
  GOOD_ID.replace("Microsoft.ContainerService", "Microsoft.Compute"),
  GOOD_ID.slice(1), // no leading slash
  GOOD_ID.replace("/subscriptions/", "//subscriptions/"),
];
const MALFORMED_GUIDS = [
  "{00000000-0000-0000-0000-000000000001}",
  "00000000000000000000000000000001",
  "00000000-0000-0000-0000-00000000000g",
  "00000000-0000-0000-0000-0000000000001",
  " 00000000-0000-0000-0000-000000000001",
  "",
];
const idCases: Case[] = [
  ...MALFORMED_IDS.map((raw) => ({ name: `GET /api/verify: clusterId=${show(raw)}`, call: call(verify, `/api/verify${query("clusterId", raw)}`), status: 400, parameter: "clusterId" })),
  ...MALFORMED_IDS.map((raw) => ({ name: `POST /api/audits: clusterIds[0]=${show(raw)}`, call: post(JSON.stringify({ clusterIds: [raw] })), status: 400, parameter: "clusterIds[0]" })),
  ...MALFORMED_IDS.filter((id) => id.startsWith("/")).map((raw) => ({ name: `GET /api/clusters/${show(raw)}/history`, call: history(raw), status: 400, parameter: "clusterId" })),
  ...MALFORMED_GUIDS.map((raw) => ({ name: `POST /api/audits: subscriptions[0]=${show(raw)}`, call: post(JSON.stringify({ subscriptions: [raw] })), status: 400, parameter: "subscriptions[0]" })),
  { name: "POST /api/audits: subscriptions[1] is a number", call: post(JSON.stringify({ subscriptions: ["00000000-0000-0000-0000-000000000001", 7] })), status: 400, parameter: "subscriptions[1]" },
];

const traversalCases: Case[] = [
  ...["../../etc/passwd", "..\\..\\windows\\win.ini", "%2e%2e%2f%2e%2e%2fetc", "....//....//", "20261110T060000Z-timer/../../x"].map((raw) => ({
    name: `GET /api/audits/{runId}: runId=${show(raw)}`,
    call: call(getAudit, `/api/audits/${encodeURIComponent(raw)}`, { params: { runId: raw } }),
    status: 400,
    parameter: "runId",
  })),
  ...[`${GOOD_ID}/../../../../runs`, GOOD_ID.replace("/rg/", "/../"), `${GOOD_ID}/%2e%2e/%2e%2e`].map((raw) => ({ name: `GET /api/clusters/${show(raw)}/history`, call: history(raw), status: 400, parameter: "clusterId" })),
  ...["..", ".", "../root", "a/b"].map((raw) => ({ name: `POST /api/audits: managementGroups[0]=${show(raw)}`, call: post(JSON.stringify({ managementGroups: [raw] })), status: 400, parameter: "managementGroups[0]" })),
];

const BAD_DATES = ["0000-01-01", "1999-12-31", "2101-01-01", "9999-12-31", "2026-02-29", "2026-04-31", "2026-11-24T00:00:00Z", "2026/11/24", "24-11-2026", "2026-1-1", "20261124", "+02026-11-24", " 2026-11-24", "2026-11-24\n", "２０２６-11-24"];
const dateCases: Case[] = [
  ...BAD_DATES.flatMap((raw) => [
    { name: `GET /api/runs: from=${show(raw)}`, call: call(runs, `/api/runs${query("from", raw)}`), status: 400, parameter: "from" },
    { name: `GET /api/clusters/{id}/history: to=${show(raw)}`, call: history(GOOD_ID, query("to", raw)), status: 400, parameter: "to" },
    { name: `GET /api/fleet: asOf=${show(raw)}`, call: call(fleet, `/api/fleet${query("asOf", raw)}`), status: 400, parameter: "asOf" },
    { name: `POST /api/audits: asOf=${show(raw)}`, call: post(JSON.stringify({ asOf: raw })), status: 400, parameter: "asOf" },
  ]),
  { name: "POST /api/audits: asOf=null", call: post('{"asOf":null}'), status: 400, parameter: "asOf" },
  { name: "GET /api/runs: from after to", call: call(runs, "/api/runs?from=2026-11-24&to=2026-11-23"), status: 400, parameter: "from" },
];

const BAD_SIZES = ["-1", "0", "1001", "99999999999999999999", "1e3", "0x10", "1.0", " 10", "10 ", "+5", "", "NaN", "Infinity"];
const sizeCases: Case[] = BAD_SIZES.flatMap((raw) => [
  { name: `GET /api/runs: limit=${show(raw)}`, call: call(runs, `/api/runs${query("limit", raw)}`), status: 400, parameter: "limit" },
  { name: `GET /api/clusters/{id}/history: limit=${show(raw)}`, call: history(GOOD_ID, query("limit", raw)), status: 400, parameter: "limit" },
]);

const enumCases: Case[] = [
  ...["CRITICAL", "Critical", "critical ", "urgent", "ok,critical", "", "*"].map((raw) => ({ name: `GET /api/fleet: severity=${show(raw)}`, call: call(fleet, `/api/fleet${query("severity", raw)}`), status: 400, parameter: "severity" })),
  ...["AKS-MANAGED", "oss", "community", "aks_managed"].map((raw) => ({ name: `GET /api/fleet: supportTier=${show(raw)}`, call: call(fleet, `/api/fleet${query("supportTier", raw)}`), status: 400, parameter: "supportTier" })),
  ...["JSON", "yaml", "html", "csv;"].map((raw) => ({ name: `GET /api/fleet: format=${show(raw)}`, call: call(fleet, `/api/fleet${query("format", raw)}`), status: 400, parameter: "format" })),
];

const bodyCases: Case[] = [
  ...["<audit/>", "clusterIds=a", "{'asOf': '2026-11-24'}", "{\"asOf\":", "\u0000", "{\"asOf\":\"2026-11-24\"}}"].map((raw) => ({ name: `POST /api/audits: body ${show(raw)} is not JSON`, call: post(raw), status: 400, parameter: "body", raw })),
  ...["null", "42", "[]", "\"2026-11-24\"", `${"[".repeat(30_000)}${"]".repeat(30_000)}`].map((raw) => ({ name: `POST /api/audits: body ${show(raw)} is not an object`, call: post(raw), status: 400, parameter: "body" })),
  { name: "POST /api/audits: an unknown property", call: post('{"asOf":"2026-11-24","dryRun":true}'), status: 400, parameter: "body" },
  { name: "POST /api/audits: __proto__ as a property", call: post('{"__proto__":{"isAdmin":true}}'), status: 400, parameter: "body" },
  { name: "POST /api/audits: a duplicated key, the last one bad", call: post('{"asOf":"2026-11-24","asOf":"later"}'), status: 400, parameter: "asOf" },
  { name: "POST /api/audits: subscriptions is an object", call: post('{"subscriptions":{"0":"00000000-0000-0000-0000-000000000001"}}'), status: 400, parameter: "subscriptions" },
  { name: "POST /api/audits: invalid UTF-8", call: () => startAudit(request("/api/audits", { method: "POST", headers: JSON_TYPE, body: Buffer.from([0x7b, 0xff, 0x7d]).toString("latin1") }), invocation("bad-input")) as Promise<HttpResponseInit>, status: 400, parameter: "body" },
  { name: "POST /api/audits: 70 KB with its length declared", call: post(JSON.stringify({ clusterIds: ["x".repeat(70_000)] }), { ...JSON_TYPE, "content-length": "70020" }), status: 413, parameter: "body" },
  { name: "POST /api/audits: 70 KB without a declared length", call: post(JSON.stringify({ clusterIds: ["x".repeat(70_000)] })), status: 413, parameter: "body" },
  { name: "POST /api/audits: a declared length of 10 GB", call: post("{}", { ...JSON_TYPE, "content-length": "10000000000" }), status: 413, parameter: "body" },
  { name: "POST /api/audits: more cluster ids than HTTP_MAX_SCOPE_SIZE", call: post(JSON.stringify({ clusterIds: Array.from({ length: 6 }, (_, i) => GOOD_ID.replace("aks1", `aks${i}`)) })), status: 400, parameter: "clusterIds" },
];

const contentTypeCases: Case[] = [
  "text/plain",
  "application/xml",
  "multipart/form-data; boundary=x",
  "application/x-www-form-urlencoded",
  "application/json; charset=utf-16",
  "application/jsonp",
  "application/json, text/html",
  "text/json",
].map((type) => ({ name: `POST /api/audits: content-type ${type}`, call: post("{}", { "content-type": type }), status: 415, parameter: "content-type" }));

const principal = (value: unknown): string => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64");
const withPrincipal = (handler: HttpHandler, path: string, header: string, method = "GET") =>
  call(handler, path, { method, headers: { ...JSON_TYPE, "x-ms-client-principal": header }, body: method === "POST" ? "{}" : undefined });
const roleCases: Case[] = [
  { name: "POST /api/audits: an Audit.Read principal may not run an audit", call: post("{}", JSON_TYPE, ["Audit.Read"]), status: 403, parameter: "x-ms-client-principal" },
  { name: "POST /api/audits: a role in another case is not the role", call: post("{}", JSON_TYPE, ["audit.run"]), status: 403, parameter: "x-ms-client-principal" },
  { name: "POST /api/audits: the role as a group claim is not a role", call: withPrincipal(startAudit, "/api/audits", principal({ claims: [{ typ: "groups", val: "Audit.Run" }] }), "POST"), status: 403, parameter: "x-ms-client-principal" },
  { name: "GET /api/runs: an Audit.Run-only principal may not read history", call: call(runs, "/api/runs", { roles: ["Audit.Run"] }), status: 403, parameter: "x-ms-client-principal" },
  { name: "GET /api/fleet: a principal without roles", call: call(fleet, "/api/fleet", { roles: [] }), status: 403, parameter: "x-ms-client-principal" },
  ...[
    ["not base64", "!!!not-base64!!!"],
    ["base64 of text", principal("hello")],
    ["no claims", principal({ auth_typ: "aad" })],
    ["claims not a list", principal({ claims: { typ: "roles", val: "Audit.Run" } })],
    ["40 KB", "A".repeat(40_000)],
  ].map(([what, header]) => ({ name: `POST /api/audits: a client principal that is ${what}`, call: withPrincipal(startAudit, "/api/audits", header!, "POST"), status: 401, parameter: "x-ms-client-principal" })),
];

// ------------------------------------------------------------------ the checks

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  parameter?: string;
}

async function expectRefused(c: Case): Promise<void> {
  const response = await c.call();
  const headers = response.headers as Record<string, string>;
  const body = response.body as string;
  expect(response.status, body).toBe(c.status);
  expect(headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(headers["x-content-type-options"]).toBe("nosniff");
  const problem = JSON.parse(body) as Problem;
  expect(problem).toMatchObject({ status: c.status, parameter: c.parameter });
  expect(problem.type).toMatch(/^urn:aks-audit:problem:/);
  // Nothing unescaped: markup, quotes and control characters never come back as sent.
  expect(body).not.toMatch(/[<>'`\r\n]/);
  if (c.raw && /[<>'`\r\n]/.test(c.raw)) expect(body).not.toContain(c.raw);
  expect(body).not.toMatch(/\bat .+\.(ts|js):\d+/);
  // Neither Azure nor the store was reached.
  expect(h.sim.stats.total).toBe(azureRequests);
  expect(await storeFingerprint()).toBe(storeState);
}

const GROUPS: [string, Case[]][] = [
  ["OData injection strings in every parameter", injectionCases],
  ["malformed ARM ids and GUIDs", idCases],
  ["path traversal", traversalCases],
  ["dates out of range or in the wrong format", dateCases],
  ["negative, huge and non-numeric page sizes", sizeCases],
  ["unknown enum values", enumCases],
  ["non-JSON, wrongly shaped and oversized bodies", bodyCases],
  ["wrong content types", contentTypeCases],
  ["missing or wrong roles", roleCases],
];

describe("Bad HTTP input", () => {
  beforeAll(baseline);

  for (const [group, cases] of GROUPS) {
    describe(group, () => {
      for (const c of cases) it(`${c.name} → ${c.status} naming ${c.parameter}, nothing reached`, () => expectRefused(c));
    });
  }

  describe("no principal when roles are required", () => {
    beforeAll(async () => {
      await h.reset({ HTTP_REQUIRE_ROLES: "true", WEBSITE_AUTH_ENABLED: "True" });
      await baseline();
    });
    for (const [name, handler, path, method] of [
      ["POST /api/audits", startAudit, "/api/audits", "POST"],
      ["GET /api/runs", runs, "/api/runs", "GET"],
      ["GET /api/fleet", fleet, "/api/fleet", "GET"],
      ["GET /api/verify", verify, "/api/verify", "GET"],
    ] as const) {
      it(`${name} without a principal → 401 naming x-ms-client-principal, nothing reached`, () =>
        expectRefused({ name, call: call(handler, path, { method, headers: JSON_TYPE, body: method === "POST" ? "{}" : undefined }), status: 401, parameter: "x-ms-client-principal" }));
    }
  });
});
