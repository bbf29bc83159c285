/**
 * What the Functions host would load, checked without the host (its install downloads a binary,
 * which this machine and CI cannot fetch): package.json's `main` is imported as the worker imports
 * it, every registration is captured, and each is checked against host.json, the settings and the
 * infrastructure that deploys them.
 */
import { existsSync, readFileSync } from "node:fs";
import type { HttpFunctionOptions } from "@azure/functions";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig, SETTINGS } from "../../src/config.js";

const registered = vi.hoisted(() => ({
  http: [] as { name: string; options: HttpFunctionOptions }[],
  timer: [] as { name: string; options: { schedule: string; runOnStartup?: boolean; handler: unknown } }[],
  queue: [] as { name: string; options: { queueName: string; connection: string; handler: unknown } }[],
}));

vi.mock("@azure/functions", async (importOriginal) => {
  const real = await importOriginal<typeof import("@azure/functions")>();
  return {
    ...real,
    app: {
      ...real.app,
      http: (name: string, options: HttpFunctionOptions) => registered.http.push({ name, options }),
      timer: (name: string, options: (typeof registered.timer)[number]["options"]) => registered.timer.push({ name, options }),
      storageQueue: (name: string, options: (typeof registered.queue)[number]["options"]) => registered.queue.push({ name, options }),
    },
  };
});

const root = new URL("../../", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { main: string; type: string };
const hostJson = JSON.parse(readFileSync(new URL("host.json", root), "utf8")) as Record<string, any>;
const functionBicep = readFileSync(new URL("infra/app/function.bicep", root), "utf8");
/** package.json's main is tsc's output of this source file (outDir dist, rootDir the project). */
const mainSource = pkg.main.replace(/^dist\//, "").replace(/\.js$/, ".ts");

beforeAll(async () => {
  await import(/* @vite-ignore */ new URL(mainSource, root).href);
});

describe("the Functions app as the host loads it", () => {
  it("package.json main is the compiled entry point, an ES module of the v4 programming model", () => {
    expect(pkg.type).toBe("module");
    expect(mainSource).toBe("src/functions/index.ts");
    expect(existsSync(new URL(mainSource, root))).toBe(true);
    expect(existsSync(new URL(pkg.main, root)), "npm ci builds dist through prepare").toBe(true);
    expect(hostJson.version).toBe("2.0");
    expect(hostJson.extensionBundle.id).toBe("Microsoft.Azure.Functions.ExtensionBundle");
    expect(hostJson.extensionBundle.version).toMatch(/^\[4\./);
  });

  it("registers each function once under a name the host accepts", () => {
    const names = [...registered.http, ...registered.timer, ...registered.queue].map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[A-Za-z][A-Za-z0-9_-]{0,127}$/);
    expect(registered.timer.map((t) => t.name).sort()).toEqual(["sweep", "weeklyDigest"]);
    expect(registered.queue.map((q) => q.name).sort()).toEqual(["auditWorker", "scanCluster", "scanClusterPoison"]);
  });

  it("HTTP routes sit under the host's /api prefix, with function-level keys (the console's static page aside) and every method routed to the handler", () => {
    expect(hostJson.extensions?.http?.routePrefix ?? "api").toBe("api");
    expect(registered.http.length).toBeGreaterThan(5);
    for (const { name, options } of registered.http) {
      expect(options.route, name).toBeDefined();
      expect(options.route!, name).not.toMatch(/^\/|^api\//);
      // The console's page and assets load in a browser without a key; its data calls carry one.
      expect(options.authLevel, name).toBe(name === "console" ? "anonymous" : "function");
      expect(typeof options.handler, name).toBe("function");
      // Wrong methods must reach the handler (405 with Allow), not the host's 404.
      expect([...(options.methods ?? [])].sort(), name).toEqual(["DELETE", "GET", "PATCH", "POST", "PUT"]);
    }
    const routes = registered.http.map((r) => r.options.route!);
    expect(new Set(routes).size).toBe(routes.length);
  });

  it("timer schedules are %SETTING% references that resolve to valid NCRONTAB, from defaults and from infra", () => {
    const byName = Object.fromEntries(registered.timer.map((t) => [t.name, t.options]));
    expect(byName.sweep!.schedule).toBe("%SWEEP_SCHEDULE%");
    expect(byName.weeklyDigest!.schedule).toBe("%DIGEST_SCHEDULE%");
    for (const { name, options } of registered.timer) {
      expect(options.runOnStartup ?? false, name).toBe(false); // never a sweep at every cold start
      const setting = /^%(\w+)%$/.exec(options.schedule)![1]!;
      expect(SETTINGS, setting).toHaveProperty(setting);
      expect(functionBicep, `${setting} is deployed as an app setting`).toMatch(new RegExp(`\\b${setting}:`));
    }
    // The defaults load, and a broken schedule stops the start naming the setting.
    expect(loadConfig({}).schedules).toEqual({ sweep: "0 0 6 * * *", digest: "0 0 7 * * Mon" });
    expect(() => loadConfig({ SWEEP_SCHEDULE: "every monday" })).toThrow(/SWEEP_SCHEDULE/);
  });

  it("queues have names Azure Storage accepts and bind the host storage connection the infra deploys", () => {
    for (const { name, options } of registered.queue) {
      expect(options.queueName, name).toMatch(/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
      expect(options.connection, name).toBe("AzureWebJobsStorage");
      expect(typeof options.handler, name).toBe("function");
    }
    // Identity-based connection: the host reads AzureWebJobsStorage__accountName (+ credential) in Azure.
    expect(functionBicep).toMatch(/AzureWebJobsStorage__accountName:/);
    expect(functionBicep).toMatch(/AzureWebJobsStorage__credential: 'managedidentity'/);
    expect(SETTINGS).toHaveProperty("AzureWebJobsStorage");
    expect(SETTINGS).toHaveProperty("AzureWebJobsStorage__accountName");
  });
});
