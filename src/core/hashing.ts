/**
 * The hashes stored history is checked with, kept pure so that the store (which writes them) and
 * the offline evidence check (which recomputes them from a bundle) share one definition. An
 * auditor's own script needs exactly these rules; docs/storage-design.md spells them out.
 */
import { createHash } from "node:crypto";
import type { IsoDate } from "./types.js";

/**
 * JSON with object keys sorted and `undefined` members dropped, so equal reports hash equally
 * whatever order their properties were built in. Arrays keep their order: it is meaningful.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  if (typeof value === "number" && !Number.isFinite(value)) throw new RangeError(`cannot hash a non-finite number: ${value}`);
  return value;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export interface LinkFields {
  seq: number;
  runId: string;
  asOf: IsoDate;
  contentHash: string;
  previousChainHash: string;
}

export function chainHash(link: LinkFields): string {
  return sha256Hex(
    canonicalJson({ seq: link.seq, runId: link.runId, asOf: link.asOf, contentHash: link.contentHash, previousChainHash: link.previousChainHash }),
  );
}

/** One line of a run's pairs: `<cluster key>\t<chain hash>\n`; lines go in ascending key order. */
export function rootPairLine(clusterKey: string, linkChainHash: string): string {
  return `${clusterKey}\t${linkChainHash}\n`;
}

/** Hashes a run's pair lines incrementally, so a fleet's pairs never need to be held at once. */
export function createPairsHasher(): { add(clusterKey: string, linkChainHash: string): void; count(): number; digest(): string } {
  const hash = createHash("sha256");
  let count = 0;
  let last: string | null = null;
  return {
    add(clusterKey, linkChainHash) {
      if (last !== null && clusterKey <= last) throw new RangeError(`run root pairs must come in ascending key order: ${clusterKey} after ${last}`);
      last = clusterKey;
      count += 1;
      hash.update(rootPairLine(clusterKey, linkChainHash), "utf8");
    },
    count: () => count,
    digest: () => hash.digest("hex"),
  };
}

export interface RootFields {
  runId: string;
  asOf: IsoDate;
  clusters: number;
  pairsHash: string;
  previousRoot: string;
}

/** A run's root: SHA-256 of the canonical JSON of its identity, its pairs' hash and the previous fleet run's root. */
export function rootHash(fields: RootFields): string {
  return sha256Hex(
    canonicalJson({ runId: fields.runId, asOf: fields.asOf, clusters: fields.clusters, pairsHash: fields.pairsHash, previousRoot: fields.previousRoot }),
  );
}
