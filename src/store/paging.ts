/**
 * Continuation tokens. A token is base64url of `{ v, r }` where `r` is the row key the next page
 * starts at (the Table continuation's NextRowKey, resolved to an item boundary so a snapshot split
 * over several entities is never cut between pages). Opaque to callers; clamped to the query's
 * range when used, so a forged token can only move within what the query could return anyway.
 */
import { MAX_PAGE_SIZE } from "../core/ports.js";

export function encodeContinuation(nextRowKey: string): string {
  return Buffer.from(JSON.stringify({ v: 1, r: nextRowKey }), "utf8").toString("base64url");
}

export class ContinuationTokenError extends RangeError {
  constructor() {
    super("invalid continuation token: pass back exactly the token a previous page returned");
    this.name = "ContinuationTokenError";
  }
}

export function decodeContinuation(token: string): string {
  try {
    if (!/^[A-Za-z0-9_-]{1,2800}$/.test(token)) throw new Error("shape");
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { v?: unknown; r?: unknown };
    if (parsed.v !== 1 || typeof parsed.r !== "string" || parsed.r.length === 0) throw new Error("content");
    return parsed.r;
  } catch {
    throw new ContinuationTokenError();
  }
}

export const DEFAULT_PAGE_SIZE = 50;
export { MAX_PAGE_SIZE };

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`page limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  return Math.min(limit, MAX_PAGE_SIZE);
}
