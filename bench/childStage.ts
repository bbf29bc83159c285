/**
 * A bench stage in a fresh process, so its peak RSS is its own: the parent forks the stage's entry
 * file with the options as JSON in argv[2], and the child answers once over IPC with the figures or
 * the error. Used for each fleet size (sizeProcess.ts), the stored sweep (storedProcess.ts) and the
 * digest (digestProcess.ts).
 */
import { fork } from "node:child_process";

type Answer<T> = { type: "result"; value: T } | { type: "error"; message: string };

/** Parent side: forks `entry`, resolves with the child's figures, rejects with its error (named by `label`). */
export function runInChild<T>(entry: URL, options: unknown, label: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(entry, [JSON.stringify(options)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let settled = false;
    child.on("message", (raw) => {
      const answer = raw as Answer<T>;
      settled = true;
      if (answer.type === "result") resolve(answer.value);
      else reject(new Error(`${label}: ${answer.message}`));
    });
    child.on("exit", (code) => {
      if (!settled) reject(new Error(`${label}: the process exited with code ${code} and no result`));
    });
  });
}

/** Child side: runs the stage on argv[2]'s options, sends its answer, and exits (1 on failure). */
export function serveInChild<O, T>(name: string, stage: (options: O) => Promise<T>): void {
  const main = async (): Promise<void> => {
    if (!process.send) throw new Error(`${name} is started by the bench with an IPC channel (child_process.fork)`);
    const value = await stage(JSON.parse(process.argv[2] ?? "{}") as O);
    await new Promise<void>((resolve) => process.send!({ type: "result", value } satisfies Answer<T>, () => resolve()));
  };
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.send?.({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Answer<T>);
      process.exitCode = 1;
      // Let the IPC message leave before exiting.
      setTimeout(() => process.exit(1), 100);
    },
  );
}
