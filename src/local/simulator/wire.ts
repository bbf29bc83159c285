/**
 * Renders the simulator's cluster specs into the JSON Azure actually sends: ARM resources with a
 * `properties` envelope (Container Service), Resource Graph rows (ARM resource plus the table's
 * columns, `type` lower-cased, ids keeping ARM casing), error bodies and list envelopes.
 * Shapes come from templates/*.json, written after the published API examples.
 */
import agentPoolTemplate from "./templates/agentPool.json" with { type: "json" };
import armListTemplate from "./templates/armList.json" with { type: "json" };
import errorsTemplate from "./templates/errors.json" with { type: "json" };
import extensionTemplate from "./templates/extension.json" with { type: "json" };
import graphColumnsTemplate from "./templates/graphColumns.json" with { type: "json" };
import clusterTemplate from "./templates/managedCluster.json" with { type: "json" };
import credentialResultsTemplate from "./templates/credentialResults.json" with { type: "json" };
import queryResponseTemplate from "./templates/queryResponse.json" with { type: "json" };
import sourceControlTemplate from "./templates/sourceControlConfiguration.json" with { type: "json" };
import upgradeProfileTemplate from "./templates/upgradeProfile.json" with { type: "json" };
import type { ClusterSpec, ExtensionSpec } from "./fleet.js";
import { hash32 } from "./random.js";
import { minorOf, simMinor, upgradesFrom } from "./versions.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Deep-clones a template and fills `{placeholder}`s inside string values (never in keys). */
function fill<T>(template: T, vars: Record<string, string>): T {
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return value.replace(/\{(\w+)\}/g, (m, key: string) => vars[key] ?? m);
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v);
      return out;
    }
    return value;
  };
  return walk(template) as T;
}

function etag(...parts: number[]): string {
  return hash32(...parts).toString(36).padStart(7, "0");
}

function isoDaysBefore(asOf: string, days: number): string {
  return new Date(Date.parse(`${asOf}T06:00:00Z`) - days * 86_400_000).toISOString();
}

export function clusterId(spec: ClusterSpec): string {
  return `/subscriptions/${spec.subscriptionId}/resourceGroups/${spec.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${spec.name}`;
}

/** The cluster part of an extension id; some clusters' extensions spell it in other casing, as ARG does. */
function extensionParentId(spec: ClusterSpec): string {
  return spec.extensionIdCasingVariant
    ? `/subscriptions/${spec.subscriptionId}/resourcegroups/${spec.resourceGroup.toUpperCase()}/providers/microsoft.containerservice/managedclusters/${spec.name}`
    : clusterId(spec);
}

export function extensionId(spec: ClusterSpec, ext: ExtensionSpec): string {
  return `${extensionParentId(spec)}/providers/Microsoft.KubernetesConfiguration/extensions/${ext.name}`;
}

/** A managed cluster exactly as `GET …/managedClusters/{name}` returns it. */
export function renderCluster(spec: ClusterSpec, tenantId: string): JsonObject {
  const dnsPrefix = `${spec.name.replace(/[^A-Za-z0-9-]/g, "x").slice(0, 40)}-dns`;
  const body = fill(clusterTemplate, {
    subscriptionId: spec.subscriptionId,
    resourceGroup: spec.resourceGroup,
    name: spec.name,
    location: spec.location,
    eTag: etag(spec.index, 1),
    principalId: `00000000-0000-4000-8000-${String(spec.index).padStart(12, "0")}`,
    tenantId,
    kubernetesVersion: spec.kubernetesVersion,
    currentKubernetesVersion: spec.currentKubernetesVersion,
    dnsPrefix,
  }) as unknown as JsonObject;
  body.tags = { ...spec.tags };
  body.sku = { name: spec.skuName, tier: spec.skuTier };
  const p = body.properties as JsonObject;
  p.provisioningState = spec.provisioningState;
  p.powerState = { code: spec.powerState };
  p.supportPlan = spec.supportPlan;
  p.agentPoolProfiles = spec.pools.map((pool, i) => {
    const out = fill(agentPoolTemplate, {
      poolName: pool.name,
      orchestratorVersion: pool.orchestratorVersion,
      currentOrchestratorVersion: pool.currentOrchestratorVersion,
      nodeImageVersion: pool.nodeImageVersion ?? "",
      eTag: etag(spec.index, 100 + i),
    }) as unknown as JsonObject;
    out.count = pool.count;
    out.vmSize = pool.vmSize;
    out.mode = pool.mode;
    out.osType = pool.osType;
    if (pool.osSKU === null) delete out.osSKU;
    else out.osSKU = pool.osSKU;
    if (pool.nodeImageVersion === null) delete out.nodeImageVersion;
    out.powerState = { code: pool.powerState };
    if (pool.osType === "Windows") delete out.osDiskType;
    return out;
  });
  const addons: JsonObject = {};
  for (const [key, addon] of Object.entries(spec.addons)) {
    const entry: JsonObject = { enabled: addon.enabled, config: addon.config };
    if (addon.withIdentity && addon.enabled) {
      entry.identity = {
        resourceId: `/subscriptions/${spec.subscriptionId}/resourcegroups/MC_${spec.resourceGroup}_${spec.name}_${spec.location}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${key.toLowerCase()}-${spec.name}`,
        clientId: `00000000-0000-4000-9000-${String(spec.index).padStart(12, "0")}`,
        objectId: `00000000-0000-4000-a000-${String(spec.index).padStart(12, "0")}`,
      };
    }
    addons[key] = entry;
  }
  p.addonProfiles = addons;
  if (spec.autoUpgrade) p.autoUpgradeProfile = { ...spec.autoUpgrade };
  else delete p.autoUpgradeProfile;
  p.oidcIssuerProfile = spec.oidcIssuer
    ? { enabled: true, issuerURL: `https://${spec.location}.oic.prod-aks.azure.com/${tenantId}/${etag(spec.index, 2)}/` }
    : { enabled: false };
  p.securityProfile = { workloadIdentity: { enabled: spec.workloadIdentity } };
  if (spec.autoscaler) p.workloadAutoScalerProfile = { keda: { enabled: spec.autoscaler.keda }, verticalPodAutoscaler: { enabled: spec.autoscaler.vpa } };
  else delete p.workloadAutoScalerProfile;
  if (spec.monitorMetrics === null) delete p.azureMonitorProfile;
  else
    p.azureMonitorProfile = spec.monitorMetrics
      ? { metrics: { enabled: true, kubeStateMetrics: { metricLabelsAllowlist: "", metricAnnotationsAllowList: "" } } }
      : { metrics: { enabled: false } };
  if (spec.istioRevisions === null) delete p.serviceMeshProfile;
  else if (spec.istioRevisions.length === 0) p.serviceMeshProfile = { mode: "Disabled" };
  else
    p.serviceMeshProfile = {
      mode: "Istio",
      istio: {
        components: { ingressGateways: [{ enabled: true, mode: "External" }], egressGateways: [] },
        revisions: [...spec.istioRevisions],
      },
    };
  if (spec.webAppRouting === null) delete p.ingressProfile;
  else
    p.ingressProfile = spec.webAppRouting
      ? {
          webAppRouting: {
            enabled: true,
            dnsZoneResourceIds: [`/subscriptions/${spec.subscriptionId}/resourceGroups/rg-dns/providers/Microsoft.Network/dnszones/apps.sim-aks.example`],
            nginx: { defaultIngressControllerType: "AnnotationControlled" },
          },
        }
      : { webAppRouting: { enabled: false } };
  renderFeatureProfiles(p, spec);
  return body;
}

/**
 * The profiles of AKS-managed capabilities, with the property names and values the API uses
 * (`nodeProvisioningProfile.mode` Auto/Manual, `gatewayAPI.installation` Standard/Disabled,
 * `appRoutingIstio.mode` Enabled/Disabled). Kept to the fields the examples and recordings show.
 */
function renderFeatureProfiles(p: JsonObject, spec: ClusterSpec): void {
  const f = spec.features;
  const object = (key: string): JsonObject => {
    if (!p[key] || typeof p[key] !== "object" || Array.isArray(p[key])) p[key] = {};
    return p[key] as JsonObject;
  };
  const workspace = `/subscriptions/${spec.subscriptionId}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-${spec.resourceGroup}`;
  if (f.aiToolchainOperator !== null) p.aiToolchainOperatorProfile = { enabled: f.aiToolchainOperator };
  if (f.costAnalysis !== null) p.metricsProfile = { costAnalysis: { enabled: f.costAnalysis } };
  if (f.containerInsights !== null) {
    object("azureMonitorProfile").containerInsights = f.containerInsights ? { enabled: true, logAnalyticsWorkspaceResourceId: workspace } : { enabled: false };
  }
  if (f.appMonitoring !== null) {
    object("azureMonitorProfile").appMonitoring = {
      autoInstrumentation: { enabled: f.appMonitoring },
      openTelemetryMetrics: { enabled: f.appMonitoring, httpPort: 0, grpcPort: 0 },
      openTelemetryLogsAndTraces: { enabled: false, httpPort: 0, grpcPort: 0 },
    };
  }
  const security = object("securityProfile");
  if (f.imageCleaner !== null) security.imageCleaner = { enabled: f.imageCleaner, intervalHours: 168 };
  if (f.defender) security.defender = { logAnalyticsWorkspaceResourceId: workspace, securityMonitoring: { enabled: true } };
  if (f.azureKeyVaultKms !== null) {
    security.azureKeyVaultKms = f.azureKeyVaultKms
      ? { enabled: true, keyId: `https://kv-${spec.resourceGroup}.vault.azure.net/keys/etcd/0000000000000000000000000000000${spec.index % 10}`, keyVaultNetworkAccess: "Public" }
      : { enabled: false };
  }
  if (f.nodeProvisioningMode !== null) p.nodeProvisioningProfile = { mode: f.nodeProvisioningMode };
  if (f.storage === null) delete p.storageProfile;
  else
    p.storageProfile = {
      diskCSIDriver: { enabled: f.storage.diskCSIDriver },
      fileCSIDriver: { enabled: f.storage.fileCSIDriver },
      ...(f.storage.blobCSIDriver ? { blobCSIDriver: { enabled: true } } : {}),
      snapshotController: { enabled: f.storage.snapshotController },
    };
  const network = object("networkProfile");
  const legacy = f.legacy;
  if (legacy.networkPlugin === "kubenet") {
    network.networkPlugin = "kubenet";
    delete network.networkPluginMode;
  }
  if (legacy.networkPolicy) network.networkPolicy = legacy.networkPolicy;
  if (legacy.loadBalancerSku === "basic") network.loadBalancerSku = "basic";
  if (legacy.podIdentity) p.podIdentityProfile = { enabled: true, allowNetworkPluginKubenet: legacy.networkPlugin === "kubenet", userAssignedIdentities: [], userAssignedIdentityExceptions: [] };
  const firstPool = (p.agentPoolProfiles as JsonObject[] | undefined)?.[0];
  if (legacy.availabilitySet && firstPool) firstPool.type = "AvailabilitySet";
  // Cilium runs only with Azure CNI; a cluster on another plugin keeps the azure dataplane.
  network.networkDataplane = f.networkDataplane === "cilium" && network.networkPlugin === "azure" ? "cilium" : "azure";
  if (network.networkDataplane !== "cilium" && network.networkPolicy === "cilium") network.networkPolicy = "none";
  if (f.advancedNetworking !== null) network.advancedNetworking = { enabled: f.advancedNetworking, observability: { enabled: f.advancedNetworking } };
  if (f.gatewayAPIInstallation !== null) object("ingressProfile").gatewayAPI = { installation: f.gatewayAPIInstallation };
  if (f.appRoutingIstioMode !== null) {
    const ingress = object("ingressProfile");
    const routing = (ingress.webAppRouting as JsonObject | undefined) ?? { enabled: false };
    routing.gatewayAPIImplementations = { appRoutingIstio: { mode: f.appRoutingIstioMode } };
    ingress.webAppRouting = routing;
  }
  if (f.hostedSystem !== null) p.hostedSystemProfile = { enabled: f.hostedSystem };
}

/**
 * Preview-API fields in a Resource Graph row. Assumption: ARG's copy of `properties` can carry
 * fields the stable api-version does not return (image integrity, the App Gateway for Containers
 * switch), so they appear in graph rows only, never in the Container Service GET.
 */
function renderPreviewFeatureFields(p: JsonObject, spec: ClusterSpec): void {
  const f = spec.features;
  if (f.imageIntegrity !== null) ((p.securityProfile ??= {}) as JsonObject).imageIntegrity = { enabled: f.imageIntegrity };
  if (f.unknownSwitch) ((p.ingressProfile ??= {}) as JsonObject).applicationLoadBalancer = { enabled: true };
}

/** A `resources` row: the ARM resource plus ARG's columns, `type` lower-cased as ARG returns it. */
export function renderClusterGraphRow(spec: ClusterSpec, tenantId: string): JsonObject {
  const resource = renderCluster(spec, tenantId);
  const columns = fill(graphColumnsTemplate, { tenantId, resourceGroup: spec.resourceGroup, subscriptionId: spec.subscriptionId }) as unknown as JsonObject;
  delete resource.eTag; // ARG's resources table has no eTag column
  renderPreviewFeatureFields(resource.properties as JsonObject, spec);
  return { ...resource, ...columns, type: String(resource.type).toLowerCase() };
}

/** An extension as the Kubernetes Configuration RP returns it. */
export function renderExtension(spec: ClusterSpec, ext: ExtensionSpec, asOf: string): JsonObject {
  const body = fill(extensionTemplate, {
    clusterId: extensionParentId(spec),
    name: ext.name,
    extensionType: ext.extensionType,
    currentVersion: ext.currentVersion,
    namespace: ext.namespace,
    createdAt: isoDaysBefore(asOf, spec.ageDays),
    modifiedAt: isoDaysBefore(asOf, Math.floor(spec.ageDays / 3)),
  }) as unknown as JsonObject;
  const p = body.properties as JsonObject;
  p.version = ext.version;
  p.autoUpgradeMinorVersion = ext.autoUpgradeMinorVersion;
  p.releaseTrain = ext.releaseTrain;
  p.provisioningState = ext.provisioningState;
  return body;
}

/** A `kubernetesconfigurationresources` row; some bags carry PascalCase keys (seen in ARG samples). */
export function renderExtensionGraphRow(spec: ClusterSpec, ext: ExtensionSpec, asOf: string, tenantId: string): JsonObject {
  const resource = renderExtension(spec, ext, asOf);
  const p = resource.properties as JsonObject;
  if (ext.pascalCaseBag) {
    const renamed: JsonObject = {};
    for (const [k, v] of Object.entries(p)) renamed[k === "extensionType" ? "ExtensionType" : k] = v;
    resource.properties = renamed;
  }
  const columns = fill(graphColumnsTemplate, { tenantId, resourceGroup: spec.resourceGroup, subscriptionId: spec.subscriptionId }) as unknown as JsonObject;
  delete resource.systemData;
  return { ...resource, ...columns, location: "", tags: null, identity: null, sku: null, type: String(resource.type).toLowerCase() };
}

/**
 * A Flux v1 configuration as a `kubernetesconfigurationresources` row. The resource's shape follows
 * the REST example GetSourceControlConfiguration (Microsoft.KubernetesConfiguration 2023-05-01).
 * Assumptions, since no public Resource Graph sample shows this type: the row carries the same table
 * columns as an extension row, `type` lower-cased and the bag in camelCase; the id keeps the cluster's
 * casing variant, as extension ids do; configurations made before the Flux v1 retirement are still listed.
 */
export function renderSourceControlGraphRow(spec: ClusterSpec, k: number, asOf: string, tenantId: string): JsonObject {
  const resource = fill(sourceControlTemplate, {
    clusterId: extensionParentId(spec),
    name: k === 0 ? "cluster-config" : `cluster-config-${k + 1}`,
    appliedAt: isoDaysBefore(asOf, Math.floor(spec.ageDays / 2)),
  }) as unknown as JsonObject;
  const columns = fill(graphColumnsTemplate, { tenantId, resourceGroup: spec.resourceGroup, subscriptionId: spec.subscriptionId }) as unknown as JsonObject;
  return { ...resource, ...columns, location: "", tags: null, identity: null, sku: null, type: String(resource.type).toLowerCase() };
}

export function renderUpgradeProfile(spec: ClusterSpec): JsonObject {
  const body = fill(upgradeProfileTemplate, { clusterId: clusterId(spec), kubernetesVersion: spec.currentKubernetesVersion }) as unknown as JsonObject;
  const upgrades = (version: string): Json[] =>
    upgradesFrom(version).map((v): Json => (simMinor(minorOf(v))?.isPreview ? { kubernetesVersion: v, isPreview: true } : { kubernetesVersion: v }));
  const p = body.properties as JsonObject;
  (p.controlPlaneProfile as JsonObject).upgrades = upgrades(spec.currentKubernetesVersion);
  p.agentPoolProfiles = spec.pools.map((pool) => ({
    name: pool.name,
    kubernetesVersion: pool.currentOrchestratorVersion,
    osType: pool.osType,
    upgrades: upgrades(pool.currentOrchestratorVersion),
  }));
  return body;
}

export function queryResponse(fields: { totalRecords: number; data: JsonObject[]; skipToken: string | null; truncated: boolean }): JsonObject {
  const body = structuredClone(queryResponseTemplate) as unknown as JsonObject;
  body.totalRecords = fields.totalRecords;
  body.count = fields.data.length;
  body.resultTruncated = fields.truncated ? "true" : "false";
  if (fields.skipToken) body.$skipToken = fields.skipToken;
  body.data = fields.data;
  return body;
}

/**
 * An ARM list page. The providers differ on the last page, as their published examples show:
 * Container Service leaves `nextLink` out (ManagedClustersList), Kubernetes Configuration writes
 * `"nextLink": null` (ListExtensions).
 */
export function armList(value: JsonObject[], nextLink: string | null, lastPage: "omit" | "null" = "omit"): JsonObject {
  const body = structuredClone(armListTemplate) as unknown as JsonObject;
  body.value = value;
  if (nextLink !== null || lastPage === "null") body.nextLink = nextLink;
  return body;
}

export type ErrorName = keyof typeof errorsTemplate;

export function errorBody(name: ErrorName, vars: Record<string, string>): JsonObject {
  return fill(errorsTemplate[name], vars) as unknown as JsonObject;
}

/** The Entra application of the AKS API server (kubelogin's `--server-id`). */
const AKS_SERVER_APP = "6dae42f8-4368-4678-94ff-3960e28e3630";
/** The Azure CLI's public client, which AKS puts into user kubeconfigs for device-code login. */
const AZURE_CLI_APP = "80faf920-1908-4b52-b5ef-a8e7bedfc67a";

/** A YAML scalar that is safe whatever the text (YAML accepts JSON's double-quoted strings). */
const yamlString = (text: string): string => JSON.stringify(text);

/**
 * The user kubeconfig AKS returns for an Entra ID cluster: the API server and its CA, and a user
 * that logs in through kubelogin (an exec plugin). YAML, as AKS sends it.
 */
export function renderUserKubeconfig(spec: ClusterSpec, tenantId: string, server: string, caPem: string): string {
  const user = `clusterUser_${spec.resourceGroup}_${spec.name}`;
  const ca = Buffer.from(caPem, "utf8").toString("base64");
  return [
    "apiVersion: v1",
    "clusters:",
    "- cluster:",
    `    certificate-authority-data: ${ca}`,
    `    server: ${yamlString(server)}`,
    `  name: ${yamlString(spec.name)}`,
    "contexts:",
    "- context:",
    `    cluster: ${yamlString(spec.name)}`,
    `    user: ${yamlString(user)}`,
    `  name: ${yamlString(spec.name)}`,
    `current-context: ${yamlString(spec.name)}`,
    "kind: Config",
    "preferences: {}",
    "users:",
    `- name: ${yamlString(user)}`,
    "  user:",
    "    exec:",
    "      apiVersion: client.authentication.k8s.io/v1beta1",
    "      args:",
    "      - get-token",
    "      - --environment",
    "      - AzurePublicCloud",
    "      - --server-id",
    `      - ${AKS_SERVER_APP}`,
    "      - --client-id",
    `      - ${AZURE_CLI_APP}`,
    "      - --tenant-id",
    `      - ${tenantId}`,
    "      - --login",
    "      - devicecode",
    "      command: kubelogin",
    "      env: null",
    "      installHint: |2",
    "",
    "        kubelogin is not installed which is required to connect to AAD enabled cluster.",
    "",
    "        To learn more, please go to https://aka.ms/aks/kubelogin",
    "      interactiveMode: IfAvailable",
    "      provideClusterInfo: false",
    "",
  ].join("\n");
}

/** `listClusterUserCredential`: the kubeconfig travels base64-encoded in `value`. */
export function credentialResults(kubeconfig: string): JsonObject {
  return fill(credentialResultsTemplate, { kubeconfig: Buffer.from(kubeconfig, "utf8").toString("base64") }) as unknown as JsonObject;
}

/** The API server address AKS gives a public cluster: `<dnsPrefix>-<hash>.hcp.<region>.azmk8s.io`. */
export function publicApiServer(spec: ClusterSpec): string {
  const prefix = spec.name.replace(/[^A-Za-z0-9-]/g, "x").slice(0, 40).toLowerCase();
  return `https://${prefix}-dns-${etag(spec.index, 3).slice(0, 8)}.hcp.${spec.location}.azmk8s.io:443`;
}
