import { describe, expect, it } from "vitest";
import { parseRecipientList, routeClusters, tagValue } from "../../src/core/routing.js";
import { SUB_A, SUB_B, cluster, recipients } from "../notify/reportFixtures.js";

const names = (route: { clusters: { name: string }[] } | undefined) => route?.clusters.map((c) => c.name);

describe("routing", () => {
  const clusters = [
    cluster("a1", { subscriptionId: SUB_A }),
    cluster("a2", { subscriptionId: SUB_A, tags: { owner: "team-a@x.com" } }),
    cluster("b1", { subscriptionId: SUB_B, tags: { OWNER: "Team-B@x.com; bogus; ops@x.com" } }),
  ];

  it("default recipients get every cluster", () => {
    const routes = routeClusters(recipients({ defaults: ["ops@x.com"] }), clusters);
    expect(routes).toHaveLength(1);
    expect(names(routes[0])).toEqual(["a1", "a2", "b1"]);
    expect(routes[0]!.wholeFleet).toBe(true);
  });

  it("a subscription route gets only that subscription's clusters, whatever the case of the id", () => {
    const routes = routeClusters(recipients({ bySubscription: { [SUB_B.toUpperCase()]: ["b@x.com"] } }), clusters);
    expect(routes.map((r) => r.recipient)).toEqual(["b@x.com"]);
    expect(names(routes[0])).toEqual(["b1"]);
    expect(routes[0]!.via).toEqual(["subscription"]);
    expect(routes[0]!.wholeFleet).toBe(false);
  });

  it("the routing tag's addresses get that cluster; the tag name is case-insensitive and invalid addresses are ignored", () => {
    const routes = routeClusters(recipients({ tagName: "Owner" }), clusters);
    expect(routes.map((r) => r.recipient)).toEqual(["ops@x.com", "team-a@x.com", "team-b@x.com"]);
    expect(names(routes.find((r) => r.recipient === "team-a@x.com"))).toEqual(["a2"]);
    expect(names(routes.find((r) => r.recipient === "team-b@x.com"))).toEqual(["b1"]);
  });

  it("a recipient reached several ways gets one route with each cluster once", () => {
    const routes = routeClusters(
      recipients({ defaults: ["OPS@x.com"], bySubscription: { [SUB_B]: ["ops@x.com"] }, tagName: "owner" }),
      clusters,
    );
    const ops = routes.filter((r) => r.recipient === "ops@x.com");
    expect(ops).toHaveLength(1);
    expect(names(ops[0])).toEqual(["a1", "a2", "b1"]);
    expect(ops[0]!.via).toEqual(["default", "subscription", "tag"]);
  });

  it("teams without clusters get no route, defaults still get one for an empty fleet", () => {
    const routes = routeClusters(recipients({ defaults: ["ops@x.com"], bySubscription: { [SUB_A]: ["a@x.com"] } }), []);
    expect(routes.map((r) => r.recipient)).toEqual(["ops@x.com"]);
    expect(routes[0]!.clusters).toEqual([]);
  });

  it("parses tag values separated by commas or semicolons", () => {
    expect(parseRecipientList(" a@x.com;b@y.org , c@z.io,,<script>@x.com, a@x.com")).toEqual(["a@x.com", "b@y.org", "c@z.io"]);
    expect(parseRecipientList(undefined)).toEqual([]);
    expect(tagValue({ Owner: "v" }, "owner")).toBe("v");
  });
});
