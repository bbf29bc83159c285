/**
 * Versions parsed once into a comparable form. Azure and the catalog write versions many ways
 * (`1.31`, `v1.30.2`, `1.31.0-preview`, `2.17.2-3`, `1.30.6-aks`, `asm-1-28`); comparing them as
 * strings gets `1.9` vs `1.34` wrong, so everything goes through `parseVersion` first. Nothing here
 * throws: what cannot be read is `null`, and callers report drift `unknown`.
 */

export interface Version {
  /** The text as given (trimmed). */
  raw: string;
  major: number;
  minor: number;
  /** Null when only `major.minor` was given (`1.31`). */
  patch: number | null;
  /** Numeric parts after the patch (`1.8.5.3` → [3]). */
  extra: number[];
  /** A pre-release label (`preview`, `rc.1`, `beta`): sorts before the release it precedes. */
  prerelease: string | null;
  /** A packaging revision (`-3`, `-aks`, `-aks-3`, `-260312`): sorts after the bare release. */
  revision: string | null;
}

const VERSION = /^[vV]?(\d{1,9})\.(\d{1,9})((?:\.\d{1,9})*)(?:-([0-9A-Za-z][0-9A-Za-z.-]*))?(?:\+[0-9A-Za-z.-]+)?$/;
const ASM_REVISION = /^asm-(\d{1,9})-(\d{1,9})$/i;
const PRERELEASE = /(^|[.-])(preview|alpha|beta|rc|dev|pre)(?=$|[.\d-])/i;

/** Parses a version; `latest`, empty, `1`, `1.x` and other garbage give null. */
export function parseVersion(input: string | null | undefined): Version | null {
  if (typeof input !== "string") return null;
  const raw = input.trim();
  const m = VERSION.exec(raw);
  if (!m) return null;
  const numbers = (m[3] ?? "")
    .split(".")
    .filter((p) => p.length > 0)
    .map(Number);
  const label = m[4] ?? null;
  const isPre = label !== null && PRERELEASE.test(label);
  return {
    raw,
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: numbers.length > 0 ? numbers[0]! : null,
    extra: numbers.slice(1),
    prerelease: isPre ? label : null,
    revision: label !== null && !isPre ? label : null,
  };
}

/** Parses an Istio add-on revision (`asm-1-28`) as version 1.28. */
export function parseAsmRevision(input: string | null | undefined): Version | null {
  if (typeof input !== "string") return null;
  const raw = input.trim();
  const m = ASM_REVISION.exec(raw);
  if (!m) return null;
  return { raw, major: Number(m[1]), minor: Number(m[2]), patch: null, extra: [], prerelease: null, revision: null };
}

/** A plain version, or else an `asm-x-y` revision. */
export function parseAnyVersion(input: string | null | undefined): Version | null {
  return parseVersion(input) ?? parseAsmRevision(input);
}

/** `1.31` for 1.31.7; accepts text too (null when unreadable). */
export function minorKey(v: Version | string | null | undefined): string | null {
  const parsed = typeof v === "string" ? parseVersion(v) : (v ?? null);
  return parsed ? `${parsed.major}.${parsed.minor}` : null;
}

/** Orders by major, then minor only (patch ignored). */
export function compareMinor(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor;
}

/**
 * Full order: major, minor, patch (a missing patch counts as 0), extra parts, then
 * pre-release < bare release < packaging revision.
 */
export function compareVersions(a: Version, b: Version): number {
  const byMinor = compareMinor(a, b);
  if (byMinor !== 0) return byMinor;
  const byPatch = (a.patch ?? 0) - (b.patch ?? 0);
  if (byPatch !== 0) return byPatch;
  const len = Math.max(a.extra.length, b.extra.length);
  for (let i = 0; i < len; i++) {
    const d = (a.extra[i] ?? 0) - (b.extra[i] ?? 0);
    if (d !== 0) return d;
  }
  const rank = (v: Version): number => (v.prerelease !== null ? -1 : v.revision !== null ? 1 : 0);
  const byRank = rank(a) - rank(b);
  if (byRank !== 0) return byRank;
  return compareLabels(a.prerelease ?? a.revision, b.prerelease ?? b.revision);
}

/** Compares dot/dash separated labels part by part, numerically where both parts are numbers. */
function compareLabels(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : null;
    const ny = /^\d+$/.test(y) ? Number(y) : null;
    if (nx !== null && ny !== null) {
      if (nx !== ny) return nx - ny;
    } else if (nx !== null) return -1;
    else if (ny !== null) return 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Same major and minor. */
export function sameMinor(a: Version, b: Version): boolean {
  return compareMinor(a, b) === 0;
}

/**
 * How many minors `behind` is behind `ahead` (0 when level or ahead; null across majors, where
 * a minor count means nothing).
 */
export function minorsBehind(behind: Version, ahead: Version): number | null {
  if (behind.major !== ahead.major) return null;
  return Math.max(0, ahead.minor - behind.minor);
}

/** On the same minor but an older patch (a missing patch is not "behind": it is unknown). */
export function isPatchBehind(current: Version, latest: Version): boolean {
  if (!sameMinor(current, latest) || current.patch === null || latest.patch === null) return false;
  return compareVersions(current, latest) < 0;
}

export type VersionDrift = "current" | "patch-behind" | "minor-behind";

/** How far `current` is behind `latest`: a major or minor gap is `minor-behind`. */
export function driftAgainst(current: Version, latest: Version): VersionDrift {
  if (compareMinor(current, latest) < 0) return "minor-behind";
  if (isPatchBehind(current, latest)) return "patch-behind";
  return "current";
}

/** The newest of a list of version strings (unreadable ones are skipped). */
export function newestVersion(values: readonly string[]): Version | null {
  let best: Version | null = null;
  for (const value of values) {
    const v = parseVersion(value);
    if (v && (best === null || compareVersions(v, best) > 0)) best = v;
  }
  return best;
}

/** Sorts version strings oldest first; unreadable ones go last, in their original order. */
export function sortVersions(values: readonly string[]): string[] {
  const parsed = values.map((value, index) => ({ value, index, v: parseAnyVersion(value) }));
  parsed.sort((a, b) => {
    if (a.v && b.v) return compareVersions(a.v, b.v) || a.index - b.index;
    if (a.v) return -1;
    if (b.v) return 1;
    return a.index - b.index;
  });
  return parsed.map((p) => p.value);
}

/** Renders `major.minor[.patch]` without labels, for messages. */
export function formatVersion(v: Version): string {
  return v.patch === null ? `${v.major}.${v.minor}` : `${v.major}.${v.minor}.${v.patch}`;
}
