/**
 * Azurite and the latency proxy for the stored-sweep stage, in a child process (tablesProcess.ts)
 * so that the stored sweep's memory and CPU are the auditor's, not the emulator's (a real Table
 * service is remote too). The smoke test runs them in-process, as vitest cannot fork a .ts file.
 */
import { fork } from "node:child_process";
import { startLocalTables } from "../src/local/azurite.js";
import { startLatencyProxy } from "./latencyProxy.js";

export interface BenchTables {
  /** Azurite's connection string with the Table endpoint on the proxy. */
  connectionString: string;
  /** Table requests the proxy has forwarded so far. */
  requests(): Promise<number>;
  close(): Promise<void>;
  /**
   * Rejects if Azurite's process ends before close (at 50,000 clusters it has died holding the
   * stored sweep's entities); never settles otherwise. A stage races its work against it, so a dead
   * Azurite ends the stage with that reason instead of leaving it retrying against a closed port.
   */
  died: Promise<never>;
}

export type ToTables = { type: "requests"; id: number } | { type: "close"; id: number };
export type FromTables = { type: "ready"; connectionString: string } | { type: "requests"; id: number; requests: number } | { type: "done"; id: number } | { type: "error"; message: string };

export async function startBenchTables(latencyMs: number, where: "child" | "in-process"): Promise<BenchTables> {
  return where === "child" ? startChild(latencyMs) : startInProcess(latencyMs);
}

export async function startInProcess(latencyMs: number): Promise<BenchTables> {
  // In memory: on disk, Azurite's LokiJS serialises its whole database every 5 s (autosave), a cost
  // that grows with what is stored and that Azure does not have; at 50,000 clusters that
  // serialisation killed Azurite's process (V8 fatal error, 2026-12-03).
  const tables = await startLocalTables({ inMemory: true });
  const proxy = await startLatencyProxy(tables.connectionString, latencyMs);
  return {
    connectionString: proxy.connectionString,
    died: new Promise<never>(() => undefined),
    requests: async () => proxy.requests,
    close: async () => {
      await proxy.close();
      await tables.close();
    },
  };
}

async function startChild(latencyMs: number): Promise<BenchTables> {
  // execArgv: [] so Node flags given to the measured process (a heap limit, --expose-gc) do not
  // reach Azurite, which keeps every entity in its own heap: a heap limit meant for the stored
  // sweep once ran Azurite out of memory and was read as the sweep's.
  const child = fork(new URL("./tablesProcess.js", import.meta.url), [String(latencyMs)], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let nextId = 0;
  const waiting = new Map<number, (message: FromTables) => void>();
  const ready = new Promise<string>((resolve, reject) => {
    child.on("message", (raw) => {
      const message = raw as FromTables;
      if (message.type === "ready") resolve(message.connectionString);
      else if (message.type === "error") reject(new Error(`bench tables: ${message.message}`));
      else waiting.get(message.id)?.(message);
    });
    child.on("exit", (code) => reject(new Error(`bench tables exited with code ${code}`)));
  });
  const ask = (type: ToTables["type"]): Promise<FromTables> =>
    new Promise((resolve) => {
      const id = ++nextId;
      waiting.set(id, resolve);
      child.send({ type, id } satisfies ToTables);
    });
  const connectionString = await ready;
  const started = performance.now();
  let closing = false;
  const died = new Promise<never>((_, reject) => {
    child.on("exit", (code, signal) => {
      if (closing) return;
      const reason = new Error(`Azurite's process ended ${Math.round((performance.now() - started) / 1000)} s into the stage (${signal ? `signal ${signal}` : `exit code ${code}`})`);
      for (const answer of waiting.values()) answer({ type: "error", message: reason.message });
      reject(reason);
    });
  });
  died.catch(() => undefined);
  return {
    connectionString,
    died,
    requests: async () => {
      const answer = await ask("requests");
      return answer.type === "requests" ? answer.requests : 0;
    },
    close: async () => {
      closing = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      await ask("close");
      child.disconnect();
    },
  };
}
