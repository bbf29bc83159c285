/**
 * Child-process entry: the stored-sweep stage (storedSweep.ts) in a fresh process, so its peak RSS
 * is the stored sweep's and the digest's, not what earlier stages left. Options arrive as JSON in
 * argv[2]; the figures go back over IPC.
 */
import { runStoredSweep, type StoredSweepFigures, type StoredSweepOptions } from "./storedSweep.js";

export type FromStoredProcess = { type: "result"; figures: StoredSweepFigures } | { type: "error"; message: string };

async function main(): Promise<void> {
  if (!process.send) throw new Error("storedProcess.js is started by the bench with an IPC channel (child_process.fork)");
  const figures = await runStoredSweep(JSON.parse(process.argv[2] ?? "{}") as StoredSweepOptions);
  await new Promise<void>((resolve) => process.send!({ type: "result", figures } satisfies FromStoredProcess, () => resolve()));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.send?.({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies FromStoredProcess);
    setTimeout(() => process.exit(1), 100);
  },
);
