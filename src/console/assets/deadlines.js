// Deadlines ahead: a bar per week for 26 weeks, each a link to the fleet filtered to that week.
import { $view, el, href, status, svg } from "./dom.js";
import { fleetRows, loadFleet } from "./fleet.js";
import { exportButtons, setExport, table } from "./table.js";

export async function deadlinesView(params) {
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
  setExport({ name: `deadlines-${state.run?.asOf ?? ""}`, rows, columns: ["week", "fromDay", "toDay", "deadlines"] });
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

