/**
 * The classifier's shared machinery: the catalog index, the context of one classification, the
 * `Finding` under construction and small helpers used by every integration kind.
 */
import type { AddonEntry, Catalog, DatedFact, ExtensionEntry, IstioRevision, KubernetesMinor, OpenSourceSignature } from "../../catalog/schema.js";
import { daysBetween } from "../dates.js";
import { SEVERITY_RANK, type Deadline, type DeadlineKind, type Drift, type Integration, type IntegrationKind, type Severity, type Stage, type SupportTier } from "../report.js";
import type { ClusterRecord, ExtensionRecord, IsoDate, LocationVersions, OpenSourceFind } from "../types.js";
import { compareMinor, parseVersion, sortVersions, type Version } from "../versions.js";

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

export interface CatalogIndex {
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
export const indexes = new WeakMap<Catalog, CatalogIndex>();

export function indexCatalog(catalog: Catalog): CatalogIndex {
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

export interface Ctx {
  catalog: Catalog;
  index: CatalogIndex;
  asOf: IsoDate;
  windowDays: number;
}

// ---------------------------------------------------------------- one finding under construction

export class Finding {
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

export function eqi(a: string | null | undefined, b: string | null | undefined): boolean {
  return typeof a === "string" && typeof b === "string" && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The earliest of several dated facts: warnings come early rather than late. */
export function earliestFact(facts: readonly DatedFact[] | undefined): DatedFact | null {
  let best: DatedFact | null = null;
  for (const f of facts ?? []) if (best === null || f.date < best.date) best = f;
  return best;
}

export function when(ctx: Ctx, date: IsoDate): string {
  const days = daysBetween(ctx.asOf, date);
  if (days === 0) return `${date} (today)`;
  if (days > 0) return `${date} (in ${days} day${days === 1 ? "" : "s"})`;
  return `${date} (${-days} day${days === -1 ? "" : "s"} ago)`;
}

export function estimateNote(fact: DatedFact): string {
  return fact.estimated ? " — the source gives this date as an estimate" : "";
}

/** When documents disagree on a date, say so and say which one is used. */
export function disagreement(facts: readonly DatedFact[], what: string): string | null {
  const dates = [...new Set(facts.map((f) => f.date))].sort();
  if (dates.length < 2) return null;
  const parts = dates.map((d) => {
    const f = facts.find((x) => x.date === d)!;
    return f.note ? `${d} (${f.note})` : d;
  });
  return `Sources disagree on ${what}: ${parts.join("; ")}. The earliest, ${dates[0]}, is used.`;
}

export function gaDate(ctx: Ctx, minor: string | null): DatedFact | null {
  if (!minor) return null;
  return earliestFact(ctx.index.minors.get(minor)?.ga);
}

export function nextMinorKey(v: Version): string {
  return `${v.major}.${v.minor + 1}`;
}

export function componentVersions(ctx: Ctx, component: string | null, minor: string | null): string[] {
  if (!component || !minor) return [];
  return ctx.index.addonVersions.get(`${component}@${minor}`) ?? [];
}

export function listVersions(values: string[]): string {
  if (values.length === 1) return values[0]!;
  return `${sortVersions(values).join(" or ")} (sources differ)`;
}
