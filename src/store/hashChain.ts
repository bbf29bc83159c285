/**
 * Tamper evidence for stored snapshots. Pure: hashing and checking, no I/O.
 *
 * Each cluster's snapshots form a chain in the order they were appended (`seq` 1, 2, …):
 * - contentHash   = SHA-256 of the canonical JSON of the cluster report (what the port exposes);
 * - previousHash  = contentHash of the previous link ("" for the first);
 * - chainHash     = SHA-256 over (seq, runId, asOf, contentHash, previousChainHash), so editing a
 *   link's run, date or position, or removing a link, breaks every later link and the head.
 * The head entity remembers the last link and the "floor" (first link kept after a purge).
 */
import { createHash } from "node:crypto";
import type { IsoDate } from "../core/types.js";

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

/** One stored link as read back, with the hash recomputed from its payload (null when unreadable). */
export interface StoredLink extends LinkFields {
  previousHash: string;
  chainHash: string;
  /** SHA-256 of the payload as stored now; null when the payload is missing or incomplete. */
  payloadHash: string | null;
  payloadProblem?: string;
}

/** What the head says about the chain. */
export interface ChainHead {
  seq: number;
  lastContentHash: string;
  lastChainHash: string;
  /** First seq still stored (1 until a purge). */
  floorSeq: number;
  /** Hashes of the link just below the floor ("" until a purge). */
  floorPreviousHash: string;
  floorPreviousChainHash: string;
}

export interface BrokenLink {
  runId: string;
  asOf: IsoDate;
  reason: string;
}

/**
 * Checks a cluster's links (any order) against each other and the head; returns the first broken
 * link in chain order, or null. Links below the head's floor are awaiting purge and are skipped.
 */
export function findBrokenLink(links: readonly StoredLink[], head: ChainHead | null): BrokenLink | null {
  const sorted = [...links].sort((a, b) => a.seq - b.seq);
  if (head === null) {
    const first = sorted[0];
    return first ? { runId: first.runId, asOf: first.asOf, reason: "snapshots exist but the chain head is missing" } : null;
  }
  const kept = sorted.filter((l) => l.seq >= head.floorSeq);
  let expectedSeq = head.floorSeq;
  let previousHash = head.floorPreviousHash;
  let previousChainHash = head.floorPreviousChainHash;
  for (const link of kept) {
    const at = { runId: link.runId, asOf: link.asOf };
    if (link.seq !== expectedSeq) {
      return link.seq === expectedSeq - 1
        ? { ...at, reason: `two links claim position ${link.seq}` }
        : { ...at, reason: `link ${expectedSeq} is missing (found ${link.seq} next)` };
    }
    if (link.payloadHash === null) return { ...at, reason: `payload unreadable: ${link.payloadProblem ?? "missing"}` };
    if (link.payloadHash !== link.contentHash) return { ...at, reason: "content does not match its contentHash (snapshot edited)" };
    if (link.previousHash !== previousHash) return { ...at, reason: "previousHash does not match the previous snapshot" };
    if (link.previousChainHash !== previousChainHash) return { ...at, reason: "previousChainHash does not match the previous link" };
    if (chainHash(link) !== link.chainHash) return { ...at, reason: "chainHash does not match the link's run, date, position or content" };
    expectedSeq += 1;
    previousHash = link.contentHash;
    previousChainHash = link.chainHash;
  }
  const last = kept[kept.length - 1];
  if (head.seq !== expectedSeq - 1) {
    const at = last ? { runId: last.runId, asOf: last.asOf } : { runId: "", asOf: "" };
    return { ...at, reason: `head says ${head.seq} links but the chain ends at ${expectedSeq - 1}` };
  }
  if (head.lastChainHash !== previousChainHash || head.lastContentHash !== previousHash) {
    const at = last ? { runId: last.runId, asOf: last.asOf } : { runId: "", asOf: "" };
    return { ...at, reason: "the head does not match the last snapshot" };
  }
  return null;
}
