/**
 * The Resource Graph fleet source against the fleet simulator: the real ResourceGraphClient over
 * loopback HTTPS, trusting the simulator's certificate through tlsOptions.
 */
import { afterEach, describe, expect, it } from "vitest";
import { armIdKey, TENANT_SCOPE, type AuditScope, type ClusterRecord, type ExtensionRecord, type ScopeError } from "../../src/core/types.js";
import { startFleetSimulator, type FleetSimulator, type FleetSimulatorOptions } from "../../src/local/simulator/index.js";
import { createStaticCredential } from "../../src/sources/credential.js";
import { CLUSTER_QUERY, createResourceGraphFleetSource, EXTENSION_QUERY, SOURCE_CONTROL_QUERY, type ResourceGraphSourceOptions } from "../../src/sources/resourceGraph.js";

const running: FleetSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function simulator(options: FleetSimulatorOptions): Promise<FleetSimulator> {
  const sim = await startFleetSimulator({ quota: null, ...options });
  running.push(sim);
  return sim;
}

/** Fast SDK retries so fault tests stay quick; the behaviour under test is the same. */
function source(sim: FleetSimulator, extra: Partial<ResourceGraphSourceOptions> = {}) {
  return createResourceGraphFleetSource({
    credential: createStaticCredential("rg-test"),
    endpoint: sim.endpoint,
    tlsCa: sim.ca,
    retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 100 },
    retryBaseMs: 50,
    ...extra,
  });
}

async function sweep(src: ReturnType<typeof source>, scope: AuditScope = TENANT_SCOPE) {
  const errors: ScopeError[] = [];
  const extensions: ExtensionRecord[] = [];
  for await (const x of src.extensions(scope, errors)) extensions.push(x);
  const clusters: ClusterRecord[] = [];
  const pageSizes: number[] = [];
  for await (const page of src.clusterPages(scope, errors)) {
    pageSizes.push(page.length);
    clusters.push(...page);
  }
  return { errors, extensions, clusters, pageSizes };
}

function expectEachOnce(clusters: ClusterRecord[], expected: Iterable<string>): void {
  const seen = clusters.map((c) => armIdKey(c.id));
  expect(new Set(seen).size).toBe(seen.length);
  expect([...seen].sort()).toEqual([...expected].map(armIdKey).sort());
}

describe("Resource Graph fleet source", () => {
  it("exports the queries it sends, projecting only what classification needs", () => {
    expect(CLUSTER_QUERY).toMatch(/^resources\s*\n\| where type =~ 'microsoft\.containerservice\/managedclusters'/);
    expect(CLUSTER_QUERY).toContain("project id,");
    expect(CLUSTER_QUERY).not.toMatch(/project[^|]*\bproperties\s*(,|$)/); // never the whole properties bag
    expect(EXTENSION_QUERY).toMatch(/^kubernetesconfigurationresources\s*\n\| where type =~ 'microsoft\.kubernetesconfiguration\/extensions'/);
    expect(SOURCE_CONTROL_QUERY).toMatch(/^kubernetesconfigurationresources\s*\n\| where type =~ 'microsoft\.kubernetesconfiguration\/sourcecontrolconfigurations'\s*\n\| project id,/);
  });

  // The simulator leaves Flux v1 configurations on clusters 14 (one) and 15 (two) of every 50.
  const fluxV1Of = (clusters: ClusterRecord[]) => new Map(clusters.map((c) => [Number(/-(\d{5})$/.exec(c.name)?.[1] ?? -1), c.fluxV1Configurations]));

  it("reads Flux v1 configurations with one paged query for the fleet and counts them per cluster", async () => {
    const sim = await simulator({ clusters: 48, seed: 7 });
    expect(sim.fleet.sourceControlConfigurations).toBe(3);
    const { errors, clusters } = await sweep(source(sim, { pageSize: 2 }));
    expect(errors).toEqual([]);
    const counts = fluxV1Of(clusters);
    expect(counts.get(14)).toBe(1);
    expect(counts.get(15)).toBe(2);
    // Every other cluster was looked at and has none (0, not "unknown").
    expect(clusters.filter((c) => c.fluxV1Configurations === 0)).toHaveLength(clusters.length - 2);
    // Three rows at two a page: two requests for the whole fleet, not one per cluster.
    expect(sim.stats.byKind["source-control"]).toBe(2);
  });

  it("a Flux v1 query that keeps failing is reported, and clusters and extensions are all still read", async () => {
    const sim = await simulator({ clusters: 48, seed: 7, faults: { serverError: [{ kind: "source-control", status: 500, times: Infinity }] } });
    const { errors, clusters, extensions } = await sweep(source(sim, { pageSize: 10, maxAttempts: 2 }));
    expectEachOnce(clusters, sim.fleet.clusterIds());
    expect(extensions.length).toBe(sim.fleet.extensions);
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^Resource Graph sourceControlConfigurations page 1 failed after retries/),
      expect.stringMatching(/^Flux v1 source control configurations could not be read for 48 cluster\(s\); their Flux v1 end of support is not judged/),
    ]);
    // Not read is not "none": no cluster claims zero configurations.
    expect(clusters.every((c) => c.fluxV1Configurations === undefined)).toBe(true);
  });

  it("configurations read before a later Flux v1 page failed still count; the rest stay unknown", async () => {
    const sim = await simulator({ clusters: 48, seed: 7, faults: { serverError: [{ kind: "source-control", page: 2, status: 500, times: Infinity }] } });
    const { errors, clusters } = await sweep(source(sim, { pageSize: 1, maxAttempts: 2 }));
    expectEachOnce(clusters, sim.fleet.clusterIds());
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^Resource Graph sourceControlConfigurations page 2 failed after retries .*1 earlier page\(s\) of this scope were kept/),
      expect.stringMatching(/^Flux v1 source control configurations could not be read for 47 cluster\(s\)/),
    ]);
    const counts = fluxV1Of(clusters);
    expect(counts.get(14)).toBe(1); // page 1
    expect(counts.get(15)).toBeUndefined(); // its rows were on the failed pages
    expect(counts.get(0)).toBeUndefined();
  });

  it("sees every cluster of a multi-page fleet exactly once, a page at a time", async () => {
    const sim = await simulator({ clusters: 45, seed: 3 });
    const progress: number[] = [];
    const { errors, clusters, pageSizes } = await sweep(source(sim, { pageSize: 8, onProgress: (p) => p.kind === "clusters" && progress.push(p.page) }));
    expect(errors).toEqual([]);
    expect(pageSizes.length).toBeGreaterThan(3);
    expect(Math.max(...pageSizes)).toBeLessThanOrEqual(8);
    expect(progress).toEqual(pageSizes.map((_, i) => i + 1));
    expectEachOnce(clusters, sim.fleet.clusterIds());
    // The projection carries what classification needs.
    const sample = clusters.find((c) => c.agentPools.length > 1)!;
    expect(sample.currentKubernetesVersion).toMatch(/^1\.\d+\.\d+$/);
    expect(sample.location).not.toBe("");
    expect(sample.skuTier).toMatch(/^(Free|Standard|Premium)$/);
    expect(sample.agentPools[0]!.mode).toBe("System");
    expect(clusters.some((c) => c.supportPlan === "AKSLongTermSupport" && c.skuTier === "Premium")).toBe(true);
    expect(clusters.some((c) => Object.keys(c.addonProfiles).length > 0)).toBe(true);
    expect(sim.stats.byKind.clusters).toBe(pageSizes.length);
  });

  it("joins extensions to their clusters by id, case-insensitively", async () => {
    const sim = await simulator({ clusters: 60, seed: 5 });
    const { errors, clusters, extensions } = await sweep(source(sim, { pageSize: 10 }));
    expect(errors).toEqual([]);
    expect(extensions.length).toBe(sim.fleet.extensions);
    const byId = new Map(clusters.map((c) => [armIdKey(c.id), c]));
    for (const x of extensions) expect(byId.has(armIdKey(x.clusterId)), x.id).toBe(true);
    // ARG spells some extension ids differently from their cluster's id; the join must not care.
    expect(extensions.some((x) => x.clusterId !== byId.get(armIdKey(x.clusterId))!.id)).toBe(true);
    // Rows whose bag says `ExtensionType` (PascalCase) still yield a type.
    expect(extensions.every((x) => /^[a-z0-9.]+$/.test(x.extensionType))).toBe(true);
    expect(new Set(extensions.map((x) => x.extensionType))).toContain("microsoft.flux");
  });

  it("slows down on the quota headers so the service never has to refuse", async () => {
    const sim = await simulator({ clusters: 48, seed: 7, quota: { requests: 5, windowMs: 500 } });
    const src = source(sim, { pageSize: 6 });
    const started = Date.now();
    const { errors, clusters } = await sweep(src);
    const elapsed = Date.now() - started;
    expect(errors).toEqual([]);
    expectEachOnce(clusters, sim.fleet.clusterIds());
    const requests = sim.stats.total;
    expect(requests).toBeGreaterThan(10);
    expect(sim.stats.byStatus["429"] ?? 0).toBe(0);
    expect(src.stats.throttled).toBe(0);
    expect(src.stats.quotaWaitMs).toBeGreaterThan(0);
    // The quota floor: every request beyond the first window's five waited for the window to move.
    expect(elapsed).toBeGreaterThanOrEqual((Math.ceil(requests / 5) - 1) * 500 - 50);
  });

  it("without the limiter the same sweep is refused, and still completes by backing off", async () => {
    const sim = await simulator({ clusters: 48, seed: 7, quota: { requests: 5, windowMs: 500 } });
    const src = source(sim, { pageSize: 6, respectQuota: false, maxAttempts: 12, retryBaseMs: 100 });
    const { errors, clusters } = await sweep(src);
    expect(errors).toEqual([]);
    expectEachOnce(clusters, sim.fleet.clusterIds());
    expect(sim.stats.byStatus["429"] ?? 0).toBeGreaterThan(0);
  });

  it("retries a 429 and a 5xx mid-pagination without losing or duplicating clusters", async () => {
    const sim = await simulator({
      clusters: 50,
      seed: 9,
      faults: {
        throttle: [
          { kind: "clusters", page: 2, retryAfterSeconds: 1 }, // the SDK honours Retry-After
          { kind: "clusters", page: 3, retryAfterSeconds: null, resetsAfterMs: 300 }, // quota headers only: ours
        ],
        serverError: [
          { kind: "clusters", page: 4, status: 503 },
          { kind: "clusters", page: 5, status: 500, times: 4 }, // outlasts the SDK's 3 retries
        ],
        resetConnection: [{ kind: "extensions", page: 2 }],
      },
    });
    const src = source(sim, { pageSize: 7 });
    const { errors, clusters, extensions } = await sweep(src);
    expect(errors).toEqual([]);
    expectEachOnce(clusters, sim.fleet.clusterIds());
    expect(extensions.length).toBe(sim.fleet.extensions);
    expect(sim.stats.byStatus["429"]).toBe(2);
    expect(sim.stats.byStatus["503"]).toBe(1);
    expect(sim.stats.byStatus["500"]).toBe(4);
    expect(sim.stats.byStatus.reset).toBe(1);
    expect(src.stats.retries).toBeGreaterThanOrEqual(2);
  });

  it("a denied subscription is reported and the rest of the fleet is read", async () => {
    const sim = await simulator({ clusters: 80, seed: 11, subscriptions: 7 });
    const subs = sim.fleet.subscriptions.map((s) => s.id);
    const denied = sim.fleet.subscriptions.find((s) => s.clusters > 0 && s.id !== subs[0])!.id;
    await sim.close();
    const sim2 = await simulator({ clusters: 80, seed: 11, subscriptions: 7, faults: { deniedSubscriptions: [denied] } });
    const src = source(sim2, { pageSize: 9, subscriptionBatchSize: 3 });
    const { errors, clusters, extensions } = await sweep(src, { subscriptions: subs, managementGroups: [], clusterIds: [] });
    expect(errors).toHaveLength(1); // once for the run, not once per sweep
    expect(errors[0]!.scope).toBe(`subscription:${denied}`);
    // Resource Graph's own 403 envelope (AccessDenied + "Please provide below info…" + details), as observed publicly.
    expect(errors[0]!.message).toMatch(/^Resource Graph refused the scope \(403 AccessDenied: Access is denied to the requested resource\. The user might not have enough permission\. \(timestamp = \S+, correlationId = \S+\)\)/);
    const others = subs.filter((s) => s !== denied);
    expectEachOnce(clusters, sim2.fleet.clusterIds({ subscriptions: others }));
    expect(extensions.length).toBe([...sim2.fleet.extensionIds({ subscriptions: others })].length);
  });

  it("in tenant scope a subscription the identity cannot read is simply absent", async () => {
    const sim = await simulator({ clusters: 40, seed: 13, subscriptions: 4 });
    const denied = sim.fleet.subscriptions.find((s) => s.clusters > 0)!.id;
    const sim2 = await simulator({ clusters: 40, seed: 13, subscriptions: 4, faults: { deniedSubscriptions: [denied] } });
    const { errors, clusters } = await sweep(source(sim2, { pageSize: 10 }));
    expect(errors).toEqual([]);
    const others = sim.fleet.subscriptions.map((s) => s.id).filter((s) => s !== denied);
    expectEachOnce(clusters, sim2.fleet.clusterIds({ subscriptions: others }));
  });

  it("reads a management group's subscriptions, and reports a group it may not read", async () => {
    const sim = await simulator({ clusters: 40, seed: 17, subscriptions: 4, faults: { deniedManagementGroups: ["mg-secret"] } });
    const [group, members] = Object.entries(sim.fleet.managementGroups)[0]!;
    const { errors, clusters } = await sweep(source(sim, { pageSize: 10 }), { subscriptions: [], managementGroups: [group, "mg-secret"], clusterIds: [] });
    expect(errors.map((e) => e.scope)).toEqual(["managementGroup:mg-secret"]);
    expectEachOnce(clusters, sim.fleet.clusterIds({ subscriptions: members }));
  });

  it("records a page that still fails after retries with its scope and goes on with the next batch", async () => {
    const sim = await simulator({ clusters: 60, seed: 19, subscriptions: 4 });
    const subs = sim.fleet.subscriptions.map((s) => s.id);
    const broken = sim.fleet.subscriptions.find((s) => s.clusters > 8)!.id;
    const sim2 = await simulator({
      clusters: 60,
      seed: 19,
      subscriptions: 4,
      faults: { serverError: [{ kind: "clusters", page: 2, subscription: broken, status: 500, times: Infinity }] },
    });
    const src = source(sim2, { pageSize: 4, subscriptionBatchSize: 1, maxAttempts: 2, retryOptions: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 20 } });
    const { errors, clusters } = await sweep(src, { subscriptions: subs, managementGroups: [], clusterIds: [] });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.scope).toBe(`subscription:${broken}`);
    expect(errors[0]!.message).toMatch(/clusters page 2 failed after retries \(500/);
    expect(errors[0]!.message).toMatch(/1 earlier page\(s\) of this scope were kept/);
    const others = subs.filter((s) => s !== broken);
    const seen = new Set(clusters.map((c) => armIdKey(c.id)));
    for (const id of sim2.fleet.clusterIds({ subscriptions: others })) expect(seen.has(armIdKey(id))).toBe(true);
    expect(clusters.filter((c) => c.subscriptionId === broken)).toHaveLength(4); // the first page was kept
  });

  it("never accepts a truncated result silently", async () => {
    const sim = await simulator({ clusters: 30, seed: 23, faults: { truncate: [{ kind: "clusters", page: 1 }] } });
    const { errors, clusters } = await sweep(source(sim, { pageSize: 10 }));
    expect(clusters).toHaveLength(10);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.scope).toBe("tenant");
    expect(errors[0]!.message).toMatch(/truncated/);
  });

  it("paces on whole-second quota headers, including 00:00:00 with none left, without a refusal", async () => {
    const sim = await simulator({ clusters: 48, seed: 7, quota: { requests: 4, windowMs: 700, resetsAfter: "whole-seconds" } });
    const src = source(sim, { pageSize: 6 });
    const { errors, clusters } = await sweep(src);
    expect(errors).toEqual([]);
    expectEachOnce(clusters, sim.fleet.clusterIds());
    expect(sim.stats.total).toBeGreaterThan(8);
    expect(sim.stats.byStatus["429"] ?? 0).toBe(0);
    expect(src.stats.throttled).toBe(0);
  });

  it("reports a tenant query that covered only the first subscriptions the identity sees", async () => {
    const sim = await simulator({ clusters: 60, seed: 29, subscriptions: 6, tenantSubscriptionLimit: 4 });
    const { errors, clusters } = await sweep(source(sim, { pageSize: 20 }));
    const covered = sim.fleet.subscriptions.slice(0, 4).map((s) => s.id);
    expectEachOnce(clusters, sim.fleet.clusterIds({ subscriptions: covered }));
    expect(errors).toHaveLength(1); // once for the run, though every page carried the header
    expect(errors[0]!.message).toMatch(/only the first 10,000 subscriptions.*AUDIT_SUBSCRIPTIONS/);
  });
});
