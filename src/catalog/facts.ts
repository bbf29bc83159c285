/**
 * Every dated fact the catalog holds, as one flat list: what `aks-audit catalog` prints. Pure: the
 * catalog and the dates are arguments. A fact is `used` when a judgement rule of the classifier
 * (src/core/classify) reads it; facts without a rule yet are still listed, so a reader sees what
 * the auditor knows but cannot yet alert on.
 */
import { DETECTED_CLUSTER_FEATURES } from "../core/classify/clusterFeatures.js";
import { addDays } from "../core/dates.js";
import type { IsoDate } from "../core/types.js";
import type { Catalog, ChangeEntry, DatedFact } from "./schema.js";

export const FACT_KINDS = [
  "end-of-community-support",
  "end-of-platform-support",
  "end-of-lts",
  "retirement",
  "end-of-support",
  "breaking-change",
  "revision-deprecated",
  "revision-end-of-life",
  "end-of-maintenance",
  "platform-initiated-upgrades",
] as const;
export type FactKind = (typeof FACT_KINDS)[number];

export interface CatalogFact {
  /** The earliest date the sources give (the one the classifier uses). */
  date: IsoDate;
  kind: FactKind;
  subject: string;
  /** What the fact applies to: `<target> <name>`, e.g. `kubernetes 1.33`, `node-os Windows2019`. */
  appliesTo: string;
  estimated: boolean;
  source: string;
  /** A judgement rule reads this fact, so it can reach reports and digests. */
  used: boolean;
  /** Where it lives in the catalog: `<file> <entry> <field>`. */
  ref: string;
  /** Other documents' later dates for the same event, each with its source. */
  otherDates: { date: IsoDate; source: string }[];
}

export interface FactCounts {
  facts: number;
  used: number;
  unused: number;
}

/** All dated facts, sorted by date (then kind, then what they apply to). */
export function listCatalogFacts(catalog: Catalog): CatalogFact[] {
  const facts: CatalogFact[] = [];
  const push = (fact: Omit<CatalogFact, "date" | "estimated" | "source" | "otherDates">, dated: readonly DatedFact[]): void => {
    const sorted = [...dated].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    const first = sorted[0];
    if (!first) return;
    const otherDates = sorted.slice(1).filter((f) => f.date !== first.date).map((f) => ({ date: f.date, source: f.source }));
    // Key order as the listing's JSON documents it: date, kind, subject, appliesTo, estimated, source, then the extras.
    const { kind, subject, appliesTo, used, ref } = fact;
    facts.push({ date: first.date, kind, subject, appliesTo, estimated: first.estimated === true, source: first.source, used, ref, otherDates });
  };

  const gaOf = new Map(catalog.kubernetes.map((k) => [k.minor, k.ga]));
  for (const k of catalog.kubernetes) {
    const ref = `kubernetes.json ${k.minor}`;
    push({ kind: "end-of-community-support", subject: `Kubernetes ${k.minor}: community support ends`, appliesTo: `kubernetes ${k.minor}`, used: true, ref: `${ref} endOfSupport` }, k.endOfSupport);
    // Platform support lasts until a later minor is GA: dated by that minor's GA facts.
    const until = k.platformSupportUntilGaOf;
    if (until) {
      push(
        { kind: "end-of-platform-support", subject: `Kubernetes ${k.minor}: platform support ends when ${until} is GA`, appliesTo: `kubernetes ${k.minor}`, used: true, ref: `${ref} platformSupportUntilGaOf` },
        gaOf.get(until) ?? [],
      );
    }
    push({ kind: "end-of-lts", subject: `Kubernetes ${k.minor}: long-term support ends`, appliesTo: `kubernetes ${k.minor} (long-term support)`, used: true, ref: `${ref} ltsEnd` }, k.ltsEnd);
  }

  for (const a of catalog.addons) {
    // The Istio add-on is judged by revision; its entry-level dates are not read.
    const used = a.versioning !== "revisions";
    const ref = `addons.json ${a.name}`;
    if (a.retirement) push({ kind: "retirement", subject: `${a.displayName} retires`, appliesTo: `addon ${a.name}`, used, ref: `${ref} retirement` }, [a.retirement]);
    if (a.endOfSupport) push({ kind: "end-of-support", subject: `${a.displayName}: support ends`, appliesTo: `addon ${a.name}`, used, ref: `${ref} endOfSupport` }, [a.endOfSupport]);
  }

  for (const r of catalog.istioRevisions) {
    const ref = `istio.json ${r.revision}`;
    push({ kind: "revision-end-of-life", subject: `Istio add-on revision ${r.revision} reaches end of life`, appliesTo: `addon istio ${r.revision}`, used: true, ref: `${ref} endOfLife` }, r.endOfLife);
    if (r.deprecated) {
      push({ kind: "revision-deprecated", subject: `Istio add-on revision ${r.revision} is deprecated (no new installs)`, appliesTo: `addon istio ${r.revision}`, used: true, ref: `${ref} deprecated` }, r.deprecated);
    }
  }

  for (const e of catalog.extensions) {
    if (e.retirement) push({ kind: "retirement", subject: `${e.displayName} retires`, appliesTo: `extension ${e.type}`, used: true, ref: `extensions.json ${e.type} retirement` }, [e.retirement]);
  }

  for (const s of catalog.openSource) {
    if (s.endOfMaintenance) {
      push({ kind: "end-of-maintenance", subject: `${s.displayName}: upstream maintenance ends`, appliesTo: `open-source ${s.id}`, used: true, ref: `open-source.json ${s.id} endOfMaintenance` }, [s.endOfMaintenance]);
    }
  }

  for (const c of catalog.changes) {
    if (!c.date) continue;
    const fact: DatedFact = { date: c.date, source: c.source, checked: c.checked };
    if (c.estimated) fact.estimated = true;
    push({ kind: c.kind, subject: c.subject, appliesTo: changeAppliesTo(c), used: changeIsJudged(c, catalog), ref: `changes.json ${c.id}` }, [fact]);
  }

  const pi = catalog.policy.platformInitiatedUpgrades;
  push(
    { kind: "platform-initiated-upgrades", subject: `AKS starts upgrading clusters left on unsupported versions (after ${pi.graceDays} days of platform support)`, appliesTo: "kubernetes (unsupported versions)", used: true, ref: "policy.json platformInitiatedUpgrades" },
    [pi],
  );

  return facts.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.kind.localeCompare(b.kind) || a.appliesTo.localeCompare(b.appliesTo) || a.ref.localeCompare(b.ref)));
}

function changeAppliesTo(c: ChangeEntry): string {
  const a = c.appliesTo;
  const what = a.target === "node-os" ? (a.osSkus ?? []).join(", ") : (a.name ?? "");
  const from = a.introducedIn ? ` from ${a.introducedIn}` : "";
  const unless = a.unlessConfig ? ` unless ${a.unlessConfig.key}=${a.unlessConfig.value}` : "";
  return `${a.target}${what ? ` ${what}` : ""}${from}${unless}`;
}

/**
 * Whether a classifier rule reads the change. Mirrors src/core/classify: add-on changes are read by
 * the add-on rules (Istio's only when tied to a revision), extension and node-OS changes by theirs;
 * cluster-feature changes by classify/clusterFeatures.ts for the features it detects (JUDGED_CLUSTER_FEATURES
 * mirrors its list; test/core/judgement-features.test.ts keeps them equal); Kubernetes-behaviour and
 * open-source changes have no rule yet. Extend this when a rule is added (test/catalog/facts.test.ts
 * checks the used ones reach a report).
 */
export function changeIsJudged(c: ChangeEntry, catalog: Pick<Catalog, "addons">): boolean {
  const a = c.appliesTo;
  switch (a.target) {
    case "addon": {
      const entry = catalog.addons.find((x) => x.name.toLowerCase() === (a.name ?? "").toLowerCase());
      return entry?.versioning === "revisions" ? a.introducedIn !== undefined : true;
    }
    case "extension":
    case "node-os":
      return true;
    case "cluster-feature":
      return JUDGED_CLUSTER_FEATURES.some((name) => name.toLowerCase() === (a.name ?? "").toLowerCase());
    default:
      return false;
  }
}

/** Cluster features the classifier detects: their catalog changes are judged. */
export const JUDGED_CLUSTER_FEATURES: readonly string[] = DETECTED_CLUSTER_FEATURES;

/** The facts dated from `asOf` to `days` days after it, inclusive. */
export function upcomingFacts(facts: readonly CatalogFact[], asOf: IsoDate, days: number): CatalogFact[] {
  const end = addDays(asOf, days);
  return facts.filter((f) => f.date >= asOf && f.date <= end);
}

export function countFacts(facts: readonly CatalogFact[]): FactCounts {
  const used = facts.filter((f) => f.used).length;
  return { facts: facts.length, used, unused: facts.length - used };
}
