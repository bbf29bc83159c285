/**
 * The classifier: one cluster (with its extensions, open-source finds and the region's version
 * data) judged against the catalog on a given day. Pure: no clock, no I/O; the same input gives
 * the same report. Every judgement says why in `reasons`, and every dated event names its source.
 *
 * Rules (AKS docs, as recorded in the catalog):
 * - Kubernetes: the N-2 window of community support, then platform support (N-3) until N+4 is GA;
 *   LTS (Premium tier + AKSLongTermSupport plan) extends a minor to its LTS end. Live version data
 *   for the region beats the catalog where present. Where sources disagree on a date, the earliest wins.
 * - Add-ons move major/minor only with the cluster's minor, so each enabled add-on carries a
 *   `forced-upgrade` deadline on the day the cluster's minor leaves support (Istio is revisioned instead).
 * - Extensions are judged against their own releases; open-source installs are outside AKS support.
 * - Severity: critical = out of support, retired, or a deadline passed; warning = a deadline within
 *   the window; info = preview, unsupported tier or unknown; ok otherwise.
 */
import type {
  AddonEntry,
  Catalog,
  DatedFact,
  ExtensionEntry,
  IstioRevision,
  KubernetesMinor,
  OpenSourceSignature,
} from "../catalog/schema.js";
import { daysBetween, addDays } from "./dates.js";
import {
  SCHEMA_VERSION,
  SEVERITY_RANK,
  summarize,
  type AuditReport,
  type ClusterReport,
  type Deadline,
  type DeadlineKind,
  type Drift,
  type Integration,
  type IntegrationKind,
  type Severity,
  type Stage,
  type SupportTier,
} from "./report.js";
import type { ClusterRecord, ExtensionRecord, IsoDate, LocationVersions, OpenSourceFind, ScopeError } from "./types.js";
import {
  compareMinor,
  compareVersions,
  driftAgainst,
  formatVersion,
  isPatchBehind,
  minorKey,
  minorsBehind,
  newestVersion,
  parseAnyVersion,
  parseAsmRevision,
  parseVersion,
  sortVersions,
  type Version,
} from "./versions.js";

export interface ClassifyInput {
  cluster: ClusterRecord;
  /** This cluster's extensions. */
  extensions: readonly ExtensionRecord[];
  /** This cluster's self-installed software, when a scan ran. */
  openSource?: readonly OpenSourceFind[];
  /** Versions AKS offers in the cluster's region; null when there is no live data. */
  versions: LocationVersions | null;
}

export interface ClassifyOptions {
  asOf: IsoDate;
  /** Deadlines this many days ahead (inclusive) are warnings. */
  windowDays: number;
}

// ---------------------------------------------------------------- catalog index

interface CatalogIndex {
  minors: Map<string, KubernetesMinor>;
  /** Catalog minors, oldest first. */
  sortedMinors: { key: string; v: Version; entry: KubernetesMinor }[];
  addons: Map<string, AddonEntry>;
  addonVersions: Map<string, string[]>;
  istio: Map<string, IstioRevision>;
  extensions: Map<string, ExtensionEntry>;
  openSource: Map<string, OpenSourceSignature>;
}

// The index is a memo of the catalog object, not state: the same catalog always gives the same index.
const indexes = new WeakMap<Catalog, CatalogIndex>();

function indexCatalog(catalog: Catalog): CatalogIndex {
  const cached = indexes.get(catalog);
  if (cached) return cached;
  const sortedMinors = catalog.kubernetes
    .map((entry) => ({ key: entry.minor, v: parseVersion(entry.minor), entry }))
    .filter((m): m is { key: string; v: Version; entry: KubernetesMinor } => m.v !== null)
    .sort((a, b) => compareMinor(a.v, b.v));
  const addonVersions = new Map<string, string[]>();
  for (const row of catalog.addonVersions) {
    const distinct = [...new Set(row.versions.map((v) => v.version))];
    addonVersions.set(`${row.component}@${row.minor}`, distinct);
  }
  const index: CatalogIndex = {
    minors: new Map(catalog.kubernetes.map((m) => [m.minor, m])),
    sortedMinors,
    addons: new Map(catalog.addons.map((a) => [a.name.toLowerCase(), a])),
    addonVersions,
    istio: new Map(catalog.istioRevisions.map((r) => [r.revision.toLowerCase(), r])),
    extensions: new Map(catalog.extensions.map((e) => [e.type.toLowerCase(), e])),
    openSource: new Map(catalog.openSource.map((s) => [s.id.toLowerCase(), s])),
  };
  indexes.set(catalog, index);
  return index;
}

interface Ctx {
  catalog: Catalog;
  index: CatalogIndex;
  asOf: IsoDate;
  windowDays: number;
}

// ---------------------------------------------------------------- one finding under construction

class Finding {
  stage: Stage = "ga";
  drift: Drift = "current";
  readonly deadlines: Deadline[] = [];
  private readonly notes: { text: string; weight: number }[] = [];
  /** A severity floor from facts that are not deadlines (a conflict, a broken skew). */
  floor: Severity = "ok";

  constructor(
    private readonly ctx: Ctx,
    readonly kind: IntegrationKind,
    readonly name: string,
    readonly version: string | null,
    readonly supportTier: SupportTier,
  ) {}

  /**
   * Adds a reason. Weight orders them for a reader (reports show the first one in tables):
   * 2 = what makes it critical, 1 = the finding itself, 0 = context (data basis, evidence).
   */
  reason(text: string, weight: 0 | 1 | 2 = 1): void {
    if (!this.notes.some((n) => n.text === text)) this.notes.push({ text, weight });
  }

  deadline(date: IsoDate, kind: DeadlineKind, source: string): void {
    if (this.deadlines.some((d) => d.date === date && d.kind === kind && d.source === source)) return;
    this.deadlines.push({ date, kind, daysLeft: daysBetween(this.ctx.asOf, date), source });
  }

  raise(severity: Severity): void {
    if (SEVERITY_RANK[severity] > SEVERITY_RANK[this.floor]) this.floor = severity;
  }

  build(): Integration {
    const deadlines = [...this.deadlines].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.kind.localeCompare(b.kind)));
    let severity: Severity = "ok";
    if (this.drift === "out-of-support" || this.stage === "retired" || deadlines.some((d) => d.daysLeft < 0)) severity = "critical";
    else if (deadlines.some((d) => d.daysLeft <= this.ctx.windowDays)) severity = "warning";
    else if (this.stage === "preview" || this.stage === "unknown" || this.supportTier === "unsupported") severity = "info";
    if (SEVERITY_RANK[this.floor] > SEVERITY_RANK[severity]) severity = this.floor;
    return {
      kind: this.kind,
      name: this.name,
      version: this.version,
      supportTier: this.supportTier,
      stage: this.stage,
      drift: this.drift,
      deadlines,
      severity,
      reasons: [...this.notes].sort((a, b) => b.weight - a.weight).map((n) => n.text),
    };
  }
}

// ---------------------------------------------------------------- helpers

function eqi(a: string | null | undefined, b: string | null | undefined): boolean {
  return typeof a === "string" && typeof b === "string" && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The earliest of several dated facts: warnings come early rather than late. */
export function earliestFact(facts: readonly DatedFact[] | undefined): DatedFact | null {
  let best: DatedFact | null = null;
  for (const f of facts ?? []) if (best === null || f.date < best.date) best = f;
  return best;
}

function when(ctx: Ctx, date: IsoDate): string {
  const days = daysBetween(ctx.asOf, date);
  if (days === 0) return `${date} (today)`;
  if (days > 0) return `${date} (in ${days} day${days === 1 ? "" : "s"})`;
  return `${date} (${-days} day${days === -1 ? "" : "s"} ago)`;
}

function estimateNote(fact: DatedFact): string {
  return fact.estimated ? " — the source gives this date as an estimate" : "";
}

/** When documents disagree on a date, say so and say which one is used. */
function disagreement(facts: readonly DatedFact[], what: string): string | null {
  const dates = [...new Set(facts.map((f) => f.date))].sort();
  if (dates.length < 2) return null;
  const parts = dates.map((d) => {
    const f = facts.find((x) => x.date === d)!;
    return f.note ? `${d} (${f.note})` : d;
  });
  return `Sources disagree on ${what}: ${parts.join("; ")}. The earliest, ${dates[0]}, is used.`;
}

function gaDate(ctx: Ctx, minor: string | null): DatedFact | null {
  if (!minor) return null;
  return earliestFact(ctx.index.minors.get(minor)?.ga);
}

function nextMinorKey(v: Version): string {
  return `${v.major}.${v.minor + 1}`;
}

function componentVersions(ctx: Ctx, component: string | null, minor: string | null): string[] {
  if (!component || !minor) return [];
  return ctx.index.addonVersions.get(`${component}@${minor}`) ?? [];
}

function listVersions(values: string[]): string {
  if (values.length === 1) return values[0]!;
  return `${sortVersions(values).join(" or ")} (sources differ)`;
}

// ---------------------------------------------------------------- kubernetes

/** What the add-ons need to know about the cluster's own support. */
interface ClusterSupport {
  version: Version | null;
  minor: string | null;
  lts: boolean;
  preview: boolean;
  outOfSupport: boolean;
  /** End of community support (earliest source). */
  communityEnd: DatedFact | null;
  /** The day the minor leaves support on this cluster's plan (earliest source). */
  supportEnd: DatedFact | null;
}

function classifyKubernetes(cluster: ClusterRecord, versions: LocationVersions | null, ctx: Ctx): { integration: Integration; support: ClusterSupport } {
  const raw = cluster.currentKubernetesVersion ?? cluster.kubernetesVersion;
  const f = new Finding(ctx, "kubernetes", "kubernetes", raw, "aks-managed");
  const policy = ctx.catalog.policy;
  const support: ClusterSupport = { version: null, minor: null, lts: false, preview: false, outOfSupport: false, communityEnd: null, supportEnd: null };

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
  if (support.preview) f.reason("Preview versions get best-effort support only, and add-ons on them may change major/minor at any time.");

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
    const untilMinor = entry?.platformSupportUntilGaOf ?? null;
    const platformEnd = !lts ? gaDate(ctx, untilMinor) : null;
    if (supportEnd && supportEnd.date < ctx.asOf) f.reason(`${lts ? "Long-term" : "Community"} support for ${minor} ended on ${when(ctx, supportEnd.date)}.`, 2);
    if (platformEnd && platformEnd.date >= ctx.asOf) {
      f.stage = "deprecated";
      f.reason(`${minor} is in platform support until ${untilMinor} becomes GA (${platformEnd.date}): only Azure platform issues are covered, not Kubernetes components or add-ons.`, 2);
      f.reason(`AKS upgrades clusters on N-3 before they fall to N-4, so expect an AKS-initiated upgrade around ${platformEnd.date}.`, 0);
      f.deadline(platformEnd.date, "forced-upgrade", policy.platformAutoUpgrade.source);
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
          f.reason(`Under long-term support only the ${keep} newest patches of ${minor} are supported (${newestPatches.join(", ")}).`);
        }
      }
    }
  }

  checkNodePools(cluster, v, lts, f, ctx);
  return { integration: f.build(), support };
}

function formatMinor(v: Version): string {
  return `${v.major}.${v.minor}`;
}

function oldest(list: Version[]): Version {
  return list.reduce((a, b) => (compareMinor(a, b) <= 0 ? a : b));
}

function laterDate(a: IsoDate, b: IsoDate): IsoDate {
  return a >= b ? a : b;
}

function samePatch(text: string, v: Version): boolean {
  const p = parseVersion(text);
  return p !== null && p.major === v.major && p.minor === v.minor && p.patch === v.patch;
}

function newestGaMinor(live: LocationVersions | null, ctx: Ctx): { v: Version; from: string } | null {
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

function checkNodePools(cluster: ClusterRecord, control: Version, lts: boolean, f: Finding, ctx: Ctx): void {
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
    for (const change of ctx.catalog.changes) {
      if (change.appliesTo.target !== "node-os" || !change.appliesTo.osSkus?.some((s) => eqi(s, pool.osSku))) continue;
      if (change.date) f.deadline(change.date, change.kind, change.source);
      const replacement = change.replacement ? ` Move to ${change.replacement}.` : "";
      f.reason(`Node pool "${pool.name}" uses ${pool.osSku}: ${change.subject}${change.date ? ` on ${when(ctx, change.date)}` : ""}.${replacement}`);
    }
  }
  f.drift = worst;
}

// ---------------------------------------------------------------- add-ons

interface EnabledAddon {
  name: string;
  config: Record<string, string> | null;
}

const PROFILE_FEATURES: { name: string; enabled: (c: ClusterRecord) => boolean }[] = [
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

function classifyAddon(addon: EnabledAddon, cluster: ClusterRecord, support: ClusterSupport, ctx: Ctx): Integration {
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
  if (entry.endOfSupport) {
    const e = entry.endOfSupport;
    f.deadline(e.date, "end-of-support", e.source);
    f.reason(`${e.date < ctx.asOf ? "Support ended" : "Support ends"} for ${name} on ${when(ctx, e.date)}.${entry.replacement ? ` Move to the ${entry.replacement}.` : ""}`, 2);
  }
  if (entry.stage === "preview") f.reason(`${name} is in preview: best-effort support only, and its major/minor may change at any time.`);
  if (entry.stage === "deprecated" && !entry.retirement) f.reason(`${name} is deprecated.`);

  const ltsEnded = applyLts(f, name, entry.lts, support, ctx);
  if (f.stage !== "retired") forcedUpgrade(f, entry.versionComponent, addon.name, support, ctx);
  applyAddonChanges(f, addon, ctx);

  if (f.stage === "retired" || ltsEnded) f.drift = "out-of-support";
  else if (support.outOfSupport) {
    f.drift = "out-of-support";
    f.reason(`Kubernetes ${support.minor} is out of support, and platform support does not cover add-ons.`, 2);
  } else if (!support.version) f.drift = "unknown";
  return f.build();
}

/** Add-ons (and extensions) that LTS does not carry past community support. */
function applyLts(f: Finding, name: string, lts: AddonEntry["lts"], support: ClusterSupport, ctx: Ctx): boolean {
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

/** Add-on major/minor moves only with the cluster's minor: dated by the minor's end of support. */
function forcedUpgrade(f: Finding, component: string | null, addonName: string, support: ClusterSupport, ctx: Ctx): void {
  if (!support.version || !support.minor) return;
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

function sameMinorSets(a: string[], b: string[]): boolean {
  const minors = (list: string[]): string[] => [...new Set(list.map((x) => minorKey(x)).filter((x): x is string => x !== null))].sort();
  const ma = minors(a);
  const mb = minors(b);
  return ma.length > 0 && ma.length === mb.length && ma.every((m, i) => m === mb[i]);
}

/** Breaking changes that arrive with a version the forced upgrade moves past. */
function crossings(f: Finding, name: string, target: "addon" | "extension", from: string[], to: string[], ctx: Ctx): void {
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

function applyAddonChanges(f: Finding, addon: EnabledAddon, ctx: Ctx): void {
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

function classifyIstio(name: string, cluster: ClusterRecord, support: ClusterSupport, entry: AddonEntry, ctx: Ctx): Integration {
  const revisions = sortVersions(cluster.istioRevisions ?? []);
  const f = new Finding(ctx, "addon", name, revisions.length > 0 ? revisions.join(",") : null, "aks-managed");
  f.stage = entry.stage;
  f.reason("The Istio add-on follows its own revision calendar rather than the cluster's minor.", 0);
  if (revisions.length === 0) {
    f.drift = "unknown";
    f.reason("The mesh is on, but no revision was reported.");
    return f.build();
  }
  let broken = false;
  let ended = false;
  let unknown = false;
  const plan = support.lts ? "long-term support" : "standard";
  for (const revision of revisions) {
    const r = ctx.index.istio.get(revision.toLowerCase());
    if (!r) {
      unknown = true;
      f.reason(`The catalog (${ctx.catalog.version}) does not know Istio revision "${revision}".`);
      continue;
    }
    const eol = earliestFact(r.endOfLife);
    if (eol) {
      f.deadline(eol.date, "end-of-support", eol.source);
      if (eol.date < ctx.asOf) ended = true;
      f.reason(
        eol.date < ctx.asOf
          ? `Revision ${revision} reached end of life on ${eol.date}${estimateNote(eol)}.`
          : `Revision ${revision} is supported until ${when(ctx, eol.date)}${estimateNote(eol)}.`,
      );
      const said = disagreement(r.endOfLife, `the end of life of ${revision}`);
      if (said) f.reason(said, 0);
    }
    const compatible = support.lts ? r.compatibleLtsMinors : r.compatibleMinors;
    if (support.minor && !compatible.includes(support.minor)) {
      broken = true;
      f.reason(`Revision ${revision} is not listed as compatible with Kubernetes ${support.minor} on the ${plan} plan.`, 2);
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

function newestCompatibleRevision(support: ClusterSupport, ctx: Ctx): { revision: string; v: Version } | null {
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

// ---------------------------------------------------------------- extensions

function classifyExtension(ext: ExtensionRecord, support: ClusterSupport, ctx: Ctx): Integration {
  const type = (ext.extensionType ?? "").trim().toLowerCase();
  const raw = ext.currentVersion ?? ext.version;
  const f = new Finding(ctx, "extension", type, raw, "aks-extension");
  const entry = ctx.index.extensions.get(type);
  if (ext.autoUpgradeMinorVersion === false) f.reason("Minor auto-upgrade is off, so nothing is upgraded automatically, not even patches.", 0);
  if (ext.provisioningState && !eqi(ext.provisioningState, "Succeeded")) f.reason(`Provisioning state is ${ext.provisioningState}.`);
  if (!entry) {
    f.stage = "unknown";
    f.drift = "unknown";
    f.reason(`The catalog (${ctx.catalog.version}) does not know the extension type "${type}" (resource "${ext.name}"); it is listed so nothing is hidden, but its support could not be judged.`);
    return f.build();
  }
  f.stage = entry.stage;
  const name = entry.displayName;
  if (entry.onAksUseInstead) {
    const alt = entry.onAksUseInstead;
    f.reason(`${name} is the Azure Arc form; on AKS the supported route is the ${alt.name} ${alt.kind === "addon" ? "add-on" : "extension"}.`);
    f.raise("info");
  }
  if (entry.stage === "preview") f.reason(`${name} is in preview: best-effort support only.`);
  if (entry.retirement) {
    const r = entry.retirement;
    f.deadline(r.date, "retirement", r.source);
    if (r.date < ctx.asOf) {
      f.stage = "retired";
      f.reason(`Support for ${name} ended on ${r.date}.`, 2);
    } else f.reason(`Support for ${name} ends on ${when(ctx, r.date)}.`);
  }

  const current = parseVersion(raw);
  const known = newestVersion(entry.knownVersions.map((k) => k.version));
  if (!current) {
    f.drift = "unknown";
    f.reason(raw ? `The installed version "${raw}" could not be read.` : "No installed version was reported.");
  } else if (!known) {
    f.drift = "unknown";
    f.reason(`The catalog lists no releases of ${type}, so drift could not be judged.`, 0);
  } else {
    f.drift = driftAgainst(current, known);
    const knownEntry = entry.knownVersions.find((k) => parseVersion(k.version) && compareVersions(parseVersion(k.version)!, known) === 0);
    if (f.drift !== "current") f.reason(`Installed ${current.raw}; the newest release the catalog knows is ${known.raw}${knownEntry?.released ? ` (${knownEntry.released.slice(0, 7)})` : ""}.`);
    if (entry.supportedMinors) {
      const lines = supportedLines(entry, entry.supportedMinors.count);
      const oldestLine = lines.at(-1);
      if (oldestLine && compareMinor(current, oldestLine) < 0) {
        f.drift = "out-of-support";
        f.reason(`Only the ${entry.supportedMinors.count} newest release lines are supported (${lines.map(formatMinor).join(", ")}); ${current.raw} is older.`, 2);
      }
    }
    for (const change of ctx.catalog.changes) {
      const a = change.appliesTo;
      if (a.target !== "extension" || !eqi(a.name, type) || !a.introducedIn) continue;
      const intro = parseVersion(a.introducedIn);
      if (intro && compareVersions(current, intro) < 0) {
        f.reason(`Upgrading to ${a.introducedIn} or later: ${change.subject}.${change.note ? ` Note: ${change.note}.` : ""}`);
      }
    }
  }
  if (applyLts(f, name, entry.lts, support, ctx)) f.drift = "out-of-support";
  if (entry.followsClusterMinor && f.stage !== "retired") forcedUpgrade(f, null, type, support, ctx);
  for (const change of ctx.catalog.changes) {
    const a = change.appliesTo;
    if (a.target !== "extension" || !eqi(a.name, type) || a.introducedIn || !change.date) continue;
    f.deadline(change.date, change.kind, change.source);
    f.reason(`${change.subject} on ${when(ctx, change.date)}.`, change.date < ctx.asOf ? 2 : 1);
  }
  if (f.stage === "retired") f.drift = "out-of-support";
  return f.build();
}

/** The newest `count` minor release lines among the known versions, newest first. */
function supportedLines(entry: ExtensionEntry, count: number): Version[] {
  const lines: Version[] = [];
  const versions = entry.knownVersions.map((k) => parseVersion(k.version)).filter((x): x is Version => x !== null).sort((a, b) => compareVersions(b, a));
  for (const v of versions) {
    if (!lines.some((l) => compareMinor(l, v) === 0)) lines.push(v);
  }
  return lines.slice(0, count);
}

// ---------------------------------------------------------------- open source

function classifyOpenSource(find: OpenSourceFind, cluster: ClusterRecord, extensions: readonly ExtensionRecord[], ctx: Ctx): Integration {
  const id = (find.signature ?? "").trim().toLowerCase();
  const f = new Finding(ctx, "open-source", id, find.version, "unsupported");
  const where = find.namespace ? ` in namespace "${find.namespace}"` : "";
  if (find.evidence) f.reason(`Found by ${find.evidence}${where}.`, 0);
  const sig = ctx.index.openSource.get(id);
  if (!sig) {
    f.stage = "unknown";
    f.drift = "unknown";
    f.reason(`The catalog (${ctx.catalog.version}) has no signature "${id}"; it is listed so nothing is hidden.`);
    return f.build();
  }
  f.reason(`Self-installed ${sig.displayName}: the AKS support policy does not cover it.`, 0);

  if (sig.endOfMaintenance) {
    const e = sig.endOfMaintenance;
    f.deadline(e.date, "retirement", e.source);
    if (e.date < ctx.asOf) {
      f.stage = "retired";
      f.reason(`Upstream maintenance ended on ${e.date}: no more releases or security fixes.`, 2);
    } else f.reason(`Upstream maintenance ends on ${when(ctx, e.date)}.`);
  }

  const current = parseVersion(find.version);
  const latest = sig.latestKnown ? parseVersion(sig.latestKnown.version) : null;
  if (!current) {
    f.drift = "unknown";
    f.reason(find.version ? `The version "${find.version}" could not be read.` : "No version was reported.");
  } else if (!latest) {
    f.drift = "unknown";
    f.reason("The catalog knows no latest release for it, so drift could not be judged.", 0);
  } else {
    f.drift = driftAgainst(current, latest);
    if (f.drift !== "current") f.reason(`Running ${current.raw}; the newest release the catalog knows is ${latest.raw}.`);
  }
  if (f.stage === "retired") f.drift = "out-of-support";

  const alt = sig.managedAlternative;
  if (alt) {
    const enabled =
      alt.kind === "addon"
        ? enabledAddons(cluster).some((a) => eqi(a.name, alt.name))
        : alt.kind === "extension"
          ? extensions.some((e) => eqi(e.extensionType, alt.name))
          : false;
    const what = alt.kind === "addon" ? `the ${alt.name} add-on` : alt.kind === "extension" ? `the ${alt.name} extension` : alt.name;
    if (enabled && alt.conflicts) {
      f.raise("warning");
      f.reason(`Conflict: ${what} is also enabled on this cluster.${alt.note ? ` ${alt.note}` : ""}`, 2);
    } else if (enabled) {
      f.reason(`${capitalise(what)} is also enabled on this cluster; this install may be redundant.`);
    } else {
      f.reason(`Supported alternative: ${what}.`, 0);
    }
  }
  return f.build();
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

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

  const addons = enabledAddons(cluster)
    .map((a) => ({ name: a.name, tie: "", integration: classifyAddon(a, cluster, support, ctx) }))
    .sort(byName);
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
