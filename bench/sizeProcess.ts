/**
 * Child-process entry: one fleet size in a fresh process, so its memory peak is its own sweep's
 * and not the previous size's storage or digest. Options arrive as JSON in argv[2]; the result
 * goes back over IPC.
 */
import { runFleetBench, type BenchResult, type FleetBenchOptions } from "./core.js";

export type FromSizeProcess = { type: "result"; result: BenchResult } | { type: "error"; message: string };

async function main(): Promise<void> {
  if (!process.send) throw new Error("sizeProcess.js is started by bench/run.js with an IPC channel (child_process.fork)");
  const options = JSON.parse(process.argv[2] ?? "{}") as Omit<FleetBenchOptions, "log">;
  const result = await runFleetBench({ ...options, log: (line) => console.error(`  ${line}`) });
  await new Promise<void>((resolve) => process.send!({ type: "result", result } satisfies FromSizeProcess, () => resolve()));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.send?.({ type: "error", message } satisfies FromSizeProcess);
    process.exitCode = 1;
    // Let the IPC message leave before exiting.
    setTimeout(() => process.exit(1), 100);
  },
);
