// The auditors' console. Every value that came from Azure or the store is put into the page as
// text (createTextNode / textContent), never as markup: cluster names, tags and resource groups
// may hold any characters. The function key the page was opened with (?code=) goes to the API in
// the x-functions-key header, never into links to other sites (the page sends no referrer).

const key = new URLSearchParams(location.search).get("code") ?? "";
const API = new URL("./", location.href); // .../api/
const SEVERITIES = ["critical", "warning", "info", "ok"];
const TIERS = ["aks-managed", "aks-extension", "unsupported"];
const PAGE = 200;

const $status = document.getElementById("status");
const $view = document.getElementById("view");

/** An element with attributes and children; strings become text nodes. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "on") for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}
function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
const svgNs = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  append(node, children);
  return node;
}
/** Only https links from the catalog become links; anything else is shown as text. */
function sourceLink(url) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "https:") return el("a", { href: parsed.href, rel: "noopener noreferrer", target: "_blank" }, parsed.hostname + parsed.pathname);
  } catch {}
  return el("span", {}, String(url));
}
const sev = (s) => el("span", { class: `sev-${SEVERITIES.includes(s) ? s : "ok"}` }, s);

function status(text) {
  $status.textContent = text;
}

class ApiError extends Error {}
async function api(path, query = {}) {
  const url = new URL(path, API);
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, String(v));
  const response = await fetch(url, { headers: { "x-functions-key": key, accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : response.statusText;
    throw new ApiError(response.status === 401 ? "The function key is missing or wrong: open the URL that `aks-audit serve` printed." : `${response.status}: ${detail}`);
  }
  return { body, response };
}

/** The hash route: #/view?params */
function route() {
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  return { view: path || "runs", params: new URLSearchParams(query ?? "") };
}
function href(view, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return `#/${view}${s ? `?${s}` : ""}`;
}

// ---------- export of the current view ----------
let current = { name: "view", rows: [], columns: [] };
function csvCell(value) {
  let text = value === null || value === undefined ? "" : String(value);
  // A spreadsheet would run a cell starting with = + - @ as a formula.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
function download(filename, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
function exportButtons() {
  return el(
    "div",
    { class: "actions" },
    el("button", { type: "button", on: { click: () => download(`${current.name}.csv`, "text/csv", [current.columns.map(csvCell).join(","), ...current.rows.map((r) => current.columns.map((c) => csvCell(r[c])).join(","))].join("\r\n") + "\r\n") } }, "Export CSV"),
    el("button", { type: "button", on: { click: () => download(`${current.name}.json`, "application/json", JSON.stringify(current.rows, null, 2)) } }, "Export JSON"),
  );
}

/** A table with a header row and sortable columns (buttons, so the keyboard can sort). */
function table(caption, columns, rows, render, sortState = { column: null, dir: 1 }) {
  const wrap = el("div", { class: "table-wrap" });
  const draw = () => {
    const sorted = sortState.column === null ? rows : [...rows].sort((a, b) => compare(a[sortState.column], b[sortState.column]) * sortState.dir);
    const head = el(
      "tr",
      {},
      columns.map((c) =>
        el(
          "th",
          { scope: "col", class: c.num ? "num" : null, "aria-sort": sortState.column === c.key ? (sortState.dir > 0 ? "ascending" : "descending") : "none" },
          el("button", { type: "button", on: { click: () => { sortState.dir = sortState.column === c.key ? -sortState.dir : 1; sortState.column = c.key; draw(); wrap.querySelector(`th:nth-child(${columns.indexOf(c) + 1}) button`)?.focus(); } } }, c.label),
        ),
      ),
    );
    const body = el("tbody", {}, sorted.map((r) => el("tr", {}, columns.map((c) => el("td", { class: c.num ? "num" : null, "data-label": c.label }, render(r, c.key))))));
    wrap.replaceChildren(el("table", {}, el("caption", {}, caption), el("thead", {}, head), body));
  };
  draw();
  return wrap;
}
function compare(a, b) {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return String(a).localeCompare(String(b));
}

// ---------- runs ----------
async function runsView() {
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
  }));
  current = { name: "runs", rows, columns: ["runId", "asOf", "status", "trigger", "scope", "clusters", "critical", "warning", "info", "ok", "root"] };
  const columns = [
    { key: "runId", label: "Run" }, { key: "asOf", label: "As of" }, { key: "status", label: "Status" }, { key: "trigger", label: "Trigger" },
    { key: "scope", label: "Scope" }, { key: "clusters", label: "Clusters", num: true }, { key: "critical", label: "Critical", num: true },
    { key: "warning", label: "Warning", num: true }, { key: "info", label: "Info", num: true }, { key: "ok", label: "OK", num: true }, { key: "root", label: "Run root" },
    { key: "evidence", label: "Evidence" },
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

// ---------- fleet ----------
function today() {
  return new Date().toISOString().slice(0, 10);
}
function nextDeadline(integration) {
  const ahead = (integration.deadlines ?? []).filter((d) => d.daysLeft >= 0).sort((a, b) => a.daysLeft - b.daysLeft);
  return ahead[0] ?? null;
}
function fleetRows(clusters) {
  const rows = [];
  for (const c of clusters) {
    for (const i of c.integrations) {
      const d = nextDeadline(i);
      rows.push({
        cluster: c.name, clusterId: c.id, subscription: c.subscriptionId, resourceGroup: c.resourceGroup, kubernetes: c.kubernetesVersion ?? "",
        kind: i.kind, integration: i.name, version: i.version ?? "", tier: i.supportTier, drift: i.drift, severity: i.severity,
        deadline: d?.date ?? "", daysLeft: d ? d.daysLeft : null, deadlineKind: d?.kind ?? "",
        tags: Object.entries(c.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(" "),
      });
    }
  }
  return rows;
}

/** Pages of the fleet API, following continuation tokens; `all` keeps going to the end. */
async function loadFleet(params, state, all = false) {
  do {
    const { body } = await api("fleet", { asOf: params.get("asOf") || today(), severity: params.get("severity"), supportTier: params.get("tier"), limit: PAGE, continuationToken: state.token });
    state.run = { runId: body.runId, asOf: body.asOf };
    state.clusters.push(...body.clusters);
    state.token = body.continuationToken;
  } while (all && state.token);
}

async function fleetView(params) {
  const state = { clusters: [], token: null, run: null };
  // The week chart links here with a deadline week; it needs every page to be complete.
  await loadFleet(params, state, params.has("from") || params.has("within"));
  const form = el(
    "form",
    { class: "filters", role: "search", "aria-label": "Fleet filters" },
    el("label", {}, "As of", el("input", { type: "date", name: "asOf", value: params.get("asOf") || today() })),
    el("label", {}, "Severity", el("select", { name: "severity" }, el("option", { value: "" }, "any"), SEVERITIES.map((s) => el("option", { value: s, selected: params.get("severity") === s }, s)))),
    el("label", {}, "Support tier", el("select", { name: "tier" }, el("option", { value: "" }, "any"), TIERS.map((t) => el("option", { value: t, selected: params.get("tier") === t }, t)))),
    el("label", {}, "Subscription", el("input", { name: "subscription", value: params.get("subscription") ?? "", size: 12 })),
    el("label", {}, "Resource group", el("input", { name: "resourceGroup", value: params.get("resourceGroup") ?? "", size: 12 })),
    el("label", {}, "Text", el("input", { type: "search", name: "q", value: params.get("q") ?? "", size: 14 })),
    el("label", {}, "Deadline within (days)", el("input", { type: "number", min: 0, max: 3650, name: "within", value: params.get("within") ?? "", size: 5 })),
    params.get("from") ? el("input", { type: "hidden", name: "from", value: params.get("from") }) : null,
    el("button", { type: "submit" }, "Apply"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    location.hash = href("fleet", data);
  });

  const sortState = { column: "daysLeft", dir: 1 };
  const holder = el("div");
  const more = el("button", { type: "button" }, "Load more clusters");
  more.addEventListener("click", async () => {
    more.disabled = true;
    await loadFleet(params, state);
    draw();
  });
  const columns = [
    { key: "cluster", label: "Cluster" }, { key: "subscription", label: "Subscription" }, { key: "resourceGroup", label: "Resource group" },
    { key: "integration", label: "Integration" }, { key: "version", label: "Version" }, { key: "tier", label: "Tier" }, { key: "drift", label: "Drift" },
    { key: "severity", label: "Severity" }, { key: "deadline", label: "Next deadline" }, { key: "daysLeft", label: "Days left", num: true }, { key: "tags", label: "Tags" },
  ];
  const draw = () => {
    const rows = filterRows(fleetRows(state.clusters), params);
    current = { name: `fleet-${state.run?.asOf ?? ""}`, rows, columns: ["cluster", "clusterId", "subscription", "resourceGroup", "kubernetes", "kind", "integration", "version", "tier", "drift", "severity", "deadline", "deadlineKind", "daysLeft", "tags"] };
    const counts = Object.fromEntries(SEVERITIES.map((s) => [s, rows.filter((r) => r.severity === s).length]));
    const clusters = new Set(rows.map((r) => r.clusterId)).size;
    more.disabled = false;
    holder.replaceChildren(
      el("p", { class: "counts", "data-testid": "counts" },
        el("span", {}, `${clusters} clusters`), el("span", {}, `${rows.length} integrations`),
        SEVERITIES.map((s) => el("span", { class: `sev-${s}` }, `${s} ${counts[s]}`))),
      exportButtons(),
      table(`Run ${state.run?.runId ?? ""} as of ${state.run?.asOf ?? ""}${state.token ? " (more pages on the server)" : ""}`, columns, rows, (r, k) => {
        if (k === "cluster") return el("a", { href: href("cluster", { id: r.clusterId }) }, r.cluster);
        if (k === "severity") return sev(r.severity);
        if (k === "daysLeft") return r.daysLeft === null ? "" : r.daysLeft;
        return r[k];
      }, sortState),
      state.token ? more : null,
    );
    status(`${rows.length} integrations on ${clusters} clusters`);
  };
  $view.replaceChildren(el("h2", {}, "Fleet as of a date"), form, holder);
  draw();
}

function filterRows(rows, params) {
  const sub = (params.get("subscription") ?? "").toLowerCase();
  const rg = (params.get("resourceGroup") ?? "").toLowerCase();
  const q = (params.get("q") ?? "").toLowerCase();
  const within = params.get("within");
  const from = Number(params.get("from") ?? 0);
  return rows.filter(
    (r) =>
      (!sub || r.subscription.toLowerCase().includes(sub)) &&
      (!rg || r.resourceGroup.toLowerCase().includes(rg)) &&
      (!q || [r.cluster, r.integration, r.version, r.tags, r.resourceGroup].some((v) => v.toLowerCase().includes(q))) &&
      (within === null || within === "" || (r.daysLeft !== null && r.daysLeft >= from && r.daysLeft <= Number(within))),
  );
}

// ---------- deadlines ahead ----------
async function deadlinesView(params) {
  const state = { clusters: [], token: null, run: null };
  await loadFleet(params, state, true);
  const weeks = Array.from({ length: 26 }, () => 0);
  for (const r of fleetRows(state.clusters)) {
    if (r.daysLeft !== null && r.daysLeft < 26 * 7) weeks[Math.floor(r.daysLeft / 7)] += 1;
  }
  const max = Math.max(1, ...weeks);
  const W = 26 * 32 + 40;
  const H = 220;
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "chart-title" }, svg("title", { id: "chart-title" }, "Deadlines per week, next 26 weeks"));
  weeks.forEach((n, w) => {
    const h = Math.round((n / max) * (H - 50));
    const x = 30 + w * 32;
    const link = svg("a", { href: href("fleet", { asOf: params.get("asOf") || state.run?.asOf, from: w * 7, within: w * 7 + 6 }), "aria-label": `week ${w + 1}: ${n} deadlines` },
      svg("rect", { class: "bar", x, y: H - 30 - h, width: 26, height: Math.max(h, n > 0 ? 2 : 0) }),
      svg("rect", { x, y: 10, width: 26, height: H - 40, fill: "transparent" }),
      svg("text", { x: x + 13, y: H - 33 - h, "text-anchor": "middle" }, String(n)));
    chart.append(link);
    if (w % 4 === 0) chart.append(svg("text", { x, y: H - 12 }, `+${w}w`));
  });
  const rows = weeks.map((n, w) => ({ week: w + 1, fromDay: w * 7, toDay: w * 7 + 6, deadlines: n }));
  current = { name: `deadlines-${state.run?.asOf ?? ""}`, rows, columns: ["week", "fromDay", "toDay", "deadlines"] };
  $view.replaceChildren(
    el("h2", {}, "Deadlines ahead"),
    el("p", {}, `Integration deadlines per week after ${state.run?.asOf ?? ""} (run ${state.run?.runId ?? ""}). Each bar opens the fleet filtered to that week.`),
    el("div", { class: "chart" }, chart),
    exportButtons(),
    table("Deadlines per week", [{ key: "week", label: "Week", num: true }, { key: "fromDay", label: "From day", num: true }, { key: "toDay", label: "To day", num: true }, { key: "deadlines", label: "Deadlines", num: true }], rows,
      (r, k) => (k === "deadlines" ? el("a", { href: href("fleet", { asOf: state.run?.asOf, from: r.fromDay, within: r.toDay }) }, r.deadlines) : r[k])),
  );
  status(`${weeks.reduce((a, b) => a + b, 0)} deadlines in the next 26 weeks`);
}

// ---------- one cluster ----------
async function clusterView(params) {
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
  current = { name: `cluster-${latest?.name ?? "cluster"}`, rows: snapshots.map((s) => ({ runId: s.runId, asOf: s.asOf, cluster: s.cluster })), columns: ["runId", "asOf"] };
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

// ---------- router ----------
const VIEWS = { runs: runsView, fleet: fleetView, deadlines: deadlinesView, cluster: clusterView };
let generation = 0;
async function show() {
  const { view, params } = route();
  const mine = ++generation;
  for (const a of document.querySelectorAll("nav a")) a.toggleAttribute("aria-current", false);
  document.querySelector(`nav a[data-view="${view}"]`)?.setAttribute("aria-current", "page");
  status("Loading…");
  try {
    await (VIEWS[view] ?? runsView)(params);
  } catch (error) {
    if (mine !== generation) return;
    $view.replaceChildren(el("p", { class: "verify-broken", role: "alert" }, error instanceof ApiError ? error.message : `The console failed: ${error.message}`));
    status("Failed");
  }
}
window.addEventListener("hashchange", show);
show();
