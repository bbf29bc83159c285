/**
 * Turns the JSON Azure hands out into domain records, at the edge. One parser reads the three
 * shapes a cluster arrives in:
 *   - a Resource Graph row projected by CLUSTER_QUERY (profiles as top-level columns),
 *   - a whole resource (`resources` row, ARM GET) with a nested `properties` envelope,
 *   - an `az aks list -o json` item: the CLI's flattened shape with its own casing
 *     (`nodeOsUpgradeChannel`, `osSku`, `issuerUrl`).
 * Keys are matched case-insensitively for exactly that reason. A missing or null field becomes
 * null ("unknown", never "false"); only a row without a usable cluster id is rejected, and it is
 * rejected with a reason instead of an exception.
 */
import type { AddonProfile, AgentPool, ClusterNetwork, ClusterRecord, ExtensionRecord, ManagedFeature } from "../core/types.js";

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Case-insensitive property read; an exact-case key wins when both spellings exist. */
export function field(obj: unknown, name: string): unknown {
  if (!isObj(obj)) return undefined;
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) if (key.toLowerCase() === lower) return obj[key];
  return undefined;
}

function path(obj: unknown, ...names: string[]): unknown {
  let v: unknown = obj;
  for (const n of names) v = field(v, n);
  return v;
}

/** A non-empty string, or null (Resource Graph's `tostring()` turns missing values into ""). */
function str(v: unknown): string | null {
  if (typeof v === "string") return v.trim() === "" ? null : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return null;
}

function bool(v: unknown): boolean | null {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") {
    const t = v.trim().toLowerCase();
    if (t === "true") return true;
    if (t === "false") return false;
  }
  return null;
}

function num(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}

const CLUSTER_ID = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerservice\/managedclusters\/([^/]+)$/i;
const EXTENSION_MARKER = /\/providers\/microsoft\.kubernetesconfiguration\/extensions\/([^/]+)$/i;

export const CLUSTER_TYPE = "microsoft.containerservice/managedclusters";
export const EXTENSION_TYPE = "microsoft.kubernetesconfiguration/extensions";
/** Flux v1 configurations: their count per cluster feeds the Flux v1 retirement. */
export const SOURCE_CONTROL_TYPE = "microsoft.kubernetesconfiguration/sourcecontrolconfigurations";
const CONFIGURATION_MARKER = /\/providers\/microsoft\.kubernetesconfiguration\/sourcecontrolconfigurations\/[^/]+$/i;

/** The cluster a Flux v1 `sourceControlConfigurations` row belongs to, or null when the row is not one. */
export function clusterIdOfSourceControl(row: unknown): string | null {
  const id = str(field(row, "id"));
  const type = str(field(row, "type"))?.toLowerCase();
  if (!id || (type !== undefined && type !== null && type !== SOURCE_CONTROL_TYPE)) return null;
  const m = CONFIGURATION_MARKER.exec(id.trim());
  return m ? id.trim().slice(0, m.index) : null;
}

/** Splits a managed cluster id, keeping the casing Azure used. */
export function parseClusterId(id: string): { subscriptionId: string; resourceGroup: string; name: string } | null {
  const m = CLUSTER_ID.exec(id.trim());
  return m ? { subscriptionId: m[1]!, resourceGroup: m[2]!, name: m[3]! } : null;
}

/** The cluster an extension belongs to: its id up to `/providers/Microsoft.KubernetesConfiguration/…`. */
export function clusterIdOfExtension(extensionId: string): string | null {
  const m = EXTENSION_MARKER.exec(extensionId.trim());
  return m ? extensionId.trim().slice(0, m.index) : null;
}

/** What a row is, by its `type` (falling back to the shape of its id). */
export function rowKind(row: unknown): "cluster" | "extension" | "other" {
  const type = str(field(row, "type"))?.toLowerCase();
  if (type === CLUSTER_TYPE) return "cluster";
  if (type === EXTENSION_TYPE) return "extension";
  if (type !== undefined && type !== null) return "other";
  const id = str(field(row, "id"));
  if (!id) return "other";
  if (EXTENSION_MARKER.test(id)) return "extension";
  return CLUSTER_ID.test(id) ? "cluster" : "other";
}

/** Reads a cluster field from `properties` when the row has the envelope, else from the top level. */
function prop(row: Obj, name: string): unknown {
  const props = field(row, "properties");
  const inside = isObj(props) ? field(props, name) : undefined;
  return inside !== undefined ? inside : field(row, name);
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(v)) return out;
  for (const [k, value] of Object.entries(v)) {
    if (value === null || value === undefined) continue;
    out[k] = typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  return out;
}

function addonProfiles(v: unknown): Record<string, AddonProfile> {
  const out: Record<string, AddonProfile> = {};
  if (!isObj(v)) return out;
  for (const [key, profile] of Object.entries(v)) {
    if (!isObj(profile)) continue;
    const config = field(profile, "config");
    out[key] = { enabled: bool(field(profile, "enabled")) === true, config: isObj(config) ? stringMap(config) : null };
  }
  return out;
}

function agentPools(v: unknown): AgentPool[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).map((p) => withPoolType(p, {
    name: str(field(p, "name")) ?? "",
    mode: str(field(p, "mode")),
    orchestratorVersion: str(field(p, "orchestratorVersion")),
    currentOrchestratorVersion: str(field(p, "currentOrchestratorVersion")),
    nodeImageVersion: str(field(p, "nodeImageVersion")),
    osType: str(field(p, "osType")),
    osSku: str(field(p, "osSKU")),
    count: num(field(p, "count")),
  }));
}

/** Fields retirements read, each only when the payload has it: a pool without them stays as it was. */
function withPoolType(p: Obj, pool: AgentPool): AgentPool {
  const out: AgentPool = { ...pool };
  const type = str(field(p, "type"));
  if (type !== null) out.type = type;
  const runtime = str(field(p, "workloadRuntime"));
  if (runtime !== null) out.workloadRuntime = runtime;
  const customCa = bool(field(p, "enableCustomCATrust"));
  if (customCa !== null) out.enableCustomCATrust = customCa;
  const tags = field(p, "tags");
  if (isObj(tags) && Object.keys(tags).length > 0) out.tags = stringMap(tags);
  return out;
}

function powerState(v: unknown): string | null {
  return isObj(v) ? str(field(v, "code")) : str(v);
}

/** Azure writes locations as `eastus`; exports sometimes carry the display name (`East US`). */
export function normalizeLocation(v: unknown): string {
  return (str(v) ?? "").toLowerCase().replace(/\s+/g, "");
}

/** One cluster from a Resource Graph row, an ARM resource or an `az aks list` item. */
export function parseClusterRow(row: unknown): Parsed<ClusterRecord> {
  if (!isObj(row)) return { ok: false, reason: "not a JSON object" };
  const id = str(field(row, "id"));
  if (!id) return { ok: false, reason: 'no "id"' };
  const kind = rowKind(row);
  if (kind !== "cluster") return { ok: false, reason: `not an AKS managed cluster (type ${JSON.stringify(field(row, "type") ?? null)}, id ${id})` };
  const parts = parseClusterId(id);
  if (!parts) return { ok: false, reason: `"id" is not a managed cluster id: ${id}` };

  const sku = field(row, "sku");
  const autoUpgrade = prop(row, "autoUpgradeProfile");
  const mesh = prop(row, "serviceMeshProfile");
  const autoscaler = prop(row, "workloadAutoScalerProfile");
  const ingress = prop(row, "ingressProfile");
  const webAppRouting = ingress !== undefined && ingress !== null ? field(ingress, "webAppRouting") : field(row, "webAppRouting");
  const monitor = prop(row, "azureMonitorProfile");
  const security = prop(row, "securityProfile");
  const oidc = prop(row, "oidcIssuerProfile");
  const revisions = path(mesh, "istio", "revisions");

  const cluster: ClusterRecord = {
    id,
    name: str(field(row, "name")) ?? parts.name,
    subscriptionId: str(field(row, "subscriptionId")) ?? parts.subscriptionId,
    resourceGroup: str(field(row, "resourceGroup")) ?? parts.resourceGroup,
    location: normalizeLocation(field(row, "location")),
    tags: stringMap(field(row, "tags")),
    skuTier: str(field(sku, "tier")) ?? str(field(row, "skuTier")),
    skuName: str(field(sku, "name")) ?? str(field(row, "skuName")),
    kubernetesVersion: str(prop(row, "kubernetesVersion")),
    currentKubernetesVersion: str(prop(row, "currentKubernetesVersion")),
    supportPlan: str(prop(row, "supportPlan")),
    addonProfiles: addonProfiles(prop(row, "addonProfiles")),
    agentPools: agentPools(prop(row, "agentPoolProfiles")),
    upgradeChannel: str(field(autoUpgrade, "upgradeChannel")),
    nodeOSUpgradeChannel: str(field(autoUpgrade, "nodeOSUpgradeChannel")),
    serviceMeshMode: str(field(mesh, "mode")),
    istioRevisions: Array.isArray(revisions) ? revisions.map(str).filter((r): r is string => r !== null) : [],
    kedaEnabled: bool(path(autoscaler, "keda", "enabled")),
    vpaEnabled: bool(path(autoscaler, "verticalPodAutoscaler", "enabled")),
    webAppRoutingEnabled: bool(field(webAppRouting, "enabled")),
    azureMonitorMetricsEnabled: bool(path(monitor, "metrics", "enabled")),
    workloadIdentityEnabled: bool(path(security, "workloadIdentity", "enabled")) ?? bool(field(row, "workloadIdentityEnabled")),
    oidcIssuerEnabled: bool(field(oidc, "enabled")) ?? bool(field(row, "oidcIssuerEnabled")),
    provisioningState: str(prop(row, "provisioningState")),
    powerState: powerState(prop(row, "powerState")),
  };
  cluster.managedFeatures = managedFeatures(row);
  cluster.network = network(row);
  cluster.podIdentityEnabled = bool(field(prop(row, "podIdentityProfile"), "enabled"));
  cluster.podSecurityPolicyEnabled = bool(prop(row, "enablePodSecurityPolicy"));
  cluster.webAppRoutingNginx = str(path(webAppRouting, "nginx", "defaultIngressControllerType"));
  return { ok: true, value: cluster };
}

/**
 * The network fields cluster-level retirements read: nested in `networkProfile` (whole resources,
 * `az aks list`) or projected as top-level columns (CLUSTER_QUERY).
 */
function network(row: Obj): ClusterNetwork {
  const profile = prop(row, "networkProfile");
  const read = (name: string): string | null => str(field(profile, name)) ?? str(field(row, name));
  return { plugin: read("networkPlugin"), pluginMode: read("networkPluginMode"), policy: read("networkPolicy"), loadBalancerSku: read("loadBalancerSku") };
}

/** One extension from a Resource Graph row (projected or whole) or an ARM extension resource. */
export function parseExtensionRow(row: unknown): Parsed<ExtensionRecord> {
  if (!isObj(row)) return { ok: false, reason: "not a JSON object" };
  const id = str(field(row, "id"));
  if (!id) return { ok: false, reason: 'no "id"' };
  const clusterId = clusterIdOfExtension(id);
  if (!clusterId) return { ok: false, reason: `"id" is not a cluster extension id: ${id}` };
  // Resource Graph has been seen to keep this bag in PascalCase (`ExtensionType`); `prop` is case-insensitive.
  const extensionType = str(prop(row, "extensionType"));
  if (!extensionType) return { ok: false, reason: `extension ${id} has no extension type` };
  return {
    ok: true,
    value: {
      id,
      clusterId,
      name: str(field(row, "name")) ?? EXTENSION_MARKER.exec(id)![1]!,
      extensionType: extensionType.toLowerCase(),
      version: str(prop(row, "version")),
      currentVersion: str(prop(row, "currentVersion")),
      releaseTrain: str(prop(row, "releaseTrain")),
      autoUpgradeMinorVersion: bool(prop(row, "autoUpgradeMinorVersion")),
      provisioningState: str(prop(row, "provisioningState")),
    },
  };
}

// ---------------------------------------------------------------- AKS-managed capabilities
// Capabilities switched on through cluster profiles rather than `addonProfiles`. They are read from
// the profile objects wherever the shape puts them (`properties.<profile>` of a whole resource, a
// projected column of CLUSTER_QUERY, the top level of an `az aks list` item). A capability is named
// by its own ARM key (`imageCleaner`; a profile loses its `Profile` suffix: `aiToolchainOperator`),
// as Azure spelled it; the classifier matches names case-insensitively (`az` writes `diskCsiDriver`).

/** An on/off read from a mode-like string: any value but the "off" ones means on. */
function modeOn(off: string[]): (v: unknown) => boolean | null {
  return (v) => {
    const s = str(v);
    return s === null ? null : !off.includes(s.trim().toLowerCase());
  };
}

/** On when the value equals `on`, off for any other value. */
function valueIs(on: string): (v: unknown) => boolean | null {
  return (v) => {
    const s = str(v);
    return s === null ? null : s.trim().toLowerCase() === on;
  };
}

/** Application monitoring has one switch per signal (auto-instrumentation, OpenTelemetry metrics, logs…). */
function anySwitchOn(v: unknown): boolean | null {
  if (!isObj(v)) return null;
  const own = bool(field(v, "enabled"));
  const parts = Object.values(v).filter(isObj).map((p) => bool(field(p, "enabled"))).filter((b): b is boolean => b !== null);
  if (own === null && parts.length === 0) return null;
  return own === true || parts.includes(true);
}

/**
 * Capabilities whose switch is not a plain `enabled` boolean on a profile or one level below it.
 * Each lists the places the three shapes put it, tried in order (the second path is the
 * projected column or the CLI's flattened field).
 */
const FEATURE_SWITCHES: { name: string; paths: string[][]; on: (v: unknown) => boolean | null }[] = [
  { name: "defender", paths: [["securityProfile", "defender", "securityMonitoring", "enabled"]], on: bool },
  { name: "appMonitoring", paths: [["azureMonitorProfile", "appMonitoring"]], on: anySwitchOn },
  { name: "nodeProvisioning", paths: [["nodeProvisioningProfile", "mode"]], on: modeOn(["manual"]) },
  { name: "gatewayAPI", paths: [["ingressProfile", "gatewayAPI", "installation"]], on: modeOn(["disabled"]) },
  {
    name: "appRoutingIstio",
    paths: [
      ["ingressProfile", "webAppRouting", "gatewayAPIImplementations", "appRoutingIstio", "mode"],
      ["webAppRouting", "gatewayAPIImplementations", "appRoutingIstio", "mode"],
    ],
    on: modeOn(["disabled"]),
  },
  { name: "advancedNetworking", paths: [["networkProfile", "advancedNetworking", "enabled"], ["advancedNetworking", "enabled"]], on: bool },
  { name: "ciliumDataplane", paths: [["networkProfile", "networkDataplane"], ["networkDataplane"]], on: valueIs("cilium") },
  { name: "aksAutomatic", paths: [["sku", "name"], ["skuName"]], on: valueIs("automatic") },
  { name: "workloadIdentity", paths: [["securityProfile", "workloadIdentity", "enabled"], ["workloadIdentityEnabled"]], on: bool },
  { name: "oidcIssuer", paths: [["oidcIssuerProfile", "enabled"], ["oidcIssuerEnabled"]], on: bool },
];

/**
 * Profiles and sub-objects the generic `enabled` scan leaves alone: add-ons read elsewhere
 * (`addonProfiles`, KEDA, VPA, Istio, application routing's NGINX, managed Prometheus), pod-managed
 * identity (a cluster-level retirement, judged on the kubernetes integration), capabilities read by
 * FEATURE_SWITCHES whose own sub-objects are settings (ACNS observability), and resource envelope fields.
 */
const SCAN_SKIPS = new Set(
  [
    "addonProfiles",
    "agentPoolProfiles",
    "podIdentityProfile",
    "serviceMeshProfile",
    "workloadAutoScalerProfile",
    "webAppRouting",
    "ingressProfile.webAppRouting",
    "advancedNetworking",
    "networkProfile.advancedNetworking",
    "azureMonitorProfile.metrics",
    "identity",
    "identityProfile",
    "sku",
    "tags",
    "systemData",
    "extendedLocation",
    "powerState",
  ].map((k) => k.toLowerCase()),
);

function featureName(key: string): string {
  return key.length > "Profile".length && /profile$/i.test(key) ? key.slice(0, -"Profile".length) : key;
}

function managedFeatures(row: Obj): ManagedFeature[] {
  const out: ManagedFeature[] = [];
  const seen = new Set<string>();
  const add = (name: string, enabled: boolean, evidence: string): void => {
    if (seen.has(name.toLowerCase())) return;
    seen.add(name.toLowerCase());
    out.push({ name, enabled, evidence });
  };
  for (const sw of FEATURE_SWITCHES) {
    for (const [head, ...rest] of sw.paths) {
      const value = path(prop(row, head!), ...rest);
      const enabled = sw.on(value);
      if (enabled === null) continue;
      add(sw.name, enabled, `${[head, ...rest].join(".")} = ${JSON.stringify(value)}`);
      break;
    }
  }
  // Every other profile (or object one level inside a profile) that carries an `enabled` boolean.
  const props = field(row, "properties");
  const bag = isObj(props) ? props : row;
  for (const [key, profile] of Object.entries(bag)) {
    if (!isObj(profile) || SCAN_SKIPS.has(key.toLowerCase())) continue;
    const own = field(profile, "enabled");
    if (typeof own === "boolean") add(featureName(key), own, `${key}.enabled = ${own}`);
    for (const [sub, inner] of Object.entries(profile)) {
      if (!isObj(inner) || SCAN_SKIPS.has(`${key}.${sub}`.toLowerCase())) continue;
      const enabled = field(inner, "enabled");
      if (typeof enabled === "boolean") add(featureName(sub), enabled, `${key}.${sub}.enabled = ${enabled}`);
    }
  }
  return out;
}
