/**
 * Add-ons (addonProfiles and profile features): AKS-managed, moving major/minor only with the
 * cluster's minor, so each carries the forced upgrade its cluster's end of support brings; Istio by revision.
 */
import type { AddonEntry } from "../../catalog/schema.js";
import type { Integration } from "../report.js";
import type { ClusterRecord } from "../types.js";
import { compareVersions, minorKey, parseAnyVersion, parseAsmRevision, parseVersion, sortVersions, type Version } from "../versions.js";
import { type Ctx, Finding, componentVersions, disagreement, earliestFact, eqi, estimateNote, listVersions, nextMinorKey, when } from "./shared.js";
import { type ClusterSupport, type PlatformUpgrade, PREVIEW_NO_NOTICE } from "./kubernetes.js";

// ---------------------------------------------------------------- add-ons

export interface EnabledAddon {
  name: string;
  config: Record<string, string> | null;
}

export const PROFILE_FEATURES: { name: string; enabled: (c: ClusterRecord) => boolean }[] = [
  { name: "keda", enabled: (c) => c.kedaEnabled === true },
  { name: "vpa", enabled: (c) => c.vpaEnabled === true },
  { name: "istio", enabled: (c) => eqi(c.serviceMeshMode, "Istio") },
  { name: "webAppRouting", enabled: (c) => c.webAppRoutingEnabled === true },
  { name: "azureMonitorMetrics", enabled: (c) => c.azureMonitorMetricsEnabled === true },
];

/** Enabled add-ons: `addonProfiles` entries with enabled=true, then profile-based features. */
export function enabledAddons(cluster: ClusterRecord): EnabledAddon[] {
  const out: EnabledAddon[] = [];
  const seen = new Set<string>();
  for (const [name, profile] of Object.entries(cluster.addonProfiles ?? {})) {
    if (profile?.enabled !== true || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    out.push({ name, config: profile.config ?? null });
  }
  for (const feature of PROFILE_FEATURES) {
    if (!feature.enabled(cluster) || seen.has(feature.name.toLowerCase())) continue;
    seen.add(feature.name.toLowerCase());
    out.push({ name: feature.name, config: null });
  }
  return out;
}

export function classifyAddon(addon: EnabledAddon, cluster: ClusterRecord, support: ClusterSupport, ctx: Ctx): Integration {
  const entry = ctx.index.addons.get(addon.name.toLowerCase());
  if (entry?.versioning === "revisions") return classifyIstio(addon.name, cluster, support, entry, ctx);
  const f = new Finding(ctx, "addon", addon.name, null, "aks-managed");
  if (!entry) {
    f.stage = "unknown";
    f.drift = "unknown";
    f.reason(`The catalog (${ctx.catalog.version}) does not know the add-on "${addon.name}"; it is listed so nothing is hidden, but its support could not be judged.`);
    return f.build();
  }
  f.stage = entry.stage;
  const name = entry.displayName;

  if (entry.retirement) {
    const r = entry.retirement;
    f.deadline(r.date, "retirement", r.source);
    if (r.date < ctx.asOf) {
      f.stage = "retired";
      f.reason(`AKS retired ${name} on ${r.date}.${entry.replacement ? ` Replace it with the ${entry.replacement}.` : ""}`, 2);
    } else {
      f.reason(`AKS support for ${name} ends on ${when(ctx, r.date)}${estimateNote(r)}.${entry.replacement ? ` Plan a move to the ${entry.replacement}.` : ""}`);
    }
  } else if (entry.stage === "retired") {
    f.reason(`${name} is retired${entry.note ? `: ${entry.note}` : "."}${entry.replacement ? ` Use the ${entry.replacement} instead.` : ""}`);
  }
  let supportEnded = false;
  if (entry.endOfSupport && entry.endOfSupportOnly === "nginx" && eqi(cluster.webAppRoutingNginx, "None")) {
    // The dates are NGINX's: with no default NGINX controller the add-on runs the Gateway API side only.
    f.reason(`The default NGINX controller is off (webAppRouting.nginx.defaultIngressControllerType = None), so the managed NGINX end of support (${entry.endOfSupport.date}) does not apply to the add-on itself; it still applies to any NginxIngressController resources created by hand.`);
  } else if (entry.endOfSupport) {
    const e = entry.endOfSupport;
    supportEnded = e.date < ctx.asOf;
    f.deadline(e.date, "end-of-support", e.source);
    f.reason(`${supportEnded ? "Support ended" : "Support ends"} for ${name} on ${when(ctx, e.date)}.${entry.replacement ? ` Move to the ${entry.replacement}.` : ""}`, 2);
  }
  if (entry.stage === "preview") {
    f.reason(`${name} is in preview: best-effort support only, and its major/minor may change at any time.`);
    f.reason(PREVIEW_NO_NOTICE, 0);
  }
  if (entry.stage === "deprecated" && !entry.retirement) f.reason(`${name} is deprecated.`);

  onPreviewCluster(f, name, support);
  const ltsEnded = applyLts(f, name, entry.lts, support, ctx);
  if (f.stage !== "retired") forcedUpgrade(f, entry.versionComponent, addon.name, support, ctx, entry.stage === "preview");
  applyAddonChanges(f, addon, ctx);

  if (f.stage === "retired" || ltsEnded || supportEnded) f.drift = "out-of-support";
  else if (support.outOfSupport) {
    f.drift = "out-of-support";
    f.reason(`Kubernetes ${support.minor} is out of support, and platform support does not cover add-ons.`, 2);
  } else if (!support.version) f.drift = "unknown";
  return f.build();
}

/** Add-ons (and extensions) that LTS does not carry past community support. */
export function applyLts(f: Finding, name: string, lts: AddonEntry["lts"], support: ClusterSupport, ctx: Ctx): boolean {
  if (!support.lts || !lts || !support.communityEnd) return false;
  const end = support.communityEnd;
  if (lts.status === "not-supported") {
    f.deadline(end.date, "end-of-support", lts.source);
    f.reason(
      `This cluster uses long-term support, but LTS does not cover ${name}: its support ${end.date < ctx.asOf ? "ended" : "ends"} with community support for ${support.minor} on ${when(ctx, end.date)}.`,
      2,
    );
    return end.date < ctx.asOf;
  }
  if (lts.status === "check") {
    f.reason(`Under long-term support, confirm ${name} supports ${support.minor} before running past community support (${end.date}).`);
  }
  return false;
}

/** An integration on a preview Kubernetes minor is itself judged as a preview (best-effort support). */
export function onPreviewCluster(f: Finding, name: string, support: ClusterSupport): void {
  if (!support.preview) return;
  if (f.stage === "ga") f.stage = "preview";
  f.raise("info");
  f.reason(`The cluster runs Kubernetes ${support.minor ?? "(unknown)"} as a preview, so ${name} gets best-effort support only.`);
  f.reason(PREVIEW_NO_NOTICE, 0);
}

/**
 * Add-on major/minor moves only with the cluster's minor: dated by the minor's end of support or,
 * in platform support, by the AKS-initiated upgrade. Previews (the cluster's minor or the add-on
 * itself) have no such rule: their major/minor may move at any time.
 */
export function forcedUpgrade(f: Finding, component: string | null, addonName: string, support: ClusterSupport, ctx: Ctx, preview = false, target: "addon" | "extension" = "addon"): void {
  if (!support.version || !support.minor) return;
  if (support.preview || preview) {
    f.reason("No forced-upgrade date is given: on a preview the add-on may change major/minor at any time, so there is no GA notice to count on.", 0);
    return;
  }
  if (support.platform) {
    platformUpgrade(f, component, addonName, support, support.platform, ctx, target);
    return;
  }
  const end = support.supportEnd;
  const next = nextMinorKey(support.version);
  if (!end) {
    f.reason(`The add-on's major/minor moves only when the cluster moves past ${support.minor}; that date is not in the catalog.`);
    return;
  }
  f.deadline(end.date, "forced-upgrade", end.source);
  const now = componentVersions(ctx, component, support.minor);
  const then = componentVersions(ctx, component, next);
  const head = `When ${support.minor} leaves support on ${end.date}, the cluster must move to ${next} and this add-on's major/minor moves with it`;
  if (then.length > 0) {
    const nowText = now.length > 0 ? ` (${listVersions(now)} on ${support.minor})` : "";
    const same = now.length > 0 && sameMinorSets(now, then);
    f.reason(`${head}: AKS runs ${listVersions(then)} on ${next}${nowText}${same ? ", the same minor, so only a patch change is expected" : ""}.`);
    crossings(f, addonName, "addon", now, then, ctx);
  } else if (now.length > 0) {
    f.reason(`${head}; AKS runs ${listVersions(now)} on ${support.minor}, and the catalog has no version for ${next}.`);
  } else {
    f.reason(`${head}.`);
  }
}

/**
 * In platform support the add-on moves when AKS upgrades the cluster to the minor that is N-2 then:
 * on the GA that ends platform support, or earlier by the platform-initiated upgrade after the grace period.
 */
function platformUpgrade(f: Finding, component: string | null, addonName: string, support: ClusterSupport, p: PlatformUpgrade, ctx: Ctx, target: "addon" | "extension"): void {
  const minor = support.minor!;
  const event = p.grace
    ? { ...p.grace, why: "by the platform-initiated upgrade after the grace period" }
    : p.date
      ? { date: p.date, target: p.target, source: p.source, why: `when ${p.untilMinor} becomes GA` }
      : null;
  if (!event) {
    f.reason(`Kubernetes ${minor} is in platform support until ${p.untilMinor} becomes GA, a date not known yet; then AKS upgrades the cluster and this add-on's major/minor moves with it.`);
    return;
  }
  if (p.grace && !p.date) f.reason(`Platform support for ${minor} lasts until ${p.untilMinor} becomes GA, a date not known yet.`, 0);
  f.deadline(event.date, "forced-upgrade", event.source);
  const to = event.target;
  const head = `AKS upgrades this cluster from ${minor}${to ? ` to ${to}` : ""} on ${when(ctx, event.date)}, ${event.why}, and this add-on's major/minor moves with it`;
  const now = componentVersions(ctx, component, minor);
  const then = componentVersions(ctx, component, to);
  if (then.length > 0) {
    f.reason(`${head}: AKS runs ${listVersions(then)} on ${to}${now.length > 0 ? ` (${listVersions(now)} on ${minor})` : ""}.`);
    crossings(f, addonName, target, now, then, ctx);
  } else {
    f.reason(`${head}${to ? `; the catalog has no version of it for ${to}` : "; the catalog does not yet know the minor it moves to"}.`);
  }
}

export function sameMinorSets(a: string[], b: string[]): boolean {
  const minors = (list: string[]): string[] => [...new Set(list.map((x) => minorKey(x)).filter((x): x is string => x !== null))].sort();
  const ma = minors(a);
  const mb = minors(b);
  return ma.length > 0 && ma.length === mb.length && ma.every((m, i) => m === mb[i]);
}

/** Breaking changes that arrive with a version the forced upgrade moves past. */
export function crossings(f: Finding, name: string, target: "addon" | "extension", from: string[], to: string[], ctx: Ctx): void {
  const low = from.map(parseAnyVersion).filter((x): x is Version => x !== null).sort(compareVersions)[0];
  const high = to.map(parseAnyVersion).filter((x): x is Version => x !== null).sort(compareVersions).at(-1);
  if (!low || !high) return;
  for (const change of ctx.catalog.changes) {
    if (change.appliesTo.target !== target || !eqi(change.appliesTo.name, name) || !change.appliesTo.introducedIn) continue;
    const intro = parseAnyVersion(change.appliesTo.introducedIn);
    if (intro && compareVersions(low, intro) < 0 && compareVersions(high, intro) >= 0) {
      f.reason(`That move crosses ${change.appliesTo.introducedIn}: ${change.subject}.${change.replacement ? ` Use ${change.replacement}.` : ""}`);
    }
  }
}

export function applyAddonChanges(f: Finding, addon: EnabledAddon, ctx: Ctx): void {
  for (const change of ctx.catalog.changes) {
    const a = change.appliesTo;
    if (a.target !== "addon" || !eqi(a.name, addon.name) || a.introducedIn || !change.date) continue;
    if (a.unlessConfig) {
      if (addon.config === null) {
        f.reason(`Could not tell whether ${a.unlessConfig.key}=${a.unlessConfig.value} is set (no add-on config reported): ${change.subject} on ${change.date}.`);
        continue;
      }
      const key = Object.keys(addon.config).find((k) => eqi(k, a.unlessConfig!.key));
      if (key !== undefined && eqi(addon.config[key], a.unlessConfig.value)) continue;
    }
    f.deadline(change.date, change.kind, change.source);
    f.reason(`${change.subject} on ${when(ctx, change.date)}.${change.replacement ? ` Switch to ${change.replacement}.` : ""}`, change.date < ctx.asOf ? 2 : 1);
  }
}

export function classifyIstio(name: string, cluster: ClusterRecord, support: ClusterSupport, entry: AddonEntry, ctx: Ctx): Integration {
  const revisions = sortVersions(cluster.istioRevisions ?? []);
  const f = new Finding(ctx, "addon", name, revisions.length > 0 ? revisions.join(",") : null, "aks-managed");
  f.stage = entry.stage;
  f.reason("The Istio add-on follows its own revision calendar rather than the cluster's minor.", 0);
  onPreviewCluster(f, entry.displayName, support);
  if (revisions.length === 0) {
    f.drift = "unknown";
    f.reason("The mesh is on, but no revision was reported.");
    return f.build();
  }
  let broken = false;
  let ended = false;
  let unknown = false;
  const plan = support.lts ? "long-term support" : "standard";
  // During a canary upgrade two revisions run: the mesh is judged by the newer one, and the older
  // one's end of life is the date to finish the upgrade by, not the mesh's end.
  const newest = revisions.at(-1)!;
  if (revisions.length > 1) f.reason(`A canary upgrade is in progress (${revisions.join(", ")}); the mesh is judged by ${newest}.`);
  for (const revision of revisions) {
    const isNewest = revision === newest;
    const r = ctx.index.istio.get(revision.toLowerCase());
    if (!r) {
      unknown = unknown || isNewest;
      f.reason(`The catalog (${ctx.catalog.version}) does not know Istio revision "${revision}".`);
      continue;
    }
    const eol = earliestFact(r.endOfLife);
    if (eol) {
      f.deadline(eol.date, "end-of-support", eol.source);
      if (isNewest && eol.date < ctx.asOf) ended = true;
      if (!isNewest) {
        f.reason(
          eol.date < ctx.asOf
            ? `Revision ${revision} reached end of life on ${eol.date}${estimateNote(eol)}: finish the canary upgrade to ${newest} and remove it.`
            : `Finish the canary upgrade to ${newest} by ${when(ctx, eol.date)}, when revision ${revision} reaches end of life${estimateNote(eol)}.`,
          eol.date < ctx.asOf ? 2 : 1,
        );
      } else {
        f.reason(
          eol.date < ctx.asOf
            ? `Revision ${revision} reached end of life on ${eol.date}${estimateNote(eol)}.`
            : `Revision ${revision} is supported until ${when(ctx, eol.date)}${estimateNote(eol)}.`,
        );
      }
      const said = disagreement(r.endOfLife, `the end of life of ${revision}`);
      if (said) f.reason(said, 0);
    }
    // Revision n-2 is deprecated (no new installs) some weeks after n rolls out everywhere.
    const deprecated = earliestFact(r.deprecated);
    if (deprecated && deprecated.date <= ctx.asOf && !(eol && eol.date < ctx.asOf)) {
      f.reason(`Revision ${revision} is deprecated since ${deprecated.date}: no new installs, and AKS supports it only until its end of life.`);
    }
    const compatible = support.lts ? r.compatibleLtsMinors : r.compatibleMinors;
    if (support.minor && !compatible.includes(support.minor)) {
      if (isNewest) broken = true;
      f.reason(`Revision ${revision} is not listed as compatible with Kubernetes ${support.minor} on the ${plan} plan.`, isNewest ? 2 : 1);
    }
  }
  const current = revisions.map(parseAsmRevision).filter((x): x is Version => x !== null).sort(compareVersions).at(-1);
  const best = newestCompatibleRevision(support, ctx);
  if (current && best && compareVersions(current, best.v) < 0) {
    f.reason(`The newest revision compatible with ${support.minor} is ${best.revision}.`, 0);
  }
  for (const change of ctx.catalog.changes) {
    const a = change.appliesTo;
    if (a.target !== "addon" || !eqi(a.name, name) || !a.introducedIn) continue;
    const intro = parseAsmRevision(a.introducedIn) ?? parseVersion(a.introducedIn);
    if (intro && current && compareVersions(current, intro) < 0) f.reason(`Moving to ${a.introducedIn} or later: ${change.subject}.`);
  }
  if (support.outOfSupport) {
    broken = true;
    f.reason(`Kubernetes ${support.minor} is out of support; upgrade the cluster before the mesh revision.`, 2);
  }
  if (broken || ended) f.drift = "out-of-support";
  else if (unknown || !current) f.drift = "unknown";
  else if (best && compareVersions(current, best.v) < 0) f.drift = "minor-behind";
  else f.drift = "current";
  return f.build();
}

export function newestCompatibleRevision(support: ClusterSupport, ctx: Ctx): { revision: string; v: Version } | null {
  if (!support.minor) return null;
  let best: { revision: string; v: Version } | null = null;
  for (const r of ctx.catalog.istioRevisions) {
    const compatible = support.lts ? r.compatibleLtsMinors : r.compatibleMinors;
    const eol = earliestFact(r.endOfLife);
    const v = parseAsmRevision(r.revision);
    if (!v || !compatible.includes(support.minor) || (eol && eol.date < ctx.asOf)) continue;
    if (!best || compareVersions(v, best.v) > 0) best = { revision: r.revision, v };
  }
  return best;
}
