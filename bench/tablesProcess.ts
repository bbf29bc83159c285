/** Child-process entry: Azurite behind the latency proxy (benchTables.ts); latency in argv[2]. */
import { startInProcess, type FromTables, type ToTables } from "./benchTables.js";

function send(message: FromTables): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (!process.send) throw new Error("tablesProcess.js is started by the bench with an IPC channel (child_process.fork)");
  const tables = await startInProcess(Number(process.argv[2] ?? "5"));
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => (closing ??= tables.close());
  process.on("message", (raw) => {
    const message = raw as ToTables;
    if (message.type === "requests") void tables.requests().then((requests) => send({ type: "requests", id: message.id, requests }));
    else if (message.type === "close") void close().then(() => send({ type: "done", id: message.id }));
  });
  // The bench going away (even by a crash) must not leave Azurite listening.
  process.on("disconnect", () => {
    void close().finally(() => process.exit(0));
  });
  send({ type: "ready", connectionString: tables.connectionString });
}

main().catch((error: unknown) => {
  send({ type: "error", message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
