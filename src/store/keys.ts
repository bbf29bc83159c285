/**
 * PartitionKey/RowKey encoding. Table keys forbid `/ \ # ?` and control characters and are limited
 * to 1 KiB; ARM ids are full of `/` and are case-insensitive. Pure helpers, no clock.
 *
 * Encoding of one key part: lower-case first (ARM ids only), then every character outside a small
 * safe printable-ASCII set becomes `:xx` (ASCII, two hex digits) or `:uxxxx` (anything else, one
 * UTF-16 unit). It is reversible, and the result is printable ASCII with no `|` or `~`, so:
 * - `|` can separate the parts of a composite key;
 * - every prefix range can be closed by bumping its last character (see prefixRange), since no
 *   key contains a character above `}`.
 */
import { createHash } from "node:crypto";
import { armIdKey, type IsoDate } from "../core/types.js";
import { isIsoDate } from "../core/dates.js";

export const SEPARATOR = "|";
const ESCAPE = ":";

/** Longest composite key we build, in UTF-16 units (1 KiB of UTF-16 is 512; stay under it). */
export const MAX_KEY_LENGTH = 512;
/** Budget for an encoded cluster id, leaving room for the prefixes and stems around it. */
export const MAX_CLUSTER_KEY_LENGTH = 400;
/** Run ids are ours (timestamps and a nonce); a short budget keeps snapshot row keys small. */
export const MAX_RUN_KEY_LENGTH = 80;

/** Printable ASCII that needs no escaping: everything from space to `}` except the listed ones. */
const UNSAFE = /[^ -}]|[/\\#?%:|'"]/g;

export function encodeKeyPart(value: string): string {
  return value.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x80 ? `${ESCAPE}${code.toString(16).padStart(2, "0")}` : `${ESCAPE}u${code.toString(16).padStart(4, "0")}`;
  });
}

export function decodeKeyPart(key: string): string {
  return key.replace(/:(u[0-9a-f]{4}|[0-9a-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex.startsWith("u") ? hex.slice(1) : hex, 16)),
  );
}

/** Thrown when a value cannot be a key (empty or too long); writes fail, queries find nothing. */
export class KeyError extends RangeError {
  constructor(what: string, value: string, reason: string) {
    super(`${what} cannot be stored as a table key (${reason}): ${JSON.stringify(value.slice(0, 120))}`);
    this.name = "KeyError";
  }
}

/**
 * Cluster ARM id → key, case-insensitively (Azure ids are). An ASCII ARM id always fits (under 300
 * characters encoded); a resource group named in Unicode letters (Azure allows up to 90, six key
 * characters each) can overflow, and refusing it would stop the whole sweep. Such an id keeps a
 * readable prefix and ends in `:z` + the SHA-256 of the whole id: still one stable key per cluster
 * (`:z` never occurs in an encoding), though not reversible; the id itself is stored beside it.
 */
export function clusterKey(clusterId: string): string {
  const id = armIdKey(clusterId);
  const key = encodeKeyPart(id);
  if (key.length === 0) throw new KeyError("cluster id", clusterId, "empty");
  if (key.length <= MAX_CLUSTER_KEY_LENGTH) return key;
  if (/^[\x00-\x7f]*$/.test(id)) throw new KeyError("cluster id", clusterId, `over ${MAX_CLUSTER_KEY_LENGTH} characters encoded`);
  const digest = createHash("sha256").update(id).digest("hex");
  return `${key.slice(0, MAX_CLUSTER_KEY_LENGTH - 2 - digest.length)}:z${digest}`;
}

/** Run id → key. Run ids keep their case: they are opaque tokens we mint, not ARM ids. */
export function runKey(runId: string): string {
  const key = encodeKeyPart(runId);
  if (key.length === 0) throw new KeyError("run id", runId, "empty");
  if (key.length > MAX_RUN_KEY_LENGTH) throw new KeyError("run id", runId, `over ${MAX_RUN_KEY_LENGTH} characters encoded`);
  return key;
}

/** Like clusterKey/runKey, but null instead of throwing: user input in a query simply matches nothing. */
export function tryKey(make: (value: string) => string, value: string): string | null {
  try {
    return make(value);
  } catch (error) {
    if (error instanceof KeyError) return null;
    throw error;
  }
}

export function joinKey(...parts: string[]): string {
  const key = parts.join(SEPARATOR);
  if (key.length > MAX_KEY_LENGTH) throw new KeyError("key", key, `over ${MAX_KEY_LENGTH} characters`);
  return key;
}

/**
 * Reverse date: `99999999 - yyyymmdd`, eight digits. Ascending key order is then newest date first,
 * which is the order every history query wants.
 */
export function reverseDate(date: IsoDate): string {
  if (!isIsoDate(date)) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return String(99_999_999 - Number(date.replaceAll("-", ""))).padStart(8, "0");
}

/** The reverse date of the day before `date`, i.e. the smallest reverse date of anything older. */
export function reverseDateBefore(date: IsoDate): string {
  return String(Number(reverseDate(date)) + 1).padStart(8, "0");
}

export function dateFromReverse(reversed: string): IsoDate {
  const ymd = String(99_999_999 - Number(reversed)).padStart(8, "0");
  return `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`;
}

/** Inverted milliseconds of an ISO instant, 13 digits: newest first within a day. */
export function invertedTimestamp(instant: string): string {
  const ms = Date.parse(instant);
  if (!Number.isFinite(ms) || ms < 0 || ms > 9_999_999_999_999) throw new RangeError(`not an ISO instant: ${JSON.stringify(instant)}`);
  return String(9_999_999_999_999 - ms).padStart(13, "0");
}

/**
 * A run's stem, shared by its listing row and every snapshot it writes:
 * `<reverse asOf>|<inverted startedAt>|<run key>`. It depends only on what beginRun stored, so a
 * retried run (even with a new startedAt) lands on the same keys.
 */
export function runStem(run: { runId: string; asOf: IsoDate; startedAt: string }): string {
  return joinKey(reverseDate(run.asOf), invertedTimestamp(run.startedAt), runKey(run.runId));
}

/** [low, high): every key that starts with `prefix`, and nothing else. */
export function prefixRange(prefix: string): { low: string; high: string } {
  if (prefix.length === 0) throw new RangeError("empty prefix");
  const last = prefix.charCodeAt(prefix.length - 1);
  return { low: prefix, high: prefix.slice(0, -1) + String.fromCharCode(last + 1) };
}

/** Row-key range, newest first, for items keyed `<prefix>|<reverse date>|…` with asOf in [from, to]. */
export function dateRange(prefix: string, from: IsoDate | undefined, to: IsoDate | undefined): { low: string; high: string } {
  const whole = prefixRange(prefix + SEPARATOR);
  const low = to === undefined ? whole.low : joinKey(prefix, reverseDate(to), "");
  const high = from === undefined ? whole.high : prefixRange(joinKey(prefix, reverseDate(from), "")).high;
  return { low, high };
}
