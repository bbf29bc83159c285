/** `aks-audit catalog`, in-process: the bundled catalog, the real loader, stdout and exit codes. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";

const home = mkdtempSync(path.join(tmpdir(), "aks-audit-catalog-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

let stdout = "";
let stderr = "";
beforeEach(() => {
  stdout = "";
  stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

const env = (extra: Record<string, string> = {}) => ({ AKS_AUDIT_HOME: home, ...extra });

interface Listing {
  catalog: { version: string; checkedAt: string; stale: boolean; note?: string };
  counts: { facts: number; used: number; unused: number };
  facts: { date: string; kind: string; subject: string; appliesTo: string; estimated: boolean; source: string; used: boolean }[];
}

async function listing(args: string[], extra: Record<string, string> = {}): Promise<Listing> {
  expect(await main(["catalog", "--format", "json", ...args], env(extra))).toBe(0);
  return JSON.parse(stdout) as Listing;
}

describe("aks-audit catalog", () => {
  it("lists every dated fact, sorted by date, each with kind, subject, what it applies to and a source", async () => {
    const out = await listing(["--as-of", "2026-12-02"]);
    expect(out.catalog).toMatchObject({ version: expect.any(String), checkedAt: "2026-12-02", stale: false });
    expect(out.facts.length).toBeGreaterThan(90);
    const dates = out.facts.map((f) => f.date);
    expect(dates).toEqual([...dates].sort());
    for (const f of out.facts) {
      expect(Object.keys(f).slice(0, 6)).toEqual(["date", "kind", "subject", "appliesTo", "estimated", "source"]);
      expect(f.source).toMatch(/^https:\/\//);
    }
    const kinds = new Set(out.facts.map((f) => f.kind));
    for (const k of ["end-of-community-support", "end-of-platform-support", "end-of-lts", "retirement", "breaking-change", "revision-end-of-life"]) expect(kinds).toContain(k);
    expect(out.counts.facts).toBe(out.facts.length);
    expect(out.counts.used + out.counts.unused).toBe(out.facts.length);
    // Facts with no judgement rule yet are still listed, and counted as unused.
    expect(out.facts.find((f) => f.appliesTo === "cluster-feature applicationGatewayForContainers")).toMatchObject({ date: "2026-02-08", used: false });
    // A cluster-feature change the classifier detects is used.
    expect(out.facts.find((f) => f.appliesTo === "cluster-feature enableCustomCATrust")).toMatchObject({ date: "2026-09-14", used: true });
    expect(out.counts.unused).toBeGreaterThan(0);
  });

  it("--upcoming keeps the facts within that many days of --as-of", async () => {
    const out = await listing(["--as-of", "2027-03-01", "--upcoming", "45"]);
    expect(out.facts.length).toBeGreaterThan(2);
    expect(out.facts.every((f) => f.date >= "2027-03-01" && f.date <= "2027-04-15")).toBe(true);
    expect(out.facts.map((f) => `${f.date} ${f.appliesTo}`)).toEqual(expect.arrayContaining(["2027-03-31 kubernetes 1.35", "2027-04-01 node-os Windows2019"]));
  });

  it("says when the catalog is older than CATALOG_MAX_AGE_DAYS at --as-of, in JSON and in the table", async () => {
    const out = await listing(["--as-of", "2027-06-01", "--upcoming", "30"], { CATALOG_MAX_AGE_DAYS: "90" });
    expect(out.catalog.stale).toBe(true);
    expect(out.catalog.note).toContain("181 days before 2027-06-01");
    stdout = "";
    expect(await main(["catalog", "--as-of", "2027-06-01", "--format", "table"], env({ CATALOG_MAX_AGE_DAYS: "90" }))).toBe(0);
    expect(stdout.split("\n").slice(0, 3).join("\n")).toContain("Note: The catalog's facts were last checked on 2026-12-02");
  });

  it("prints CSV with a header row and booleans", async () => {
    expect(await main(["catalog", "--as-of", "2026-12-02", "--upcoming", "60", "--format", "csv"], env())).toBe(0);
    const lines = stdout.trimEnd().split("\r\n");
    expect(lines[0]).toBe("date,kind,subject,appliesTo,estimated,used,source");
    expect(lines.slice(1).some((l) => l.startsWith("2026-12-31,revision-end-of-life,") && l.includes(",true,true,https://"))).toBe(true);
  });

  it("--upcoming outside the catalog command, or a bad number, exits 2 naming the option", async () => {
    expect(await main(["audit", "--upcoming", "5"], env())).toBe(2);
    expect(stderr).toContain("--upcoming goes with the catalog command");
    expect(await main(["catalog", "--upcoming", "soon"], env())).toBe(2);
    expect(stderr).toContain("--upcoming: expected a number of days");
  });

  describe("--validate FILE", () => {
    const write = (name: string, value: unknown): string => {
      const file = path.join(home, name);
      writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
      return file;
    };
    const change = {
      id: "custom-retirement",
      subject: "An in-house fact",
      kind: "retirement",
      date: "2027-02-01",
      appliesTo: { target: "cluster-feature", name: "kubenet" },
      replacement: null,
      source: "https://example.com/notice",
      checked: "2026-12-02",
    };

    it("exits 0 for an override the app would accept", async () => {
      const file = write("good.json", { version: "local-1", changes: [change] });
      expect(await main(["catalog", "--validate", file], env())).toBe(0);
      expect(stdout).toContain(`catalog ${file}: valid`);
    });

    it("exits 2 and prints each problem with file, entry and field", async () => {
      const file = write("bad.json", {
        changes: [{ ...change, date: "2027-13-01" }, { ...change, id: "no-source", source: undefined }],
        kubernetes: [{ minor: "1.40", ga: [], endOfSupport: [], platformSupportUntilGaOf: null, ltsEnd: [], source: "http://insecure", checked: "2026-12-02" }],
      });
      expect(await main(["catalog", "--validate", file], env())).toBe(2);
      const lines = stdout.trimEnd().split("\n");
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^catalog ${file} \\(changes\\): entry "custom-retirement": field "date": expected`)),
          expect.stringMatching(new RegExp(`^catalog ${file} \\(changes\\): entry "no-source": field "source": expected`)),
          expect.stringMatching(new RegExp(`^catalog ${file} \\(kubernetes\\): entry "1.40": field "source": expected`)),
        ]),
      );
    });

    it("exits 2 for a file that is not JSON, naming it", async () => {
      const file = write("broken.json", "{ nope");
      expect(await main(["catalog", "--validate", file], env())).toBe(2);
      expect(stdout).toContain(`catalog ${file}: not valid JSON`);
    });
  });
});
