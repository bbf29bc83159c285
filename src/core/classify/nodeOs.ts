/**
 * What a node pool really runs. Azure reports a generic `osSku` (`Ubuntu`, `AzureLinux`) whose
 * meaning depends on the pool's own Kubernetes minor, and a `nodeImageVersion` whose name carries
 * the OS release and the image's build date. The image name, when present, is the better witness.
 */
import { addDays, isIsoDate } from "../dates.js";
import type { AgentPool, IsoDate } from "../types.js";
import { compareMinor, parseVersion, type Version } from "../versions.js";
import { type Ctx, eqi } from "./shared.js";

export interface NodeOs {
  /** The node-OS key changes.json uses (`Ubuntu2204`, `AzureLinux2`, `Windows2019`); null when unknown. */
  key: string | null;
  /** How it was told, for a reason; null when the SKU already names the release. */
  how: string | null;
  /** Why the release stays unknown, when that is worth saying (a reason); absent otherwise. */
  unknown?: string;
}

const OS_LABELS: Record<string, string> = {
  Ubuntu1804: "Ubuntu 18.04",
  Ubuntu2004: "Ubuntu 20.04",
  Ubuntu2204: "Ubuntu 22.04",
  Ubuntu2404: "Ubuntu 24.04",
  AzureLinux2: "Azure Linux 2.0",
  AzureLinux3: "Azure Linux 3.0",
};

export function osLabel(key: string): string {
  return OS_LABELS[key] ?? key;
}

/** The OS release named by a node image (`AKSUbuntu-2204gen2containerd-…`, `AKSAzureLinux-V3gen2-…`). */
export function osFromImage(image: string | null): string | null {
  if (!image) return null;
  const ubuntu = /^AKSUbuntu-(\d{4})/i.exec(image);
  if (ubuntu) return `Ubuntu${ubuntu[1]}`;
  const azl = /^AKS(?:AzureLinux|CBLMariner)-V(\d)/i.exec(image);
  if (azl) return `AzureLinux${azl[1]}`;
  const win = /^AKSWindows-(\d{4})/i.exec(image);
  if (win) return `Windows${win[1]}`;
  return null;
}

/**
 * The build date inside a node image version: Linux images end in `YYYYMM.DD.n` (older ones
 * `YYYY.MM.DD`), Windows images in `.YYMMDD`. Null when the name carries no readable date.
 */
export function imageDate(image: string | null): IsoDate | null {
  if (!image) return null;
  const linux = /-(\d{4})(\d{2})\.(\d{2})\.\d+$/.exec(image) ?? /-(\d{4})\.(\d{2})\.(\d{2})$/.exec(image);
  const windows = /^AKSWindows-.*\.(\d{2})(\d{2})(\d{2})$/i.exec(image);
  const parts = linux ? [linux[1], linux[2], linux[3]] : windows ? [`20${windows[1]}`, windows[2], windows[3]] : null;
  if (!parts) return null;
  const date = parts.join("-");
  return isIsoDate(date) ? date : null;
}

/** Resolves the pool's OS: the image name first, then the SKU (a generic one by the pool's minor). */
export function resolveNodeOs(pool: AgentPool, poolVersion: Version | null, ctx: Ctx): NodeOs {
  const fromImage = osFromImage(pool.nodeImageVersion);
  if (fromImage) return { key: fromImage, how: `its node image ${pool.nodeImageVersion}` };
  const sku = pool.osSku?.trim() ?? "";
  if (sku === "") return eqi(pool.osType, "Windows") ? windowsDefault(pool, poolVersion, ctx) : { key: null, how: null };
  const rule = ctx.catalog.policy.osSkuByMinor.rules.find((r) => eqi(r.osSku, sku));
  if (!rule) return { key: sku, how: null };
  const from = parseVersion(rule.fromMinor);
  if (!poolVersion || !from) return { key: null, how: `osSku ${sku} without a readable pool version` };
  const after = compareMinor(poolVersion, from) >= 0;
  return {
    key: after ? rule.from : rule.before,
    how: `osSku ${sku} on Kubernetes ${poolVersion.major}.${poolVersion.minor} (${sku} means ${osLabel(rule.before)} below ${rule.fromMinor} and ${osLabel(rule.from)} from it)`,
  };
}

/**
 * A Windows pool without `osSku` (older API versions and some exports omit it) is taken to run the
 * default Windows release of its own minor, as a generic `Ubuntu` pool is: the API defaults the SKU
 * by version, and Microsoft's support article on Windows Gen2 pools says an upgrade to 1.25 or later
 * upgrades the OS. An assumption for pools created before the boundary; the node image, when
 * present, decides instead. Where the sources disagree the release is unknown.
 */
function windowsDefault(pool: AgentPool, poolVersion: Version | null, ctx: Ctx): NodeOs {
  const rule = ctx.catalog.policy.windowsOsDefault;
  if (!poolVersion) return { key: null, how: null };
  let band: { fromMinor: string; os: string | null } | null = null;
  for (const b of rule.bands) {
    const from = parseVersion(b.fromMinor);
    if (from && compareMinor(poolVersion, from) >= 0) band = b;
  }
  if (!band) return { key: null, how: null };
  const minor = `${poolVersion.major}.${poolVersion.minor}`;
  if (band.os === null) {
    return { key: null, how: null, unknown: `Node pool "${pool.name}" is a Windows pool without osSku on Kubernetes ${minor}, where the sources disagree on the default Windows release (${rule.source}); its node-OS retirements are not judged.` };
  }
  return { key: band.os, how: `no osSku on a Windows pool: ${band.os} is the default on Kubernetes ${minor} (${rule.source})` };
}

/** The day a node image leaves support (its build date plus the policy's age limit). */
export function imageSupportEnd(image: string | null, ctx: Ctx): { built: IsoDate; end: IsoDate } | null {
  const built = imageDate(image);
  return built ? { built, end: addDays(built, ctx.catalog.policy.nodeImageAge.maxDays) } : null;
}
