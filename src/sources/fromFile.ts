/**
 * Offline input: an export instead of live Azure calls (`aks-audit audit --from-file FILE`).
 * Accepted, in one file or split over a cluster file and an extensions file:
 *   - `az graph query -q "<query>" -o json`: an object with `data` (or a bare array), rows either
 *     projected by CLUSTER_QUERY / EXTENSION_QUERY or whole resources with nested `properties`;
 *   - `az aks list -o json`: an array in the CLI's flattened shape.
 * Flux v1 `sourceControlConfigurations` rows (kubernetesconfigurationresources) may ride along in
 * either file; they are counted per cluster for the Flux v1 retirement.
 * Rows are told apart by `type`. A file that cannot be used throws a FleetFileError naming the
 * file and the item, e.g. `export.json: item 3: no "id"` (items counted from 0, as in `jq '.[3]'`).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { FleetSource } from "../core/ports.js";
import type { AuditScope, ClusterRecord, ExtensionRecord, ScopeError } from "../core/types.js";
import { clusterIdOfSourceControl, field, parseClusterRow, parseExtensionRow, rowKind } from "./parse.js";

export class FleetFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${path.basename(file)}: ${problem}`);
    this.name = "FleetFileError";
  }
}

export interface FleetFile {
  clusters: ClusterRecord[];
  extensions: ExtensionRecord[];
  /** Flux v1 configurations per lower-cased cluster id (rows of type sourceControlConfigurations). */
  fluxV1?: Map<string, number>;
  /** Things the reader noticed that do not make the file unusable (an incomplete export, skipped rows). */
  warnings: string[];
}

async function readItems(file: string, warnings: string[]): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new FleetFileError(file, code === "ENOENT" ? "file not found" : `cannot be read (${code ?? String(e)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new FleetFileError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (Array.isArray(json)) return json;
  if (json !== null && typeof json === "object") {
    const data = field(json, "data");
    if (Array.isArray(data)) {
      // `az graph query` stops at --first rows and prints a skip token when more exist.
      const token = field(json, "skip_token") ?? field(json, "skipToken") ?? field(json, "$skipToken");
      if (typeof token === "string" && token !== "") {
        warnings.push(`${path.basename(file)}: the export is incomplete (it ends with a skip token); export every page (--first 1000 --skip-token …) to audit the whole fleet`);
      }
      return data;
    }
    if (data !== undefined && data !== null && typeof data === "object") {
      throw new FleetFileError(file, '"data" is a table, not a row array; export with -o json and the default object-array format');
    }
  }
  throw new FleetFileError(file, 'expected a JSON array (az aks list -o json) or an object with a "data" array (az graph query -o json)');
}

function collect(file: string, items: unknown[], out: FleetFile, expect: "any" | "extensions"): void {
  let others = 0;
  items.forEach((item, index) => {
    const where = `item ${index}`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) throw new FleetFileError(file, `${where}: not a JSON object`);
    const id = field(item, "id");
    if (typeof id !== "string" || id.trim() === "") throw new FleetFileError(file, `${where}: no "id"`);
    const kind = rowKind(item);
    const configured = kind === "other" ? clusterIdOfSourceControl(item) : null;
    if (configured) {
      const counts = (out.fluxV1 ??= new Map());
      counts.set(configured.toLowerCase(), (counts.get(configured.toLowerCase()) ?? 0) + 1);
    } else if (kind === "extension") {
      const parsed = parseExtensionRow(item);
      if (!parsed.ok) throw new FleetFileError(file, `${where}: ${parsed.reason}`);
      out.extensions.push(parsed.value);
    } else if (kind === "cluster" && expect === "any") {
      const parsed = parseClusterRow(item);
      if (!parsed.ok) throw new FleetFileError(file, `${where}: ${parsed.reason}`);
      out.clusters.push(parsed.value);
    } else {
      others += 1;
    }
  });
  if (others > 0) {
    const what = expect === "extensions" ? "extensions" : "AKS clusters or extensions";
    if (others === items.length && items.length > 0) throw new FleetFileError(file, `no ${what} in the file (${others} other rows); check the query that made it`);
    out.warnings.push(`${path.basename(file)}: ${others} row(s) that are not ${what} were ignored`);
  }
}

/** Reads an export (and optionally a separate extensions export) into domain records. */
export async function readFleetFile(file: string, extensionsFile?: string): Promise<FleetFile> {
  const out: FleetFile = { clusters: [], extensions: [], warnings: [] };
  collect(file, await readItems(file, out.warnings), out, "any");
  if (extensionsFile) collect(extensionsFile, await readItems(extensionsFile, out.warnings), out, "extensions");
  if (out.clusters.length === 0 && out.extensions.length === 0) throw new FleetFileError(file, "the export is empty");
  // A file that lists Flux v1 configurations was looked at for them: its other clusters have none.
  if (out.fluxV1) for (const c of out.clusters) c.fluxV1Configurations = out.fluxV1.get(c.id.toLowerCase()) ?? 0;
  return out;
}

/**
 * A FleetSource over an export. The file is read (and validated) when this is called, so a bad
 * file stops the command before a run starts. A subscription scope filters the clusters; a
 * management-group scope cannot be resolved offline and is reported instead.
 */
export async function createFileFleetSource(file: string, extensionsFile?: string, pageSize = 1000): Promise<FleetSource & { readonly file: FleetFile }> {
  const data = await readFleetFile(file, extensionsFile);
  const inScope = (subscriptionId: string, scope: AuditScope): boolean =>
    scope.subscriptions.length === 0 || scope.subscriptions.some((s) => s.toLowerCase() === subscriptionId.toLowerCase());
  const subscriptionOf = (id: string): string => /\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? "";
  const noteLimits = (scope: AuditScope, errors: ScopeError[]): void => {
    for (const w of data.warnings) if (!errors.some((e) => e.message === w)) errors.push({ scope: `file:${path.basename(file)}`, message: w });
    if (scope.managementGroups.length > 0 && !errors.some((e) => e.scope === "managementGroups")) {
      errors.push({ scope: "managementGroups", message: "a file export carries no management-group membership; every cluster in the file was audited" });
    }
  };
  return {
    file: data,
    async *extensions(scope, errors) {
      noteLimits(scope, errors);
      for (const x of data.extensions) if (inScope(subscriptionOf(x.id), scope)) yield x;
    },
    async *clusterPages(scope, errors) {
      noteLimits(scope, errors);
      const clusters = data.clusters.filter((c) => inScope(c.subscriptionId, scope));
      for (let i = 0; i < clusters.length; i += pageSize) yield clusters.slice(i, i + pageSize);
    },
  };
}
