import { describe, expect, it } from "vitest";
import { ALERT_CLUSTERS_KEPT, causeAlertsByRecipient, dueCauseAlerts, thresholdFor } from "../../src/core/alerts.js";
import { routeClusters } from "../../src/core/routing.js";
import { SUB_B, cluster, deadline, fleet, integration, recipients } from "../notify/reportFixtures.js";

/** Clusters whose open-service-mesh retires on 2027-03-01, seen on the day it is `daysLeft` away. */
function dayOf(daysLeft: number, clusters = 1, deadlineDate = "2027-03-01") {
  const asOf = new Date(Date.parse(`${deadlineDate}T00:00:00Z`) - daysLeft * 86_400_000).toISOString().slice(0, 10);
  const list = Array.from({ length: clusters }, (_, i) =>
    cluster(`aks-prod-${i + 1}`, {
      integrations: [integration("open-service-mesh", { deadlines: [{ ...deadline(asOf, daysLeft), date: deadlineDate }], severity: "warning" })],
    }),
  );
  return { asOf, clusters: list };
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

  it("raises alerts only for causes between 0 and the window", () => {
    const asOf = "2026-11-23";
    const c = cluster("c", {
      integrations: [
        integration("passed", { deadlines: [deadline(asOf, -1)] }),
        integration("today", { deadlines: [deadline(asOf, 0)] }),
        integration("edge", { deadlines: [deadline(asOf, 60)] }),
        integration("far", { deadlines: [deadline(asOf, 61)] }),
      ],
    });
    expect(dueCauseAlerts([c], { asOf }).map((a) => [a.cause.subject, a.threshold])).toEqual([
      ["today", 7],
      ["edge", 60],
    ]);
    expect(dueCauseAlerts([c], { asOf, windowDays: 30 }).map((a) => a.cause.subject)).toEqual(["today"]);
  });

  it("one alert per cause whatever the number of clusters, its id from the cause and the threshold only", () => {
    const one = dueCauseAlerts(dayOf(20, 1).clusters, { asOf: dayOf(20).asOf });
    const many = dueCauseAlerts(dayOf(20, 61).clusters, { asOf: dayOf(20).asOf });
    expect(many).toHaveLength(1);
    expect(many[0]!.clusterCount).toBe(61);
    expect(many[0]!.cause.clusters).toHaveLength(ALERT_CLUSTERS_KEPT);
    // The same cause with more clusters is the same alert: the ledger sends it once.
    expect(many[0]!.id).toBe(one[0]!.id);
    expect(many[0]!.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it("first seen at 20 days left gets the 30-day alert once, later the 14- and 7-day ones", () => {
    const ids = (daysLeft: number) => {
      const d = dayOf(daysLeft);
      return dueCauseAlerts(d.clusters, { asOf: d.asOf }).map((a) => `${a.threshold}:${a.id}`);
    };
    const at20 = ids(20);
    expect(at20).toHaveLength(1);
    expect(at20[0]).toMatch(/^30:/);
    // Same threshold on later days: same id.
    expect(ids(19)).toEqual(at20);
    expect(ids(15)).toEqual(at20);
    const at13 = ids(13);
    const at6 = ids(6);
    expect(at13[0]).toMatch(/^14:/);
    expect(at6[0]).toMatch(/^7:/);
    expect(new Set([at20[0], at13[0], at6[0]]).size).toBe(3);
  });

  it("splits alerts by recipient along the routes, each with only the recipient's clusters", () => {
    const asOf = "2026-11-23";
    const clusters = fleet(asOf);
    const routes = routeClusters(recipients({ defaults: ["ops@x.com"], bySubscription: { [SUB_B]: ["b@x.com"] } }), clusters);
    const split = causeAlertsByRecipient(routes, { asOf });
    expect(split.map((s) => [s.recipient, s.alerts.map((a) => [a.cause.subject, a.cause.clusters.map((c) => c.name)])])).toEqual([
      ["b@x.com", [["open-service-mesh", ["aks-team-x"]]]],
      [
        "ops@x.com",
        [
          ["http_application_routing", ["aks-prod-1", "aks-prod-2"]],
          ["open-service-mesh", ["aks-team-x"]],
        ],
      ],
    ]);
    // The same cause alerts under the same id for every recipient (each in their own ledger partition).
    expect(split[0]!.alerts[0]!.id).toBe(split[1]!.alerts[1]!.id);
  });
});
