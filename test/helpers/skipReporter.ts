/**
 * Ends `npm test` with one line saying how many tests were skipped and why: on a fresh clone the
 * comparisons with published reference material (and the browser tests without Chromium) skip,
 * and a reader should not have to scroll to learn which setting turns them on.
 */
import { existsSync } from "node:fs";
import type { Reporter, TestModule } from "vitest/node";

export default class SkipReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let skipped = 0;
    for (const module of testModules) for (const test of module.children.allTests()) if (test.result().state === "skipped") skipped += 1;
    if (skipped === 0) return;
    const why: string[] = [];
    if (!process.env.AZURE_REST_API_SPECS) why.push("AZURE_REST_API_SPECS unset (simulator vs Microsoft's REST examples)");
    if (!process.env.SENDGRID_OPENAPI) why.push("SENDGRID_OPENAPI unset (SendGrid fake vs SendGrid's OpenAPI)");
    if (!existsSync(process.env.CHROMIUM_PATH ?? "/usr/bin/chromium")) why.push("no Chromium at CHROMIUM_PATH (browser tests)");
    console.log(`${skipped} skipped: ${why.length > 0 ? why.join("; ") : "see the skip lines above"} — README "Tests" says how to run them`);
  }
}
