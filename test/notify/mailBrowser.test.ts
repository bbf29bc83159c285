/// <reference lib="dom" />
/**
 * The digest and an alert as a reader sees them: rendered in headless Chromium at 600 px (a phone
 * or a narrow reading pane), in the light and the dark scheme, with console links on as in Azure.
 * Screenshots go to test-results/mail/ (gitignored, beside the console's test-results/console/) for
 * a person to look at; the assertions are what a reader would notice.
 * Skips with one line when there is no Chromium at CHROMIUM_PATH (default /usr/bin/chromium).
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDigests, renderAlertMail } from "../../src/core/digest.js";
import { causeAlertsByRecipient } from "../../src/core/alerts.js";
import { routeClusters, type Recipients } from "../../src/core/routing.js";
import { simulatedReport } from "../helpers/simulatedReport.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available) console.log(`skipped: mail rendering in Chromium (no Chromium at ${CHROMIUM}; set CHROMIUM_PATH)`);

const ASOF = "2026-10-15";
const PLATFORM = "platform@example.com";
const everyone: Recipients = { defaults: [PLATFORM], bySubscription: {}, tagName: "owner" };
const SHOTS = path.resolve("test-results", "mail");
const BASE = "https://func-aks-audit.azurewebsites.net";

describe.skipIf(!available)("mail in a browser at 600 px", () => {
  let browser: Browser;
  const report = simulatedReport({ clusters: 200, asOf: ASOF, runId: "run-200" });
  const digest = buildDigests({ report, recipients: everyone, consoleBase: BASE }).find((m) => m.to[0] === PLATFORM)!;
  const due = causeAlertsByRecipient(routeClusters(everyone, report.clusters), { asOf: ASOF, routingTag: "owner" }).find((x) => x.recipient === PLATFORM)!;
  const alert = renderAlertMail({ runId: report.runId, asOf: ASOF, recipient: PLATFORM, alerts: due.alerts, consoleBase: BASE });

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    mkdirSync(SHOTS, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function open(html: string, colorScheme: "light" | "dark"): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 600, height: 900 }, colorScheme });
    // Nothing is fetched: a mail that asked for an image, font or stylesheet would show here.
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.setContent(html, { waitUntil: "load" });
    expect(requests).toEqual([]);
    return page;
  }

  const contrast = (page: Page) =>
    page.evaluate(() => {
      const card = document.querySelector(".card") as HTMLElement;
      const lum = (css: string) => {
        const [r, g, b] = (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number).map((v) => {
          const c = v / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const s = getComputedStyle(card);
      const [a, b] = [lum(s.backgroundColor), lum(s.color)];
      const ratio = (x: number, y: number) => (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
      // The dates and days left are coloured: they must read on the card too.
      const accents = Array.from(document.querySelectorAll(".accent"), (e) => ratio(lum(getComputedStyle(e).color), a));
      // Cluster names and "and N more" are links now: they must read on the card as well.
      const links = Array.from(document.links, (e) => ratio(lum(getComputedStyle(e).color), a));
      const hrefs = Array.from(document.links, (e) => e.getAttribute("href") ?? "");
      return { ratio: ratio(a, b), accent: Math.min(...accents), link: Math.min(...links), hrefs, background: a, scrollWidth: document.documentElement.scrollWidth };
    });

  for (const [name, mail] of [
    ["digest", () => digest],
    ["alert", () => alert],
  ] as const) {
    it(`the ${name} fits 600 px without sideways scrolling and reads in light and dark themes`, async () => {
      for (const scheme of ["light", "dark"] as const) {
        const page = await open(mail().html, scheme);
        const c = await contrast(page);
        expect(c.scrollWidth).toBeLessThanOrEqual(600);
        // WCAG AA for body text.
        expect(c.ratio).toBeGreaterThanOrEqual(4.5);
        expect(c.accent).toBeGreaterThanOrEqual(4.5);
        expect(c.link).toBeGreaterThanOrEqual(4.5);
        // Every link opens from a mail client: absolute, into the console, and without a key.
        expect(c.hrefs.filter((h) => h.startsWith(`${BASE}/api/console/#/`)).length).toBeGreaterThan(1);
        for (const h of c.hrefs) expect(h).toMatch(/^https:\/\/(func-aks-audit\.azurewebsites\.net\/api\/console\/#\/|learn\.microsoft\.com\/)/);
        for (const h of c.hrefs) expect(h).not.toMatch(/[?&]code=/);
        if (scheme === "dark") expect(c.background).toBeLessThan(0.1);
        else expect(c.background).toBeGreaterThan(0.8);
        await page.screenshot({ path: path.join(SHOTS, `mail-${name}-600-${scheme}.png`), fullPage: true });
        await page.close();
      }
    }, 60_000);
  }
});
