/**
 * Validation of catalog documents: every reader checks one shape and names the file, the entry and
 * the field of each problem, e.g.
 *   catalog kubernetes.json: entry "1.31": field "endOfSupport[0].date": expected YYYY-MM-DD, got "2026-13-01"
 * Readers collect every problem of a document before giving up, so one run of `aks-audit catalog
 * --validate` lists them all. Loading (bundled files, override files and URLs, merging) is in load.ts.
 */
import { isIsoDate } from "../core/dates.js";
import {
  ADDON_DETECTIONS,
  ADDON_VERSIONINGS,
  CATALOG_STAGES,
  CHANGE_KINDS,
  CHANGE_TARGETS,
  ENTRY_SECTIONS,
  ENTRY_SECTION_NAMES,
  EXTENSION_CATEGORIES,
  LTS_STATUSES,
  type AddonEntry,
  type AddonVersionEntry,
  type Catalog,
  type CatalogPolicy,
  type ChangeEntry,
  type CompatibilityVariant,
  type ComponentVersion,
  type DatedFact,
  type EntrySection,
  type ExtensionEntry,
  type FeatureChange,
  type FeatureEntry,
  type IstioRevision,
  type KnownVersion,
  type KubernetesMinor,
  type LtsFact,
  type ManagedAlternative,
  type ManagedRef,
  type OpenSourceSignature,
  type Sourced,
} from "./schema.js";

// ---------------------------------------------------------------- errors

export interface CatalogIssue {
  /** The data file, override path or override URL (without its query). */
  file: string;
  /** The entry's id (`1.31`, `keda`, `microsoft.flux`), or null for file-level fields. */
  entry: string | null;
  field: string;
  expected: string;
}

export class CatalogError extends Error {
  readonly issues: CatalogIssue[];
  constructor(issues: CatalogIssue[] | string) {
    const list = typeof issues === "string" ? [] : issues;
    super(typeof issues === "string" ? issues : describeIssues(list));
    this.name = "CatalogError";
    this.issues = list;
  }
}

const MAX_ISSUES_SHOWN = 20;

function describeIssues(issues: CatalogIssue[]): string {
  const lines = issues.slice(0, MAX_ISSUES_SHOWN).map(describeIssue);
  if (issues.length > MAX_ISSUES_SHOWN) lines.push(`… and ${issues.length - MAX_ISSUES_SHOWN} more problems`);
  return lines.join("\n");
}

export function describeIssue(i: CatalogIssue): string {
  const entry = i.entry === null ? "" : ` entry ${JSON.stringify(i.entry)}:`;
  return `catalog ${i.file}:${entry} field ${JSON.stringify(i.field)}: expected ${i.expected}`;
}

// ---------------------------------------------------------------- the checker

type Obj = Record<string, unknown>;

/** Collects problems while reading one file; readers return a placeholder so checking goes on. */
class Checker {
  readonly issues: CatalogIssue[] = [];
  entry: string | null = null;
  constructor(readonly file: string) {}

  fail(field: string, expected: string, got: unknown): void {
    this.issues.push({ file: this.file, entry: this.entry, field, expected: `${expected}, got ${show(got)}` });
  }

  object(value: unknown, field: string): Obj | null {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Obj;
    this.fail(field, "an object", value);
    return null;
  }

  /** Flags keys the schema does not know (a typo would otherwise silently drop a fact). */
  known(o: Obj, keys: readonly string[], prefix: string): void {
    for (const key of Object.keys(o)) {
      if (!keys.includes(key) && !key.startsWith("$")) this.fail(join(prefix, key), "no such field (known: " + keys.join(", ") + ")", o[key]);
    }
  }

  string(o: Obj, key: string, prefix: string): string {
    const v = o[key];
    if (typeof v === "string" && v.trim().length > 0) return v;
    this.fail(join(prefix, key), "a non-empty string", v);
    return "";
  }

  optionalString(o: Obj, key: string, prefix: string): string | undefined {
    if (o[key] === undefined) return undefined;
    return this.string(o, key, prefix);
  }

  nullableString(o: Obj, key: string, prefix: string): string | null {
    if (o[key] === null || o[key] === undefined) return null;
    return this.string(o, key, prefix);
  }

  pattern(o: Obj, key: string, prefix: string, re: RegExp, expected: string): string {
    const v = o[key];
    if (typeof v === "string" && re.test(v)) return v;
    this.fail(join(prefix, key), expected, v);
    return "";
  }

  date(o: Obj, key: string, prefix: string): string {
    const v = o[key];
    if (isIsoDate(v)) return v;
    this.fail(join(prefix, key), "YYYY-MM-DD", v);
    return "1970-01-01";
  }

  nullableDate(o: Obj, key: string, prefix: string): string | null {
    if (o[key] === null || o[key] === undefined) return null;
    return this.date(o, key, prefix);
  }

  url(o: Obj, key: string, prefix: string): string {
    const v = o[key];
    if (typeof v === "string" && isHttpsUrl(v)) return v;
    this.fail(join(prefix, key), "an https URL of the public document", v);
    return "";
  }

  boolean(o: Obj, key: string, prefix: string): boolean {
    const v = o[key];
    if (typeof v === "boolean") return v;
    this.fail(join(prefix, key), "true or false", v);
    return false;
  }

  optionalBoolean(o: Obj, key: string, prefix: string): boolean | undefined {
    if (o[key] === undefined) return undefined;
    return this.boolean(o, key, prefix);
  }

  count(o: Obj, key: string, prefix: string): number {
    const v = o[key];
    if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 1000) return v;
    this.fail(join(prefix, key), "a whole number from 0 to 1000", v);
    return 0;
  }

  oneOf<T extends string>(o: Obj, key: string, prefix: string, values: readonly T[]): T {
    const v = o[key];
    if (typeof v === "string" && (values as readonly string[]).includes(v)) return v as T;
    this.fail(join(prefix, key), `one of ${values.join(", ")}`, v);
    return values[0]!;
  }

  array(o: Obj, key: string, prefix: string): unknown[] {
    const v = o[key];
    if (Array.isArray(v)) return v;
    this.fail(join(prefix, key), "a list", v);
    return [];
  }

  strings(o: Obj, key: string, prefix: string, re?: RegExp, expected?: string): string[] {
    return this.array(o, key, prefix).flatMap((v, i) => {
      if (typeof v === "string" && v.trim().length > 0 && (!re || re.test(v))) return [v];
      this.fail(`${join(prefix, key)}[${i}]`, expected ?? "a non-empty string", v);
      return [];
    });
  }
}

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.hostname.length > 0;
  } catch {
    return false;
  }
}

const MINOR = /^\d+\.\d+$/;
const MINOR_EXPECTED = "a Kubernetes minor like 1.31";
const SOURCED_KEYS = ["source", "checked", "note"] as const;

// ---------------------------------------------------------------- readers, one per shape

function readSourced(c: Checker, o: Obj, prefix: string): Sourced {
  const s: Sourced = { source: c.url(o, "source", prefix), checked: c.date(o, "checked", prefix) };
  const note = c.optionalString(o, "note", prefix);
  if (note !== undefined) s.note = note;
  return s;
}

function readDated(c: Checker, value: unknown, prefix: string): DatedFact {
  const o = c.object(value, prefix) ?? {};
  c.known(o, [...SOURCED_KEYS, "date", "estimated"], prefix);
  const fact: DatedFact = { date: c.date(o, "date", prefix), ...readSourced(c, o, prefix) };
  const estimated = c.optionalBoolean(o, "estimated", prefix);
  if (estimated !== undefined) fact.estimated = estimated;
  requireNoteIfEstimated(c, fact, prefix);
  return fact;
}

/** An estimate is only honest with its reasoning: which day was used and why. */
function requireNoteIfEstimated(c: Checker, fact: { estimated?: boolean; note?: string }, prefix: string): void {
  if (fact.estimated && !fact.note) c.fail(join(prefix, "note"), "a note saying which day was used and why, since the date is estimated", undefined);
}

function readDatedList(c: Checker, o: Obj, key: string, prefix: string, atLeastOne: boolean): DatedFact[] {
  const list = c.array(o, key, prefix).map((v, i) => readDated(c, v, `${join(prefix, key)}[${i}]`));
  if (atLeastOne && Array.isArray(o[key]) && list.length === 0) c.fail(join(prefix, key), "at least one dated fact", o[key]);
  return list;
}

function readNullableDated(c: Checker, o: Obj, key: string, prefix: string): DatedFact | null {
  if (o[key] === null || o[key] === undefined) return null;
  return readDated(c, o[key], join(prefix, key));
}

function readLts(c: Checker, o: Obj, key: string): LtsFact | null {
  if (o[key] === null || o[key] === undefined) return null;
  const l = c.object(o[key], key) ?? {};
  c.known(l, [...SOURCED_KEYS, "status"], key);
  return { status: c.oneOf(l, "status", key, LTS_STATUSES), ...readSourced(c, l, key) };
}

function readKubernetes(c: Checker, o: Obj): KubernetesMinor {
  c.known(o, [...SOURCED_KEYS, "minor", "preview", "ga", "endOfSupport", "platformSupportUntilGaOf", "ltsEnd"], "");
  const platform = o.platformSupportUntilGaOf;
  return {
    minor: c.pattern(o, "minor", "", MINOR, MINOR_EXPECTED),
    preview: readDatedList(c, o, "preview", "", false),
    ga: readDatedList(c, o, "ga", "", true),
    endOfSupport: readDatedList(c, o, "endOfSupport", "", true),
    platformSupportUntilGaOf: platform === null ? null : c.pattern(o, "platformSupportUntilGaOf", "", MINOR, `${MINOR_EXPECTED} or null`),
    ltsEnd: readDatedList(c, o, "ltsEnd", "", false),
    ...readSourced(c, o, ""),
  };
}

function readAddon(c: Checker, o: Obj): AddonEntry {
  c.known(o, [...SOURCED_KEYS, "name", "displayName", "detection", "stage", "versioning", "versionComponent", "retirement", "endOfSupport", "endOfSupportOnly", "replacement", "lts"], "");
  const only = c.optionalString(o, "endOfSupportOnly", "");
  return {
    ...(only !== undefined ? { endOfSupportOnly: c.oneOf(o, "endOfSupportOnly", "", ["nginx"] as const) } : {}),
    name: c.string(o, "name", ""),
    displayName: c.string(o, "displayName", ""),
    detection: c.oneOf(o, "detection", "", ADDON_DETECTIONS),
    stage: c.oneOf(o, "stage", "", CATALOG_STAGES),
    versioning: c.oneOf(o, "versioning", "", ADDON_VERSIONINGS),
    versionComponent: c.nullableString(o, "versionComponent", ""),
    retirement: readNullableDated(c, o, "retirement", ""),
    endOfSupport: readNullableDated(c, o, "endOfSupport", ""),
    replacement: c.nullableString(o, "replacement", ""),
    lts: readLts(c, o, "lts"),
    ...readSourced(c, o, ""),
  };
}

function readAddonVersions(c: Checker, o: Obj): AddonVersionEntry {
  c.known(o, ["component", "minor", "versions"], "");
  const versions = c.array(o, "versions", "").map((v, i): ComponentVersion => {
    const prefix = `versions[${i}]`;
    const e = c.object(v, prefix) ?? {};
    c.known(e, [...SOURCED_KEYS, "version"], prefix);
    return { version: c.string(e, "version", prefix), ...readSourced(c, e, prefix) };
  });
  if (versions.length === 0 && Array.isArray(o.versions)) c.fail("versions", "at least one version", o.versions);
  return { component: c.string(o, "component", ""), minor: c.pattern(o, "minor", "", MINOR, MINOR_EXPECTED), versions };
}

function readIstio(c: Checker, o: Obj): IstioRevision {
  c.known(o, [...SOURCED_KEYS, "revision", "endOfLife", "deprecated", "compatibleMinors", "compatibleLtsMinors", "otherCompatibility"], "");
  const entry: IstioRevision = {
    revision: c.pattern(o, "revision", "", /^asm-\d+-\d+$/, "a revision like asm-1-28"),
    endOfLife: readDatedList(c, o, "endOfLife", "", true),
    compatibleMinors: c.strings(o, "compatibleMinors", "", MINOR, MINOR_EXPECTED),
    compatibleLtsMinors: c.strings(o, "compatibleLtsMinors", "", MINOR, MINOR_EXPECTED),
    ...readSourced(c, o, ""),
  };
  if (o.deprecated !== undefined) entry.deprecated = readDatedList(c, o, "deprecated", "", true);
  if (o.otherCompatibility !== undefined) {
    entry.otherCompatibility = c.array(o, "otherCompatibility", "").map((v, i): CompatibilityVariant => {
      const prefix = `otherCompatibility[${i}]`;
      const e = c.object(v, prefix) ?? {};
      c.known(e, [...SOURCED_KEYS, "compatibleMinors", "compatibleLtsMinors"], prefix);
      return {
        compatibleMinors: c.strings(e, "compatibleMinors", prefix, MINOR, MINOR_EXPECTED),
        compatibleLtsMinors: c.strings(e, "compatibleLtsMinors", prefix, MINOR, MINOR_EXPECTED),
        ...readSourced(c, e, prefix),
      };
    });
  }
  return entry;
}

function readManagedRef(c: Checker, o: Obj, key: string): ManagedRef | null {
  if (o[key] === null || o[key] === undefined) return null;
  const r = c.object(o[key], key) ?? {};
  c.known(r, ["kind", "name"], key);
  return { kind: c.oneOf(r, "kind", key, ["addon", "extension"] as const), name: c.string(r, "name", key) };
}

function readExtension(c: Checker, o: Obj): ExtensionEntry {
  c.known(o, [...SOURCED_KEYS, "type", "displayName", "stage", "category", "supportedMinors", "knownVersions", "followsClusterMinor", "retirement", "lts", "onAksUseInstead"], "");
  let supportedMinors: ExtensionEntry["supportedMinors"] = null;
  if (o.supportedMinors !== null && o.supportedMinors !== undefined) {
    const s = c.object(o.supportedMinors, "supportedMinors") ?? {};
    c.known(s, [...SOURCED_KEYS, "count"], "supportedMinors");
    supportedMinors = { count: c.count(s, "count", "supportedMinors"), ...readSourced(c, s, "supportedMinors") };
    if (supportedMinors.count < 1) c.fail("supportedMinors.count", "at least 1", supportedMinors.count);
  }
  const knownVersions = c.array(o, "knownVersions", "").map((v, i): KnownVersion => {
    const prefix = `knownVersions[${i}]`;
    const e = c.object(v, prefix) ?? {};
    c.known(e, [...SOURCED_KEYS, "version", "released"], prefix);
    return { version: c.string(e, "version", prefix), released: c.nullableDate(e, "released", prefix), ...readSourced(c, e, prefix) };
  });
  return {
    type: c.pattern(o, "type", "", /^[a-z0-9][a-z0-9._-]*$/, "an extension type in lower case, like microsoft.flux"),
    displayName: c.string(o, "displayName", ""),
    stage: c.oneOf(o, "stage", "", CATALOG_STAGES),
    category: c.oneOf(o, "category", "", EXTENSION_CATEGORIES),
    supportedMinors,
    knownVersions,
    followsClusterMinor: c.boolean(o, "followsClusterMinor", ""),
    retirement: readNullableDated(c, o, "retirement", ""),
    lts: readLts(c, o, "lts"),
    onAksUseInstead: readManagedRef(c, o, "onAksUseInstead"),
    ...readSourced(c, o, ""),
  };
}

function readOpenSource(c: Checker, o: Obj): OpenSourceSignature {
  c.known(o, [...SOURCED_KEYS, "id", "displayName", "helmCharts", "imagePatterns", "managedAlternative", "latestKnown", "endOfMaintenance"], "");
  let managedAlternative: ManagedAlternative | null = null;
  if (o.managedAlternative !== null && o.managedAlternative !== undefined) {
    const a = c.object(o.managedAlternative, "managedAlternative") ?? {};
    c.known(a, [...SOURCED_KEYS, "kind", "name", "conflicts"], "managedAlternative");
    const kind = a.kind === null ? null : c.oneOf(a, "kind", "managedAlternative", ["addon", "extension"] as const);
    managedAlternative = { kind, name: c.string(a, "name", "managedAlternative"), conflicts: c.boolean(a, "conflicts", "managedAlternative"), ...readSourced(c, a, "managedAlternative") };
  }
  let latestKnown: OpenSourceSignature["latestKnown"] = null;
  if (o.latestKnown !== null && o.latestKnown !== undefined) {
    const l = c.object(o.latestKnown, "latestKnown") ?? {};
    c.known(l, [...SOURCED_KEYS, "version"], "latestKnown");
    latestKnown = { version: c.string(l, "version", "latestKnown"), ...readSourced(c, l, "latestKnown") };
  }
  return {
    id: c.pattern(o, "id", "", /^[a-z0-9][a-z0-9._-]*$/, "a signature id in lower case, like ingress-nginx"),
    displayName: c.string(o, "displayName", ""),
    helmCharts: c.strings(o, "helmCharts", ""),
    imagePatterns: c.strings(o, "imagePatterns", ""),
    managedAlternative,
    latestKnown,
    endOfMaintenance: readNullableDated(c, o, "endOfMaintenance", ""),
    ...readSourced(c, o, ""),
  };
}

function readChange(c: Checker, o: Obj): ChangeEntry {
  c.known(o, [...SOURCED_KEYS, "id", "subject", "kind", "date", "estimated", "appliesTo", "replacement"], "");
  const a = c.object(o.appliesTo, "appliesTo") ?? {};
  c.known(a, ["target", "name", "osSkus", "introducedIn", "unlessConfig", "blockedFromMinor"], "appliesTo");
  const appliesTo: ChangeEntry["appliesTo"] = {
    target: c.oneOf(a, "target", "appliesTo", CHANGE_TARGETS),
    name: c.nullableString(a, "name", "appliesTo"),
  };
  if (a.osSkus !== undefined) appliesTo.osSkus = c.strings(a, "osSkus", "appliesTo");
  const introducedIn = c.optionalString(a, "introducedIn", "appliesTo");
  if (introducedIn !== undefined) appliesTo.introducedIn = introducedIn;
  if (a.unlessConfig !== undefined) {
    const u = c.object(a.unlessConfig, "appliesTo.unlessConfig") ?? {};
    c.known(u, ["key", "value"], "appliesTo.unlessConfig");
    appliesTo.unlessConfig = { key: c.string(u, "key", "appliesTo.unlessConfig"), value: c.string(u, "value", "appliesTo.unlessConfig") };
  }
  if (a.blockedFromMinor !== undefined) appliesTo.blockedFromMinor = c.pattern(a, "blockedFromMinor", "appliesTo", MINOR, MINOR_EXPECTED);
  if (appliesTo.target === "node-os" && !appliesTo.osSkus?.length) c.fail("appliesTo.osSkus", "at least one osSku for a node-os change", a.osSkus);
  if (["addon", "extension", "open-source"].includes(appliesTo.target) && appliesTo.name === null) c.fail("appliesTo.name", "the integration's name", a.name);
  const entry: ChangeEntry = {
    id: c.string(o, "id", ""),
    subject: c.string(o, "subject", ""),
    kind: c.oneOf(o, "kind", "", CHANGE_KINDS),
    date: c.nullableDate(o, "date", ""),
    appliesTo,
    replacement: c.nullableString(o, "replacement", ""),
    ...readSourced(c, o, ""),
  };
  const estimated = c.optionalBoolean(o, "estimated", "");
  if (estimated !== undefined) entry.estimated = estimated;
  requireNoteIfEstimated(c, entry, "");
  return entry;
}

type Reader<T> = (c: Checker, o: Obj) => T;

// ---------------------------------------------------------------- features.json (AKS-managed capabilities)

const LOCATION = /^[a-z0-9]+$/;

function readFeatureChange(c: Checker, value: unknown, prefix: string): FeatureChange {
  const o = c.object(value, prefix) ?? {};
  c.known(o, [...SOURCED_KEYS, "id", "subject", "kind", "date", "estimated", "onlyLocations"], prefix);
  const change: FeatureChange = {
    id: c.string(o, "id", prefix),
    subject: c.string(o, "subject", prefix),
    kind: c.oneOf(o, "kind", prefix, CHANGE_KINDS),
    date: c.date(o, "date", prefix),
    ...readSourced(c, o, prefix),
  };
  const estimated = c.optionalBoolean(o, "estimated", prefix);
  if (estimated !== undefined) change.estimated = estimated;
  if (o.onlyLocations !== undefined) change.onlyLocations = c.strings(o, "onlyLocations", prefix, LOCATION, "a lower-case Azure location like chinaeast2");
  return change;
}

function readFeature(c: Checker, o: Obj): FeatureEntry {
  c.known(o, [...SOURCED_KEYS, "name", "displayName", "detection", "stage", "retirement", "endOfSupport", "replacement", "lts", "advice", "changes"], "");
  return {
    name: c.pattern(o, "name", "", /^[A-Za-z][A-Za-z0-9]*$/, "a feature name like imageCleaner (letters and digits)"),
    displayName: c.string(o, "displayName", ""),
    detection: c.string(o, "detection", ""),
    stage: c.oneOf(o, "stage", "", CATALOG_STAGES),
    retirement: readNullableDated(c, o, "retirement", ""),
    endOfSupport: readNullableDated(c, o, "endOfSupport", ""),
    replacement: c.nullableString(o, "replacement", ""),
    lts: readLts(c, o, "lts"),
    advice: c.nullableString(o, "advice", ""),
    changes: c.array(o, "changes", "").map((v, i) => readFeatureChange(c, v, `changes[${i}]`)),
    ...readSourced(c, o, ""),
  };
}
// ---------------------------------------------------------------- end of features.json


const READERS: { [K in EntrySection]: Reader<Catalog[K][number]> } = {
  kubernetes: readKubernetes,
  addons: readAddon,
  features: readFeature,
  addonVersions: readAddonVersions,
  istioRevisions: readIstio,
  extensions: readExtension,
  openSource: readOpenSource,
  changes: readChange,
};

/** The key each entry is named by before it has been read (so messages can name a broken entry). */
const ID_FIELDS: Record<EntrySection, (o: Obj) => unknown> = {
  kubernetes: (o) => o.minor,
  addons: (o) => o.name,
  features: (o) => o.name,
  addonVersions: (o) => (o.component !== undefined && o.minor !== undefined ? `${String(o.component)}@${String(o.minor)}` : undefined),
  istioRevisions: (o) => o.revision,
  extensions: (o) => o.type,
  openSource: (o) => o.id,
  changes: (o) => o.id,
};

function readEntries<K extends EntrySection>(c: Checker, section: K, list: unknown, field: string): Catalog[K] {
  if (!Array.isArray(list)) {
    c.entry = null;
    c.fail(field, "a list of entries", list);
    return [] as unknown as Catalog[K];
  }
  const out: Catalog[K][number][] = [];
  const seen = new Set<string>();
  list.forEach((raw, index) => {
    const rawId = typeof raw === "object" && raw !== null ? ID_FIELDS[section](raw as Obj) : undefined;
    c.entry = typeof rawId === "string" && rawId.length > 0 ? rawId : `#${index + 1}`;
    const o = c.object(raw, "(entry)");
    if (!o) return;
    const entry = READERS[section](c, o);
    const id = (ENTRY_SECTIONS[section].id as (e: Catalog[K][number]) => string)(entry);
    if (seen.has(id)) c.fail("(entry)", "each entry once; this id appears again", id);
    seen.add(id);
    out.push(entry);
  });
  c.entry = null;
  return out as Catalog[K];
}

const POLICY_KEYS = [
  "nodePoolSkew",
  "ltsSupportedPatches",
  "lts",
  "platformAutoUpgrade",
  "platformInitiatedUpgrades",
  "addonVersioning",
  "platformSupportScope",
  "openSourceSupport",
  "previewSupport",
  "nodeImageAge",
  "osSkuByMinor",
  "ltsNodeOs",
  "windowsOsDefault",
] as const satisfies readonly (keyof CatalogPolicy)[];

function readPolicyItem<K extends keyof CatalogPolicy>(c: Checker, key: K, value: unknown): CatalogPolicy[K] {
  const o = c.object(value, key) ?? {};
  const base = readSourced(c, o, key);
  switch (key) {
    case "nodePoolSkew":
      c.known(o, [...SOURCED_KEYS, "maxMinorsBehind", "sinceMinor", "maxMinorsBehindBefore"], key);
      return {
        ...base,
        maxMinorsBehind: c.count(o, "maxMinorsBehind", key),
        sinceMinor: c.pattern(o, "sinceMinor", key, MINOR, MINOR_EXPECTED),
        maxMinorsBehindBefore: c.count(o, "maxMinorsBehindBefore", key),
      } as CatalogPolicy[K];
    case "ltsSupportedPatches":
      c.known(o, [...SOURCED_KEYS, "count"], key);
      return { ...base, count: c.count(o, "count", key) } as CatalogPolicy[K];
    case "lts":
      c.known(o, [...SOURCED_KEYS, "supportPlan", "tier"], key);
      return { ...base, supportPlan: c.string(o, "supportPlan", key), tier: c.string(o, "tier", key) } as CatalogPolicy[K];
    case "platformInitiatedUpgrades":
      c.known(o, [...SOURCED_KEYS, "date", "graceDays"], key);
      return { ...base, date: c.date(o, "date", key), graceDays: c.count(o, "graceDays", key) } as CatalogPolicy[K];
    case "nodeImageAge":
      c.known(o, [...SOURCED_KEYS, "maxDays"], key);
      return { ...base, maxDays: c.count(o, "maxDays", key) } as CatalogPolicy[K];
    case "ltsNodeOs":
      c.known(o, [...SOURCED_KEYS, "fromMinor", "requires", "notWith"], key);
      return { ...base, fromMinor: c.pattern(o, "fromMinor", key, MINOR, MINOR_EXPECTED), requires: c.string(o, "requires", key), notWith: c.strings(o, "notWith", key) } as CatalogPolicy[K];
    case "osSkuByMinor": {
      c.known(o, [...SOURCED_KEYS, "rules"], key);
      const rules = c.array(o, "rules", key).map((r, i) => {
        const at = `${key}.rules[${i}]`;
        const ro = c.object(r, at) ?? {};
        c.known(ro, ["osSku", "fromMinor", "from", "before"], at);
        return { osSku: c.string(ro, "osSku", at), fromMinor: c.pattern(ro, "fromMinor", at, MINOR, MINOR_EXPECTED), from: c.string(ro, "from", at), before: c.string(ro, "before", at) };
      });
      return { ...base, rules } as CatalogPolicy[K];
    }
    case "windowsOsDefault": {
      c.known(o, [...SOURCED_KEYS, "bands"], key);
      const bands = c.array(o, "bands", key).map((b, i) => {
        const at = `${key}.bands[${i}]`;
        const bo = c.object(b, at) ?? {};
        c.known(bo, ["fromMinor", "os"], at);
        return { fromMinor: c.pattern(bo, "fromMinor", at, MINOR, MINOR_EXPECTED), os: bo.os === null ? null : c.string(bo, "os", at) };
      });
      return { ...base, bands } as CatalogPolicy[K];
    }
    default:
      c.known(o, SOURCED_KEYS, key);
      return base as CatalogPolicy[K];
  }
}

function readPolicy(c: Checker, value: unknown, partial: boolean, prefix: string): Partial<CatalogPolicy> {
  const o = c.object(value, prefix || "(file)") ?? {};
  c.known(o, POLICY_KEYS, prefix);
  const out: Partial<CatalogPolicy> = {};
  for (const key of POLICY_KEYS) {
    if (o[key] === undefined) {
      if (!partial) c.fail(join(prefix, key), "a policy fact", undefined);
      continue;
    }
    (out as Record<string, unknown>)[key] = readPolicyItem(c, key, o[key]);
  }
  return out;
}

// ---------------------------------------------------------------- documents

/** The documents the auditor ships with, as parsed JSON. */
export interface BundleDocuments {
  manifest: unknown;
  sections: { [K in EntrySection]: unknown };
  policy: unknown;
}

/** Validates the bundled documents into a catalog. Throws `CatalogError` listing every problem. */
export function validateBundle(docs: BundleDocuments): Catalog {
  const issues: CatalogIssue[] = [];
  const manifest = new Checker("catalog.json");
  const m = manifest.object(docs.manifest, "(file)") ?? {};
  const version = manifest.string(m, "version", "");
  const checkedAt = manifest.date(m, "checkedAt", "");
  issues.push(...manifest.issues);

  const sections: Partial<Catalog> = {};
  for (const section of ENTRY_SECTION_NAMES) {
    const c = new Checker(ENTRY_SECTIONS[section].file);
    const file = c.object(docs.sections[section], "(file)") ?? {};
    (sections as Record<string, unknown>)[section] = readEntries(c, section, file.entries, "entries");
    issues.push(...c.issues);
  }
  const policyChecker = new Checker("policy.json");
  const policy = readPolicy(policyChecker, docs.policy, false, "") as CatalogPolicy;
  issues.push(...policyChecker.issues);

  if (issues.length > 0) throw new CatalogError(issues);
  return { version, checkedAt, ...(sections as Omit<Catalog, "version" | "checkedAt" | "policy">), policy };
}

// ---------------------------------------------------------------- override

/** An override: any sections, each a list of entries that replace same-id entries or add new ones. */
export interface CatalogOverride {
  version?: string;
  checkedAt?: string;
  sections: { [K in EntrySection]?: Catalog[K] };
  policy: Partial<CatalogPolicy>;
}

/** Validates an override document (already parsed from JSON). `label` names it in messages. */
export function parseCatalogOverride(value: unknown, label: string): CatalogOverride {
  const c = new Checker(label);
  const o = c.object(value, "(file)") ?? {};
  c.known(o, ["version", "checkedAt", "policy", ...ENTRY_SECTION_NAMES], "");
  const override: CatalogOverride = { sections: {}, policy: {} };
  const version = c.optionalString(o, "version", "");
  if (version !== undefined) override.version = version;
  if (o.checkedAt !== undefined) override.checkedAt = c.date(o, "checkedAt", "");
  for (const section of ENTRY_SECTION_NAMES) {
    if (o[section] === undefined) continue;
    const sectionChecker = new Checker(`${label} (${section})`);
    (override.sections as Record<string, unknown>)[section] = readEntries(sectionChecker, section, o[section], section);
    c.issues.push(...sectionChecker.issues);
  }
  if (o.policy !== undefined) override.policy = readPolicy(c, o.policy, true, "policy");
  if (c.issues.length > 0) throw new CatalogError(c.issues);
  return override;
}
