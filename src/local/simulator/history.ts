/**
 * The simulated fleet over time, for the demo's weekly history: week 0 is the fleet as generated,
 * and from each later week on some clusters have moved on. Each change is drawn once per cluster
 * (which change, and from which week), so week n's fleet is week n-1's plus that week's changes,
 * and history shows them between consecutive snapshots. Only values change, never how many
 * clusters or extension rows there are, so Resource Graph paging stays as the model computes it.
 */
import type { ClusterSpec } from "./fleet.js";
import { nextExtensionVersion } from "./fleet.js";
import { rng } from "./random.js";
import { simMinor } from "./versions.js";

const SALT_HISTORY = 43;
/** The demo spans eight weekly sweeps; changes land on weeks 1 to 7. */
export const HISTORY_WEEKS = 8;

export function clusterAtWeek(spec: ClusterSpec, seed: number, week: number): ClusterSpec {
  if (week <= 0) return spec;
  const r = rng(seed, spec.index, SALT_HISTORY);
  const upgradeWeek = r.chance(0.2) ? r.int(1, HISTORY_WEEKS - 1) : null;
  const addonWeek = r.chance(0.15) ? r.int(1, HISTORY_WEEKS - 1) : null;
  const addonRoll = r.next();
  const extensionWeek = r.chance(0.3) ? r.int(1, HISTORY_WEEKS - 1) : null;

  if (upgradeWeek !== null && week >= upgradeWeek) upgradeMinor(spec);
  if (addonWeek !== null && week >= addonWeek) toggleAddon(spec, addonRoll);
  if (extensionWeek !== null && week >= extensionWeek && spec.extensions.length > 0) {
    const extension = spec.extensions[0]!;
    const next = nextExtensionVersion(extension.extensionType, extension.currentVersion);
    if (next) {
      extension.currentVersion = next;
      if (extension.version !== null) extension.version = next;
    }
  }
  return spec;
}

/** To the newest patch of the next minor, control plane and pools together, as an upgrade leaves it. */
function upgradeMinor(spec: ClusterSpec): void {
  const [major, minor] = spec.currentKubernetesVersion.split(".").map(Number);
  const next = simMinor(`${major}.${(minor ?? 0) + 1}`);
  const patch = next?.patches[next.patches.length - 1];
  if (!patch) return;
  spec.kubernetesVersion = patch;
  spec.currentKubernetesVersion = patch;
  spec.provisioningState = "Succeeded";
  for (const pool of spec.pools) {
    pool.orchestratorVersion = patch;
    pool.currentOrchestratorVersion = patch;
  }
}

/** An add-on switched off (or on), or KEDA enabled where there are no add-ons to switch. */
function toggleAddon(spec: ClusterSpec, roll: number): void {
  const keys = Object.keys(spec.addons).sort();
  if (keys.length > 0) {
    const addon = spec.addons[keys[Math.floor(roll * keys.length)]!]!;
    addon.enabled = !addon.enabled;
    return;
  }
  spec.autoscaler = { keda: !(spec.autoscaler?.keda ?? false), vpa: spec.autoscaler?.vpa ?? false };
}
