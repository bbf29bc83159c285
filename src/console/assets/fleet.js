// The fleet as of a date: the latest fleet run at or before it, filtered and paged.
import { api } from "./api.js";
import { $view, el, href, sev, SEVERITIES, status, TIERS } from "./dom.js";
import { exportButtons, setExport, table } from "./table.js";

const PAGE = 200;

function today() {
  return new Date().toISOString().slice(0, 10);
}
function nextDeadline(integration) {
  const ahead = (integration.deadlines ?? []).filter((d) => d.daysLeft >= 0).sort((a, b) => a.daysLeft - b.daysLeft);
  return ahead[0] ?? null;
}
export function fleetRows(clusters) {
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
export async function loadFleet(params, state, all = false) {
  do {
    const { body } = await api("fleet", { asOf: params.get("asOf") || today(), severity: params.get("severity"), supportTier: params.get("tier"), limit: PAGE, continuationToken: state.token });
    state.run = { runId: body.runId, asOf: body.asOf };
    state.clusters.push(...body.clusters);
    state.token = body.continuationToken;
    // A whole large fleet takes many pages: say how far it has got.
    if (all && state.token) status(`Loading the fleet: ${state.clusters.length} clusters so far…`);
  } while (all && state.token);
}

export async function fleetView(params) {
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
    setExport({ name: `fleet-${state.run?.asOf ?? ""}`, rows, columns: ["cluster", "clusterId", "subscription", "resourceGroup", "kubernetes", "kind", "integration", "version", "tier", "drift", "severity", "deadline", "deadlineKind", "daysLeft", "tags"] });
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

