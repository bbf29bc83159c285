/**
 * Plain-text output shared by the report formatter and the CLI: CSV cells that no spreadsheet will
 * run as a formula, and fixed-width tables that Azure data cannot corrupt with control characters.
 */

/** A CSV text cell: quoted when needed; a leading = + - @ (or tab/CR) is neutralised. */
export function csvCell(value: string | null | undefined): string {
  let s = value ?? "";
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A number we produced ourselves: written as is (a negative daysLeft is data, not a formula). */
export function csvNumber(value: number | null): string {
  return value === null || !Number.isFinite(value) ? "" : String(value);
}

/** RFC 4180 lines with CRLF endings. Numbers are written as numbers, everything else as text cells. */
export function csvLines(headers: readonly string[], rows: readonly (string | number | null)[][]): string {
  const cell = (v: string | number | null): string => (typeof v === "number" ? csvNumber(v) : csvCell(v));
  return [headers.map(csvCell).join(","), ...rows.map((r) => r.map(cell).join(","))].join("\r\n") + "\r\n";
}

/** Terminal-safe text: control and bidi-override characters become "?" so they cannot move the cursor. */
export function plain(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "-";
  return String(value).replace(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, "?");
}

export function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** Fixed-width columns, each at most its max width (default 60). */
export function columns(headers: readonly string[], rows: readonly string[][], maxWidths: readonly number[] = []): string[] {
  const widths = headers.map((h, i) => Math.min(maxWidths[i] ?? 60, Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length))));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => fit(c, widths[i]!).padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

export function textTable(headers: readonly string[], rows: readonly (string | number | null)[][]): string {
  return columns(headers, rows.map((r) => r.map(plain))).join("\n");
}
