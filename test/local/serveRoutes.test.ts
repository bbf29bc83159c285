/** The host's route matching as `aks-audit serve` reproduces it, on the templates the app registers. */
import { describe, expect, it } from "vitest";
import { compileRoute, matchRoute, sortRoutes } from "../../src/local/serve/routes.js";

const handler = async () => ({ status: 200 });
const routes = sortRoutes(
  [
    { name: "getAudit", route: "audits/{runId}", methods: ["GET"] },
    { name: "latest", route: "audits/latest", methods: ["GET"] },
    { name: "clusterHistory", route: "clusters/{*clusterPath}", methods: ["GET"] },
    { name: "typed", route: "items/{id:int}", methods: ["GET", "POST"] },
  ].map(({ name, route, methods }) => compileRoute({ name, options: { route, methods: methods as never, authLevel: "function", handler } })),
);

describe("serve's route matching", () => {
  it("a literal segment wins over a parameter, whichever was registered first", () => {
    expect(matchRoute(routes, "/api/audits/latest", "GET")).toMatchObject({ kind: "found", route: { registration: { name: "latest" } } });
    expect(matchRoute(routes, "/api/audits/20261124T060000Z-timer", "GET")).toMatchObject({ kind: "found", params: { runId: "20261124T060000Z-timer" } });
  });

  it("literal segments and the prefix match without regard to case; parameters arrive decoded once", () => {
    expect(matchRoute(routes, "/API/Audits/a%20b", "get")).toMatchObject({ kind: "found", params: { runId: "a b" } });
  });

  it("a catch-all keeps the rest of the path, slashes and all, and an encoded id stays one value", () => {
    const id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c";
    expect(matchRoute(routes, `/api/clusters/${encodeURIComponent(id)}/history`, "GET")).toMatchObject({ params: { clusterPath: `${id}/history` } });
    expect(matchRoute(routes, "/api/clusters", "GET")).toMatchObject({ kind: "found", params: { clusterPath: "" } });
  });

  it("a constraint in the template does not stop the match; extra segments and other prefixes are 404", () => {
    expect(matchRoute(routes, "/api/items/7", "POST")).toMatchObject({ kind: "found", params: { id: "7" } });
    expect(matchRoute(routes, "/api/audits/a/b", "GET")).toEqual({ kind: "not-found" });
    expect(matchRoute(routes, "/audits/a", "GET")).toEqual({ kind: "not-found" });
  });

  it("a path that matches with another method is 405 naming the methods it takes", () => {
    expect(matchRoute(routes, "/api/items/7", "DELETE")).toEqual({ kind: "method-not-allowed", allow: ["GET", "POST"] });
  });
});
