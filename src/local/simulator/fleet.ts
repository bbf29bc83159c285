/**
 * The simulated fleet: subscriptions, management groups, regions and clusters derived from a seed.
 * A cluster is a pure function of (seed, index), so pages are generated on demand and nothing but
 * a few per-subscription counters is kept in memory, whatever the fleet size.
 *
 * These specs are the simulator's own model; they are rendered to Azure's wire JSON in wire.ts.
 * They deliberately do not reuse the auditor's domain types: the simulator stands in for Azure.
 */
import { guid, hash32, rng, type Rng } from "./random.js";
import { simMinor } from "./versions.js";
import { clusterAtWeek } from "./history.js";

export const DEFAULT_REGIONS = [
  "eastus",
  "eastus2",
  "westus2",
  "westus3",
  "centralus",
  "northeurope",
  "westeurope",
  "uksouth",
  "swedencentral",
  "southeastasia",
  "australiaeast",
  "japaneast",
] as const;

const TEAMS = ["payments", "identity", "search", "checkout", "data", "platform", "ml", "web", "iot", "mobile", "risk", "media"];
const ENVS = ["prod", "prod", "staging", "dev", "test"];
const FIRST = ["ana", "ben", "chloe", "dev", "eva", "farid", "grace", "hiro", "ines", "jonas", "kemi", "lars"];
const LAST = ["silva", "okafor", "nguyen", "patel", "muller", "kowalski", "tanaka", "garcia", "obrien", "larsen"];

/** Management groups the simulated tenant puts its subscriptions in. */
export const MANAGEMENT_GROUPS = ["mg-platform", "mg-landingzones"] as const;

export interface SubscriptionSpec {
  id: string;
  displayName: string;
  managementGroup: string;
  /** Region most of its clusters live in. */
  homeRegion: string;
}

export interface PoolSpec {
  name: string;
  mode: "System" | "User";
  count: number;
  vmSize: string;
  orchestratorVersion: string;
  currentOrchestratorVersion: string;
  /** null = absent from the payload (an older API version's shape). */
  nodeImageVersion: string | null;
  osType: "Linux" | "Windows";
  /** null = absent from the payload (an older API version's shape). */
  osSKU: string | null;
  powerState: "Running" | "Stopped";
}

export interface AddonSpec {
  enabled: boolean;
  config: Record<string, string> | null;
  withIdentity: boolean;
}

export interface ExtensionSpec {
  name: string;
  extensionType: string;
  version: string | null;
  currentVersion: string;
  releaseTrain: string;
  autoUpgradeMinorVersion: boolean;
  provisioningState: string;
  namespace: string;
  /** ARG keeps some extension bags in PascalCase; this row shows `ExtensionType`. */
  pascalCaseBag: boolean;
}

/**
 * AKS-managed capabilities switched on through cluster profiles. null = the profile (or field) is
 * absent from the payload, as on clusters created before the API had it.
 */
export interface FeatureSpec {
  aiToolchainOperator: boolean | null;
  costAnalysis: boolean | null;
  /** `azureMonitorProfile.containerInsights`, beside (or instead of) the omsagent add-on. */
  containerInsights: boolean | null;
  appMonitoring: boolean | null;
  imageCleaner: boolean | null;
  imageIntegrity: boolean | null;
  defender: boolean | null;
  azureKeyVaultKms: boolean | null;
  nodeProvisioningMode: "Auto" | "Manual" | null;
  storage: { diskCSIDriver: boolean; fileCSIDriver: boolean; blobCSIDriver: boolean; snapshotController: boolean } | null;
  networkDataplane: "cilium" | "azure";
  advancedNetworking: boolean | null;
  gatewayAPIInstallation: "Standard" | "Disabled" | null;
  appRoutingIstioMode: "Enabled" | "Disabled" | null;
  /** Managed system node pools (AKS Automatic). */
  hostedSystem: boolean | null;
  /** A profile switch the catalog does not know (`ingressProfile.applicationLoadBalancer`): exactly one cluster. */
  unknownSwitch: boolean;
  /** Cluster-level setups AKS retires; see legacyFeatures. */
  legacy: LegacySpec;
}

export interface LegacySpec {
  networkPlugin: "azure" | "kubenet";
  /** `azure` is Azure Network Policy Manager. */
  networkPolicy: "azure" | null;
  loadBalancerSku: "standard" | "basic";
  podIdentity: boolean;
  /** The first pool runs on an availability set. */
  availabilitySet: boolean;
  /** Flux v1 `sourceControlConfigurations` left on the cluster (served by the Resource Graph query only). */
  fluxV1Configurations: number;
  /** An extra Windows pool whose payload has neither osSKU nor nodeImageVersion (its minor's default applies). */
  bareWindowsPool: boolean;
}

export interface ClusterSpec {
  index: number;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  skuName: "Base" | "Automatic";
  skuTier: "Free" | "Standard" | "Premium";
  kubernetesVersion: string;
  currentKubernetesVersion: string;
  supportPlan: "KubernetesOfficial" | "AKSLongTermSupport";
  provisioningState: string;
  powerState: "Running" | "Stopped";
  pools: PoolSpec[];
  addons: Record<string, AddonSpec>;
  /** null = no autoUpgradeProfile in the payload at all. */
  autoUpgrade: { upgradeChannel: string; nodeOSUpgradeChannel: string } | null;
  /** null = no serviceMeshProfile; [] = mode Disabled. */
  istioRevisions: string[] | null;
  /** null = no workloadAutoScalerProfile. */
  autoscaler: { keda: boolean; vpa: boolean } | null;
  webAppRouting: boolean | null;
  monitorMetrics: boolean | null;
  oidcIssuer: boolean;
  workloadIdentity: boolean;
  features: FeatureSpec;
  extensions: ExtensionSpec[];
  /** Extension ids of this cluster use different casing than the cluster id (ARG does this). */
  extensionIdCasingVariant: boolean;
  /** Days before asOf the cluster was created (for systemData). */
  ageDays: number;
}

export interface FleetOptions {
  seed: number;
  /** The simulated week (see history.ts); 0 or absent = the fleet as generated. */
  week?: number;
  clusters: number;
  subscriptions: number;
  regions: readonly string[];
}

const SALT = { sub: 11, cluster: 17, extCount: 23, subMeta: 29, tenant: 31, features: 37 } as const;

/**
 * Names that test escaping downstream. Real AKS names are restricted to letters, digits, `-` and
 * `_`, but tags, exports and future APIs are not, and a report must never trust a name.
 */
function specialName(index: number, clusters: number): string | null {
  if (clusters >= 20 && index === 7) return `aks-team-"alpha"-${pad(index)}`;
  if (clusters >= 20 && index === 11) return `aks-o'reilly-lab-${pad(index)}`;
  if (clusters >= 20 && index === 19) return `aks-🚀-launch-${pad(index)}`;
  if (clusters >= 100 && index === 37) return "<img src=x onerror=alert(1)>";
  return null;
}

function pad(index: number): string {
  return String(index).padStart(5, "0");
}

export class FleetModel {
  readonly tenantId: string;
  readonly subscriptions: readonly SubscriptionSpec[];
  private readonly subIndexByIdLower: Map<string, number>;
  /** Clusters per subscription, computed once at start (a number per subscription, not the fleet). */
  readonly clustersPerSubscription: readonly number[];
  readonly extensionsPerSubscription: readonly number[];
  readonly extensionTotal: number;
  readonly sourceControlPerSubscription: readonly number[];
  readonly sourceControlTotal: number;
  private readonly htmlIndex: number | null;
  /** Settable while serving, so one simulator answers a sweep per simulated week. */
  week: number;

  constructor(readonly options: FleetOptions) {
    const { seed } = options;
    this.tenantId = guid(seed, 0, SALT.tenant);
    this.subscriptions = Array.from({ length: options.subscriptions }, (_, s) => {
      const r = rng(seed, s, SALT.subMeta);
      return {
        id: guid(seed, s, SALT.sub),
        displayName: `${r.pick(TEAMS)}-${s % 3 === 0 ? "prod" : "nonprod"}-${String(s + 1).padStart(2, "0")}`,
        managementGroup: MANAGEMENT_GROUPS[s % MANAGEMENT_GROUPS.length]!,
        homeRegion: options.regions[s % options.regions.length]!,
      };
    });
    this.subIndexByIdLower = new Map(this.subscriptions.map((s, i) => [s.id.toLowerCase(), i]));
    const perSub = new Array<number>(options.subscriptions).fill(0);
    const extPerSub = new Array<number>(options.subscriptions).fill(0);
    const scPerSub = new Array<number>(options.subscriptions).fill(0);
    for (let i = 0; i < options.clusters; i++) {
      const s = this.subscriptionIndexOf(i);
      perSub[s]! += 1;
      extPerSub[s]! += this.extensionCountOf(i);
      scPerSub[s]! += legacyFeatures(i).fluxV1Configurations;
    }
    this.sourceControlPerSubscription = scPerSub;
    this.sourceControlTotal = scPerSub.reduce((a, b) => a + b, 0);
    this.clustersPerSubscription = perSub;
    this.extensionsPerSubscription = extPerSub;
    this.extensionTotal = extPerSub.reduce((a, b) => a + b, 0);
    this.htmlIndex = options.clusters >= 100 ? 37 : null;
    this.week = options.week ?? 0;
  }

  get size(): number {
    return this.options.clusters;
  }

  /** Skewed: low-numbered subscriptions hold more clusters, as in most tenants. */
  subscriptionIndexOf(index: number): number {
    const r = rng(this.options.seed, index, SALT.sub).next();
    return Math.min(this.options.subscriptions - 1, Math.floor(this.options.subscriptions * r ** 1.4));
  }

  subscriptionIndexById(id: string): number | undefined {
    return this.subIndexByIdLower.get(id.toLowerCase());
  }

  extensionCountOf(index: number): number {
    return this.extensionPlan(index).length;
  }

  /** Looks a cluster up by its name (names end in the zero-padded index, special names aside). */
  indexOfName(name: string): number | null {
    if (this.htmlIndex !== null && name === "<img src=x onerror=alert(1)>") return this.htmlIndex;
    const m = /-(\d{5})$/.exec(name);
    if (!m) return null;
    const index = Number(m[1]);
    if (index >= this.options.clusters) return null;
    return this.cluster(index).name === name ? index : null;
  }

  private extensionPlan(index: number): { type: string; r: number }[] {
    const r = rng(this.options.seed, index, SALT.extCount);
    const out: { type: string; r: number }[] = [];
    if (r.chance(0.25)) out.push({ type: "microsoft.flux", r: r.next() });
    if (r.chance(0.1)) out.push({ type: "microsoft.dapr", r: r.next() });
    if (r.chance(0.08)) out.push({ type: "microsoft.dataprotection.kubernetes", r: r.next() });
    if (r.chance(0.04)) out.push({ type: "microsoft.azureappconfiguration", r: r.next() });
    if (r.chance(0.03)) out.push({ type: "microsoft.azureml.kubernetes", r: r.next() });
    if (r.chance(0.015)) out.push({ type: "contoso.opsagent", r: r.next() });
    return out;
  }

  cluster(index: number): ClusterSpec {
    const { seed, regions } = this.options;
    const r = rng(seed, index, SALT.cluster);
    const subIndex = this.subscriptionIndexOf(index);
    const sub = this.subscriptions[subIndex]!;
    const team = r.pick(TEAMS);
    const env = r.pick(ENVS);
    const location = r.chance(0.6) ? sub.homeRegion : r.pick(regions);
    const short = location.replace(/[aeiou]/g, "").slice(0, 5);
    const name = specialName(index, this.options.clusters) ?? `aks-${team}-${env}-${short}-${pad(index)}`;

    const lts = r.chance(0.07);
    const minor: string = lts
      ? r.weighted([["1.32", 3], ["1.33", 3], ["1.34", 2], ["1.35", 1]] as const)
      : r.weighted([
          ["1.31", 3],
          ["1.32", 5],
          ["1.33", 11],
          ["1.34", 22],
          ["1.35", 25],
          ["1.36", 22],
          ["1.37", 9],
          ["1.38", 2],
        ] as const);
    const current = pickPatch(r, minor);
    const provisioningState = r.weighted([["Succeeded", 94], ["Upgrading", 2], ["Failed", 2], ["Updating", 2]] as const);
    const requested = r.chance(0.5) ? minor : current;

    const skuName = !lts && r.chance(0.04) ? "Automatic" : "Base";
    const skuTier = lts ? "Premium" : skuName === "Automatic" ? "Standard" : r.weighted([["Free", 35], ["Standard", 55], ["Premium", 3]] as const);

    const pools = makePools(r, minor, current, index);
    // Appended without a random draw, so the rest of the cluster is as before.
    if (legacyFeatures(index).bareWindowsPool) {
      pools.push({ name: "winold", mode: "User", count: 2, vmSize: "Standard_D4ds_v5", orchestratorVersion: current, currentOrchestratorVersion: current, nodeImageVersion: null, osType: "Windows", osSKU: null, powerState: "Running" });
    }
    const addons = makeAddons(r, index, sub.id, team);
    const istio = r.chance(0.1)
      ? ((): string[] => {
          // Revisions of late 2026 (asm-1-30's end is the next dated Istio event): the same draws as
          // before, so the rest of the fleet is unchanged.
          const rev = r.weighted([["asm-1-27", 10], ["asm-1-28", 25], ["asm-1-29", 40], ["asm-1-30", 25]] as const);
          // A canary upgrade in progress runs two revisions side by side.
          if (rev !== "asm-1-30" && r.chance(0.25)) return [rev, `asm-1-${Number(rev.slice(6)) + 1}`];
          return [rev];
        })()
      : r.chance(0.7)
        ? []
        : null;
    const oidcIssuer = r.chance(0.6);
    const powerState = r.chance(0.04) ? "Stopped" : "Running";
    if (powerState === "Stopped") for (const p of pools) p.powerState = "Stopped";

    const spec: ClusterSpec = {
      index,
      subscriptionId: sub.id,
      resourceGroup: `rg-${team}-${env}`,
      name,
      location,
      // Beside the cluster named as markup, one with an ordinary name (so its ARM id is valid) carries
      // markup in a tag: pages and mail must show both as text.
      tags: this.htmlIndex !== null && index === this.htmlIndex + 1 ? { ...makeTags(r, team, env, index), note: "<img src=x onerror=alert(1)>" } : makeTags(r, team, env, index),
      skuName,
      skuTier,
      kubernetesVersion: provisioningState === "Upgrading" ? nextPatch(minor, current) ?? requested : requested,
      currentKubernetesVersion: current,
      supportPlan: lts ? "AKSLongTermSupport" : "KubernetesOfficial",
      provisioningState,
      powerState,
      pools,
      addons,
      autoUpgrade: r.chance(0.85)
        ? {
            upgradeChannel: r.weighted([["none", 25], ["patch", 30], ["stable", 25], ["rapid", 8], ["node-image", 12]] as const),
            nodeOSUpgradeChannel: r.weighted([["NodeImage", 50], ["SecurityPatch", 20], ["None", 10], ["Unmanaged", 20]] as const),
          }
        : null,
      istioRevisions: istio,
      autoscaler: r.chance(0.8) ? { keda: r.chance(0.15), vpa: r.chance(0.12) } : null,
      webAppRouting: r.chance(0.85) ? r.chance(0.15) : null,
      monitorMetrics: r.chance(0.9) ? r.chance(0.3) : null,
      oidcIssuer,
      workloadIdentity: oidcIssuer && r.chance(0.75),
      features: makeFeatures(rng(seed, index, SALT.features), index, skuName, skuTier, "omsagent" in addons),
      extensions: [],
      extensionIdCasingVariant: index % 5 === 3,
      ageDays: r.int(20, 1400),
    };
    spec.extensions = this.extensionPlan(index).map((plan, k) => makeExtension(plan.type, plan.r, index, k));
    return clusterAtWeek(spec, seed, this.week);
  }
}

function pickPatch(r: Rng, minor: string): string {
  const listed = simMinor(minor)?.patches;
  if (!listed) {
    // Out of the offered list altogether (1.31 in late 2026): whatever patch it was left on.
    return `${minor}.${r.int(8, 12)}`;
  }
  const roll = r.next();
  if (roll < 0.6) return listed[listed.length - 1]!;
  if (roll < 0.9) return listed[Math.floor(r.next() * listed.length)]!;
  // A patch older than anything still offered: patch-behind.
  const lowest = Number(listed[0]!.split(".")[2]);
  return `${minor}.${Math.max(0, lowest - r.int(1, 3))}`;
}

function nextPatch(minor: string, current: string): string | null {
  const listed = simMinor(minor)?.patches ?? [];
  return listed.find((p) => Number(p.split(".")[2]) > Number(current.split(".")[2])) ?? null;
}

function previousMinor(minor: string): string {
  const [major, min] = minor.split(".").map(Number);
  return `${major}.${(min ?? 1) - 1}`;
}

/** The node image a pool runs: the release its SKU means on its minor (Ubuntu 24.04 from 1.35, Azure Linux 3.0 from 1.32). */
function imageVersion(osSku: string, osType: string, behind: boolean, version: string): string {
  const build = behind ? "202607.08.0" : "202610.21.0";
  const minor = Number(version.split(".")[1] ?? 0);
  if (osType === "Windows") return behind ? "AKSWindows-2022-containerd-20348.3932.250708" : "AKSWindows-2022-containerd-20348.4294.251021";
  if (osSku === "AzureLinux3" || (osSku.startsWith("AzureLinux") && minor >= 32)) return `AKSAzureLinux-V3gen2-${build}`;
  if (osSku.startsWith("AzureLinux")) return `AKSAzureLinux-V2gen2-${build}`;
  if (osSku === "Ubuntu" && minor >= 35) return `AKSUbuntu-2404gen2containerd-${build}`;
  return `AKSUbuntu-2204gen2containerd-${build}`;
}

function makePools(r: Rng, minor: string, current: string, index: number): PoolSpec[] {
  const count = r.weighted([[1, 25], [2, 45], [3, 20], [4, 10]] as const);
  const pools: PoolSpec[] = [];
  for (let p = 0; p < count; p++) {
    const system = p === 0;
    const windows = !system && r.chance(0.08);
    const osSKU = windows ? "Windows2022" : r.weighted([["Ubuntu", 40], ["AzureLinux", 35], ["Ubuntu2204", 10], ["AzureLinux3", 15]] as const);
    // Some user pools lag a minor behind the control plane (allowed by AKS, worth flagging).
    const behindMinor = !system && r.chance(0.15);
    let version = current;
    if (behindMinor) {
      const prev = previousMinor(minor);
      const patches = simMinor(prev)?.patches;
      version = patches ? patches[patches.length - 1]! : `${prev}.${r.int(5, 11)}`;
    }
    pools.push({
      name: system ? (index % 2 === 0 ? "nodepool1" : "system") : windows ? `win${p}` : r.pick(["user", "apps", "batch", "gpu", "spot"]) + p,
      mode: system ? "System" : "User",
      count: system ? r.int(2, 5) : r.int(0, 40),
      vmSize: r.pick(["Standard_D4ds_v5", "Standard_D8ds_v5", "Standard_D4as_v5", "Standard_E8ds_v5"]),
      orchestratorVersion: behindMinor || r.chance(0.5) ? version : minorOrFull(version, r),
      currentOrchestratorVersion: version,
      nodeImageVersion: imageVersion(osSKU, windows ? "Windows" : "Linux", r.chance(0.2), version),
      osType: windows ? "Windows" : "Linux",
      osSKU,
      powerState: "Running",
    });
  }
  return pools;
}

function minorOrFull(version: string, r: Rng): string {
  return r.chance(0.5) ? version.split(".").slice(0, 2).join(".") : version;
}

function makeAddons(r: Rng, index: number, subscriptionId: string, team: string): Record<string, AddonSpec> {
  const addons: Record<string, AddonSpec> = {};
  if (r.chance(0.4)) {
    addons.omsagent = {
      enabled: true,
      config: {
        logAnalyticsWorkspaceResourceID: `/subscriptions/${subscriptionId}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-${team}`,
        useAADAuth: "true",
      },
      withIdentity: true,
    };
  }
  if (r.chance(0.35)) addons.azurepolicy = { enabled: true, config: null, withIdentity: true };
  if (r.chance(0.3)) {
    addons.azureKeyvaultSecretsProvider = {
      enabled: true,
      config: { enableSecretRotation: r.chance(0.5) ? "true" : "false", rotationPollInterval: "2m" },
      withIdentity: true,
    };
  }
  if (r.chance(0.08)) {
    addons.ingressApplicationGateway = {
      enabled: true,
      config: {
        applicationGatewayId: `/subscriptions/${subscriptionId}/resourceGroups/rg-edge/providers/Microsoft.Network/applicationGateways/agw-${team}`,
        effectiveApplicationGatewayId: `/subscriptions/${subscriptionId}/resourceGroups/rg-edge/providers/Microsoft.Network/applicationGateways/agw-${team}`,
      },
      withIdentity: true,
    };
  }
  if (r.chance(0.03)) addons.openServiceMesh = { enabled: true, config: {}, withIdentity: false };
  const routing = r.next();
  if (routing < 0.01) addons.httpApplicationRouting = { enabled: true, config: { HTTPApplicationRoutingZoneName: `${team}.sim-aks.example` }, withIdentity: true };
  else if (routing < 0.04) addons.httpApplicationRouting = { enabled: false, config: null, withIdentity: false };
  if (r.chance(0.02)) addons.aciConnectorLinux = { enabled: true, config: { SubnetName: "snet-aci" }, withIdentity: true };
  // Exactly one cluster carries an add-on key no catalog knows (a new or private add-on).
  if (index === 5) addons.contosoEdgeAcceleratorPreview = { enabled: true, config: { mode: "canary" }, withIdentity: false };
  return addons;
}

/**
 * Which profile capabilities a cluster has. Drawn from its own random stream (SALT.features) so the
 * rest of the fleet is the same as before these existed. AKS Automatic preconfigures its set
 * (node auto-provisioning, Cilium, image cleaner, Gateway API through application routing).
 */
function makeFeatures(r: Rng, index: number, skuName: string, skuTier: string, omsagent: boolean): FeatureSpec {
  const automatic = skuName === "Automatic";
  const modern = r.chance(0.85); // older clusters' payloads lack the newer profiles altogether
  const flag = (p: number): boolean | null => (modern ? r.chance(p) : null);
  const gateway = automatic || r.chance(0.12);
  return {
    aiToolchainOperator: flag(0.05),
    // Cost analysis needs the Standard or Premium tier.
    costAnalysis: skuTier === "Free" ? (modern ? false : null) : flag(0.3),
    containerInsights: modern ? (omsagent ? r.chance(0.3) : r.chance(0.1)) : null,
    appMonitoring: flag(0.06),
    imageCleaner: automatic ? true : flag(0.35),
    imageIntegrity: flag(0.03),
    defender: flag(0.25),
    azureKeyVaultKms: flag(0.08),
    nodeProvisioningMode: automatic ? "Auto" : modern ? (r.chance(0.1) ? "Auto" : "Manual") : null,
    storage: modern ? { diskCSIDriver: r.chance(0.97), fileCSIDriver: r.chance(0.95), blobCSIDriver: r.chance(0.15), snapshotController: r.chance(0.95) } : null,
    networkDataplane: automatic || r.chance(0.35) ? "cilium" : "azure",
    advancedNetworking: flag(0.08),
    gatewayAPIInstallation: gateway ? "Standard" : modern ? "Disabled" : null,
    appRoutingIstioMode: automatic || (gateway && r.chance(0.5)) ? "Enabled" : modern ? "Disabled" : null,
    hostedSystem: automatic ? true : null,
    unknownSwitch: index === 9,
    legacy: legacyFeatures(index),
  };
}

/**
 * Retired or retiring cluster setups, placed by index (no random draw, so the rest of the fleet is
 * unchanged): each kind appears in a fleet of 20 and again every 50 clusters.
 */
export function legacyFeatures(index: number): LegacySpec {
  const at = (first: number): boolean => index === first || (index > first && (index - first) % 50 === 0);
  return {
    networkPlugin: at(4) ? "kubenet" : "azure",
    networkPolicy: at(6) || at(13) ? "azure" : null,
    loadBalancerSku: at(8) ? "basic" : "standard",
    podIdentity: at(10),
    availabilitySet: at(12),
    fluxV1Configurations: at(14) ? 1 : at(15) ? 2 : 0,
    bareWindowsPool: at(16),
  };
}

function makeTags(r: Rng, team: string, env: string, index: number): Record<string, string> {
  if (r.chance(0.05)) return {};
  const tags: Record<string, string> = { env, team, costCenter: `cc-${1000 + (hash32(index, 7) % 9000)}` };
  const owner = r.next();
  if (owner < 0.5) tags.owner = `${r.pick(FIRST)}.${r.pick(LAST)}@contoso.example`;
  else if (owner < 0.7) tags.owner = `aks-${team}@contoso.example`;
  else if (owner < 0.8) tags.owner = `${r.pick(FIRST)} ${r.pick(LAST)}`;
  if (r.chance(0.03)) tags.notes = `Ops' "primary" cluster 🚀 <b>handle with care</b>`;
  if (r.chance(0.1)) tags["hidden-title"] = "";
  return tags;
}

const EXTENSION_SHAPES: Record<string, { name: string; namespace: string; versions: string[]; trains: string[] }> = {
  "microsoft.flux": { name: "flux", namespace: "flux-system", versions: ["1.14.4", "1.15.2", "1.16.3", "1.17.1"], trains: ["Stable"] },
  "microsoft.dapr": { name: "dapr", namespace: "dapr-system", versions: ["1.13.6", "1.14.4", "1.15.6", "1.16.1"], trains: ["Stable", "Stable", "Preview"] },
  "microsoft.dataprotection.kubernetes": { name: "azure-aks-backup", namespace: "dataprotection-microsoft", versions: ["0.0.2198-2046", "1.0.2510-135"], trains: ["stable"] },
  "microsoft.azureappconfiguration": { name: "appconfigurationkubernetesprovider", namespace: "azappconfig-system", versions: ["2.1.0", "2.3.1"], trains: ["stable"] },
  "microsoft.azureml.kubernetes": { name: "azureml", namespace: "azureml", versions: ["1.1.62", "1.1.71"], trains: ["stable"] },
  "contoso.opsagent": { name: "opsagent", namespace: "opsagent", versions: ["3.2.0"], trains: ["stable"] },
};

/** The next version of an extension type the simulator knows, or null at the newest. */
export function nextExtensionVersion(type: string, version: string): string | null {
  const versions = EXTENSION_SHAPES[type]?.versions ?? [];
  const at = versions.indexOf(version);
  return at >= 0 && at + 1 < versions.length ? versions[at + 1]! : null;
}

function makeExtension(type: string, roll: number, index: number, k: number): ExtensionSpec {
  const shape = EXTENSION_SHAPES[type]!;
  const r = rng(hash32(index, k), Math.floor(roll * 1e9), 41);
  const currentVersion = r.pick(shape.versions);
  const auto = r.chance(0.6);
  return {
    name: shape.name,
    extensionType: type,
    // Auto-upgrading extensions have no pinned version (the API answers null).
    version: auto ? null : currentVersion,
    currentVersion,
    releaseTrain: r.pick(shape.trains),
    autoUpgradeMinorVersion: auto,
    provisioningState: r.chance(0.95) ? "Succeeded" : "Failed",
    namespace: shape.namespace,
    pascalCaseBag: (index + k) % 4 === 1,
  };
}

/** Default subscription count for a fleet size: a few for a demo, dozens for a big tenant. */
export function defaultSubscriptionCount(clusters: number): number {
  return Math.max(3, Math.min(60, Math.ceil(clusters / 25)));
}

