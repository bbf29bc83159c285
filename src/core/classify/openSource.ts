/**
 * Self-installed open-source software: outside AKS support; drift, upstream deadlines, conflicts with add-ons.
 */
import type { Integration } from "../report.js";
import type { ClusterRecord, ExtensionRecord, OpenSourceFind } from "../types.js";
import { driftAgainst, parseVersion } from "../versions.js";
import { type Ctx, Finding, eqi, when } from "./shared.js";
import { enabledAddons } from "./addons.js";

// ---------------------------------------------------------------- open source

export function classifyOpenSource(find: OpenSourceFind, cluster: ClusterRecord, extensions: readonly ExtensionRecord[], ctx: Ctx): Integration {
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

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
