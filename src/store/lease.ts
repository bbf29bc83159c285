/**
 * A named lease in one Table entity, so only one sweep runs at a time across instances and retries.
 * Ownership changes only through ETag-conditional writes (create → 409, replace → 412 tell us someone
 * else won), and every lease expires, so a crashed holder frees it by itself. A caller that finds
 * the lease held records the attempt on the entity (count, who, when) and goes away.
 */
import type { TableClient, TableEntityResult } from "@azure/data-tables";

const PARTITION = "lease";
/** Longer than host.json's functionTimeout (30 min): a live sweep is never overtaken, a dead one frees it. */
export const DEFAULT_LEASE_TTL_MS = 35 * 60_000;

interface LeaseEntity {
  partitionKey: string;
  rowKey: string;
  /** "" when free. */
  holder: string;
  acquiredAt: string;
  expiresAt: string;
  skipped: number;
  lastSkippedBy: string;
  lastSkippedAt: string;
}

export interface LeaseState {
  holder: string | null;
  acquiredAt: string | null;
  expiresAt: string | null;
  /** How many attempts found the lease held and were skipped. */
  skipped: number;
  lastSkippedBy: string | null;
  lastSkippedAt: string | null;
}

export type AcquireResult = { acquired: true } | { acquired: false; heldBy: string; expiresAt: string };

export interface Lease {
  tryAcquire(holder: string): Promise<AcquireResult>;
  /** Frees the lease if `holder` still holds it; a no-op otherwise. */
  release(holder: string): Promise<void>;
  read(): Promise<LeaseState | null>;
}

export interface LeaseOptions {
  ttlMs?: number;
  now?: () => Date;
}

function statusOf(error: unknown): number | undefined {
  return typeof error === "object" && error !== null ? (error as { statusCode?: number }).statusCode : undefined;
}

/** Lease names become RowKeys: keep them to characters Table Storage allows in keys. */
function checkName(name: string): string {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name)) throw new RangeError(`lease name must be letters, digits, _ . -: ${JSON.stringify(name)}`);
  return name;
}

export function createTableLease(table: TableClient, name: string, options: LeaseOptions = {}): Lease {
  const rowKey = checkName(name);
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const now = options.now ?? (() => new Date());

  // The table may be shared with data created lazily elsewhere (the alert ledger): make sure it exists.
  // createTable treats "already exists" as success.
  let ready: Promise<void> | null = null;
  const ensureTable = (): Promise<void> => (ready ??= table.createTable().catch((error: unknown) => {
    ready = null;
    throw error;
  }));

  const get = async (): Promise<TableEntityResult<LeaseEntity> | null> => {
    await ensureTable();
    try {
      return await table.getEntity<LeaseEntity>(PARTITION, rowKey);
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  };

  const held = (entity: LeaseEntity, at: Date): boolean => entity.holder !== "" && Date.parse(entity.expiresAt) > at.getTime();

  const recordSkip = async (by: string): Promise<void> => {
    // A few attempts: concurrent skippers race on the counter, and a lost count is only a lost statistic.
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await get();
      if (!current) return;
      try {
        await table.updateEntity(
          { partitionKey: PARTITION, rowKey, skipped: (current.skipped ?? 0) + 1, lastSkippedBy: by, lastSkippedAt: now().toISOString() },
          "Merge",
          { etag: current.etag },
        );
        return;
      } catch (error) {
        if (statusOf(error) !== 412) throw error;
      }
    }
  };

  return {
    async tryAcquire(holder) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const at = now();
        const fresh = { holder, acquiredAt: at.toISOString(), expiresAt: new Date(at.getTime() + ttlMs).toISOString() };
        const current = await get();
        if (current && held(current, at)) {
          await recordSkip(holder);
          return { acquired: false, heldBy: current.holder, expiresAt: current.expiresAt };
        }
        try {
          if (!current) {
            await table.createEntity<LeaseEntity>({ partitionKey: PARTITION, rowKey, ...fresh, skipped: 0, lastSkippedBy: "", lastSkippedAt: "" });
          } else {
            await table.updateEntity({ partitionKey: PARTITION, rowKey, ...fresh }, "Merge", { etag: current.etag });
          }
          return { acquired: true };
        } catch (error) {
          // Someone else created or took it between our read and write: read again and decide anew.
          const status = statusOf(error);
          if (status !== 409 && status !== 412) throw error;
        }
      }
      const current = await get();
      await recordSkip(holder);
      return { acquired: false, heldBy: current?.holder ?? "unknown", expiresAt: current?.expiresAt ?? "" };
    },

    async release(holder) {
      const current = await get();
      if (!current || current.holder !== holder) return;
      try {
        await table.updateEntity({ partitionKey: PARTITION, rowKey, holder: "", expiresAt: now().toISOString() }, "Merge", { etag: current.etag });
      } catch (error) {
        // 412: it expired and someone else took it; theirs now, nothing to release.
        if (statusOf(error) !== 412) throw error;
      }
    },

    async read() {
      const current = await get();
      if (!current) return null;
      return {
        holder: current.holder || null,
        acquiredAt: current.acquiredAt || null,
        expiresAt: current.expiresAt || null,
        skipped: current.skipped ?? 0,
        lastSkippedBy: current.lastSkippedBy || null,
        lastSkippedAt: current.lastSkippedAt || null,
      };
    },
  };
}
