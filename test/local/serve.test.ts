/**
 * `aks-audit serve` over real HTTP: the Functions app's registered handlers behind a Node server,
 * with the host's routing (templates, catch-alls, 404/405) and its function-key check.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweep } from "../../src/functions/sweep.js";
import { captureHttpRegistrations, KEY_FILE, loadOrCreateKey, startServe, type RunningServer } from "../../src/local/serve/index.js";
import { clusterIds, invocation, timerAt, useFunctionsHarness } from "../functions/harness.js";

const h = useFunctionsHarness({ clusters: 4 });
let server: RunningServer;
let key: string;
let home: string;

beforeAll(async () => {
  await sweep(timerAt("2026-11-10T06:00:00Z"), invocation("sweep"));
  await sweep(timerAt("2026-11-17T06:00:00Z"), invocation("sweep"));
  home = await mkdtemp(path.join(tmpdir(), "aks-audit-serve-"));
  key = await loadOrCreateKey(home);
  server = await startServe({ registrations: await captureHttpRegistrations(), key, port: 0, host: "127.0.0.1", log: () => {} });
});
afterAll(async () => {
  await server?.close();
  await rm(home, { recursive: true, force: true });
});

const get = (pathAndQuery: string, init: RequestInit = {}) => fetch(`${server.origin}${pathAndQuery}`, init);

describe("aks-audit serve", () => {
  it("keeps one key under AKS_AUDIT_HOME, readable by the owner only, across restarts", async () => {
    expect(await loadOrCreateKey(home)).toBe(key);
    expect((await readFile(path.join(home, KEY_FILE), "utf8")).trim()).toBe(key);
    expect((await stat(path.join(home, KEY_FILE))).mode & 0o077).toBe(0);
  });

  it("refuses a data route without the key, or with a wrong one, and answers with it in the header or the query", async () => {
    expect((await get("/api/runs")).status).toBe(401);
    expect((await get("/api/runs?code=wrong")).status).toBe(401);
    const byQuery = await get(`/api/runs?code=${key}`);
    expect(byQuery.status).toBe(200);
    const body = (await byQuery.json()) as { items: { runId: string }[] };
    expect(body.items.map((r) => r.runId)).toEqual(["20261117T060000Z-timer", "20261110T060000Z-timer"]);
    expect((await get("/api/runs", { headers: { "x-functions-key": key } })).status).toBe(200);
  });

  it("maps templates and catch-alls as the host does: a cluster's history by its encoded ARM id", async () => {
    const id = clusterIds(h.sim)[0]!;
    const response = await get(`/api/clusters/${encodeURIComponent(id)}/history?code=${key}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { snapshots: unknown[] };
    expect(body.snapshots).toHaveLength(2);
    const run = await get(`/api/audits/20261110T060000Z-timer?code=${key}`);
    expect(run.status).toBe(200);
  });

  it("answers 404 off the routes and 405 with Allow for a method the route does not take, as problem+json", async () => {
    const missing = await get(`/api/nothing-here?code=${key}`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
    expect((await get(`/runs?code=${key}`)).status).toBe(404);
    const wrong = await get(`/api/runs?code=${key}`, { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
  });

  it("passes bad input to the handler, whose problem names the parameter", async () => {
    const response = await get(`/api/fleet?severity=dire&code=${key}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { parameter: string }).parameter).toBe("severity");
  });
});

describe("the aks-audit serve command", () => {
  it("prints exactly one line with the console URL and key, serves it, and stops cleanly on Ctrl-C", async () => {
    const { spawn } = await import("node:child_process");
    const bin = path.resolve("dist/src/cli/bin.js");
    const serveHome = await mkdtemp(path.join(tmpdir(), "aks-audit-serve-cli-"));
    const child = spawn(process.execPath, [bin, "serve", "--port", "0"], { env: { ...process.env, AKS_AUDIT_HOME: serveHome }, stdio: ["ignore", "pipe", "pipe"] });
    try {
      let out = "";
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("\n")) resolve(out);
        });
        child.once("exit", (code) => reject(new Error(`serve exited ${code} before printing its URL`)));
      });
      const match = /^console: (http:\/\/127\.0\.0\.1:\d+)\/api\/console\?code=([A-Za-z0-9_-]+)\n$/.exec(line);
      expect(match, line).not.toBeNull();
      const [, origin, printedKey] = match!;
      expect(printedKey).toBe((await readFile(path.join(serveHome, KEY_FILE), "utf8")).trim());
      const page = await fetch(`${origin}/api/console?code=${printedKey}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("<title>AKS audit console</title>");
      expect((await fetch(`${origin}/api/runs`)).status).toBe(401);
      expect((await fetch(`${origin}/api/runs?code=${printedKey}`)).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(out).toBe(line);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await rm(serveHome, { recursive: true, force: true });
    }
  }, 60_000);
});
