/**
 * `aks-audit export --run` and `aks-audit verify --bundle | --root`, end to end in-process: two demo
 * runs into the local Azurite store, the bundle written to a file and checked from the file alone.
 * Each edit an insider could make to the file (a cluster's report, a link, the root) is named.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { captureCli, tempHome } from "../helpers/cli.js";
import { main } from "../../src/cli/main.js";
import type { EvidenceBundle } from "../../src/core/evidence.js";
import { chainHash } from "../../src/core/hashing.js";
import type { RunRecord } from "../../src/core/ports.js";

const home = tempHome("evidence");
const env = { AKS_AUDIT_HOME: home };
const io = captureCli();

let latest: RunRecord;
let previous: RunRecord;
const bundleFile = path.join(home, "evidence.json");

beforeAll(async () => {
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    for (const day of ["2026-11-23", "2026-11-24"]) expect(await main(["demo", "--clusters", "6", "--weeks", "1", "--as-of", day, "--quiet", "--format", "json"], env)).toBe(0);
  } finally {
    vi.restoreAllMocks();
  }
}, 60_000);

async function runs(): Promise<RunRecord[]> {
  io.reset();
  expect(await main(["history", "--runs", "--format", "json"], env)).toBe(0);
  const list = JSON.parse(io.stdout) as RunRecord[];
  io.reset();
  return list;
}

/** Writes an edited copy of the exported bundle and checks it. */
async function checkEdited(edit: (b: EvidenceBundle) => void): Promise<{ code: number; output: { ok: boolean; broken: { clusterId: string | null; field: string }[] } }> {
  const bundle = JSON.parse(readFileSync(bundleFile, "utf8")) as EvidenceBundle;
  edit(bundle);
  const file = path.join(home, "edited.json");
  writeFileSync(file, JSON.stringify(bundle));
  io.reset();
  const code = await main(["verify", "--bundle", file, "--format", "json"], env);
  return { code, output: JSON.parse(io.stdout) };
}

describe("evidence bundle", () => {
  it("every run shows its root; the latest one's links to the one before and the store reproduces it", async () => {
    [latest, previous] = (await runs()) as [RunRecord, RunRecord];
    expect(previous.root).toMatchObject({ seq: 1, previousRoot: "", clusters: 6 });
    expect(latest.root).toMatchObject({ seq: 2, previousRoot: previous.root!.hash, clusters: 6 });
    expect(await main(["verify", "--root", latest.root!.hash, "--format", "table"], env)).toBe(0);
    expect(io.stdout).toContain(`root of run ${latest.runId} (2026-11-24, position 2) ${latest.root!.hash}: in the chain and reproduced by the chains`);
    io.reset();
    expect(await main(["verify", "--root", "ab".repeat(32), "--format", "table"], env)).toBe(1);
    expect(io.stdout).toContain("root chain, root: this root is not in the stored root chain");
    expect(await main(["verify", "--root", "nope"], env)).toBe(2);
    expect(io.stderr).toContain("--root: expected a run root (64 hex digits), got 'nope'");
  }, 30_000);

  it("an exported bundle verifies from the file alone", async () => {
    expect(await main(["export", "--run", latest.runId, "--out", bundleFile], env)).toBe(0);
    const bundle = JSON.parse(readFileSync(bundleFile, "utf8")) as EvidenceBundle;
    expect(bundle).toMatchObject({ format: "aks-audit-evidence", formatVersion: 1, run: { runId: latest.runId, root: latest.root }, report: { schemaVersion: 1, runId: latest.runId } });
    expect(bundle.links).toHaveLength(6);
    expect(bundle.report.clusters).toHaveLength(6);
    expect(bundle.rootChain.map((r) => [r.seq, r.hash])).toEqual([
      [1, previous.root!.hash],
      [2, latest.root!.hash],
    ]);
    // No store is opened: checked from a home that has no store in it, the answer is the same.
    expect(await main(["verify", "--bundle", bundleFile, "--format", "table"], { AKS_AUDIT_HOME: path.join(home, "nowhere") })).toBe(0);
    expect(io.stdout).toContain(`evidence bundle intact: 6 cluster links reproduce run root ${latest.root!.hash}`);
    expect(existsSync(path.join(home, "nowhere"))).toBe(false);
  }, 30_000);

  it("an edited cluster report is named by cluster and field", async () => {
    let edited = "";
    const { code, output } = await checkEdited((b) => {
      const cluster = b.report.clusters[2]!;
      edited = cluster.id;
      cluster.integrations[0]!.severity = cluster.integrations[0]!.severity === "ok" ? "critical" : "ok";
    });
    expect(code).toBe(1);
    expect(output.broken).toEqual([expect.objectContaining({ clusterId: edited, field: "report.clusters[].contentHash" })]);
  });

  it("an edited link, even with its hash recomputed, is caught by the root", async () => {
    let edited = "";
    const plain = await checkEdited((b) => {
      edited = b.links[1]!.clusterId;
      b.links[1]!.asOf = "2026-11-23";
    });
    expect(plain.code).toBe(1);
    expect(plain.output.broken).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ clusterId: edited, field: "links[].asOf" }),
        expect.objectContaining({ clusterId: edited, field: "links[].chainHash" }),
      ]),
    );
    // The link's predecessor rewritten and its chainHash recomputed: it adds up alone, not in the root.
    const rehashed = await checkEdited((b) => {
      const link = b.links[1]!;
      link.previousChainHash = "0".repeat(64);
      link.chainHash = chainHash(link);
    });
    expect(rehashed.code).toBe(1);
    expect(rehashed.output.broken).toEqual([expect.objectContaining({ clusterId: null, field: "run.root.pairsHash" })]);
  });

  it("an edited root, an edited older root and a chain cut short are named by field", async () => {
    const root = await checkEdited((b) => {
      b.run.root!.previousRoot = "0".repeat(64);
    });
    expect(root.code).toBe(1);
    expect(root.output.broken).toEqual([expect.objectContaining({ clusterId: null, field: "run.root.hash" })]);
    const older = await checkEdited((b) => {
      b.rootChain[0]!.clusters = 7;
    });
    expect(older.output.broken).toEqual([expect.objectContaining({ clusterId: null, field: "rootChain[0].hash" })]);
    const cut = await checkEdited((b) => {
      b.rootChain.pop();
    });
    expect(cut.output.broken).toEqual([expect.objectContaining({ clusterId: null, field: "rootChain", reason: "does not end at the run's own root" })]);
  });

  it("a file that is not a bundle exits 2 naming it", async () => {
    const garbage = path.join(home, "garbage.json");
    writeFileSync(garbage, "{ not json");
    expect(await main(["verify", "--bundle", garbage], env)).toBe(2);
    expect(io.stderr).toContain("garbage.json is unreadable: not JSON");
    writeFileSync(garbage, JSON.stringify({ runId: "x" }));
    expect(await main(["verify", "--bundle", garbage], env)).toBe(2);
    expect(io.stderr).toContain("not an evidence bundle");
    expect(await main(["verify", "--bundle", path.join(home, "missing.json")], env)).toBe(2);
    expect(io.stderr).toContain("cannot read");
  });
});
