import { describe, expect, it } from "vitest";
import { parseCli, UsageError } from "../../src/cli/args.js";

function usageError(argv: string[]): string {
  try {
    parseCli(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("expected a usage error");
}

describe("aks-audit arguments", () => {
  it("audit stores by default and --no-store only prints", () => {
    expect(parseCli(["audit"]).store).toBe(true);
    expect(parseCli(["audit", "--no-store"]).store).toBe(false);
  });

  it("takes the audit's today, format, fail-on and an export file", () => {
    const o = parseCli(["audit", "--from-file", "x.json", "--as-of", "2026-11-23", "--format", "csv", "--fail-on", "warning", "--quiet"]);
    expect(o).toMatchObject({ command: "audit", fromFile: "x.json", asOf: "2026-11-23", format: "csv", failOn: "warning", quiet: true });
  });

  it.each([
    [["audit", "--format", "yaml"], /--format: expected table, json or csv, got 'yaml'/],
    [["audit", "--as-of", "2026-02-30"], /--as-of: expected a date YYYY-MM-DD/],
    [["audit", "--fail-on", "info"], /--fail-on: expected critical or warning/],
    [["launch"], /unknown command 'launch'/],
    [["audit", "--bogus"], /bogus/],
    [["history"], /history: choose one of --runs/],
    [["audit", "--extensions-file", "e.json"], /--extensions-file goes with --from-file/],
    [["demo", "--clusters", "0"], /--clusters: expected a whole number/],
  ])("%j is refused with a message naming the problem", (argv, message) => {
    expect(usageError(argv)).toMatch(message);
  });

  it("help needs no command", () => {
    expect(parseCli([]).command).toBe("help");
    expect(parseCli(["audit", "--help"]).command).toBe("help");
  });
});
