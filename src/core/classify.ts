/**
 * The classifier: one cluster (with its extensions, open-source finds and the region's version
 * data) judged against the catalog on a given day. Pure: no clock, no I/O; the same input gives
 * the same report. Every judgement says why in `reasons`, and every dated event names its source.
 *
 * Rules (AKS docs, as recorded in the catalog):
 * - Kubernetes: the N-2 window of community support, then platform support (N-3) until N+4 is GA,
 *   when AKS upgrades the cluster to the minor that is N-2 that day; LTS (Premium tier +
 *   AKSLongTermSupport plan) extends a minor to its LTS end. Live version data for the region beats
 *   the catalog where present. Where sources disagree on a date, the earliest wins. Cluster-level
 *   retirements (classify/clusterFeatures.ts) and node OS and images (classify/nodeOs.ts) are
 *   deadlines of the kubernetes integration.
 * - Previews (the cluster's minor, the add-on, an extension's release train) are best-effort and get
 *   no GA forced upgrade.
 * - Add-ons move major/minor only with the cluster's minor, so each enabled add-on carries a
 *   `forced-upgrade` deadline on the day the cluster's minor leaves support, or in platform support
 *   on the AKS-initiated upgrade (Istio is revisioned instead: judged by its newest revision).
 * - AKS-managed capabilities switched on through cluster profiles (classify/features.ts) are add-ons
 *   judged by their catalog stage and dated events; an unknown one is kept with stage `unknown`.
 * - Extensions are judged against their own releases; open-source installs are outside AKS support.
 * - Severity: critical = out of support, retired, or a deadline passed; warning = a deadline within
 *   the window; info = preview, unsupported tier or unknown; ok otherwise.
 */
import type { Catalog } from "../catalog/schema.js";
import { SCHEMA_VERSION, summarize, type AuditReport, type ClusterReport } from "./report.js";
import type { IsoDate, ScopeError } from "./types.js";
import { type ClassifyInput, type ClassifyOptions, type Ctx, indexCatalog } from "./classify/shared.js";
import { classifyKubernetes } from "./classify/kubernetes.js";
import { classifyAddon, enabledAddons } from "./classify/addons.js";
import { classifyExtension } from "./classify/extensions.js";
import { classifyOpenSource } from "./classify/openSource.js";
import { classifyFeature, enabledFeatures, noteContainerInsights, withContainerInsights } from "./classify/features.js";

export type { ClassifyInput, ClassifyOptions } from "./classify/shared.js";
export { earliestFact } from "./classify/shared.js";
export { enabledAddons } from "./classify/addons.js";

// ---------------------------------------------------------------- the cluster

function byName(a: { name: string; tie: string }, b: { name: string; tie: string }): number {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0;
}

/** Classifies one cluster into the report contract. Pure: `asOf` is the only notion of today. */
export function classifyCluster(input: ClassifyInput, catalog: Catalog, options: ClassifyOptions): ClusterReport {
  const ctx: Ctx = { catalog, index: indexCatalog(catalog), asOf: options.asOf, windowDays: options.windowDays };
  const { cluster } = input;
  const { integration: kubernetes, support } = classifyKubernetes(cluster, input.versions, ctx);

  const addonList = withContainerInsights(enabledAddons(cluster), cluster);
  const addonNames = new Set(addonList.map((a) => a.name.toLowerCase()));
  const addons = [
    ...addonList.map((a) => ({ name: a.name, tie: "", integration: noteContainerInsights(classifyAddon(a, cluster, support, ctx), cluster) })),
    // AKS-managed capabilities from cluster profiles are add-ons too (an add-on of the same name wins).
    ...enabledFeatures(cluster)
      .filter((feature) => !addonNames.has(feature.name.toLowerCase()))
      .map((feature) => ({ name: feature.name, tie: "", integration: classifyFeature(feature, cluster, support, ctx) })),
  ].sort(byName);
  const extensions = input.extensions
    .map((e) => ({ name: (e.extensionType ?? "").toLowerCase(), tie: `${e.name}\u0000${e.id}`, integration: classifyExtension(e, support, ctx) }))
    .sort(byName);
  const openSource = (input.openSource ?? [])
    .map((o) => ({ name: (o.signature ?? "").toLowerCase(), tie: `${o.namespace ?? ""}\u0000${o.version ?? ""}\u0000${o.evidence}`, integration: classifyOpenSource(o, cluster, input.extensions, ctx) }))
    .sort(byName);

  return {
    id: cluster.id,
    name: cluster.name,
    subscriptionId: cluster.subscriptionId,
    resourceGroup: cluster.resourceGroup,
    location: cluster.location,
    kubernetesVersion: cluster.currentKubernetesVersion ?? cluster.kubernetesVersion,
    supportPlan: cluster.supportPlan,
    integrations: [kubernetes, ...addons.map((a) => a.integration), ...extensions.map((e) => e.integration), ...openSource.map((o) => o.integration)],
    errors: [],
  };
}

export interface BuildReportInput {
  runId: string;
  asOf: IsoDate;
  catalog: Pick<Catalog, "version" | "checkedAt">;
  clusters: ClusterReport[];
  windowDays: number;
  errors?: readonly ScopeError[];
  dataSources?: AuditReport["dataSources"];
}

/** Wraps classified clusters into the report contract with its summary. */
export function buildReport(input: BuildReportInput): AuditReport {
  const report: AuditReport = {
    schemaVersion: SCHEMA_VERSION,
    runId: input.runId,
    asOf: input.asOf,
    catalog: { version: input.catalog.version, checkedAt: input.catalog.checkedAt },
    clusters: input.clusters,
    summary: summarize(input.clusters, input.windowDays),
    errors: (input.errors ?? []).map((e) => ({ scope: e.scope, message: e.message })),
  };
  if (input.dataSources) report.dataSources = input.dataSources;
  return report;
}
