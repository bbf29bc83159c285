#!/usr/bin/env node
/**
 * Runs the reliability suite (test/reliability) and writes docs/reliability.md from what it
 * reports: one row per fault or input class (the top-level describe() of each test), with the
 * cases tried and how they ended, and the "data lost" and "duplicate e-mails" figures the tests
 * measured and recorded (test/reliability/helpers/results.ts). Nothing in the table is typed by
 * hand. Exits non-zero when a test failed, after writing the table that says so.
 *
 *   npm run reliability:report
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const output = path.join(root, "docs", "reliability.md");

/** What a class proves when every case in it passed; the order is the table's. */
const PROVES = {
  "Resource Graph faults": "run succeeds, or ends partial naming the scope or page; every cluster read is stored once",
  "Container Service faults": "version lookups retried; without data the clusters are judged on catalog facts and the report says so",
  "Odd cluster data": "every cluster classified and stored exactly, long Unicode ids too; case-twin ids are one cluster; markup escaped in mail",
  "Table Storage faults": "run ends failed with written pages intact; the retry completes it; one snapshot per cluster, chains verify",
  "SendGrid faults": "each message sent once, or re-sent once under its id after an unrecorded acceptance; failures recorded",
  "Function triggers": "retried, concurrent and past-due triggers land on the right run; one snapshot per cluster, chains verify",
  "Sweep leases": "a retry re-enters its own lease and completes the run once; a held lease is a logged failure; expiry on the table's clock; a refused release keeps the run's error",
  "Tampered history": "each edit named (cluster, seq, field) by verify, by a held root where the chains alone pass, and by the offline bundle; untampered history verifies clean",
  "Bad HTTP input": "4xx problem+json naming the parameter; nothing echoed raw; neither Azure nor the store reached",
  Configuration: "start refused with one line naming the setting; secrets not echoed",
  "Catalog override": "refused naming file, entry and field; the bundled catalog audits and is recorded",
  "Forged roles (#17)": "roles only from the platform's claim types, and only with App Service Authentication on; infra turns it on",
  "Cost of one caller (#17)": "runs read a page at a time; no fleet-wide verify over HTTP; one wide audit at a time (409); no run left running",
  "Mail sent once (#17)": "a claimed message is not sent by a second sender; no in-run retry after a timeout; digest waits for the sweep",
  "Mail routing (#17)": "addresses outside MAIL_ALLOWED_DOMAINS dropped and reported; at most MAIL_MAX_RECIPIENTS_PER_TAG per tag",
  "Transport (#17)": "https except to loopback; Table http only to loopback; in Azure no mail without SendGrid or a durable outbox",
  "Catalog override over https (#17)": "no redirect off https; reading stops at the size limit; CATALOG_OVERRIDE_SHA256 pins it",
  "Infra hardening (#17)": "Key Vault purge protection; basic publishing credentials off; storage keyless; what stays open documented",
};

/** Files outside test/reliability whose cases are one row each (the issue 17 scenarios). */
const FILE_CLASSES = {
  "test/security/roles.test.ts": "Forged roles (#17)",
  "test/security/limits.test.ts": "Cost of one caller (#17)",
  "test/security/mail.test.ts": "Mail sent once (#17)",
  "test/security/routing.test.ts": "Mail routing (#17)",
  "test/security/transport.test.ts": "Transport (#17)",
  "test/security/catalogOverride.test.ts": "Catalog override over https (#17)",
  "test/infra/hardening.test.ts": "Infra hardening (#17)",
};

const work = mkdtempSync(path.join(tmpdir(), "aks-audit-reliability-"));
const reportFile = path.join(work, "vitest.json");
const figuresFile = path.join(work, "figures.jsonl");
writeFileSync(figuresFile, "");

let exitCode = 1;
try {
  const started = Date.now();
  const run = spawnSync("npx", ["vitest", "run", "test/reliability", ...Object.keys(FILE_CLASSES), "--reporter=json", `--outputFile=${reportFile}`], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, RELIABILITY_RESULTS: figuresFile },
  });
  if (!existsSync(reportFile)) throw new Error(`vitest wrote no results (exit ${run.status}); docs/reliability.md left as it was`);
  // Rounded to 10 s so regenerating the page does not change it for a second's difference.
  const seconds = Math.max(10, Math.round((Date.now() - started) / 10_000) * 10);
  const results = JSON.parse(readFileSync(reportFile, "utf8"));
  const figures = readFileSync(figuresFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));

  const classes = new Map();
  const classOf = (name) => {
    if (!classes.has(name)) classes.set(name, { tried: 0, passed: 0, failed: [], todo: [], dataLost: null, duplicates: null, allowedResends: null });
    return classes.get(name);
  };
  for (const file of results.testResults) {
    for (const test of file.assertionResults) {
      const relative = path.relative(root, file.name).split(path.sep).join("/");
      const row = classOf(FILE_CLASSES[relative] ?? test.ancestorTitles[0] ?? path.basename(file.name));
      if (test.status === "todo" || test.status === "skipped" || test.status === "pending") row.todo.push(test.title);
      else {
        row.tried += 1;
        if (test.status === "passed") row.passed += 1;
        else row.failed.push(test.title);
      }
    }
  }
  let racing = null;
  for (const f of figures) {
    if (f.concurrentSenders) {
      racing ??= { trials: 0, messages: 0, extraCopies: 0 };
      for (const key of Object.keys(racing)) racing[key] += f.concurrentSenders[key];
    }
    const byFile = f.file ? FILE_CLASSES[path.relative(root, f.file).split(path.sep).join("/")] : undefined;
    const row = classOf(byFile ?? String(f.test).split(" > ")[0]);
    if (typeof f.dataLost === "number") row.dataLost = (row.dataLost ?? 0) + f.dataLost;
    if (typeof f.duplicateEmails === "number") row.duplicates = (row.duplicates ?? 0) + f.duplicateEmails;
    if (typeof f.allowedResends === "number") row.allowedResends = (row.allowedResends ?? 0) + f.allowedResends;
  }

  const order = Object.keys(PROVES);
  const names = [...classes.keys()].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
  const cell = (n) => (n === null ? "–" : String(n));
  const lines = [
    "# Reliability and security suite",
    "",
    "Generated by `npm run reliability:report` (scripts/reliability-report.mjs) from a run of",
    "`npx vitest run test/reliability` and the issue 17 scenarios (test/security, test/infra/hardening.test.ts);",
    "do not edit by hand. Each case is a test asserting the outcome: the run",
    "status, the snapshots read back from Azurite, the ledger, the messages at the SendGrid fake, the HTTP answer.",
    "",
    "| fault or input class | cases tried | outcome | data lost | duplicate e-mails | of which allowed re-sends |",
    "|---|---:|---|---:|---:|---:|",
  ];
  for (const name of names) {
    const r = classes.get(name);
    const outcome =
      r.failed.length > 0
        ? `**${r.failed.length} of ${r.tried} failed**: ${r.failed.join("; ")}`
        : `${r.passed} passed: ${PROVES[name] ?? "see the tests"}`;
    lines.push(`| ${name} | ${r.tried} | ${outcome.replace(/\|/g, "\\|")} | ${cell(r.dataLost)} | ${cell(r.duplicates)} | ${cell(r.allowedResends)} |`);
  }
  const total = [...classes.values()].reduce((t, r) => ({ tried: t.tried + r.tried, failed: t.failed + r.failed.length, todo: t.todo + r.todo.length }), { tried: 0, failed: 0, todo: 0 });
  lines.push(
    "",
    `${total.tried} cases, ${total.failed} failed, ${total.todo} not tried (todo), in about ${seconds} s.`,
    "",
    "**Data lost**: clusters the source served (the fleet simulator's Resource Graph answers, or the export's rows)",
    "that are missing from the stored run after the fault, clusters the auditor produced that are stored with other",
    "content, plus broken hash-chain links; must be 0. **Duplicate e-mails**: every copy of a message the SendGrid",
    "fake accepted beyond the first. **Of which allowed re-sends**: those copies that are the one re-send the design",
    "allows when SendGrid's acceptance was never recorded (a crash or a lost answer between the 202 and the ledger",
    "update); the two columns must be equal. \"–\": the class neither stores history nor sends mail.",
  );
  if (racing) {
    lines.push(
      "",
      `**Concurrent senders**: two senders over the same pending set, ${racing.trials} trials, ${racing.messages} messages,`,
      `copies counted at the SendGrid fake: copies beyond one per message: ${racing.extraCopies} (must be 0).`,
    );
  }
  const todos = names.flatMap((name) => classes.get(name).todo.map((t) => `- ${name}: ${t}`));
  if (todos.length > 0) lines.push("", "Not tried yet (todo):", "", ...todos);
  writeFileSync(output, `${lines.join("\n")}\n`);
  console.log(`reliability-report: wrote ${path.relative(root, output)} (${total.tried} cases, ${total.failed} failed)`);
  exitCode = run.status === 0 && total.failed === 0 ? 0 : 1;
} catch (error) {
  console.error(`reliability-report: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
