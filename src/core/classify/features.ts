/**
 * AKS-managed capabilities switched on through cluster profiles (image cleaner, node
 * auto-provisioning, the CSI drivers, KAITO, AKS Automatic, ...): each enabled one is an `addon`
 * integration of tier aks-managed, judged by its catalog stage and dated events (features.json).
 * One the catalog does not know is still listed, with stage `unknown` and the evidence.
 *
 * Container insights has two switches, the `omsagent` add-on and `azureMonitorProfile.containerInsights`;
 * it is always reported once, as `omsagent`, with a reason naming the configuration found.
 */
import type { Catalog, FeatureEntry } from "../../catalog/schema.js";
import type { Integration } from "../report.js";
import type { ClusterRecord, ManagedFeature } from "../types.js";
import { applyAddonChanges, applyLts, type EnabledAddon, onPreviewCluster } from "./addons.js";
import type { ClusterSupport } from "./kubernetes.js";
import { type Ctx, Finding, eqi, estimateNote, when } from "./shared.js";

const CONTAINER_INSIGHTS = "containerInsights";
const OMSAGENT = "omsagent";

// The index is a memo of the catalog object, not state: the same catalog always gives the same map.
const featureIndexes = new WeakMap<Catalog, Map<string, FeatureEntry>>();

function featureIndex(catalog: Catalog): Map<string, FeatureEntry> {
  let index = featureIndexes.get(catalog);
  if (!index) {
    index = new Map((catalog.features ?? []).map((e) => [e.name.toLowerCase(), e]));
    featureIndexes.set(catalog, index);
  }
  return index;
}

/** Enabled capabilities, once each (by name, case-insensitively), Container insights aside. */
export function enabledFeatures(cluster: ClusterRecord): ManagedFeature[] {
  const seen = new Set<string>();
  const out: ManagedFeature[] = [];
  for (const feature of cluster.managedFeatures ?? []) {
    const key = feature.name.toLowerCase();
    if (!feature.enabled || seen.has(key) || key === CONTAINER_INSIGHTS.toLowerCase()) continue;
    seen.add(key);
    out.push(feature);
  }
  return out;
}

function containerInsightsProfile(cluster: ClusterRecord): ManagedFeature | undefined {
  return (cluster.managedFeatures ?? []).find((f) => f.enabled && eqi(f.name, CONTAINER_INSIGHTS));
}

/** The add-on list with Container insights added when only `azureMonitorProfile` turns it on. */
export function withContainerInsights(addons: EnabledAddon[], cluster: ClusterRecord): EnabledAddon[] {
  if (!containerInsightsProfile(cluster) || addons.some((a) => eqi(a.name, OMSAGENT))) return addons;
  return [...addons, { name: OMSAGENT, config: null }];
}

/** Says which configuration turned Container insights on (the `omsagent` integration only). */
export function noteContainerInsights(integration: Integration, cluster: ClusterRecord): Integration {
  if (!eqi(integration.name, OMSAGENT)) return integration;
  const profile = containerInsightsProfile(cluster);
  const addon = Object.entries(cluster.addonProfiles ?? {}).some(([key, p]) => eqi(key, OMSAGENT) && p?.enabled === true);
  let text: string;
  if (profile && addon) text = "Container insights is turned on twice, by the omsagent add-on profile and by azureMonitorProfile.containerInsights; it is listed once.";
  else if (profile) text = "Container insights was found through azureMonitorProfile.containerInsights (no omsagent add-on profile); the add-on's facts apply to it.";
  else text = "Container insights was found through the omsagent add-on profile (addonProfiles.omsagent).";
  return { ...integration, reasons: [...integration.reasons, text] };
}

export function classifyFeature(feature: ManagedFeature, cluster: ClusterRecord, support: ClusterSupport, ctx: Ctx): Integration {
  const entry = featureIndex(ctx.catalog).get(feature.name.toLowerCase());
  const f = new Finding(ctx, "addon", entry?.name ?? feature.name, null, "aks-managed");
  const evidence = `The cluster reports ${feature.evidence}.`;
  if (!entry) {
    f.stage = "unknown";
    f.drift = "unknown";
    f.reason(`The catalog (${ctx.catalog.version}) does not know the AKS-managed capability "${feature.name}"; it is listed so nothing is hidden, but its support could not be judged.`);
    f.reason(evidence, 0);
    return f.build();
  }
  const name = entry.displayName;
  f.stage = entry.stage;
  f.reason(evidence, 0);

  const events = [
    ...(entry.retirement ? [{ fact: entry.retirement, kind: "retirement" as const, subject: `AKS retires ${name}` }] : []),
    ...(entry.endOfSupport ? [{ fact: entry.endOfSupport, kind: "end-of-support" as const, subject: `AKS support for ${name} ends` }] : []),
    ...entry.changes
      .filter((c) => !c.onlyLocations || c.onlyLocations.includes(cluster.location.toLowerCase()))
      .map((c) => ({ fact: c, kind: c.kind, subject: c.subject })),
  ];
  for (const { fact, kind, subject } of events) {
    f.deadline(fact.date, kind, fact.source);
    const passed = fact.date < ctx.asOf;
    if (passed && kind === "retirement") f.stage = "retired";
    const instead = entry.replacement ? ` ${passed ? "Use" : "Plan a move to"} ${entry.replacement}.` : "";
    f.reason(`${subject}: ${when(ctx, fact.date)}${estimateNote(fact)}.${instead}`, passed ? 2 : 1);
  }
  if (entry.stage === "preview") f.reason(`${name} is in preview: best-effort support only, and it may change or be withdrawn without the usual notice.`);
  if (entry.stage === "deprecated" && !entry.retirement) f.reason(`${name} is deprecated.${entry.replacement ? ` Use ${entry.replacement}.` : ""}`);
  if (entry.advice) f.reason(entry.advice);

  onPreviewCluster(f, name, support);
  const ltsEnded = applyLts(f, name, entry.lts, support, ctx);
  applyAddonChanges(f, { name: entry.name, config: null }, ctx);

  if (f.stage === "retired" || ltsEnded) f.drift = "out-of-support";
  else if (support.outOfSupport) {
    f.drift = "out-of-support";
    f.reason(`Kubernetes ${support.minor} is out of support, and platform support does not cover AKS-managed components.`, 2);
  } else if (!support.version) f.drift = "unknown";
  return f.build();
}
