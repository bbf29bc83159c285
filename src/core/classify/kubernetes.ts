/**
 * Kubernetes itself: the N-2 window, platform support, LTS, preview, live version data, node pools.
 */
import type { DatedFact } from "../../catalog/schema.js";
import { addDays } from "../dates.js";
import type { Drift, Integration } from "../report.js";
import type { AgentPool, ClusterRecord, IsoDate, LocationVersions } from "../types.js";
import { imageSupportEnd, osLabel, resolveNodeOs } from "./nodeOs.js";
import { judgeClusterFeatures } from "./clusterFeatures.js";
import { compareMinor, formatVersion, isPatchBehind, minorKey, minorsBehind, newestVersion, parseVersion, sortVersions, type Version } from "../versions.js";
import { type Ctx, Finding, disagreement, earliestFact, eqi, gaDate, nextMinorKey, when } from "./shared.js";

// ---------------------------------------------------------------- kubernetes

/** What the add-ons need to know about the cluster's own support. */
export interface ClusterSupport {
  version: Version | null;
  minor: string | null;
  lts: boolean;
  preview: boolean;
  outOfSupport: boolean;
  /** End of community support (earliest source). */
  communityEnd: DatedFact | null;
  /** The day the minor leaves support on this cluster's plan (earliest source). */
  supportEnd: DatedFact | null;
  /**
   * Set while the minor is in platform support (N-3): the AKS-initiated upgrade that ends it.
   * `date` is the GA date of `untilMinor` (null while that date is unknown); `target` is the minor
   * that is N-2 on that date (null when the catalog cannot tell).
   */
  platform: PlatformUpgrade | null;
}

export interface PlatformUpgrade {
  untilMinor: string;
  date: IsoDate | null;
  target: string | null;
  source: string;
  /** The platform-initiated upgrade after the grace period, when it comes before `date` (or `date` is unknown). */
  grace: { date: IsoDate; target: string | null; source: string } | null;
}

export function classifyKubernetes(cluster: ClusterRecord, versions: LocationVersions | null, ctx: Ctx): { integration: Integration; support: ClusterSupport } {
  const raw = cluster.currentKubernetesVersion ?? cluster.kubernetesVersion;
  const f = new Finding(ctx, "kubernetes", "kubernetes", raw, "aks-managed");
  const policy = ctx.catalog.policy;
  const support: ClusterSupport = { version: null, minor: null, lts: false, preview: false, outOfSupport: false, communityEnd: null, supportEnd: null, platform: null };

  const v = parseVersion(raw);
  if (!v) {
    f.stage = "unknown";
    f.drift = "unknown";
    f.reason(
      raw === null || raw.trim() === ""
        ? "The cluster reports no Kubernetes version, so its support could not be judged."
        : `The control-plane version "${raw}" could not be read, so its support could not be judged.`,
    );
    return { integration: f.build(), support };
  }
  const minor = formatMinor(v);
  support.version = v;
  support.minor = minor;
  const entry = ctx.index.minors.get(minor) ?? null;

  // Long-term support takes both the plan and the Premium tier.
  const ltsRequested = eqi(cluster.supportPlan, policy.lts.supportPlan);
  let lts = ltsRequested && eqi(cluster.skuTier, policy.lts.tier);
  if (ltsRequested && !lts) {
    f.reason(`The support plan is ${policy.lts.supportPlan} but the tier is ${cluster.skuTier ?? "not reported"}; long-term support needs the ${policy.lts.tier} tier, so community support dates apply.`);
  }
  if (lts && entry && entry.ltsEnd.length === 0) {
    f.reason(`Long-term support is not offered for ${minor}, so community support dates apply.`);
    lts = false;
  }
  support.lts = lts;

  const communityEnd = earliestFact(entry?.endOfSupport);
  const ltsEnd = earliestFact(entry?.ltsEnd);
  const supportEnd = lts ? ltsEnd : communityEnd;
  support.communityEnd = communityEnd;
  support.supportEnd = supportEnd;

  // Preview: a pre-release label, the region's live list, or (without live data) a GA date still ahead.
  const live = versions && versions.minors.length > 0 ? versions : null;
  const liveMinor = live?.minors.find((m) => minorKey(m.version) === minor) ?? null;
  const ga = earliestFact(entry?.ga);
  if (v.prerelease !== null) {
    support.preview = true;
    f.reason(`The version carries the pre-release label "${v.prerelease}".`);
  }
  if (liveMinor?.isPreview) {
    support.preview = true;
    f.reason(`${live!.location} offers ${minor} as a preview (live version data).`);
  } else if (!liveMinor && ga && ga.date > ctx.asOf) {
    support.preview = true;
    f.reason(`${minor} is not generally available on AKS until ${ga.date} (catalog).`);
  }
  if (support.preview) {
    f.reason("Preview versions get best-effort support only, and add-ons on them may change major/minor at any time.");
    f.reason(PREVIEW_NO_NOTICE, 0);
  }

  // Support: live data decides where the region offers (or no longer offers) the minor; else the catalog.
  let decidedByLive = false;
  let staleCatalogEnd = false;
  if (live) {
    if (liveMinor) {
      decidedByLive = true;
      const plans = liveMinor.supportPlans;
      const wanted = lts ? policy.lts.supportPlan : "KubernetesOfficial";
      if (plans.length > 0 && !plans.some((p) => eqi(p, wanted))) {
        support.outOfSupport = true;
        f.reason(
          lts
            ? `${live.location} no longer offers ${minor} under ${policy.lts.supportPlan} (live version data), so long-term support has ended.`
            : `${live.location} offers ${minor} only under ${plans.join(", ")} now (live version data), so community support has ended.`,
          2,
        );
      } else {
        f.reason(`Support judged from live version data for ${live.location}: ${minor} is offered${plans.length > 0 ? ` under ${plans.join(", ")}` : ""}.`, 0);
        if (supportEnd && supportEnd.date < ctx.asOf) {
          f.reason(`The catalog's end date (${supportEnd.date}) has passed, but the region still offers ${minor}; the live data is used.`);
          // A passed date the region contradicts is no forecast: drop it, or every add-on would turn critical.
          staleCatalogEnd = true;
          support.supportEnd = null;
        }
      }
    } else {
      const offered = live.minors.map((m) => parseVersion(m.version)).filter((x): x is Version => x !== null);
      if (offered.length > 0 && offered.every((o) => compareMinor(o, v) > 0)) {
        decidedByLive = true;
        support.outOfSupport = true;
        f.reason(`${live.location} no longer offers ${minor} (live version data; oldest offered is ${formatMinor(oldest(offered))}), so it is out of support.`, 2);
      } else if (offered.length > 0 && offered.every((o) => compareMinor(o, v) < 0)) {
        f.reason(`${live.location} does not offer ${minor} yet (live version data); catalog dates are used.`, 0);
      } else {
        f.reason(`${live.location} does not list ${minor} (live version data); catalog dates are used.`, 0);
      }
    }
  } else {
    f.reason(`No live version data for ${cluster.location || "the cluster's region"}; support judged from catalog ${ctx.catalog.version}.`, 0);
    if (lts) f.reason(`Under long-term support only the ${policy.ltsSupportedPatches.count} newest patches of ${minor} are supported; without the region's live patch list that could not be checked for ${raw}.`, 0);
  }

  if (!decidedByLive) {
    if (entry) {
      if (supportEnd && supportEnd.date < ctx.asOf) support.outOfSupport = true;
    } else {
      const first = ctx.index.sortedMinors[0];
      if (first && compareMinor(v, first.v) < 0) {
        support.outOfSupport = true;
        f.reason(`${minor} is older than every minor in the catalog (the oldest is ${first.key}), so it is out of support.`, 2);
      } else if (!liveMinor) {
        f.stage = "unknown";
        f.reason(`The catalog (${ctx.catalog.version}) does not know Kubernetes ${minor}, so its support dates are unknown.`);
      }
    }
  }

  // The dated forecast: when this minor leaves support on this cluster's plan.
  if (supportEnd && !staleCatalogEnd) {
    f.deadline(supportEnd.date, "end-of-support", supportEnd.source);
    const said = disagreement(lts ? entry!.ltsEnd : entry!.endOfSupport, `the end of ${lts ? "long-term" : "community"} support for ${minor}`);
    if (said) f.reason(said, 0);
  }
  if (lts && communityEnd && ltsEnd) {
    f.reason(
      communityEnd.date < ctx.asOf
        ? `Community support for ${minor} ended on ${communityEnd.date}; long-term support (${policy.lts.tier} tier, ${policy.lts.supportPlan} plan) covers it until ${when(ctx, ltsEnd.date)}.`
        : `Community support for ${minor} ends on ${communityEnd.date}; long-term support then covers it until ${ltsEnd.date}.`,
    );
  } else if (!lts && supportEnd && !support.outOfSupport && !staleCatalogEnd) {
    f.reason(`Community support for ${minor} ends on ${when(ctx, supportEnd.date)}.`);
    if (ltsEnd) f.reason(`Long-term support (${policy.lts.tier} tier with the ${policy.lts.supportPlan} plan) would extend ${minor} to ${ltsEnd.date}.`, 0);
  }

  // Out of support: platform support (N-3) until N+4 is GA, then nothing; AKS upgrades such clusters itself.
  if (support.outOfSupport) {
    const untilMinor = entry?.platformSupportUntilGaOf ?? `${v.major}.${v.minor + 4}`;
    const platformEnd = !lts ? gaDate(ctx, untilMinor) : null;
    // Without a GA date for the minor that ends it, platform support has not ended as far as anyone knows.
    const inPlatform = !lts && entry !== null && (platformEnd === null || platformEnd.date >= ctx.asOf);
    if (supportEnd && supportEnd.date < ctx.asOf) f.reason(`${lts ? "Long-term" : "Community"} support for ${minor} ended on ${when(ctx, supportEnd.date)}.`, 2);
    if (inPlatform) {
      f.stage = "deprecated";
      const target = platformEnd ? above(v, minorN2On(ctx, platformEnd.date)) : null;
      // The separate rule: from its start date AKS upgrades clusters left unsupported after a grace period.
      const pi = policy.platformInitiatedUpgrades;
      const graceDate = supportEnd ? laterDate(pi.date, addDays(supportEnd.date, pi.graceDays)) : null;
      const grace = graceDate && (!platformEnd || graceDate < platformEnd.date) ? { date: graceDate, target: above(v, minorN2On(ctx, graceDate)), source: pi.source } : null;
      support.platform = { untilMinor, date: platformEnd?.date ?? null, target, source: policy.platformAutoUpgrade.source, grace };
      if (grace) {
        f.deadline(grace.date, "forced-upgrade", grace.source);
        f.reason(`From ${pi.date} AKS also upgrades clusters left on unsupported versions after a ${pi.graceDays}-day grace period; for this cluster that is ${when(ctx, grace.date)}${platformEnd ? `, before platform support ends` : ""}.`);
      }
      f.reason(
        `${minor} is in platform support (N-3) until ${untilMinor} becomes GA${platformEnd ? ` (${platformEnd.date})` : ""}: only Azure platform issues are covered, not Kubernetes components or add-ons (nor extensions).`,
        2,
      );
      if (platformEnd) {
        f.reason(
          `AKS upgrades clusters on N-3 before they fall to N-4: expect an AKS-initiated upgrade on ${when(ctx, platformEnd.date)}, when ${untilMinor} becomes GA, to ${target ?? "the minor that is N-2 then (not in the catalog yet)"}${target && target !== nextMinorKey(v) ? `, skipping the minors between` : ""}.`,
        );
        f.deadline(platformEnd.date, "forced-upgrade", policy.platformAutoUpgrade.source);
      } else {
        f.reason(`The GA date of ${untilMinor}, which ends platform support for ${minor}, is not known yet (catalog ${ctx.catalog.version}), so the AKS-initiated upgrade cannot be dated.`);
      }
    } else {
      f.stage = "retired";
      f.reason(
        platformEnd
          ? `Platform support for ${minor} ended when ${untilMinor} became GA (${platformEnd.date}); nothing about this version is supported.`
          : `${minor} is past its support; no platform support date is known for it.`,
        2,
      );
      const pi = policy.platformInitiatedUpgrades;
      const from = supportEnd ? laterDate(pi.date, addDays(supportEnd.date, pi.graceDays)) : pi.date;
      f.reason(`From ${pi.date} AKS upgrades clusters left on unsupported versions after a ${pi.graceDays}-day grace period, without waiting for maintenance windows.`, 0);
      f.deadline(from, "forced-upgrade", pi.source);
    }
  } else if (support.preview) {
    f.stage = "preview";
  }

  // Drift against the newest GA minor and, with live data, the newest patch.
  if (f.stage === "unknown") f.drift = "unknown";
  else if (support.outOfSupport) f.drift = "out-of-support";
  else {
    const newest = newestGaMinor(live, ctx);
    if (newest && compareMinor(v, newest.v) < 0) {
      f.drift = "minor-behind";
      const gap = newest.v.major === v.major ? newest.v.minor - v.minor : null;
      f.reason(`The newest GA minor is ${formatMinor(newest.v)} (${newest.from}); this cluster is ${gap === null ? "a major version" : `${gap} minor${gap === 1 ? "" : "s"}`} behind.`);
    } else if (liveMinor && liveMinor.patchVersions.length > 0) {
      const latest = newestVersion(liveMinor.patchVersions);
      if (latest && v.patch !== null && isPatchBehind(v, latest)) {
        f.drift = "patch-behind";
        f.reason(`${formatVersion(v)} is behind the newest patch ${formatVersion(latest)} offered in ${live!.location}.`);
      }
      if (v.patch !== null && !liveMinor.patchVersions.some((p) => samePatch(p, v))) {
        f.reason(`Patch ${formatVersion(v)} is no longer offered in ${live!.location}; AKS allows 30 days after a patch is removed to move to a supported one.`);
        if (f.drift === "current") f.drift = "patch-behind";
      }
      if (lts && v.patch !== null) {
        const keep = policy.ltsSupportedPatches.count;
        const newestPatches = sortVersions(liveMinor.patchVersions).slice(-keep);
        if (!newestPatches.some((p) => samePatch(p, v))) {
          // Outside the supported patches the cluster is not covered by LTS: a drift, not a footnote.
          f.reason(`Under long-term support only the ${keep} newest patches of ${minor} are supported (${newestPatches.join(", ")}); ${formatVersion(v)} is not one of them.`, 2);
          if (f.drift === "current") f.drift = "patch-behind";
          f.raise("warning");
        }
      }
    }
  }

  checkNodePools(cluster, v, lts, f, ctx);
  judgeClusterFeatures(cluster, f, ctx);
  return { integration: f.build(), support };
}

/** Why a preview is judged apart: the GA notice rules do not bind it. */
export const PREVIEW_NO_NOTICE =
  "On a preview the GA rule does not hold: within one Kubernetes minor add-ons may change major/minor (not only patch), without the 60-day notice GA minors get.";

/** `minor` when it is above `v` (an upgrade target must be); null otherwise (the catalog does not reach that far). */
function above(v: Version, minor: string | null): string | null {
  const m = minor ? parseVersion(minor) : null;
  return m && compareMinor(m, v) > 0 ? minor : null;
}

/**
 * The minor that is N-2 on `date`: the third newest catalog minor GA by then. Null when fewer are
 * known, or when no catalog minor is GA on or after `date`: then minors the catalog does not list
 * yet may be GA by that day, and the guess would aim too low.
 */
export function minorN2On(ctx: Ctx, date: IsoDate): string | null {
  const gaDates = ctx.index.sortedMinors.map((m) => ({ key: m.key, ga: earliestFact(m.entry.ga)?.date ?? null }));
  if (!gaDates.some((m) => m.ga !== null && m.ga >= date)) return null;
  const ga = gaDates.filter((m) => m.ga !== null && m.ga <= date);
  return ga.length >= 3 ? ga[ga.length - 3]!.key : null;
}

export function formatMinor(v: Version): string {
  return `${v.major}.${v.minor}`;
}

export function oldest(list: Version[]): Version {
  return list.reduce((a, b) => (compareMinor(a, b) <= 0 ? a : b));
}

export function laterDate(a: IsoDate, b: IsoDate): IsoDate {
  return a >= b ? a : b;
}

export function samePatch(text: string, v: Version): boolean {
  const p = parseVersion(text);
  return p !== null && p.major === v.major && p.minor === v.minor && p.patch === v.patch;
}

export function newestGaMinor(live: LocationVersions | null, ctx: Ctx): { v: Version; from: string } | null {
  if (live) {
    const ga = live.minors.filter((m) => !m.isPreview).map((m) => parseVersion(m.version)).filter((x): x is Version => x !== null);
    if (ga.length > 0) return { v: ga.reduce((a, b) => (compareMinor(a, b) >= 0 ? a : b)), from: `live data for ${live.location}` };
  }
  let best: Version | null = null;
  for (const m of ctx.index.sortedMinors) {
    const ga = earliestFact(m.entry.ga);
    if (ga && ga.date <= ctx.asOf) best = m.v;
  }
  return best ? { v: best, from: `catalog ${ctx.catalog.version}` } : null;
}

export function checkNodePools(cluster: ClusterRecord, control: Version, lts: boolean, f: Finding, ctx: Ctx): void {
  const skew = ctx.catalog.policy.nodePoolSkew;
  const since = parseVersion(skew.sinceMinor);
  const maxBehind = since && compareMinor(control, since) >= 0 ? skew.maxMinorsBehind : skew.maxMinorsBehindBefore;
  const pools = [...(cluster.agentPools ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  let worst: Drift = f.drift;
  const worsen = (d: Drift): void => {
    const order: Drift[] = ["current", "patch-behind", "minor-behind", "out-of-support"];
    if (worst !== "unknown" && order.indexOf(d) > order.indexOf(worst)) worst = d;
  };

  for (const pool of pools) {
    const raw = pool.currentOrchestratorVersion ?? pool.orchestratorVersion;
    const pv = parseVersion(raw);
    if (!pv) {
      if (raw !== null && raw.trim() !== "") f.reason(`Node pool "${pool.name}" reports version "${raw}", which could not be read.`, 0);
    } else if (pv.major !== control.major || compareMinor(pv, control) > 0) {
      f.reason(`Node pool "${pool.name}" runs ${pv.raw}, which is not behind the control plane (${control.raw}) on the same major; AKS does not support pools ahead of the control plane.`, 2);
      f.raise("critical");
      worsen("out-of-support");
    } else {
      const behind = minorsBehind(pv, control) ?? 0;
      if (behind > maxBehind) {
        f.reason(`Node pool "${pool.name}" runs ${pv.raw}, ${behind} minors behind the control plane (${control.raw}); AKS supports at most ${maxBehind}.`, 2);
        f.raise("critical");
        worsen("out-of-support");
      } else if (behind > 0) {
        f.reason(`Node pool "${pool.name}" runs ${pv.raw}, ${behind} minor${behind === 1 ? "" : "s"} behind the control plane (${control.raw}).`);
        worsen("minor-behind");
      } else if (isPatchBehind(pv, control)) {
        f.reason(`Node pool "${pool.name}" runs ${pv.raw}, behind the control plane's patch (${control.raw}).`);
        worsen("patch-behind");
      }
      if (behind > 0) {
        const poolEntry = ctx.index.minors.get(formatMinor(pv));
        const poolEnd = earliestFact(lts && poolEntry?.ltsEnd.length ? poolEntry.ltsEnd : poolEntry?.endOfSupport);
        if (poolEnd && poolEnd.date < ctx.asOf) {
          f.reason(`Node pool "${pool.name}" is on ${formatMinor(pv)}, whose support ended on ${poolEnd.date}.`, 2);
          f.raise("critical");
          worsen("out-of-support");
        }
      }
    }
    judgeNodeOs(pool, pv, f, ctx, worsen);
    if (lts) judgeLtsNodeOs(pool, pv, control, f, ctx);
  }
  f.drift = worst;
}

/** Node-OS retirements, OS releases barred from the pool's minor, and node images past their age limit. */
function judgeNodeOs(pool: AgentPool, pv: Version | null, f: Finding, ctx: Ctx, worsen: (d: Drift) => void): void {
  const os = resolveNodeOs(pool, pv, ctx);
  if (os.key && os.how) f.reason(`Node pool "${pool.name}" runs ${osLabel(os.key)}, told by ${os.how}.`, 0);
  if (os.unknown) f.reason(os.unknown, 0);
  for (const change of ctx.catalog.changes) {
    const a = change.appliesTo;
    // The resolved release decides (an image name beats a SKU that says otherwise); the raw SKU only when unresolved.
    if (a.target !== "node-os" || !a.osSkus?.some((s) => eqi(s, os.key ?? pool.osSku))) continue;
    // The SKU's own spelling when it names the release already (Windows2019); else the resolved release.
    const label = pool.osSku && (os.key === null || eqi(os.key, pool.osSku)) ? pool.osSku : osLabel(os.key ?? "");
    const replacement = change.replacement ? ` Move to ${change.replacement}.` : "";
    if (change.date) f.deadline(change.date, change.kind, change.source);
    f.reason(`Node pool "${pool.name}" uses ${label}: ${change.subject}${change.date ? ` on ${when(ctx, change.date)}` : ""}.${replacement}`, change.date && change.date < ctx.asOf ? 2 : 1);
    const blocked = a.blockedFromMinor ? parseVersion(a.blockedFromMinor) : null;
    if (blocked && pv && compareMinor(pv, blocked) >= 0) {
      f.reason(`Node pool "${pool.name}" runs ${label} on Kubernetes ${formatMinor(pv)}; AKS does not allow ${label} on ${a.blockedFromMinor} or later.`, 2);
      f.raise("critical");
      worsen("out-of-support");
    }
  }
  const image = imageSupportEnd(pool.nodeImageVersion, ctx);
  if (image && image.end < ctx.asOf) {
    const limit = ctx.catalog.policy.nodeImageAge;
    f.deadline(image.end, "end-of-support", limit.source);
    f.reason(`Node pool "${pool.name}" runs node image ${pool.nodeImageVersion} built on ${image.built}, older than the ${limit.maxDays} days AKS supports (unsupported since ${image.end}); upgrade the node image.`, 2);
  }
}

/** Long-term support on newer minors needs a newer Ubuntu first: an older Ubuntu pool is a finding. */
function judgeLtsNodeOs(pool: AgentPool, pv: Version | null, control: Version, f: Finding, ctx: Ctx): void {
  const rule = ctx.catalog.policy.ltsNodeOs;
  const from = parseVersion(rule.fromMinor);
  if (!from || compareMinor(control, from) < 0) return;
  const os = resolveNodeOs(pool, pv, ctx);
  if (!os.key || !rule.notWith.some((n) => eqi(n, os.key))) return;
  f.reason(`Node pool "${pool.name}" runs ${osLabel(os.key)}; long-term support on ${rule.fromMinor} and later needs ${osLabel(rule.requires)} pools first.`, 2);
  f.raise("warning");
}
