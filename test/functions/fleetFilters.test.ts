/**
 * GET /api/fleet's server-side filters and GET /api/fleet/deadlines, through the handlers over a
 * swept simulated fleet in Azurite. Expectations are worked out here from the unfiltered run (or
 * the simulator's own ids), not by the filter code under test.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { AuditReport, ClusterReport } from "../../src/core/report.js";
import { toIsoDate } from "../../src/core/dates.js";
import { fleet } from "../../src/functions/fleet.js";
import { fleetDeadlines } from "../../src/functions/fleetDeadlines.js";
import { sweep } from "../../src/functions/sweep.js";
import { clusterIds, invocation, json, request, timerAt, useFunctionsHarness } from "./harness.js";

const h = useFunctionsHarness({ clusters: 24 });

type FleetPage = AuditReport & { continuationToken: string | null; summaryCovers: string };
const get = async (query: string) => fleet(request(`/api/fleet?${query}`), invocation("fleet"));
const page = async (query: string) => json<FleetPage>(await get(query));

/** Every page of a filtered view, following the tokens, with the number of requests it took. */
async function allPages(query: string, limit: number): Promise<{ clusters: ClusterReport[]; pages: number }> {
  const clusters: ClusterReport[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const body: FleetPage = await page(`${query}&limit=${limit}${token ? `&continuationToken=${token}` : ""}`);
    expect(body.clusters.length).toBeLessThanOrEqual(limit);
    clusters.push(...body.clusters);
    token = body.continuationToken;
    pages += 1;
  } while (token);
  return { clusters, pages };
}

const segment = (id: string, name: string): string => new RegExp(`/${name}/([^/]+)/`, "i").exec(id)![1]!;
let everything: ClusterReport[] = [];

beforeAll(async () => {
  await h.reset();
  await sweep(timerAt(`${toIsoDate(new Date())}T06:00:00Z`), invocation("sweep"));
  everything = (await page("limit=1000")).clusters;
  expect(everything).toHaveLength(clusterIds(h.sim).length);
}, 120_000);

describe("fleet filters on the server", () => {
  it("subscription and resource group keep exactly the clusters in them, across pages of 2", async () => {
    const ids = clusterIds(h.sim);
    const subscription = segment(ids[ids.length - 1]!, "subscriptions").toLowerCase();
    const inSub = ids.filter((id) => segment(id, "subscriptions").toLowerCase() === subscription);
    expect(inSub.length).toBeLessThan(ids.length);
    const bySub = await allPages(`subscription=${subscription.toUpperCase()}`, 2);
    expect(bySub.clusters.map((c) => c.id).sort()).toEqual([...inSub].sort());

    const group = segment(ids[0]!, "resourceGroups");
    const inGroup = ids.filter((id) => segment(id, "resourceGroups").toLowerCase() === group.toLowerCase());
    expect(inGroup.length).toBeLessThan(ids.length);
    const byGroup = await allPages(`resourceGroup=${encodeURIComponent(group.toUpperCase())}`, 2);
    expect(byGroup.clusters.map((c) => c.id).sort()).toEqual([...inGroup].sort());
    // Whole clusters: a location filter narrows clusters, not their integrations.
    for (const c of byGroup.clusters) expect(c.integrations.length).toBe(everything.find((e) => e.id === c.id)!.integrations.length);
  });

  it("text matches a cluster's name or tag (all its integrations) or an integration's name (only those)", async () => {
    const target = everything[5]!;
    const byName = await allPages(`q=${encodeURIComponent(target.name.toUpperCase())}`, 50);
    expect(byName.clusters.map((c) => c.id)).toContain(target.id);
    expect(byName.clusters.find((c) => c.id === target.id)!.integrations).toHaveLength(target.integrations.length);

    // A tag value: teams write owners and notes there.
    const tagged = everything.find((c) => c.tags?.["costCenter"])!;
    const byTag = await allPages(`q=${encodeURIComponent(`costCenter=${tagged.tags!["costCenter"]}`)}`, 50);
    expect(byTag.clusters.map((c) => c.id)).toContain(tagged.id);
    for (const c of byTag.clusters) expect(c.tags?.["costCenter"]).toBe(tagged.tags!["costCenter"]);

    // An integration name some clusters have and others lack.
    const names = [...new Set(everything.flatMap((c) => c.integrations.map((i) => i.name)))];
    const partial = names.find((n) => n !== "kubernetes" && everything.some((c) => !c.integrations.some((i) => i.name === n)))!;
    expect(partial).toBeDefined();
    const cut = partial.toLowerCase();
    const clusterHas = (c: ClusterReport) => [c.name, c.id, ...Object.entries(c.tags ?? {}).map(([k, v]) => `${k}=${v}`)].some((t) => t.toLowerCase().includes(cut));
    const withIt = everything.filter((c) => c.integrations.some((i) => i.name.toLowerCase().includes(cut)) || clusterHas(c));
    const byIntegration = await allPages(`q=${encodeURIComponent(partial)}`, 3);
    expect(byIntegration.clusters.map((c) => c.id).sort()).toEqual(withIt.map((c) => c.id).sort());
    for (const c of byIntegration.clusters) {
      if (!clusterHas(c)) for (const i of c.integrations) expect(i.name.toLowerCase()).toContain(cut);
    }
  });

  it("a deadline within N days keeps the integrations due in that window, paged with no cluster twice", async () => {
    const within = 400;
    const due = everything.filter((c) => c.integrations.some((i) => i.deadlines.some((d) => d.daysLeft >= 0 && d.daysLeft <= within)));
    expect(due.length).toBeGreaterThan(0);
    expect(due.length).toBeLessThan(everything.length + 1);
    const { clusters } = await allPages(`deadlineWithinDays=${within}`, 4);
    expect(clusters.map((c) => c.id)).toEqual([...new Set(clusters.map((c) => c.id))]);
    expect(clusters.map((c) => c.id).sort()).toEqual(due.map((c) => c.id).sort());
    for (const c of clusters) for (const i of c.integrations) expect(i.deadlines.some((d) => d.daysLeft >= 0 && d.daysLeft <= within)).toBe(true);

    const body = await page(`deadlineWithinDays=${within}&severity=critical&limit=1000`);
    expect(body.summaryCovers).toBe("page");
    for (const c of body.clusters) for (const i of c.integrations) expect(i.severity).toBe("critical");
    expect(body.summary.clusters).toBe(body.clusters.length);
  });

  it("refuses malformed filters with a problem naming the parameter", async () => {
    const cases: [string, string][] = [
      ["subscription=not-a-guid", "subscription"],
      ["resourceGroup=a%2Fb", "resourceGroup"],
      [`q=${"x".repeat(101)}`, "q"],
      ["q=%20%20", "q"],
      ["deadlineWithinDays=3651", "deadlineWithinDays"],
      ["deadlineWithinDays=-1", "deadlineWithinDays"],
      ["deadlineWithinDays=1.5", "deadlineWithinDays"],
      ["deadlineFromDays=3", "deadlineFromDays"],
      ["deadlineWithinDays=3&deadlineFromDays=7", "deadlineFromDays"],
      ["subscription=00000000-0000-0000-0000-000000000001&subscription=00000000-0000-0000-0000-000000000002", "subscription"],
    ];
    for (const [query, parameter] of cases) {
      const response = await get(query);
      expect(response.status, query).toBe(400);
      expect(String((response.headers as Record<string, string>)["content-type"])).toContain("problem+json");
      expect(json<{ parameter: string }>(response).parameter, query).toBe(parameter);
      const deadlines = await fleetDeadlines(request(`/api/fleet/deadlines?${query}`), invocation("fleetDeadlines"));
      expect(json<{ parameter: string }>(deadlines).parameter, query).toBe(parameter);
    }
  });
});

describe("deadlines per week", () => {
  type Weeks = { runId: string; asOf: string; covers: string; matched: { clusters: number; integrations: number }; weeks: { week: number; fromDay: number; toDay: number; clusters: number }[] };

  it("counts, per week ahead, the clusters with a deadline in it, and the whole run under the filters", async () => {
    const response = await fleetDeadlines(request("/api/fleet/deadlines?weeks=52"), invocation("fleetDeadlines"));
    expect(response.status).toBe(200);
    const body = json<Weeks>(response);
    expect(body.covers).toBe("run");
    expect(body.weeks).toHaveLength(52);
    expect(body.matched.clusters).toBe(everything.length);
    const expected = body.weeks.map((w) =>
      everything.filter((c) => c.integrations.some((i) => i.deadlines.some((d) => d.daysLeft >= w.fromDay && d.daysLeft <= w.toDay))).length,
    );
    expect(body.weeks.map((w) => w.clusters)).toEqual(expected);
    expect(expected.some((n) => n > 0)).toBe(true);

    // A bar's link: the fleet filtered to that week holds exactly the bar's clusters.
    const busiest = body.weeks.reduce((a, b) => (b.clusters > a.clusters ? b : a));
    const week = await allPages(`deadlineFromDays=${busiest.fromDay}&deadlineWithinDays=${busiest.toDay}`, 5);
    expect(week.clusters).toHaveLength(busiest.clusters);

    // Whole-run counts under a filter, against every page of the same filter.
    const filtered = json<Weeks>(await fleetDeadlines(request("/api/fleet/deadlines?severity=critical"), invocation("fleetDeadlines")));
    const pages = await allPages("severity=critical", 3);
    expect(filtered.matched.clusters).toBe(pages.clusters.length);
    expect(filtered.matched.integrations).toBe(pages.clusters.reduce((n, c) => n + c.integrations.length, 0));
  });

  it("refuses a week count out of range, and answers 404 before the first run", async () => {
    for (const weeks of ["0", "105", "x"]) {
      const r = await fleetDeadlines(request(`/api/fleet/deadlines?weeks=${weeks}`), invocation("fleetDeadlines"));
      expect(r.status).toBe(400);
      expect(json<{ parameter: string }>(r).parameter).toBe("weeks");
    }
    const before = await fleetDeadlines(request("/api/fleet/deadlines?asOf=2001-01-01"), invocation("fleetDeadlines"));
    expect(before.status).toBe(404);
  });
});
