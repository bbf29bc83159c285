import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalTables, type LocalTables } from "../../src/local/azurite.js";
import { createTableLease } from "../../src/store/lease.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let tables: LocalTables;
let table: TableClient;

beforeAll(async () => {
  tables = await startLocalTables({ inMemory: true });
  table = TableClient.fromConnectionString(tables.connectionString, "leasetest", { allowInsecureConnection: true });
  await table.createTable();
});
afterAll(async () => {
  await tables?.close();
});

describe("table lease", () => {
  it("lets exactly one of two concurrent holders in and records the other as skipped", async () => {
    const lease = createTableLease(table, "race");
    const [a, b] = await Promise.all([lease.tryAcquire("run-a"), lease.tryAcquire("run-b")]);
    expect([a.acquired, b.acquired].sort()).toEqual([false, true]);
    const state = await lease.read();
    expect(state?.holder).toBe(a.acquired ? "run-a" : "run-b");
    expect(state?.skipped).toBe(1);
    expect(state?.lastSkippedBy).toBe(a.acquired ? "run-b" : "run-a");
  });

  it("is free again after release, and release by a non-holder changes nothing", async () => {
    const lease = createTableLease(table, "release");
    expect((await lease.tryAcquire("one")).acquired).toBe(true);
    await lease.release("someone-else");
    expect((await lease.read())?.holder).toBe("one");
    await lease.release("one");
    expect((await lease.read())?.holder).toBeNull();
    expect((await lease.tryAcquire("two")).acquired).toBe(true);
  });

  it("expiry is judged on the table's clock: a host clock hours ahead cannot take a live lease", async () => {
    const holder = createTableLease(table, "skewed", { ttlMs: 60_000 });
    expect((await holder.tryAcquire("on-time")).acquired).toBe(true);
    const ahead = createTableLease(table, "skewed", { ttlMs: 60_000, now: () => new Date(Date.now() + 3 * 3_600_000) });
    expect(await ahead.tryAcquire("clock-ahead")).toMatchObject({ acquired: false, heldBy: "on-time" });
  });

  it("a lease nobody renews runs out on the table's clock, however often others knock", async () => {
    // The holder's clock says the lease is hours old: irrelevant, only the table's Timestamp counts.
    const crashed = createTableLease(table, "expiry", { ttlMs: 1500, now: () => new Date(Date.now() - 3 * 3_600_000) });
    expect((await crashed.tryAcquire("crashed")).acquired).toBe(true);
    const other = createTableLease(table, "expiry", { ttlMs: 1500 });
    expect(await other.tryAcquire("early")).toMatchObject({ acquired: false, heldBy: "crashed" });
    await sleep(900);
    // Skipped attempts are counted apart from the lease, so knocking does not keep a dead holder alive.
    expect((await other.tryAcquire("early")).acquired).toBe(false);
    await sleep(1800);
    expect(await other.tryAcquire("later")).toEqual({ acquired: true, reentered: false });
    expect(await other.read()).toMatchObject({ holder: "later", skipped: 2, lastSkippedBy: "early" });
    expect(await crashed.renew("crashed")).toBe(false);
  });

  it("a renewed lease outlives its TTL", async () => {
    const lease = createTableLease(table, "renewed", { ttlMs: 1500 });
    expect((await lease.tryAcquire("worker")).acquired).toBe(true);
    for (let i = 0; i < 5; i++) {
      await sleep(600);
      expect(await lease.renew("worker")).toBe(true);
    }
    expect(await lease.tryAcquire("intruder")).toMatchObject({ acquired: false, heldBy: "worker" });
  });

  it("a retried attempt re-enters its own run's lease; another run still waits", async () => {
    const lease = createTableLease(table, "retry", { ttlMs: 60_000, reenterAfterMs: 1500 });
    expect((await lease.tryAcquire("run-1")).acquired).toBe(true);
    // The same run again, not said to be a retry, while the first attempt may still be renewing: skipped.
    expect((await lease.tryAcquire("run-1")).acquired).toBe(false);
    // The host's retry: the earlier attempt has ended, so it re-enters at once.
    expect(await lease.tryAcquire("run-1", { retry: true })).toEqual({ acquired: true, reentered: true });
    expect((await lease.tryAcquire("run-2", { retry: true })).acquired).toBe(false);
    // Without the host's word, once the earlier attempt has stopped renewing.
    await sleep(2600);
    expect(await lease.tryAcquire("run-1")).toEqual({ acquired: true, reentered: true });
    expect((await lease.tryAcquire("run-2")).acquired).toBe(false);
  });

  it("creates its table when it does not exist yet", async () => {
    const fresh = TableClient.fromConnectionString(tables.connectionString, "leasefresh", { allowInsecureConnection: true });
    const lease = createTableLease(fresh, "sweep");
    expect((await lease.tryAcquire("first")).acquired).toBe(true);
  });

  it("refuses lease names that cannot be Table keys", () => {
    expect(() => createTableLease(table, "a/b")).toThrow(RangeError);
    // A dot is kept for the skip-count rows, so no lease can collide with one.
    expect(() => createTableLease(table, "sweep.skips")).toThrow(RangeError);
  });
});
