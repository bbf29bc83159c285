import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalTables, type LocalTables } from "../../src/local/azurite.js";
import { createTableLease } from "../../src/store/lease.js";

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

  it("can be taken over once the holder's lease has expired", async () => {
    let clock = Date.parse("2026-11-24T06:00:00Z");
    const lease = createTableLease(table, "expiry", { ttlMs: 60_000, now: () => new Date(clock) });
    expect((await lease.tryAcquire("crashed")).acquired).toBe(true);
    clock += 30_000;
    const blocked = await lease.tryAcquire("early");
    expect(blocked).toMatchObject({ acquired: false, heldBy: "crashed" });
    clock += 60_000;
    expect((await lease.tryAcquire("later")).acquired).toBe(true);
    expect((await lease.read())?.holder).toBe("later");
  });

  it("creates its table when it does not exist yet", async () => {
    const fresh = TableClient.fromConnectionString(tables.connectionString, "leasefresh", { allowInsecureConnection: true });
    const lease = createTableLease(fresh, "sweep");
    expect((await lease.tryAcquire("first")).acquired).toBe(true);
  });

  it("refuses lease names that cannot be Table keys", () => {
    expect(() => createTableLease(table, "a/b")).toThrow(RangeError);
  });
});
