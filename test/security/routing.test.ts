/**
 * Routing safety: a cluster tag (or a subscription route) cannot send a cluster's digest and
 * alerts, with its in-cluster inventory, to an address outside MAIL_ALLOWED_DOMAINS, nor to more
 * than MAIL_MAX_RECIPIENTS_PER_TAG addresses from one tag; what is dropped is said in the run's errors.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { buildDigests } from "../../src/core/digest.js";
import { routeClusters } from "../../src/core/routing.js";
import { sendDigest, sendWindowAlerts } from "../../src/app/notify.js";
import { sweep } from "../../src/functions/sweep.js";
import { weeklyDigest } from "../../src/functions/weeklyDigest.js";
import { SUB_A, SUB_B, cluster, recipients, report } from "../notify/reportFixtures.js";
import { invocation, timerAt, useFunctionsHarness } from "../functions/harness.js";

const ASOF = "2026-11-24";

describe("routing stays inside the allowed domains", () => {
  const clusters = [
    cluster("a1", { subscriptionId: SUB_A, tags: { owner: "team@contoso.com; leak@attacker.example; lead@eu.contoso.com" } }),
    cluster("b1", { subscriptionId: SUB_B }),
  ];

  it("tag- and subscription-routed addresses outside MAIL_ALLOWED_DOMAINS get nothing; MAIL_TO is the operator's own", () => {
    const config = loadConfig({ MAIL_TO: "ops@partner.example", MAIL_ROUTING_TAG: "owner", MAIL_ALLOWED_DOMAINS: "contoso.com", MAIL_TO_BY_SUBSCRIPTION: `${SUB_B}=b@elsewhere.example;b@contoso.com` }, "/tmp");
    const routes = routeClusters(config.mail.recipients, clusters);
    expect(routes.map((r) => r.recipient)).toEqual(["b@contoso.com", "lead@eu.contoso.com", "ops@partner.example", "team@contoso.com"]);
    const mails = buildDigests({ report: report(ASOF, clusters), previous: null, recipients: config.mail.recipients, windowDays: 60 });
    expect(mails.flatMap((m) => m.to)).not.toContain("leak@attacker.example");
    expect(mails.flatMap((m) => m.to)).not.toContain("b@elsewhere.example");
  });

  it("at most MAIL_MAX_RECIPIENTS_PER_TAG addresses come from one tag value (default 10)", () => {
    const many = Array.from({ length: 14 }, (_, i) => `dev${i}@contoso.com`).join(",");
    const c = [cluster("a1", { tags: { owner: many } })];
    expect(routeClusters(loadConfig({ MAIL_ROUTING_TAG: "owner" }, "/tmp").mail.recipients, c)).toHaveLength(10);
    expect(routeClusters(loadConfig({ MAIL_ROUTING_TAG: "owner", MAIL_MAX_RECIPIENTS_PER_TAG: "3" }, "/tmp").mail.recipients, c).map((r) => r.recipient)).toEqual([
      "dev0@contoso.com",
      "dev1@contoso.com",
      "dev2@contoso.com",
    ]);
    expect(routeClusters(recipients({ tagName: "owner" }), c)).toHaveLength(10);
  });

  it("tag routing with no allowed domains starts with a warning naming MAIL_ALLOWED_DOMAINS", () => {
    expect(loadConfig({ MAIL_ROUTING_TAG: "owner" }, "/tmp").warnings.join("\n")).toMatch(/MAIL_ALLOWED_DOMAINS/);
    expect(loadConfig({ MAIL_ROUTING_TAG: "owner", MAIL_ALLOWED_DOMAINS: "contoso.com" }, "/tmp").warnings).toEqual([]);
    expect(loadConfig({}, "/tmp").warnings).toEqual([]);
  });
});

describe("dropped addresses are reported in the run's errors", () => {
  const h = useFunctionsHarness({ clusters: 8 });

  it("a sweep with tag routing names every address it refused, and mails none of them", async () => {
    // The simulator tags clusters with owners at contoso.example; only example.org is allowed.
    const ctx = await h.reset({ MAIL_ROUTING_TAG: "owner", MAIL_ALLOWED_DOMAINS: "example.org", MAIL_MAX_RECIPIENTS_PER_TAG: "1" });
    const logs: string[] = [];
    await sweep(timerAt(`${ASOF}T06:00:00Z`), invocation("sweep", logs));
    await weeklyDigest(timerAt(`${ASOF}T07:00:00Z`), invocation("weeklyDigest"));
    const store = await ctx.store();
    const { items } = await store.listRuns({ limit: 5 });
    const run = items[0]!;
    const routingErrors = run.errors.filter((e) => e.message.startsWith("mail routing:"));
    const tagged = (await store.runReport(run.runId))!.clusters.filter((c) => /@contoso\.example/.test(c.tags?.owner ?? ""));
    expect(tagged.length).toBeGreaterThan(0);
    expect(routingErrors.length).toBe(tagged.length);
    for (const c of tagged) expect(routingErrors.some((e) => e.scope === c.id && e.message.includes("MAIL_ALLOWED_DOMAINS"))).toBe(true);
    expect(h.mail.flatMap((m) => m.to).filter((to) => to.endsWith("@contoso.example"))).toEqual([]);
    expect(h.mail.length).toBeGreaterThan(0); // MAIL_TO still got its mail
    // Reported once, however often the run's mail is sent.
    await sendWindowAlerts(ctx, null, { asOf: ASOF });
    await sendDigest(ctx, { asOf: ASOF });
    expect((await store.getRun(run.runId))!.errors.filter((e) => e.message.startsWith("mail routing:"))).toHaveLength(routingErrors.length);
  });
});
