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
import type { IsoDate } from "../core/types.js";
import { chainHash, type LinkFields } from "../core/hashing.js";

export { canonicalJson, chainHash, sha256Hex, type LinkFields } from "../core/hashing.js";

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
  /** Set by purge when it moves the floor: the date of the last link it removed… */
  floorAsOf?: IsoDate;
  /** …and the retention limit it purged to (links dated before it go). */
  floorCutoff?: IsoDate;
}

export interface BrokenLink {
  runId: string;
  asOf: IsoDate;
  /** The link (position) where the chain broke; null when no position applies. */
  seq: number | null;
  /** What failed: a stored field (contentHash, previousHash, previousChainHash, chainHash, seq) or "head", "floor", "payload". */
  field: string;
  reason: string;
}

export interface ChainCheckOptions {
  /**
   * Today's retention limit (today − RETENTION_DAYS). A floor recording a later limit was not set
   * by a purge that has happened; omitted, that one comparison is skipped.
   */
  retentionLimit?: IsoDate;
}

/**
 * Checks a cluster's links (any order) against each other and the head; returns the first break in
 * chain order, or null. Nothing stored steers the check: a floor counts only where purge could have
 * set it (no link left below it, its own date older than the limit it recorded, that limit not in
 * the future, the first kept link not older than it), and a missing head link, a link after the
 * head or a gap in `seq` are breaks.
 */
export function findBrokenLink(links: readonly StoredLink[], head: ChainHead | null, options: ChainCheckOptions = {}): BrokenLink | null {
  const sorted = [...links].sort((a, b) => a.seq - b.seq);
  const at = (link: StoredLink | undefined): { runId: string; asOf: IsoDate; seq: number | null } =>
    link ? { runId: link.runId, asOf: link.asOf, seq: link.seq } : { runId: "", asOf: "", seq: null };
  if (head === null) {
    const first = sorted[0];
    return first ? { ...at(first), field: "head", reason: "snapshots exist but the chain head is missing" } : null;
  }
  const below = sorted.find((l) => l.seq < head.floorSeq);
  if (below) {
    return {
      ...at(below),
      field: "floor",
      reason: `link ${below.seq} remains below the floor (${head.floorSeq}); purge removes every link it passes, so the floor was raised over stored links (or a purge stopped before its deletes: purge again)`,
    };
  }
  const kept = sorted;
  const floorProblem = checkFloor(head, kept[0], options);
  if (floorProblem) return { ...at(kept[0]), seq: head.floorSeq, field: "floor", reason: floorProblem };

  let expectedSeq = head.floorSeq;
  let previousHash = head.floorPreviousHash;
  let previousChainHash = head.floorPreviousChainHash;
  for (const link of kept) {
    const here = at(link);
    if (link.seq !== expectedSeq) {
      return link.seq === expectedSeq - 1
        ? { ...here, field: "seq", reason: `two links claim position ${link.seq}` }
        : { ...here, field: "seq", reason: `link ${expectedSeq} is missing (found ${link.seq} next)` };
    }
    if (link.payloadHash === null) return { ...here, field: "payload", reason: `payload unreadable: ${link.payloadProblem ?? "missing"}` };
    if (link.payloadHash !== link.contentHash) return { ...here, field: "contentHash", reason: "content does not match its contentHash (snapshot edited)" };
    if (link.previousHash !== previousHash) return { ...here, field: "previousHash", reason: "previousHash does not match the previous snapshot" };
    if (link.previousChainHash !== previousChainHash) return { ...here, field: "previousChainHash", reason: "previousChainHash does not match the previous link" };
    if (chainHash(link) !== link.chainHash) return { ...here, field: "chainHash", reason: "chainHash does not match the link's run, date, position or content" };
    expectedSeq += 1;
    previousHash = link.contentHash;
    previousChainHash = link.chainHash;
  }
  const last = kept[kept.length - 1];
  const chainEnd = expectedSeq - 1;
  if (head.seq > chainEnd) {
    return { ...at(last), seq: head.seq, field: "head", reason: `the head names link ${head.seq} but the chain ends at ${chainEnd}: the head's link is missing` };
  }
  if (head.seq < chainEnd) {
    return { ...at(last), field: "head", reason: `link ${chainEnd} comes after the head (${head.seq})` };
  }
  if (head.lastChainHash !== previousChainHash || head.lastContentHash !== previousHash) {
    return { ...at(last), field: "head", reason: "the head does not match the last snapshot" };
  }
  return null;
}

/** Why the head's floor could not have been set by purge, or null when it could. */
function checkFloor(head: ChainHead, firstKept: StoredLink | undefined, options: ChainCheckOptions): string | null {
  if (head.floorSeq < 1) return `floor ${head.floorSeq} is not a position`;
  if (head.floorSeq === 1) {
    return head.floorPreviousHash === "" && head.floorPreviousChainHash === "" ? null : "the floor is at the first link but names hashes below it";
  }
  const { floorAsOf, floorCutoff } = head;
  if (!floorAsOf || !floorCutoff) return `the floor was raised to ${head.floorSeq} without the purge record (date and retention limit) purge keeps`;
  if (floorAsOf >= floorCutoff) return `the floor's own date ${floorAsOf} is not older than the retention limit ${floorCutoff} it records`;
  if (options.retentionLimit !== undefined && floorCutoff > options.retentionLimit) {
    return `the floor records a retention limit ${floorCutoff} later than today's (${options.retentionLimit})`;
  }
  if (firstKept && firstKept.asOf < floorCutoff) {
    return `the first kept link is dated ${firstKept.asOf}, before the retention limit ${floorCutoff} the floor records: purge would have removed it`;
  }
  return null;
}
