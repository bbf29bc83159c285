/** Small output helpers for the CLI: progress on stderr only when it is a terminal. */
import type { Format } from "./args.js";
export { csvLines as csv, textTable } from "../core/text.js";

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
