/**
 * The Kubernetes versions AKS offers in the simulated world (a plausible November 2026 set),
 * loaded from templates/kubernetesVersions.json. Upgrade paths are derived here rather than
 * written by hand so the template stays short and cannot contradict itself. The template lists
 * minors and patches deliberately out of order (Azure promises no order for either, and a string
 * sort of 1.34.6/1.34.8/1.34.10 is wrong), and they are served in that order.
 */
import versionsTemplate from "./templates/kubernetesVersions.json" with { type: "json" };

export interface SimMinor {
  version: string;
  isDefault: boolean;
  isPreview: boolean;
  supportPlans: string[];
  patches: string[];
}

function parts(version: string): number[] {
  return version.split(".").map((p) => Number(p));
}

export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function minorOf(version: string): string {
  return version.split(".").slice(0, 2).join(".");
}

interface TemplateMinor {
  version: string;
  isDefault?: boolean;
  isPreview?: boolean;
  capabilities: { supportPlan: string[] };
  patchVersions: Record<string, { upgrades: string[] }>;
}

export const SIM_MINORS: readonly SimMinor[] = (versionsTemplate.values as unknown as TemplateMinor[])
  .map((v) => ({
    version: v.version,
    isDefault: v.isDefault === true,
    isPreview: v.isPreview === true,
    supportPlans: [...v.capabilities.supportPlan],
    patches: Object.keys(v.patchVersions).sort(compareVersions),
  }))
  .sort((a, b) => compareVersions(a.version, b.version));

const byMinor = new Map(SIM_MINORS.map((m) => [m.version, m]));

export function simMinor(minor: string): SimMinor | undefined {
  return byMinor.get(minor);
}

/**
 * Versions a cluster on `version` may move to: later patches of its minor and every patch of the
 * next minor (AKS does not skip minors). Preview targets are included and flagged by the caller.
 */
export function upgradesFrom(version: string, options: { includePreview: boolean } = { includePreview: true }): string[] {
  const minor = minorOf(version);
  const [major, min] = parts(minor);
  const next = `${major}.${(min ?? 0) + 1}`;
  const out: string[] = [];
  for (const m of [byMinor.get(minor), byMinor.get(next)]) {
    if (!m || (m.isPreview && !options.includePreview)) continue;
    for (const p of m.patches) if (compareVersions(p, version) > 0) out.push(p);
  }
  return out;
}

/** The `values` array of a listKubernetesVersions answer; `withoutPreview` models a region the preview has not reached. */
export function versionsValues(options: { withoutPreview: boolean }): unknown[] {
  const template = structuredClone(versionsTemplate.values) as unknown as TemplateMinor[];
  return template
    .filter((v) => !(options.withoutPreview && v.isPreview === true))
    .map((v) => {
      for (const [patch, entry] of Object.entries(v.patchVersions)) {
        // A preview minor is a dead end in the real list too: nothing newer to go to yet.
        entry.upgrades = v.isPreview ? [] : upgradesFrom(patch, { includePreview: !options.withoutPreview });
      }
      return v;
    });
}
