/**
 * Work under a lease, against a real table lease on Azurite: renewed while the work runs, a held
 * lease is a logged failure (never a success), and a failed release never hides the work's error.
 */
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaseHeldError, underLease, type LeaseLog } from "../../src/app/underLease.js";
import { startLocalTables, type LocalTables } from "../../src/local/azurite.js";
import { createTableLease, type Lease } from "../../src/store/lease.js";

let tables: LocalTables;
let table: TableClient;

beforeAll(async () => {
  tables = await startLocalTables({ inMemory: true });
  table = TableClient.fromConnectionString(tables.connectionString, "underlease", { allowInsecureConnection: true });
  await table.createTable();
});
afterAll(async () => {
  await tables?.close();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function recorder(): LeaseLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (m) => lines.push(`info: ${m}`), warn: (m) => lines.push(`warn: ${m}`), error: (m) => lines.push(`error: ${m}`) };
}

/** The real lease, except that giving it back fails (the table answered 503 at the end of the run). */
const failingRelease = (lease: Lease): Lease => ({
  name: lease.name,
  tryAcquire: (holder, options) => lease.tryAcquire(holder, options),
  renew: (holder) => lease.renew(holder),
  read: () => lease.read(),
  release: async () => {
    throw new Error("the table answered 503 Server Busy");
  },
});

describe("work under a lease", () => {
  it("is renewed while the work runs, past the lease's own TTL, and given back after", async () => {
    const lease = createTableLease(table, "long", { ttlMs: 1500 });
    const log = recorder();
    const result = await underLease(lease, "run-1", { what: "sweep run-1", log, renewEveryMs: 400 }, async () => {
      await sleep(2500);
      return await createTableLease(table, "long", { ttlMs: 1500 }).tryAcquire("run-2");
    });
    expect(result).toMatchObject({ acquired: false, heldBy: "run-1" });
    expect((await lease.read())?.holder).toBeNull();
    expect(log.lines.filter((l) => !l.startsWith("info:"))).toEqual([]);
  });

  it("finding the lease held is logged and fails; the work never runs", async () => {
    const lease = createTableLease(table, "held");
    expect((await lease.tryAcquire("other-run")).acquired).toBe(true);
    const log = recorder();
    let ran = false;
    const attempt = underLease(lease, "run-1", { what: "sweep run-1", log }, async () => {
      ran = true;
    });
    await expect(attempt).rejects.toBeInstanceOf(LeaseHeldError);
    await expect(attempt).rejects.toThrow(/^sweep run-1 skipped: other-run holds the held lease until \d{4}-/);
    expect(ran).toBe(false);
    expect(log.lines).toEqual([expect.stringMatching(/^error: sweep run-1 skipped: other-run holds/)]);
    expect(await lease.read()).toMatchObject({ holder: "other-run", skipped: 1, lastSkippedBy: "run-1" });
  });

  it("a failed release never hides the work's own error", async () => {
    const lease = failingRelease(createTableLease(table, "release-fails"));
    const log = recorder();
    await expect(
      underLease(lease, "run-1", { what: "sweep run-1", log }, async () => {
        throw new Error("sweep run-1 failed: Resource Graph answered 500");
      }),
    ).rejects.toThrow("sweep run-1 failed: Resource Graph answered 500");
    expect(log.lines).toEqual([expect.stringMatching(/^warn: sweep run-1: releasing the lease failed \(the table answered 503 Server Busy\); it runs out by itself$/)]);
  });

  it("a failed release after work that succeeded keeps the work's result and is logged", async () => {
    const lease = failingRelease(createTableLease(table, "release-fails-ok"));
    const log = recorder();
    expect(await underLease(lease, "run-1", { what: "digest", log }, async () => 42)).toBe(42);
    expect(log.lines).toEqual([expect.stringContaining("warn: digest: releasing the lease failed")]);
    // Not released: still held on the table's clock until it runs out.
    expect((await lease.read())?.holder).toBe("run-1");
  });
});
