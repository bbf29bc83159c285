// Runs: newest first, with status, trigger, scope, counts by severity, run root and evidence bundle.
import { api } from "./api.js";
import { $view, el, href, status } from "./dom.js";
import { download, exportButtons, setExport, table } from "./table.js";

export async function runsView() {
  const items = [];
  let token = null;
  do {
    const { body } = await api("runs", { limit: 100, continuationToken: token });
    items.push(...body.items);
    token = body.continuationToken;
  } while (token && items.length < 1000);
  const rows = items.map((r) => ({
    runId: r.runId,
    asOf: r.asOf,
    status: r.status,
    trigger: r.trigger,
    scope: describeScope(r),
    clusters: r.summary?.clusters ?? 0,
    critical: r.summary?.bySeverity?.critical ?? 0,
    warning: r.summary?.bySeverity?.warning ?? 0,
    info: r.summary?.bySeverity?.info ?? 0,
    ok: r.summary?.bySeverity?.ok ?? 0,
    // Run roots arrive with the history work (#16); shown when the store records them.
    root: r.root?.hash ?? "",
    // A date chosen by the caller (the demo's simulated weeks, `audit --as-of`), not the day it ran.
    dated: r.asOfChosen ? "chosen date" : "day of the run",
  }));
  setExport({ name: "runs", rows, columns: ["runId", "asOf", "status", "trigger", "scope", "clusters", "critical", "warning", "info", "ok", "root", "dated"] });
  const columns = [
    { key: "runId", label: "Run" }, { key: "asOf", label: "As of" }, { key: "status", label: "Status" }, { key: "trigger", label: "Trigger" },
    { key: "scope", label: "Scope" }, { key: "clusters", label: "Clusters", num: true }, { key: "critical", label: "Critical", num: true },
    { key: "warning", label: "Warning", num: true }, { key: "info", label: "Info", num: true }, { key: "ok", label: "OK", num: true }, { key: "root", label: "Run root" },
    { key: "evidence", label: "Evidence" }, { key: "dated", label: "Dated" },
  ];
  $view.replaceChildren(
    el("h2", {}, "Runs"),
    exportButtons(),
    table(`${rows.length} stored runs, newest first`, columns, rows, (r, k) => {
      if (k === "runId") return el("a", { href: href("fleet", { asOf: r.asOf }) }, r.runId);
      if (k === "root") return r.root ? el("code", { title: r.root }, r.root.slice(0, 12)) : el("span", { class: "muted" }, "—");
      if (k === "evidence") return el("button", { type: "button", on: { click: () => downloadEvidence(r.runId) } }, "Download");
      if (["critical", "warning", "info", "ok"].includes(k)) return el("span", { class: r[k] > 0 ? `sev-${k}` : "muted" }, r[k]);
      return r[k];
    }),
  );
  status(`${rows.length} runs`);
}
/**
 * The run's evidence bundle (GET /api/runs/{runId}/evidence): fetched with the key, saved as a file.
 * A store or app without bundles answers 404, which the status line reports.
 */
async function downloadEvidence(runId) {
  try {
    const { body } = await api(`runs/${encodeURIComponent(runId)}/evidence`);
    download(`evidence-${runId}.json`, "application/json", JSON.stringify(body, null, 2));
    status(`Evidence bundle of ${runId} saved`);
  } catch (error) {
    status(`No evidence bundle for ${runId}: ${error.message}`);
  }
}

function describeScope(run) {
  const s = run.scope ?? {};
  const parts = [];
  if (s.subscriptions?.length) parts.push(`${s.subscriptions.length} subscription(s)`);
  if (s.managementGroups?.length) parts.push(`management groups ${s.managementGroups.join(", ")}`);
  if (s.clusterIds?.length) parts.push(`${s.clusterIds.length} cluster(s)`);
  return parts.length ? parts.join("; ") : "whole tenant";
}

