/**
 * The digest fold does not depend on the order clusters arrive in: the store hands them over in
 * cluster-key order, a report in id order, and both must give the same mail. And the alerting part
 * of a cluster keeps what a cause is built from, so alerts built from it have the same causes.
 */
import { describe, expect, it } from "vitest";
import { alertingPart } from "../../src/app/audit.js";
import { DEFAULT_THRESHOLDS, dueCauseAlerts } from "../../src/core/alerts.js";
import { DigestFold, STREAMED_KEEP, buildDigests, foldOptions, pairsOf, renderDigest } from "../../src/core/digest.js";
import type { AuditReport, ClusterReport } from "../../src/core/report.js";
import type { Recipients } from "../../src/core/routing.js";
import { simulatedReport } from "../helpers/simulatedReport.js";

const WINDOW = 60;
const recipients: Recipients = { defaults: ["platform@contoso.example"], bySubscription: {}, tagName: "owner" };

/** Every sentence that names a deadline's date also names its cluster, so "whose words" shows. */
function withClusterWords(report: AuditReport): AuditReport {
  const clusters = report.clusters.map((c): ClusterReport => ({
    ...c,
    integrations: c.integrations.map((i) => ({
      ...i,
      // Components also differ in the case of their name from cluster to cluster.
      name: i.supportTier === "unsupported" && c.name.length % 2 === 0 ? i.name.toUpperCase() : i.name,
      reasons: i.reasons.map((r) => (i.deadlines.some((d) => r.includes(d.date)) || r.startsWith("When ") ? `${r} (said of ${c.name})` : r)),
    })),
  }));
  return { ...report, clusters };
}

function shuffled<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("the digest fold, whatever order the clusters come in", () => {
  it("gives the mail of the report in id order when fed the clusters shuffled, a page at a time", () => {
    const before = withClusterWords(simulatedReport({ clusters: 400, asOf: "2026-11-23", windowDays: WINDOW }));
    const now = withClusterWords(simulatedReport({ clusters: 400, asOf: "2026-11-30", windowDays: WINDOW }));
    const expected = buildDigests({ report: now, previous: before, recipients, windowDays: WINDOW });
    // The test means something only if causes quote clusters' own words.
    expect(expected.find((m) => m.to[0] === "platform@contoso.example")!.text).toContain("(said of ");

    for (const seed of [1, 2, 3]) {
      const fold = new DigestFold(recipients, foldOptions({ report: now, previous: before, recipients, windowDays: WINDOW, keep: STREAMED_KEEP }));
      const pairs = shuffled(pairsOf(now.clusters, before.clusters), seed);
      for (let i = 0; i < pairs.length; i += 37) fold.add(pairs.slice(i, i + 37));
      const mails = fold.models().map((m) => renderDigest({ ...m, root: null }));
      expect(mails.map((m) => m.to)).toEqual(expected.map((m) => m.to));
      for (let k = 0; k < expected.length; k++) expect(mails[k]).toEqual(expected[k]);
    }
  });
});

describe("the alerting part of a cluster", () => {
  it("raises the same cause alerts (ids, subjects, counts and words) as the whole cluster", () => {
    const report = simulatedReport({ clusters: 1500, asOf: "2026-11-30", windowDays: WINDOW });
    const keep = alertingPart(WINDOW);
    const parts = report.clusters.flatMap((c) => {
      const part = keep(c);
      return part ? [part] : [];
    });
    expect(parts.length).toBeLessThan(report.clusters.length);
    const options = { asOf: report.asOf, thresholds: DEFAULT_THRESHOLDS, windowDays: WINDOW };
    const whole = dueCauseAlerts(report.clusters, options);
    const fromParts = dueCauseAlerts(parts, options);
    expect(whole.length).toBeGreaterThan(3);
    // Istio revisions and node OS changes take their key from the sentence that names the date.
    expect(whole.some((a) => a.cause.kind === "istio-revision")).toBe(true);
    expect(fromParts.map((a) => [a.id, a.clusterCount, a.cause.title, a.cause.happens, a.cause.action])).toEqual(
      whole.map((a) => [a.id, a.clusterCount, a.cause.title, a.cause.happens, a.cause.action]),
    );
  });
});
