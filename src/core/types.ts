/**
 * Domain types shared by every layer. Sources parse Azure's JSON into these at the edge;
 * the core classifies them into the report contract (see report.ts); the store and
 * notifiers consume the contract. Nothing here knows about HTTP, SDKs or the clock.
 */

/** A calendar date, `YYYY-MM-DD`. The domain never uses wall-clock time. */
export type IsoDate = string;

/** One AKS cluster as the inventory sees it (Resource Graph row, `az aks list` item or CLI export). */
export interface ClusterRecord {
  /** ARM id exactly as Azure returned it (Azure ids are case-insensitive; compare with `sameArmId`). */
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  /** `sku.tier`: Free, Standard or Premium. */
  skuTier: string | null;
  /** `sku.name`: Base or Automatic. */
  skuName: string | null;
  /** Requested control-plane version (`properties.kubernetesVersion`), may be a minor like `1.30`. */
  kubernetesVersion: string | null;
  /** Running control-plane version (`properties.currentKubernetesVersion`). */
  currentKubernetesVersion: string | null;
  /** `KubernetesOfficial` or `AKSLongTermSupport`. */
  supportPlan: string | null;
  /** `properties.addonProfiles`, keys as Azure returns them. */
  addonProfiles: Record<string, AddonProfile>;
  agentPools: AgentPool[];
  upgradeChannel: string | null;
  nodeOSUpgradeChannel: string | null;
  /** Istio add-on: `serviceMeshProfile.mode` (`Istio`/`Disabled`) and revisions (`asm-1-25`). */
  serviceMeshMode: string | null;
  istioRevisions: string[];
  /** Profile-based add-ons; null when the field was absent (unknown, not false). */
  kedaEnabled: boolean | null;
  vpaEnabled: boolean | null;
  webAppRoutingEnabled: boolean | null;
  azureMonitorMetricsEnabled: boolean | null;
  workloadIdentityEnabled: boolean | null;
  oidcIssuerEnabled: boolean | null;
  provisioningState: string | null;
  powerState: string | null;
  /**
   * AKS-managed capabilities the cluster's profiles mention (on or off), read at the edge; see
   * ManagedFeature. Absent on records made before the reader knew them (treated as none found).
   */
  managedFeatures?: ManagedFeature[];
  /** `networkProfile` fields cluster-level retirements read (kubenet, Azure NPM, Basic LB); absent = not read. */
  network?: ClusterNetwork;
  /** `enablePodSecurityPolicy`, a property AKS removed from its API; null or absent = not reported. */
  podSecurityPolicyEnabled?: boolean | null;
  /** `podIdentityProfile.enabled` (pod-managed identity); null or absent = not reported. */
  podIdentityEnabled?: boolean | null;
  /**
   * Application routing's `webAppRouting.nginx.defaultIngressControllerType` (`AnnotationControlled`,
   * `External`, `Internal`, `None`); null or absent = not reported (the default NGINX controller).
   */
  webAppRoutingNginx?: string | null;
  /** Flux v1 `sourceControlConfigurations` found on the cluster; absent = not looked for. */
  fluxV1Configurations?: number;
}

export interface ClusterNetwork {
  /** `azure`, `kubenet`, `none` as Azure spells them. */
  plugin: string | null;
  pluginMode: string | null;
  /** `azure` (Azure NPM), `calico`, `cilium`, `none`. */
  policy: string | null;
  /** `standard` or `basic`. */
  loadBalancerSku: string | null;
}

/**
 * One AKS-managed capability as a cluster profile states it: image cleaner, node auto-provisioning,
 * a CSI driver, AKS Automatic... A capability whose field is absent from the payload has no entry
 * (unknown, not off).
 */
export interface ManagedFeature {
  /** The capability's own ARM key as Azure spelled it (`imageCleaner`, `diskCSIDriver`, `nodeProvisioning`). */
  name: string;
  enabled: boolean;
  /** What the payload said, e.g. `nodeProvisioningProfile.mode = "Auto"`: shown to the reader. */
  evidence: string;
}

export interface AddonProfile {
  enabled: boolean;
  config: Record<string, string> | null;
}

export interface AgentPool {
  name: string;
  mode: string | null;
  orchestratorVersion: string | null;
  currentOrchestratorVersion: string | null;
  nodeImageVersion: string | null;
  osType: string | null;
  osSku: string | null;
  count: number | null;
  /** `VirtualMachineScaleSets`, `AvailabilitySet` or `VirtualMachines`; absent = not read. */
  type?: string | null;
  /** `workloadRuntime` (`OCIContainer`, `WasmWasi`, `KataVmIsolation`); absent = not reported. */
  workloadRuntime?: string | null;
  /** The preview property `enableCustomCATrust`; absent = not reported. */
  enableCustomCATrust?: boolean | null;
  /** The pool's own `tags` (some retired opt-outs are tags); absent = none reported. */
  tags?: Record<string, string>;
}

/** A `Microsoft.KubernetesConfiguration/extensions` resource installed on a cluster. */
export interface ExtensionRecord {
  id: string;
  /** ARM id of the cluster the extension belongs to. */
  clusterId: string;
  name: string;
  /** Extension type lower-cased, e.g. `microsoft.flux`. */
  extensionType: string;
  /** Pinned version, if any. */
  version: string | null;
  /** Version actually installed. */
  currentVersion: string | null;
  releaseTrain: string | null;
  autoUpgradeMinorVersion: boolean | null;
  provisioningState: string | null;
}

/** Self-installed software found inside a cluster (open-source / third-party tier). */
export interface OpenSourceFind {
  clusterId: string;
  /** Catalog signature id, e.g. `keda`, `ingress-nginx`. */
  signature: string;
  version: string | null;
  /** What matched: a Helm chart label or an image repository, with the workload it was found on. */
  evidence: string;
  namespace: string | null;
}

/** Kubernetes versions AKS offers in one region (Container Service `listKubernetesVersions`). */
export interface LocationVersions {
  location: string;
  minors: AvailableMinor[];
}

export interface AvailableMinor {
  /** `1.31` */
  version: string;
  isPreview: boolean;
  isDefault: boolean;
  /** e.g. `KubernetesOfficial`, `AKSLongTermSupport`. */
  supportPlans: string[];
  patchVersions: string[];
}

/** Version data for a run, keyed by lower-cased location. A missing key means no data for that region. */
export type VersionData = ReadonlyMap<string, LocationVersions>;

/** A scope that failed during a run; the run goes on and is marked partial. */
export interface ScopeError {
  scope: string;
  message: string;
}

/** What to audit. Empty lists mean "the whole tenant the identity can read". */
export interface AuditScope {
  subscriptions: string[];
  managementGroups: string[];
  /** Restrict to these clusters (ARM ids), applied after the sweep. */
  clusterIds: string[];
}

export const TENANT_SCOPE: AuditScope = Object.freeze({ subscriptions: [], managementGroups: [], clusterIds: [] }) as AuditScope;

/** A subscription id (or any Azure GUID). */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Azure resource ids are case-insensitive: compare and key them lower-cased. */
export function armIdKey(id: string): string {
  return id.trim().toLowerCase();
}

export function sameArmId(a: string, b: string): boolean {
  return armIdKey(a) === armIdKey(b);
}
