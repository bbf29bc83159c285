/**
 * The `aks-audit` commands. Each builds what it needs from the validated config, calls the app
 * layer, and prints in the chosen format. Handlers stay thin: no classification or storage logic.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { AuditorConfig } from "../config.js";
import { createAppContext, type AppContext, type ContextOverrides } from "../app/context.js";
import { newRunId, runAudit } from "../app/audit.js";
import { sendDigest, sendWindowAlerts } from "../app/notify.js";
import { diffClusterReports, type IntegrationChange } from "../core/changes.js";
import { toIsoDate } from "../core/dates.js";
import { describeBundleCheck, describeVerify, retentionLimitOf } from "../app/verify.js";
import { BundleFormatError, parseBundle, verifyBundle } from "../core/evidence.js";
import { formatReport } from "../core/format.js";
import { reportOfRun, worstSeverity, type AuditReport } from "../core/report.js";
import type { RunRecord, StoredSnapshot } from "../core/ports.js";
import type { AuditScope } from "../core/types.js";
import { createFileFleetSource } from "../sources/fromFile.js";
import { UsageError, type CliOptions } from "./args.js";
import { CliError, createOutput, csv, textTable, type Output } from "./output.js";

export async function runCommand(options: CliOptions, config: AuditorConfig): Promise<number> {
  const out = createOutput(options.format, options.quiet);
  switch (options.command) {
    case "demo": {
      // The demo is for a person: its summary table unless JSON is asked for explicitly.
      const { runDemo } = await import("../local/demo.js");
      return runDemo(options, config, createOutput(options.format ?? "table", options.quiet));
    }
    case "audit":
      return withContext(config, {}, (ctx) => auditCommand(ctx, options, out));
    case "history":
      return withContext(config, {}, (ctx) => historyCommand(ctx, options, out));
    case "digest":
      return withContext(config, {}, (ctx) => digestCommand(ctx, options, out));
    case "verify":
      // A bundle is checked from the file alone: no store is opened, nothing goes over the network.
      if (options.bundle !== null) return verifyBundleCommand(options.bundle, out);
      return withContext(config, {}, (ctx) => verifyCommand(ctx, options, out));
    case "export":
      return withContext(config, {}, (ctx) => exportCommand(ctx, options, out));
    case "catalog": {
      const { catalogCommand } = await import("./catalogCommand.js");
      // The listing shows the catalog the app would use: the bundled one with CATALOG_OVERRIDE merged.
      return catalogCommand(options, config, out, () => withContext(config, {}, async (ctx) => ctx.catalog));
    }
    case "serve": {
      const { serveCommand } = await import("./serveCommand.js");
      return serveCommand(options, config);
    }
    default:
      throw new CliError(`unknown command ${options.command}`);
  }
}

export async function withContext<T>(config: AuditorConfig, overrides: ContextOverrides, body: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await createAppContext(config, overrides);
  for (const warning of ctx.warnings) process.stderr.write(`aks-audit: warning: ${warning}\n`);
  try {
    return await body(ctx);
  } finally {
    await ctx.close();
  }
}

function asOfOf(options: CliOptions): string {
  return options.asOf ?? toIsoDate(new Date());
}

export async function auditCommand(ctx: AppContext, options: CliOptions, out: Output): Promise<number> {
  if (options.subscriptions.length > 0 && options.managementGroups.length > 0) {
    throw new UsageError("audit: give --subscription or --management-group, not both");
  }
  // Options on the command line replace the configured scope as a whole.
  const named = options.subscriptions.length > 0 || options.managementGroups.length > 0;
  const scope: AuditScope = {
    subscriptions: named ? options.subscriptions : ctx.config.scope.subscriptions,
    managementGroups: named ? options.managementGroups : ctx.config.scope.managementGroups,
    clusterIds: options.clusterIds,
  };
  const today = toIsoDate(new Date());
  if (options.asOf !== null && options.asOf > today) throw new UsageError(`audit: --as-of ${options.asOf} is after today (${today}); a run cannot be dated in the future`);
  const fromFile = options.fromFile;
  const store = options.store ? await ctx.store() : null;
  // An export is audited offline: no Azure calls, catalog facts only (the report says so).
  const deps = fromFile
    ? {
        fleet: await createFileFleetSource(path.resolve(fromFile), options.extensionsFile ? path.resolve(options.extensionsFile) : undefined),
        versions: null,
        catalog: ctx.catalog,
        catalogMaxAgeDays: ctx.config.catalogMaxAgeDays,
        store,
        configuredScope: ctx.config.scope,
      }
    : ctx.auditDeps(store);
  const { report, run } = await runAudit(
    deps,
    {
      runId: newRunId(new Date()),
      trigger: "cli",
      scope,
      asOf: options.asOf ?? today,
      // A chosen date is kept on the run, so history shows it was not the day the audit ran.
      asOfChosen: options.asOf !== null,
      windowDays: ctx.config.alertWindowDays,
      now: () => new Date(),
      collect: true,
      onProgress: ({ clusters }) => out.progress(`swept ${clusters} clusters…`),
    },
  );
  out.endProgress();
  out.print(formatReport(report, out.format));
  out.note(summaryLine(report, run, store !== null));
  if (run.status === "failed") return 3;
  return failOnExit(report, options.failOn);
}

export function failOnExit(report: AuditReport, failOn: CliOptions["failOn"]): number {
  if (failOn === null) return 0;
  const { critical, warning } = report.summary.bySeverity;
  return critical > 0 || (failOn === "warning" && warning > 0) ? 1 : 0;
}

export function summaryLine(report: AuditReport, run: RunRecord, stored: boolean): string {
  const s = report.summary.bySeverity;
  return [
    `run ${run.runId}: ${run.status}; ${report.summary.clusters} clusters, ${report.summary.integrations} integrations`,
    `critical ${s.critical}, warning ${s.warning}, info ${s.info}, ok ${s.ok}; ${report.summary.inWindow} inside the alert window`,
    report.errors.length > 0 ? `${report.errors.length} scope error(s): ${report.errors.map((e) => `${e.scope}: ${e.message}`).join("; ")}` : "",
    stored ? `stored; see: aks-audit history --run ${run.runId}` : "not stored (--no-store)",
  ]
    .filter(Boolean)
    .join("\n");
}

async function historyCommand(ctx: AppContext, options: CliOptions, out: Output): Promise<number> {
  const store = await ctx.store();
  const range = { from: options.from ?? undefined, to: options.to ?? undefined };
  if (options.run) {
    const report = await store.runReport(options.run);
    if (!report) throw new CliError(`no stored run with id '${options.run}'`);
    out.print(formatReport(report, out.format));
    return 0;
  }
  if (options.cluster) {
    const snapshots: StoredSnapshot[] = [];
    let token: string | undefined;
    do {
      const page = await store.clusterHistory(options.cluster, { ...range, continuationToken: token });
      snapshots.push(...page.items);
      token = page.continuationToken ?? undefined;
    } while (token);
    if (snapshots.length === 0) throw new CliError(`no stored snapshots for cluster '${options.cluster}'`);
    const rows = snapshots.map((snap, i) => {
      const older = snapshots[i + 1];
      return { runId: snap.runId, asOf: snap.asOf, cluster: snap.cluster, changes: older ? diffClusterReports(older.cluster, snap.cluster) : [] };
    });
    if (out.format === "json") out.print(JSON.stringify(rows, null, 2));
    else {
      const table = rows.map((r) => [r.asOf, r.runId, r.cluster.kubernetesVersion, worstSeverity(r.cluster), r.changes.map(describeChange).join("; ")]);
      const headers = ["asOf", "runId", "kubernetes", "worst", "changes since previous snapshot"];
      out.print(out.format === "csv" ? csv(headers, table) : textTable(headers, table));
    }
    return 0;
  }
  if (options.runs) {
    const runs: RunRecord[] = [];
    let token: string | undefined;
    do {
      const page = await store.listRuns({ ...range, continuationToken: token });
      runs.push(...page.items);
      token = page.continuationToken ?? undefined;
    } while (token);
    if (out.format === "json") out.print(JSON.stringify(runs, null, 2));
    else {
      const headers = ["runId", "trigger", "asOf", "status", "clusters", "critical", "warning", "errors"];
      const table = runs.map((r) => [r.runId, r.trigger, r.asOf, r.status, r.summary.clusters, r.summary.bySeverity.critical, r.summary.bySeverity.warning, r.errors.length]);
      out.print(out.format === "csv" ? csv(headers, table) : textTable(headers, table));
    }
    return 0;
  }
  const asOf = options.asOf!;
  const first = await store.fleetAsOf(asOf, { limit: 1000 });
  if (!first) throw new CliError(`no run recorded on or before ${asOf}`);
  const { run } = first;
  const clusters = [...first.clusters];
  for (let token = first.continuationToken; token; ) {
    const page = await store.fleetAsOf(asOf, { limit: 1000, continuationToken: token });
    clusters.push(...(page?.clusters ?? []));
    token = page?.continuationToken ?? null;
  }
  out.print(formatReport(reportOfRun(run, clusters), out.format));
  return 0;
}

function describeChange(c: IntegrationChange): string {
  const what = `${c.kind} ${c.name}`;
  switch (c.type) {
    case "integration-added":
      return `+ ${what}${c.to ? ` ${c.to}` : ""}`;
    case "integration-removed":
      return `- ${what}`;
    case "version-changed":
      return `${what} ${c.from ?? "?"} → ${c.to ?? "?"}`;
    case "severity-changed":
      return `${what} ${c.from} → ${c.to}`;
  }
}

async function digestCommand(ctx: AppContext, options: CliOptions, out: Output): Promise<number> {
  const asOf = asOfOf(options);
  const alerts = await sendWindowAlerts(ctx, null, { asOf, preview: options.preview });
  const digest = await sendDigest(ctx, { asOf, preview: options.preview });
  const where = ctx.outboxDir ? ` to the outbox ${ctx.outboxDir}` : " through SendGrid";
  if (options.preview && digest.noRecipients) {
    out.note(
      digest.noRecipients === "none-configured"
        ? "preview: no recipients are configured; set MAIL_TO (whole fleet), MAIL_TO_BY_SUBSCRIPTION (per subscription) or MAIL_ROUTING_TAG (per cluster tag) to add them"
        : "preview: the configured recipients (MAIL_TO, MAIL_TO_BY_SUBSCRIPTION, MAIL_ROUTING_TAG) are routed no cluster; MAIL_TO gets the whole fleet",
    );
    out.note(`preview: the whole fleet's digest and alerts are rendered instead${digest.previewDir ? ` to ${digest.previewDir}` : ""}`);
  }
  const previewWhere = digest.previewDir ? ` to ${digest.previewDir}` : where;
  out.note(
    options.preview
      ? `preview: ${digest.messages} digest message(s) and ${alerts.sent} alert(s) rendered${previewWhere}; nothing recorded`
      : `digest: ${digest.messages} message(s) sent${where}${unsent(digest)}; alerts: ${alerts.sent} sent, ${alerts.pending} pending, ${alerts.failed} failed`,
  );
  // Mail that did not go out (the digest's or an alert's) is a failed run of this command: exit 3.
  return alerts.pending + alerts.failed + digest.pending + digest.failed > 0 ? 3 : 0;
}

function unsent(counts: { pending: number; failed: number }): string {
  return counts.pending + counts.failed > 0 ? ` (${counts.pending} pending, ${counts.failed} failed)` : "";
}

async function verifyCommand(ctx: AppContext, options: CliOptions, out: Output): Promise<number> {
  const store = await ctx.store();
  const result = await store.verify(options.cluster ?? undefined, {
    retentionLimit: retentionLimitOf(ctx.config, new Date()),
    ...(options.root !== null ? { root: options.root } : {}),
  });
  if (out.format === "json") out.print(JSON.stringify(result, null, 2));
  else out.print(describeVerify(result));
  return result.ok ? 0 : 1;
}

/** Exit 0 intact, 1 broken (naming cluster and field), 2 unreadable (CliError). */
export async function verifyBundleCommand(file: string, out: Output): Promise<number> {
  let text: string;
  try {
    text = await readFile(path.resolve(file), "utf8");
  } catch (error) {
    throw new CliError(`verify --bundle: cannot read ${file}: ${(error as Error).message}`);
  }
  let check;
  try {
    check = verifyBundle(parseBundle(text));
  } catch (error) {
    if (error instanceof BundleFormatError) throw new CliError(`verify --bundle: ${file} is unreadable: ${error.message}`);
    throw error;
  }
  if (out.format === "json") out.print(JSON.stringify(check, null, 2));
  else out.print(describeBundleCheck(check));
  return check.ok ? 0 : 1;
}

async function exportCommand(ctx: AppContext, options: CliOptions, out: Output): Promise<number> {
  const bundle = await (await ctx.store()).evidence(options.run!);
  if (!bundle) throw new CliError(`no stored run with id '${options.run}'`);
  await writeFile(path.resolve(options.out!), JSON.stringify(bundle, null, 2) + "\n", "utf8");
  out.note(`evidence bundle of run ${bundle.run.runId} (${bundle.links.length} cluster links, root ${bundle.run.root?.hash ?? "none"}) written to ${options.out}; check it with: aks-audit verify --bundle ${options.out}`);
  return 0;
}
