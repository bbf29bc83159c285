/**
 * Child-process entry: one fleet size in a fresh process, so its memory peak is its own sweep's
 * and not the previous size's storage or digest (childStage.ts).
 */
import { serveInChild } from "./childStage.js";
import { runFleetBench, type FleetBenchOptions } from "./core.js";

serveInChild("sizeProcess.js", (options: Omit<FleetBenchOptions, "log">) => runFleetBench({ ...options, log: (line) => console.error(`  ${line}`) }));
