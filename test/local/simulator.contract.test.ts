/**
 * Contract: what the fleet simulator serves has the field structure of Azure's own published
 * examples (a checkout of Azure/azure-rest-api-specs named by AZURE_REST_API_SPECS, read at test
 * time, never copied; without it these comparisons skip with one line). Compared
 * are key paths and value types, not values:
 *   - every path of the real example is served, with a compatible type (null fits any type),
 *     except paths listed as optional with the reason they may be absent;
 *   - every served path appears in one of the real examples of that resource, except fields the
 *     SDK models but no published example shows (listed, with that reason).
 * Requests go over raw HTTPS so the wire JSON is compared, not the SDK's flattened models.
 */
import https from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator } from "../../src/local/simulator/index.js";
import { heapUsedAfterGc } from "../helpers/gc.js";
import { observed } from "../helpers/observed.js";
import { azureSpecsRoot, example, skipNote, SPECS_SETTING } from "../helpers/reference.js";

const SPECS = azureSpecsRoot();
if (!SPECS) skipNote(SPECS_SETTING, "the fleet simulator's contract with Microsoft's published REST examples");
const CS = "containerservice/2026-06-01";
const CS_API = "2026-06-01";

/** `service/api-version/File.json` from the spec checkout (either layout). */
function fixture(relative: string): Record<string, unknown> {
  const [service, version, file] = relative.split("/") as [string, string, string];
  return example(SPECS!, service, version, file);
}

function responseBody(relative: string, status = "200"): unknown {
  return (fixture(relative).responses as Record<string, { body: unknown }>)[status]!.body;
}

// ------------------------------------------------------------------ structure

/** Objects whose keys are data (tag names, add-on names, patch versions), not schema. */
const MAP_KEYS = new Set(["tags", "addonProfiles", "config", "patchVersions", "configurationSettings"]);

type Shape = Map<string, Set<string>>;

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function shapeOf(value: unknown, into: Shape = new Map(), at = "", inMap = false): Shape {
  const add = (p: string, t: string): void => {
    if (!into.has(p)) into.set(p, new Set());
    into.get(p)!.add(t);
  };
  if (at !== "") add(at, typeOf(value));
  if (Array.isArray(value)) for (const item of value) shapeOf(item, into, `${at}[]`);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const key = inMap ? "{}" : k;
      shapeOf(v, into, at === "" ? key : `${at}.${key}`, !inMap && MAP_KEYS.has(k));
    }
  }
  return into;
}

function union(...shapes: Shape[]): Shape {
  const out: Shape = new Map();
  for (const s of shapes) for (const [p, t] of s) out.set(p, new Set([...(out.get(p) ?? []), ...t]));
  return out;
}

function compatible(a: Set<string>, b: Set<string>): boolean {
  if (a.has("null") || b.has("null")) return true;
  return [...a].some((t) => b.has(t));
}

const matches = (patterns: RegExp[], p: string): boolean => patterns.some((re) => re.test(p));

interface ContractRules {
  /** Paths of the real example the simulator may leave out. */
  optional?: RegExp[];
  /** Served paths with no published example (SDK-modelled fields). */
  extras?: RegExp[];
}

function compare(served: unknown, real: unknown, knownReal: Shape, rules: ContractRules = {}) {
  const s = shapeOf(served);
  const r = shapeOf(real);
  // Inside a map (tags, add-on config…) which keys exist is data, so only types are compared there.
  const missing = [...r.keys()].filter((p) => !s.has(p) && !p.includes("{}") && !matches(rules.optional ?? [], p));
  const mismatched = [...r.keys()].filter((p) => s.has(p) && !compatible(s.get(p)!, r.get(p)!)).map((p) => `${p}: served ${[...s.get(p)!]} vs real ${[...r.get(p)!]}`);
  const unexpected = [...s.keys()].filter((p) => !knownReal.has(p) && !matches(rules.extras ?? [], p));
  const mismatchedKnown = [...s.keys()].filter((p) => knownReal.has(p) && !compatible(s.get(p)!, knownReal.get(p)!)).map((p) => `${p}: served ${[...s.get(p)!]} vs real ${[...knownReal.get(p)!]}`);
  return { missing, mismatched: [...new Set([...mismatched, ...mismatchedKnown])], unexpected };
}

const CLEAN = { missing: [], mismatched: [], unexpected: [] };

// ------------------------------------------------------------------ wire access

let sim: FleetSimulator;

function call(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: any }> {
  const url = new URL(path, sim.endpoint);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method,
        ca: sim.ca,
        headers: { authorization: "Bearer contract-test", "content-type": "application/json", ...(payload ? { "content-length": Buffer.byteLength(payload) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : null });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const graph = (body: unknown) => call("POST", "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", body);
const CLUSTERS_WHOLE = "resources | where type =~ 'microsoft.containerservice/managedclusters'";
const EXTENSIONS_WHOLE = "kubernetesconfigurationresources | where type =~ 'microsoft.kubernetesconfiguration/extensions'";

/** The first cluster (by position) matching a predicate on its ARM resource. */
function clusterWhere(pred: (r: any) => boolean): any {
  for (let i = 0; i < sim.fleet.clusters; i++) {
    const r = sim.fleet.clusterResource(i);
    if (pred(r)) return r;
  }
  throw new Error("no such cluster in the simulated fleet");
}

function armPath(id: string, suffix = ""): string {
  return `${id.split("/").map(encodeURIComponent).join("/")}${suffix}?api-version=${CS_API}`;
}

// ------------------------------------------------------------------ rules

/**
 * Fields no published response example shows, each spelled exactly as the SDK 25.5.0
 * (de)serializers in dist/esm/models/models.js spell them (see azure-api-facts.md §3).
 */
const CLUSTER_EXTRAS = [
  /^identity(\.(type|principalId|tenantId))?$/,
  /^properties\.powerState(\.code)?$/,
  /^properties\.autoUpgradeProfile(\.(upgradeChannel|nodeOSUpgradeChannel))?$/,
  /^properties\.oidcIssuerProfile(\.(enabled|issuerURL))?$/,
  /^properties\.securityProfile(\.workloadIdentity(\.enabled)?)?$/,
  /^properties\.workloadAutoScalerProfile(\.(keda|verticalPodAutoscaler)(\.enabled)?)?$/,
  /^properties\.azureMonitorProfile(\.metrics(\.(enabled|kubeStateMetrics(\.(metricLabelsAllowlist|metricAnnotationsAllowList))?))?)?$/,
  /^properties\.storageProfile(\.(diskCSIDriver|fileCSIDriver|snapshotController)(\.enabled)?)?$/,
  /^properties\.networkProfile\.(networkPluginMode|networkPolicy|networkDataplane)$/,
  /^properties\.ingressProfile\.webAppRouting\.nginx(\.defaultIngressControllerType)?$/,
  /^properties\.agentPoolProfiles\[\]\.(osSKU|osDiskSizeGB|osDiskType|powerState|powerState\.code|enableAutoScaling)$/,
  /^properties\.addonProfiles\.\{\}\.identity(\.(resourceId|clientId|objectId))?$/,
  // Pod-managed identity (ManagedClusterPodIdentityProfile), on the few clusters that still use it.
  /^properties\.podIdentityProfile(\.(enabled|allowNetworkPluginKubenet|userAssignedIdentities|userAssignedIdentityExceptions))?$/,
  // AKS-managed capability profiles (the SDK's ManagedCluster*Profile models, same spelling).
  /^properties\.aiToolchainOperatorProfile(\.enabled)?$/,
  /^properties\.metricsProfile(\.costAnalysis(\.enabled)?)?$/,
  /^properties\.azureMonitorProfile\.containerInsights(\.(enabled|logAnalyticsWorkspaceResourceId))?$/,
  /^properties\.azureMonitorProfile\.appMonitoring(\.(autoInstrumentation|openTelemetryMetrics|openTelemetryLogsAndTraces)(\.(enabled|httpPort|grpcPort))?)?$/,
  /^properties\.securityProfile\.imageCleaner(\.(enabled|intervalHours))?$/,
  /^properties\.securityProfile\.defender(\.(logAnalyticsWorkspaceResourceId|securityMonitoring(\.enabled)?))?$/,
  /^properties\.securityProfile\.azureKeyVaultKms(\.(enabled|keyId|keyVaultNetworkAccess))?$/,
  /^properties\.nodeProvisioningProfile(\.mode)?$/,
  /^properties\.storageProfile\.blobCSIDriver(\.enabled)?$/,
  /^properties\.networkProfile\.advancedNetworking(\.(enabled|observability(\.enabled)?))?$/,
  /^properties\.ingressProfile(\.gatewayAPI(\.installation)?)?$/,
  /^properties\.ingressProfile\.webAppRouting\.gatewayAPIImplementations(\.appRoutingIstio(\.mode)?)?$/,
  /^properties\.hostedSystemProfile(\.enabled)?$/,
  // Preview-API fields served in Resource Graph rows only (wire.ts renderPreviewFeatureFields): not in the stable SDK.
  /^properties\.securityProfile\.imageIntegrity(\.enabled)?$/,
  /^properties\.ingressProfile\.applicationLoadBalancer(\.enabled)?$/,
];

/** Real-example fields a simulated cluster legitimately lacks. */
const CLUSTER_OPTIONAL = [
  /^properties\.diskEncryptionSetID$/, // only with customer-managed disk keys
  /^properties\.upgradeSettings(\.|$)/, // only while a forced-upgrade override is set
  /^properties\.networkProfile\.loadBalancerProfile\.outboundIPs(\.|$)/, // customer IPs; ours use managed outbound IPs
  /^properties\.privateFQDN$/, // private clusters only
  /^properties\.apiServerAccessProfile(\.|$)/,
  /^properties\.autoScalerProfile(\.|$)/,
  /^properties\.windowsProfile(\.|$)/,
  /^properties\.agentPoolProfiles\[\]\.(enableEncryptionAtHost|enableNodePublicIP)$/,
  /^properties\.networkProfile\.networkPlugin$/,
];

describe.skipIf(!SPECS)("fleet simulator contract with Azure's published examples", () => {
  let clusterExamples: Shape;
  let graphEnvelopes: Shape;

  beforeAll(async () => {
    sim = await startFleetSimulator({ clusters: 200, seed: 1, quota: { requests: 1000, windowMs: 5000 } });
    graphEnvelopes = union(
      ...["ResourcesBasicQuery", "ResourcesFirstPageQuery", "ResourcesNextPageQuery", "ResourcesMgBasicQuery", "ResourcesTenantBasicQuery", "ResourcesRandomPageQuery"].map((f) =>
        shapeOf(responseBody(`resourcegraph/2024-04-01/${f}.json`)),
      ),
    );
    clusterExamples = union(
      ...["ManagedClustersGet.json", "ManagedClustersCreate_Premium.json", "ManagedClustersCreate_AzureServiceMesh.json", "ManagedClustersCreate_IngressProfile_WebAppRouting.json"].map((f) =>
        shapeOf(responseBody(`${CS}/${f}`)),
      ),
      shapeOf((responseBody(`${CS}/ManagedClustersList.json`) as { value: unknown[] }).value[0]),
    );
  });

  afterAll(async () => {
    await sim.close();
  });

  it("the comparison itself notices a misspelt or mistyped field", () => {
    const real = responseBody(`${CS}/ManagedClustersGet.json`) as any;
    const served = structuredClone(clusterWhere((r) => r.properties.agentPoolProfiles.length > 1));
    served.properties.currentKubernetesVersions = served.properties.currentKubernetesVersion;
    delete served.properties.currentKubernetesVersion;
    served.properties.autoUpgradeProfile = { nodeOsUpgradeChannel: "NodeImage" };
    served.properties.maxAgentPools = "100";
    const result = compare(served, real, clusterExamples, { optional: CLUSTER_OPTIONAL, extras: CLUSTER_EXTRAS });
    expect(result.missing).toContain("properties.currentKubernetesVersion");
    expect(result.unexpected).toEqual(expect.arrayContaining(["properties.currentKubernetesVersions", "properties.autoUpgradeProfile.nodeOsUpgradeChannel"]));
    expect(result.mismatched.some((m) => m.startsWith("properties.maxAgentPools:"))).toBe(true);
  });

  it("Resource Graph pages have the QueryResponse envelope, $skipToken and quota headers", async () => {
    const first = await graph({ query: `${CLUSTERS_WHOLE} | project id, name, type, location`, options: { $top: 3 } });
    expect(first.status).toBe(200);
    expect(compare(first.json, responseBody("resourcegraph/2024-04-01/ResourcesFirstPageQuery.json"), graphEnvelopes)).toEqual(CLEAN);
    expect(first.json.resultTruncated).toBe("false");
    expect(first.json.totalRecords).toBe(200);
    expect(first.headers["x-ms-user-quota-remaining"]).toMatch(/^\d+$/);
    expect(first.headers["x-ms-user-quota-resets-after"]).toMatch(/^\d{2}:\d{2}:\d{2}(\.\d{7})?$/);

    const middle = await graph({ query: `${CLUSTERS_WHOLE} | project id, name, type, location`, options: { $top: 3, $skipToken: first.json.$skipToken } });
    expect(compare(middle.json, responseBody("resourcegraph/2024-04-01/ResourcesNextPageQuery.json"), graphEnvelopes)).toEqual(CLEAN);
    expect(middle.json.$skipToken).not.toBe(first.json.$skipToken);

    const last = await graph({ query: `${CLUSTERS_WHOLE} | project id, name, type, location, tags`, options: { $skipToken: middle.json.$skipToken } });
    expect(last.status).toBe(400); // a token only continues the query and scope that made it
    const rest = await graph({ query: `${CLUSTERS_WHOLE} | project id, name, type, location`, options: { $skipToken: middle.json.$skipToken } });
    expect(rest.json.count).toBe(194);
    expect(rest.json.$skipToken).toBeUndefined(); // last page: no token, as in ResourcesBasicQuery
    expect(compare(rest.json, responseBody("resourcegraph/2024-04-01/ResourcesBasicQuery.json"), graphEnvelopes, { optional: [/^data\[\]\.tags/] })).toEqual(CLEAN);
  });

  it("Resource Graph rows lower-case the type and keep ARM casing in ids; management-group scope works", async () => {
    const [mg, members] = Object.entries(sim.fleet.managementGroups)[0]!;
    const res = await graph({ managementGroups: [mg], query: `${CLUSTERS_WHOLE} | project id, name, type, location, tags`, options: { $top: 5 } });
    const real = responseBody("resourcegraph/2024-04-01/ResourcesMgBasicQuery.json") as { data: unknown[] };
    expect(compare(res.json, real, graphEnvelopes)).toEqual(CLEAN);
    for (const row of res.json.data) {
      expect(row.type).toBe("microsoft.containerservice/managedclusters");
      expect(row.id).toMatch(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+$/);
      expect(members).toContain(row.id.split("/")[2]);
    }
    expect(res.json.totalRecords).toBe(sim.fleet.subscriptions.filter((s) => s.managementGroup === mg).reduce((n, s) => n + s.clusters, 0));
  });

  it("a whole-resource cluster row carries the Container Service properties", async () => {
    const res = await graph({ query: CLUSTERS_WHOLE, options: { $top: 50 } });
    const real = responseBody(`${CS}/ManagedClustersGet.json`);
    for (const row of res.json.data) {
      const { tenantId, kind, managedBy, resourceGroup, subscriptionId, plan, zones, extendedLocation, ...resource } = row;
      expect({ tenantId, kind, managedBy, resourceGroup, subscriptionId, plan, zones, extendedLocation }).toMatchObject({ kind: "", managedBy: "", plan: null });
      const result = compare({ ...resource, type: "Microsoft.ContainerService/managedClusters", eTag: "x" }, real, clusterExamples, { optional: CLUSTER_OPTIONAL, extras: CLUSTER_EXTRAS });
      expect(result, row.id).toEqual(CLEAN);
    }
  });

  it("GET managedClusters/{name} matches ManagedClustersGet, and LTS, Istio and app-routing clusters match their examples", async () => {
    const cases: [string, (r: any) => boolean][] = [
      ["ManagedClustersGet.json", (r) => r.properties.agentPoolProfiles.length > 1],
      ["ManagedClustersCreate_Premium.json", (r) => r.properties.supportPlan === "AKSLongTermSupport"],
      ["ManagedClustersCreate_AzureServiceMesh.json", (r) => r.properties.serviceMeshProfile?.mode === "Istio" && "azureKeyvaultSecretsProvider" in r.properties.addonProfiles],
      ["ManagedClustersCreate_IngressProfile_WebAppRouting.json", (r) => r.properties.ingressProfile?.webAppRouting?.enabled === true],
    ];
    for (const [file, pred] of cases) {
      const wanted = clusterWhere(pred);
      const res = await call("GET", armPath(wanted.id));
      expect(res.status, file).toBe(200);
      const optional = [...CLUSTER_OPTIONAL, /^properties\.serviceMeshProfile\.istio\.(certificateAuthority|components\.egressGateways\[\])(\.|$)/];
      expect(compare(res.json, responseBody(`${CS}/${file}`), clusterExamples, { optional, extras: CLUSTER_EXTRAS }), file).toEqual(CLEAN);
    }
  });

  it("the managedClusters list pages like ManagedClustersList: value items, nextLink only while more remain", async () => {
    const sub = [...sim.fleet.subscriptions].sort((a, b) => b.clusters - a.clusters)[0]!;
    const real = responseBody(`${CS}/ManagedClustersList.json`) as { value: unknown[] };
    const first = await call("GET", `/subscriptions/${sub.id}/providers/Microsoft.ContainerService/managedClusters?api-version=${CS_API}`);
    for (const item of first.json.value) {
      expect(compare(item, real.value[0], clusterExamples, { optional: CLUSTER_OPTIONAL, extras: CLUSTER_EXTRAS }), item.id).toEqual(CLEAN);
    }
    // Follow nextLink to the end: the last page has exactly the example's envelope (no nextLink).
    let page = first;
    const ids = page.json.value.map((c: any) => c.id);
    while (page.json.nextLink) {
      expect(typeof page.json.nextLink).toBe("string");
      const next = new URL(page.json.nextLink);
      expect(next.origin).toBe(new URL(sim.endpoint).origin);
      page = await call("GET", `${next.pathname}${next.search}`);
      ids.push(...page.json.value.map((c: any) => c.id));
    }
    expect(Object.keys(page.json).sort()).toEqual(Object.keys(real).sort());
    expect(new Set(ids).size).toBe(sub.clusters);
  });

  it("upgradeProfiles/default matches ManagedClustersGetUpgradeProfile", async () => {
    const wanted = clusterWhere((r) => r.properties.agentPoolProfiles.length > 1);
    const res = await call("GET", armPath(wanted.id, "/upgradeProfiles/default"));
    const real = responseBody(`${CS}/ManagedClustersGetUpgradeProfile.json`);
    expect(compare(res.json, real, shapeOf(real))).toEqual(CLEAN);
    expect(res.json.id.toLowerCase()).toBe(`${wanted.id}/upgradeprofiles/default`.toLowerCase());
  });

  it("kubernetesVersions matches KubernetesVersions_List: minors with patch maps whose upgrades stay within the list", async () => {
    const sub = sim.fleet.subscriptions[0]!.id;
    const res = await call("GET", `/subscriptions/${sub}/providers/Microsoft.ContainerService/locations/eastus/kubernetesVersions?api-version=${CS_API}`);
    const real = responseBody(`${CS}/KubernetesVersions_List.json`) as { values: { version: string; patchVersions: Record<string, { upgrades: string[] }> }[] };
    expect(compare(res.json, real, shapeOf(real))).toEqual(CLEAN);
    // The relations the published example shows: patch keys belong to their minor, upgrades name
    // only listed patches, and a preview minor offers no upgrades.
    for (const body of [real, res.json]) {
      const listed = new Set(body.values.flatMap((v: any) => Object.keys(v.patchVersions)));
      for (const v of body.values as any[]) {
        for (const [patch, entry] of Object.entries(v.patchVersions) as [string, { upgrades: string[] }][]) {
          expect(patch.startsWith(`${v.version}.`)).toBe(true);
          for (const u of entry.upgrades) expect(listed.has(u)).toBe(true);
          if (v.isPreview) expect(entry.upgrades).toEqual([]);
        }
      }
    }
  });

  it("extensions match the Kubernetes Configuration examples, over ARM and in Resource Graph rows", async () => {
    const withExtensions = clusterWhere((r) => [...sim.fleet.extensionIds()].some((x) => x.clusterId === r.id));
    const res = await call("GET", armPath(withExtensions.id, "/providers/Microsoft.KubernetesConfiguration/extensions"));
    const realList = responseBody("kubernetesconfiguration/2025-03-01/ListExtensions.json") as { value: unknown[] };
    const known = union(shapeOf(realList), shapeOf({ value: [responseBody("kubernetesconfiguration/2025-03-01/GetExtension.json")] }));
    expect(compare(res.json, realList, known, { optional: [/^value\[\]\.plan(\.|$)/] })).toEqual(CLEAN);

    const real = responseBody("kubernetesconfiguration/2025-03-01/GetExtension.json");
    const rows = await graph({ query: EXTENSIONS_WHOLE, options: { $top: 40 } });
    const extShape = union(shapeOf(real), shapeOf(realList.value[2]));
    let pascal = 0;
    for (const row of rows.json.data) {
      expect(row.type).toBe("microsoft.kubernetesconfiguration/extensions");
      const { tenantId, kind, managedBy, resourceGroup, subscriptionId, plan, zones, extendedLocation, location, tags, identity, sku, ...resource } = row;
      const props = { ...resource.properties };
      if ("ExtensionType" in props) {
        pascal += 1;
        props.extensionType = props.ExtensionType;
        delete props.ExtensionType;
      }
      expect(compare({ ...resource, properties: props }, real, extShape, { optional: [/^systemData(\.|$)/] }), row.id).toEqual(CLEAN);
    }
    expect(pascal).toBeGreaterThan(0);
  });

  it("throttling and errors use Azure's error envelope", async () => {
    const tight = await startFleetSimulator({ clusters: 5, quota: { requests: 1, windowMs: 60_000 } });
    try {
      const ask = () =>
        new Promise<{ status: number; headers: any; json: any }>((resolve, reject) => {
          const req = https.request(
            { host: "127.0.0.1", port: new URL(tight.endpoint).port, path: "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", method: "POST", ca: tight.ca, headers: { authorization: "Bearer p", "content-type": "application/json" } },
            (res) => {
              let text = "";
              res.on("data", (c) => (text += c));
              res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(text) }));
            },
          );
          req.on("error", reject);
          req.end(JSON.stringify({ query: CLUSTERS_WHOLE }));
        });
      expect((await ask()).status).toBe(200);
      const refused = await ask();
      expect(refused.status).toBe(429);
      expect(refused.headers["x-ms-user-quota-remaining"]).toBe("0");
      expect(refused.headers["x-ms-user-quota-resets-after"]).toMatch(/^00:00:(59|60)|^00:01:00/);
      expect(refused.headers["retry-after"]).toBeUndefined();
      // No spec example of a 429 exists; the recorded body is the one observed publicly (see the file).
      expect(shapeOf(refused.json)).toEqual(shapeOf(observed("resourcegraph-429-RateLimiting.json")));
      expect(refused.json.error.code).toBe("RateLimiting");
      expect(refused.json.error.message).toMatch(/^Please provide below info when asking for support: timestamp = \S+, correlationId = \S+\.$/);
    } finally {
      await tight.close();
    }
    const missing = await call("GET", armPath(`/subscriptions/${sim.fleet.subscriptions[0]!.id}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/nope`));
    expect(missing.status).toBe(404);
    expect(Object.keys(missing.json.error).sort()).toEqual(["code", "message"]);
  });
});

describe("Resource Graph answers as observed where no spec example exists", () => {
  let own: FleetSimulator;
  const post = (body: unknown, subscriptions?: string[]) => {
    sim = own;
    return graph(subscriptions ? { ...(body as object), subscriptions } : body);
  };
  beforeAll(async () => {
    const probe = await startFleetSimulator({ clusters: 30, seed: 3, subscriptions: 3, quota: null });
    const denied = probe.fleet.subscriptions[1]!.id;
    await probe.close();
    own = await startFleetSimulator({ clusters: 30, seed: 3, subscriptions: 3, quota: { requests: 100, windowMs: 4000, resetsAfter: "whole-seconds" }, faults: { deniedSubscriptions: [denied] } });
  });
  afterAll(async () => {
    await own.close();
  });

  it("a refused subscription is a 403 AccessDenied with the support message and details", async () => {
    const subs = own.fleet.subscriptions.map((s) => s.id);
    const res = await post({ query: `${CLUSTERS_WHOLE} | project id` }, subs);
    expect(res.status).toBe(403);
    expect(shapeOf(res.json)).toEqual(shapeOf(observed("resourcegraph-403-AccessDenied.json")));
    expect(res.json.error.code).toBe("AccessDenied");
    expect(res.json.error.message).toMatch(/^Please provide below info when asking for support: timestamp = \S+, correlationId = \S+\.$/);
    expect(res.json.error.details[0].code).toBe("AccessDenied");
  });

  it("quota headers come on refusals too, in whole seconds when the service writes them so", async () => {
    const bad = await post({ query: "resources | where" });
    expect(bad.status).toBe(400);
    expect(bad.headers["x-ms-user-quota-remaining"]).toMatch(/^\d+$/);
    expect(bad.headers["x-ms-user-quota-resets-after"]).toMatch(/^\d{2}:\d{2}:\d{2}$/);
  });

  it("$skip with $skipToken sets the page's offset from the first row", async () => {
    const query = `${CLUSTERS_WHOLE} | project id`;
    const all = await post({ query, options: { $top: 1000 } }, [own.fleet.subscriptions[0]!.id]);
    const first = await post({ query, options: { $top: 2 } }, [own.fleet.subscriptions[0]!.id]);
    const skipped = await post({ query, options: { $top: 2, $skip: 5, $skipToken: first.json.$skipToken } }, [own.fleet.subscriptions[0]!.id]);
    expect(skipped.status).toBe(200);
    expect(skipped.json.data.map((r: any) => r.id)).toEqual(all.json.data.slice(5, 7).map((r: any) => r.id));
  });
});

describe("the simulated fleet", () => {
  it("is the same fleet for the same seed, realistic in mix, and generated lazily at any size", async () => {
    const a = await startFleetSimulator({ clusters: 200, seed: 42, quota: null });
    const b = await startFleetSimulator({ clusters: 200, seed: 42, quota: null });
    try {
      expect([...a.fleet.clusterIds()]).toEqual([...b.fleet.clusterIds()]);
      expect(a.fleet.clusterResource(123)).toEqual(b.fleet.clusterResource(123));
      const clusters = Array.from({ length: 200 }, (_, i) => a.fleet.clusterResource(i) as any);
      const minors = new Set(clusters.map((c) => c.properties.currentKubernetesVersion.split(".").slice(0, 2).join(".")));
      for (const m of ["1.31", "1.32", "1.34", "1.35", "1.36"]) expect(minors).toContain(m);
      expect(new Set(clusters.map((c) => c.location)).size).toBeGreaterThanOrEqual(8);
      expect(a.fleet.subscriptions.length).toBeGreaterThan(2);
      expect(Object.keys(a.fleet.managementGroups).length).toBe(2);
      expect(clusters.some((c) => c.properties.supportPlan === "AKSLongTermSupport" && c.sku.tier === "Premium")).toBe(true);
      const addons = new Set(clusters.flatMap((c) => Object.keys(c.properties.addonProfiles)));
      for (const k of ["omsagent", "azurepolicy", "azureKeyvaultSecretsProvider", "ingressApplicationGateway"]) expect(addons).toContain(k);
      expect(clusters.filter((c) => "contosoEdgeAcceleratorPreview" in c.properties.addonProfiles)).toHaveLength(1);
      expect(clusters.some((c) => /@/.test(c.tags.owner ?? ""))).toBe(true);
      expect(clusters.map((c) => c.name)).toContain("<img src=x onerror=alert(1)>");
      expect(clusters.some((c) => c.name.includes('"'))).toBe(true);
      expect(clusters.some((c) => /\p{Extended_Pictographic}/u.test(c.name))).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("holds a 50,000-cluster fleet as counters, not as JSON", async () => {
    const heapBefore = heapUsedAfterGc();
    const big = await startFleetSimulator({ clusters: 50_000, seed: 42, quota: null });
    try {
      // Rendered as JSON the fleet would take hundreds of MB; as counters it stays small.
      expect(heapUsedAfterGc() - heapBefore).toBeLessThan(40 * 1024 * 1024);
      expect(big.fleet.clusters).toBe(50_000);
      expect(big.fleet.subscriptions.reduce((n, s) => n + s.clusters, 0)).toBe(50_000);
      expect((big.fleet.clusterResource(49_999) as any).name).toMatch(/-49999$/);
    } finally {
      await big.close();
    }
  });
});
