// One cluster: snapshots over time, changes between them, integrations, chain verification.
import { api } from "./api.js";
import { $view, el, sev, SEVERITIES, sourceLink, status } from "./dom.js";
import { exportButtons, setExport, table } from "./table.js";

export async function clusterView(params) {
  const id = params.get("id") ?? "";
  const snapshots = [];
  const changes = [];
  let token = null;
  do {
    const { body } = await api(`clusters/${encodeURIComponent(id)}/history`, { limit: 100, continuationToken: token });
    snapshots.push(...body.snapshots);
    changes.push(...body.changes);
    token = body.continuationToken;
  } while (token && snapshots.length < 500);
  let verify = null;
  try {
    verify = (await api("verify", { clusterId: id })).body;
  } catch (error) {
    verify = { error: error.message };
  }
  const latest = snapshots[0]?.cluster;
  const rows = (latest?.integrations ?? []).map((i) => ({ kind: i.kind, integration: i.name, version: i.version ?? "", tier: i.supportTier, drift: i.drift, severity: i.severity, deadlines: i.deadlines, reasons: i.reasons }));
  setExport({ name: `cluster-${latest?.name ?? "cluster"}`, rows: snapshots.map((s) => ({ runId: s.runId, asOf: s.asOf, cluster: s.cluster })), columns: ["runId", "asOf"] });
  $view.replaceChildren(
    el("h2", {}, `Cluster ${latest?.name ?? id}`),
    el("p", {}, el("code", {}, id)),
    latest ? el("p", {}, `Kubernetes ${latest.kubernetesVersion ?? "unknown"} · ${latest.location} · subscription ${latest.subscriptionId} · resource group ${latest.resourceGroup}`) : null,
    latest?.tags ? el("p", { "data-testid": "tags" }, "Tags: ", Object.entries(latest.tags).map(([k, v]) => el("code", {}, `${k}=${v} `))) : null,
    el("h3", {}, "Chain verification"),
    verify?.error ? el("p", { class: "verify-broken" }, verify.error)
      : el("p", { class: verify.ok ? "verify-ok" : "verify-broken", "data-testid": "verify" }, verify.ok ? `Chain intact: ${verify.snapshotsChecked} snapshots re-hashed` : `Chain broken: ${verify.broken.map((b) => `${b.runId} ${b.field}: ${b.reason}`).join("; ")}`),
    el("h3", {}, "Changes between consecutive snapshots"),
    changes.length === 0 ? el("p", { class: "muted" }, "No changes between the stored snapshots.")
      : el("div", { "data-testid": "changes" }, changes.map((d) => el("section", {}, el("h4", {}, `${d.fromAsOf} → ${d.toAsOf}`), el("ul", { class: "changes" }, d.changes.map((c) => el("li", {}, describeChange(c))))))),
    el("h3", {}, "Integrations (latest snapshot)"),
    table(`As of ${snapshots[0]?.asOf ?? ""}`, [
      { key: "integration", label: "Integration" }, { key: "kind", label: "Kind" }, { key: "version", label: "Version" }, { key: "tier", label: "Tier" },
      { key: "drift", label: "Drift" }, { key: "severity", label: "Severity" }, { key: "deadlines", label: "Deadlines" }, { key: "reasons", label: "Reasons" },
    ], rows, (r, k) => {
      if (k === "severity") return sev(r.severity);
      if (k === "deadlines") return el("ul", {}, r.deadlines.map((d) => el("li", {}, `${d.date} ${d.kind} (${d.daysLeft} days) `, sourceLink(d.source))));
      if (k === "reasons") return el("ul", {}, r.reasons.map((x) => el("li", {}, x)));
      return r[k];
    }),
    el("h3", {}, "Snapshots over time"),
    exportButtons(),
    table(`${snapshots.length} snapshots, newest first`, [{ key: "asOf", label: "As of" }, { key: "runId", label: "Run" }, { key: "kubernetes", label: "Kubernetes" }, { key: "integrations", label: "Integrations", num: true }, { key: "worst", label: "Worst" }],
      snapshots.map((s) => ({ asOf: s.asOf, runId: s.runId, kubernetes: s.cluster.kubernetesVersion ?? "", integrations: s.cluster.integrations.length, worst: worst(s.cluster) })),
      (r, k) => (k === "worst" ? sev(r.worst) : r[k])),
  );
  status(`${snapshots.length} snapshots, ${changes.length} with changes`);
}
function worst(cluster) {
  let best = 3;
  for (const i of cluster.integrations) best = Math.min(best, SEVERITIES.indexOf(i.severity));
  return SEVERITIES[best] ?? "ok";
}
function describeChange(c) {
  // "kubernetes kubernetes" says nothing twice: the cluster's own version is named once.
  const what = c.kind === c.name ? c.name : `${c.kind} ${c.name}`;
  switch (c.type) {
    case "integration-added": return `added ${what}${c.to ? ` ${c.to}` : ""}`;
    case "integration-removed": return `removed ${what}`;
    case "version-changed": return `${what} ${c.from ?? "?"} → ${c.to ?? "?"}`;
    case "severity-changed": return `${what} severity ${c.from} → ${c.to}`;
    default: return `${what} ${c.type}`;
  }
}

