import { describe, expect, it } from "vitest";
import { assignAlerts, dueAlerts, thresholdFor } from "../../src/core/alerts.js";
import { routeClusters } from "../../src/core/routing.js";
import { SUB_B, cluster, deadline, fleet, integration, recipients, report } from "../notify/reportFixtures.js";

/** The same cluster and integration on the day the deadline is `daysLeft` away. */
function dayOf(daysLeft: number, deadlineDate = "2027-03-01") {
  const asOf = new Date(Date.parse(`${deadlineDate}T00:00:00Z`) - daysLeft * 86_400_000).toISOString().slice(0, 10);
  const c = cluster("aks-prod-1", {
    integrations: [integration("open-service-mesh", { deadlines: [{ ...deadline(asOf, daysLeft), date: deadlineDate }], severity: "warning" })],
  });
  return report(asOf, [c]);
}

describe("window alerts", () => {
  it("uses the smallest threshold that is at least the days left", () => {
    expect(thresholdFor(61)).toBeNull();
    expect(thresholdFor(60)).toBe(60);
    expect(thresholdFor(31)).toBe(60);
    expect(thresholdFor(20)).toBe(30);
    expect(thresholdFor(14)).toBe(14);
    expect(thresholdFor(8)).toBe(14);
    expect(thresholdFor(0)).toBe(7);
    expect(thresholdFor(-1)).toBeNull();
    expect(thresholdFor(20, [45, 10])).toBe(45);
  });

  it("raises alerts only for deadlines between 0 and the window", () => {
    const asOf = "2026-11-23";
    const c = cluster("c", {
      integrations: [
        integration("passed", { deadlines: [deadline(asOf, -1)] }),
        integration("today", { deadlines: [deadline(asOf, 0)] }),
        integration("edge", { deadlines: [deadline(asOf, 60)] }),
        integration("far", { deadlines: [deadline(asOf, 61)] }),
      ],
    });
    const alerts = dueAlerts(report(asOf, [c]));
    expect(alerts.map((a) => [a.integrationName, a.threshold])).toEqual([
      ["today", 7],
      ["edge", 60],
    ]);
    expect(dueAlerts(report(asOf, [c]), { windowDays: 30 }).map((a) => a.integrationName)).toEqual(["today"]);
  });

  it("first seen at 20 days left gets the 30-day alert once, later the 14- and 7-day ones", () => {
    const ids = (daysLeft: number) => dueAlerts(dayOf(daysLeft)).map((a) => `${a.threshold}:${a.id}`);
    const at20 = ids(20);
    expect(at20).toHaveLength(1);
    expect(at20[0]).toMatch(/^30:/);
    // Same threshold on later days: same id, so the ledger sends it once.
    expect(ids(19)).toEqual(at20);
    expect(ids(15)).toEqual(at20);
    const at13 = ids(13);
    const at6 = ids(6);
    expect(at13[0]).toMatch(/^14:/);
    expect(at6[0]).toMatch(/^7:/);
    expect(new Set([at20[0], at13[0], at6[0]]).size).toBe(3);
  });

  it("alert ids are deterministic and do not depend on the case of the ARM id", () => {
    const a = dueAlerts(dayOf(20))[0]!;
    const upper = dayOf(20);
    upper.clusters[0]!.id = upper.clusters[0]!.id.toUpperCase();
    expect(dueAlerts(upper)[0]!.id).toBe(a.id);
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it("splits alerts by recipient along the routes", () => {
    const r = report("2026-11-23", fleet("2026-11-23"));
    const routes = routeClusters(recipients({ defaults: ["ops@x.com"], bySubscription: { [SUB_B]: ["b@x.com"] } }), r.clusters);
    const split = assignAlerts(routes, dueAlerts(r));
    expect(split.map((s) => [s.recipient, s.alerts.map((a) => a.clusterName)])).toEqual([
      ["b@x.com", ["aks-team-x"]],
      ["ops@x.com", ["aks-prod-1", "aks-prod-2", "aks-team-x"]],
    ]);
  });
});
