/**
 * Figures for docs/reliability.md. A test measures what it lost and what it sent more than once, records the
 * measurement (before asserting it, so a failing run still reports the real number), and
 * scripts/reliability-report.mjs sums them per class. Outside the report script nothing is written.
 */
import { appendFileSync } from "node:fs";
import { expect } from "vitest";

export interface Figures {
  /** Clusters read (or snapshots written) that are missing or unreadable afterwards, plus broken chain links. */
  dataLost?: number;
  /** Every copy of a message the SendGrid fake accepted beyond the first, the allowed re-sends included. */
  duplicateEmails?: number;
  /** Of those, the single re-send the design allows for a message whose acceptance was never recorded. */
  allowedResends?: number;
  /** Two senders racing over the same pending set: trials run, messages sent, copies beyond one per message. */
  concurrentSenders?: { trials: number; messages: number; extraCopies: number };
}

/** Appends one JSON line `{ test, file, dataLost?, duplicateEmails?, allowedResends?, concurrentSenders? }`; `test` is "describe > it", as vitest names it. */
export function recordFigures(figures: Figures): void {
  const file = process.env.RELIABILITY_RESULTS;
  if (!file) return;
  const state = expect.getState();
  const test = state.currentTestName ?? "unknown";
  // The file too: the report files some tests by file rather than by their describe().
  appendFileSync(file, `${JSON.stringify({ test, file: state.testPath ?? "", ...figures })}\n`);
}
