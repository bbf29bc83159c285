// Deadlines ahead: a bar per week for 26 weeks, each a link to the fleet filtered to that week.
// The server counts them over the whole run (GET /api/fleet/deadlines); the page loads no clusters.
import { api } from "./api.js";
import { $view, el, href, status, svg } from "./dom.js";
import { exportButtons, setExport, table } from "./table.js";

export async function deadlinesView(params) {
  const asOf = params.get("asOf") || new Date().toISOString().slice(0, 10);
  const { body } = await api("fleet/deadlines", { asOf, weeks: 26 });
  const state = { run: { runId: body.runId, asOf: body.asOf } };
  const weeks = body.weeks.map((w) => w.clusters);
  const max = Math.max(1, ...weeks);
  const W = 26 * 32 + 40;
  const H = 220;
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "chart-title" }, svg("title", { id: "chart-title" }, "Clusters with a deadline, per week, next 26 weeks"));
  weeks.forEach((n, w) => {
    const h = Math.round((n / max) * (H - 50));
    const x = 30 + w * 32;
    const link = svg("a", { href: href("fleet", { asOf: params.get("asOf") || state.run?.asOf, from: w * 7, within: w * 7 + 6 }), "aria-label": `week ${w + 1}: ${n} clusters` },
      svg("rect", { class: "bar", x, y: H - 30 - h, width: 26, height: Math.max(h, n > 0 ? 2 : 0) }),
      svg("rect", { x, y: 10, width: 26, height: H - 40, fill: "transparent" }),
      svg("text", { x: x + 13, y: H - 33 - h, "text-anchor": "middle" }, String(n)));
    chart.append(link);
    if (w % 4 === 0) chart.append(svg("text", { x, y: H - 12 }, `+${w}w`));
  });
  const rows = body.weeks.map((w) => ({ week: w.week, start: w.start, fromDay: w.fromDay, toDay: w.toDay, clusters: w.clusters }));
  setExport({ name: `deadlines-${state.run?.asOf ?? ""}`, rows, columns: ["week", "start", "fromDay", "toDay", "clusters"] });
  $view.replaceChildren(
    el("h2", {}, "Deadlines ahead"),
    el("p", {}, `Clusters with a deadline in each week after ${state.run?.asOf ?? ""} (run ${state.run?.runId ?? ""}, all ${body.matched.clusters} clusters counted). Each bar opens the fleet filtered to that week.`),
    el("div", { class: "chart" }, chart),
    exportButtons(),
    table("Clusters with a deadline, per week", [{ key: "week", label: "Week", num: true }, { key: "start", label: "Starts" }, { key: "fromDay", label: "From day", num: true }, { key: "toDay", label: "To day", num: true }, { key: "clusters", label: "Clusters", num: true }], rows,
      (r, k) => (k === "clusters" ? el("a", { href: href("fleet", { asOf: state.run?.asOf, from: r.fromDay, within: r.toDay }) }, r.clusters) : r[k])),
  );
  status(`${weeks.reduce((a, b) => a + b, 0)} cluster-weeks with a deadline in the next 26 weeks`);
}

