/**
 * Child-process entry: the digest stage (digestStage.ts) in a fresh process, so its peak RSS is the
 * digest's alone. Options arrive as JSON in argv[2]; the figures go back over IPC.
 */
import { runDigestStage, type DigestStageOptions, type FromDigestProcess } from "./digestStage.js";

async function main(): Promise<void> {
  if (!process.send) throw new Error("digestProcess.js is started by the bench with an IPC channel (child_process.fork)");
  const figures = await runDigestStage(JSON.parse(process.argv[2] ?? "{}") as DigestStageOptions);
  await new Promise<void>((resolve) => process.send!({ type: "result", figures } satisfies FromDigestProcess, () => resolve()));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.send?.({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies FromDigestProcess);
    setTimeout(() => process.exit(1), 100);
  },
);
