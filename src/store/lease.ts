/**
 * A named lease in one Table entity, so only one sweep runs at a time across instances and retries.
 * Ownership changes only through ETag-conditional writes (create → 409, replace → 412 tell us someone
 * else won).
 *
 * The lease is short and its holder renews it while it works (app/underLease.ts), so a crashed
 * holder frees it within minutes. Whether it has run out is judged on the table's own clock: the
 * entity's Timestamp (set by the service on the holder's last write) against the service's Date
 * header, so a host whose clock is off can neither steal a live lease nor wait out a dead one.
 * A retried occurrence of the same run (same holder) re-enters its own lease, instead of waiting
 * for it to run out: at once when the host says it is a retry, otherwise once the earlier attempt
 * has stopped renewing.
 *
 * Attempts that find the lease held are counted on a row of their own (`<name>.skips`): writing
 * them to the lease would move its Timestamp and keep a dead holder looking alive.
 */
import type { TableClient, TableEntityResult } from "@azure/data-tables";

const PARTITION = "lease";
/** Short: a crashed holder frees the lease within minutes. A live holder renews it (DEFAULT_RENEW_EVERY_MS). */
export const DEFAULT_LEASE_TTL_MS = 3 * 60_000;
/** Four renewals per lease period: a slow round trip or two never lets a live lease run out. */
export const DEFAULT_RENEW_EVERY_MS = 45_000;

interface LeaseEntity {
  partitionKey: string;
  rowKey: string;
  /** "" when free. */
  holder: string;
  /** The holder's TTL, so every reader judges expiry by the same period. */
  ttlMs: number;
  /** Informational (the holder's clock): when it was taken and last renewed. */
  acquiredAt: string;
  renewedAt: string;
}

interface SkipEntity {
  partitionKey: string;
  rowKey: string;
  skipped: number;
  lastSkippedBy: string;
  lastSkippedAt: string;
}

export interface LeaseState {
  holder: string | null;
  acquiredAt: string | null;
  /** When the lease runs out, on the table's clock (its last write + its TTL); null when free. */
  expiresAt: string | null;
  /** How many attempts found the lease held and were skipped. */
  skipped: number;
  lastSkippedBy: string | null;
  lastSkippedAt: string | null;
}

export type AcquireResult =
  | { acquired: true; /** True when this holder's earlier attempt left the lease behind and this one took it back. */ reentered: boolean }
  | { acquired: false; heldBy: string; expiresAt: string };

export interface Lease {
  /** The lease's name, for messages ("sweep"). */
  readonly name: string;
  /**
   * Takes the lease when it is free or has run out. `retry`: the caller is the host's retry of the
   * holder's own failed attempt, which has ended, so a lease that attempt left behind is re-entered.
   */
  tryAcquire(holder: string, options?: { retry?: boolean }): Promise<AcquireResult>;
  /** Extends the lease; false when `holder` no longer holds it (it ran out and someone else took it). */
  renew(holder: string): Promise<boolean>;
  /** Frees the lease if `holder` still holds it; a no-op otherwise. */
  release(holder: string): Promise<void>;
  read(): Promise<LeaseState | null>;
}

export interface LeaseOptions {
  ttlMs?: number;
  /** A holder's own retry re-enters once the lease has gone this long without a write (default: two renewals missed). */
  reenterAfterMs?: number;
  /** The holder's clock, for the informational acquiredAt / renewedAt / lastSkippedAt only. */
  now?: () => Date;
}

function statusOf(error: unknown): number | undefined {
  return typeof error === "object" && error !== null ? (error as { statusCode?: number }).statusCode : undefined;
}

/** Lease names become RowKeys: keep them to characters Table Storage allows in keys. */
function checkName(name: string): string {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(name)) throw new RangeError(`lease name must be letters, digits, _ -: ${JSON.stringify(name)}`);
  return name;
}

interface Read<T> {
  entity: TableEntityResult<T> | null;
  /** The service's time of this read (its Date header, whole seconds). */
  serverNow: number;
}

export function createTableLease(table: TableClient, name: string, options: LeaseOptions = {}): Lease {
  const rowKey = checkName(name);
  // A dot cannot appear in a lease name, so no lease's row can be another's skip row.
  const skipsKey = `${rowKey}.skips`;
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const reenterAfterMs = options.reenterAfterMs ?? Math.min(ttlMs, 2 * DEFAULT_RENEW_EVERY_MS);
  const now = options.now ?? (() => new Date());

  // The table may be shared with data created lazily elsewhere (the alert ledger): make sure it exists.
  // createTable treats "already exists" as success.
  let ready: Promise<void> | null = null;
  const ensureTable = (): Promise<void> => (ready ??= table.createTable().catch((error: unknown) => {
    ready = null;
    throw error;
  }));

  const get = async <T extends object>(key: string): Promise<Read<T>> => {
    await ensureTable();
    let date: string | undefined;
    const onResponse = (response: { headers: { get(name: string): string | undefined } }): void => {
      date = response.headers.get("date");
    };
    let entity: TableEntityResult<T> | null = null;
    try {
      entity = await table.getEntity<T>(PARTITION, key, { onResponse });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
    const serverNow = date === undefined ? Number.NaN : Date.parse(date);
    // Every service answer carries Date; without one, no lease is judged expired (never steal on a guess).
    return { entity, serverNow: Number.isFinite(serverNow) ? serverNow : Number.NEGATIVE_INFINITY };
  };

  /**
   * The service's time of the holder's last write. (Date headers are whole seconds, rounded down, so
   * a lease may look alive up to a second longer: the safe side.) The service always returns
   * Timestamp; the holder's own renewedAt is only a fallback.
   */
  const writtenAt = (entity: TableEntityResult<LeaseEntity>): number => {
    const at = Date.parse(String(entity.timestamp ?? entity.renewedAt ?? ""));
    return Number.isFinite(at) ? at : Number.NEGATIVE_INFINITY;
  };
  const ttlOf = (entity: LeaseEntity): number => (Number(entity.ttlMs) > 0 ? Number(entity.ttlMs) : ttlMs);
  const expiresAt = (entity: TableEntityResult<LeaseEntity>): number => writtenAt(entity) + ttlOf(entity);
  const isoOrEmpty = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : "");

  const recordSkip = async (by: string): Promise<void> => {
    // A few attempts: concurrent skippers race on the counter, and a lost count is only a lost statistic.
    for (let attempt = 0; attempt < 3; attempt++) {
      const { entity } = await get<SkipEntity>(skipsKey);
      const row = { partitionKey: PARTITION, rowKey: skipsKey, skipped: (entity?.skipped ?? 0) + 1, lastSkippedBy: by, lastSkippedAt: now().toISOString() };
      try {
        if (entity) await table.updateEntity(row, "Merge", { etag: entity.etag });
        else await table.createEntity<SkipEntity>(row);
        return;
      } catch (error) {
        const status = statusOf(error);
        if (status !== 412 && status !== 409) throw error;
      }
    }
  };

  return {
    name: rowKey,

    async tryAcquire(holder, acquireOptions = {}) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const { entity: current, serverNow } = await get<LeaseEntity>(rowKey);
        const taken = current !== null && current.holder !== "" && serverNow < expiresAt(current);
        const own = taken && current.holder === holder;
        // The same run's earlier attempt is over (the host retries only ended attempts) or stopped
        // renewing: this attempt carries on its run instead of waiting for the lease to run out.
        const reentered = own && (acquireOptions.retry === true || serverNow >= writtenAt(current) + reenterAfterMs);
        if (taken && !reentered) {
          await recordSkip(holder);
          return { acquired: false, heldBy: current.holder, expiresAt: isoOrEmpty(expiresAt(current)) };
        }
        const stamp = now().toISOString();
        const fresh = { holder, ttlMs, acquiredAt: stamp, renewedAt: stamp };
        try {
          if (!current) await table.createEntity<LeaseEntity>({ partitionKey: PARTITION, rowKey, ...fresh });
          else await table.updateEntity({ partitionKey: PARTITION, rowKey, ...fresh }, "Replace", { etag: current.etag });
          return { acquired: true, reentered };
        } catch (error) {
          // Someone else created or took it between our read and write: read again and decide anew.
          const status = statusOf(error);
          if (status !== 409 && status !== 412) throw error;
        }
      }
      const { entity } = await get<LeaseEntity>(rowKey);
      await recordSkip(holder);
      return { acquired: false, heldBy: entity?.holder || "unknown", expiresAt: entity ? isoOrEmpty(expiresAt(entity)) : "" };
    },

    async renew(holder) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const { entity: current } = await get<LeaseEntity>(rowKey);
        if (!current || current.holder !== holder) return false;
        try {
          // Any write moves the service's Timestamp: that is the renewal.
          await table.updateEntity({ partitionKey: PARTITION, rowKey, renewedAt: now().toISOString() }, "Merge", { etag: current.etag });
          return true;
        } catch (error) {
          if (statusOf(error) !== 412) throw error;
        }
      }
      return false;
    },

    async release(holder) {
      const { entity: current } = await get<LeaseEntity>(rowKey);
      if (!current || current.holder !== holder) return;
      try {
        await table.updateEntity({ partitionKey: PARTITION, rowKey, holder: "" }, "Merge", { etag: current.etag });
      } catch (error) {
        // 412: it expired and someone else took it; theirs now, nothing to release.
        if (statusOf(error) !== 412) throw error;
      }
    },

    async read() {
      const [{ entity: current }, { entity: skips }] = await Promise.all([get<LeaseEntity>(rowKey), get<SkipEntity>(skipsKey)]);
      if (!current && !skips) return null;
      return {
        holder: current?.holder || null,
        acquiredAt: current?.holder ? current.acquiredAt || null : null,
        expiresAt: current?.holder ? isoOrEmpty(expiresAt(current)) || null : null,
        skipped: skips?.skipped ?? 0,
        lastSkippedBy: skips?.lastSkippedBy || null,
        lastSkippedAt: skips?.lastSkippedAt || null,
      };
    },
  };
}
