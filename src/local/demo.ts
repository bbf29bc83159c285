/**
 * `aks-audit demo` / `npm run demo`: the whole job on the embedded default, no Azure needed.
 * Starts the fleet simulator (loopback HTTPS) and, unless a table connection is configured,
 * Azurite in-process; sweeps through the real SDK clients once per simulated week (8 by default,
 * the fleet changing between them); stores the runs; writes the window alerts each week and the
 * digest to the local outbox; prints where everything is and how to open the console.
 */
import path from "node:path";
import type { TokenCredential } from "@azure/core-auth";
import type { AuditorConfig } from "../config.js";
import { newRunId, runAudit } from "../app/audit.js";
import { sendDigest, sendWindowAlerts } from "../app/notify.js";
import { createOutboxTransport } from "../notify/outbox.js";
import { addDays, toIsoDate } from "../core/dates.js";
import type { CliOptions } from "../cli/args.js";
import { withContext, summaryLine } from "../cli/commands.js";
import { textTable, type Output } from "../cli/output.js";
import { startFleetSimulator } from "./simulator/index.js";
import { HISTORY_WEEKS } from "./simulator/history.js";
import { mixedPlan, startKubeFake } from "./kubeFake.js";
import type { AuditReport } from "../core/report.js";

/** Weekly sweeps the demo records by default: two months of history to browse. */
const DEMO_WEEKS = 8;

/** With no scan configured, the demo scans the platform team's clusters: a few of the fleet. */
const DEMO_SCAN_TAG = "team=platform";
/** Enough rows to show the kinds of finds (conflicts and retired software first), not a wall. */
const DEMO_FIND_ROWS = 15;

/** The open-source finds of a demo run, a line each, and how many clusters were (not) scanned. */
function openSourceLines(report: AuditReport): { rows: (string | number)[][]; scanned: number; notScanned: Record<string, number> } {
  const rows: (string | number)[][] = [];
  const notScanned: Record<string, number> = {};
  let scanned = 0;
  for (const cluster of report.clusters) {
    const note = cluster.errors.find((e) => e.startsWith("open-source scan: not scanned: "));
    if (note) {
      const why = note.slice("open-source scan: not scanned: ".length).split(":")[0]!;
      notScanned[why] = (notScanned[why] ?? 0) + 1;
      continue;
    }
    scanned += 1;
    for (const i of cluster.integrations.filter((x) => x.kind === "open-source")) {
      const headline = i.reasons.find((r) => r.startsWith("Conflict") || r.startsWith("Upstream maintenance") || r.startsWith("Running")) ?? "";
      rows.push([cluster.name, i.name, i.version ?? "?", i.severity, headline.length > 70 ? `${headline.slice(0, 67)}…` : headline]);
    }
  }
  return { rows, scanned, notScanned };
}

/** The simulator does not check tokens; a real credential would try to reach Entra ID. */
export const simulatorCredential: TokenCredential = {
  getToken: async () => ({ token: "simulated", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

/** With nobody configured, the outbox shows what a platform team and the tagged owners would get. */
function demoRecipients(config: AuditorConfig): AuditorConfig["mail"]["recipients"] {
  const r = config.mail.recipients;
  const configured = r.defaults.length > 0 || Object.keys(r.bySubscription).length > 0 || r.tagName !== null;
  return configured ? r : { defaults: ["platform-team@example.com"], bySubscription: {}, tagName: "owner" };
}

export async function runDemo(options: CliOptions, config: AuditorConfig, out: Output): Promise<number> {
  const asOf = options.asOf ?? toIsoDate(new Date());
  // Each simulated cluster's API server: a mix of self-installed software, one in twelve unreachable.
  const kube = await startKubeFake({ fallback: mixedPlan });
  const simulator = await startFleetSimulator({ seed: options.seed ?? 42, clusters: options.clusters ?? 200, asOf, kubeApi: { endpoint: kube.endpoint, ca: kube.ca } });
  const outboxDir = path.join(config.home, "outbox");
  try {
    const demoConfig: AuditorConfig = {
      ...config,
      armEndpoint: simulator.endpoint,
      scope: { subscriptions: [], managementGroups: [] },
      mail: { ...config.mail, recipients: demoRecipients(config) },
      openSourceScan: config.openSourceScan.enabled ? config.openSourceScan : { enabled: true, subscriptions: [], tag: DEMO_SCAN_TAG },
    };
    return await withContext(
      demoConfig,
      { credential: simulatorCredential, armCa: simulator.ca, transport: createOutboxTransport(outboxDir) },
      async (ctx) => {
        out.note(`fleet simulator on ${simulator.endpoint}; sweeping through Azure Resource Graph and Container Service clients…`);
        const store = options.store ? await ctx.store() : null;
        // One sweep per simulated week up to asOf, the fleet moving on between them, so the store
        // holds history, changes and the alerts that fire as deadlines come closer.
        const weeks = options.weeks ?? DEMO_WEEKS;
        // Run ids carry an instant; spaced a second apart, in the past, they sort as the weeks do.
        const firstStamp = Date.now() - weeks * 1000;
        let last: Awaited<ReturnType<typeof runAudit>> | null = null;
        let alertsSent = 0;
        for (let w = 0; w < weeks; w++) {
          const weekAsOf = addDays(asOf, -7 * (weeks - 1 - w));
          const week = HISTORY_WEEKS - weeks + w;
          simulator.setWeek(Math.max(0, week), weekAsOf);
          last = await runAudit(ctx.auditDeps(store), {
            runId: newRunId(new Date(firstStamp + w * 1000)),
            trigger: "cli",
            scope: { subscriptions: [], managementGroups: [], clusterIds: [] },
            asOf: weekAsOf,
            asOfChosen: options.asOf !== null || w < weeks - 1,
            windowDays: config.alertWindowDays,
            now: () => new Date(),
            collect: true,
            onProgress: ({ clusters }) => out.progress(`${weekAsOf}: swept ${clusters} clusters…`),
          });
          out.endProgress();
          const sent = store ? (await sendWindowAlerts(ctx, last.report, { asOf: weekAsOf })).sent : 0;
          alertsSent += sent;
          if (weeks > 1) {
            const b = last.report.summary.bySeverity;
            const dated = options.asOf === null && w === weeks - 1 ? "today" : "simulated date";
            out.note(`week ${w + 1}/${weeks}, as of ${weekAsOf} (${dated}): critical ${b.critical}, warning ${b.warning}; ${sent} window alert(s)`);
          }
        }
        const { report, run } = last!;
        const alerts = { sent: alertsSent };
        const digest = store ? await sendDigest(ctx, { asOf }) : { messages: 0 };

        if (out.format === "json") {
          out.print(JSON.stringify(report, null, 2));
        } else {
          const s = report.summary;
          out.print(
            textTable(
              ["what", "count"],
              [
                ["clusters found", s.clusters],
                ["integrations judged", s.integrations],
                ["critical", s.bySeverity.critical],
                ["warning", s.bySeverity.warning],
                ["info", s.bySeverity.info],
                ["ok", s.bySeverity.ok],
                [`inside the ${config.alertWindowDays}-day window`, s.inWindow],
                ["aks-managed / aks-extension / unsupported", `${s.bySupportTier["aks-managed"]} / ${s.bySupportTier["aks-extension"]} / ${s.bySupportTier.unsupported}`],
                ["window alerts written", alerts.sent],
                ["digest messages written", digest.messages],
              ],
            ),
          );
          const oss = openSourceLines(report);
          const skipped = Object.entries(oss.notScanned).map(([why, n]) => `${n} ${why}`).join(", ");
          out.print(`\nopen-source scan (${demoConfig.openSourceScan.tag ? `OSS_SCAN_TAG=${demoConfig.openSourceScan.tag}` : "selected clusters"}): ${oss.scanned} clusters scanned${skipped ? `; not scanned: ${skipped}` : ""}`);
          if (oss.rows.length > 0) {
            const rank: Record<string, number> = { critical: 0, warning: 1, info: 2, ok: 3 };
            const shown = [...oss.rows].sort((a, b) => (rank[String(a[3])] ?? 4) - (rank[String(b[3])] ?? 4)).slice(0, DEMO_FIND_ROWS);
            out.print(textTable(["cluster", "software", "version", "severity", "note"], shown));
            if (oss.rows.length > shown.length) out.print(`… and ${oss.rows.length - shown.length} more open-source installs (--format json lists them all)`);
          }
        }
        out.note(summaryLine(report, run, store !== null));
        out.note(`outbox:  ${outboxDir}`);
        out.note(`data:    ${config.tables.kind === "local" ? path.join(config.home, "azurite") : "the configured Table Storage account"}`);
        out.note(`history: npx aks-audit history --runs   |   npx aks-audit history --run ${run.runId}`);
        out.note("console: npx aks-audit serve   (then open the printed URL)");
        return run.status === "failed" ? 3 : 0;
      },
    );
  } finally {
    await simulator.close();
    await kube.close();
  }
}
