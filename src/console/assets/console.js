// The auditors' console: a view per hash route (#/runs, #/fleet, #/deadlines, #/cluster).
import { ApiError } from "./api.js";
import { clusterView } from "./cluster.js";
import { deadlinesView } from "./deadlines.js";
import { $view, el, route, status } from "./dom.js";
import { fleetView } from "./fleet.js";
import { runsView } from "./runs.js";

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
