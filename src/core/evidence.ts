/**
 * The evidence bundle: one run's record, its report, each cluster's link for the run and the root
 * chain up to it, in one JSON file an auditor checks with no store and no network. Pure: the
 * format and its check live here, so `aks-audit verify --bundle` and an auditor's own script
 * (docs/storage-design.md, "Evidence bundle") follow the same rules, those of core/hashing.ts.
 */
import { armIdKey, type IsoDate } from "./types.js";
import { canonicalJson, chainHash, createPairsHasher, rootHash, sha256Hex } from "./hashing.js";
import type { RunRecord } from "./ports.js";
import { SCHEMA_VERSION, type AuditReport } from "./report.js";

export const BUNDLE_FORMAT = "aks-audit-evidence";
export const BUNDLE_VERSION = 1;

/** One cluster's link for the run: what its chain hash is computed from, and the hash itself. */
export interface BundleLink {
  clusterId: string;
  /** The store's key for the cluster; pair lines are `<clusterKey>\t<chainHash>\n` in ascending clusterKey order. */
  clusterKey: string;
  seq: number;
  runId: string;
  asOf: IsoDate;
  contentHash: string;
  previousHash: string;
  previousChainHash: string;
  chainHash: string;
}

/** One root of the chain: its fields and hash. */
export interface BundleRoot {
  runId: string;
  asOf: IsoDate;
  seq: number;
  clusters: number;
  pairsHash: string;
  previousRoot: string;
  hash: string;
}

export interface EvidenceBundle {
  format: typeof BUNDLE_FORMAT;
  formatVersion: typeof BUNDLE_VERSION;
  run: RunRecord;
  /** The run's report, schemaVersion 1, every cluster it stored. */
  report: AuditReport;
  /** One per cluster the run wrote, in ascending clusterKey order. */
  links: BundleLink[];
  /** Stored fleet roots in ascending seq, ending at the run's own (or, for a run outside the chain, at the root it follows). */
  rootChain: BundleRoot[];
}

/** A bundle that does not add up: where (a cluster id, or null for the run or the chain) and which field. */
export interface BundleBreak {
  clusterId: string | null;
  field: string;
  reason: string;
}

export type BundleCheck = { ok: true; clusters: number; root: string } | { ok: false; broken: BundleBreak[] };

/** Thrown when the text is not an evidence bundle at all (exit 2: unreadable, not broken). */
export class BundleFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BundleFormatError";
  }
}

/** Parses a bundle file's text; only its outer shape is checked here, everything else by verifyBundle. */
export function parseBundle(text: string): EvidenceBundle {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BundleFormatError(`not JSON: ${(error as Error).message}`);
  }
  const b = value as Partial<EvidenceBundle> | null;
  if (!b || typeof b !== "object" || b.format !== BUNDLE_FORMAT) throw new BundleFormatError(`not an evidence bundle (no "format": "${BUNDLE_FORMAT}")`);
  if (b.formatVersion !== BUNDLE_VERSION) throw new BundleFormatError(`bundle format version ${JSON.stringify(b.formatVersion)} is not ${BUNDLE_VERSION}`);
  const isObject = (v: unknown): boolean => v !== null && typeof v === "object" && !Array.isArray(v);
  if (!isObject(b.run) || !isObject(b.report) || !Array.isArray(b.links) || !Array.isArray(b.rootChain) || !Array.isArray(b.report?.clusters)) {
    throw new BundleFormatError("a bundle needs run, report (with clusters), links and rootChain");
  }
  return b as EvidenceBundle;
}

/** Every check an auditor's script makes; all breaks found, in the order the checks run. */
export function verifyBundle(bundle: EvidenceBundle): BundleCheck {
  const broken: BundleBreak[] = [];
  const fail = (clusterId: string | null, field: string, reason: string): void => {
    broken.push({ clusterId, field, reason });
  };
  const { run, report } = bundle;
  const root = run.root;

  // The report is the run's.
  if (report.schemaVersion !== SCHEMA_VERSION) fail(null, "report.schemaVersion", `is ${JSON.stringify(report.schemaVersion)}, not ${SCHEMA_VERSION}`);
  if (report.runId !== run.runId) fail(null, "report.runId", `names run ${JSON.stringify(report.runId)}, the bundle's run is ${run.runId}`);
  if (report.asOf !== run.asOf) fail(null, "report.asOf", `is ${JSON.stringify(report.asOf)}, the run's ${run.asOf}`);

  // Each cluster's report hashes to its link's contentHash, and each link recomputes.
  const linkById = new Map(bundle.links.map((l) => [armIdKey(String(l.clusterId)), l]));
  const reported = new Set<string>();
  for (const cluster of report.clusters) {
    const id = String(cluster?.id);
    reported.add(armIdKey(id));
    const link = linkById.get(armIdKey(id));
    if (!link) fail(id, "link", "the report has this cluster but the bundle has no link for it");
    else if (sha256Hex(canonicalJson(cluster)) !== link.contentHash) fail(id, "report.clusters[].contentHash", "the cluster's report does not hash to its link's contentHash (report edited)");
  }
  for (const link of bundle.links) {
    const id = String(link.clusterId);
    if (!reported.has(armIdKey(id))) fail(id, "link", "the bundle has a link for this cluster but the report does not have the cluster");
    if (link.runId !== run.runId) fail(id, "links[].runId", `names run ${JSON.stringify(link.runId)}`);
    if (link.asOf !== run.asOf) fail(id, "links[].asOf", `is ${JSON.stringify(link.asOf)}, the run's ${run.asOf}`);
    if (chainHash(link) !== link.chainHash) fail(id, "links[].chainHash", "does not recompute from the link's seq, runId, asOf, contentHash and previousChainHash");
  }

  // The run's root over the pairs, and the chain of roots it links into.
  if (!root) {
    fail(null, "run.root", "the run has no root (it never completed)");
    return { ok: false, broken };
  }
  const pairs = createPairsHasher();
  try {
    for (const link of bundle.links) pairs.add(String(link.clusterKey), String(link.chainHash));
    if (pairs.count() !== root.clusters) fail(null, "run.root.clusters", `the bundle has ${pairs.count()} links, the root counts ${root.clusters}`);
    else if (pairs.digest() !== root.pairsHash) fail(null, "run.root.pairsHash", "the links' (clusterKey, chainHash) pairs do not hash to the root's pairsHash");
  } catch (error) {
    fail(null, "links[].clusterKey", (error as Error).message);
  }
  if (rootHash({ runId: run.runId, asOf: run.asOf, ...root }) !== root.hash) fail(null, "run.root.hash", "does not recompute from the run's id, date, clusters, pairsHash and previousRoot");

  const chain = bundle.rootChain;
  chain.forEach((r, i) => {
    if (rootHash(r) !== r.hash) fail(null, `rootChain[${i}].hash`, `root ${r.seq} (run ${r.runId}) does not recompute from its fields`);
    const before = chain[i - 1];
    if (before && r.seq !== before.seq + 1) fail(null, `rootChain[${i}].seq`, `is ${r.seq} after ${before.seq}: a root is missing`);
    if (before && r.previousRoot !== before.hash) fail(null, `rootChain[${i}].previousRoot`, `root ${r.seq} does not name root ${before.seq}`);
  });
  const last = chain[chain.length - 1];
  if (root.seq > 0) {
    if (!last || last.hash !== root.hash || last.seq !== root.seq || last.runId !== run.runId) fail(null, "rootChain", "does not end at the run's own root");
  } else if ((last?.hash ?? "") !== root.previousRoot) {
    fail(null, "rootChain", "does not end at the root this run follows (its previousRoot)");
  }
  return broken.length === 0 ? { ok: true, clusters: bundle.links.length, root: root.hash } : { ok: false, broken };
}
