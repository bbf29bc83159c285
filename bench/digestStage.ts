/**
 * The weekly digest's stage: the stored run folded from the store a page at a time and rendered,
 * as the weekly job does it (app/notify.ts storedDigests). In the bench it runs in a process of its
 * own (digestProcess.ts) against the stored sweep's Azurite, so its peak RSS is the digest's and
 * not what the sweep left in the heap.
 */
import { storedDigests } from "../src/app/notify.js";
import { buildDigests } from "../src/core/digest.js";
import { createTableHistoryStore } from "../src/store/index.js";
import { runInChild } from "./childStage.js";
import { round, sampleMemory } from "./memory.js";

/** Plain data, so the stage can be handed to a child process. */
export interface DigestStageOptions {
  connectionString: string;
  tablePrefix: string;
  runId: string;
  windowDays: number;
  /**
   * "streamed": as the weekly job does it. "whole": the way it was done before 2026-12-03 (the run
   * read back whole with runReport, then buildDigests), measured beside it for comparison only.
   */
  mode: "streamed" | "whole";
}

export interface DigestStageFigures {
  digestPeakRssMB: number;
  digestSeconds: number;
  storedDigestMessages: number;
}

/** The digest's recipients in the bench: the platform list (whole fleet) and the owner-tagged teams. */
const RECIPIENTS = { defaults: ["platform-team@example.com"], bySubscription: {}, tagName: "owner" };

export async function runDigestStage(options: DigestStageOptions): Promise<DigestStageFigures> {
  const memory = sampleMemory(20);
  const started = performance.now();
  const store = await createTableHistoryStore({ connectionString: options.connectionString, tablePrefix: options.tablePrefix, allowInsecureConnection: true });
  try {
    const run = await store.getRun(options.runId);
    if (!run) throw new Error(`the digest stage found no run ${options.runId}`);
    // No run a week before: the changes section is empty, the rest is the full digest.
    const mails =
      options.mode === "streamed"
        ? (await storedDigests(store, run, null, { recipients: RECIPIENTS, windowDays: options.windowDays, catalogMaxAgeDays: 3650, consoleBase: null })).mails
        : buildDigests({ report: (await store.runReport(run.runId))!, recipients: RECIPIENTS, windowDays: options.windowDays });
    if (!mails.some((m) => m.to[0] === RECIPIENTS.defaults[0])) throw new Error("the digest stage rendered no whole-fleet digest");
    return { digestPeakRssMB: memory.stop().peakRssMB, digestSeconds: round((performance.now() - started) / 1000, 2), storedDigestMessages: mails.length };
  } finally {
    await store.close();
  }
}

/** The digest stage in a fresh process (digestProcess.ts), its figures back over IPC. */
export function digestStageInChild(options: DigestStageOptions): Promise<DigestStageFigures> {
  return runInChild(new URL("./digestProcess.js", import.meta.url), options, "digest");
}
