/**
 * How much one message shows. Gmail clips a message at about 102 KB, so every HTML and text part
 * stays under MAX_PART_BYTES: the renderers try these steps in order and keep the first that fits,
 * and whatever a step leaves out is counted ("and N more") and linked, never dropped silently.
 * Both parts of one message are drawn at the same step, so they say the same.
 */
export const MAX_PART_BYTES = 100_000;

export interface Limits {
  /** Causes listed in the window (act-this-week always shows its five). */
  causes: number;
  /** Clusters listed under one cause. */
  clustersPerCause: number;
  /** Entries of any other list (changes, errors, unsupported components, folded add-ons). */
  items: number;
}

export const LIMIT_STEPS: readonly Limits[] = Object.freeze([
  { causes: 25, clustersPerCause: 10, items: 20 },
  { causes: 15, clustersPerCause: 5, items: 10 },
  { causes: 10, clustersPerCause: 3, items: 5 },
  { causes: 5, clustersPerCause: 0, items: 3 },
]);

export interface Cut<T> {
  shown: T[];
  more: number;
}

export function cut<T>(list: readonly T[], n: number): Cut<T> {
  return { shown: list.slice(0, Math.max(0, n)), more: Math.max(0, list.length - Math.max(0, n)) };
}

/** Like cut, for a list that may hold only the first entries of `total`: "more" counts the rest too. */
export function cutOf<T>(list: readonly T[], total: number, n: number): Cut<T> {
  const shown = list.slice(0, Math.max(0, n));
  return { shown, more: Math.max(0, total - shown.length) };
}

export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Renders at the first step whose parts all fit; the last step otherwise (it is bounded by design). */
export function withinLimits<T extends { html: string; text: string }>(render: (limits: Limits) => T): T {
  let last: T | null = null;
  for (const limits of LIMIT_STEPS) {
    last = render(limits);
    if (byteLength(last.html) < MAX_PART_BYTES && byteLength(last.text) < MAX_PART_BYTES) return last;
  }
  return last!;
}
