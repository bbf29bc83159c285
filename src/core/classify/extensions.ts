/**
 * Cluster extensions: supported through their own resource provider, judged against their own releases.
 */
import type { ExtensionEntry } from "../../catalog/schema.js";
import type { Integration } from "../report.js";
import type { ExtensionRecord } from "../types.js";
import { compareMinor, compareVersions, driftAgainst, newestVersion, parseVersion, type Version } from "../versions.js";
import { type Ctx, Finding, eqi, when } from "./shared.js";
import { type ClusterSupport, formatMinor, PREVIEW_NO_NOTICE } from "./kubernetes.js";
import { applyLts, forcedUpgrade, onPreviewCluster } from "./addons.js";

// ---------------------------------------------------------------- extensions

export function classifyExtension(ext: ExtensionRecord, support: ClusterSupport, ctx: Ctx): Integration {
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
  const previewTrain = isPreviewTrain(ext.releaseTrain);
  if (entry.stage === "preview") f.reason(`${name} is in preview: best-effort support only.`);
  if (previewTrain) {
    if (f.stage === "ga") f.stage = "preview";
    f.raise("info");
    f.reason(`The extension follows the ${ext.releaseTrain} release train, a preview: best-effort support only.`);
  }
  if (entry.stage === "preview" || previewTrain) f.reason(PREVIEW_NO_NOTICE, 0);
  onPreviewCluster(f, name, support);
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
    if (ext.autoUpgradeMinorVersion === false && (f.drift === "minor-behind" || f.drift === "patch-behind")) {
      // Nothing will move it: the gap stays until someone upgrades by hand.
      f.reason(`Auto-upgrade is off and ${current.raw} is behind ${known.raw}: it stays behind, missing fixes, until it is upgraded by hand.`);
      f.raise("warning");
    }
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
  if (entry.followsClusterMinor && f.stage !== "retired") forcedUpgrade(f, null, type, support, ctx, entry.stage === "preview" || previewTrain, "extension");
  for (const change of ctx.catalog.changes) {
    const a = change.appliesTo;
    if (a.target !== "extension" || !eqi(a.name, type) || a.introducedIn || !change.date) continue;
    f.deadline(change.date, change.kind, change.source);
    f.reason(`${change.subject} on ${when(ctx, change.date)}.`, change.date < ctx.asOf ? 2 : 1);
  }
  if (support.outOfSupport) {
    f.drift = "out-of-support";
    f.reason(`Kubernetes ${support.minor} is out of support; extensions are not supported on it${support.platform ? " (platform support covers the Azure platform only)" : ""}.`, 2);
  }
  if (f.stage === "retired") f.drift = "out-of-support";
  return f.build();
}

/** `Preview` and `dev` trains (any case) carry pre-release builds; `Stable` is the default. */
export function isPreviewTrain(train: string | null): boolean {
  return eqi(train, "preview") || eqi(train, "dev");
}

/** The newest `count` minor release lines among the known versions, newest first. */
export function supportedLines(entry: ExtensionEntry, count: number): Version[] {
  const lines: Version[] = [];
  const versions = entry.knownVersions.map((k) => parseVersion(k.version)).filter((x): x is Version => x !== null).sort((a, b) => compareVersions(b, a));
  for (const v of versions) {
    if (!lines.some((l) => compareMinor(l, v) === 0)) lines.push(v);
  }
  return lines.slice(0, count);
}
