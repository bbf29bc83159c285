/**
 * Child-process entry: runs the bench's simulator pair (simulator.ts) apart from the sweep, so the
 * sweep process's RSS and CPU are the auditor's alone. Options arrive as JSON in argv[2]; the
 * endpoints and CA go back over IPC, which then answers stats / reset / close requests.
 */
import type { BenchSimulatorOptions, FromSimulator, ToSimulator } from "./simulator.js";
import { startSimulatorPair } from "./simulatorPair.js";

function send(message: FromSimulator): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (!process.send) throw new Error("simulatorProcess.js is started by the bench with an IPC channel (child_process.fork)");
  const options = JSON.parse(process.argv[2] ?? "{}") as BenchSimulatorOptions;
  const pair = await startSimulatorPair(options);
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => (closing ??= pair.close());
  process.on("message", (raw) => {
    const message = raw as ToSimulator;
    if (message.type === "stats") send({ type: "stats", id: message.id, stats: pair.measured.stats });
    else if (message.type === "reset") {
      pair.measured.resetStats();
      send({ type: "done", id: message.id });
    } else if (message.type === "close") {
      void close().then(() => {
        send({ type: "done", id: message.id });
        process.disconnect();
      });
    }
  });
  // The bench going away (even by a crash) must not leave a simulator listening.
  process.on("disconnect", () => {
    void close().finally(() => process.exit(0));
  });
  console.error(`bench simulator: ${options.clusters} clusters on ${pair.ready.endpoint} (unthrottled copy on ${pair.ready.fastEndpoint})`);
  send({ type: "ready", ready: pair.ready });
}

main().catch((error: unknown) => {
  send({ type: "error", message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
