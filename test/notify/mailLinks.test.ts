/**
 * The console's address reaches the mail through the real path: settings → sweep and weekly-digest
 * handlers → delivery. In Azure the platform sets WEBSITE_HOSTNAME and the links follow it with no
 * setting; CONSOLE_BASE_URL (a gateway, a custom domain) wins over it; with neither, no console link.
 */
import { describe, expect, it } from "vitest";
import type { OutgoingMail } from "../../src/core/ports.js";
import { sweep } from "../../src/functions/sweep.js";
import { weeklyDigest } from "../../src/functions/weeklyDigest.js";
import { hrefs } from "../helpers/mailLinks.js";
import { invocation, SIM_AS_OF, timerAt, useFunctionsHarness } from "../functions/harness.js";


describe("console links in the mail the app sends", () => {
  const h = useFunctionsHarness({ clusters: 8 });

  async function sendAll(env: Record<string, string>): Promise<{ digests: OutgoingMail[]; alerts: OutgoingMail[] }> {
    await h.reset(env);
    await sweep(timerAt(`${SIM_AS_OF}T06:00:00Z`), invocation("sweep"));
    await weeklyDigest(timerAt(`${SIM_AS_OF}T07:00:00Z`), invocation("weeklyDigest"));
    return { digests: h.mail.filter((m) => m.messageId.startsWith("digest-")), alerts: h.mail.filter((m) => m.messageId.startsWith("alerts-")) };
  }

  it("in Azure, digests and alerts link to https://<WEBSITE_HOSTNAME>/api/console/, absolute and keyless", async () => {
    const { digests, alerts } = await sendAll({ WEBSITE_HOSTNAME: "func-aks-audit.azurewebsites.net" });
    expect(digests.length).toBeGreaterThan(0);
    expect(alerts.length).toBeGreaterThan(0);
    for (const mail of [...digests, ...alerts]) {
      const links = hrefs(mail.html);
      expect(links.filter((l) => l.startsWith("https://func-aks-audit.azurewebsites.net/api/console/#/cluster?id=%2Fsubscriptions%2F")).length).toBeGreaterThan(0);
      for (const l of links) expect(l).toMatch(/^https:\/\//);
      for (const l of links) expect(l).not.toMatch(/[?&]code=/);
      expect(mail.text).toContain("https://func-aks-audit.azurewebsites.net/api/console/#/fleet?asOf=");
    }
  }, 120_000);

  it("CONSOLE_BASE_URL wins over the platform's host name", async () => {
    const { digests } = await sendAll({ WEBSITE_HOSTNAME: "func-aks-audit.azurewebsites.net", CONSOLE_BASE_URL: "https://audit.contoso.com/aks" });
    const links = digests.flatMap((m) => hrefs(m.html)).filter((l) => l.includes("/api/console/"));
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(l.startsWith("https://audit.contoso.com/aks/api/console/#/")).toBe(true);
  }, 120_000);

  it("with neither (the local CLI), no console link and no relative one", async () => {
    const { digests } = await sendAll({});
    expect(digests.length).toBeGreaterThan(0);
    for (const mail of digests) {
      expect(mail.html).not.toContain("/api/console");
      expect(mail.html).not.toMatch(/href="(?!https:)/);
      expect(mail.text).not.toContain("This run in the console");
    }
  }, 120_000);
});
