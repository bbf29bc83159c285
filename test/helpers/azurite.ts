/**
 * Azurite for integration tests: one in-process, in-memory Table server per test file (started in
 * beforeAll, closed in afterAll), and a fresh table prefix per test so tests never see each other's
 * rows and tables stay small (Azurite slows down as a table grows).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { startLocalTables, type LocalTables } from "../../src/local/azurite.js";

export interface AzuriteHandle {
  /** Valid once beforeAll has run, i.e. inside tests and hooks. */
  readonly connectionString: string;
  /** A new table prefix: letters and digits, unique in this process. */
  freshPrefix(): string;
}

let counter = 0;

export function useAzurite(): AzuriteHandle {
  let tables: LocalTables | null = null;
  beforeAll(async () => {
    tables = await startLocalTables({ inMemory: true });
  });
  afterAll(async () => {
    await tables?.close();
  });
  return {
    get connectionString(): string {
      if (!tables) throw new Error("useAzurite(): Azurite is not started yet; use the connection string inside a test or hook");
      return tables.connectionString;
    },
    freshPrefix: () => `t${randomBytes(3).toString("hex")}${(counter++).toString(36)}`,
  };
}
