/** Small output helpers for the CLI: progress on stderr only when it is a terminal. */
import type { Format } from "./args.js";

/** A failure the user can fix (bad file, unknown run): exit 2 with this one line. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

export interface Output {
  format: Format;
  /** Result data: stdout. */
  print(text: string): void;
  /** Human notes: stderr, silenced by --quiet. */
  note(text: string): void;
  /** Transient progress: stderr, only on a TTY. */
  progress(text: string): void;
  endProgress(): void;
}

export function createOutput(format: Format | null, quiet: boolean): Output {
  const tty = Boolean(process.stderr.isTTY);
  let progressShown = false;
  return {
    format: format ?? (process.stdout.isTTY ? "table" : "json"),
    print: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    note: (text) => {
      if (!quiet) process.stderr.write(`${text}\n`);
    },
    progress: (text) => {
      if (quiet || !tty) return;
      process.stderr.write(`\r\x1b[2K${text}`);
      progressShown = true;
    },
    endProgress: () => {
      if (progressShown) process.stderr.write("\r\x1b[2K");
      progressShown = false;
    },
  };
}

/** A fixed-width text table; every cell is plain text (no terminal escapes from Azure data). */
export function textTable(headers: string[], rows: (string | number | null)[][]): string {
  const clean = (v: string | number | null): string => (v === null ? "-" : String(v).replace(/[\x00-\x1f\x7f-\x9f]/g, "?"));
  const cells = rows.map((r) => r.map(clean));
  const widths = headers.map((h, i) => Math.min(60, Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length))));
  const line = (r: string[]): string =>
    r
      .map((c, i) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

/** RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function csv(headers: string[], rows: (string | number | null)[][]): string {
  const cell = (v: string | number | null): string => {
    let s = v === null ? "" : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [headers, ...rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}
