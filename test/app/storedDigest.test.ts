/**
 * The weekly digest folded from the store a page at a time (app/notify.ts storedDigests) against
 * the digest of the same two runs read whole into memory (buildDigests): same mail, byte for byte,
 * while the fold holds no more than a mail can show of any list.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createAppContext } from "../../src/app/context.js";
import { sendDigest, sendWindowAlerts, storedDigests } from "../../src/app/notify.js";
import { loadConfig } from "../../src/config.js";
import { withCatalogAge } from "../../src/core/catalogAge.js";
import { DigestFold, STREAMED_KEEP, buildDigests, foldOptions, type DigestModel } from "../../src/core/digest.js";
import type { HistoryStore, RunRecord } from "../../src/core/ports.js";
import { reportOfRun, type AuditReport, type ClusterReport } from "../../src/core/report.js";
import { describeDrops, routeWithDrops, type Recipients } from "../../src/core/routing.js";
import { armIdKey } from "../../src/core/types.js";
import { createTableHistoryStore } from "../../src/store/index.js";
import { useAzurite } from "../helpers/azurite.js";
import { simulatedReport } from "../helpers/simulatedReport.js";

const azurite = useAzurite();

const WINDOW = 60;
const MAX_AGE = 90;

function runOf(report: AuditReport, runId: string): RunRecord {
  return {
    runId,
    trigger: "timer",
    scope: { subscriptions: [], managementGroups: [], clusterIds: [] },
    asOf: report.asOf,
    startedAt: `${report.asOf}T06:00:00.000Z`,
    endedAt: null,
    status: "running",
    summary: report.summary,
    errors: [],
    catalogVersion: report.catalog.version,
    catalogCheckedAt: report.catalog.checkedAt,
  };
}

async function storeRun(store: HistoryStore, report: AuditReport, runId: string): Promise<RunRecord> {
  const run = runOf(report, runId);
  await store.beginRun(run);
  for (let i = 0; i < report.clusters.length; i += 100) await store.saveSnapshots(run, report.clusters.slice(i, i + 100));
  const done = { ...run, status: "succeeded" as const, endedAt: `${report.asOf}T06:30:00.000Z`, errors: [{ scope: "/subscriptions/x", message: "read failed once" }] };
  await store.completeRun(done);
  return (await store.getRun(runId))!;
}

/** Two weeks of a 700-cluster fleet: 40 clusters gone, 30 new, some findings changed, a few cluster errors. */
async function twoWeeks() {
  const store = await createTableHistoryStore({ connectionString: azurite.connectionString, tablePrefix: azurite.freshPrefix(), allowInsecureConnection: true });
  const before = simulatedReport({ clusters: 700, asOf: "2026-11-23", windowDays: WINDOW });
  const week = simulatedReport({ clusters: 700, asOf: "2026-11-30", windowDays: WINDOW });
  const newcomers = simulatedReport({ clusters: 30, seed: 7, asOf: "2026-11-30", windowDays: WINDOW }).clusters.map((c) => ({ ...c, id: `${c.id}-new`, name: `${c.name}-new` }));
  const now: ClusterReport[] = [
    ...week.clusters.slice(40).map((c, i) =>
      i % 50 === 0 ? { ...c, errors: [`node pools could not be read (${i})`], integrations: c.integrations.map((x) => ({ ...x, severity: "critical" as const })) } : c,
    ),
    ...newcomers,
  ];
  const latestReport = { ...week, clusters: now };
  const previous = await storeRun(store, before, "20261123T060000Z-timer");
  const latest = await storeRun(store, latestReport, "20261130T060000Z-timer");
  return { store, previous, latest };
}

const recipients: Recipients = {
  defaults: ["platform-team@contoso.example"],
  bySubscription: {},
  tagName: "owner",
  allowedDomains: ["contoso.example"],
};

describe("the weekly digest folded from the store a page at a time", () => {
  it("sends the same mail, byte for byte, as the two runs read whole, and names the same refused addresses", async () => {
    const { store, previous, latest } = await twoWeeks();
    const someSub = (await store.runReport(latest.runId))!.clusters[0]!.subscriptionId.toLowerCase();
    const routing: Recipients = { ...recipients, bySubscription: { [someSub]: ["ops@elsewhere.test", "subscription-owner@contoso.example"] } };

    const streamed = await storedDigests(store, latest, previous, { recipients: routing, windowDays: WINDOW, catalogMaxAgeDays: MAX_AGE, consoleBase: "https://auditor.contoso.example" });

    const whole = withCatalogAge((await store.runReport(latest.runId))!, MAX_AGE);
    const wholePrevious = (await store.runReport(previous.runId))!;
    const inMemory = buildDigests({ report: whole, previous: wholePrevious, recipients: routing, windowDays: WINDOW, root: latest.root?.hash ?? null, consoleBase: "https://auditor.contoso.example" });

    expect(streamed.mails.length).toBeGreaterThan(10);
    expect(streamed.mails.map((m) => m.to)).toEqual(inMemory.map((m) => m.to));
    for (let i = 0; i < inMemory.length; i++) expect(streamed.mails[i]).toEqual(inMemory[i]);

    // The fleet is big enough that the whole-fleet mail had to cut lists and say how many it left out.
    const platform = streamed.mails.find((m) => m.to[0] === "platform-team@contoso.example")!;
    expect(platform.text).toMatch(/and \d+ more clusters/);
    expect(platform.text).toMatch(/New clusters \(30\)/);
    expect(platform.text).toMatch(/No longer reported \(40\)/);

    const refused = describeDrops(routeWithDrops(routing, whole.clusters).drops);
    expect(new Set(streamed.drops.map((d) => `${d.scope}|${d.message}`))).toEqual(new Set(refused.map((d) => `${d.scope}|${d.message}`)));
    expect(streamed.drops.some((d) => d.message.includes("ops@elsewhere.test"))).toBe(true);
  });

  it("holds at most a mail's worth of any list while counting all of it", async () => {
    const { store, previous, latest } = await twoWeeks();
    const header = reportOfRun(latest, []);
    const options = { report: header, previous, recipients, windowDays: WINDOW };
    const bounded = new DigestFold(recipients, foldOptions({ ...options, keep: STREAMED_KEEP }));
    const whole = new DigestFold(recipients, foldOptions(options));
    let pages = 0;
    for await (const pairs of store.runClusterPairs(latest.runId, previous.runId, 100)) {
      pages += 1;
      expect(pairs.length).toBeLessThanOrEqual(100);
      bounded.add(pairs);
      whole.add(pairs);
    }
    expect(pages).toBeGreaterThan(5);

    const [b, w] = [platformModel(bounded.models()), platformModel(whole.models())];
    const lists = (m: DigestModel) => [
      ...m.window.map((c) => c.clusters.length),
      ...m.outOfSupport.map((g) => g.clusters.length),
      ...m.unsupported.map((u) => u.clusters.length),
      m.changes.newFindings.length,
      m.changes.resolved.length,
      m.changes.clustersAdded.length,
      m.changes.clustersGone.length,
    ];
    expect(Math.max(...lists(b))).toBeLessThanOrEqual(STREAMED_KEEP);
    expect(Math.max(...lists(w))).toBeGreaterThan(STREAMED_KEEP);
    // Counts are the whole run's, and what is kept is the head of the whole list.
    expect(b.window.map((c) => [c.key, c.clusterCount])).toEqual(w.window.map((c) => [c.key, c.clusters.length]));
    expect(b.window.map((c) => c.clusters)).toEqual(w.window.map((c) => c.clusters.slice(0, STREAMED_KEEP)));
    expect(b.outOfSupport.map((g) => g.clusterCount)).toEqual(w.outOfSupport.map((g) => g.clusters.length));
    expect(b.changes.totals).toEqual({
      newFindings: w.changes.newFindings.length,
      worsened: w.changes.worsened.length,
      resolved: w.changes.resolved.length,
      clustersAdded: 30,
      clustersGone: 40,
    });
    expect(b.changes.newFindings).toEqual(w.changes.newFindings.slice(0, STREAMED_KEEP));
    expect(b.summary).toEqual(w.summary);
    expect(b.runErrorCount).toBe(w.runErrors.length);
  });

  it("joins the two runs on the cluster: in both, only now, only before", async () => {
    const { store, previous, latest } = await twoWeeks();
    const now = new Set((await store.runReport(latest.runId))!.clusters.map((c) => armIdKey(c.id)));
    const before = new Set((await store.runReport(previous.runId))!.clusters.map((c) => armIdKey(c.id)));
    const seen = { both: 0, now: 0, before: 0 };
    const keys = new Set<string>();
    for await (const pairs of store.runClusterPairs(latest.runId, previous.runId, 64)) {
      for (const p of pairs) {
        const key = armIdKey((p.now ?? p.before)!.id);
        expect(keys.has(key)).toBe(false);
        keys.add(key);
        if (p.now && p.before) {
          expect(armIdKey(p.before.id)).toBe(key);
          expect(p.now.id).not.toBe(undefined);
          seen.both += 1;
        } else if (p.now) seen.now += 1;
        else seen.before += 1;
        expect(p.now ? now.has(key) : !now.has(key)).toBe(true);
        expect(p.before ? before.has(key) : !before.has(key)).toBe(true);
      }
    }
    expect(seen).toEqual({ both: 660, now: 30, before: 40 });

    // Without a previous run every pair is "now" only.
    let alone = 0;
    for await (const pairs of store.runClusterPairs(latest.runId, null)) for (const p of pairs) if (p.now && !p.before) alone += 1;
    expect(alone).toBe(690);
  });
});

function platformModel(models: DigestModel[]): DigestModel {
  return models.find((m) => m.recipient === "platform-team@contoso.example")!;
}

describe("previews of the weekly job, folded from the store", () => {
  it("a recipient routed only clusters with nothing due gets a preview digest and no alerts: nothing falls back to the whole fleet", async () => {
    const week = simulatedReport({ clusters: 60, asOf: "2026-11-30", windowDays: WINDOW });
    const quiet = week.clusters[0]!.subscriptionId;
    // That subscription's clusters have no deadline at all; the rest of the fleet keeps its alerts.
    const clusters = week.clusters.map((c) => (c.subscriptionId === quiet ? { ...c, integrations: c.integrations.map((i) => ({ ...i, deadlines: [] })) } : c));
    expect(clusters.some((c) => c.subscriptionId !== quiet && c.integrations.some((i) => i.deadlines.some((d) => d.daysLeft >= 0 && d.daysLeft <= WINDOW)))).toBe(true);
    const home = mkdtempSync(path.join(tmpdir(), "aks-audit-preview-"));
    const config = loadConfig({ TABLE_PREFIX: azurite.freshPrefix(), MAIL_TO_BY_SUBSCRIPTION: `${quiet}=owner@contoso.example`, AKS_AUDIT_HOME: home }, home);
    const ctx = await createAppContext(config, { tablesConnectionString: azurite.connectionString });
    try {
      await storeRun(await ctx.store(), { ...week, clusters }, "20261130T060000Z-timer");
      const alerts = await sendWindowAlerts(ctx, null, { asOf: "2026-11-30", preview: true });
      expect(alerts.sent).toBe(0);
      const digest = await sendDigest(ctx, { asOf: "2026-11-30", preview: true });
      expect(digest).toMatchObject({ messages: 1 });
      expect(digest.noRecipients).toBeUndefined();
    } finally {
      await ctx.close();
    }
  });
});
