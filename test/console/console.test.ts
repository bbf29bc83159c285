/// <reference lib="dom" />
/**
 * The auditors' console in a real browser (Debian's Chromium through playwright-core), against
 * `aks-audit serve` over a local store holding the demo's weekly runs. Screenshots of each view go
 * to test-results/console/ at 1280 and 390 px wide.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { startServing, type ServingConsole } from "../../src/cli/serveCommand.js";
import { loadConfig } from "../../src/config.js";
import { skipNote } from "../helpers/reference.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available) skipNote("CHROMIUM_PATH", "the console's browser tests");
const SHOTS = path.resolve("test-results/console");
const MARKUP = "<img src=x onerror=alert(1)>";
const AS_OF = "2026-11-24";

let home = "";
let browser: Browser;
let serving: ServingConsole;

beforeAll(async () => {
  if (!available) return;
  home = mkdtempSync(path.join(tmpdir(), "aks-audit-console-"));
  mkdirSync(SHOTS, { recursive: true });
  // 100 clusters: the simulator's fleet then holds the cluster named (and tagged) as markup.
  const quiet = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const quietErr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    expect(await main(["demo", "--clusters", "100", "--weeks", "4", "--as-of", AS_OF, "--quiet"], { AKS_AUDIT_HOME: home })).toBe(0);
  } finally {
    quiet.mockRestore();
    quietErr.mockRestore();
  }
  serving = await startServing({ port: 0, host: null }, loadConfig({ AKS_AUDIT_HOME: home }));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await serving?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

interface Watched {
  page: Page;
  dialogs: string[];
  errors: string[];
}

async function open(hash: string, width = 1280, url = serving.url): Promise<Watched> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const watched: Watched = { page, dialogs: [], errors: [] };
  page.on("dialog", (dialog) => {
    watched.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("pageerror", (error) => watched.errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") watched.errors.push(message.text());
  });
  await page.goto(`${url}${hash}`);
  await page.waitForFunction(() => !/^Loading/.test(document.getElementById("status")?.textContent ?? "Loading"));
  return watched;
}

/** The whole page when it is short; a long fleet table is shot as the first screenful (a full shot of it takes seconds). */
async function shoot(page: Page, name: string): Promise<void> {
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.screenshot({ path: path.join(SHOTS, `${name}-${page.viewportSize()!.width}.png`), fullPage: height < 6000 });
}

async function api<T>(pathAndQuery: string): Promise<T> {
  const response = await fetch(`${serving.origin}/api/${pathAndQuery}`, { headers: { "x-functions-key": serving.key } });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

describe.skipIf(!available)("the auditors' console in Chromium", () => {
  it("lists the demo's runs, newest first, with counts by severity", async () => {
    for (const width of [1280, 390]) {
      const { page, errors, dialogs } = await open("#/runs", width);
      const rows = page.locator("tbody tr");
      await expect.poll(() => rows.count()).toBe(4);
      expect(await rows.locator("td:nth-child(2)").allTextContents()).toEqual(["2026-11-24", "2026-11-17", "2026-11-10", "2026-11-03"]);
      expect(await page.locator("thead th").allTextContents()).toContain("Critical");
      // The demo's weeks are simulated dates, and the list says the dates were chosen.
      expect(new Set(await rows.locator("td:nth-child(13)").allTextContents())).toEqual(new Set(["chosen date"]));
      await shoot(page, "runs");
      expect(errors).toEqual([]);
      expect(dialogs).toEqual([]);
      if (width === 1280) {
        // The evidence bundle (GET /api/runs/{runId}/evidence) is saved as a file where the app serves it,
        // and the status line says so either way; the page itself does not fail.
        await rows.first().getByRole("button", { name: "Download" }).click();
        await expect.poll(async () => (await page.locator("#status").textContent()) ?? "").toMatch(/^(Evidence bundle of \S+ saved|No evidence bundle for \S+: 404: )/);
      }
      await page.close();
    }
  });

  it("filtering the fleet by severity changes the rows and the counts", async () => {
    const { page, errors } = await open(`#/fleet?asOf=${AS_OF}`);
    const counts = async () => (await page.getByTestId("counts").textContent()) ?? "";
    const all = await page.locator("tbody tr").count();
    expect(await counts()).toMatch(/warning \d+/);
    await shoot(page, "fleet");
    await page.getByLabel("Severity").selectOption("critical");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForFunction(() => location.hash.includes("severity=critical"));
    await expect.poll(async () => (await counts()).includes("warning 0")).toBe(true);
    const critical = await page.locator("tbody tr").count();
    expect(critical).toBeGreaterThan(0);
    expect(critical).toBeLessThan(all);
    expect(new Set(await page.locator("tbody td:nth-child(8)").allTextContents())).toEqual(new Set(["critical"]));
    expect(await counts()).toContain(`${critical} integrations`);
    // The export is the view as filtered: a header and one line per row shown.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
    const csv = await readFile((await download.path())!, "utf8");
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("cluster,clusterId,subscription,resourceGroup,kubernetes,kind,integration,version,tier,drift,severity,deadline,deadlineKind,daysLeft,tags");
    expect(lines).toHaveLength(critical + 1);
    await shoot(page, "fleet-critical");
    await page.setViewportSize({ width: 390, height: 900 });
    await shoot(page, "fleet-critical");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("filtering by subscription and resource group counts the whole run on the server", async () => {
    const fleet = await api<{ clusters: { id: string; subscriptionId: string; resourceGroup: string }[] }>(`fleet?asOf=${AS_OF}&limit=200`);
    const subscription = fleet.clusters[fleet.clusters.length - 1]!.subscriptionId;
    const inSub = fleet.clusters.filter((c) => c.subscriptionId === subscription);
    expect(inSub.length).toBeLessThan(fleet.clusters.length);
    const { page, errors } = await open(`#/fleet?asOf=${AS_OF}`);
    await page.getByLabel("Subscription (GUID)").fill(subscription);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForFunction(() => location.hash.includes("subscription="));
    await expect.poll(async () => (await page.getByTestId("counts").textContent()) ?? "").toMatch(new RegExp(`^${inSub.length} clusters`));
    expect(new Set(await page.locator("tbody td:nth-child(2)").allTextContents())).toEqual(new Set([subscription]));
    expect(await page.getByTestId("counts").textContent()).toContain("in the whole run as filtered");
    const group = inSub[0]!.resourceGroup;
    await page.getByLabel("Resource group").fill(group);
    await page.getByRole("button", { name: "Apply" }).click();
    const both = inSub.filter((c) => c.resourceGroup.toLowerCase() === group.toLowerCase()).length;
    await expect.poll(async () => (await page.getByTestId("counts").textContent()) ?? "").toMatch(new RegExp(`^${both} clusters`));
    expect(new Set(await page.locator("tbody td:nth-child(3)").allTextContents())).toEqual(new Set([group]));
    await shoot(page, "fleet-subscription");
    expect(errors).toEqual([]);
    // A filter the API refuses is named, and the form stays to correct it. (Chromium logs the refused
    // requests themselves as console errors; nothing else may appear.)
    await page.goto(`${serving.url}#/fleet?asOf=${AS_OF}&resourceGroup=${encodeURIComponent("a/b")}`);
    await expect.poll(async () => (await page.getByRole("alert").textContent()) ?? "").toContain("400: resourceGroup");
    expect(await page.getByLabel("Resource group").inputValue()).toBe("a/b");
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    await page.close();
  });

  it("counts speak for the whole run while only some pages are loaded, and Load more fetches the next", async () => {
    const { page, errors } = await open(`#/fleet?asOf=${AS_OF}&limit=30`);
    const caption = async () => (await page.locator("caption").first().textContent()) ?? "";
    expect(await page.getByTestId("counts").textContent()).toMatch(/^100 clusters/);
    expect(await caption()).toContain("30 of 100 clusters loaded");
    await page.getByRole("button", { name: "Load more clusters" }).click();
    await expect.poll(caption).toContain("60 of 100 clusters loaded");
    expect(await page.getByTestId("counts").textContent()).toMatch(/^100 clusters/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a cluster page shows what changed between two snapshots, and its chain is verified", async () => {
    const fleet = await api<{ clusters: { id: string }[] }>(`fleet?asOf=${AS_OF}&limit=200`);
    let changedId: string | null = null;
    for (const { id } of fleet.clusters) {
      const history = await api<{ changes: unknown[] }>(`clusters/${encodeURIComponent(id)}/history`);
      if (history.changes.length > 0) {
        changedId = id;
        break;
      }
    }
    expect(changedId, "the demo's fleet changes between weeks").not.toBeNull();
    for (const width of [1280, 390]) {
      const { page, errors } = await open(`#/cluster?id=${encodeURIComponent(changedId!)}`, width);
      const changes = page.getByTestId("changes");
      await expect.poll(() => changes.locator("li").count()).toBeGreaterThan(0);
      expect(await changes.locator("h4").first().textContent()).toMatch(/^\d{4}-\d{2}-\d{2} → \d{4}-\d{2}-\d{2}$/);
      expect(await page.getByTestId("verify").textContent()).toMatch(/^Chain intact: 4 snapshots re-hashed/);
      await shoot(page, "cluster");
      expect(errors).toEqual([]);
      await page.close();
    }
  });

  it("a cluster tag and a cluster name holding markup are shown as text and run no script", async () => {
    const fleet = await api<{ clusters: { id: string; name: string; tags?: Record<string, string> }[] }>(`fleet?asOf=${AS_OF}&limit=200`);
    const tagged = fleet.clusters.find((c) => c.tags?.note === MARKUP);
    expect(tagged).toBeDefined();
    const cluster = await open(`#/cluster?id=${encodeURIComponent(tagged!.id)}`);
    expect(await cluster.page.locator("h2").first().textContent()).toBe(`Cluster ${tagged!.name}`);
    expect(await cluster.page.getByTestId("tags").textContent()).toContain(`note=${MARKUP}`);
    await shoot(cluster.page, "cluster-markup-tag");
    // The text filter searches names and tags: both the tagged cluster and the one named as markup.
    const list = await open(`#/fleet?asOf=${AS_OF}&q=${encodeURIComponent("onerror")}`);
    await expect.poll(() => list.page.locator("tbody tr").count()).toBeGreaterThan(0);
    expect(new Set(await list.page.locator("tbody td:nth-child(1)").allTextContents())).toEqual(new Set([MARKUP, tagged!.name]));
    for (const { page, dialogs, errors } of [cluster, list]) {
      await page.waitForTimeout(300);
      expect(await page.locator("main img").count()).toBe(0);
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    }
  });

  it("deadlines ahead: 26 weekly bars of clusters, each a link to the fleet filtered to its week", async () => {
    const { page, errors } = await open(`#/deadlines?asOf=${AS_OF}`);
    const bars = page.locator("svg a");
    expect(await bars.count()).toBe(26);
    await shoot(page, "deadlines");
    await page.goto(`${serving.url}#/deadlines?asOf=${AS_OF}`);
    const busy = page.locator("tbody tr").filter({ hasNot: page.locator("td:nth-child(5) a:text-is('0')") }).first();
    const week = Number(await busy.locator("td:nth-child(5) a").textContent());
    expect(week).toBeGreaterThan(0);
    const link = busy.locator("td:nth-child(5) a");
    await link.focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => location.hash.startsWith("#/fleet") && !/^Loading/.test(document.getElementById("status")?.textContent ?? ""));
    // The bar counts clusters; the fleet view filtered (by the server) to that week holds exactly those.
    expect(await page.getByTestId("counts").textContent()).toMatch(new RegExp(`^${week} clusters`));
    const shown = new Set(await page.locator("tbody td:nth-child(1) a").evaluateAll((links) => links.map((a) => a.getAttribute("href"))));
    expect(shown.size).toBe(week);
    await shoot(page, "deadlines-week");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("without the key the data is refused and the page says how to get in", async () => {
    expect((await fetch(`${serving.origin}/api/runs`)).status).toBe(401);
    expect((await fetch(`${serving.origin}/api/runs?code=not-the-key`)).status).toBe(401);
    const { page, dialogs } = await open("#/runs", 1280, `${serving.origin}/api/console`);
    expect(await page.getByRole("alert").textContent()).toContain("function key is missing or wrong");
    expect(await page.locator("tbody tr").count()).toBe(0);
    expect(dialogs).toEqual([]);
    await shoot(page, "no-key");
    await page.close();
  });

  it("serves the page with a Content-Security-Policy that allows no inline script and nothing from elsewhere", async () => {
    const response = await fetch(`${serving.origin}/api/console`);
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("default-src 'none'");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect((await fetch(`${serving.origin}/api/console/..%2Fconsole.ts`)).status).toBe(404);
  });
});
