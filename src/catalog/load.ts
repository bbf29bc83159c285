/**
 * Loads the catalog: the bundled data files, validated (validate.ts), optionally merged with an
 * override (a file path or an https URL) so facts can be corrected without a release. An invalid
 * override throws `CatalogError`; the caller decides to keep the bundled catalog.
 */
import { readFile } from "node:fs/promises";
import { checkPinnedDigest, fetchOverride, overrideLabel } from "./fetchOverride.js";
import { fileURLToPath } from "node:url";
import manifestJson from "./data/catalog.json" with { type: "json" };
import kubernetesJson from "./data/kubernetes.json" with { type: "json" };
import addonsJson from "./data/addons.json" with { type: "json" };
import featuresJson from "./data/features.json" with { type: "json" };
import addonVersionsJson from "./data/addon-versions.json" with { type: "json" };
import istioJson from "./data/istio.json" with { type: "json" };
import extensionsJson from "./data/extensions.json" with { type: "json" };
import openSourceJson from "./data/open-source.json" with { type: "json" };
import changesJson from "./data/changes.json" with { type: "json" };
import policyJson from "./data/policy.json" with { type: "json" };
import { ENTRY_SECTION_NAMES, ENTRY_SECTIONS, type Catalog, type EntrySection } from "./schema.js";
import { CatalogError, parseCatalogOverride, validateBundle, type CatalogOverride } from "./validate.js";

export { CatalogError, describeIssue, parseCatalogOverride, type CatalogIssue, type CatalogOverride } from "./validate.js";

// ---------------------------------------------------------------- bundled

const BUNDLED: { [K in EntrySection]: unknown } = {
  kubernetes: kubernetesJson,
  addons: addonsJson,
  features: featuresJson,
  addonVersions: addonVersionsJson,
  istioRevisions: istioJson,
  extensions: extensionsJson,
  openSource: openSourceJson,
  changes: changesJson,
};

let bundledCache: Catalog | null = null;

/** The catalog shipped with the auditor, validated. Throws `CatalogError` if the bundle itself is broken. */
export function loadBundledCatalog(): Catalog {
  bundledCache ??= validateBundle({ manifest: manifestJson, sections: BUNDLED, policy: policyJson });
  return structuredClone(bundledCache);
}

// ---------------------------------------------------------------- override

/** Override entries replace bundled entries with the same id and add the rest; policy facts replace by key. */
export function mergeCatalog(base: Catalog, override: CatalogOverride): Catalog {
  const merged = structuredClone(base);
  for (const section of ENTRY_SECTION_NAMES) {
    const extra = override.sections[section];
    if (!extra) continue;
    const idOf = ENTRY_SECTIONS[section].id as (e: unknown) => string;
    const list = merged[section] as unknown[];
    const index = new Map(list.map((e, i) => [idOf(e), i]));
    for (const entry of extra as unknown[]) {
      const at = index.get(idOf(entry));
      if (at === undefined) {
        index.set(idOf(entry), list.length);
        list.push(structuredClone(entry));
      } else list[at] = structuredClone(entry);
    }
  }
  Object.assign(merged.policy, structuredClone(override.policy));
  merged.version = override.version ?? `${base.version}+override`;
  if (override.checkedAt !== undefined) merged.checkedAt = override.checkedAt;
  return merged;
}

// ---------------------------------------------------------------- loading

export interface LoadCatalogOptions {
  /** A file path, a file: URL or an https URL of an override document. */
  override?: string;
  fetchImpl?: typeof fetch;
  /** Hex SHA-256 the override must have (CATALOG_OVERRIDE_SHA256). */
  sha256?: string | null;
}

const MAX_OVERRIDE_BYTES = 5 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 30_000;

/** The bundled catalog merged with the override, if any. An unusable override throws `CatalogError`. */
export async function loadCatalog(options: LoadCatalogOptions = {}): Promise<Catalog> {
  const bundled = loadBundledCatalog();
  const location = options.override?.trim();
  if (!location) return bundled;
  const { label, text } = await readOverride(location, options.fetchImpl ?? fetch);
  checkPinnedDigest(label, text, options.sha256);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CatalogError(`catalog ${label}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return mergeCatalog(bundled, parseCatalogOverride(parsed, label));
}

async function readOverride(location: string, fetchImpl: typeof fetch): Promise<{ label: string; text: string }> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !/^file:/i.test(location)) {
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      throw new CatalogError(`catalog override: not a valid URL`);
    }
    if (url.protocol !== "https:") throw new CatalogError(`catalog ${overrideLabel(url)}: only https URLs (or file paths) are accepted for an override`);
    return fetchOverride(url, { fetchImpl, maxBytes: MAX_OVERRIDE_BYTES, timeoutMs: FETCH_TIMEOUT_MS });
  }
  const path = /^file:/i.test(location) ? fileURLToPath(location) : location;
  try {
    const text = await readFile(path, "utf8");
    if (text.length > MAX_OVERRIDE_BYTES) throw new CatalogError(`catalog ${path}: larger than ${MAX_OVERRIDE_BYTES} bytes`);
    return { label: path, text };
  } catch (error) {
    if (error instanceof CatalogError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CatalogError(`catalog ${path}: cannot read the override file (${code ?? (error instanceof Error ? error.message : String(error))})`);
  }
}
