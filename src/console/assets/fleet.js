// The fleet as of a date: the latest fleet run at or before it, filtered and paged.
import { api, ApiError } from "./api.js";
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

/**
 * The filters as the API takes them: the server applies them over the whole run while paging, so
 * every page holds only matches and the counts below can speak for the run, not the loaded pages.
 */
export function serverFilters(params) {
  return {
    asOf: params.get("asOf") || today(), severity: params.get("severity"), supportTier: params.get("tier"),
    subscription: params.get("subscription"), resourceGroup: params.get("resourceGroup"), q: params.get("q"),
    deadlineWithinDays: params.get("within"), deadlineFromDays: params.get("within") ? params.get("from") : null,
  };
}

/** The next page of the fleet API, following the continuation token. */
export async function loadFleet(params, state) {
  // `limit` in the view's URL picks the page size (the API's 1–1000); the default suits a screen.
  const { body } = await api("fleet", { ...serverFilters(params), limit: params.get("limit") || PAGE, continuationToken: state.token });
  state.run = { runId: body.runId, asOf: body.asOf };
  state.clusters.push(...body.clusters);
  state.token = body.continuationToken;
}

export async function fleetView(params) {
  const state = { clusters: [], token: null, run: null };
  const form = el(
    "form",
    { class: "filters", role: "search", "aria-label": "Fleet filters" },
    el("label", {}, "As of", el("input", { type: "date", name: "asOf", value: params.get("asOf") || today() })),
    el("label", {}, "Severity", el("select", { name: "severity" }, el("option", { value: "" }, "any"), SEVERITIES.map((s) => el("option", { value: s, selected: params.get("severity") === s }, s)))),
    el("label", {}, "Support tier", el("select", { name: "tier" }, el("option", { value: "" }, "any"), TIERS.map((t) => el("option", { value: t, selected: params.get("tier") === t }, t)))),
    el("label", {}, "Subscription (GUID)", el("input", { name: "subscription", value: params.get("subscription") ?? "", size: 12, pattern: "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}" })),
    el("label", {}, "Resource group", el("input", { name: "resourceGroup", value: params.get("resourceGroup") ?? "", size: 12 })),
    el("label", {}, "Text", el("input", { type: "search", name: "q", value: params.get("q") ?? "", size: 14, maxlength: 100 })),
    el("label", {}, "Deadline within (days)", el("input", { type: "number", min: 0, max: 3650, name: "within", value: params.get("within") ?? "", size: 5 })),
    params.get("from") ? el("input", { type: "hidden", name: "from", value: params.get("from") }) : null,
    el("button", { type: "submit" }, "Apply"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // Empty fields are no filter: left out of the URL, so the API sees only what was asked.
    const data = Object.fromEntries([...new FormData(form)].filter(([, v]) => v !== ""));
    location.hash = href("fleet", data);
  });

  // The first page is drawn as soon as it arrives; the whole run's counts under the same filters
  // (one pass over the run on the server, long for a large unfiltered run) fill in when they come.
  let totals = null;
  const counting = api("fleet/deadlines", { ...serverFilters(params), weeks: 1 }).then((r) => r.body.matched);
  counting.catch(() => undefined); // handled below, once the page is drawn
  try {
    await loadFleet(params, state);
  } catch (error) {
    // A filter the API refused: keep the form so it can be corrected, and say which one.
    if (!(error instanceof ApiError) || error.status !== 400) throw error;
    $view.replaceChildren(el("h2", {}, "Fleet as of a date"), form, el("p", { class: "verify-broken", role: "alert" }, error.message));
    status("A filter was refused");
    return;
  }
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
    const rows = fleetRows(state.clusters);
    setExport({ name: `fleet-${state.run?.asOf ?? ""}`, rows, columns: ["cluster", "clusterId", "subscription", "resourceGroup", "kubernetes", "kind", "integration", "version", "tier", "drift", "severity", "deadline", "deadlineKind", "daysLeft", "tags"] });
    more.disabled = false;
    holder.replaceChildren(
      // The whole run as filtered, from the server; the table below holds the pages loaded so far.
      totals
        ? el("p", { class: "counts", "data-testid": "counts" },
            el("span", {}, `${totals.clusters} clusters`), el("span", {}, `${totals.integrations} integrations`),
            SEVERITIES.map((s) => el("span", { class: `sev-${s}` }, `${s} ${totals.bySeverity[s] ?? 0}`)),
            el("span", {}, "in the whole run as filtered"))
        : el("p", { class: "counts" }, "Counting the whole run as filtered…"),
      exportButtons(),
      table(`Run ${state.run?.runId ?? ""} as of ${state.run?.asOf ?? ""}: ${state.clusters.length}${totals ? ` of ${totals.clusters}` : ""} clusters loaded`, columns, rows, (r, k) => {
        if (k === "cluster") return el("a", { href: href("cluster", { id: r.clusterId }) }, r.cluster);
        if (k === "severity") return sev(r.severity);
        if (k === "daysLeft") return r.daysLeft === null ? "" : r.daysLeft;
        return r[k];
      }, sortState),
      state.token ? more : null,
    );
    status(`${rows.length} integrations on ${state.clusters.length} clusters loaded` + (totals ? `, of ${totals.integrations} on ${totals.clusters} in the run` : "; counting the run"));
  };
  $view.replaceChildren(el("h2", {}, "Fleet as of a date"), form, holder);
  draw();
  counting.then(
    (matched) => {
      totals = matched;
      draw();
    },
    (error) => status(`Could not count the whole run: ${error.message}`),
  );
}
