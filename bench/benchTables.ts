/**
 * Azurite and the latency proxy for the stored-sweep stage, in a child process (tablesProcess.ts)
 * so that the stored sweep's memory and CPU are the auditor's, not the emulator's (a real Table
 * service is remote too). The smoke test runs them in-process, as vitest cannot fork a .ts file.
 */
import { fork } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startLocalTables } from "../src/local/azurite.js";
import { startLatencyProxy } from "./latencyProxy.js";

export interface BenchTables {
  /** Azurite's connection string with the Table endpoint on the proxy. */
  connectionString: string;
  /** Table requests the proxy has forwarded so far. */
  requests(): Promise<number>;
  close(): Promise<void>;
}

export type ToTables = { type: "requests"; id: number } | { type: "close"; id: number };
export type FromTables = { type: "ready"; connectionString: string } | { type: "requests"; id: number; requests: number } | { type: "done"; id: number } | { type: "error"; message: string };

export async function startBenchTables(latencyMs: number, where: "child" | "in-process"): Promise<BenchTables> {
  return where === "child" ? startChild(latencyMs) : startInProcess(latencyMs);
}

export async function startInProcess(latencyMs: number): Promise<BenchTables> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "aks-audit-stored-"));
  const tables = await startLocalTables({ dataDir });
  const proxy = await startLatencyProxy(tables.connectionString, latencyMs);
  return {
    connectionString: proxy.connectionString,
    requests: async () => proxy.requests,
    close: async () => {
      await proxy.close();
      await tables.close();
      await rm(dataDir, { recursive: true, force: true });
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
  return {
    connectionString,
    requests: async () => {
      const answer = await ask("requests");
      return answer.type === "requests" ? answer.requests : 0;
    },
    close: async () => {
      await ask("close");
      child.disconnect();
    },
  };
}
