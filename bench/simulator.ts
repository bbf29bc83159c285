/**
 * The bench's fleet simulator: two instances of the same fleet (same seed, same certificate).
 *
 * - `measured`: the Resource Graph quota, the ARM limits and the per-request latency under test.
 *   Only the timed stages (the sweep, the naive baseline) talk to it.
 * - `fast`: no quota, no latency. The untimed data pass (records for the classification timing,
 *   snapshots for storage, the report for the digest) reads it, so gathering data neither costs
 *   the run another quota floor nor disturbs the measured instance's counters.
 *
 * `npm run bench` runs the pair in a child process (simulatorProcess.ts) so the sweep process's
 * memory is the sweep's alone; the smoke test runs it in-process (vitest cannot fork a .ts file).
 * This module is the bench's side: options, the IPC protocol and a handle on either.
 */
import { fork, type ChildProcess } from "node:child_process";
import { DEFAULT_REGIONS } from "../src/local/simulator/fleet.js";
import type { SimulatorStats } from "../src/local/simulator/index.js";

export interface BenchSimulatorOptions {
  seed: number;
  clusters: number;
  subscriptions: number;
  regions: string[];
  latencyMs: number;
  /** Resource Graph quota per principal; null = unlimited (the smoke test). */
  quota: { requests: number; windowMs: number } | null;
  /** ARM read bucket per subscription. */
  armQuota: { capacity: number; refillPerSecond: number };
  asOf: string;
}

/** What the bench needs to know about the fleet, small enough to cross IPC. */
export interface FleetShape {
  clusters: number;
  extensions: number;
  /** Flux v1 configurations: the third Resource Graph query's rows. */
  sourceControlConfigurations: number;
  regions: string[];
  subscriptionIds: string[];
  /** Clusters per subscription, in subscription order (the naive baseline's list pages). */
  clustersPerSubscription: number[];
  /** Items per page of the ARM managedClusters list. */
  armPageSize: number;
}

export interface SimulatorReady {
  endpoint: string;
  fastEndpoint: string;
  ca: string;
  fleet: FleetShape;
}

export interface BenchSimulator extends SimulatorReady {
  /** Counters of the measured instance. */
  stats(): Promise<SimulatorStats>;
  resetStats(): Promise<void>;
  close(): Promise<void>;
}

/** The simulator's default; the naive baseline's request count depends on it. */
export const ARM_PAGE_SIZE = 100;

/** The simulator's default regions (twelve), passed explicitly so every fleet has at least eight. */
export const BENCH_REGIONS: string[] = [...DEFAULT_REGIONS];

/** Messages between the bench and simulatorProcess.ts. */
export type ToSimulator = { type: "stats"; id: number } | { type: "reset"; id: number } | { type: "close"; id: number };
export type FromSimulator =
  | { type: "ready"; ready: SimulatorReady }
  | { type: "stats"; id: number; stats: SimulatorStats }
  | { type: "done"; id: number }
  | { type: "error"; message: string };

export async function startBenchSimulator(options: BenchSimulatorOptions, where: "child" | "in-process"): Promise<BenchSimulator> {
  if (where === "in-process") {
    // Loaded only here: a sweep process with the simulator in a child never holds its code.
    const { startSimulatorPair } = await import("./simulatorPair.js");
    const pair = await startSimulatorPair(options);
    return {
      ...pair.ready,
      stats: async () => structuredClone(pair.measured.stats),
      resetStats: async () => pair.measured.resetStats(),
      close: () => pair.close(),
    };
  }
  return startChild(options);
}

async function startChild(options: BenchSimulatorOptions): Promise<BenchSimulator> {
  // Next to this file once compiled (dist/bench/simulatorProcess.js).
  const child = fork(new URL("./simulatorProcess.js", import.meta.url), [JSON.stringify(options)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiting = new Map<number, (message: FromSimulator) => void>();
  let nextId = 1;
  const ready = await new Promise<SimulatorReady>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`the simulator process exited before it was ready (code ${code})`));
    child.once("exit", onExit);
    child.on("message", (raw) => {
      const message = raw as FromSimulator;
      if (message.type === "ready") {
        child.off("exit", onExit);
        resolve(message.ready);
      } else if (message.type === "error") reject(new Error(`simulator process: ${message.message}`));
      else waiting.get(message.id)?.(message);
    });
  });
  const ask = (type: ToSimulator["type"]): Promise<FromSimulator> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, (message) => {
        waiting.delete(id);
        resolve(message);
      });
      child.send({ type, id } satisfies ToSimulator, (error) => {
        if (error) reject(error);
      });
    });
  return {
    ...ready,
    stats: async () => {
      const answer = await ask("stats");
      if (answer.type !== "stats") throw new Error(`simulator process answered ${answer.type} to a stats request`);
      return answer.stats;
    },
    resetStats: async () => {
      await ask("reset");
    },
    close: async () => {
      await ask("close");
      await waitForExit(child);
    },
  };
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}
