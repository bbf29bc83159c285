// Tables with sortable headers, and the CSV / JSON export of whatever view is showing.
import { el } from "./dom.js";

let current = { name: "view", rows: [], columns: [] };
/** What the export buttons write: the view's name, its rows and the columns in order. */
export function setExport(view) {
  current = view;
}
export function csvCell(value) {
  let text = value === null || value === undefined ? "" : String(value);
  // A spreadsheet would run a cell starting with = + - @ as a formula.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
export function download(filename, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
export function exportButtons() {
  return el(
    "div",
    { class: "actions" },
    el("button", { type: "button", on: { click: () => download(`${current.name}.csv`, "text/csv", [current.columns.map(csvCell).join(","), ...current.rows.map((r) => current.columns.map((c) => csvCell(r[c])).join(","))].join("\r\n") + "\r\n") } }, "Export CSV"),
    el("button", { type: "button", on: { click: () => download(`${current.name}.json`, "application/json", JSON.stringify(current.rows, null, 2)) } }, "Export JSON"),
  );
}

/** A table with a header row and sortable columns (buttons, so the keyboard can sort). */
export function table(caption, columns, rows, render, sortState = { column: null, dir: 1 }) {
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

