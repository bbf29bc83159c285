/**
 * The OpenAPI document against what is actually registered: every route and method the handlers
 * answer is documented (and nothing else is), wrong methods get 405 with the documented Allow list,
 * and each operation's x-required-roles is what the handler enforces.
 */
import type { HttpFunctionOptions, HttpHandler } from "@azure/functions";
import { HttpRequest, InvocationContext } from "@azure/functions";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { useFunctionsHarness } from "./harness.js";

const registered = vi.hoisted(() => ({
  http: [] as { name: string; options: HttpFunctionOptions }[],
  timer: [] as { name: string; options: { schedule: string } }[],
  queue: [] as { name: string; options: { queueName: string } }[],
}));

vi.mock("@azure/functions", async (importOriginal) => {
  const real = await importOriginal<typeof import("@azure/functions")>();
  return {
    ...real,
    app: {
      ...real.app,
      http: (name: string, options: HttpFunctionOptions) => registered.http.push({ name, options }),
      timer: (name: string, options: { schedule: string }) => registered.timer.push({ name, options }),
      storageQueue: (name: string, options: { queueName: string }) => registered.queue.push({ name, options }),
    },
  };
});

type Operation = { "x-required-roles": string[]; parameters?: { name: string; in: string }[] };
type Doc = { paths: Record<string, Record<string, Operation>> };

let doc: Doc;

// A real store (Azurite) and fleet (simulator) behind the handlers, so an accepted call is answered,
// not failed: a 5xx here is a bug, never "accepted".
useFunctionsHarness({ clusters: 2 });

/** The API: every keyed route. The console's page and assets (anonymous, static) are not part of it. */
const api = () => registered.http.filter((r) => r.options.authLevel !== "anonymous");

beforeAll(async () => {
  await import("../../src/functions/index.js");
  doc = (await import("../../src/http/openapi.js")).openApiDocument() as unknown as Doc;
});

const CLUSTER = encodeURIComponent("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1");
const SAMPLE_PARAMS: Record<string, string> = {
  runId: "20261124T060000Z-timer",
  clusterPath: `${CLUSTER}/history`,
};

/**
 * The history route is registered as a catch-all (deployed front ends decode %2F before routing; see
 * src/functions/clusterHistory.ts) and documented as the path callers use.
 */
const DOCUMENTED_AS: Record<string, string> = { "clusters/{*clusterPath}": "clusters/{clusterId}/history" };
const documentedPath = (route: string): string => `/${DOCUMENTED_AS[route] ?? route}`;

function call(handler: HttpHandler, route: string, method: string, roles: string[]): ReturnType<HttpHandler> {
  const params = Object.fromEntries([...route.matchAll(/\{\*?(\w+)\}/g)].map((m) => [m[1]!, SAMPLE_PARAMS[m[1]!]!]));
  const path = route.replace(/\{\*?(\w+)\}/g, (_, p: string) => SAMPLE_PARAMS[p]!);
  const principal = Buffer.from(JSON.stringify({ auth_typ: "aad", claims: roles.map((val) => ({ typ: "roles", val })) })).toString("base64");
  const request = new HttpRequest({
    method,
    url: `http://localhost/api/${path}`,
    params,
    headers: { "x-ms-client-principal": principal, "content-type": "application/json" },
    body: method === "GET" ? undefined : { string: "{}" },
  });
  return handler(request, new InvocationContext({ functionName: "openapi-test", logHandler: () => undefined }));
}

describe("OpenAPI document", () => {
  it("documents exactly the registered routes, with matching path parameters", () => {
    const routes = api().map((r) => documentedPath(r.options.route!)).sort();
    expect(routes).toEqual(Object.keys(doc.paths).sort());
    for (const { options } of api()) {
      const path = documentedPath(options.route!);
      const templateParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const op of Object.values(doc.paths[path]!)) {
        const docParams = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name).sort();
        expect(docParams).toEqual(templateParams);
      }
    }
  });

  it("uses function keys on every HTTP route but the console's static page", () => {
    expect(api().length).toBeGreaterThan(0);
    for (const { name, options } of api()) expect(options.authLevel, name).toBe("function");
    expect(registered.http.filter((r) => r.options.authLevel === "anonymous").map((r) => r.options.route)).toEqual(["console/{*asset}"]);
  });

  it("answers 405 with the documented Allow list for every undocumented method, and accepts the documented ones", async () => {
    for (const { name, options } of api()) {
      const documented = Object.keys(doc.paths[documentedPath(options.route!)]!).map((m) => m.toUpperCase());
      for (const method of options.methods ?? []) {
        const response = await call(options.handler, options.route!, method, ["Audit.Read", "Audit.Run"]);
        if (documented.includes(method)) {
          // Accepted: answered by the handler itself (2xx, or a 4xx about the sample's content), never 405/403/5xx.
          expect(response.status, `${name} ${method}`).toBeLessThan(500);
          expect([403, 405], `${name} ${method}`).not.toContain(response.status);
        } else {
          expect(response.status, `${name} ${method}`).toBe(405);
          expect((response.headers as Record<string, string>).allow).toBe(documented.join(", "));
        }
      }
    }
  });

  it("enforces exactly the roles each operation documents", async () => {
    for (const { name, options } of api()) {
      for (const [method, op] of Object.entries(doc.paths[documentedPath(options.route!)]!)) {
        const roles = op["x-required-roles"];
        const without = await call(options.handler, options.route!, method.toUpperCase(), []);
        if (roles.length > 0) expect(without.status, `${name} ${method} without roles`).toBe(403);
        else expect(without.status, `${name} ${method} without roles`).toBeLessThan(400);
        for (const role of roles) {
          const withRole = await call(options.handler, options.route!, method.toUpperCase(), [role]);
          expect(withRole.status, `${name} ${method} with ${role}`).toBeLessThan(500);
          expect(withRole.status, `${name} ${method} with ${role}`).not.toBe(403);
        }
      }
    }
  });

  it("registers the timers on their schedule settings and the queue workers on their queues", () => {
    expect(registered.timer.map((t) => [t.name, t.options.schedule]).sort()).toEqual([
      ["sweep", "%SWEEP_SCHEDULE%"],
      ["weeklyDigest", "%DIGEST_SCHEDULE%"],
    ]);
    expect(registered.queue.map((q) => [q.name, q.options.queueName])).toEqual([
      ["auditWorker", "aksaudit-requests"],
      ["scanCluster", "aksaudit-oss-scan"],
      ["scanClusterPoison", "aksaudit-oss-scan-poison"],
    ]);
  });
});
